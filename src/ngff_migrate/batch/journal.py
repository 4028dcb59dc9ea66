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
``planned``. After a crash the journal may lag by one flush interval, which
is harmless: the completion markers decide whether a dataset is done.

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
from .state import StateDir

JOURNAL_VERSION = 1  #: of the snapshot ``journal.json``
LOG_VERSION = 2  #: of the lines of ``journal.log``
FLUSH_SECONDS = 0.5
RESERVE_PER_DATASET = 2048
RESERVE_MIN, RESERVE_MAX = 64 << 10, 64 << 20
STATES = ("planned", "running", "done", "failed", "skipped")
_HEADER_KEYS = ("root", "destination", "mode", "options", "options_hash")
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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unreadable(file, exc: Exception) -> MigrateError:
    return MigrateError(file, f"unreadable batch journal ({exc}); move it away to start afresh "
                              "(completion markers keep finished datasets from being redone)")


def _read_snapshot(state: StateDir) -> dict[str, Any] | None:
    file = state.journal_file
    try:
        text = file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(file, exc) from None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(file, exc) from None
    if not isinstance(value, dict) or value.get("journal_version") != JOURNAL_VERSION \
            or not isinstance(value.get("datasets") or {}, dict) or not isinstance(value.get("runs") or [], list):
        raise MigrateError(file, "not an ngff-migrate batch journal of version 1")
    return value


def parse_log(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The complete lines of a ``journal.log`` chunk and the bytes they span.

    A last line without its newline (a write torn by a crash, or one still
    being appended) is left out of both; a line that is not a JSON object is
    skipped. Raises nothing.
    """
    end = data.rfind(b"\n") + 1
    lines = []
    for line in data[:end].split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines, end


class _View:
    """The journal as read: header, runs by id, dataset records by path (stored form)."""

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}

    def load_snapshot(self, snap: dict[str, Any] | None) -> None:
        if snap is None:
            return
        self.header = {k: snap.get(k) for k in _HEADER_KEYS if k in snap}
        for run in snap.get("runs") or []:
            if isinstance(run, dict):
                self.runs[str(run.get("run_id"))] = run
        self.datasets.update(snap.get("datasets") or {})

    def apply(self, line: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """Apply one log line; return ``(rel, record)`` for a dataset line."""
        kind = line.get("t")
        if kind == "ds" and isinstance(line.get("path"), str):
            rel = line["path"]
            rec = {k: v for k, v in line.items() if k not in ("t", "path")}
            self.datasets[rel] = rec
            return rel, rec
        if kind == "run" and line.get("run_id") is not None:
            self.runs[str(line["run_id"])] = {k: v for k, v in line.items() if k != "t"}
        elif kind == "header" and not self.header:
            self.header = {k: line.get(k) for k in _HEADER_KEYS if k in line}
        return None

    def document(self, header: dict[str, Any] | None = None) -> dict[str, Any]:
        """The snapshot document (``journal.json``, version 1)."""
        return {"journal_version": JOURNAL_VERSION, "tool": "ngff-migrate", **(header or self.header),
                "runs": list(self.runs.values()), "datasets": dict(sorted(self.datasets.items()))}


def read_journal(state: StateDir) -> dict[str, Any] | None:
    """The whole journal of ``state`` (snapshot + log) as one version-1 document,
    or ``None`` when there is none.

    Raises
    ------
    MigrateError
        If the snapshot is unreadable or not a batch journal, or the log
        cannot be read.
    """
    snap = _read_snapshot(state)
    try:
        data = state.log_file.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise _unreadable(state.log_file, exc) from None
    if snap is None and data is None:
        return None
    view = _View()
    view.load_snapshot(snap)
    for line in parse_log(data or b"")[0]:
        view.apply(line)
    return view.document()


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
        try:
            st = os.stat(self.state.journal_file)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

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
                self.runs[str(line["run_id"])] = {k: v for k, v in line.items() if k != "t"}
                live = self._live_runs()
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

    def _live_runs(self) -> set[str]:
        host = socket.gethostname()
        live = set()
        for r in self.runs.values():
            if r.get("status") != "running" or r.get("run_id") == self.run_id:
                continue
            if r.get("host") != host or _pid_alive(int(r.get("pid") or 0)):
                live.add(r.get("run_id"))
        return live

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
        fd = os.open(self.state.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
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
