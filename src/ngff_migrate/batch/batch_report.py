"""The batch report: JSON (``--report FILE``) and a human summary (rich).

One :class:`DatasetResult` per dataset found by the walk, with its
``outcome`` for this run:

============== =====================================================================
outcome        meaning
============== =====================================================================
migrated       converted (and verified) by this run
adopted        an interrupted earlier run had finished it; this run wrote its marker
done-earlier   a valid completion marker was there: skipped
already-rfc8   the input is already RFC-8: nothing to migrate, skipped
skipped        not for this mode (a TIFF in an in-place batch: ``reason``); not a failure
failed         failed in this run (``error``, ``error_file``)
failed-earlier failed in an earlier run with the same input and options; not retried
               (``--retry-failed`` retries it)
not-run        with ``--retry-failed``: a dataset that had not failed, left alone
locked         another process held its lock for longer than ``--lock-timeout``
============== =====================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

REPORT_VERSION = 1
OUTCOMES = ("migrated", "adopted", "done-earlier", "already-rfc8", "skipped", "failed", "failed-earlier",
            "not-run", "locked")
#: outcomes after which the dataset is in its final state for these options.
FINISHED = ("migrated", "adopted", "done-earlier", "already-rfc8", "skipped")


@dataclass
class DatasetResult:
    """One dataset's line in the batch report (bytes: nominal for ``nominal_bytes``,
    file sizes for ``bytes_written``; seconds: wall time in the worker)."""

    path: str
    outcome: str
    layout: str | None = None
    version: str | None = None
    arrays: int | None = None
    nominal_bytes: int | None = None
    files_written: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_file: str | None = None
    recovered: str | None = None
    warnings: int = 0
    worker: str | None = None
    #: why a ``skipped`` dataset was left alone
    reason: str | None = None
    #: where a copy batch writes it, relative to the destination, when that differs from
    #: ``path`` (a TIFF ``a/x.ome.tif`` -> ``a/x.ome.zarr``)
    output: str | None = None


@dataclass
class BatchReport:
    """Everything about one batch run. Times in seconds, sizes in bytes."""

    root: str
    destination: str | None
    mode: str
    run_id: str
    state_dir: str
    pool: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    options_hash: str = ""
    started: float = 0.0
    wall_seconds: float = 0.0
    interrupted: bool = False
    journal_error: str | None = None
    #: peak resident memory of the batch process, and of the largest worker (Linux VmHWM)
    coordinator_peak_rss_bytes: int | None = None
    workers_peak_rss_bytes: int | None = None
    datasets: list[DatasetResult] = field(default_factory=list)
    #: a batch over S3: the requests of the coordinator and every task, as ``Report.storage``
    storage: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when every dataset found is migrated (or needs nothing) and the journal is written."""
        return (not self.interrupted and self.journal_error is None
                and all(d.outcome in FINISHED for d in self.datasets))

    def counts(self) -> dict[str, dict[str, int]]:
        """Datasets per ``layout``, ``version``, ``outcome`` and ``layout/outcome``."""
        out: dict[str, dict[str, int]] = {"layout": {}, "version": {}, "outcome": {}, "layout/outcome": {}}
        for d in self.datasets:
            for key, value in (("layout", d.layout or "unknown"), ("version", d.version or "unknown"),
                               ("outcome", d.outcome),
                               ("layout/outcome", f"{d.layout or 'unknown'}/{d.outcome}")):
                out[key][value] = out[key].get(value, 0) + 1
        return {k: dict(sorted(v.items())) for k, v in out.items()}

    def totals(self) -> dict[str, Any]:
        """Files and bytes written, and throughput of the datasets this run worked on."""
        worked = [d for d in self.datasets if d.outcome in ("migrated", "adopted")]
        nominal = sum(d.nominal_bytes or 0 for d in worked)
        wall = self.wall_seconds or 0.0
        return {
            "datasets": len(self.datasets),
            "migrated": sum(1 for d in self.datasets if d.outcome == "migrated"),
            "files_written": sum(d.files_written for d in self.datasets),
            "bytes_written": sum(d.bytes_written for d in self.datasets),
            "nominal_bytes_migrated": nominal,
            "wall_seconds": round(wall, 3),
            "datasets_per_second": round(len(worked) / wall, 3) if wall > 0 else None,
            "nominal_megabytes_per_second": round(nominal / 1e6 / wall, 3) if wall > 0 else None,
        }

    def failures(self) -> list[dict[str, Any]]:
        """Every dataset not in a finished state: path, outcome, reason and file."""
        return [{"path": d.path, "outcome": d.outcome, "reason": d.error, "file": d.error_file}
                for d in self.datasets if d.outcome not in FINISHED]

    def to_json(self) -> dict[str, Any]:
        """The JSON report."""
        data = asdict(self)
        data["datasets"] = [asdict(d) for d in self.datasets]
        return {"report_version": REPORT_VERSION, "tool": "ngff-migrate", "kind": "batch", **data,
                "ok": self.ok, "counts": self.counts(), "totals": self.totals(),
                "failures": self.failures()}

    def to_html(self) -> str:
        """The self-contained HTML page of this batch report (``--html FILE``)."""
        from ..report.html import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        from ..report.html import notebook_html

        return notebook_html(self)


def _mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / (1 << 20):.1f} MiB"


def summary(report: BatchReport) -> Group:
    """The human summary: counts, totals and throughput (failures: :func:`failure_lines`)."""
    counts, totals = report.counts(), report.totals()
    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row("root", escape(report.root))
    if report.destination:
        head.add_row("destination", escape(report.destination))
    head.add_row("mode", f"{report.mode} on {report.pool}")
    head.add_row("journal", escape(report.state_dir))
    for key in ("outcome", "layout", "version"):
        head.add_row(f"per {key}", ", ".join(f"{k} {v}" for k, v in counts[key].items()) or "none")
    head.add_row("written", f"{totals['files_written']} files, {_mib(totals['bytes_written'])}")
    rate = totals["datasets_per_second"]
    head.add_row("throughput", f"{totals['wall_seconds']:.1f} s wall"
                 + (f", {rate:.2f} datasets/s, {totals['nominal_megabytes_per_second']:.1f} MB/s nominal"
                    if rate else ""))
    head.add_row("peak memory", f"coordinator {_mib(report.coordinator_peak_rss_bytes)}, "
                                f"largest worker {_mib(report.workers_peak_rss_bytes)}")
    parts: list[Any] = [head]
    fails = report.failures()
    if fails:
        parts.append(Text(f"{len(fails)} dataset(s) not migrated (listed on stderr and in --report)",
                          style="red"))
    if report.journal_error:
        parts.append(Text(f"journal: {report.journal_error}", style="red"))
    return Group(*parts)


def skipped_lines(report: BatchReport, limit: int = 10) -> list[str]:
    """``<dataset>: <reason>`` for the first ``limit`` skipped datasets, and a line
    counting the others."""
    skipped = [d for d in report.datasets if d.outcome == "skipped"]
    lines = [f"{d.path}: {d.reason}" for d in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"... and {len(skipped) - limit} more (listed in --report)")
    return lines


def failure_lines(report: BatchReport) -> list[str]:
    """One line per dataset not migrated: ``<file>: <reason> (<dataset>: <outcome>)``."""
    return [f"{f['file'] or f['path']}: {f['reason']} ({f['path']}: {f['outcome']})" for f in report.failures()]
