"""In-place migration (DESIGN §5): only metadata changes, every change journaled.

The documents of a :class:`~ngff_migrate.translate.plan.MigrationPlan` are
written next to the legacy metadata (which stays, so legacy readers keep
working and rollback has nothing to recreate). Before the first write every
target file is backed up and listed in the journal; each write is atomic.
Any failure, including a failed verification, rolls the tree back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import MigrateError
from ..report import WriteStats
from ..translate.plan import MigrationPlan
from .atomic import dumps_document, sync_all, write_atomic
from .journal import JOURNAL_DIR, Journal, rollback_journal, sha256_file


def migrate_in_place(plan: MigrationPlan, *, options: dict, verify: Callable[[Path], object],
                     stats: WriteStats) -> Journal:
    """Write ``plan`` into its own source tree, verify, and keep a journal.

    Parameters
    ----------
    plan:
        The migration plan; ``plan.root`` is modified.
    options:
        Recorded in the journal (what the run was asked to do).
    verify:
        Called with the root after writing; raises to reject the result.
    stats:
        Updated with the number of documents and bytes written.

    Documents whose current bytes already equal the new ones are skipped;
    when nothing changes no journal is written.

    Raises
    ------
    MigrateError
        If a journal from an earlier run exists, the tree is not writable, or
        writing/verification fails; in the last cases the tree is rolled back
        to its original bytes before the error propagates.
    """
    root = plan.root
    if (root / JOURNAL_DIR).exists():
        raise MigrateError(root / JOURNAL_DIR, "an earlier in-place migration left its journal here; "
                                               "run `ngff-migrate rollback` first")
    if not os.access(root, os.W_OK):
        raise MigrateError(root, "not writable; an in-place migration needs write access")
    pending = []
    for doc in plan.documents:
        data = dumps_document(doc.document)
        target = root / doc.file
        if target.is_file() and target.read_bytes() == data:
            continue  # already what we would write: an idempotent re-run touches nothing
        pending.append((doc, data))
    if not pending:
        verify(root)
        return Journal(root, options=options, state="unchanged")
    journal = Journal(root, options=options)
    try:
        journal.prepare([doc.file for doc, _ in pending])
        stats.backups = sum(1 for e in journal.entries if e.action == "replaced")
        for doc, data in pending:
            write_atomic(root / doc.file, data, fsync=False)
            stats.documents_written += 1
            stats.document_bytes += len(data)
        sync_all()
        journal.state = "written"
        journal.save()
        verify(root)
        for entry in journal.entries:
            entry.sha256_after = sha256_file(root / entry.path)
        journal.state = "done"
        journal.save()
    except BaseException as exc:
        if (root / JOURNAL_DIR / "journal.json").exists():
            rollback_journal(root)
        else:  # failed while preparing: nothing was written yet, drop partial backups
            shutil.rmtree(root / JOURNAL_DIR, ignore_errors=True)
        if isinstance(exc, OSError):
            raise MigrateError(getattr(exc, "filename", None) or root,
                               f"write failed ({exc.strerror or exc}); tree rolled back") from None
        raise
    return journal
