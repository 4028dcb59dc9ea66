"""What every command shares: the typer app, the consoles, the one-line error exit."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import MigrateError

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
    """``--verify``: documents only, sampled chunks, or every chunk (docs/verification)."""

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
    from ..errors import UsageError

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
