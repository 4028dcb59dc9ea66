"""The scene map of a page: every image a 0.6 scene places, drawn as its outline
in the scene's coordinate system (an inline SVG).

A migrated 0.6 scene is an RFC-8 collection with ``attributes.scene =
{coordinateSystems, coordinateTransformations}``; a transformation's
``input``/``output`` is ``{"id"}`` (a scene system) or ``{"id", "path"}``
(a system of the image at that path, relative to the scene document;
docs/ngff06.md). An image's outline is the box of its first level in array
coordinates (pixel centres at integers: ``-0.5`` … ``n - 0.5`` on its last
two spatial axes, index 0 on the others), mapped by the level's
transformation into the image's system, then along the image's own and the
scene's transformations into the scene's first coordinate system (the
default one). The corners are mapped one by one, so an affine or a rotation
gives a rotated or sheared outline.

Drawn: ``identity``, ``translation``, ``scale``, ``affine``, ``rotation``
(values inline, not in a ``path`` array) and ``sequence`` of those. An image
that cannot be placed (no chain of such transformations to the scene system,
a level array whose shape cannot be read, parameters of the wrong length) is
listed with the reason instead. Nothing here raises.
"""

from __future__ import annotations

import json
import posixpath
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: transformation types whose outline is drawn
DRAWN_TYPES = ("identity", "translation", "scale", "affine", "rotation", "sequence")
#: outline colours, in turn
TILE_COLOURS = ("#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#4e342e")
#: the drawing's longer side, in CSS pixels
MAP_PX = 640

Point = list[float]


@dataclass
class Tile:
    """One image placed in the scene: its outline's corners (scene units, (x, y))."""

    name: str
    path: str
    anchor: str
    corners: list[tuple[float, float]]
    chain: list[str]
    colour: str = TILE_COLOURS[0]
    #: the image's thumbnail (a ``data:`` URI), drawn inside an upright, unflipped rectangle outline
    thumb: str | None = None

    @property
    def upright(self) -> bool:
        """Whether the outline is an axis-aligned rectangle, not flipped (a thumbnail fits it)."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.corners
        return y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0 and x1 > x0 and y3 > y0

    @property
    def points(self) -> str:
        """The SVG ``points`` attribute of the outline."""
        return " ".join(f"{_num(x)},{_num(y)}" for x, y in self.corners)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``x min, y min, x max, y max`` of the outline."""
        xs, ys = [c[0] for c in self.corners], [c[1] for c in self.corners]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def centre(self) -> tuple[float, float]:
        """The mean of the corners (where the label goes)."""
        n = len(self.corners)
        return sum(c[0] for c in self.corners) / n, sum(c[1] for c in self.corners) / n


@dataclass
class SceneMap:
    """The map of one scene collection: the system drawn, its tiles, what could not be placed."""

    name: str
    anchor: str
    system: str
    axes: tuple[str, str] = ("x", "y")
    units: tuple[str, str] = ("", "")
    tiles: list[Tile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox``: every outline, with a margin."""
        if not self.tiles:
            return "0 0 1 1"
        boxes = [t.bounds for t in self.tiles]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        pad = 0.04 * max(x1 - x0, y1 - y0, 1e-9)
        return " ".join(_num(v) for v in (x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))

    @property
    def size(self) -> tuple[int, int]:
        """The drawing's width and height in CSS pixels (aspect kept, longer side :data:`MAP_PX`)."""
        _, _, w, h = (float(v) for v in self.view_box.split())
        if w >= h:
            return MAP_PX, max(60, round(MAP_PX * h / w))
        return max(60, round(MAP_PX * w / h)), MAP_PX

    @property
    def font(self) -> str:
        """A label size in scene units (about 12 px)."""
        _, _, w, h = (float(v) for v in self.view_box.split())
        return _num(12 * max(w, h) / MAP_PX)


def _num(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


class _Skip(Exception):
    """Why an image is not drawn."""


def _ref(value: Any, scope: str) -> tuple[str, str] | None:
    """``(scope, id)`` of an ``input``/``output``; a ``path`` moves the scope (relative to ``scope``)."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    path = value.get("path")
    if isinstance(path, dict) and isinstance(path.get("path"), str):
        joined = posixpath.normpath(posixpath.join(scope or ".", path["path"]))
        return ("" if joined == "." else joined), value["id"]
    return scope, value["id"]


def _vector(t: dict[str, Any], key: str, n: int) -> list[float]:
    values = t.get(key)
    if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
        raise _Skip(f"a {t.get('type')} without inline {key!r} values")
    if len(values) != n:
        raise _Skip(f"a {t.get('type')} of {len(values)} values on {n} axes")
    return [float(v) for v in values]


def _matrix(t: dict[str, Any], key: str, cols: int) -> list[list[float]]:
    rows = t.get(key)
    if not isinstance(rows, list) or not rows or not all(
            isinstance(r, list) and len(r) == cols and all(isinstance(v, int | float) for v in r) for r in rows):
        raise _Skip(f"a {t.get('type')} without an inline {key!r} matrix of {cols} columns")
    return [[float(v) for v in r] for r in rows]


def apply(t: Any, point: Point) -> Point:
    """``point`` mapped by the transformation ``t`` (one of :data:`DRAWN_TYPES`)."""
    kind = t.get("type") if isinstance(t, dict) else None
    n = len(point)
    if kind == "identity":
        return list(point)
    if kind == "translation":
        return [p + v for p, v in zip(point, _vector(t, "translation", n), strict=True)]
    if kind == "scale":
        return [p * v for p, v in zip(point, _vector(t, "scale", n), strict=True)]
    if kind == "rotation":
        return [sum(a * p for a, p in zip(row, point, strict=True)) for row in _matrix(t, "rotation", n)]
    if kind == "affine":
        rows = _matrix(t, "affine", n + 1)
        if len(rows) > 1 and rows[-1] == [0.0] * n + [1.0]:
            rows = rows[:-1]  # written with the homogeneous last row
        return [sum(a * p for a, p in zip(row, [*point, 1.0], strict=True)) for row in rows]
    if kind == "sequence" and isinstance(t.get("transformations"), list):
        for inner in t["transformations"]:
            point = apply(inner, point)
        return point
    raise _Skip(f"its chain has a {kind!r} transformation, which the map does not draw")


def _drawable(t: Any) -> bool:
    if not isinstance(t, dict) or t.get("type") not in DRAWN_TYPES:
        return False
    return t["type"] != "sequence" or all(_drawable(i) for i in t.get("transformations") or [None])


def _level(image: dict[str, Any], directory: Path) -> tuple[str, dict[str, Any], list[int]]:
    """The first level's input system id, its transformation and its array shape."""
    level = next((n for n in image.get("nodes") or [] if isinstance(n, dict) and n.get("type") == "singlescale"),
                 None)
    if level is None:
        raise _Skip("it has no singlescale level")
    transforms = (level.get("attributes") or {}).get("coordinateTransformations") or []
    if not transforms or not isinstance(transforms[0], dict):
        raise _Skip(f"level {level.get('id')!r} has no coordinate transformation")
    path = (level.get("path") or {}).get("path")
    shape = None
    if isinstance(path, str) and "://" not in path:
        try:
            meta = json.loads((directory / path / "zarr.json").read_bytes())
            shape = meta.get("shape")
        except (OSError, ValueError, AttributeError):
            shape = None
    if not isinstance(shape, list) or not all(isinstance(v, int) for v in shape):
        raise _Skip(f"the shape of level {level.get('id')!r} ({path}) cannot be read")
    return str(level.get("id")), transforms[0], shape


def _plane_axes(axes: Any, n: int) -> tuple[int, int]:
    """Indices of ``(x, y)``: the last two ``space`` axes (else the last two axes)."""
    axes = axes if isinstance(axes, list) else []
    space = [i for i, a in enumerate(axes) if isinstance(a, dict) and a.get("type") == "space"]
    if len(space) >= 2 and len(axes) == n:
        return space[-1], space[-2]
    return n - 1, n - 2


def _systems(attributes: dict[str, Any]) -> dict[str, list[Any]]:
    return {s["id"]: s.get("axes") or [] for s in attributes.get("coordinateSystems") or []
            if isinstance(s, dict) and isinstance(s.get("id"), str)}


def _edges(transforms: Any, scope: str, graph: dict, every: dict) -> None:
    for t in transforms if isinstance(transforms, list) else []:
        if not isinstance(t, dict):
            continue
        start, end = _ref(t.get("input"), scope), _ref(t.get("output"), scope)
        if start is None or end is None:
            continue
        every.setdefault(start, []).append((end, t))
        if _drawable(t):
            graph.setdefault(start, []).append((end, t))


def _chain(graph: dict, start: tuple[str, str], goal: tuple[str, str]) -> list[dict[str, Any]] | None:
    """The shortest list of transformations from ``start`` to ``goal`` (breadth first)."""
    seen, queue = {start: []}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return seen[node]
        for nxt, t in graph.get(node, []):
            if nxt not in seen:
                seen[nxt] = [*seen[node], t]
                queue.append(nxt)
    return None


def scene_map(node: Any) -> SceneMap | None:
    """The map of the tree node ``node`` (a collection with ``attributes.scene``), or ``None``."""
    scene = node.attributes.get("scene")
    if not isinstance(scene, dict):
        return None
    scope = node.directory
    systems = _systems(scene)
    images = {n.directory: n for n in node.walk() if n is not node and n.image is not None}
    graph: dict = {}
    every: dict = {}
    _edges(scene.get("coordinateTransformations"), scope, graph, every)
    # the images the scene's transformations start from, in order of first reference
    referenced = list(dict.fromkeys(s[0] for s in every if s[0] != scope))
    placed = [d for d in referenced if d in images]
    for directory, image in images.items():
        _edges((image.image[0].get("attributes") or {}).get("coordinateTransformations"), directory, graph, every)
    target = next(iter(systems), None)
    if target is None:  # no scene system listed: the one most transformations end in
        ends = [e[0][1] for edges in every.values() for e in edges if e[0][0] == scope]
        target = max(set(ends), key=ends.count) if ends else "?"
    axes = systems.get(target, [])
    out = SceneMap(name=node.name, anchor=node.anchor, system=target)
    ix, iy = _plane_axes(axes, len(axes)) if len(axes) >= 2 else (1, 0)
    if len(axes) >= 2:
        out.axes = (str(axes[ix].get("name", "x")), str(axes[iy].get("name", "y")))
        out.units = (str(axes[ix].get("unit") or ""), str(axes[iy].get("unit") or ""))
    for d in (d for d in referenced if d not in images):
        out.skipped.append((d, "not in the tree shown (not found or not read)"))
    for directory in placed:
        image = images[directory]
        ome, doc_dir = image.image
        try:
            level_id, level_t, shape = _level(ome, doc_dir)
            if not _drawable(level_t):
                raise _Skip(f"its level transformation is a {level_t.get('type')!r}")
            end = _ref(level_t.get("output"), directory)
            if end is None:
                raise _Skip("its level transformation has no output system")
            chain = _chain(graph, end, (scope, target))
            if chain is None:
                why = "no chain of transformations leads"
                if _chain(every, end, (scope, target)) is not None:
                    why = f"the chain uses a transformation the map does not draw (only {', '.join(DRAWN_TYPES)})"
                raise _Skip(f"{why} to the scene system {target!r}")
            intrinsic = _systems(ome.get("attributes") or {}).get(end[1], [])
            jx, jy = _plane_axes(intrinsic, len(shape))
            corners = []
            for cy, cx in ((0, 0), (0, 1), (1, 1), (1, 0)):
                p = [0.0] * len(shape)
                p[jy] = -0.5 if cy == 0 else shape[jy] - 0.5
                p[jx] = -0.5 if cx == 0 else shape[jx] - 0.5
                for t in [level_t, *chain]:
                    p = apply(t, p)
                if max(ix, iy) >= len(p):
                    raise _Skip(f"its chain ends with {len(p)} values, the scene system has {len(axes)} axes")
                corners.append((p[ix], p[iy]))
        except (_Skip, ValueError, TypeError) as exc:
            out.skipped.append((image.name or directory, str(exc) if isinstance(exc, _Skip)
                                else f"transformation parameters do not fit the axes ({exc})"))
            continue
        names = [str(t.get("name") or t.get("type")) for t in chain]
        out.tiles.append(Tile(name=image.name or directory, path=directory, anchor=image.anchor, corners=corners,
                              chain=names or ["(the level's transformation only)"],
                              colour=TILE_COLOURS[len(out.tiles) % len(TILE_COLOURS)],
                              thumb=image.thumb.data_uri if image.thumb is not None and image.thumb.png else None))
    return out


def scene_maps(tree: Any) -> list[SceneMap]:
    """The map of every scene collection of ``tree`` (a :class:`~.tree.Tree`)."""
    if tree is None or tree.root is None:
        return []
    maps = [scene_map(n) for n in tree.nodes() if isinstance(n.attributes.get("scene"), dict)]
    return [m for m in maps if m is not None]
