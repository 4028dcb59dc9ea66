"""The batch journal: one record per dataset, rewritten atomically by the coordinator.

``<state>/.ngff-migrate-batch/journal.json`` (see :mod:`.state`) holds::

    {"journal_version": 1, "tool": "ngff-migrate", "root": ..., "destination": ...,
     "mode": "in-place" | "copy" | "link", "options": {...}, "options_hash": ...,
     "runs": [{"run_id", "host", "pid", "started", "finished",
               "status": "running" | "finished" | "interrupted" | "failed"}],
     "datasets": {"<rel>": {"state": "planned" | "running" | "done" | "failed" | "skipped",
                            "fingerprint", "output_fingerprint", "options_hash",
                            "error", "error_file", "attempts", ...}}}

Only the coordinating process writes it. A write takes ``journal.lock``,
re-reads the file, merges this run's changed records into it and replaces
it atomically (temporary file + rename), so two batches on the same state
directory never lose each other's records; a record another live run has
marked ``running`` or ``done`` is not overwritten by this run's ``planned``.
Writes are throttled (at most one per :data:`FLUSH_SECONDS`): after a crash
the journal may lag by that much, which is harmless because the completion
markers, not the journal, decide whether a dataset is done.

A full disk must not lose the record of a run: when it starts, the run
reserves room for the final journal (``journal.reserve``, allocated with
``posix_fallocate``; about 2 KiB per dataset, 64 KiB to 64 MiB) and frees
it just before the final write, when the workers have stopped writing.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import MigrateError, UsageError
from ..storage.lock import Busy, Lock
from ..write.atomic import dumps_document, write_atomic
from .state import StateDir

JOURNAL_VERSION = 1
FLUSH_SECONDS = 0.5
RESERVE_PER_DATASET = 2048
RESERVE_MIN, RESERVE_MAX = 64 << 10, 64 << 20
STATES = ("planned", "running", "done", "failed", "skipped")


@dataclass
class DatasetRecord:
    """The journal record of one dataset (times in seconds since the epoch)."""

    path: str
    state: str = "planned"
    layout: str | None = None
    version: str | None = None
    fingerprint: str | None = None
    output_fingerprint: str | None = None
    options_hash: str | None = None
    error: str | None = None
    error_file: str | None = None
    attempts: int = 0
    arrays: int | None = None
    nominal_bytes: int | None = None
    run_id: str | None = None
    worker: str | None = None
    started: float | None = None
    finished: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and k != "path"}

    @classmethod
    def from_json(cls, rel: str, raw: dict[str, Any]) -> DatasetRecord:
        names = {f.name for f in fields(cls)} - {"path"}
        return cls(path=rel, **{k: v for k, v in raw.items() if k in names})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class BatchJournal:
    """The journal of a state directory, as seen and updated by one run.

    Parameters
    ----------
    state:
        The state directory.
    header:
        ``root``, ``destination``, ``mode``, ``options``, ``options_hash``
        of this run.
    run_id:
        A unique id of this run (recorded on the records it writes).

    Raises
    ------
    UsageError
        If the state directory holds the journal of a batch over another
        root or in another mode.
    MigrateError
        If the existing journal is unreadable, or the state directory cannot
        be created or written.
    """

    def __init__(self, state: StateDir, header: dict[str, Any], run_id: str) -> None:
        self.state, self.header, self.run_id = state, header, run_id
        self.records: dict[str, DatasetRecord] = {}
        self.dirty: set[str] = set()
        self.last_flush = 0.0
        self.write_error: str | None = None
        self.run = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(),
                    "started": time.time(), "finished": None, "status": "running"}
        try:
            state.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MigrateError(state.directory, f"cannot create the batch state directory: {exc.strerror or exc}") from None
        existing = self._read()
        if existing is not None:
            for key in ("root", "mode"):
                if existing.get(key) not in (None, header.get(key)):
                    raise UsageError(state.journal_file,
                                     f"holds the journal of another batch ({key} {existing.get(key)!r}, "
                                     f"not {header.get(key)!r}); use another destination")
            for rel, raw in (existing.get("datasets") or {}).items():
                self.records[rel] = DatasetRecord.from_json(rel, raw)
        self.dirty.add("")  # first flush registers this run
        self.flush(force=True, strict=True)

    # ------------------------------------------------------------------ reading

    def _read(self) -> dict[str, Any] | None:
        file = self.state.journal_file
        if not file.is_file():
            return None
        try:
            value = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise MigrateError(file, f"unreadable batch journal ({exc}); move it away to start afresh "
                                     "(completion markers keep finished datasets from being redone)") from None
        if not isinstance(value, dict) or value.get("journal_version") != JOURNAL_VERSION:
            raise MigrateError(file, "not an ngff-migrate batch journal of version 1")
        return value

    def record(self, rel: str) -> DatasetRecord:
        """The record of ``rel`` (a new ``planned`` record if there is none)."""
        if rel not in self.records:
            self.records[rel] = DatasetRecord(rel)
        return self.records[rel]

    # ------------------------------------------------------------------ writing

    def update(self, rel: str, **values: Any) -> DatasetRecord:
        """Change fields of ``rel``'s record (written at the next :meth:`flush`)."""
        rec = self.record(rel)
        for key, value in values.items():
            setattr(rec, key, value)
        rec.run_id = self.run_id
        self.dirty.add(rel)
        return rec

    def _live_runs(self, runs: list[dict[str, Any]]) -> set[str]:
        host = socket.gethostname()
        live = set()
        for r in runs:
            if r.get("status") != "running":
                continue
            if r.get("host") != host or _pid_alive(int(r.get("pid", 0))):
                live.add(r.get("run_id"))
        return live

    def flush(self, *, force: bool = False, strict: bool = False) -> None:
        """Merge this run's changed records into the journal file, atomically.

        Without ``force`` at most one write per :data:`FLUSH_SECONDS`. A
        failed write (disk full, ...) is remembered in :attr:`write_error`
        and retried at the next flush; with ``strict`` it raises
        :class:`~ngff_migrate.errors.MigrateError` instead.
        """
        if not self.dirty or (not force and time.monotonic() - self.last_flush < FLUSH_SECONDS):
            return
        try:
            with Lock(self.state.journal_lock, wait=60.0):
                data = self._read() or {}
                runs = [r for r in data.get("runs", []) if r.get("run_id") != self.run_id] + [self.run]
                live = self._live_runs(runs) - {self.run_id}
                datasets = data.get("datasets") or {}
                for rel in sorted(self.dirty - {""}):
                    mine = self.records[rel]
                    theirs = datasets.get(rel)
                    if theirs and theirs.get("run_id") != self.run_id and (
                            (theirs.get("state") == "done" and mine.state in ("planned", "running"))
                            or (theirs.get("state") == "running" and theirs.get("run_id") in live
                                and mine.state == "planned")):
                        self.records[rel] = DatasetRecord.from_json(rel, theirs)
                        continue
                    datasets[rel] = mine.to_json()
                out = {"journal_version": JOURNAL_VERSION, "tool": "ngff-migrate", **self.header,
                       "runs": runs, "datasets": dict(sorted(datasets.items()))}
                write_atomic(self.state.journal_file, dumps_document(out))
        except (OSError, Busy) as exc:
            self.write_error = f"cannot write the batch journal: {getattr(exc, 'strerror', None) or exc}"
            if strict:
                raise MigrateError(self.state.journal_file, self.write_error) from None
            return
        self.write_error = None
        self.dirty.clear()
        self.last_flush = time.monotonic()

    @property
    def reserve_file(self):
        return self.state.directory / "journal.reserve"

    def reserve(self, datasets: int) -> None:
        """Set aside disk room for the final journal of ``datasets`` records (best effort)."""
        size = min(RESERVE_MAX, max(RESERVE_MIN, RESERVE_PER_DATASET * datasets))
        try:
            fd = os.open(self.reserve_file, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, size)
            finally:
                os.close(fd)
        except (OSError, AttributeError):  # no room already, or no fallocate: go without
            self.reserve_file.unlink(missing_ok=True)

    def close(self, status: str) -> None:
        """Record the end of this run (``finished``, ``interrupted`` or ``failed``) and flush,
        after freeing the room reserved for it.

        Raises
        ------
        MigrateError
            If the journal cannot be written.
        """
        self.reserve_file.unlink(missing_ok=True)
        self.run.update(finished=time.time(), status=status)
        self.dirty.add("")
        self.flush(force=True, strict=True)
