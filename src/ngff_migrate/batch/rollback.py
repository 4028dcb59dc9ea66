"""Undo, or finalize, a whole in-place batch: every dataset it recorded, then its state directory.

For each dataset of the batch journal (under the dataset's lock, so a batch
still running on the tree cannot interfere): a dataset journal
``.ngff-migrate/journal.json`` is rolled back with
:func:`~ngff_migrate.write.rollback.rollback_journal` (exact original
bytes) — or, for ``finalize``, accepted with
:func:`~ngff_migrate.write.finalize.finalize_dataset` — a ``.ngff-migrate``
directory without a journal is removed, and the completion marker is
deleted. When every dataset was handled, the state directory
``ROOT/.ngff-migrate-batch`` is removed too. If a dataset cannot be handled
(a corrupt backup, a read-only file system, a file changed since), the
others still are, and the state directory stays with the journal.

Every dataset path comes from the batch journal or from the names of the
completion markers: each must resolve inside ROOT (docs/safety.md), or the
whole command is refused before anything is changed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MigrateError, UsageError
from ..storage.lock import Busy, Lock
from ..storage.sandbox import safe_relative
from ..write.finalize import finalize_dataset
from ..write.journal import JOURNAL_DIR
from ..write.rollback import rollback_journal
from .journal import read_journal
from .marker import remove_marker
from .state import STATE_DIR, StateDir

ROLLBACK_LOCK_WAIT = 60.0


@dataclass
class RollbackResult:
    """What :func:`rollback_batch` or :func:`finalize_batch` did: datasets
    handled, untouched, failed ``(rel, error)``."""

    root: str
    rolled_back: list[str] = field(default_factory=list)
    files_restored: int = 0
    untouched: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    state_removed: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


def is_batch_root(root: str | Path) -> bool:
    """Whether ``root`` holds a batch journal (``ROOT/.ngff-migrate-batch/journal.json``)."""
    return StateDir(Path(root)).exists()


def _datasets(root: Path, state: StateDir) -> list[str]:
    """The dataset paths of the in-place batch journal in ``root``, checked.

    Raises
    ------
    MigrateError
        No or unreadable journal.
    UsageError
        A copy batch's journal.
    OutsideRootError
        A dataset path that leaves ROOT.
    """
    if not state.exists():
        raise MigrateError(root, f"no batch journal ({STATE_DIR}/journal.json) here")
    try:
        data = read_journal(state) or {}
        datasets = dict(data.get("datasets") or {})
    except (AttributeError, TypeError, ValueError) as exc:
        raise MigrateError(state.journal_file, f"unreadable batch journal: {exc}") from None
    if data.get("mode") != "in-place":
        raise UsageError(state.journal_file, f"a {data.get('mode')} batch writes only into its destination; "
                                             "delete the destination to undo it")
    done_dir = state.directory / "done"
    if done_dir.is_dir():  # markers of datasets whose journal record lagged behind (crash)
        for marker in done_dir.rglob("*.json"):
            datasets.setdefault(marker.relative_to(done_dir).as_posix()[:-len(".json")], {})
    rels = sorted(datasets)
    for rel in rels:
        safe_relative(root, rel, file=state.journal_file, what=f"dataset {rel!r}")
        if rel.split("/", 1)[0] == STATE_DIR or JOURNAL_DIR in rel.split("/"):
            raise MigrateError(state.journal_file, f"dataset {rel!r} points into a state directory; refused")
    return rels


def _each_dataset(root: str | Path, handle: Callable[[Path, RollbackResult, str], None],
                  progress=None) -> RollbackResult:
    root = Path(root)
    state = StateDir(root)
    rels = _datasets(root, state)
    result = RollbackResult(str(root))
    for i, rel in enumerate(rels):
        ds = root / rel
        try:
            if not ds.is_dir():
                result.untouched.append(rel)
                remove_marker(state, rel)
                continue
            with Lock(ds, wait=ROLLBACK_LOCK_WAIT):
                handle(ds, result, rel)
                remove_marker(state, rel)
        except Busy:
            result.failed.append((rel, f"{ds}: locked by a running batch; try again when it has finished"))
        except MigrateError as exc:
            result.failed.append((rel, exc.one_line()))
        except OSError as exc:
            result.failed.append((rel, f"{exc.filename or ds}: {exc.strerror or exc}"))
        if progress:
            progress(i + 1, len(rels))
    if result.ok:
        shutil.rmtree(state.directory)
        result.state_removed = True
    return result


def rollback_batch(root: str | Path, *, force: bool = False, progress=None) -> RollbackResult:
    """Roll back every dataset of the in-place batch recorded in ``root``.

    ``progress`` is an optional callable ``progress(n_done, n_total)``;
    ``force`` as for :func:`ngff_migrate.rollback`.

    Raises
    ------
    MigrateError
        If ``root`` holds no batch journal, the journal is unreadable, or it
        lists a dataset outside ``root`` (nothing is changed then).
    UsageError
        If the journal is a copy batch's (undo those by deleting DEST).
    """
    def handle(ds: Path, result: RollbackResult, rel: str) -> None:
        if not (ds / JOURNAL_DIR).exists():
            result.untouched.append(rel)
            return
        outcome = rollback_journal(ds, force=force)
        if outcome.conflicts:
            raise MigrateError(ds, f"{len(outcome.conflicts)} file(s) changed since the migration were left "
                                   f"alone (e.g. {outcome.conflicts[0]}); `rollback --force` restores them")
        result.files_restored += len(outcome.files)
        result.rolled_back.append(rel)

    return _each_dataset(root, handle, progress)


def finalize_batch(root: str | Path, *, remove_v2_metadata: bool = False, progress=None) -> RollbackResult:
    """Finalize every dataset of the in-place batch recorded in ``root``
    (:func:`ngff_migrate.finalize`); ``rolled_back`` lists the datasets
    finalized. After this the batch can no longer be rolled back.

    Raises
    ------
    MigrateError, UsageError
        As :func:`rollback_batch`.
    """
    def handle(ds: Path, result: RollbackResult, rel: str) -> None:
        if not (ds / JOURNAL_DIR).exists():
            result.untouched.append(rel)
            return
        outcome = finalize_dataset(ds, remove_v2_metadata=remove_v2_metadata)
        result.files_restored += len(outcome.v2_removed)
        result.rolled_back.append(rel)

    return _each_dataset(root, handle, progress)
