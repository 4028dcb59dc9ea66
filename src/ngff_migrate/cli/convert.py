"""``ngff-migrate convert``: one dataset, copy or in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MigrateError
from ..report.terminal import progress_bars
from ..storage.location import display, is_url
from ._common import VerifyChoice, _check_output_file, _fail, app, console
from ._html import HtmlOption, write_failure_page, write_page
from ._reencode import (
    Chunks,
    Codec,
    Downsample,
    Jobs,
    Levels,
    NoSpaceCheck,
    Portable,
    Scheduler,
    Shards,
    ShardSize,
)
from ._remote import (
    Anon,
    DestEndpointUrl,
    EndpointUrl,
    MaxRequests,
    MissingChunkStatus,
    Retries,
    SourceEndpointUrl,
    StorageOption,
    remote_options,
)
from ._tiff import Overview, PixelSize, Positions, PositionUnit, Unit


@app.command()
def convert(
    src: Annotated[str, typer.Argument(help="The dataset to migrate (OME-Zarr, RFC-8, or a TIFF file); or an s3:// or http(s):// URL (copy mode).")],
    dst: Annotated[str | None, typer.Argument(help="New Zarr v3 store to write (copy mode): a directory or an s3:// URL.")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Migrate SRC itself (metadata only, journaled).")] = False,
    link: Annotated[bool, typer.Option("--link", help="Hard-link chunk files instead of copying.")] = False,
    target_version: Annotated[str, typer.Option(help="The 'version' written on root nodes.")] = "0.x",
    verify: Annotated[VerifyChoice, typer.Option(help="Pixel verification after writing.")] = VerifyChoice.sample,
    sample_chunks: Annotated[int, typer.Option(help="Random chunks compared per array with --verify sample.")] = 8,
    report: Annotated[Path | None, typer.Option("--report", help="Write the JSON report here.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing DST.")] = False,
    lenient: Annotated[bool, typer.Option("--lenient", help="Migrate metadata that fails legacy validation (listed as warnings).")] = False,
    prefix: Annotated[str, typer.Option(help="Prefix for carried legacy keys.")] = "ngff-migrate",
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside SRC ('..' paths, symbolic links); nothing is ever written outside.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    html: HtmlOption = None,
    chunks: Chunks = None,
    shards: Shards = "keep",
    shard_size: ShardSize = None,
    codec: Codec = None,
    portable: Portable = False,
    levels: Levels = None,
    downsample: Downsample = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    no_space_check: NoSpaceCheck = False,
    pixel_size: PixelSize = None,
    unit: Unit = None,
    positions: Positions = None,
    position_unit: PositionUnit = None,
    overview: Overview = False,
    endpoint_url: EndpointUrl = None,
    anon: Anon = False,
    storage_option: StorageOption = None,
    source_endpoint_url: SourceEndpointUrl = None,
    dest_endpoint_url: DestEndpointUrl = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Migrate one image to RFC-8, verify it, and print the tree and a summary.

    Examples:

      ngff-migrate convert image.ome.zarr image.rfc8.zarr

      ngff-migrate convert --in-place image.ome.zarr      (undo: ngff-migrate rollback image.ome.zarr)

      ngff-migrate convert image.ome.zarr out.zarr --chunks z=32,y=256,x=256 --shards auto      (re-encode; rerun after a kill resumes)

      ngff-migrate convert slide.ome.tif slide.zarr      (a TIFF: its pyramid reused; --pixel-size 0.325 sets the pixel size)

      ngff-migrate convert tiles/ mosaic.zarr --overview      (a tile set placed by its TileConfiguration.txt or OME stage positions)

      ngff-migrate convert s3://bucket/image.ome.zarr image.zarr --endpoint-url http://127.0.0.1:9000      (a remote source)

      ngff-migrate convert image.ome.zarr s3://bucket/image.zarr      (to S3: the root zarr.json is written last, after verification)

      ngff-migrate convert --in-place s3://bucket/plate.zarr      (journaled on S3; undo: ngff-migrate rollback s3://bucket/plate.zarr)
    """
    from ..api import convert as do_convert
    from ..report.terminal import node_tree, print_warnings, summary_table

    _check_output_file(report, "--report")
    _check_output_file(html, "--html")
    try:
        with progress_bars("bytes", quiet) as progress:
            result = do_convert(src, dst, in_place=in_place, link=link, target_version=target_version,
                                verify=verify.value, sample_chunks=sample_chunks, overwrite=overwrite,
                                lenient=lenient, prefix=prefix, allow_outside=allow_outside,
                                progress=progress, chunks=chunks, shards=shards, shard_size=shard_size,
                                codec=codec, portable=portable, jobs=jobs, scheduler=scheduler,
                                space_check=not no_space_check, levels=levels, downsample=downsample,
                                pixel_size=pixel_size, unit=unit,
                                positions=positions, position_unit=position_unit, overview=overview,
                                source_endpoint_url=source_endpoint_url, dest_endpoint_url=dest_endpoint_url,
                                **remote_options(endpoint_url, anon, storage_option, max_requests, retries,
                                                 missing_chunk_status))
    except Exception as exc:  # every failure becomes one line and an exit code
        if isinstance(exc, OSError):
            exc = MigrateError(getattr(exc, "filename", None), exc.strerror or str(exc))
        if report is not None and isinstance(exc, MigrateError):
            _write_failed_report(report, src, dst, exc)
        write_failure_page(html, "convert", display(src) if is_url(src) else Path(src),
                           None if dst is None else (display(dst) if is_url(dst) else Path(dst)), exc)
        _fail(exc)
        return
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    write_page(html, result)
    if quiet:
        return
    out = _output_root(result, src, dst, endpoint_url=dest_endpoint_url if dst else source_endpoint_url,
                       options=remote_options(endpoint_url, anon, storage_option, max_requests, retries,
                                              missing_chunk_status))
    from ..zarr.jsonio import read_json

    entry = read_json(out / result.entry)
    ome = entry["ome"] if result.entry != "zarr.json" else entry["attributes"]["ome"]
    console.print(node_tree(ome, display(out / result.entry) if result.entry != "zarr.json" else display(out)))
    console.print(summary_table(result))
    print_warnings(console, result.warnings)
    console.print(f"[green]done[/green]: {display(out)}")


def _output_root(result, src: str, dst: str | None, *, endpoint_url: str | None, options: dict):
    """Where the output lives, opened again to print its tree (a local path or a remote location)."""
    from ..api import dataset_root
    from ..storage.location import looks_remote, open_location

    where = dst if dst is not None else src
    if not looks_remote(where):
        return Path(dst) if dst is not None else dataset_root(Path(src))
    options = dict(options)
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if dst is not None:
        options.pop("anon", None)
    return dataset_root(open_location(where, **options))


def _write_failed_report(path: Path, src: str, dst: str | None, exc: MigrateError) -> None:
    data = {"report_version": 1, "tool": "ngff-migrate", "source": display(src) if is_url(src) else str(Path(src)),
            "destination": None if dst is None else (display(dst) if is_url(dst) else str(Path(dst))),
            "status": "failed", "error": exc.one_line()}
    path.write_text(json.dumps(data, indent=2) + "\n")
