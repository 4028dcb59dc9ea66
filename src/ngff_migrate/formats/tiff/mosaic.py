"""The ``--overview`` of a tile set: shared low-resolution levels of the whole
mosaic, as one more multiscale placed in the scene (docs/tiff.md, "Overview").

* Tiles are pasted at their stage positions, rounded to whole pixels of the
  tiles' level 0; there is no registration.
* The overview's first level is the mosaic downsampled by ``f`` on y and x
  (``f`` = 2, doubled while the mosaic would be wider than
  :data:`OVERVIEW_FIT` pixels); every overview pixel is the mean of the tile
  pixels inside its ``f`` x ``f`` block, over *all* tiles covering them: in
  an overlap the tiles are averaged (weighted by how many of the block's
  pixels each covers); a block no tile covers is 0. Integer types are
  rounded to the nearest integer.
* Its further levels are built by the engine from the level before
  (``--levels``, ``mean``), halving y/x until both fit in 256 pixels.
* The overview's coordinate system has the tiles' axes; level 0's scale is
  ``f`` times the tiles' pixel size, with the half-pixel translation
  ``(f - 1) / 2`` tile pixels (the convention of built levels); the scene
  places it by the position of the mosaic's corner (the smallest tile
  position on each axis).

Each TIFF tile is decoded once: the engine writes the overview after the
tiles' level 0 (:attr:`MosaicSource.phase`) and reads the tiles as written
(:meth:`MosaicSource.bind`); verification reads the TIFFs again.

Memory: one chunk of the overview reads, per tile it overlaps, only
the tile region under it (through tifffile's Zarr view), plus two float64
buffers of that region.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import MigrateError, exception_line
from ...rfc8.model import (
    Attributes,
    CoordinateSystem,
    CoordinateTransformation,
    Document,
    MultiscaleNode,
    Reference,
    SinglescaleNode,
)
from ..common.document import DocumentState, unique_name
from ..common.paths import zarr_path
from ..ngff_image.translate import level_transform
from ..plan import ArrayPlan, DocumentPlan, MigrationPlan
from .reverse_tiles import OVERVIEW_ROLE, ROLE_KEY
from .translate import PYRAMID_FIT

#: the overview's first level is at most this many pixels along y and x (``f`` doubles until it fits)
OVERVIEW_FIT = 8192
#: chunk extent of the overview along y and x
OVERVIEW_CHUNK = 512
#: tiles an overview reader keeps open at a time (each holds a file handle per thread)
OPEN_TILES = 16


@dataclass(frozen=True)
class MosaicSource:
    """The first overview level as a pixel source of the engine.

    ``tiles`` are ``(reader, offset, shape)``: each tile's level-0 reader (a
    :class:`~.source.TiffLevelSource`, output axis order), its offset in
    mosaic pixels of level 0 and its shape, per axis; ``factors`` the
    downsampling per axis; ``shape`` and ``dtype`` the overview level's."""

    tiles: tuple[tuple[Any, tuple[int, ...], tuple[int, ...]], ...]
    factors: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str
    chunks: tuple[int, ...]
    #: the output path of each tile's level 0 (``<tile>/0``), which :meth:`bind` reads instead of the TIFF
    rels: tuple[str, ...] = ()
    #: the engine writes this array in a later phase than the tiles' level 0 (docs/reencode.md)
    phase: int = 1

    def bind(self, target_root: Any) -> MosaicSource:
        """The same overview read from the tiles' level 0 *as written* under
        ``target_root`` (Zarr arrays, in output axis order), so that each TIFF
        tile is decoded once; the engine calls this when it writes the overview,
        after the tiles' level 0 (:attr:`phase`)."""
        from dataclasses import replace

        tiles = tuple((OutputLevel(str(Path(target_root) / rel)), offset, shape)
                      for (_, offset, shape), rel in zip(self.tiles, self.rels, strict=True))
        return replace(self, tiles=tiles, rels=())

    def open(self) -> MosaicArray:
        """The overview level as an array (regions read on demand)."""
        return MosaicArray(self)

    def decode(self) -> Any:
        """The whole overview level (numpy array), computed from the tiles."""
        return self.open()[tuple(slice(0, n) for n in self.shape)]

    def describe(self) -> str:
        """``the overview of <n> tiles``."""
        return f"the overview of {len(self.tiles)} tiles (factor {max(self.factors)})"

    @property
    def path(self) -> str:
        """The first tile's file (what errors name when no tile is to blame)."""
        return self.tiles[0][0].path


@dataclass(frozen=True)
class OutputLevel:
    """A tile's level 0 as written to the output (a Zarr v3 array at ``path``)."""

    path: str

    def open(self) -> Any:
        """The array, opened with zarr-python.

        Raises
        ------
        MigrateError
            Naming the array when it does not open."""
        import zarr

        try:
            return zarr.open_array(self.path, mode="r", zarr_format=3)
        except Exception as exc:
            raise MigrateError(self.path, f"cannot open the written tile for the overview: "
                                          f"{exception_line(exc, 200)}") from None

    def describe(self) -> str:
        """``<path> (written)``."""
        return f"{self.path} (written)"


class MosaicArray:
    """Regions of the overview level: ``shape``, ``dtype``, ``chunks`` as the source's."""

    def __init__(self, source: MosaicSource) -> None:
        import numpy as np

        self.source = source
        self.shape = source.shape
        self.dtype = np.dtype(source.dtype)
        self.chunks = source.chunks
        self.ndim = len(self.shape)
        self._arrays: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()
        # each tile's box in full-resolution mosaic pixels, (tiles, axes): a block asks only the tiles under it
        self._lo = np.array([offset for _, offset, _ in source.tiles], dtype=np.int64).reshape(len(source.tiles), -1)
        self._hi = self._lo + np.array([shape for _, _, shape in source.tiles], dtype=np.int64).reshape(self._lo.shape)
        self._factors = np.array(source.factors, dtype=np.int64)

    def _tile(self, i: int) -> Any:
        """Tile ``i`` opened (at most :data:`OPEN_TILES` stay open: their file handles)."""
        with self._lock:  # the engine's threads share one overview reader
            found = self._arrays.get(i)
            if found is not None:
                self._arrays.move_to_end(i)
                return found
        found = self.source.tiles[i][0].open()
        with self._lock:
            self._arrays[i] = found
            while len(self._arrays) > OPEN_TILES:
                _close(self._arrays.popitem(last=False)[1])  # a read in progress finishes first
        return found

    def __getitem__(self, sel: Any) -> Any:
        """The pixels of ``sel`` (a tuple of slices, one per axis, or ``...``)."""
        import numpy as np

        if sel is Ellipsis:
            sel = tuple(slice(0, n) for n in self.shape)
        bounds = [s.indices(n)[:2] for s, n in zip(sel, self.shape, strict=True)]
        out = np.empty(tuple(b - a for a, b in bounds), dtype=self.dtype)
        # block by block (OVERVIEW_CHUNK along the downsampled axes): the float64 sums stay small
        # whatever region the engine asks for (a 64 MiB shard)
        steps = [range(a, b, OVERVIEW_CHUNK) if f > 1 else [a] for (a, b), f in zip(bounds, self.source.factors,
                                                                                     strict=True)]
        import itertools

        for starts in itertools.product(*steps):
            block = [(a0, min(a0 + OVERVIEW_CHUNK, b) if f > 1 else b)
                     for a0, (_, b), f in zip(starts, bounds, self.source.factors, strict=True)]
            where = tuple(slice(a0 - a, b0 - a) for (a0, b0), (a, _) in zip(block, bounds, strict=True))
            out[where] = self._compose(block)
        return out

    def _compose(self, bounds: list[tuple[int, int]]) -> Any:
        """The overview pixels of ``bounds`` (``(start, stop)`` per axis), from every tile under them."""
        import numpy as np

        out_shape = tuple(b - a for a, b in bounds)
        total = np.zeros(out_shape, dtype=np.float64)
        count = np.zeros(out_shape, dtype=np.float64)
        f = self.source.factors
        a_px = np.array([a for a, _ in bounds], dtype=np.int64) * self._factors
        b_px = np.array([b for _, b in bounds], dtype=np.int64) * self._factors
        under = np.nonzero(((self._lo < b_px) & (self._hi > a_px)).all(axis=1))[0]
        for i in under.tolist():  # in tile order, as before; thousands of tiles are not looped over per block
            reader, offset, tile_shape = self.source.tiles[i]
            tsel, osel, starts = [], [], []
            for (a, b), fk, off, n in zip(bounds, f, offset, tile_shape, strict=True):
                lo, hi = max(a * fk, off), min(b * fk, off + n)  # full-resolution mosaic pixels
                if lo >= hi:
                    break
                qa, qb = lo // fk, -(-hi // fk)  # the overview pixels they fall in
                tsel.append(slice(lo - off, hi - off))
                osel.append(slice(qa - a, qb - a))
                # where each overview pixel's block starts in the region read (reduceat indices)
                starts.append(np.concatenate(([0], np.arange((qa + 1) * fk - lo, hi - lo, fk))).astype(np.intp))
            else:
                try:
                    data = self._tile(i)[tuple(tsel)]
                except MigrateError:
                    raise
                except Exception as exc:
                    raise MigrateError(reader.path, f"cannot read {reader.describe()} for the overview: "
                                                    f"{exception_line(exc, 200)}") from None
                block = data.astype(np.float64)
                weight = np.ones((), dtype=np.float64)
                for k, idx in enumerate(starts):
                    if f[k] > 1:
                        block = np.add.reduceat(block, idx, axis=k)
                    lengths = np.diff(np.append(idx, data.shape[k])).astype(np.float64)
                    weight = np.multiply.outer(weight, lengths if f[k] > 1 else np.ones(len(idx)))
                total[tuple(osel)] += block
                count[tuple(osel)] += weight
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        if self.dtype.kind in "iu":
            info = np.iinfo(self.dtype)
            return np.clip(np.rint(mean), info.min, info.max).astype(self.dtype)
        if self.dtype.kind == "b":
            return mean >= 0.5
        return mean.astype(self.dtype)

    def close(self) -> None:
        """Close the tiles this reader has open."""
        while self._arrays:
            _close(self._arrays.popitem()[1])

    def failing(self, sel: tuple[slice, ...]) -> str:
        """What to name for a region that does not read: the overview."""
        return self.source.describe()


def _close(array: Any) -> None:
    close = getattr(array, "close", None)
    if callable(close) and not hasattr(array, "store"):  # a TIFF level; a zarr array holds no file
        close()


def plan_overview(plan: MigrationPlan, placed: list[dict[str, Any]], ids, names, scene_id: str,
                  options) -> tuple[MultiscaleNode, CoordinateTransformation]:
    """Plan the overview multiscale (its :class:`~ngff_migrate.rfc8.model.Document`,
    level-0 array, levels to build); returns its stub for the root collection
    (a path-only :class:`~ngff_migrate.rfc8.model.MultiscaleNode`) and its
    translation into the scene (a :class:`~ngff_migrate.rfc8.model.CoordinateTransformation`).

    Raises
    ------
    MigrateError
        For tiles with different pixel sizes (they cannot be pasted into one grid).
    """
    first = placed[0]
    spatial = first["spatial"]
    yx = spatial[-2:]
    for entry in placed[1:]:
        if entry["scale"] != first["scale"]:
            raise MigrateError(entry["tile"].source.path, f"pixel size {entry['scale']} differs from tile "
                                                          f"{first['tile'].file}'s {first['scale']}: --overview "
                                                          "needs one pixel size")
    ndim = len(first["shape"])
    corner = [min(e["translation"][j] for e in placed) if j in spatial else 0.0 for j in range(ndim)]
    offsets = []
    for e in placed:
        offsets.append(tuple(math.floor((e["translation"][j] - corner[j]) / first["scale"][j] + 0.5)
                             if j in spatial else 0 for j in range(ndim)))
    full = [max(off[j] + e["shape"][j] for off, e in zip(offsets, placed, strict=True)) for j in range(ndim)]
    f = 2
    while max(math.ceil(full[j] / f) for j in yx) > OVERVIEW_FIT:
        f *= 2
    factors = tuple(f if j in yx else 1 for j in range(ndim))
    shape = tuple(math.ceil(n / k) for n, k in zip(full, factors, strict=True))
    name = unique_name(OVERVIEW_ROLE, names)
    doc = DocumentState(name)
    node_id = doc.ids.allocate(name)
    cs_id = doc.ids.allocate("physical")
    level_id = doc.ids.allocate("0")
    scale = [s * k for s, k in zip(first["scale"], factors, strict=True)]
    shift = [(k - 1) / 2 * s for s, k in zip(first["scale"], factors, strict=True)]
    arrays = {a.rel: a for a in plan.arrays}
    readers = tuple((arrays[f"{e['name']}/0"].reader, off, tuple(e["shape"]))
                    for e, off in zip(placed, offsets, strict=True))
    chunks = tuple(min(OVERVIEW_CHUNK, n) if j in yx else 1 for j, n in enumerate(shape))
    rels = tuple(f"{e['name']}/0" for e in placed)
    _plan_array(plan, f"{name}/0", MosaicSource(readers, factors, shape, first["dtype"], chunks, rels),
                first["axes"])
    attributes = Attributes(coordinateSystems=[CoordinateSystem(id=cs_id, axes=copy.deepcopy(first["cs"].axes))])
    attributes.extra[f"{options.prefix}:{ROLE_KEY}"] = OVERVIEW_ROLE
    attributes.extra[f"{options.prefix}:overview"] = {"factor": f, "tiles": len(placed), "blending": "mean"}
    level = SinglescaleNode(id=level_id, name="0", path=zarr_path(name, f"{name}/0"), attributes=Attributes(
        coordinateTransformations=[level_transform(level_id, cs_id, scale, shift if f > 1 else None)]))
    node = MultiscaleNode(id=node_id, name=name, attributes=attributes, nodes=[level])
    plan.add_group_document(name, file="overview", replaces=[], ome=Document(version=options.target_version, root=node))
    levels, y, x = 1, shape[yx[0]], shape[yx[1]]
    while (y > PYRAMID_FIT or x > PYRAMID_FIT) and (y >= 2 or x >= 2):
        y, x, levels = max(1, y // 2), max(1, x // 2), levels + 1
    if levels > 1:
        plan.level_targets[name] = levels
    plan.tiles = {**(plan.tiles or {}), "overview": {"path": name, "factor": f, "shape": list(shape),
                                                     "levels": levels}}
    stub = MultiscaleNode(id=ids.allocate(name), name=name, path=zarr_path("", name),
                          attributes=Attributes(**{f"{options.prefix}:{ROLE_KEY}": OVERVIEW_ROLE}))
    transform = CoordinateTransformation(type="translation", name=f"{name} to scene",
                                         input=Reference(id=cs_id, path=zarr_path("", name)),
                                         output=Reference(id=scene_id), translation=corner)
    return stub, transform


def _plan_array(plan: MigrationPlan, rel: str, source: MosaicSource, names: list[str]) -> None:
    from ...engine.layout import plan_layout
    from ...engine.options import ReencodeOptions
    from ...zarr.node import ZarrNode

    fill = False if source.dtype == "bool" else (0.0 if source.dtype.startswith(("float", "complex")) else 0)
    doc = {"zarr_format": 3, "node_type": "array", "shape": list(source.shape), "data_type": source.dtype,
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(source.chunks)}},
           "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
           "fill_value": fill, "codecs": [{"name": "mosaic"}], "attributes": {}, "dimension_names": names}
    node = ZarrNode(directory=Path(source.path).parent, zarr_format=3, node_type="array", metadata=doc,
                    files=[Path(source.path).name])
    entry = ArrayPlan(rel=rel, source=node, reader=source)
    entry.target = plan_layout(doc, ReencodeOptions(), array=rel)
    entry.notes.append(f"written from {source.describe()}")
    plan.add_array(entry)
    plan.documents.append(DocumentPlan(rel=rel, node_type="array", document=entry.target.document))


__all__ = ["OVERVIEW_FIT", "MosaicArray", "MosaicSource", "plan_overview"]
