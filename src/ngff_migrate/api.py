"""The Python API: the same functions the CLI calls.

>>> import ngff_migrate
>>> report = ngff_migrate.convert("image.ome.zarr", "image.rfc8.zarr")   # doctest: +SKIP
>>> report.status                                                       # doctest: +SKIP
'done'
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MigrateError, UsageError
from .formats.detect import Detection, detect
from .formats.ngff_image.translate import DEFAULT_PREFIX, DEFAULT_TARGET_VERSION, TranslateOptions
from .formats.plan import MigrationPlan
from .inspection import Inspection, inspect  # noqa: F401  (part of the API)
from .report.model import Report
from .runtime import paused_gc, resumed_gc
from .storage.cache import prefetch_output, stage_cache
from .storage.location import (
    display,
    is_remote,
    looks_remote,
    open_location,
    relative_posix,
)
from .undo import finalize, rollback  # noqa: F401  (part of the API)
from .verify.pixels import DEFAULT_SAMPLE_CHUNKS, VerifyMode


@dataclass
class Progress:
    """Optional progress callbacks (the CLI wires them to rich progress bars).

    ``start(stage, total)`` announces a stage with its total (bytes for
    ``copy``, arrays for ``verify``); ``advance(stage, n)`` reports progress.
    """

    start: Callable[[str, int], None] = lambda stage, total: None
    advance: Callable[[str, int], None] = lambda stage, n: None


def plan(source: str | Path, *, target_version: str = DEFAULT_TARGET_VERSION,
         prefix: str = DEFAULT_PREFIX, lenient: bool = False, allow_outside: bool = False,
         report: Report | None = None, detection: Detection | None = None,
         pixel_size: float | None = None, unit: str | None = None, positions: str | Path | None = None,
         position_unit: str | None = None, overview: bool = False, endpoint_url: str | None = None,
         anon: bool = False, storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
         retries: int | None = None, missing_chunk_status: int | None = None) -> MigrationPlan:
    """Detect, read and translate ``source`` without writing anything.

    ``source`` is a local path, or a remote URL (``s3://bucket/prefix``,
    ``http(s)://host/path``; read-only) with its store options
    ``endpoint_url``, ``anon`` and ``storage_options``, and ``max_requests``,
    ``retries`` and ``missing_chunk_status`` (docs/storage.md, "Robust remote I/O";
    :func:`~ngff_migrate.storage.location.open_location`).

    ``detection`` skips the detection step when the caller already has it.
    ``pixel_size`` (y/x, in ``unit``, default micrometer) and ``unit`` (an
    NGFF space unit) set the pixel size of a TIFF; ``positions`` (a
    ``TileConfiguration.txt`` or CSV), ``position_unit`` and ``overview``
    place a TIFF tile set (docs/tiff.md, "Tile sets").
    Every metadata file read must resolve inside ``source`` (RFC-8
    §Security, ``docs/safety.md``) unless ``allow_outside``.

    Returns
    -------
    MigrationPlan
        The RFC-8 documents that a migration would write, the arrays it
        carries over and where every legacy key goes.

    Raises
    ------
    NotRecognisedError, UnsupportedError, MigrateError
        For input that is not a migratable OME-Zarr dataset; the message
        names the file and the problem.
    """
    from .storage.sandbox import sandboxed

    source = open_location(source, endpoint_url=endpoint_url, anon=anon, storage_options=storage_options,
                           max_requests=max_requests, retries=retries, missing_chunk_status=missing_chunk_status)
    report = report or Report(source=display(source), destination=None, mode="plan")
    with sandboxed(dataset_root(source), allow_outside=allow_outside), stage_cache(source), paused_gc():
        return _plan(source, target_version, prefix, lenient, report, detection,
                     tiff_options(pixel_size, unit, positions, position_unit, overview))


def dataset_root(source: str | Path) -> Path:
    """The directory a dataset lives in: ``source`` itself, or for a
    standalone RFC-8 ``*.json`` document (or a glob of TIFF tiles) its
    directory (the root its relative paths resolve against, and the sandbox
    of the run)."""
    if is_remote(source):  # no existence check: a *.json key is a document, anything else a group
        return source.parent if source.suffix.lower() == ".json" else source
    path = Path(source)
    if not path.exists():  # a glob of TIFF tiles (tiles/*.tif): its folder
        from .formats.tiff.tileset import split_glob

        return split_glob(path)[0]
    return path.parent if path.suffix.lower() == ".json" and path.is_file() else path


def tiff_options(pixel_size: float | None = None, unit: str | None = None, positions: str | Path | None = None,
                 position_unit: str | None = None, overview: bool = False) -> dict[str, Any]:
    """The TIFF options of a run as :class:`TranslateOptions` fields (docs/tiff.md)."""
    return {"pixel_size": pixel_size, "unit": unit, "positions": None if positions is None else str(positions),
            "position_unit": position_unit, "overview": overview}


def _plan(source, target_version, prefix, lenient, report, detection, tiff: dict[str, Any] | None = None
          ) -> MigrationPlan:
    from .formats.registry import layout
    from .zarr.jsonio import recording
    from .zarr.node import json_policy

    with report.timer("detect"):
        detection = detection or detect(source)
    report.layout, report.version, report.zarr_format = detection.layout, detection.version, detection.zarr_format
    warnings: list[str] = []
    options = TranslateOptions(target_version=target_version, prefix=prefix, **(tiff or {}))
    if detection.layout != "tiff-tiles" and (options.positions or options.position_unit or options.overview):
        raise UsageError(detection.path, f"--positions, --position-unit and --overview apply to a tile set (a "
                                         f"folder of TIFF tiles), not to this {detection.layout} input")
    steps = layout(detection.layout)
    read, translate = steps.stage("read"), steps.stage("translate")
    with report.timer("read"), json_policy(lenient=lenient) as changed, recording() as documents:
        extra = {"options": options} if steps.read_options else {}
        source = read(detection.path, detection.version or "", strict=not lenient, warnings=warnings, **extra)
    warnings.extend(changed)
    with report.timer("translate"):
        result = translate(source, options)
    # what the translation recorded itself (a TIFF's metadata as read), then every JSON document read
    result.inputs = {**result.inputs, **_relative_inputs(result.root, documents)}
    result.prefix = prefix
    report.entry = result.entry
    result.warnings[:0] = warnings
    report.keys = result.keys
    report.warnings = list(result.warnings)
    report.arrays = len(result.arrays)
    report.tiles = result.tiles
    report.target_version = target_version
    return result


def _has_zarr(root: Path) -> bool:
    return any((root / name).is_file() for name in ("zarr.json", ".zgroup", ".zattrs", ".zarray"))


def _relative_inputs(root: Path, documents: dict[Path, bytes]) -> dict[str, bytes]:
    """The documents read, by POSIX path relative to ``root`` (those outside it,
    read with ``allow_outside``, keep their full path)."""
    out = {}
    for path, data in documents.items():
        if isinstance(path, Path):
            try:
                out[path.relative_to(root).as_posix()] = data
            except ValueError:
                out[str(path)] = data
            continue
        rel = relative_posix(path, root)  # a remote document
        out[rel if rel is not None else display(path)] = data
    return out


def convert(source: str | Path, destination: str | Path | None = None, *, in_place: bool = False,
            link: bool = False, target_version: str = DEFAULT_TARGET_VERSION,
            verify: VerifyMode = "sample", sample_chunks: int = DEFAULT_SAMPLE_CHUNKS,
            overwrite: bool = False, lenient: bool = False, prefix: str = DEFAULT_PREFIX,
            allow_outside: bool = False, progress: Progress | None = None,
            on_plan: Callable[[MigrationPlan], None] | None = None,
            chunks: str | None = None, shards: str = "keep", shard_size: str | int | None = None,
            codec: str | None = None, portable: bool = False, jobs: int | None = None,
            scheduler: str | None = None, space_check: bool = True, levels: int | None = None,
            downsample: str | None = None, pixel_size: float | None = None, unit: str | None = None,
            positions: str | Path | None = None, position_unit: str | None = None, overview: bool = False,
            endpoint_url: str | None = None, anon: bool = False,
            storage_options: dict[str, Any] | None = None, source_endpoint_url: str | None = None,
            dest_endpoint_url: str | None = None, max_requests: int | None = None, retries: int | None = None,
            missing_chunk_status: int | None = None) -> Report:
    """Migrate one dataset (an OME-Zarr image, plate, container, RFC-8 tree, or a TIFF file) to RFC-8.

    Parameters
    ----------
    source:
        The image group directory (NGFF 0.4 on Zarr v2 or 0.5 on Zarr v3).
    destination:
        Copy mode: a new Zarr v3 store; chunk bytes copied verbatim
        (hard-linked with ``link=True``). Must not exist unless ``overwrite``.
    in_place:
        Metadata-only migration of ``source`` itself, journaled for
        :func:`rollback`. Exactly one of ``destination``/``in_place``.
    target_version:
        The ``version`` written on every root node (default ``"0.x"``).
    verify:
        ``none``, ``sample`` (every chunk of each smallest level plus
        ``sample_chunks`` random chunks of every other array) or ``full``.
    lenient:
        Migrate metadata that fails legacy validation (the NGFF JSON schemas and spec rules), listing the
        problems as warnings instead of failing.
    prefix:
        Attribute prefix for carried legacy keys.
    allow_outside:
        Read metadata that resolves outside ``source`` (``..`` paths,
        symbolic links leaving it). Nothing is ever written outside the
        destination or, in place, outside ``source``.
    on_plan:
        Called with the migration plan before anything is written (batch
        workers take the survey figures from it instead of planning twice).
    chunks, shards, shard_size, codec, portable:
        Re-encode the arrays (copy mode only, to a local or ``s3://`` destination, from a local, S3
        or HTTP source; docs/reencode.md, docs/storage.md): the chunk
        shape (``"z=32,y=256,x=256"`` or ``"32,256,256"``, in elements),
        ``"keep"``/``"auto"``/``"none"`` or a shard shape, the target
        decoded bytes per shard of ``auto`` (``"64MiB"``), the codec
        (``"zstd:3"``, ``"blosc:zstd:5:shuffle"``, ``"none"``), and
        ``portable`` (re-encode only arrays whose codecs are not core Zarr
        v3). Any of them makes the migration a re-encode: pixels are
        decoded and written anew, resumably (rerun after a kill).
    jobs, scheduler:
        A re-encode's worker threads (default: CPUs), or a
        ``dask.distributed`` scheduler address (``tcp://HOST:PORT``).
    space_check:
        Refuse a re-encode whose estimated output exceeds the free space.
    levels, downsample:
        Build the missing levels of every multiscale up to ``levels`` in
        all, with ``"mean"`` (default), ``"nearest"`` or ``"mode"`` (label
        images: always ``mode`` or ``nearest``); docs/reencode.md, "Levels".
        A single-level TIFF gets a pyramid by default (docs/tiff.md).
    pixel_size, unit:
        A TIFF's y/x pixel size and its NGFF unit (default micrometer),
        overriding what the file says (docs/tiff.md).
    positions, position_unit, overview:
        A TIFF tile set's position file (``TileConfiguration.txt`` or a CSV
        ``file,x,y[,z]``; default: the folder's own, else each tile's
        OME-XML), the unit of its positions (an NGFF space unit or
        ``"pixel"``), and whether to add a fused low-resolution overview
        of the mosaic (docs/tiff.md, "Tile sets").
    endpoint_url, anon, storage_options:
        For a remote ``source`` (``s3://bucket/prefix``, ``http(s)://host/path``) or
        an ``s3://`` ``destination``: an S3-compatible server, unsigned requests
        (source only), and options for the fsspec file system (docs/storage.md).
        In place on S3 is a journaled metadata-only migration, as locally.
    source_endpoint_url, dest_endpoint_url:
        Override ``endpoint_url`` for the source or the destination (S3 to S3 across servers).
    max_requests, retries, missing_chunk_status:
        For remote stores (docs/storage.md, "Robust remote I/O"): requests in flight and
        objects copied at once (default 16), further attempts of a request that failed
        transiently (5xx, throttling, a timeout, a dropped connection; default 5, with
        exponential backoff and jitter), and ``403`` to take a 403 answer for "no such
        object" (stores such as EBI's S3 answer 403 for absent keys).

    Returns
    -------
    Report
        ``status == "done"``; the report lists where every legacy key went.

    Raises
    ------
    UsageError
        For contradictory options or a bad destination (exit code 2).
    MigrateError
        When the input cannot be migrated or the output fails verification;
        the input is left byte-identical and no output that looks complete
        remains.
    """

    if in_place == (destination is not None):
        raise UsageError(None, "give either a destination or --in-place (not both, not neither)")
    if verify not in ("none", "sample", "full"):
        raise UsageError(None, f"--verify must be none, sample or full, not {verify!r}")
    from .engine.options import reencode_options

    recode = reencode_options(chunks=chunks, shards=shards, shard_size=shard_size, codec=codec,
                              portable=portable, levels=levels, downsample=downsample, in_place=in_place,
                              copy_command="convert SRC DST")
    from .remote_convert import check_remote_options, counting, open_destination, storage_report

    tiff = (pixel_size, unit, positions, position_unit, overview)
    check_remote_options(source, destination, in_place=in_place, link=link, recode=recode, tiff=tiff,
                         scheduler=scheduler)
    local_to_remote = not looks_remote(source) and destination is not None and looks_remote(destination)
    if in_place:
        from .remote_convert import refuse_missing_403

        refuse_missing_403(missing_chunk_status, "--in-place")
    robust = {"max_requests": max_requests, "retries": retries}
    src = open_location(source) if local_to_remote else open_location(
        source, endpoint_url=source_endpoint_url or endpoint_url, anon=anon, storage_options=storage_options,
        missing_chunk_status=missing_chunk_status, **robust)
    # the destination is written: a 403 there is never "absent" (its run.json, lock and entry document)
    dst = None if destination is None else open_destination(
        destination, endpoint_url=dest_endpoint_url or endpoint_url, storage_options=storage_options, **robust)
    report = Report(source=display(src), destination=None if dst is None else display(dst),
                    mode="in-place" if in_place else ("link" if link else "copy"))
    before = counting(src, dst)
    try:
        _convert_one(src, dst, report, progress, in_place=in_place, link=link, overwrite=overwrite,
                     target_version=target_version, verify=verify, sample_chunks=sample_chunks, lenient=lenient,
                     prefix=prefix, allow_outside=allow_outside, on_plan=on_plan, recode=recode,
                     engine={"jobs": jobs, "scheduler": scheduler, "space_check": space_check},
                     tiff=tiff_options(*tiff))
    finally:
        report.storage = storage_report(before)
    return report


def _convert_one(src, dst, report: Report, progress: Progress | None, *, in_place: bool, link: bool,
                 overwrite: bool, recode, engine: dict[str, Any], tiff: dict[str, Any], **common: Any) -> None:
    from .write.copy import check_destination

    root = dataset_root(src)
    if not in_place:
        if is_remote(dst):
            from .write.copy_s3 import check_s3_destination

            check_s3_destination(root, dst, overwrite=overwrite)
        else:
            check_destination(root, Path(dst), overwrite=overwrite)
            dst = Path(dst)
        _convert(src, dst, report, progress or Progress(), link=link, overwrite=overwrite,
                 recode=recode if recode.active else None, engine=engine, tiff=tiff, **common)
        return
    if is_remote(src):
        from .write.inplace_s3 import locked_in_place

        with locked_in_place(root) as note:
            _convert(src, None, report, progress or Progress(), link=False, overwrite=False, **common)
        if note:
            report.warnings.insert(0, f"recovered: {note}")
        return
    from .storage.lock import Busy
    from .write.inplace import busy_error, dataset_lock, recover_interrupted

    if (src.is_file() or root.is_dir() and not _has_zarr(root)) and detect(src).layout.startswith("tiff"):
        raise UsageError(src, "a TIFF file or tile set is converted into a new Zarr store: give a destination, "
                              "not --in-place")
    if not root.is_dir():
        raise MigrateError(src, "no such directory")
    try:
        with dataset_lock(root):
            # an interrupted earlier run is undone before the tree is read: its
            # half-written documents must not be taken for the input
            note = recover_interrupted(root)
            _convert(src, None, report, progress or Progress(), link=False, overwrite=False, **common)
            if note:
                report.warnings.insert(0, f"recovered: {note}")
    except Busy:
        raise busy_error(root) from None


def _convert(src: Path, destination: Path | None, report: Report, progress: Progress, *, link: bool,
             overwrite: bool, target_version: str, verify: VerifyMode, sample_chunks: int,
             lenient: bool, prefix: str, allow_outside: bool, on_plan=None, recode=None,
             engine: dict[str, Any] | None = None, tiff: dict[str, Any] | None = None) -> None:
    from .storage.sandbox import resolution_cache
    from .verify.pixels import verify_output
    from .verify.reverse import check_reverse_map
    from .write.copy import files_to_copy, migrate_copy
    from .write.inplace import migrate_in_place

    with report.timer("total"), resolution_cache(), paused_gc(), ExitStack() as pixels:
        result = plan(src, target_version=target_version, prefix=prefix, lenient=lenient,
                      allow_outside=allow_outside, report=report, **(tiff or {}))
        recode = _source_defaults(result, recode)
        if recode is not None and is_remote(destination) and any(a.reader is not None for a in result.arrays):
            raise UsageError(display(destination), "this input is re-encoded by the pixel engine (a TIFF), which "
                                                   "writes a local destination in this release")
        job = None
        if recode is not None:
            pixels.enter_context(resumed_gc())  # the engine moves pixels: the collector bounds its memory
            job = _reencode_job(result, destination, recode, overwrite=overwrite, progress=progress,
                                **(engine or {}))
            report.warnings.extend(w for w in result.warnings if w not in report.warnings)
        if on_plan is not None:
            on_plan(result)
        outcome: dict[str, Any] = {}

        def _verify(target_root: Path) -> None:
            progress.start("verify", len(result.arrays))
            with report.timer("verify"), stage_cache(target_root):
                prefetch_output(result, target_root)
                outcome["v"] = verify_output(result, target_root, source_root=result.root, mode=verify,
                                             sample_chunks=sample_chunks,
                                             progress=lambda n: progress.advance("verify", n))
                outcome["checks"] = {"reverse_map": check_reverse_map(result, target_root)}
                if job is not None and verify == "full":
                    from .verify.shards import check_shards

                    outcome["checks"]["shards"] = check_shards(result, target_root,
                                                               extra=job.rplan.layouts()).to_json()
                if job is not None and job.rplan.levels and verify != "none":
                    from .engine.levels import verify_levels

                    outcome["checks"]["new_levels"] = verify_levels(
                        job.rplan.levels, result.root, target_root, mode=verify, sample_chunks=sample_chunks)

        options = {"target_version": target_version, "verify": verify, "prefix": prefix}
        notes: list[str] = []
        if destination is not None and result.escaping_paths:  # RFC-8 v1 §Security
            from .formats.rfc8.escaping import rewrite_escaping_paths

            rewrite_escaping_paths(result, destination, allow_outside=allow_outside)
            report.warnings.extend(w for w in result.warnings if w not in report.warnings)
        with report.timer("write"):
            if destination is None:
                migrate_in_place(result, options=options, verify=_verify, stats=report.write, notes=notes)
            elif is_remote(destination):
                from .write.copy_s3 import migrate_copy_s3

                files = files_to_copy(result, allow_outside=allow_outside)
                progress.start("copy", sum(s for _, s in files))
                migrate_copy_s3(result, destination, overwrite=overwrite, verify=_verify, stats=report.write,
                                progress=lambda n: progress.advance("copy", n), files=files, notes=notes,
                                reencode=job)
            else:
                files = files_to_copy(result, allow_outside=allow_outside)
                progress.start("copy", sum(s for _, s in files))
                migrate_copy(result, destination, link=link, overwrite=overwrite, verify=_verify,
                             stats=report.write, progress=lambda n: progress.advance("copy", n),
                             files=files, allow_outside=allow_outside, notes=notes, reencode=job)
        report.warnings.extend(f"recovered: {n}" for n in notes)
        if job is not None:
            report.reencode = job.report()
        report.timings["write"] = round(report.timings["write"] - report.timings.get("verify", 0.0), 6)
    v = outcome.get("v")
    if v is not None:
        report.verification = v.to_json()
        report.warnings.extend(v.warnings)
        report.verification.update(outcome.get("checks", {}))
    report.status = "done"


def _source_defaults(result: MigrationPlan, recode):
    """The re-encode options of ``result``: ``recode`` (``None``: no re-encode),
    except that a plan whose arrays come from a source that is not Zarr (a
    TIFF: ``ArrayPlan.reader``) is always written by the engine, and gets
    its default pyramid (``MigrationPlan.default_levels``) and shards
    (``MigrationPlan.default_shards``) unless ``--levels`` / ``--shards``
    was given."""
    if not any(a.reader is not None for a in result.arrays):
        return recode
    from dataclasses import replace

    from .engine.options import ReencodeOptions

    recode = recode or ReencodeOptions()
    if recode.levels is None and (result.default_levels or 0) > 1:
        recode = replace(recode, levels=result.default_levels)
    if recode.shards == "keep" and result.default_shards:
        recode = replace(recode, shards=result.default_shards)
    return recode


def _reencode_job(result: MigrationPlan, destination: Path, recode, *, overwrite: bool, progress: Progress,
                  jobs: int | None = None, scheduler: str | None = None, space_check: bool = True):
    """Plan the re-encode of ``result`` (its arrays get target layouts) and the job that writes it."""
    from .engine.job import ReencodeJob
    from .engine.journal import inputs_digest, run_state
    from .engine.plan import plan_reencode

    rplan = plan_reencode(result, recode)
    progress.start("reencode", rplan.nbytes)
    state = run_state(result.root, destination, recode.fingerprint(), inputs_digest(result.inputs))
    return ReencodeJob(rplan=rplan, state=state, overwrite=overwrite, jobs=jobs, scheduler=scheduler,
                       space_check=space_check, progress=lambda n: progress.advance("reencode", n),
                       source=result.root)


def validate(path: str | Path, *, check_arrays: bool = True, allow_outside: bool = False,
             endpoint_url: str | None = None, anon: bool = False, storage_options: dict[str, Any] | None = None,
             max_requests: int | None = None, retries: int | None = None, missing_chunk_status: int | None = None,
             allow_remote: bool = False):
    """Validate an RFC-8 tree; returns a :class:`~ngff_migrate.verify.tree.TreeValidation`.

    ``path`` may be a remote URL, with ``endpoint_url``, ``anon``,
    ``storage_options``, ``max_requests``, ``retries`` and ``missing_chunk_status`` as for :func:`plan`.
    URLs inside the documents are fetched only with ``allow_remote`` (RFC-8 v1
    §Security; otherwise each is a ``path-remote`` finding).

    Raises
    ------
    MigrateError
        If ``path`` holds no RFC-8 document.
    """
    from .verify.tree import validate_tree

    path = open_location(path, endpoint_url=endpoint_url, anon=anon, storage_options=storage_options,
                         max_requests=max_requests, retries=retries, missing_chunk_status=missing_chunk_status)
    return validate_tree(path, check_arrays=check_arrays, allow_outside=allow_outside, allow_remote=allow_remote)
