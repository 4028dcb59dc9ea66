"""``ngff-migrate inspect`` and ``validate``: read-only looks at a dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..storage.location import display, is_url
from ._common import _check_output_file, _fail, app, console
from ._html import HtmlOption, write_page
from ._reencode import Chunks, Codec, Downsample, Levels, Portable, Shards, ShardSize
from ._remote import (
    Anon,
    EndpointUrl,
    MaxRequests,
    MissingChunkStatus,
    Retries,
    StorageOption,
    remote_options,
)
from ._tiff import Overview, PixelSize, Positions, PositionUnit, Unit


@app.command()
def inspect(
    path: Annotated[str, typer.Argument(help="An OME-Zarr dataset (legacy or RFC-8), or a TIFF file; or an s3:// or http(s):// URL.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the RFC-8 documents it would produce as JSON.")] = False,
    target_version: Annotated[str, typer.Option(help="The 'version' written on root nodes.")] = "0.x",
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside PATH ('..' paths, symbolic links).")] = False,
    html: HtmlOption = None,
    chunks: Chunks = None,
    shards: Shards = "keep",
    shard_size: ShardSize = None,
    codec: Codec = None,
    portable: Portable = False,
    levels: Levels = None,
    downsample: Downsample = None,
    pixel_size: PixelSize = None,
    unit: Unit = None,
    positions: Positions = None,
    position_unit: PositionUnit = None,
    overview: Overview = False,
    endpoint_url: EndpointUrl = None,
    anon: Anon = False,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Show what was detected and the RFC-8 documents a migration would write.

    With re-encode options (as for convert), also the plan per array: chunk,
    shard, number of shards, bytes per shard and why.
    """
    from ..api import inspect as do_inspect
    from ..report.terminal import node_tree, print_warnings

    _check_output_file(html, "--html")
    try:
        found = do_inspect(path, target_version=target_version, allow_outside=allow_outside, chunks=chunks,
                           shards=shards, shard_size=shard_size, codec=codec, portable=portable,
                           levels=levels, downsample=downsample, pixel_size=pixel_size, unit=unit,
                           positions=positions, position_unit=position_unit, overview=overview,
                           **remote_options(endpoint_url, anon, storage_option, max_requests, retries,
                                            missing_chunk_status))
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    write_page(html, found)
    d = found.detection
    shown = display(path) if is_url(path) else str(Path(path))
    if as_json:
        payload = {"detected": {"layout": d.layout, "version": d.version, "zarr_format": d.zarr_format,
                                "reason": d.reason},
                   "documents": found.documents}
        if found.reencode is not None:
            payload["reencode"] = found.reencode
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    if d.layout in ("tiff", "tiff-tiles"):
        from ..report.terminal import tiff_table, tiles_table

        console.print(f"[bold]{escape(shown)}[/bold]: TIFF — {d.reason}")
        console.print(tiff_table(found.plan))
        if found.plan.tiles:
            console.print(tiles_table(found.plan))
    else:
        console.print(f"[bold]{escape(shown)}[/bold]: {d.layout}, version {d.version}, Zarr v{d.zarr_format} — {d.reason}")
    if d.layout == "rfc8":
        entry = found.plan.entry if found.plan is not None else "zarr.json"
        data = found.plan.inputs.get(entry) if found.plan is not None else None
        doc = json.loads(data if data is not None else (Path(path) / entry).read_bytes())
        ome = doc["ome"] if entry != "zarr.json" else doc["attributes"]["ome"]
        console.print(node_tree(ome, f"{shown} (RFC-8)"))
        changes = len(found.documents) if found.plan is not None else 0
        console.print("up to date: convert would change nothing" if not changes else
                      f"convert would normalise {changes} document(s) (see --json)")
        return
    from ..report.terminal import plate_map, series_table

    root_ome = found.documents.get("zarr.json", {}).get("attributes", {}).get("ome", {})
    big = len(root_ome.get("nodes") or []) > 24
    if "plate" in (root_ome.get("attributes") or {}):
        console.print(plate_map(root_ome))
    elif d.layout == "bioformats2raw":
        console.print(series_table(root_ome, found.documents, "ngff-migrate"))
    if d.layout in ("hcs-plate", "bioformats2raw"):
        if big:
            console.print(f"(node tree of {len(root_ome['nodes'])} children omitted; --json prints the documents)")
        else:
            console.print(node_tree(root_ome, "would write zarr.json"))
    else:
        for file, doc in found.documents.items():
            if d.layout == "tiff-tiles" and file != "zarr.json":
                continue  # one document per tile: the tiles table lists them
            console.print(node_tree(doc["attributes"]["ome"], f"would write {file}"))
    c = {"mapped": 0, "carried": 0, "preserved": 0, "dropped": 0}
    for k in found.plan.keys:
        c[k.disposition] += 1
    console.print(f"{len(found.plan.arrays)} arrays; legacy keys: {c['mapped']} mapped, {c['carried']} carried, "
                  f"{c['preserved']} preserved")
    if found.reencode is not None:
        from rich.console import Console

        from ..report.terminal import reencode_table

        wide = console if console.is_terminal else Console(highlight=False, width=max(console.width, 160))
        wide.print(reencode_table(found.reencode))
    print_warnings(console, found.plan.warnings)


@app.command()
def validate(
    path: Annotated[str, typer.Argument(help="An RFC-8 tree (directory with zarr.json) or standalone .json; or an s3:// or http(s):// URL.")],
    no_arrays: Annotated[bool, typer.Option("--no-arrays", help="Do not open the arrays.")] = False,
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Follow relative paths that leave PATH.")] = False,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Fetch and check the s3:// and http(s):// documents the tree's paths name (never without it).")] = False,
    html: HtmlOption = None,
    endpoint_url: EndpointUrl = None,
    anon: Anon = False,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Check every document, link and array of an RFC-8 tree (exit 1 on a violation)."""
    from ..api import validate as do_validate
    from ..report.terminal import print_warnings

    _check_output_file(html, "--html")
    try:
        result = do_validate(path, check_arrays=not no_arrays, allow_outside=allow_outside, allow_remote=allow_remote,
                             **remote_options(endpoint_url, anon, storage_option, max_requests, retries,
                                              missing_chunk_status))
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    write_page(html, result)
    for v in result.violations:
        console.print(f"[red]violation[/red] {escape(v.one_line())}")
    print_warnings(console, result.warnings)
    status = "[green]valid[/green]" if result.ok else f"[red]{len(result.violations)} violation(s)[/red]"
    console.print(f"{status}: {len(result.documents)} documents, {len(result.arrays)} arrays checked")
    if not result.ok:
        raise typer.Exit(1)
