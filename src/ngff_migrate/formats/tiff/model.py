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

from .source import TiffLevelSource


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
    #: OME-XML metadata carried under ``<prefix>:ome`` (:mod:`.ome_meta`), and the
    #: elements the XML sets that nothing maps (kept only in the copied XML)
    ome: dict[str, Any] = field(default_factory=dict)
    ome_left: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileStamp:
    """One file of a multi-file OME-TIFF set as read: its ``name`` (POSIX,
    relative to the directory of the dataset's file), size and modification time."""

    name: str
    size: int
    mtime_ns: int


@dataclass
class TiffSource:
    """A TIFF file: its ``path``, flavour (``"ome"``, ``"imagej"`` or
    ``"plain"``), series, the OME-XML text when there is one, and the file's
    size and modification time (part of what a resumed run compares).

    A multi-file OME-TIFF (docs/tiff.md, "Multi-file OME-TIFF") is one
    source: ``path`` is the file naming the dataset (its ``.companion.ome``,
    else the master TIFF, whichever member was given), ``master`` the TIFF
    tifffile opens (``None``: ``path``), ``companion`` the OME-XML file
    tifffile is given instead of the master's own, and ``files`` every file
    of the set with its size and modification time (empty for a single
    file). ``ifd_sizes``: the OME-XML sizes disagreed with the IFDs and
    ``--lenient`` read the IFDs without the OME series (tifffile
    ``is_ome=False``).
    """

    path: Path
    flavour: str
    series: list[TiffSeries]
    ome_xml: str | None = None
    size: int = 0
    mtime_ns: int = 0
    master: Path | None = None
    companion: Path | None = None
    files: list[FileStamp] = field(default_factory=list)
    ifd_sizes: bool = False
    #: the OME-XML as parsed by ome-types (in this process only; ``None`` without OME-XML)
    ome: Any = field(default=None, repr=False, compare=False)

    def level_source(self, series: int, level: int, order: tuple[int, ...]) -> TiffLevelSource:
        """The engine's pixel source of level ``level`` of series ``series``
        (``order``: see :class:`~.source.TiffLevelSource`), opening the master
        TIFF with the companion's OME-XML when there is one."""
        return TiffLevelSource(str(self.master or self.path), series, level, order,
                               companion=None if self.companion is None else str(self.companion),
                               ome=not self.ifd_sizes)

    def file_summary(self) -> dict[str, Any]:
        """What a resumed run compares of the input files: ``{"size", "mtime_ns"}`` of
        ``path``, and for a multi-file set ``"set"``: every file's name, size and mtime."""
        out: dict[str, Any] = {"size": self.size, "mtime_ns": self.mtime_ns}
        if self.files:
            out["set"] = [{"name": f.name, "size": f.size, "mtime_ns": f.mtime_ns} for f in self.files]
        return out
