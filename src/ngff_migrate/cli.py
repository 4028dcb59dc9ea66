"""The ``ngff-migrate`` command line (typer). A thin layer over :mod:`ngff_migrate.api`.

Exit codes: 0 done, 1 conversion or validation failure, 2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .errors import MigrateError
from .report.terminal import progress_bars

app = typer.Typer(
    name="ngff-migrate",
    help="Migrate OME-Zarr 0.4/0.5 images (with their labels) to RFC-8 collections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}


class VerifyChoice(StrEnum):
    none = "none"
    sample = "sample"
    full = "full"


def _fail(exc: BaseException) -> None:
    """Print a one-line error (traceback only with --debug) and exit."""
    if _state["debug"]:
        raise exc
    if isinstance(exc, MigrateError):
        err.print(f"[red]error:[/red] {escape(exc.one_line())}")
        raise typer.Exit(exc.exit_code)
    err.print(f"[red]error:[/red] internal error {type(exc).__name__}: {escape(str(exc))} (rerun with --debug)")
    raise typer.Exit(1)


def _check_output_file(path: Path | None, option: str) -> None:
    """A report/manifest path must be writable before any work starts (exit 2 if not)."""
    if path is None:
        return
    from .errors import UsageError

    parent = path.parent if str(path.parent) else Path(".")
    problem = None
    if path.is_dir():
        problem = "is a directory"
    elif not parent.is_dir():
        problem = f"its directory {parent} does not exist"
    elif not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "cannot be written"
    if problem:
        _fail(UsageError(path, f"{option} {problem}; nothing was done"))


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


@app.command()
def convert(
    src: Annotated[Path, typer.Argument(help="The OME-Zarr image to migrate (NGFF 0.4 or 0.5).")],
    dst: Annotated[Path | None, typer.Argument(help="New Zarr v3 store to write (copy mode).")] = None,
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
) -> None:
    """Migrate one image to RFC-8, verify it, and print the tree and a summary.

    Examples:

      ngff-migrate convert image.ome.zarr image.rfc8.zarr

      ngff-migrate convert --in-place image.ome.zarr      (undo: ngff-migrate rollback image.ome.zarr)
    """
    from .api import convert as do_convert
    from .report.terminal import node_tree, print_warnings, summary_table

    _check_output_file(report, "--report")
    try:
        with progress_bars("bytes", quiet) as progress:
            result = do_convert(src, dst, in_place=in_place, link=link, target_version=target_version,
                                verify=verify.value, sample_chunks=sample_chunks, overwrite=overwrite,
                                lenient=lenient, prefix=prefix, allow_outside=allow_outside,
                                progress=progress)
    except Exception as exc:  # every failure becomes one line and an exit code
        if isinstance(exc, OSError):
            exc = MigrateError(getattr(exc, "filename", None), exc.strerror or str(exc))
        if report is not None and isinstance(exc, MigrateError):
            _write_failed_report(report, src, dst, exc)
        _fail(exc)
        return
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    if quiet:
        return
    from .api import dataset_root

    out = Path(result.destination) if result.destination else dataset_root(src)
    entry = json.loads((out / result.entry).read_text())
    ome = entry["ome"] if result.entry != "zarr.json" else entry["attributes"]["ome"]
    console.print(node_tree(ome, str(out / result.entry) if result.entry != "zarr.json" else str(out)))
    console.print(summary_table(result))
    print_warnings(console, result.warnings)
    console.print(f"[green]done[/green]: {out}")


def _write_failed_report(path: Path, src: Path, dst: Path | None, exc: MigrateError) -> None:
    data = {"report_version": 1, "tool": "ngff-migrate", "source": str(src),
            "destination": None if dst is None else str(dst), "status": "failed", "error": exc.one_line()}
    path.write_text(json.dumps(data, indent=2) + "\n")


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="An OME-Zarr dataset (legacy or RFC-8).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the RFC-8 documents it would produce as JSON.")] = False,
    target_version: Annotated[str, typer.Option(help="The 'version' written on root nodes.")] = "0.x",
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside PATH ('..' paths, symbolic links).")] = False,
) -> None:
    """Show what was detected and the RFC-8 documents a migration would write."""
    from .api import inspect as do_inspect
    from .report.terminal import node_tree, print_warnings

    try:
        found = do_inspect(path, target_version=target_version, allow_outside=allow_outside)
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    d = found.detection
    if as_json:
        payload = {"detected": {"layout": d.layout, "version": d.version, "zarr_format": d.zarr_format,
                                "reason": d.reason},
                   "documents": found.documents}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    console.print(f"[bold]{path}[/bold]: {d.layout}, version {d.version}, Zarr v{d.zarr_format} — {d.reason}")
    if d.layout == "rfc8":
        doc = json.loads((path if path.is_file() else path / "zarr.json").read_text())
        ome = doc["ome"] if path.is_file() else doc["attributes"]["ome"]
        console.print(node_tree(ome, f"{path} (RFC-8)"))
        changes = len(found.documents) if found.plan is not None else 0
        console.print("up to date: convert would change nothing" if not changes else
                      f"convert would normalise {changes} document(s) (see --json)")
        return
    from .report.terminal import plate_map, series_table

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
            console.print(node_tree(doc["attributes"]["ome"], f"would write {file}"))
    c = {"mapped": 0, "carried": 0, "preserved": 0, "dropped": 0}
    for k in found.plan.keys:
        c[k.disposition] += 1
    console.print(f"{len(found.plan.arrays)} arrays; legacy keys: {c['mapped']} mapped, {c['carried']} carried, "
                  f"{c['preserved']} preserved")
    print_warnings(console, found.plan.warnings)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="An RFC-8 tree (directory with zarr.json) or standalone .json.")],
    no_arrays: Annotated[bool, typer.Option("--no-arrays", help="Do not open the arrays.")] = False,
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Follow relative paths that leave PATH.")] = False,
) -> None:
    """Check every document, link and array of an RFC-8 tree (exit 1 on a violation)."""
    from .api import validate as do_validate
    from .report.terminal import print_warnings

    try:
        result = do_validate(path, check_arrays=not no_arrays, allow_outside=allow_outside)
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    for v in result.violations:
        console.print(f"[red]violation[/red] {escape(v.one_line())}")
    print_warnings(console, result.warnings)
    status = "[green]valid[/green]" if result.ok else f"[red]{len(result.violations)} violation(s)[/red]"
    console.print(f"{status}: {len(result.documents)} documents, {len(result.arrays)} arrays checked")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def rollback(
    src: Annotated[Path, typer.Argument(help="A dataset migrated with --in-place, or the ROOT of an in-place batch.")],
    force: Annotated[bool, typer.Option("--force", help="Also restore files changed by someone else since the migration.")] = False,
) -> None:
    """Undo an in-place migration: restore every original file byte-for-byte.

    When SRC holds a batch journal (SRC/.ngff-migrate-batch/), every dataset
    of that in-place batch is rolled back, then the journal is removed. A
    file changed since the migration wrote it is left alone and reported
    (exit 1, journal kept) unless --force.
    """
    from .api import rollback as do_rollback
    from .batch.rollback import is_batch_root, rollback_batch

    if is_batch_root(src):
        _batch_undo(src, "rolled back", lambda: rollback_batch(src, force=force), "files restored or removed")
        return
    try:
        undone = do_rollback(src, force=force)
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    console.print(f"[green]rolled back[/green] {src}: {len(undone)} files restored or removed")


def _batch_undo(root: Path, verb: str, run, what: str) -> None:
    try:
        result = run()
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    for _rel, problem in result.failed:
        err.print(f"[red]error:[/red] {escape(problem)}")
    console.print(f"[green]{verb}[/green] batch {root}: {len(result.rolled_back)} datasets, "
                  f"{result.files_restored} {what}"
                  + (f"; [red]{len(result.failed)} failed[/red] (journal kept)" if result.failed else ""))
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def finalize(
    src: Annotated[Path, typer.Argument(help="A dataset migrated with --in-place, or the ROOT of an in-place batch.")],
    remove_v2_metadata: Annotated[bool, typer.Option("--remove-v2-metadata", help="Also delete the .zarray/.zattrs/.zgroup/.zmetadata files the new zarr.json documents supersede.")] = False,
) -> None:
    """Accept an in-place migration: delete its journal and backups.

    After this, `ngff-migrate rollback` is no longer possible. With
    --remove-v2-metadata, legacy Zarr v2 readers can no longer read the
    tree either. Chunk files are never touched.

    Examples:

      ngff-migrate finalize image.ome.zarr

      ngff-migrate finalize /archive --remove-v2-metadata      (a whole in-place batch)
    """
    from .api import finalize as do_finalize
    from .batch.rollback import finalize_batch, is_batch_root

    extra = " and the legacy .zarray/.zattrs/.zgroup files" if remove_v2_metadata else ""
    err.print(f"[yellow]finalize:[/yellow] removing the rollback journal and backups{extra} of {escape(str(src))}; "
              "after this, rollback is no longer possible")
    if is_batch_root(src):
        _batch_undo(src, "finalized", lambda: finalize_batch(src, remove_v2_metadata=remove_v2_metadata),
                    "legacy files removed")
        return
    try:
        outcome = do_finalize(src, remove_v2_metadata=remove_v2_metadata)
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    if outcome.note:
        console.print(f"[green]finalized[/green] {src}: {outcome.note}")
        return
    console.print(f"[green]finalized[/green] {src}: journal and {outcome.backups_removed} backups removed"
                  + (f", {len(outcome.v2_removed)} legacy metadata files removed" if remove_v2_metadata else "")
                  + "; rollback is no longer possible")


def _human_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


@app.command()
def plan(
    root: Annotated[Path, typer.Argument(help="A directory tree holding OME-Zarr datasets.")],
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the manifest as JSON here.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the manifest as CSV here.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for the survey.")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://HOST:PORT).")] = None,
    allow_outside: Annotated[bool, typer.Option("--allow-outside", help="Read metadata that resolves outside each dataset ('..' paths, symbolic links).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table; only totals and errors.")] = False,
) -> None:
    """Dry run: find every dataset under ROOT and say what a batch would do (writes nothing).

    Per dataset: layout, version, arrays, nominal bytes (shape x item size),
    whether a metadata-only migration gives plain core Zarr v3 (and why
    not), estimated seconds in place and as a copy. Exit 1 if some dataset
    cannot be migrated.
    """
    import csv

    from rich.table import Table

    from .batch.planner import TreePlan, plan_tree

    _check_output_file(json_file, "--json")
    _check_output_file(csv_file, "--csv")
    try:
        with progress_bars("datasets", quiet) as bar:
            seen = {"n": -1}

            def _survey(n: int, total: int) -> None:
                if seen["n"] < 0:
                    bar.start("survey", total)
                    seen["n"] = 0
                bar.advance("survey", n - seen["n"])
                seen["n"] = n

            result = plan_tree(root, jobs=jobs, scheduler=scheduler, progress=_survey, allow_outside=allow_outside)
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
    if not quiet:
        table = Table(title=f"{root}: {len(result.datasets)} datasets", title_justify="left")
        for col, kw in (("dataset", {}), ("layout", {}), ("version", {}), ("arrays", {"justify": "right"}),
                        ("bytes*", {"justify": "right"}), ("metadata-only", {}), ("why not / error", {}),
                        ("est. s in place", {"justify": "right"}), ("est. s copy", {"justify": "right"})):
            table.add_column(col, **kw)
        for d in result.datasets:
            if d.error:
                only, why = "[red]failed[/red]", f"[red]{escape(d.error_file or '')}: {escape(d.error)}[/red]"
            else:
                only = "n/a" if d.metadata_only is None else ("yes" if d.metadata_only else "[yellow]no[/yellow]")
                why = escape("; ".join(d.reasons))
            table.add_row(escape(d.rel), d.layout or "?", d.version or "?", str(d.arrays),
                          _human_bytes(d.nominal_bytes), only, why,
                          f"{d.est_seconds_in_place:.2f}", f"{d.est_seconds_copy:.2f}")
        wide = console if console.is_terminal else Console(highlight=False, width=max(console.width, 200))
        wide.print(table)
        console.print("* bytes are nominal: shape x item size of every array (the decoded size, not the size on disk)")
    for d in result.datasets:
        if d.error:
            err.print(f"[red]error:[/red] {escape(d.error_file or d.path)}: {escape(d.error)}")
    t = result.totals()
    console.print(f"{t['datasets']} datasets ({', '.join(f'{k} {v}' for k, v in t['by_layout'].items())}); "
                  f"{t['failed']} cannot be migrated; {t['metadata_only']} metadata-only; {t['arrays']} arrays, "
                  f"{_human_bytes(t['nominal_bytes'])} nominal; estimated {t['est_seconds_in_place']:.1f} s in place, "
                  f"{t['est_seconds_copy']:.1f} s as a copy (one worker)")
    if t["failed"]:
        raise typer.Exit(1)


@app.command()
def batch(
    root: Annotated[Path, typer.Argument(help="A directory tree holding OME-Zarr datasets.")],
    out: Annotated[Path | None, typer.Option("--out", help="Copy every dataset to OUT/<its path under ROOT>.")] = None,
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
) -> None:
    """Migrate every dataset under ROOT, in parallel, journaled and resumable.

    The journal is STATE/.ngff-migrate-batch/journal.json (STATE = ROOT with
    --in-place, OUT otherwise). Run the same command again after a crash to
    finish the work; `ngff-migrate rollback ROOT` undoes an in-place batch.

    Examples:

      ngff-migrate batch /archive --out /archive-rfc8 --jobs 8

      ngff-migrate batch /archive --in-place --scheduler tcp://10.0.0.5:8786
    """
    from .batch.batch_report import failure_lines, summary
    from .batch.runner import run_batch

    _check_output_file(report, "--report")
    try:
        with progress_bars("datasets", quiet) as bar:
            result = run_batch(root, destination=out, in_place=in_place, jobs=jobs, scheduler=scheduler,
                               retry_failed=retry_failed, link=link, target_version=target_version,
                               prefix=prefix, lenient=lenient, verify=verify.value,
                               sample_chunks=sample_chunks, lock_timeout=lock_timeout,
                               allow_outside=allow_outside, progress=bar)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/red]: run the same command again to finish the work")
        raise typer.Exit(130) from None
    except Exception as exc:  # every failure becomes one line and an exit code
        if isinstance(exc, OSError):
            exc = MigrateError(getattr(exc, "filename", None), exc.strerror or str(exc))
        _fail(exc)
        return
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    if not quiet:
        console.print(summary(result))
    for line in failure_lines(result):
        err.print(f"[red]error:[/red] {escape(line)}")
    c = result.counts()["outcome"]
    line = ", ".join(f"{k} {v}" for k, v in c.items()) or "no datasets found"
    if result.ok:
        console.print(f"[green]done[/green]: {line}")
    else:
        console.print(f"[red]not finished[/red]: {line}")
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()
