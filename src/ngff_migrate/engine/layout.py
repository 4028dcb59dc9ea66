"""The per-array layout of a re-encode: chunk shape, shard shape, write units
(issue #9, "Shard planner, per level"; docs/reencode.md states the rules).

Shapes are tuples in array elements, in the array's axis order (its
``dimension_names``, e.g. ``(t, c, z, y, x)``); sizes are bytes of decoded
data.

The ``auto`` rule: start from one chunk; double the extents of the two
innermost axes (``y`` and ``x``) in turn, innermost first, as long as the
shard stays at or under the target size and does not exceed the array
rounded up to whole chunks; then let the next axis out (``z``) join the
turns, and so on outwards; finally add one chunk at a time, innermost axis
first, while it still fits. So chunks 32x256x256 of uint16 under 64 MiB
give shards 32x1024x1024, not a 32x256x4096 slab.
Every shard is a whole multiple of the chunk shape, and a level smaller
than the target gets one shard covering it.

A write unit is what one task writes whole: the shard of a sharded array,
and for an unsharded array a block of whole chunks sized by the same rule,
so that no chunk or shard is ever written by two tasks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from .codecs import bytes_codec, itemsize, target_compressor
from .options import ReencodeOptions, ShapeSpec

#: the largest buffer blosc compresses (c-blosc BLOSC_MAX_BUFFERSIZE: 2^31 - 1 minus its 16-byte header)
BLOSC_MAX_BYTES = 2**31 - 1 - 16
INDEX_CODECS = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]


@dataclass
class ArrayLayout:
    """How one array is re-encoded.

    Attributes
    ----------
    shape:
        The array shape (unchanged by a re-encode).
    chunks:
        The chunk shape (the inner chunks of a sharded array).
    shards:
        The shard shape, or ``None`` for an unsharded array.
    unit:
        The write unit: the shard shape, or a block of whole chunks.
    document:
        The target ``zarr.json`` array document (Zarr v3 core spec).
    itemsize:
        Bytes per element.
    reasons:
        Why each choice was made (shown by ``inspect`` and ``plan``).
    """

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    shards: tuple[int, ...] | None
    unit: tuple[int, ...]
    document: dict[str, Any]
    itemsize: int
    reasons: list[str] = field(default_factory=list)

    @property
    def grid(self) -> tuple[int, ...]:
        """Write units per axis."""
        return tuple(math.ceil(s / u) if s else 0 for s, u in zip(self.shape, self.unit, strict=True))

    @property
    def unit_count(self) -> int:
        """Number of write units (shards, or chunk blocks)."""
        return math.prod(self.grid)

    @property
    def unit_bytes(self) -> int:
        """Decoded bytes of a whole write unit."""
        return math.prod(self.unit) * self.itemsize

    @property
    def nbytes(self) -> int:
        """Decoded bytes of the whole array."""
        return math.prod(self.shape) * self.itemsize

    def units(self) -> Iterator[tuple[int, ...]]:
        """Every write unit's grid index, in C order."""
        return itertools.product(*(range(g) for g in self.grid))

    def region(self, index: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """The ``(start, stop)`` element range per axis of write unit ``index``
        (clipped to the array)."""
        return tuple((i * u, min((i + 1) * u, s)) for i, u, s in zip(index, self.unit, self.shape, strict=True))

    def keys(self, index: tuple[int, ...]) -> list[str]:
        """The store keys (relative to the array) that write unit ``index``
        writes: its shard, or every chunk of its block (default chunk key
        encoding, separator ``/``)."""
        if self.shards is not None:
            return ["c/" + "/".join(map(str, index))]
        region = self.region(index)
        ranges = [range(a // c, math.ceil(b / c)) for (a, b), c in zip(region, self.chunks, strict=True)]
        return ["c/" + "/".join(map(str, idx)) for idx in itertools.product(*ranges)]

    def summary(self) -> dict[str, Any]:
        """The plan of this array as JSON (``inspect``/``plan``)."""
        return {"shape": list(self.shape), "chunks": list(self.chunks),
                "shards": list(self.shards) if self.shards else None,
                "shard_count": self.unit_count if self.shards else 0,
                "shard_bytes": self.unit_bytes if self.shards else None,
                "write_units": self.unit_count, "nbytes": self.nbytes, "reasons": list(self.reasons)}


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} B"


def _cover(shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[int, ...]:
    """The array extent rounded up to whole chunks (at least one chunk)."""
    return tuple(max(1, math.ceil(s / c)) * c for s, c in zip(shape, chunks, strict=True))


def auto_shape(shape: tuple[int, ...], chunks: tuple[int, ...], size: int, target: int) -> tuple[int, ...]:
    """The largest whole-chunk block at or under ``target`` bytes by the
    module's ``auto`` rule (``size``: bytes per element). Never smaller than
    one chunk."""
    cover = _cover(shape, chunks)
    block = list(chunks)

    def fits(axis: int, extent: int) -> bool:
        trial = block.copy()
        trial[axis] = extent
        return math.prod(trial) * size <= target

    def grow(axes: list[int], step: str) -> None:
        grown = True
        while grown:
            grown = False
            for axis in axes:
                if block[axis] >= cover[axis]:
                    continue
                extent = block[axis] * 2 if step == "double" else block[axis] + chunks[axis]
                extent = min(extent, cover[axis])
                if fits(axis, extent):
                    block[axis] = extent
                    grown = True

    inner_first = list(reversed(range(len(block))))
    for k in range(min(2, len(block)), len(block) + 1):  # y and x in turn, then z, then the rest
        grow(inner_first[:k], "double")
    grow(inner_first, "add")
    return tuple(block)


def _source_grid(doc: dict[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """The source's chunk shape and shard shape (``None`` when unsharded)."""
    outer = tuple((doc.get("chunk_grid") or {}).get("configuration", {}).get("chunk_shape") or ())
    codecs = doc.get("codecs") or []
    if len(codecs) == 1 and isinstance(codecs[0], dict) and codecs[0].get("name") == "sharding_indexed":
        inner = tuple((codecs[0].get("configuration") or {}).get("chunk_shape") or outer)
        return inner, outer
    return outer, None


def plan_layout(doc: dict[str, Any], options: ReencodeOptions, *, array: str) -> ArrayLayout:
    """The re-encoded layout of the array whose Zarr v3 document is ``doc``
    (the source's own ``zarr.json``, or the one a Zarr v2 ``.zarray``
    converts to). ``array`` names it (root-relative path) in errors.

    Raises
    ------
    UsageError
        For a shard shape the chunks do not divide, a target shard size
        under one chunk, or a positional shape of the wrong rank.
    UnsupportedError
        For a data type the engine does not re-encode.
    """
    from ..errors import UnsupportedError

    shape = tuple(int(s) for s in doc.get("shape") or ())
    size = itemsize(doc.get("data_type"))
    if size is None:
        raise UnsupportedError(None, f"array {array or '.'}: data type {doc.get('data_type')!r} cannot be "
                                     "re-encoded (numeric and boolean types only)")
    names = list(doc.get("dimension_names") or [None] * len(shape))
    source_chunks, source_shards = _source_grid(doc)
    reasons: list[str] = []
    chunks = source_chunks
    if options.chunks is not None:
        chunks = options.chunks.resolve(names, source_chunks, what="--chunks", array=array)
        reasons.append(f"chunks: --chunks {options.chunks.text()}")
    else:
        reasons.append("chunks: the source's")
    requested = chunks
    chunks = tuple(max(1, min(c, s)) for c, s in zip(chunks, shape, strict=True))
    shards = _plan_shards(shape, chunks, requested, size, options, names, source_chunks, source_shards,
                          array, reasons)
    unit = shards or auto_shape(shape, chunks, size, options.shard_size)
    compressors, why = target_compressor(doc, options.codec, size)
    chunk_bytes = math.prod(chunks) * size
    if any(c.get("name") == "blosc" for c in compressors) and chunk_bytes > BLOSC_MAX_BYTES:
        raise UsageError(None, f"array {array or '.'}: a chunk of {'x'.join(map(str, chunks))} is {chunk_bytes} "
                               f"bytes, over the {BLOSC_MAX_BYTES} bytes blosc can compress ({why}); give "
                               "smaller --chunks or another --codec (zstd, gzip)")
    reasons.append(why)
    inner = [bytes_codec(size), *compressors]
    if shards is None:
        codecs = inner
    else:
        codecs = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(chunks), "codecs": inner, "index_codecs": INDEX_CODECS,
            "index_location": "end"}}]
    document = {}
    for key, value in doc.items():  # the source's key order; the encoding keys replaced
        if key == "chunk_grid":
            value = {"name": "regular", "configuration": {"chunk_shape": list(shards or chunks)}}
        elif key == "chunk_key_encoding":
            value = {"name": "default", "configuration": {"separator": "/"}}
        elif key == "codecs":
            value = codecs
        document[key] = value
    return ArrayLayout(shape=shape, chunks=chunks, shards=shards, unit=tuple(unit), document=document,
                       itemsize=size, reasons=reasons)


def _plan_shards(shape, chunks, requested, size, options: ReencodeOptions, names, source_chunks,
                 source_shards, array: str, reasons: list[str]) -> tuple[int, ...] | None:
    mode = options.shards
    if mode == "none":
        reasons.append("unsharded: --shards none")
        return None
    if mode == "keep":
        if source_shards is None:
            reasons.append("unsharded: like the source")
            return None
        if tuple(chunks) == tuple(source_chunks):
            reasons.append("shards: the source's")
            return tuple(min(s, c) for s, c in zip(source_shards, _cover(shape, chunks), strict=True))
        mode = "auto"
        reasons.append("shards: auto (the source is sharded, its chunks changed)")
    if mode == "auto":
        chunk_bytes = math.prod(chunks) * size
        if chunk_bytes > options.shard_size:
            raise UsageError(None, f"--shard-size {options.shard_size} bytes is under one chunk of array "
                                   f"{array or '.'} ({'x'.join(map(str, chunks))} = {chunk_bytes} bytes); "
                                   "give a larger --shard-size or smaller --chunks")
        shards = auto_shape(shape, chunks, size, options.shard_size)
        reasons.append(f"shards: auto, at most {_mib(options.shard_size)}")
        return shards
    assert isinstance(mode, ShapeSpec)
    # checked against the chunk shape asked for; an axis whose chunk was clipped to
    # a small level's extent holds one chunk per shard
    wanted = mode.resolve(names, requested, what="--shards", array=array)
    for axis, (s, c) in enumerate(zip(wanted, requested, strict=True)):
        if s % c:
            label = names[axis] or f"axis {axis}"
            raise UsageError(None, f"--shards {mode.text()}: {label} extent {s} is not a whole multiple of "
                                   f"the chunk extent {c} of array {array or '.'}")
    reasons.append(f"shards: --shards {mode.text()} (clipped to the array)")
    return tuple(min(s, c) for s, c in zip(wanted, _cover(shape, chunks), strict=True))


__all__ = ["ArrayLayout", "auto_shape", "plan_layout"]
