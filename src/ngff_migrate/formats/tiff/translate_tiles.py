"""Translate a TIFF tile set into an RFC-8 collection with a scene (docs/tiff.md, "Tile sets").

* Each tile becomes a ``multiscale`` in its own document at ``<tile>/``
  (the tile's file name without ``.ome.tif``), written by the single-file
  translation (:func:`~.translate.series_multiscale`): its own levels, its
  own coordinate system ``physical``; the root ``collection`` holds a
  path-only stub per tile.
* The root's ``attributes.scene`` (RFC-8 v1, "Scene attribute") has one
  coordinate system, ``scene``, with the tiles' axes (their names, types
  and units), and one ``translation`` per tile from the tile's coordinate
  system (``{"id": "physical", "path": {"type": "zarr", "path":
  "./<tile>"}}``) to ``{"id": "scene"}``, one entry per scene axis: the stage
  position on the spatial axes, 0 on the others (RFC-5 requires a
  translation to keep the dimensionality of its input).
* Positions are converted into the tiles' unit: a length unit by its
  factor; ``pixel`` (TileConfiguration files) through the tile's level-0
  pixel size. A position with no unit (OME's ``reference frame``), or in a
  length unit when the tiles have no physical pixel size, is refused unless
  ``--position-unit`` (or ``--pixel-size``) says what it means.
* The overlap of every pair of tiles is computed from their boxes in the
  scene and reported (the report's ``tiles``); duplicate positions are an
  error, a tile overlapping no other a warning.
* ``--overview`` adds a fused low-resolution multiscale of the whole mosaic
  (:mod:`.mosaic`).

The documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ...errors import MigrateError
from ...rfc8.model import (
    Attributes,
    CollectionNode,
    CoordinateSystem,
    CoordinateTransformation,
    Document,
    MultiscaleNode,
    Reference,
    Scene,
)
from ..common.document import DocumentState, UniqueNames, unique_name
from ..common.image_translation import TranslateOptions
from ..common.paths import zarr_path
from ..plan import KeyRecord, MigrationPlan
from .positions import PIXEL
from .tileset import TileSetSource
from .translate import (
    add_ome_xml,
    axis_order,
    check_options,
    pyramid_levels,
    series_multiscale,
    stem,
)
from .units import convert_length

#: pairs listed one by one in the report's ``tiles.overlaps`` (the statistics cover all)
LISTED_PAIRS = 100


def translate_tileset(source: TileSetSource, options: TranslateOptions) -> MigrationPlan:
    """The :class:`MigrationPlan` of a tile set (module docstring): a
    :class:`~ngff_migrate.rfc8.model.Document` per tile (a
    :class:`~ngff_migrate.rfc8.model.MultiscaleNode`) and the root
    :class:`~ngff_migrate.rfc8.model.CollectionNode` of tile stubs with its
    :class:`~ngff_migrate.rfc8.model.Scene`.

    Raises
    ------
    MigrateError
        For tiles of different data types, axes or units, a position that
        cannot be converted, or two tiles at the same position.
    UsageError
        For a bad ``--unit`` or ``--pixel-size``.
    """
    check_options(options)
    plan = MigrationPlan(root=source.path, layout="tiff-tiles", version=None, zarr_format=3, copy_source=False,
                         default_shards="auto")
    ids = DocumentState("").ids
    coll_name = source.path.name or "tiles"
    coll_id = ids.allocate(coll_name)
    scene_id = ids.allocate("scene")
    names = UniqueNames()
    placed: list[dict[str, Any]] = []
    stubs: list[MultiscaleNode] = []
    pos = source.positions
    for tile in source.tiles:
        s = tile.source.series[0]
        name = unique_name(stem(tile.file).replace("/", "_"), names)
        summary: dict[str, Any] = {"file": tile.source.file_summary(),
                                   "flavour": tile.source.flavour, "series": []}
        node = series_multiscale(plan, tile.source, s, name, name, options, summary)
        # the tile's path relative to the folder (``d/t0.tif``): what its input is recorded under
        node.attributes.extra[f"{options.prefix}:tiff"].update(flavour=tile.source.flavour, file=tile.file)
        add_ome_xml(plan, tile.source, name, node.attributes, options.prefix)
        placed.append(_placed(tile, name, node, s, summary, placed[0] if placed else None))
        plan.add_group_document(name, file=tile.file, replaces=[], ome=Document(version=options.target_version, root=node))
        stubs.append(MultiscaleNode(id=ids.allocate(name), name=name, path=zarr_path("", name)))
    unit = pos.unit
    transforms = []
    for entry in placed:
        entry["translation"] = _scene_position(entry, unit, pos.origin, plan.warnings)
        transforms.append(CoordinateTransformation(
            type="translation", name=f"{entry['name']} to scene",
            input=Reference(id=entry["cs"].id, path=zarr_path("", entry["name"])), output=Reference(id=scene_id),
            translation=entry["translation"]))
        entry["summary"]["position"] = [entry["translation"][j] for j in entry["spatial"]]
        plan.inputs[entry["tile"].file] = json.dumps(entry["summary"], sort_keys=True).encode()
    _check_duplicates(placed, source)
    scene_axes = copy.deepcopy(placed[0]["cs"].axes)
    scene = Scene(coordinateSystems=[CoordinateSystem(id=scene_id, axes=scene_axes)],
                  coordinateTransformations=transforms)
    plan.tiles = _overlaps(placed, scene_axes, plan.warnings, source)
    plan.tiles.update({"count": len(placed), "positions": pos.origin, "position_unit": unit,
                       "scene_unit": next((a.unit for a in scene_axes if a.type == "space"), None),
                       "ignored": source.ignored})
    attributes = Attributes(scene=scene, **{f"{options.prefix}:tiles": {
        "positions": pos.origin, "positionUnit": unit, "tiles": len(placed)}})
    if options.overview:
        from .mosaic import plan_overview

        stub, transform = plan_overview(plan, placed, ids, names, scene_id, options)
        stubs.append(stub)
        transforms.append(transform)
    root = CollectionNode(id=coll_id, name=coll_name, attributes=attributes, nodes=stubs)
    plan.add_group_document("", file=pos.file.name if pos.file else coll_name, replaces=[],
                            ome=Document(version=options.target_version, root=root))
    where = pos.file.name if pos.file else "OME-XML"
    plan.keys.append(KeyRecord(where, "tile positions", "mapped", "ome.attributes.scene.coordinateTransformations"))
    if all(len(t.source.series[0].levels) == 1 for t in source.tiles):
        plan.default_levels = max(pyramid_levels(t.source.series[0]) for t in source.tiles)
    plan.order_documents()
    return plan


def _placed(tile, name: str, node: MultiscaleNode, s, summary: dict[str, Any],
            first: dict[str, Any] | None) -> dict[str, Any]:
    """What the scene needs of one translated tile (its
    :class:`~ngff_migrate.rfc8.model.MultiscaleNode` ``node``, as
    :func:`~.translate.series_multiscale` built it); checks it against the first tile.

    Raises
    ------
    MigrateError
        For a data type, axes (and units) or non-y/x shape unlike the first tile's.
    """
    cs = node.attributes.coordinateSystems[0]
    ct = node.nodes[0].attributes.coordinateTransformations[0]
    scale = list(ct.scale)
    names_out = [a.name for a in cs.axes]
    _, order = axis_order(s.axes, where=tile.file)
    shape = [summary["series"][0]["shapes"][0][i] for i in order]
    entry = {"tile": tile, "name": name, "cs": cs, "scale": scale, "shape": shape, "dtype": s.dtype,
             "spatial": [j for j, a in enumerate(cs.axes) if a.type == "space"], "summary": summary,
             "axes": names_out}
    if first is not None:
        a, b = first["tile"].file, tile.file
        if s.dtype != first["dtype"]:
            raise MigrateError(tile.source.path, f"data type {s.dtype}, but tile {a} has {first['dtype']}: the "
                                                 "tiles of a set must share one data type")
        if cs.axes != first["cs"].axes:
            raise MigrateError(tile.source.path, f"axes {_axes_text(cs)}, but tile {a} has "
                                                 f"{_axes_text(first['cs'])}: the tiles of a set must share "
                                                 "their axes and units")
        if [shape[j] for j, n in enumerate(names_out) if n not in "yx"] != \
                [first["shape"][j] for j, n in enumerate(first["axes"]) if n not in "yx"]:
            raise MigrateError(tile.source.path, f"shape {shape}, but tile {a} has {first['shape']}: tiles may "
                                                 f"differ in y/x only ({b})")
    return entry


def _axes_text(cs: CoordinateSystem) -> str:
    return ", ".join(f"{a.name}" + (f" [{a.unit}]" if a.unit else "") for a in cs.axes)


def _scene_position(entry: dict[str, Any], unit: str | None, origin: str, warnings: list[str]) -> list[float]:
    """The tile's translation into the scene: its position on each spatial axis, in the tile's unit
    (a z position of a tile with no z axis is left out, with a warning)."""
    tile = entry["tile"]
    out = [0.0] * len(entry["cs"].axes)
    given = dict(tile.position)
    for j in entry["spatial"]:
        axis = entry["cs"].axes[j]
        value = given.pop(axis.name, 0.0)
        to = axis.unit
        if unit == PIXEL:
            out[j] = float(f"{value * entry['scale'][j]:.15g}")
        elif unit is None:
            what = "OME 'reference frame'" if origin.startswith("OME") else "a CSV gives none"
            raise MigrateError(tile.source.path, f"its position ({origin}) has no length unit ({what}); give "
                                                 "--position-unit (micrometer, ..., or pixel)")
        elif to is None:
            raise MigrateError(tile.source.path, f"its position is in {unit}, but the tile has no physical pixel "
                                                 "size: give --pixel-size (and --unit), or --position-unit pixel")
        else:
            out[j] = convert_length(value, unit, to)
    if given.get("z") not in (None, 0.0):
        warnings.append(f"{tile.source.path}: its z position {given['z']} is left out: the tile has no z axis")
    return out


def _check_duplicates(placed: list[dict[str, Any]], source: TileSetSource) -> None:
    seen: dict[tuple[float, ...], str] = {}
    for entry in placed:
        key = tuple(entry["translation"])
        if key in seen:
            raise MigrateError(entry["tile"].source.path, f"is at the same position as {seen[key]} "
                                                          f"({list(key)}): duplicate tile positions")
        seen[key] = entry["tile"].file


def _overlaps(placed: list[dict[str, Any]], axes: list[Any], warnings: list[str],
              source: TileSetSource) -> dict[str, Any]:
    """Every pair of overlapping tiles: the overlap's extent per spatial axis and
    its fraction of the smaller tile; a tile that overlaps none is a warning."""
    import numpy as np

    spatial = placed[0]["spatial"]
    lo = np.array([[e["translation"][j] for j in spatial] for e in placed], dtype=np.float64)
    ext = np.array([[e["shape"][j] * e["scale"][j] for j in spatial] for e in placed], dtype=np.float64)
    hi = lo + ext
    inter = np.minimum(hi[:, None, :], hi[None, :, :]) - np.maximum(lo[:, None, :], lo[None, :, :])
    overlapping = (inter > 0).all(axis=-1)
    np.fill_diagonal(overlapping, False)
    i_idx, j_idx = np.nonzero(np.triu(overlapping))
    volume = ext.prod(axis=1)
    pairs, fractions = [], []
    for i, j in zip(i_idx.tolist(), j_idx.tolist(), strict=True):
        f = float(inter[i, j].prod() / min(volume[i], volume[j]))
        fractions.append(f)
        if len(pairs) < LISTED_PAIRS:
            pairs.append({"a": placed[i]["name"], "b": placed[j]["name"],
                          "overlap": [round(float(v), 6) for v in inter[i, j]], "fraction": round(f, 4)})
    alone = [placed[i]["name"] for i in range(len(placed)) if len(placed) > 1 and not overlapping[i].any()]
    if alone:
        warnings.append(f"{source.path}: {len(alone)} tile(s) overlap no other tile: {', '.join(alone[:5])}"
                        + (" ..." if len(alone) > 5 else ""))
    stats = {}
    if fractions:
        values = np.array(fractions)
        stats = {"min": round(float(values.min()), 4), "median": round(float(np.median(values)), 4),
                 "max": round(float(values.max()), 4)}
    return {"overlaps": {"pairs": len(fractions), "axes": [axes[j].name for j in spatial],
                         "fraction": stats, "listed": pairs, "alone": alone}}


__all__ = ["translate_tileset"]
