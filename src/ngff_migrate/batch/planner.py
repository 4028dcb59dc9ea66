"""Survey datasets without writing anything: what a batch would do and what it costs.

For each dataset :func:`survey_dataset` runs :func:`ngff_migrate.plan` (read
and translate, no write) and reports the layout, version, number of arrays,
documents and chunks, the *nominal* bytes (sum over arrays of shape ×
item size: the decoded size, not the size on disk), whether a metadata-only
migration gives plain core Zarr v3, and an estimated time.

**Metadata-only** here means: the migration only writes ``zarr.json``
documents *and* the arrays it describes need nothing beyond the Zarr v3
core spec in C order, with no consolidated metadata left describing the old
documents. Reasons it does not hold (``reasons``):

* ``order F`` (the v3 document needs a ``transpose`` codec over the
  untouched chunks),
* v2 filters or compressors without a core v3 codec (from
  :func:`ngff_migrate.zarr.v2_to_v3.core_v3_expressible`; they become
  ``numcodecs.*`` codecs that only zarr-python reads),
* consolidated metadata (``.zmetadata``, or ``consolidated_metadata`` in the
  root ``zarr.json``), which keeps describing the legacy documents.

Arrays that cannot be described in v3 at all make the survey fail (the
migration would fail the same way).

**Estimated seconds** (measured on this project's benchmark machine; see
``docs/batch.md``): ``in place = T_DATASET + T_ARRAY × arrays +
T_DOCUMENT × documents``; ``copy = in place + T_CHUNK × chunks +
nominal bytes / COPY_BYTES_PER_SECOND``.

**TIFF datasets** (layouts ``tiff`` and ``tiff-tiles``, :mod:`.tiffs`) are
planned through the same :func:`ngff_migrate.plan` (it reads the TIFF
headers and OME-XML, no pixels). A TIFF is never metadata-only (``reasons``:
"a TIFF is always re-encoded into a new store") and never migrated in
place (``est_seconds_in_place`` 0); ``file_bytes`` and ``files`` give the
size on disk of all its files; ``est_seconds_copy = T_DATASET + T_ARRAY ×
arrays + nominal bytes / REENCODE_BYTES_PER_SECOND``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MigrateError, UsageError
from ..storage.sandbox import OutsideRootError, sandboxed
from ..zarr.v2_to_v3 import core_v3_expressible
from .tiffs import REENCODED, destination_clashes, is_tiff_layout, output_rel
from .walk import Found, find_datasets

#: Estimate model constants (seconds; bytes per second), see module docstring. Fitted by least
#: squares to the per-dataset worker times of ``benchmarks/bench_batch.py`` (504 datasets in
#: place, --verify sample, ext4, 2 cores; 1 to 11 documents and 2 to 7 arrays per dataset) and
#: to ``benchmarks/bench_copy_throughput.py`` (8,064 chunks, 264 MB: ~50 MB/s plus sampling).
T_DATASET = 0.020
T_ARRAY = 0.0095
T_DOCUMENT = 0.0005
T_CHUNK = 0.0005
COPY_BYTES_PER_SECOND = 60e6
#: decode + encode of a TIFF's pixels: the low end of the engine's re-encode throughput in
#: ``docs/performance.md`` (108-250 MB/s raw on 2 cores), so that estimates err long
REENCODE_BYTES_PER_SECOND = 100e6


@dataclass
class DatasetSurvey:
    """What the planner found for one dataset (bytes are nominal, see module doc)."""

    rel: str
    path: str
    layout: str | None = None
    version: str | None = None
    zarr_format: int | None = None
    arrays: int = 0
    documents: int = 0
    chunks: int = 0
    nominal_bytes: int = 0
    metadata_only: bool | None = None
    reasons: list[str] = field(default_factory=list)
    est_seconds_in_place: float = 0.0
    est_seconds_copy: float = 0.0
    warnings: int = 0
    error: str | None = None
    error_file: str | None = None
    #: with re-encode options: the plan per array (``ReencodePlan.to_json()``)
    reencode: dict[str, Any] | None = None
    #: TIFF datasets: the bytes on disk of all their files, and how many files
    file_bytes: int | None = None
    files: int | None = None
    #: TIFF datasets: where a copy batch writes it, relative to DEST (``a/x.ome.zarr``)
    output: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the dataset can be planned (and so migrated)."""
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The survey as the manifest's dataset entry (bytes nominal, seconds estimated)."""
        return asdict(self)


def _itemsize(meta: dict[str, Any], zarr_format: int) -> int:
    try:
        return int(np.dtype(meta["dtype"] if zarr_format == 2 else meta["data_type"]).itemsize)
    except (KeyError, TypeError):
        return 0


def _chunk_shape(meta: dict[str, Any], zarr_format: int) -> list[int]:
    if zarr_format == 2:
        return list(meta.get("chunks") or [])
    grid = meta.get("chunk_grid") or {}
    return list((grid.get("configuration") or {}).get("chunk_shape") or [])


def _grouped(reasons: list[tuple[str, str]]) -> list[str]:
    """``[(array, reason)]`` → ``["reason (n arrays, e.g. s0)"]`` in first-seen order."""
    by: dict[str, list[str]] = {}
    for array, reason in reasons:
        by.setdefault(reason, []).append(array)
    out = []
    for reason, arrays in by.items():
        n = len(arrays)
        out.append(f"{reason} ({n} array{'s' if n > 1 else ''}, e.g. {arrays[0] or '.'})")
    return out


def survey_dataset(path: str | Path, rel: str = ".", *, lenient: bool = False,
                   allow_outside: bool = False, reencode: dict[str, Any] | None = None,
                   layout: str | None = None, members: tuple[str | Path, ...] = ()) -> DatasetSurvey:
    """Survey one dataset (read-only). Never raises: failures go to ``error``/``error_file``
    (a project error with its file; any other exception, a bug, as ``internal error ...``
    naming the dataset), so one bad dataset never stops the survey of the others.

    ``lenient`` and ``allow_outside`` as for :func:`ngff_migrate.convert` (legacy
    validation problems become warnings; metadata may be read outside the
    dataset). An RFC-8 dataset that cannot be planned is reported as
    "already RFC-8" unless it reads outside its directory (``OutsideRootError``).
    ``reencode`` (the keyword arguments of :func:`~ngff_migrate.engine.options.reencode_options`)
    adds the re-encode plan per array. ``layout`` and ``members``: what the walk
    found (a TIFF dataset's layout and files, see :class:`~.walk.Found`).
    """
    from ..api import plan
    from ..storage.location import as_path

    path = as_path(path)
    out = DatasetSurvey(rel=rel, path=str(path), layout=layout)
    if is_tiff_layout(layout):
        _file_sizes(out, path, members)
        out.output = output_rel(rel, layout)
    try:
        result = plan(path, lenient=lenient, allow_outside=allow_outside)
        _survey(path, out, result)
        if is_tiff_layout(layout):
            out.layout = layout if result.layout == "tiff" else result.layout
        if reencode:
            from ..engine.options import reencode_options
            from ..engine.plan import plan_reencode

            out.reencode = plan_reencode(result, reencode_options(**reencode)).to_json()
        return out
    except MigrateError as exc:
        from ..formats.detect import detect

        out.error, out.error_file = exc.problem, exc.path
        try:
            with sandboxed(path, allow_outside=allow_outside):
                d = detect(path)
            out.layout, out.version, out.zarr_format = d.layout, d.version, d.zarr_format
        except Exception:  # the layout is only a hint here; the error above is what counts
            pass
        if is_tiff_layout(layout):
            out.layout = layout
        if out.layout == "rfc8" and not isinstance(exc, OutsideRootError):
            out.error = out.error_file = None
            out.metadata_only = None
            out.reasons = ["already RFC-8: nothing to migrate"]
        return out
    except Exception as exc:  # a bug must not stop the survey of the other datasets
        out.error, out.error_file = f"internal error {type(exc).__name__}: {exc}", str(path)
        return out


def _survey(path: Path, out: DatasetSurvey, result: Any) -> DatasetSurvey:
    """Fill ``out`` from the plan of a dataset (see :func:`survey_dataset`)."""
    out.layout, out.version, out.zarr_format = result.layout, result.version, result.zarr_format
    out.arrays, out.documents, out.warnings = len(result.arrays), len(result.documents), len(result.warnings)
    reasons: list[tuple[str, str]] = []
    for array in result.arrays:
        meta, fmt = array.source.metadata, array.source.zarr_format
        shape = [int(s) for s in meta.get("shape") or []]
        out.nominal_bytes += math.prod(shape) * _itemsize(meta, fmt)
        chunks = _chunk_shape(meta, fmt)
        if len(chunks) == len(shape) and all(c > 0 for c in chunks):
            out.chunks += math.prod(math.ceil(s / c) for s, c in zip(shape, chunks, strict=True))
        if fmt != 2:
            continue
        if meta.get("order") == "F" and len(shape) > 1:
            reasons.append((array.rel, "order F needs a transpose codec"))
        ok, why = core_v3_expressible(meta)
        if not ok:
            reasons.append((array.rel, why or "not expressible in core Zarr v3"))
    from ..storage.location import is_file, is_remote

    if is_file(path / ".zmetadata"):  # remote: one HEAD
        reasons.append(("", "consolidated metadata (.zmetadata) keeps describing the legacy documents"))
    root_doc = result.root.joinpath("zarr.json")
    if is_remote(root_doc):  # the document as the plan read it: no request
        root_bytes = result.inputs.get("zarr.json") if result.zarr_format == 3 else None
    else:
        root_bytes = root_doc.read_bytes() if result.zarr_format == 3 and root_doc.is_file() else None
    if root_bytes and b'"consolidated_metadata"' in root_bytes:
        import json

        if json.loads(root_bytes).get("consolidated_metadata"):
            reasons.append(("", "consolidated metadata (zarr.json consolidated_metadata) must be rebuilt"))
    if is_tiff_layout(result.layout) or is_tiff_layout(out.layout):
        out.reasons, out.metadata_only, out.est_seconds_in_place = [REENCODED], False, 0.0
        out.est_seconds_copy = round(T_DATASET + T_ARRAY * out.arrays
                                     + out.nominal_bytes / REENCODE_BYTES_PER_SECOND, 4)
        return out
    out.reasons = _grouped(reasons)
    out.metadata_only = not reasons
    out.est_seconds_in_place = round(T_DATASET + T_ARRAY * out.arrays + T_DOCUMENT * out.documents, 4)
    out.est_seconds_copy = round(out.est_seconds_in_place + T_CHUNK * out.chunks
                                 + out.nominal_bytes / COPY_BYTES_PER_SECOND, 4)
    return out


def _file_sizes(out: DatasetSurvey, path: Path, members: tuple[str | Path, ...]) -> None:
    """``file_bytes``/``files`` of a TIFF dataset: one ``stat`` per file."""
    files = [Path(m) for m in members] or ([path] if path.is_file() else [])
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:
            pass
    out.file_bytes, out.files = total, len(files)


def survey_found(found: Found, *, allow_outside: bool = False) -> DatasetSurvey:
    """Survey a walk result: a failed walk entry becomes a failed survey without reading more."""
    if found.error is not None:
        return DatasetSurvey(rel=found.rel, path=str(found.path), layout=found.layout, version=found.version,
                             zarr_format=found.zarr_format, error=found.error, error_file=found.error_file)
    return survey_dataset(found.path, found.rel, allow_outside=allow_outside, layout=found.layout,
                          members=found.members)


def survey_chunk(items: list[tuple[Any, ...]]) -> list[DatasetSurvey]:
    """Survey ``[(path, rel, lenient[, allow_outside[, reencode[, layout, members]]]])]``
    in one worker task (fewer round trips than one task each). Never raises."""
    return [survey_dataset(item[0], item[1], lenient=item[2], allow_outside=bool(item[3:4] and item[3]),
                           reencode=item[4] if len(item) > 4 else None,
                           layout=item[5] if len(item) > 5 else None,
                           members=tuple(item[6]) if len(item) > 6 else ())
            for item in items]


@dataclass
class TreePlan:
    """The result of :func:`plan_tree`: one survey per dataset found, in path order."""

    root: str
    datasets: list[DatasetSurvey]
    seconds: float = 0.0

    def totals(self) -> dict[str, Any]:
        """Counts and sums over all datasets (bytes nominal, seconds estimated)."""
        ok = [d for d in self.datasets if d.ok]
        by_layout: dict[str, int] = {}
        by_version: dict[str, int] = {}
        for d in self.datasets:
            by_layout[d.layout or "unknown"] = by_layout.get(d.layout or "unknown", 0) + 1
            by_version[d.version or "unknown"] = by_version.get(d.version or "unknown", 0) + 1
        return {
            "datasets": len(self.datasets),
            "failed": len(self.datasets) - len(ok),
            "metadata_only": sum(1 for d in ok if d.metadata_only),
            "arrays": sum(d.arrays for d in ok),
            "nominal_bytes": sum(d.nominal_bytes for d in ok),
            "file_bytes": sum(d.file_bytes or 0 for d in self.datasets),
            "est_seconds_in_place": round(sum(d.est_seconds_in_place for d in ok), 3),
            "est_seconds_copy": round(sum(d.est_seconds_copy for d in ok), 3),
            "by_layout": dict(sorted(by_layout.items())),
            "by_version": dict(sorted(by_version.items())),
        }

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` manifest."""
        return {"manifest_version": 1, "tool": "ngff-migrate", "root": self.root,
                "bytes_are": "nominal: sum over arrays of shape x item size (decoded size, not size on disk)",
                "totals": self.totals(), "seconds": round(self.seconds, 3),
                "datasets": [d.to_json() for d in self.datasets]}

    def to_html(self) -> str:
        """The self-contained HTML page of this plan (``--html FILE``)."""
        from ..report.html import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        from ..report.html import notebook_html

        return notebook_html(self)

    CSV_COLUMNS = ("rel", "layout", "version", "zarr_format", "arrays", "documents", "chunks",
                   "nominal_bytes", "metadata_only", "reasons", "est_seconds_in_place",
                   "est_seconds_copy", "error", "error_file", "file_bytes", "files", "output")

    def csv_rows(self) -> list[dict[str, Any]]:
        """The ``--csv`` manifest rows (``reasons`` joined with ``"; "``)."""
        rows = []
        for d in self.datasets:
            row = {k: getattr(d, k) for k in self.CSV_COLUMNS}
            row["reasons"] = "; ".join(d.reasons)
            rows.append(row)
        return rows


def plan_tree(root: str | Path, *, jobs: int = 1, scheduler: str | None = None,
              progress: Any = None, allow_outside: bool = False,
              reencode: dict[str, Any] | None = None, endpoint_url: str | None = None, anon: bool = False,
              storage_options: dict[str, Any] | None = None,
              max_requests: int | None = None, retries: int | None = None,
              missing_chunk_status: int | None = None) -> TreePlan:
    """Walk ``root`` and survey every dataset found (nothing is written).

    ``root`` may be an ``s3://`` prefix, with ``endpoint_url``, ``anon``,
    ``storage_options``, ``max_requests``, ``retries``, ``missing_chunk_status`` as for
    :func:`ngff_migrate.convert`: it is listed once
    and the datasets are found in the listing (:mod:`.remote`; re-encode
    plans are not made there).

    Parameters
    ----------
    jobs:
        Worker processes for the survey (``1``: in this process).
    scheduler:
        A dask.distributed scheduler address; surveys run on its workers.
    progress:
        Optional callable ``progress(n_done, n_total)``.
    allow_outside:
        Read metadata that resolves outside each dataset (``..`` paths,
        symbolic links), as ``convert --allow-outside`` does.
    reencode:
        Re-encode options (keyword arguments of
        :func:`~ngff_migrate.engine.options.reencode_options`): each survey
        then holds the re-encode plan per array (chunk, shard, shards,
        bytes per shard, why); checked before any dataset is read.

    One dataset that cannot be read (or hits a bug) is a failed survey; the
    others are surveyed all the same.

    Raises
    ------
    MigrateError
        If ``root`` is not a directory (or an S3 prefix that cannot be listed),
        or the scheduler cannot be reached.
    UsageError
        For an HTTP ``root`` (it cannot be listed), or re-encode options with an S3 ``root``.
    """
    from ..storage.location import from_file_url

    root = from_file_url(root)
    from ..storage.location import looks_remote
    from .pool import map_pooled

    if looks_remote(root):  # an S3 prefix, listed once (HTTP cannot be listed: UsageError)
        from .remote import plan_prefix, store_options

        if reencode:
            from ..engine.options import reencode_options

            if reencode_options(**reencode).active:
                raise UsageError(str(root), "re-encode plans read local stores in this release; plan the "
                                            "S3 prefix without --chunks/--shards/--codec/--levels")
        return plan_prefix(root, jobs=jobs, scheduler=scheduler, progress=progress, allow_outside=allow_outside,
                           store=store_options(endpoint_url, anon, storage_options, max_requests, retries,
                                                missing_chunk_status))
    if endpoint_url or anon or storage_options:  # store options with a local ROOT: UsageError
        from ..storage.location import open_location

        open_location(str(root), endpoint_url=endpoint_url, anon=anon, storage_options=storage_options)
    start = time.perf_counter()
    if reencode:
        from ..engine.options import reencode_options

        if not reencode_options(**reencode).active:
            reencode = None
    found = find_datasets(root, allow_outside=allow_outside)
    surveys: dict[str, DatasetSurvey] = {f.rel: survey_found(f) for f in found if f.error is not None}
    todo = [(str(f.path), f.rel, False, allow_outside, reencode, f.layout, [str(m) for m in f.members])
            for f in found if f.error is None]
    if jobs <= 1 and scheduler is None:
        for i, (p, r, _, _, _, layout, members) in enumerate(todo):
            surveys[r] = survey_dataset(p, r, allow_outside=allow_outside, reencode=reencode, layout=layout,
                                        members=tuple(members))
            if progress:
                progress(i + 1, len(todo))
    elif todo:
        for s in map_pooled(survey_chunk, todo, jobs=jobs, scheduler=scheduler, progress=progress):
            surveys[s.rel] = s
    for rel, why in destination_clashes(found).items():  # what `batch --out` would refuse
        if surveys[rel].error is None:
            surveys[rel].error, surveys[rel].error_file = f"in a copy batch, {why}", str(Path(root) / rel)
    ordered = [surveys[f.rel] for f in found]
    return TreePlan(str(root), ordered, time.perf_counter() - start)
