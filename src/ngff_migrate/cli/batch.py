"""``ngff-migrate plan`` and ``batch``: archives of many datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import MigrateError
from ..report.terminal import progress_bars
from ._common import VerifyChoice, _check_output_file, _fail, app, console, err
from ._html import HtmlOption, write_failure_page, write_page
from ._reencode import Chunks, Codec, Downsample, Levels, NoSpaceCheck, Portable, Shards, ShardSize
from ._remote import (
    Anon,
    EndpointUrl,
    MaxRequests,
    MissingChunkStatus,
    Retries,
    StorageOption,
    refuse_remote,
    remote_options,
)


def _human_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


@app.command()
def plan(
    root: Annotated[str, typer.Argument(help="A directory tree holding OME-Zarr datasets and TIFF files, or an s3:// prefix.")],
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the manifest as JSON here.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the manifest as CSV here.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for the survey.")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://HOST:PORT).")] = None,
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside each dataset ('..' paths, symbolic links).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table; only totals and errors.")] = False,
    html: HtmlOption = None,
    chunks: Chunks = None,
    shards: Shards = "keep",
    shard_size: ShardSize = None,
    codec: Codec = None,
    portable: Portable = False,
    levels: Levels = None,
    downsample: Downsample = None,
    endpoint_url: EndpointUrl = None,
    anon: Anon = False,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Dry run: find every dataset under ROOT and say what a batch would do (writes nothing).

    ROOT may be an s3://bucket/prefix (listed once; HTTP cannot be listed).

    Per dataset: layout, version, arrays, nominal bytes (shape x item size),
    whether a metadata-only migration gives plain core Zarr v3 (and why
    not), estimated seconds in place and as a copy. Exit 1 if some dataset
    cannot be migrated. With re-encode options (as for batch), also the
    re-encode plan: write units and decoded bytes per dataset, and per
    array in the --json manifest (chunk, shard, shards, bytes per shard, why).
    """
    import csv

    from rich.table import Table

    from ..batch.planner import TreePlan, plan_tree

    refuse_remote(root, "plan", s3=True)
    _check_output_file(json_file, "--json")
    _check_output_file(csv_file, "--csv")
    _check_output_file(html, "--html")
    recode = {"chunks": chunks, "shards": shards, "shard_size": shard_size, "codec": codec,
              "portable": portable, "levels": levels, "downsample": downsample}
    try:
        from ..engine.options import reencode_options
        from ..storage.location import looks_remote

        store = remote_options(endpoint_url, anon, storage_option, max_requests, retries, missing_chunk_status)
        if not looks_remote(root):
            root = Path(root)  # type: ignore[assignment]
        if not reencode_options(**recode).active:
            recode = None
        with progress_bars("datasets", quiet) as bar:
            seen = {"n": -1}

            def _survey(n: int, total: int) -> None:
                if seen["n"] < 0:
                    bar.start("survey", total)
                    seen["n"] = 0
                bar.advance("survey", n - seen["n"])
                seen["n"] = n

            result = plan_tree(root, jobs=jobs, scheduler=scheduler, progress=_survey, allow_outside=allow_outside,
                               reencode=recode, **store)
        if json_file is not None:
            json_file.write_text(json.dumps(result.to_json(), indent=2) + "\n")
        if csv_file is not None:
            with csv_file.open("w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=TreePlan.CSV_COLUMNS)
                writer.writeheader()
                writer.writerows(result.csv_rows())
    except Exception as exc:  # every failure becomes one line and an exit code
        if isinstance(exc, OSError):
            exc = MigrateError(getattr(exc, "filename", None), exc.strerror or str(exc))
        _fail(exc)
        return
    write_page(html, result)
    if not quiet:
        table = Table(title=f"{escape(result.root)}: {len(result.datasets)} datasets", title_justify="left")
        for col, kw in (("dataset", {}), ("layout", {}), ("version", {}), ("arrays", {"justify": "right"}),
                        ("bytes*", {"justify": "right"}), ("metadata-only", {}), ("why not / error", {}),
                        ("est. s in place", {"justify": "right"}), ("est. s copy", {"justify": "right"})):
            table.add_column(col, **kw)
        if recode:
            table.add_column("re-encode units", justify="right")
        tiffs = any(d.file_bytes is not None for d in result.datasets)
        if tiffs:
            table.add_column("TIFF files", justify="right")
        for d in result.datasets:
            if d.error:
                only, why = "[red]failed[/red]", f"[red]{escape(d.error_file or '')}: {escape(d.error)}[/red]"
            else:
                only = "n/a" if d.metadata_only is None else ("yes" if d.metadata_only else "[yellow]no[/yellow]")
                why = escape("; ".join(d.reasons))
            extra = [f"{d.reencode['write_units']} ({_human_bytes(d.reencode['nbytes'])})" if d.reencode
                     else "-"] if recode else []
            if tiffs:
                extra.append("-" if d.file_bytes is None else f"{d.files} ({_human_bytes(d.file_bytes)})")
            in_place = "n/a" if d.file_bytes is not None else f"{d.est_seconds_in_place:.2f}"
            table.add_row(escape(d.rel), d.layout or "?", d.version or "?", str(d.arrays),
                          _human_bytes(d.nominal_bytes), only, why,
                          in_place, f"{d.est_seconds_copy:.2f}", *extra)
        wide = console if console.is_terminal else Console(highlight=False, width=max(console.width, 200))
        wide.print(table)
        console.print("* bytes are nominal: shape x item size of every array (the decoded size, not the size on disk)"
                      + ("; TIFF files: how many files and their size on disk" if tiffs else ""))
    for d in result.datasets:
        if d.error:
            err.print(f"[red]error:[/red] {escape(d.error_file or d.path)}: {escape(d.error)}")
    t = result.totals()
    console.print(f"{t['datasets']} datasets ({', '.join(f'{k} {v}' for k, v in t['by_layout'].items())}); "
                  f"{t['failed']} cannot be migrated; {t['metadata_only']} metadata-only; {t['arrays']} arrays, "
                  f"{_human_bytes(t['nominal_bytes'])} nominal"
                  + (f" ({_human_bytes(t['file_bytes'])} in TIFF files)" if t["file_bytes"] else "")
                  + f"; estimated {t['est_seconds_in_place']:.1f} s in place, "
                  f"{t['est_seconds_copy']:.1f} s as a copy (one worker)")
    if t["failed"]:
        raise typer.Exit(1)


@app.command()
def batch(
    root: Annotated[str, typer.Argument(help="A directory tree holding OME-Zarr datasets and TIFF files, or an s3:// prefix.")],
    out: Annotated[str | None, typer.Option("--out", help="Copy every dataset to OUT/<its path under ROOT> (a TIFF a/x.ome.tif to OUT/a/x.ome.zarr); an s3:// OUT for an s3:// ROOT.")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Migrate the datasets in place (metadata only, journaled).")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Local worker processes (default: number of CPUs).")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on a dask.distributed scheduler (tcp://HOST:PORT).")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run only the datasets that failed before.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write the JSON batch report here.")] = None,
    verify: Annotated[VerifyChoice, typer.Option(help="Pixel verification of every dataset.")] = VerifyChoice.sample,
    sample_chunks: Annotated[int, typer.Option(help="Random chunks compared per array with --verify sample.")] = 8,
    link: Annotated[bool, typer.Option("--link", help="Hard-link chunk files instead of copying (with --out).")] = False,
    target_version: Annotated[str, typer.Option(help="The 'version' written on root nodes.")] = "0.x",
    prefix: Annotated[str, typer.Option(help="Prefix for carried legacy keys.")] = "ngff-migrate",
    lenient: Annotated[bool, typer.Option("--lenient", help="Migrate metadata that fails legacy validation.")] = False,
    lock_timeout: Annotated[float, typer.Option(help="Seconds to wait for a dataset another batch holds.")] = 600.0,
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside each dataset; nothing is ever written outside.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the failures and the last line.")] = False,
    html: HtmlOption = None,
    chunks: Chunks = None,
    shards: Shards = "keep",
    shard_size: ShardSize = None,
    codec: Codec = None,
    portable: Portable = False,
    levels: Levels = None,
    downsample: Downsample = None,
    no_space_check: NoSpaceCheck = False,
    endpoint_url: EndpointUrl = None,
    anon: Anon = False,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Migrate every dataset under ROOT, in parallel, journaled and resumable.

    The journal is STATE/.ngff-migrate-batch/journal.json (STATE = ROOT with
    --in-place, OUT otherwise). Run the same command again after a crash to
    finish the work; `ngff-migrate rollback ROOT` undoes an in-place batch.
    ROOT may be an s3:// prefix: listed once, each dataset in place under its
    S3 lock (its journal is the state), or copied to OUT (local or s3://).

    Examples:

      ngff-migrate batch /archive --out /archive-rfc8 --jobs 8

      ngff-migrate batch /archive --in-place --scheduler tcp://10.0.0.5:8786

      ngff-migrate batch /archive --out /archive-rfc8 --chunks z=32,y=256,x=256 --shards auto      (re-encode every dataset)
    """
    from ..batch.batch_report import failure_lines, skipped_lines, summary
    from ..batch.runner import run_batch
    from ..storage.location import looks_remote

    refuse_remote(root, "batch", s3=True)
    if out is not None:
        refuse_remote(out, "batch --out", s3=True)  # HTTP; S3 from a local ROOT: run_batch says why
    _check_output_file(report, "--report")
    _check_output_file(html, "--html")
    try:
        store = remote_options(endpoint_url, anon, storage_option, max_requests, retries, missing_chunk_status)
        with progress_bars("datasets", quiet) as bar:
            result = run_batch(root if looks_remote(root) else Path(root),
                               destination=out if out is None or looks_remote(out) else Path(out),
                               in_place=in_place, jobs=jobs, scheduler=scheduler,
                               retry_failed=retry_failed, link=link, target_version=target_version,
                               prefix=prefix, lenient=lenient, verify=verify.value,
                               sample_chunks=sample_chunks, lock_timeout=lock_timeout,
                               allow_outside=allow_outside, progress=bar, chunks=chunks, shards=shards,
                               shard_size=shard_size, codec=codec, portable=portable,
                               space_check=not no_space_check, levels=levels, downsample=downsample,
                               **store)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/red]: run the same command again to finish the work")
        raise typer.Exit(130) from None
    except Exception as exc:  # every failure becomes one line and an exit code
        if isinstance(exc, OSError):
            exc = MigrateError(getattr(exc, "filename", None), exc.strerror or str(exc))
        write_failure_page(html, "batch", root, out, exc)
        _fail(exc)
        return
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    write_page(html, result)
    if not quiet:
        console.print(summary(result))
        for line in skipped_lines(result):
            console.print(f"[yellow]skipped:[/yellow] {escape(line)}")
    for line in failure_lines(result):
        err.print(f"[red]error:[/red] {escape(line)}")
    c = result.counts()["outcome"]
    line = ", ".join(f"{k} {v}" for k, v in c.items()) or "no datasets found"
    if result.ok:
        console.print(f"[green]done[/green]: {line}")
    else:
        console.print(f"[red]not finished[/red]: {line}")
        raise typer.Exit(1)
