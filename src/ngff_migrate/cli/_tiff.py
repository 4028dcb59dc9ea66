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
Positions = Annotated[str | None, typer.Option(
    "--positions", metavar="FILE", rich_help_panel=_PANEL,
    help="A tile set's position file: a Fiji/BigStitcher TileConfiguration.txt (pixels) or a CSV file,x,y[,z] "
         "(in --position-unit); default: the folder's own, else each tile's OME-XML stage position.")]
PositionUnit = Annotated[str | None, typer.Option(
    "--position-unit", metavar="UNIT", rich_help_panel=_PANEL,
    help="The unit of the tile positions: an NGFF/RFC-5 space unit (micrometer, ...) or 'pixel' (of the tiles' "
         "level 0); needed for a CSV, and for OME positions in 'reference frame'.")]
Overview = Annotated[bool, typer.Option(
    "--overview", rich_help_panel=_PANEL,
    help="Add a fused low-resolution multiscale of the whole tile set (tiles pasted at their positions, "
         "overlaps averaged, no registration), placed in the scene.")]
