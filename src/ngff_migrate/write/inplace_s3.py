"""In place on S3: a metadata-only migration of a dataset in a bucket, journaled (docs/storage.md).

The local design (write/inplace.py, journal.py, rollback.py, finalize.py)
with objects instead of files:

* the lock is the object ``<root>/.ngff-migrate.lock``
  (:class:`~ngff_migrate.storage.s3lock.S3Lock`: a conditional ``PUT``);
* the journal is ``<root>/.ngff-migrate/journal.json`` (the same format as
  locally) and the backups ``<root>/.ngff-migrate/backup/<rel>``;
* order: recover an interrupted run; back up every object to be replaced
  (``GET`` it, ``PUT`` the backup); ``PUT`` the journal (state ``writing``);
  ``PUT`` each document (a ``PUT`` writes a whole object: after a kill each
  one holds its old or its new bytes, never a mix); journal ``written``;
  verify; journal ``done``. Any failure rolls back before the error.
* rollback decides per object by its current bytes, exactly as locally
  (:func:`~ngff_migrate.write.rollback._decide`); the journal goes first,
  then the backups, then the lock: the listing of the prefix is then the
  original one, object for object and byte for byte.

Chunk objects are never listed, read or written here: with ``--verify none``
a run reads the documents only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import MigrateError
from ..formats.plan import MigrationPlan
from ..report.model import WriteStats
from ..storage.location import display, remote_inside
from .atomic import dumps_document
from .finalize import V2_METADATA, FinalizeOutcome
from .journal import JOURNAL_DIR, JOURNAL_FILE, Journal, JournalEntry, sha256_bytes
from .rollback import RollbackOutcome, _decide

LOCK_NAME = ".ngff-migrate.lock"


def _read(path: Any) -> bytes | None:
    from ..storage.remote import read_bytes

    data = read_bytes(path, 1 << 40)
    return data


@contextmanager
def dataset_lock(root: Any) -> Iterator[Any]:
    """The lock of the dataset ``root`` for an in-place run, rollback or finalize.

    Raises
    ------
    MigrateError
        If another live run holds it (naming the holder).
    """
    from ..storage.lock import Busy
    from ..storage.s3lock import S3Lock

    try:
        lock = S3Lock(root / LOCK_NAME).__enter__()
    except Busy as exc:
        raise MigrateError(display(root), f"another ngff-migrate run holds this dataset's lock ({exc}; the lock "
                                          f"object {LOCK_NAME}); try again when it has finished") from None
    try:
        yield lock
    finally:
        lock.__exit__(None, None, None)


@contextmanager
def locked_in_place(root: Any) -> Iterator[str | None]:
    """Hold ``root``'s lock and recover an interrupted run first; yields the recovery note."""
    with dataset_lock(root):
        yield recover_interrupted(root)


def _journal_objects(root: Any) -> list[str]:
    """The objects below ``<root>/.ngff-migrate/`` (one LIST; never the dataset's chunks)."""
    from ..storage.s3 import list_below

    return [rel for rel, _ in list_below(root / JOURNAL_DIR)]


def load_journal(root: Any) -> Journal | None:
    """The journal of ``root``, or ``None`` when there is none (one GET).

    Raises
    ------
    MigrateError
        If it is malformed (naming the journal and the entry).
    """
    import json

    file = root / JOURNAL_DIR / JOURNAL_FILE
    data = _read(file)
    if data is None:
        return None
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise MigrateError(display(file), f"not a JSON journal: {exc}") from None
    if not isinstance(raw, dict):
        raise MigrateError(display(file), "not an ngff-migrate in-place journal")
    return Journal.parse(root, file, raw)


def _save(journal: Journal) -> None:
    from ..storage.s3 import put_bytes

    put_bytes(journal.file, journal.to_bytes())


def _remove_journal(root: Any, journal: Journal | None) -> None:
    """``journal.json`` first, then the backups (a kill part-way leaves a journal or nothing worth keeping)."""
    from ..storage.s3 import delete, delete_below

    if journal is not None:
        delete(journal.file)
    rest = _journal_objects(root)
    if rest:
        delete_below(root / JOURNAL_DIR, rest)


def clear_leftover(root: Any) -> str | None:
    """Remove a journal prefix without ``journal.json``; a note, or ``None`` if there was none."""
    rest = _journal_objects(root)
    if not rest or JOURNAL_FILE in rest:
        return None
    _remove_journal(root, None)
    return (f"removed {JOURNAL_DIR}/ without a journal, left by a run killed before it wrote anything "
            "(or after its journal had been removed)")


def recover_interrupted(root: Any) -> str | None:
    """Make ``root`` ready for a new in-place run (as :func:`ngff_migrate.write.inplace.recover_interrupted`).

    Raises
    ------
    MigrateError
        For a finished migration's journal, an interrupted finalize, or conflicts.
    """
    journal = load_journal(root)
    if journal is None:
        return clear_leftover(root)
    if journal.state == "done":
        raise MigrateError(display(journal.directory), "an earlier in-place migration finished here and left its "
                                                       "journal; run `ngff-migrate rollback` to undo it or "
                                                       "`ngff-migrate finalize` to accept it")
    if journal.state == "finalizing":
        raise MigrateError(display(journal.file), "an interrupted `finalize` left its journal here; run "
                                                  "`ngff-migrate finalize` again")
    outcome = rollback_journal(root)
    if outcome.conflicts:
        raise MigrateError(display(journal.file), f"an interrupted in-place run was rolled back except for "
                                                  f"{len(outcome.conflicts)} object(s) changed since (e.g. "
                                                  f"{outcome.conflicts[0]}); resolve them, then `ngff-migrate "
                                                  "rollback`")
    return f"rolled back an interrupted in-place migration ({len(outcome.files)} objects restored or removed)"


def migrate_in_place_s3(plan: MigrationPlan, *, options: dict, verify: Callable[[Any], object],
                        stats: WriteStats, notes: list[str] | None = None) -> Journal:
    """Write ``plan`` into its own S3 prefix, verify, and keep a journal (the caller may hold the lock).

    Raises
    ------
    MigrateError
        If a target leaves the dataset (nothing written), or writing or
        verification fails (rolled back before the error propagates).
    """
    root = plan.root
    with dataset_lock(root) as lock:
        note = recover_interrupted(root)
        if note and notes is not None:
            notes.append(note)
        pending = []
        for doc in plan.documents:
            data = dumps_document(doc.document)
            if plan.inputs.get(doc.file) == data:
                continue  # already what we would write (as read by this run)
            target = root / doc.file
            if ".." in doc.file.split("/") or not remote_inside(root, target):
                raise MigrateError(display(target), f"would be written outside the dataset {display(root)}; "
                                                    "refused (nothing was written)")
            pending.append((doc.file, data))
        journal = Journal(root, options=options, state="unchanged")
        if not pending:
            verify(root)
            return journal
        journal.state = "writing"
        try:
            _prepare(journal, pending)
            stats.backups = sum(1 for e in journal.entries if e.action == "replaced")
            from ..storage.s3 import put_many

            kinds = {doc.file: doc.node_type for doc in plan.documents}
            for step in _steps(pending, kinds):  # arrays, then groups deepest first: each step concurrently
                put_many([(root / rel, data) for rel, data in step])
                stats.documents_written += len(step)
                stats.document_bytes += sum(len(data) for _, data in step)
            journal.state = "written"
            _save(journal)
            verify(root)
            lock.check()
            journal.state = "done"
            _save(journal)
        except BaseException as exc:
            problem = _undo(root)
            if problem and isinstance(exc, MigrateError):
                exc.problem += f"; {problem}"
                exc.args = (exc.one_line(),)
            raise
        return journal


def _steps(pending: list[tuple[str, bytes]], kinds: dict[str, str]) -> list[list[tuple[str, bytes]]]:
    """``pending`` (in the plan's order: array documents, then group documents deepest
    first) cut where the depth of the next group changes: the documents of one step never
    point at each other, so a step is written concurrently, and a document is written only
    after every document it points to (a kill leaves no link to an unwritten document)."""
    steps: list[list[tuple[str, bytes]]] = []
    key = None
    for rel, data in pending:
        this = ("array", 0) if kinds.get(rel) == "array" else ("group", rel.count("/"))
        if not steps or this != key:
            steps.append([])
            key = this
        steps[-1].append((rel, data))
    return steps


def _prepare(journal: Journal, pending: list[tuple[str, bytes]]) -> None:
    """Back up every object of ``pending`` that exists and write the journal (before any document)."""
    from ..storage.remote import prefetch, read_cache
    from ..storage.s3 import put_bytes

    with read_cache():
        prefetch([journal.root / rel for rel, _ in pending], 1 << 40)  # the current objects, concurrently
        _prepare_entries(journal, pending, put_bytes)
    _save(journal)


def _prepare_entries(journal: Journal, pending: list[tuple[str, bytes]], put_bytes: Any) -> None:
    for rel, data in pending:
        current = _read(journal.root / rel)
        after = sha256_bytes(data)
        if current is None:
            journal.entries.append(JournalEntry(rel, "created", sha256_after=after))
            continue
        put_bytes(journal.backup_path(rel), current)
        journal.entries.append(JournalEntry(rel, "replaced", sha256_before=sha256_bytes(current),
                                            sha256_after=after))


def _undo(root: Any) -> str | None:
    try:
        if load_journal(root) is not None:
            outcome = rollback_journal(root)
            if outcome.conflicts:
                return (f"the automatic rollback left {len(outcome.conflicts)} object(s) changed by someone else "
                        f"(e.g. {outcome.conflicts[0]}); the journal is kept")
        else:
            clear_leftover(root)
    except MigrateError as exc:
        return f"the automatic rollback failed too ({exc.one_line()}); the journal is kept: run `ngff-migrate rollback`"
    return None


def rollback_journal(root: Any, *, force: bool = False) -> RollbackOutcome:
    """Undo the in-place migration journaled under ``root`` (the caller holds the lock).

    Raises
    ------
    MigrateError
        No journal; a malformed one; ``finalize`` has begun; a missing or
        corrupt backup (nothing changed then); a failed request.
    """
    from ..storage.s3 import delete, put_bytes

    journal = load_journal(root)
    if journal is None:
        note = clear_leftover(root)
        if note is not None:
            return RollbackOutcome(journal_removed=True, note=note)
        raise MigrateError(display(root), f"no in-place migration journal ({JOURNAL_DIR}/{JOURNAL_FILE}) to roll back")
    if journal.state == "finalizing":
        raise MigrateError(display(journal.file), "finalize has begun removing the legacy metadata: the migration "
                                                  "can no longer be rolled back; run `ngff-migrate finalize` again")
    decisions = []
    for entry in journal.entries:
        current = _read(root / entry.path)
        action = _decide(entry, None if current is None else sha256_bytes(current))
        if action == "conflict" and force:
            action = "delete" if entry.action == "created" else "restore"
        backup = None
        if action == "restore":
            backup = _read(journal.backup_path(entry.path))
            if backup is None or sha256_bytes(backup) != entry.sha256_before:
                raise MigrateError(display(journal.backup_path(entry.path)),
                                   "backup missing or corrupt; rollback stopped, nothing changed")
        decisions.append((entry, action, backup))
    out = RollbackOutcome()
    for entry, action, backup in reversed(decisions):
        if action == "delete":
            delete(root / entry.path)
            out.removed.append(entry.path)
        elif action == "restore":
            put_bytes(root / entry.path, backup)  # type: ignore[arg-type]
            out.restored.append(entry.path)
        elif action == "conflict":
            out.conflicts.append(entry.path)
        else:
            out.unchanged.append(entry.path)
    if not out.conflicts:
        _remove_journal(root, journal)
        out.journal_removed = True
    return out


def finalize_s3(root: Any, *, remove_v2_metadata: bool = False) -> FinalizeOutcome:
    """Finalize the in-place migration of ``root`` (as :func:`ngff_migrate.write.finalize.finalize_dataset`).

    Raises
    ------
    MigrateError
        If there is no finished migration, or a request fails (run finalize again).
    """
    from ..storage.remote import exists
    from ..storage.s3 import delete

    journal = load_journal(root)
    if journal is None:
        note = clear_leftover(root)
        if note is not None:
            return FinalizeOutcome(note=note)
        raise MigrateError(display(root), "no in-place migration journal to finalize (nothing was migrated in place "
                                          "here, or it was already finalized or rolled back)")
    if journal.state not in ("done", "finalizing"):
        raise MigrateError(display(journal.file), f"the in-place migration did not finish (state {journal.state!r}); "
                                                  "run the same `convert --in-place` again, or roll it back")
    out = FinalizeOutcome(backups_removed=sum(1 for e in journal.entries if e.action == "replaced"))
    if journal.state != "finalizing":
        journal.state = "finalizing"
        _save(journal)
    if remove_v2_metadata:
        for directory in sorted({e.path.rpartition("/")[0] for e in journal.entries if e.path.endswith("zarr.json")}):
            for name in V2_METADATA:
                rel = f"{directory}/{name}" if directory else name
                if exists(root / rel):
                    delete(root / rel)
                    out.v2_removed.append(rel)
    _remove_journal(root, journal)
    return out


__all__ = ["dataset_lock", "finalize_s3", "locked_in_place", "migrate_in_place_s3", "rollback_journal"]
