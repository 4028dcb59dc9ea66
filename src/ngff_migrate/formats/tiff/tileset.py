"""Detect and read a TIFF tile set: a folder of TIFF files, one tile each,
placed by stage positions (docs/tiff.md, "Tile sets").

A folder with no Zarr metadata is a tile set when it holds a position file
(:data:`~.positions.POSITION_FILES`) or TIFF files. Which files are tiles:

* with a position file (the folder's own, or ``--positions``): exactly the
  files it names, relative to the folder; other TIFFs in the folder are
  left out, with a warning;
* without one: every TIFF file directly in the folder (sorted by name; the
  files of a multi-file OME-TIFF set count once, as one tile), placed by its own OME-XML (``Plane`` ``PositionX/Y/Z``, else
  ``StageLabel``).

Each tile is read by the single-file reader (:func:`~.read.read_tiff`):
nothing but its IFDs and metadata. The positions are converted and checked
by the translation (:mod:`.translate_tiles`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import MigrateError, UnsupportedError, UsageError
from ..base import Detection
from .detect import SUFFIXES
from .model import TiffSource
from .positions import (
    PIXEL,
    Positions,
    check_position_unit,
    ome_position,
    position_file,
    read_position_file,
)


@dataclass
class Tile:
    """One tile: ``file`` (its path relative to the tile-set folder), the
    file as read (``source``, one series), and its ``position``
    (``{"x", "y"[, "z"]}`` in the set's position unit)."""

    file: str
    source: TiffSource
    position: dict[str, float]


@dataclass
class TileSetSource:
    """A tile set: the folder (``path``), its tiles in placement order, where
    the positions came from (``positions``: unit, origin, file), and the TIFF
    files of the folder that are not tiles (``ignored``)."""

    path: Path
    tiles: list[Tile]
    positions: Positions
    ignored: list[str] = field(default_factory=list)


def _tiff_files(folder: Path, pattern: str | None = None) -> list[str]:
    """The TIFF files directly in ``folder`` (by name), or those matching the glob ``pattern``."""
    import fnmatch

    try:
        names = sorted(e.name for e in os.scandir(folder) if e.is_file() and not e.name.startswith("."))
    except OSError as exc:
        raise MigrateError(folder, f"cannot list the folder: {exc.strerror or exc}") from None
    if pattern is not None:
        return [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    return [n for n in names if n.lower().endswith(SUFFIXES)]


def split_glob(path: Path) -> tuple[Path, str | None]:
    """``(folder, pattern)`` of a tile-set source: a folder (``pattern`` ``None``), or
    a glob whose last component has the wildcards (``tiles/*.ome.tif``)."""
    import glob

    path = Path(path)
    if not path.exists() and glob.has_magic(path.name) and not glob.has_magic(str(path.parent)):
        return path.parent, path.name
    return path, None


def detect_glob(path: Path) -> Detection | None:
    """A tile set given as a glob of files (``tiles/*.tif``): ``None`` unless the
    last component of ``path`` has wildcards and its folder exists.

    Raises
    ------
    MigrateError
        If the glob matches no file."""
    folder, pattern = split_glob(path)
    if pattern is None or not folder.is_dir():
        return None
    found = _tiff_files(folder, pattern)
    if not found:
        raise MigrateError(path, "matches no file")
    return Detection(path, "tiff-tiles", None, 3, f"{len(found)} file(s) matching {pattern!r} in {folder}, a tile set")


def detect_folder(path: Path) -> Detection | None:
    """A tile set: a directory without Zarr metadata holding a position file or
    TIFF files (module docstring); ``None`` otherwise."""
    marker = position_file(path)
    if marker is not None:
        return Detection(path, "tiff-tiles", None, 3, f"a folder of TIFF tiles placed by {marker.name}")
    tiffs = _tiff_files(path)
    if not tiffs:
        return None
    return Detection(path, "tiff-tiles", None, 3, f"a folder of {len(tiffs)} TIFF file(s), placed by their "
                                                  "OME-XML stage positions")


def read_tileset(root: Path, version: str, *, strict: bool, warnings: list[str], options=None) -> TileSetSource:
    """Read the tile set in the folder ``root`` (``version`` is unused).

    ``options`` (:class:`~ngff_migrate.formats.common.image_translation.TranslateOptions`)
    gives ``positions`` (a position file replacing the folder's own) and
    ``position_unit`` (the unit of CSV positions, or the unit to read OME
    positions in when they have none).

    Raises
    ------
    MigrateError
        For a position file that does not parse or names a file that does not
        exist, a tile that is not a readable TIFF, a tile with no position
        (OME-XML placement), or a folder with no tiles.
    UnsupportedError
        For a tile that holds more than one image series.
    UsageError
        For a ``position_unit`` that is not a space unit or ``pixel``.
    """
    from ...storage.sandbox import check_read
    from .read import read_tiff

    folder, pattern = split_glob(Path(root))
    unit = check_position_unit(getattr(options, "position_unit", None))
    given = getattr(options, "positions", None)
    marker = Path(given) if given else position_file(folder)
    tiffs = _tiff_files(folder, pattern)
    if marker is not None:
        if not given:
            check_read(marker)
        positions = read_position_file(marker, unit=unit)
        if positions.unit is None:
            raise UsageError(marker, "CSV positions have no unit: give --position-unit (micrometer, nanometer, "
                                     "..., or pixel)")
        names = positions.order if pattern is None else [n for n in positions.order if n in tiffs]
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            listed = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise MigrateError(marker, f"names {len(missing)} tile file(s) that do not exist in {folder}: {listed}")
        ignored = [n for n in tiffs if n not in positions.values]
        if ignored:
            warnings.append(f"{folder}: {len(ignored)} TIFF file(s) not placed by {marker.name} were left out: "
                            + ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else ""))
    else:
        positions, names, ignored = Positions({}, unit, "OME-XML"), _one_per_set(folder, tiffs), []
    if not names:
        raise MigrateError(folder, "no TIFF tiles in the folder")
    tiles = []
    for name in names:
        path = folder / name
        check_read(path)
        source = read_tiff(path, "", strict=strict, warnings=warnings)
        if len(source.series) != 1:
            raise UnsupportedError(path, f"holds {len(source.series)} image series; each tile of a tile set "
                                         "must be one image")
        if marker is None:
            positions.values[name] = _ome_position(path, source, positions, unit)
            positions.order.append(name)
        tiles.append(Tile(name, source, positions.values[name]))
    return TileSetSource(folder, tiles, positions, ignored)


def _one_per_set(folder: Path, names: list[str]) -> list[str]:
    """``names`` with each multi-file OME-TIFF set kept once (by its first file):
    a set is one tile, read whole."""
    from .multifile import file_set

    out, seen = [], set()
    for name in names:
        found = file_set(folder / name)
        key = found.companion or found.master
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _ome_position(path: Path, source: TiffSource, positions: Positions, unit: str | None) -> dict[str, float]:
    """The stage position of a tile from its OME-XML, in the set's unit."""
    if not source.ome_xml:
        raise MigrateError(path, "has no OME-XML stage position and the folder has no position file: give "
                                 "--positions TileConfiguration.txt (or a CSV file,x,y[,z])")
    try:
        if source.ome is None:
            from ome_types import from_xml

            source.ome = from_xml(source.ome_xml, validate=False)
        image = source.ome.images[0]
        found = ome_position(image)
    except MigrateError as exc:
        raise MigrateError(path, exc.problem) from None
    except Exception as exc:
        raise MigrateError(path, f"the OME-XML does not parse: {exc}") from None
    if found is None:
        raise MigrateError(path, "has no stage position (no OME Plane PositionX/Y, no StageLabel): give "
                                 "--positions TileConfiguration.txt (or a CSV file,x,y[,z])")
    values, found_unit, origin = found
    from .units import SPACE_UNITS, convert_length

    if positions.values and positions.unit in SPACE_UNITS and found_unit in SPACE_UNITS:
        unit = unit or positions.unit  # lengths in different units across tiles: into the first tile's
    if unit is not None and unit != PIXEL and found_unit is not None and found_unit != unit:
        values = {k: convert_length(v, found_unit, unit) for k, v in values.items()}
        found_unit = unit
    found_unit = unit if found_unit is None else found_unit
    if positions.values and positions.unit != found_unit:
        raise MigrateError(path, f"its position is in {found_unit or 'an unknown unit'}, the tiles before it "
                                 f"in {positions.unit or 'an unknown unit'}")
    positions.unit, positions.origin = found_unit, origin
    return values


__all__ = ["Tile", "TileSetSource", "detect_folder", "read_tileset"]
