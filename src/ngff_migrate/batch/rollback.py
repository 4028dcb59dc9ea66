"""Undo a whole in-place batch: every dataset it recorded, then its state directory.

For each dataset of the batch journal (under the dataset's lock, so a batch
still running on the tree cannot interfere): a dataset journal
``.ngff-migrate/journal.json`` is rolled back with
:func:`~ngff_migrate.write.journal.rollback_journal` (exact original bytes),
a ``.ngff-migrate`` directory without a journal is removed, and the
completion marker is deleted. When every dataset was undone, the state
directory ``ROOT/.ngff-migrate-batch`` is removed too: the tree then holds
exactly the files it held before the batch, with the same bytes. If a
dataset cannot be undone (a corrupt backup, a read-only file system), the
others still are, and the state directory stays with the journal.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MigrateError, UsageError
from ..write.journal import JOURNAL_DIR, JOURNAL_FILE, rollback_journal
from .lock import Busy, Lock
from .marker import remove_marker
from .state import StateDir

ROLLBACK_LOCK_WAIT = 60.0


@dataclass
class RollbackResult:
    """What :func:`rollback_batch` did: datasets undone, untouched, failed ``(rel, error)``."""

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


def rollback_batch(root: str | Path, *, progress=None) -> RollbackResult:
    """Roll back every dataset of the in-place batch recorded in ``root``.

    ``progress`` is an optional callable ``progress(n_done, n_total)``.

    Raises
    ------
    MigrateError
        If ``root`` holds no batch journal, or the journal is unreadable.
    UsageError
        If the journal is a copy batch's (undo those by deleting DEST).
    """
    root = Path(root)
    state = StateDir(root)
    if not state.exists():
        raise MigrateError(root, "no batch journal (.ngff-migrate-batch/journal.json) to roll back")
    try:
        data = json.loads(state.journal_file.read_text())
        datasets = dict(data.get("datasets") or {})
    except (OSError, ValueError, AttributeError) as exc:
        raise MigrateError(state.journal_file, f"unreadable batch journal: {exc}") from None
    if data.get("mode") != "in-place":
        raise UsageError(state.journal_file, f"a {data.get('mode')} batch writes only into its destination; "
                                             "delete the destination to undo it")
    done_dir = state.directory / "done"
    if done_dir.is_dir():  # markers of datasets whose journal record lagged behind (crash)
        for marker in done_dir.rglob("*.json"):
            datasets.setdefault(marker.relative_to(done_dir).as_posix()[:-len(".json")], {})
    result = RollbackResult(str(root))
    for i, rel in enumerate(sorted(datasets)):
        ds = root / rel
        try:
            if not ds.is_dir():
                result.untouched.append(rel)
                remove_marker(state, rel)
                continue
            with Lock(ds, wait=ROLLBACK_LOCK_WAIT):
                jdir = ds / JOURNAL_DIR
                if (jdir / JOURNAL_FILE).is_file():
                    result.files_restored += len(rollback_journal(ds))
                    result.rolled_back.append(rel)
                elif jdir.is_dir():
                    shutil.rmtree(jdir)
                    result.rolled_back.append(rel)
                else:
                    result.untouched.append(rel)
                remove_marker(state, rel)
        except Busy:
            result.failed.append((rel, f"{ds}: locked by a running batch; try again when it has finished"))
        except MigrateError as exc:
            result.failed.append((rel, exc.one_line()))
        except OSError as exc:
            result.failed.append((rel, f"{exc.filename or ds}: {exc.strerror or exc}"))
        if progress:
            progress(i + 1, len(datasets))
    if result.ok:
        shutil.rmtree(state.directory)
        result.state_removed = True
    return result
