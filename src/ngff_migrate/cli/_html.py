"""``--html FILE``: writing a command's page (the path was checked writable before any work)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import err

#: the ``--html`` option every command that reports takes
HtmlOption = Annotated[Path | None, typer.Option(
    "--html", help="Write a self-contained HTML report here (works offline; see docs/reports.md).")]


def write_page(path: Path | None, result: Any) -> None:
    """Write the page of ``result`` to ``path`` (nothing without a path); a page that
    cannot be written is a one-line error and exit code 1."""
    if path is None:
        return
    from ..report.html import to_html

    if not _write(path, lambda: to_html(result)):
        raise typer.Exit(1)


def write_failure_page(path: Path | None, command: str, source: Any, destination: Any,
                       exc: BaseException) -> None:
    """Write the page of a ``command`` that failed with ``exc`` (its one-line error shown)."""
    if path is None:
        return
    from ..errors import MigrateError
    from ..report.html import failure_html

    line = exc.one_line() if isinstance(exc, MigrateError) else f"internal error {type(exc).__name__}: {exc}"
    _write(path, lambda: failure_html(command, source, destination, line))


def _write(path: Path, page) -> bool:
    """Render and write; never raises (a failure is printed, and ``False``)."""
    from rich.markup import escape

    from ..report.html import write_html

    try:
        write_html(path, page())
        return True
    except OSError as exc:
        why = exc.strerror or str(exc)
    except Exception as exc:  # a rendering bug must not hide the command's own outcome
        why = f"internal error {type(exc).__name__}: {exc}"
    err.print(f"[red]error:[/red] {escape(str(path))}: --html report not written: {escape(why)}")
    return False
