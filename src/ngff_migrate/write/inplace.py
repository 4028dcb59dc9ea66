"""In-place migration (DESIGN §5): only metadata changes, every change journaled.

The documents of a :class:`~ngff_migrate.formats.plan.MigrationPlan` are
written next to the legacy metadata (which stays, so legacy readers keep
working and rollback has nothing to recreate). The run holds the dataset's
lock throughout. Before the first write: an interrupted earlier run is
rolled back (:func:`recover_interrupted`), every target directory is checked
to be inside the dataset and writable, every target file is backed up, and
the journal listing them is durable. Each write is atomic. Any failure,
including a failed verification, rolls the tree back (docs/safety.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..errors import MigrateError
from ..formats.plan import MigrationPlan
from ..report.model import WriteStats
from ..storage.location import is_remote
from ..storage.lock import Busy, Lock
from ..storage.sandbox import inside
from .atomic import dumps_document, flush_paths, write_tiers
from .journal import JOURNAL_DIR, JOURNAL_FILE, Journal, sha256_file
from .rollback import clear_leftover, rollback_journal


def dataset_lock(root: Path) -> Lock:
    """The lock every in-place run, rollback and finalize of ``root`` holds."""
    return Lock(root, wait=0.0)


def busy_error(root: Path) -> MigrateError:
    """The error for a dataset whose lock another process holds."""
    return MigrateError(root, "another ngff-migrate run holds this dataset's lock (it is being migrated, "
                              "rolled back or finalized); try again when it has finished")


def recover_interrupted(root: Path) -> str | None:
    """Make ``root`` ready for a new in-place run after a crash.

    A journal directory without a journal is removed; a journal of an
    interrupted run (state ``writing`` or ``written``) is rolled back.
    Returns a note saying what was done, or ``None`` if nothing was needed.

    Raises
    ------
    MigrateError
        If a finished migration's journal is there (roll it back or
        finalize it first), finalize was interrupted, or the rollback of the
        interrupted run found files changed since.
    """
    note = clear_leftover(root)
    if note is not None or not (root / JOURNAL_DIR / JOURNAL_FILE).is_file():
        return note
    journal = Journal.load(root)
    if journal.state == "done":
        raise MigrateError(root / JOURNAL_DIR, "an earlier in-place migration finished here and left its journal; "
                                               "run `ngff-migrate rollback` to undo it or `ngff-migrate finalize` "
                                               "to accept it")
    if journal.state == "finalizing":
        raise MigrateError(journal.file, "an interrupted `finalize` left its journal here; run `ngff-migrate finalize` again")
    outcome = rollback_journal(root)
    if outcome.conflicts:
        raise MigrateError(journal.file, f"an interrupted in-place run was rolled back except for "
                                         f"{len(outcome.conflicts)} file(s) changed since "
                                         f"(e.g. {outcome.conflicts[0]}); resolve them, then `ngff-migrate rollback`")
    return f"rolled back an interrupted in-place migration ({len(outcome.files)} files restored or removed)"


def _check_targets(root: Path, pending: list[tuple[str, bytes]]) -> None:
    """Refuse before any write: targets outside the dataset, missing or read-only directories."""
    real_root = Path(os.path.realpath(root))
    directories = {root}
    for rel, _ in pending:
        target = root / rel
        if not inside(real_root, target.parent) or ".." in rel.split("/"):
            raise MigrateError(target, f"would be written outside the dataset {root}; refused (nothing was written)")
        directories.add(target.parent)
    for directory in sorted(directories):
        if not directory.is_dir():
            raise MigrateError(directory, "directory missing; nothing was written")
        if not os.access(directory, os.W_OK):
            raise MigrateError(directory, "not writable (an in-place migration writes zarr.json here); "
                                          "nothing was written")


def migrate_in_place(plan: MigrationPlan, *, options: dict, verify: Callable[[Path], object],
                     stats: WriteStats, notes: list[str] | None = None) -> Journal:
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
    notes:
        Receives a line when an interrupted earlier run was recovered.

    Documents whose current bytes already equal the new ones are skipped;
    when nothing changes no journal is written.

    Raises
    ------
    MigrateError
        If another run holds the dataset's lock, a finished migration's
        journal is there, a target is outside the dataset, a symbolic link
        or in a read-only directory (nothing written), or writing or
        verification fails (the tree is rolled back to its original bytes
        before the error propagates).
    """
    root = plan.root
    if is_remote(root):  # a dataset in a bucket: the same design with objects (write/inplace_s3.py)
        from .inplace_s3 import migrate_in_place_s3

        return migrate_in_place_s3(plan, options=options, verify=verify, stats=stats, notes=notes)
    try:
        with dataset_lock(root):
            return _migrate_locked(plan, root, options, verify, stats, notes)
    except Busy:
        raise busy_error(root) from None


def _migrate_locked(plan, root, options, verify, stats, notes) -> Journal:
    note = recover_interrupted(root)
    if note and notes is not None:
        notes.append(note)
    pending, tiers = _pending(plan, root)
    if not pending:
        verify(root)
        return Journal(root, options=options, state="unchanged")
    _check_targets(root, pending)
    journal = Journal(root, options=options)
    try:
        journal.prepare(pending)
        stats.backups = sum(1 for e in journal.entries if e.action == "replaced")
        stats.document_bytes += write_tiers(root, tiers)
        stats.documents_written += len(pending)
        written = [root / rel for rel, _ in pending]
        flush_paths(written + [path.parent for path in written], tree=root)
        journal.state = "written"
        journal.save()
        verify(root)
        journal.state = "done"
        journal.save()
    except BaseException as exc:
        problem = _undo(root)
        if isinstance(exc, OSError):
            what = f"write failed ({exc.strerror or exc})"
            raise MigrateError(getattr(exc, "filename", None) or root,
                               f"{what}; {problem or 'tree rolled back'}") from None
        if problem and isinstance(exc, MigrateError):
            exc.problem += f"; {problem}"
            exc.args = (exc.one_line(),)
        raise
    return journal


def _pending(plan: MigrationPlan, root: Path) -> tuple[list[tuple[str, bytes]], list[list[tuple[str, bytes]]]]:
    """The documents of ``plan`` to write below ``root`` as ``(root-relative path, bytes)``, and the
    same in tiers (:func:`~ngff_migrate.write.atomic.write_tiers`); a document whose file already holds
    exactly its bytes is left out (an idempotent rerun touches nothing)."""
    pending = []
    tiers: list[list[tuple[str, bytes]]] = []
    tier_key = None
    for doc in plan.documents:
        data = dumps_document(doc.document)
        target = root / doc.file
        if target.is_file() and not target.is_symlink() and target.stat().st_size == len(data) \
                and target.read_bytes() == data:
            continue  # already what we would write: an idempotent re-run touches nothing
        pending.append((doc.file, data))
        # plan order (MigrationPlan.order_documents): arrays, then groups deepest first; a run of
        # arrays, or of groups at one depth, is a tier (written concurrently, in plan order otherwise)
        key = "array" if doc.node_type == "array" else doc.rel.count("/") + 1 if doc.rel else 0
        if key != tier_key or not tiers:
            tiers.append([])
            tier_key = key
        tiers[-1].append(pending[-1])
    return pending, tiers


def _undo(root: Path) -> str | None:
    """Roll back a failed run; ``None`` when the tree is back to its original
    bytes, else a sentence saying what is left for the user."""
    try:
        if (root / JOURNAL_DIR / JOURNAL_FILE).is_file():
            outcome = rollback_journal(root)
            if outcome.conflicts:
                return (f"the automatic rollback left {len(outcome.conflicts)} file(s) changed by someone else "
                        f"(e.g. {outcome.conflicts[0]}); the journal is kept")
        else:
            clear_leftover(root)
    except (MigrateError, OSError) as exc:
        why = exc.one_line() if isinstance(exc, MigrateError) else f"{exc.filename}: {exc.strerror or exc}"
        return f"the automatic rollback failed too ({why}); the journal is kept: run `ngff-migrate rollback`"
    return None


__all__ = ["busy_error", "dataset_lock", "migrate_in_place", "recover_interrupted", "sha256_file"]
