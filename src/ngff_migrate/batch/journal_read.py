"""Reading the batch journal (:mod:`.journal`): the snapshot ``journal.json``,
the JSON lines of ``journal.log`` (a torn last line ignored) and the view
that applies the lines to the snapshot, in order."""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import MigrateError
from .state import StateDir

JOURNAL_VERSION = 1  #: of the snapshot ``journal.json``
_HEADER_KEYS = ("root", "destination", "mode", "options", "options_hash")


def _unreadable(file, exc: Exception) -> MigrateError:
    return MigrateError(file, f"unreadable batch journal ({exc}); move it away to start afresh "
                              "(completion markers keep finished datasets from being redone)")


def _snapshot_id(state: StateDir) -> tuple[int, int, int] | None:
    try:
        st = os.stat(state.journal_file)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


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
        """Start from a compacted ``journal.json`` snapshot (``None``: no snapshot yet)."""
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
    or ``None`` when there is none. Read again if another run compacted the log
    into the snapshot meanwhile (the snapshot's inode, mtime or size changed).

    Raises
    ------
    MigrateError
        If the snapshot is unreadable or not a batch journal, or the log cannot be read.
    """
    for _ in range(20):
        before = _snapshot_id(state)
        snap = _read_snapshot(state)
        try:
            data = state.log_file.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise _unreadable(state.log_file, exc) from None
        if _snapshot_id(state) == before:
            break
    if snap is None and data is None:
        return None
    view = _View()
    view.load_snapshot(snap)
    for line in parse_log(data or b"")[0]:
        view.apply(line)
    return view.document()
