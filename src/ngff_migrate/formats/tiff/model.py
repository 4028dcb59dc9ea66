"""Typed source model of a TIFF file, as the reader found it (docs/tiff.md).

Axes are tifffile's axis letters in the file's own order (``series.axes``:
``T`` time, ``C`` channel, ``Z`` depth, ``Y``/``X`` the plane, ``S``
samples per pixel, ``I``/``Q`` an unnamed sequence of planes); shapes are
in that order too. The translation reorders them to ``t, c, z, y, x``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PhysicalSize:
    """The size of one pixel along one axis: ``value`` in ``unit`` (an NGFF
    unit name, or ``None`` when the file gives none), and where it was read
    (``origin``, e.g. ``"OME PhysicalSizeX"``, ``"XResolution/ResolutionUnit"``)."""

    value: float
    unit: str | None
    origin: str


@dataclass
class TiffLevel:
    """One resolution level of a series: its ``shape`` (series axis order),
    and the TIFF segment size of its first page: ``tile`` ``(length, width)``
    of a tiled page, or ``None`` for a striped one with ``rows_per_strip``."""

    index: int
    shape: tuple[int, ...]
    tile: tuple[int, int] | None
    rows_per_strip: int | None
    compression: str


@dataclass
class TiffSeries:
    """One image series of the file (tifffile's ``TiffFile.series[index]``).

    ``levels`` come from the file's pyramid (``levels_from``: ``"subifds"``,
    ``"pages"`` for reduced-resolution pages, ``"none"`` for a single
    level); ``physical`` maps axis letters (``X``, ``Y``, ``Z``, ``T``) to
    their :class:`PhysicalSize`; ``channels`` has one entry per channel
    (``{"label": str, "color": "RRGGBB"}``, keys optional); ``resolution_problem``
    says why the X/Y pixel size is missing or a placeholder, if it is.
    """

    index: int
    name: str
    axes: str
    dtype: str
    levels: list[TiffLevel]
    levels_from: str
    photometric: str
    physical: dict[str, PhysicalSize] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)
    resolution_problem: str | None = None


@dataclass
class TiffSource:
    """A TIFF file: its ``path``, flavour (``"ome"``, ``"imagej"`` or
    ``"plain"``), series, the OME-XML text when there is one, and the file's
    size and modification time (part of what a resumed run compares)."""

    path: Path
    flavour: str
    series: list[TiffSeries]
    ome_xml: str | None = None
    size: int = 0
    mtime_ns: int = 0
