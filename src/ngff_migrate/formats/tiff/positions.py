"""Stage positions of a tile set (docs/tiff.md, "Tile sets").

A tile set is a folder of TIFF files, one tile each, placed by one of:

* a Fiji/BigStitcher ``TileConfiguration.txt`` (or the
  ``TileConfiguration.registered.txt`` the stitcher writes): a ``dim = 2``
  (or 3) line, then one line per tile ``<file>; <series>; (x, y[, z])``,
  the positions in pixels of the tiles' level 0 (Preibisch et al., the Fiji
  "Grid/Collection stitching" plugin);
* a CSV ``file,x,y[,z]`` (a header line is allowed), in ``--position-unit``;
* the OME-XML of each tile: the first ``Plane``'s ``PositionX/Y/Z`` with
  their units (OME's default unit is ``reference frame``), else the
  ``StageLabel`` X/Y/Z.

Positions are given as ``{file name: {axis: value}}`` with axes ``x``,
``y`` (and ``z``), in one unit for the whole set: an NGFF space unit,
``"pixel"``, or ``None`` when the source gives none (the translation then
refuses them unless ``--position-unit`` names one).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import MigrateError, UsageError
from .units import SPACE_UNITS, ome_length

#: the position files a tile-set folder is recognised by, in the order they are preferred
POSITION_FILES = ("TileConfiguration.registered.txt", "TileConfiguration.txt", "positions.csv")
#: the unit of TileConfiguration positions, and the ``--position-unit`` that means pixels of level 0
PIXEL = "pixel"
_LINE = re.compile(r"^(?P<file>[^;]+);(?P<series>[^;]*);\s*\((?P<coords>[^)]*)\)\s*$")


@dataclass
class Positions:
    """Where each tile is: ``values[file name] = {"x": ..., "y": ...[, "z": ...]}``
    in ``unit`` (an NGFF space unit, :data:`PIXEL`, or ``None``: unknown);
    ``origin`` says where they were read (``"TileConfiguration.txt"``, ``"OME
    Plane PositionX/Y"``); ``file`` is the position file, if any; ``order`` the
    tiles in the order the source lists them."""

    values: dict[str, dict[str, float]]
    unit: str | None
    origin: str
    file: Path | None = None
    order: list[str] = field(default_factory=list)


def position_file(directory: Path) -> Path | None:
    """The position file of the tile-set folder ``directory`` (the first of
    :data:`POSITION_FILES` it holds), or ``None``."""
    for name in POSITION_FILES:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def check_position_unit(unit: str | None) -> str | None:
    """``unit`` if it is ``None``, :data:`PIXEL` or an NGFF space unit.

    Raises
    ------
    UsageError
        Naming ``--position-unit``.
    """
    if unit is None or unit == PIXEL or unit in SPACE_UNITS:
        return unit
    raise UsageError(None, f"--position-unit {unit!r} is not an NGFF/RFC-5 space unit (micrometer, nanometer, "
                           f"millimeter, ...) or {PIXEL!r}")


def read_position_file(path: Path, *, unit: str | None = None) -> Positions:
    """Read a ``TileConfiguration*.txt`` (positions in pixels) or a CSV
    ``file,x,y[,z]`` (positions in ``unit``, ``--position-unit``).

    Raises
    ------
    MigrateError
        Naming the file and line for a line that does not parse, a tile named
        twice, or a file that cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(path, f"cannot read the position file: {getattr(exc, 'strerror', None) or exc}") from None
    if path.suffix.lower() == ".csv":
        return _csv(path, text, unit)
    return _tile_configuration(path, text, unit)


def _add(found: Positions, path: Path, line: int, name: str, coords: list[float], axes: str) -> None:
    import posixpath

    name = name.strip().replace("\\", "/")
    if not name:
        raise MigrateError(path, f"line {line}: no file name")
    name = posixpath.normpath(name)  # ./a.tif and a.tif are one tile
    if name in found.values:
        raise MigrateError(path, f"line {line}: {name!r} is placed twice (duplicate position)")
    found.values[name] = dict(zip(axes, coords, strict=False))
    found.order.append(name)


def _tile_configuration(path: Path, text: str, unit: str | None) -> Positions:
    found = Positions({}, unit or PIXEL, path.name, path)
    dim = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"dim\s*=\s*(\d+)", line)
        if m:
            dim = int(m.group(1))
            if dim not in (2, 3):
                raise MigrateError(path, f"line {n}: dim = {dim}; only 2 or 3 dimensions are placed")
            continue
        m = _LINE.match(line)
        if m is None:
            raise MigrateError(path, f"line {n}: {line[:80]!r} is not '<file>; ; (x, y[, z])'")
        coords = _numbers(path, n, m.group("coords").split(","))
        want = dim or len(coords)
        if len(coords) != want or want not in (2, 3):
            raise MigrateError(path, f"line {n}: {len(coords)} coordinates, expected {want} (dim = {want})")
        if m.group("series").strip():
            raise MigrateError(path, f"line {n}: a series index ({m.group('series').strip()}) is given; "
                                     "only one tile per file is placed")
        _add(found, path, n, m.group("file"), coords, "xyz")
    if not found.values:
        raise MigrateError(path, "no tile positions in the file")
    return found


def _csv(path: Path, text: str, unit: str | None) -> Positions:
    found = Positions({}, unit, path.name, path)
    rows = list(csv.reader(io.StringIO(text)))
    first = True
    for n, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        header, first = first and not _is_number(cells[1] if len(cells) > 1 else ""), False
        if header:
            header = [c.lower() for c in cells]
            if header[:3] != ["file", "x", "y"] or header[3:] not in ([], ["z"]):
                raise MigrateError(path, f"line {n}: header {cells} is not file,x,y[,z]")
            continue
        if len(cells) not in (3, 4):
            raise MigrateError(path, f"line {n}: {len(cells)} columns, expected file,x,y[,z]")
        _add(found, path, n, cells[0], _numbers(path, n, cells[1:]), "xyz")
    if not found.values:
        raise MigrateError(path, "no tile positions in the file")
    if len({len(v) for v in found.values.values()}) != 1:
        raise MigrateError(path, "some rows give z and some do not")
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers(path: Path, line: int, cells: list[str]) -> list[float]:
    try:
        values = [float(c) for c in cells]
    except ValueError:
        raise MigrateError(path, f"line {line}: {', '.join(c.strip() for c in cells)} are not numbers") from None
    if not all(v == v and abs(v) != float("inf") for v in values):
        raise MigrateError(path, f"line {line}: positions must be finite numbers")
    return values


def ome_position(image: Any) -> tuple[dict[str, float], str | None, str] | None:
    """The stage position of an OME ``Image`` (ome-types): ``(values, unit,
    origin)`` from its first ``Plane`` with ``PositionX`` and ``PositionY``,
    else its ``StageLabel``; ``None`` when it has neither. ``unit`` is an
    NGFF space unit, or ``None`` for ``reference frame`` and other units with
    no physical meaning (OME's default).

    Raises
    ------
    MigrateError
        When the axes of one position have different units.
    """
    candidates = [(p, "OME Plane PositionX/Y/Z") for p in (image.pixels.planes or [])]
    if image.stage_label is not None:
        candidates.append((image.stage_label, "OME StageLabel X/Y/Z"))
    for item, origin in candidates:
        attr = "position_" if origin.startswith("OME Plane") else ""
        x, y = getattr(item, f"{attr}x", None), getattr(item, f"{attr}y", None)
        if x is None or y is None:
            continue
        values, units = {}, set()
        for axis in "xyz":
            value = getattr(item, f"{attr}{axis}", None)
            if value is None:
                continue
            raw = getattr(item, f"{attr}{axis}_unit", None)
            symbol = None if raw is None else getattr(raw, "value", str(raw))
            v, unit = ome_length(float(value), symbol or "reference frame")
            values[axis] = v
            units.add(unit if unit is not None else f"({symbol or 'reference frame'})")
        if len(units) > 1:
            raise MigrateError(None, f"{origin} of image {image.name or image.id!r} mixes units {sorted(units)}")
        unit = units.pop()
        return values, (None if unit.startswith("(") else unit), origin
    return None


__all__ = ["PIXEL", "POSITION_FILES", "Positions", "check_position_unit", "ome_position", "position_file",
           "read_position_file"]
