"""The per-dataset migration report: machine-readable JSON and a human summary."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..formats.plan import KeyRecord
from ..zarr.jsonio import is_changed_line

REPORT_VERSION = 1


@dataclass
class WriteStats:
    """What a writer did. Byte counts are file sizes in bytes."""

    documents_written: int = 0
    document_bytes: int = 0
    files_copied: int = 0
    files_linked: int = 0
    bytes_copied: int = 0
    backups: int = 0
    #: objects the metadata names that a remote source does not hold (HTTP 404): absent chunks,
    #: which read as the fill value (docs/storage.md)
    objects_absent: int = 0


@dataclass
class Report:
    """Everything a user needs to know about one dataset's migration.

    ``status`` is ``done`` or ``failed``; ``keys`` says where every legacy
    key went (``mapped``, ``carried``, ``preserved``, ``dropped``);
    :attr:`changed` lists every value that was not carried exactly (with
    ``--lenient``, a ``NaN``/``Infinity`` read as ``null``).
    """

    source: str
    destination: str | None
    mode: str
    status: str = "running"
    layout: str | None = None
    version: str | None = None
    zarr_format: int | None = None
    target_version: str | None = None
    keys: list[KeyRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    write: WriteStats = field(default_factory=WriteStats)
    verification: dict[str, Any] | None = None
    #: a re-encode's plan per array and what it wrote (``None``: chunk bytes carried over)
    reencode: dict[str, Any] | None = None
    #: a TIFF tile set: the tiles, where their positions came from, the scene unit and the overlaps
    tiles: dict[str, Any] | None = None
    arrays: int = 0
    #: a run on S3: requests by kind (GET, PUT, LIST, HEAD, DELETE, COPY) and bytes read and written
    storage: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: the entry document of the output, relative to its root (``zarr.json``,
    #: or the standalone RFC-8 ``*.json`` document that was the source)
    entry: str = "zarr.json"

    def timer(self, stage: str) -> _Timer:
        """Context manager adding the seconds spent in ``stage`` to ``timings``."""
        return _Timer(self, stage)

    @property
    def changed(self) -> list[str]:
        """One line per input value the migration changed instead of carrying
        it exactly (``<file>: changed: non-standard JSON number NaN at
        <location> was read as null (--lenient)``); also among ``warnings``."""
        return [w for w in self.warnings if is_changed_line(w)]

    def counts(self) -> dict[str, int]:
        """Number of legacy keys per disposition."""
        out = {"mapped": 0, "carried": 0, "preserved": 0, "dropped": 0}
        for k in self.keys:
            out[k.disposition] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON report (``--report FILE.json``)."""
        data = asdict(self)
        data = {"report_version": REPORT_VERSION, "tool": "ngff-migrate", **data}
        data["key_counts"] = self.counts()
        data["changed"] = self.changed
        return data

    def to_html(self) -> str:
        """The self-contained HTML page of this report (``--html FILE``)."""
        from ..report.html import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        from ..report.html import notebook_html

        return notebook_html(self)


class _Timer:
    def __init__(self, report: Report, stage: str) -> None:
        self.report, self.stage = report, stage

    def __enter__(self) -> _Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.report.timings[self.stage] = round(self.report.timings.get(self.stage, 0.0) + elapsed, 6)
