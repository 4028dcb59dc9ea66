"""The re-encode options shared by ``convert`` and ``batch`` (docs/reencode.md)."""

from __future__ import annotations

from typing import Annotated

import typer

_PANEL = "Re-encode (copy mode; any of these rewrites the pixels)"

Chunks = Annotated[str | None, typer.Option(
    "--chunks", metavar="SHAPE", rich_help_panel=_PANEL,
    help="Chunk shape by axis name (z=32,y=256,x=256) or one number per axis (32,256,256); "
         "axes not named keep their source chunk size.")]
Shards = Annotated[str, typer.Option(
    "--shards", metavar="keep|auto|none|SHAPE", rich_help_panel=_PANEL,
    help="keep: sharded sources stay sharded (re-planned for new chunks), unsharded stay unsharded; "
         "auto: shards near --shard-size; none; or a shard shape (whole multiples of the chunks).")]
ShardSize = Annotated[str | None, typer.Option(
    "--shard-size", metavar="BYTES", rich_help_panel=_PANEL,
    help="Target decoded bytes per shard for --shards auto (default 64MiB; MiB/GiB = 2^20/2^30, MB/GB = 10^6/10^9).")]
Codec = Annotated[str | None, typer.Option(
    "--codec", metavar="SPEC", rich_help_panel=_PANEL,
    help="zstd[:LEVEL], gzip[:LEVEL], blosc[:CNAME[:LEVEL[:SHUFFLE]]] or none; default: keep a core "
         "Zarr v3 source codec, else the measured default (docs/reencode.md).")]
Portable = Annotated[bool, typer.Option(
    "--portable", rich_help_panel=_PANEL,
    help="Re-encode only the arrays whose codecs are not core Zarr v3, so that any Zarr v3 reader opens the result.")]
Jobs = Annotated[int | None, typer.Option(
    "--jobs", "-j", rich_help_panel=_PANEL, help="Re-encode worker threads (default: number of CPUs).")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", rich_help_panel=_PANEL,
    help="Spread the shards over a dask.distributed cluster (tcp://HOST:PORT; the output must be on a "
         "file system every worker sees).")]
NoSpaceCheck = Annotated[bool, typer.Option(
    "--no-space-check", rich_help_panel=_PANEL,
    help="Do not refuse a re-encode whose estimated output exceeds the free space.")]
Levels = Annotated[int | None, typer.Option(
    "--levels", metavar="N", rich_help_panel=_PANEL,
    help="Levels wanted per multiscale in all; the missing ones are built (y and x halved; z when finer).")]
Downsample = Annotated[str | None, typer.Option(
    "--downsample", metavar="mean|nearest|mode", rich_help_panel=_PANEL,
    help="How --levels builds new levels (default mean); label images always use mode (or nearest).")]
