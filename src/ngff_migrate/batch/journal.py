"""The batch journal: an append-only log of dataset records, compacted when a run ends.

Two files in ``<state>/.ngff-migrate-batch/`` (see :mod:`.state`):

``journal.json`` (the *snapshot*, format version 1, as earlier releases wrote it)::

    {"journal_version": 1, "tool": "ngff-migrate", "root": ..., "destination": ...,
     "mode": "in-place" | "copy" | "link", "options": {...}, "options_hash": ...,
     "runs": [{"run_id", "host", "pid", "started", "finished",
               "status": "running" | "finished" | "interrupted" | "failed"}],
     "datasets": {"<rel>": {"state": "planned" | "running" | "done" | "failed" | "skipped",
                            "fingerprint", "output_fingerprint", "options_hash",
                            "error", "error_file", "attempts", ...}}}

``journal.log`` (JSON lines appended since the snapshot), one object a line::

    {"t": "header", "journal_version": 2, "root": ..., "mode": ..., ...}  a run started
    {"t": "run", "run_id": ..., "status": ..., ...}                         a run's entry
    {"t": "ds", "path": "<rel>", "state": ..., ...}                         a whole dataset record

The journal is the snapshot with the log's lines applied in order (a later
line replaces the record or run of the same key). A run appends the records
it changed, at most once per :data:`FLUSH_SECONDS`, in one ``write`` under
``journal.lock`` followed by ``fdatasync``: the cost of a flush is the
records it carries, never the size of the journal. A line torn by a crash
(no final newline, not JSON) is ignored on reading; the next append starts
on a fresh line. When a run ends, it *compacts*: under the lock, the whole
journal is written to a new snapshot (temporary file + fsync + rename) and
only then the log is removed. A crash between the two leaves a log that is
already part of the snapshot: applying it again changes nothing.

Only the coordinating process writes. Before appending, a run reads the
lines other runs appended since its last flush (only the new bytes; all
again only after another run compacted) and merges: a record another live
run has marked ``running`` or ``done`` is not overwritten by this run's
``planned``. A dataset's ``running`` record is flushed before a worker gets
it (strictly in place: ``rollback ROOT`` finds datasets through it); after a
crash only outcomes may lag, and the completion markers decide those.

A full disk must not lose the record of a run: it reserves room for the
final compaction (``journal.reserve``, ``posix_fallocate``, ~2 KiB per
dataset, 64 KiB to 64 MiB), freed just before. A failed compaction keeps the log.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass, fields
from typing import Any

from ..errors import MigrateError, UsageError
from ..storage.lock import Busy, Lock
from ..write.atomic import dumps_document, fsync_directory, write_atomic
from .journal_read import (  # noqa: F401  (read_journal, parse_log: public here)
    _HEADER_KEYS,
    JOURNAL_VERSION,
    _read_snapshot,
    _snapshot_id,
    _unreadable,
    _View,
    parse_log,
    read_journal,
)
from .state import StateDir

LOG_VERSION = 2  #: of the lines of ``journal.log``
FLUSH_SECONDS = 0.5
RESERVE_PER_DATASET = 2048
RESERVE_MIN, RESERVE_MAX = 64 << 10, 64 << 20
STATES = ("planned", "running", "done", "failed", "skipped")
_INTERNED = ("state", "layout", "version", "options_hash", "run_id", "worker")


@dataclass(slots=True)
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
        """The record as stored (``None`` fields and the path left out)."""
        out = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_json(cls, rel: str, raw: dict[str, Any]) -> DatasetRecord:
        """A record from its stored form (unknown keys ignored; short strings interned)."""
        values = {k: v for k, v in raw.items() if k in _NAMES}
        for key in _INTERNED:
            if isinstance(values.get(key), str):
                values[key] = sys.intern(values[key])
        return cls(path=rel, **values)


_FIELDS = tuple(f.name for f in fields(DatasetRecord) if f.name != "path")
_NAMES = frozenset(_FIELDS)


def _pid_alive(pid: object) -> bool:
    """Whether a journal's ``pid`` names a live process; a value that is not a
    positive integer (0 and negative pids name process groups) is dead."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode() + b"\n"


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
        self.runs: dict[str, dict[str, Any]] = {}
        self._epoch: tuple | None = None  # the snapshot our view was read from
        self._offset = 0  # bytes of the log our view has applied
        self._header_written = False
        try:
            state.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MigrateError(state.directory, f"cannot create the batch state directory: {exc.strerror or exc}") from None
        try:
            with Lock(state.journal_lock, wait=60.0):
                self._reload()
        except (OSError, Busy) as exc:
            raise MigrateError(state.journal_file, f"cannot read the batch journal: "
                                                   f"{getattr(exc, 'strerror', None) or exc}") from None
        existing = self._existing_header
        for key in ("root", "mode"):
            if existing.get(key) not in (None, header.get(key)):
                raise UsageError(state.journal_file,
                                 f"holds the journal of another batch ({key} {existing.get(key)!r}, "
                                 f"not {header.get(key)!r}); use another destination")
        self.dirty.add("")  # first flush registers this run
        self.flush(force=True, strict=True)

    # ------------------------------------------------------------------ reading

    def _snapshot_epoch(self) -> tuple | None:
        return _snapshot_id(self.state)

    def _reload(self) -> None:
        """Read the whole journal (snapshot + log) into this view. Under the lock."""
        view = _View()
        view.load_snapshot(_read_snapshot(self.state))
        self._existing_header = view.header
        self._epoch = self._snapshot_epoch()
        self._offset = 0
        self.runs = {k: v for k, v in view.runs.items() if k != self.run_id}
        live = self._live_runs()
        for rel, raw in view.datasets.items():
            if isinstance(raw, dict):
                self._merge(rel, raw, live)
        view.datasets.clear()
        self._follow()

    def _follow(self) -> None:
        """Apply the log lines appended since our last read (merging other runs' records). Under the lock."""
        try:
            with open(self.state.log_file, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _unreadable(self.state.log_file, exc) from None
        lines, used = parse_log(data)
        self._offset += used
        live = self._live_runs() if lines else set()
        for line in lines:
            kind = line.get("t")
            if kind == "ds" and isinstance(line.get("path"), str):
                self._merge(line["path"], {k: v for k, v in line.items() if k not in ("t", "path")}, live)
            elif kind == "run" and line.get("run_id") not in (None, self.run_id):
                run = self.runs[str(line["run_id"])] = {k: v for k, v in line.items() if k != "t"}
                (live.add if self._is_live(run, socket.gethostname()) else live.discard)(run.get("run_id"))
            elif kind == "header" and not self._existing_header:
                self._existing_header = {k: line.get(k) for k in _HEADER_KEYS if k in line}

    def _merge(self, rel: str, theirs: dict[str, Any], live: set[str]) -> None:
        """Take a record read from the journal unless ours (changed, or written by us) is newer."""
        mine = self.records.get(rel)
        if mine is not None:
            if theirs.get("run_id") == self.run_id:
                return  # our own line: our record is at least as new
            if rel in self.dirty and not self._theirs_wins(mine, theirs, live):
                return
        self.records[rel] = DatasetRecord.from_json(rel, theirs)
        self.dirty.discard(rel)

    def _theirs_wins(self, mine: DatasetRecord, theirs: dict[str, Any], live: set[str]) -> bool:
        return theirs.get("run_id") != self.run_id and (
                (theirs.get("state") == "done" and mine.state in ("planned", "running"))
                or (theirs.get("state") == "running" and theirs.get("run_id") in live
                    and mine.state == "planned"))

    def _is_live(self, r: dict[str, Any], host: str) -> bool:
        """Another run still running: on another host, or its process alive here."""
        return (r.get("status") == "running" and r.get("run_id") != self.run_id
                and (r.get("host") != host or _pid_alive(r.get("pid"))))

    def _live_runs(self) -> set[str]:
        host = socket.gethostname()
        return {r.get("run_id") for r in self.runs.values() if self._is_live(r, host)}

    def record(self, rel: str) -> DatasetRecord:
        """The record of ``rel`` (a new ``planned`` record if there is none)."""
        rec = self.records.get(rel)
        if rec is None:
            rec = self.records[rel] = DatasetRecord(rel)
        return rec

    # ------------------------------------------------------------------ writing

    def update(self, rel: str, **values: Any) -> DatasetRecord:
        """Change fields of ``rel``'s record (appended at the next :meth:`flush`)."""
        rec = self.record(rel)
        for key, value in values.items():
            setattr(rec, key, value)
        rec.run_id = self.run_id
        self.dirty.add(rel)
        return rec

    def flush(self, *, force: bool = False, strict: bool = False) -> None:
        """Append this run's changed records to the log, durably (one write, one fdatasync).

        Without ``force`` at most one write per :data:`FLUSH_SECONDS`. A
        failed write (disk full, ...) is remembered in :attr:`write_error`
        and retried at the next flush; with ``strict`` it raises
        :class:`~ngff_migrate.errors.MigrateError` instead.
        """
        if not self.dirty or (not force and time.monotonic() - self.last_flush < FLUSH_SECONDS):
            return
        try:
            with Lock(self.state.journal_lock, wait=60.0):
                if self._snapshot_epoch() != self._epoch:  # another run compacted the journal
                    self._reload()
                else:
                    self._follow()
                self._append()
        except (OSError, Busy) as exc:
            self.write_error = f"cannot write the batch journal: {getattr(exc, 'strerror', None) or exc}"
            if strict:
                raise MigrateError(self.state.journal_file, self.write_error) from None
            return
        self.write_error = None
        self.dirty.clear()
        self.last_flush = time.monotonic()

    def _append(self) -> None:
        """Write the dirty records (and our run) as log lines. Under the lock."""
        parts = []
        if not self._header_written:
            parts.append(_line({"t": "header", "journal_version": LOG_VERSION, "tool": "ngff-migrate",
                                **self.header}))
        if "" in self.dirty or not self._header_written:
            parts.append(_line({"t": "run", **self.run}))
        for rel in self.dirty:
            if rel:
                parts.append(_line({"t": "ds", "path": rel, **self.records[rel].to_json()}))
        data = b"".join(parts)
        fd = os.open(self.state.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and not self._ends_with_newline(size):
                data = b"\n" + data  # a line torn by a crashed run stays a line of its own (ignored)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fdatasync(fd)
            end = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size == 0:
            fsync_directory(self.state.directory)  # the new log's name
        self._offset = end  # we hold the lock and read up to ``size``: the rest is our lines
        self._header_written = True
        self.runs[self.run_id] = dict(self.run)

    def _ends_with_newline(self, size: int) -> bool:
        with open(self.state.log_file, "rb") as fh:
            fh.seek(size - 1)
            return fh.read(1) == b"\n"

    def compact(self) -> None:
        """Write the whole journal as a new snapshot (atomically), then remove the log.

        Raises
        ------
        OSError, Busy
            If the snapshot cannot be written (the log is kept: nothing is lost).
        """
        with Lock(self.state.journal_lock, wait=60.0):
            view = _View()
            view.load_snapshot(_read_snapshot(self.state))
            try:
                data = self.state.log_file.read_bytes()
            except FileNotFoundError:
                data = b""
            for line in parse_log(data)[0]:
                view.apply(line)
            header = {k: self.header.get(k) for k in _HEADER_KEYS}
            write_atomic(self.state.journal_file, dumps_document(view.document(header)))
            self.state.log_file.unlink(missing_ok=True)
            self._epoch = self._snapshot_epoch()
            self._offset = 0

    @property
    def reserve_file(self):
        """``journal.reserve``: disk room kept for the final compaction."""
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
        """Record the end of this run (``finished``, ``interrupted`` or ``failed``), after
        freeing the room reserved for it, and compact the journal into ``journal.json``.

        Raises
        ------
        MigrateError
            If the journal cannot be written (if only the compaction failed,
            the log still holds every record and nothing is reported).
        """
        self.reserve_file.unlink(missing_ok=True)
        self.run.update(finished=time.time(), status=status)
        self.dirty.add("")
        self.flush(force=True, strict=True)
        try:
            self.compact()
        except (OSError, Busy):  # the log is complete; the next run compacts it
            pass
