"""The TIFF options shared by ``convert`` and ``inspect`` (docs/tiff.md)."""

from __future__ import annotations

from typing import Annotated

import typer

_PANEL = "TIFF input"

PixelSize = Annotated[float | None, typer.Option(
    "--pixel-size", metavar="SIZE", rich_help_panel=_PANEL,
    help="The y/x pixel size of a TIFF, in --unit (default micrometer); overrides what the file says.")]
Unit = Annotated[str | None, typer.Option(
    "--unit", metavar="UNIT", rich_help_panel=_PANEL,
    help="The NGFF/RFC-5 unit of --pixel-size (micrometer, nanometer, ...); without --pixel-size, the unit "
         "the file's pixel sizes are given in (converted).")]
