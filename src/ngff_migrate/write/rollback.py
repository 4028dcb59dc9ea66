"""Undo an in-place migration from its journal (docs/safety.md).

Per journal entry, by the file's current content (the write being atomic,
after a kill it is one of the two the journal names):

============================  =====================  =========================
current content               ``created`` entry      ``replaced`` entry
============================  =====================  =========================
absent                        nothing to do          restored from the backup
the original                  (cannot happen)        nothing to do
what the run meant to write   deleted                restored from the backup
anything else                 conflict               conflict
============================  =====================  =========================

A *conflict* is a file someone changed after the migration wrote it: it is
left alone and reported, the journal is kept, unless ``force``. Files that
need no change are not written at all, so a read-only subdirectory that the
run never wrote to does not stop a rollback. Leftover temporary files of
killed writes are removed. When nothing is left to do, the journal
directory goes (``journal.json`` first): the tree then holds exactly the
original files with exactly the original bytes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MigrateError
from .atomic import flush_tree, remove_temporary, write_atomic
from .journal import JOURNAL_DIR, JOURNAL_FILE, Journal, JournalEntry, remove_journal, sha256_file


@dataclass
class RollbackOutcome:
    """What :func:`rollback_journal` did (root-relative paths).

    ``note`` says what was found when there was no journal to apply (a
    journal directory left by a run killed before it wrote anything).
    """

    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    journal_removed: bool = False
    note: str | None = None

    @property
    def files(self) -> list[str]:
        """The files restored or removed."""
        return self.restored + self.removed


def _current(path: Path) -> str | None:
    if path.is_symlink():
        return "symlink"
    try:
        return sha256_file(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return "directory"


def _decide(entry: JournalEntry, current: str | None) -> str:
    """``keep``, ``delete``, ``restore`` or ``conflict`` (see the module table)."""
    if entry.action == "created":
        if current is None:
            return "keep"
        if entry.sha256_after is None and current not in ("symlink", "directory"):
            return "delete"  # a version-1 journal: the content was not recorded
        return "delete" if current == entry.sha256_after else "conflict"
    if current == entry.sha256_before:
        return "keep"
    if current is None or current == entry.sha256_after or (
            entry.sha256_after is None and current not in ("symlink", "directory")):
        return "restore"
    return "conflict"


def clear_leftover(root: Path) -> str | None:
    """Remove a journal directory that holds no ``journal.json``.

    Returns a note saying what was removed, or ``None`` when there was no
    such directory.

    Raises
    ------
    MigrateError
        If ``.ngff-migrate`` is a symbolic link.
    """
    jdir = root / JOURNAL_DIR
    if jdir.is_symlink():
        raise MigrateError(jdir, "is a symbolic link, not a journal directory; refused")
    if not jdir.is_dir() or (jdir / JOURNAL_FILE).is_file():
        return None
    shutil.rmtree(jdir)
    return (f"removed {JOURNAL_DIR}/ without a journal, left by a run killed before it wrote "
            "anything to the tree (or after its journal had been removed)")


def rollback_journal(root: Path, *, force: bool = False) -> RollbackOutcome:
    """Undo the in-place migration recorded in ``root``'s journal.

    The caller holds ``root``'s lock (:class:`~ngff_migrate.storage.lock.Lock`).

    Parameters
    ----------
    force:
        Also restore (or delete) files whose content is neither the
        original nor what the migration wrote.

    Returns
    -------
    RollbackOutcome
        With ``conflicts`` non-empty (and the journal kept) when files
        changed since the migration were left alone.

    Raises
    ------
    MigrateError
        If there is no journal; if it is malformed or lists a path outside
        the dataset (nothing is changed then); if ``finalize`` has begun; or
        if a backup needed for a restore is missing or corrupt (nothing is
        changed then either).
    OSError
        If restoring a file fails (the journal is kept; running rollback
        again continues).
    """
    note = clear_leftover(root)
    if note is not None:
        return RollbackOutcome(journal_removed=True, note=note)
    journal = Journal.load(root)
    if journal.state == "finalizing":
        raise MigrateError(journal.file, "finalize has begun removing the legacy metadata: the migration "
                                         "can no longer be rolled back; run `ngff-migrate finalize` again")
    decisions = []
    for entry in journal.entries:
        action = _decide(entry, _current(root / entry.path))
        if action == "conflict" and force:
            action = "delete" if entry.action == "created" else "restore"
        if action == "restore":
            backup = journal.backup_path(entry.path)
            if not backup.is_file() or backup.is_symlink() or sha256_file(backup) != entry.sha256_before:
                raise MigrateError(backup, "backup missing or corrupt; rollback stopped, nothing changed")
        decisions.append((entry, action))
    out = RollbackOutcome()
    for entry, action in reversed(decisions):
        target = root / entry.path
        if remove_temporary(target):
            out.leftovers.append(entry.path)
        if action == "delete":
            target.unlink(missing_ok=True)
            out.removed.append(entry.path)
        elif action == "restore":
            backup = journal.backup_path(entry.path)
            write_atomic(target, backup.read_bytes(), fsync=False, mode=backup.stat().st_mode & 0o7777)
            shutil.copystat(backup, target)
            out.restored.append(entry.path)
        elif action == "conflict":
            out.conflicts.append(entry.path)
        else:
            out.unchanged.append(entry.path)
    flush_tree(root)
    if not out.conflicts:
        remove_journal(journal.directory)
        out.journal_removed = True
    return out
