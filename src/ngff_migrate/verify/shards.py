"""The shard-index check of ``--verify full`` (issue #9, item 6).

Every shard file of a re-encoded sharded array is read back and its index
checked against the Zarr v3 ``sharding_indexed`` codec spec, as the engine
writes it (``index_location: "end"``, ``index_codecs`` ``bytes`` (little
endian) + ``crc32c``)::

    [chunk bytes ...][index: N x (offset, nbytes), little-endian uint64][crc32c of the index, uint32 LE]

``N`` is the number of inner chunks per shard (the shard shape divided by
the chunk shape, the same for every shard, edge shards included); an empty
inner chunk has ``offset = nbytes = 2^64 - 1``. A shard is sound when its
checksum matches, every non-empty ``(offset, nbytes)`` lies inside the file
before the index, and no two chunks overlap. A shard file that is absent is
legal (every inner chunk equal to the fill value) and is not counted.

This reads only the index of each shard (a seek to its end), never the
chunk data, which the pixel comparison decodes.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ..errors import VerificationError
from ..formats.plan import MigrationPlan

#: the (offset, nbytes) of an empty inner chunk
EMPTY = 2**64 - 1
_ENTRY = 16
_CHECKSUM = 4


@dataclass
class ShardCheck:
    """What the shard-index check found: shard files read, inner chunks
    they index (stored), and inner chunks marked empty."""

    shards_checked: int = 0
    chunks_indexed: int = 0
    empty_chunks: int = 0
    arrays: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The counts as plain JSON (for the report's ``verification``)."""
        return dict(self.__dict__)


def _crc32c(data: bytes) -> int:
    import google_crc32c  # a dependency of zarr-python (its own crc32c codec)

    return int(google_crc32c.value(data))


def _sharding(document: dict[str, Any], where: Path) -> dict[str, Any]:
    codecs = document.get("codecs") or []
    conf = (codecs[0].get("configuration") or {}) if len(codecs) == 1 and isinstance(codecs[0], dict) \
        and codecs[0].get("name") == "sharding_indexed" else None
    if conf is None:
        raise VerificationError(where, "the array was planned sharded but its zarr.json has no sharding_indexed codec")
    index = [c.get("name") for c in conf.get("index_codecs") or []]
    endian = ((conf.get("index_codecs") or [{}])[0].get("configuration") or {}).get("endian", "little")
    if conf.get("index_location", "end") != "end" or index != ["bytes", "crc32c"] or endian != "little":
        raise VerificationError(where, f"shard index layout {conf.get('index_location')!r} with index codecs "
                                       f"{index} is not the one checked (end, bytes little endian + crc32c)")
    return conf


def check_shard_file(path: Path, chunks_per_shard: int) -> tuple[int, int]:
    """Check the index of one shard file holding ``chunks_per_shard`` inner
    chunks. Returns ``(chunks indexed, empty chunks)``.

    Raises
    ------
    VerificationError
        Naming ``path`` and what is wrong: too short for its index, a
        checksum mismatch, a chunk outside the data part of the file, or two
        chunks overlapping.
    """
    index_bytes = chunks_per_shard * _ENTRY
    remote = not isinstance(path, PurePath)  # a shard object on S3: its size, then one ranged read of the index
    try:
        with (path.open("rb") if remote else open(path, "rb")) as fh:
            size = fh.seek(0, os.SEEK_END) if remote else os.fstat(fh.fileno()).st_size
            if size < index_bytes + _CHECKSUM:
                raise VerificationError(path, f"shard file is {size} bytes, too short for its index of "
                                              f"{chunks_per_shard} chunks ({index_bytes + _CHECKSUM} bytes); "
                                              "truncated?")
            fh.seek(size - index_bytes - _CHECKSUM)
            tail = fh.read(index_bytes + _CHECKSUM)
    except VerificationError:
        raise
    except Exception as exc:  # OSError locally; the store's own errors remotely
        raise VerificationError(path, f"cannot read the shard: {getattr(exc, 'strerror', None) or exc}") from None
    index, stored = tail[:index_bytes], struct.unpack("<I", tail[index_bytes:])[0]
    actual = _crc32c(index)
    if actual != stored:
        raise VerificationError(path, f"shard index checksum mismatch (stored crc32c {stored:#010x}, the index "
                                      f"gives {actual:#010x}); the file is damaged or not a shard of "
                                      f"{chunks_per_shard} chunks")
    data_end = size - index_bytes - _CHECKSUM
    spans = []
    empty = 0
    for i, (offset, nbytes) in enumerate(struct.iter_unpack("<QQ", index)):
        if offset == EMPTY and nbytes == EMPTY:
            empty += 1
            continue
        if offset == EMPTY or nbytes == EMPTY or offset + nbytes > data_end:
            raise VerificationError(path, f"inner chunk {i} at offset {offset} with {nbytes} bytes lies outside "
                                          f"the shard's {data_end} data bytes (before its index)")
        spans.append((offset, offset + nbytes, i))
    spans.sort()
    for (_a, end, i), (start, _b, j) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise VerificationError(path, f"inner chunks {i} and {j} overlap (bytes {start} to {end})")
    return len(spans), empty


def check_shards(plan: MigrationPlan, target_root: Path, *, extra: dict[str, Any] | None = None,
                 progress=None) -> ShardCheck:
    """Check the index of every shard file of every re-encoded sharded array
    of ``plan`` (entries of ``plan.arrays`` whose ``target`` layout has
    ``shards``) under ``target_root`` (the output root, or the unfinished
    output before it is published). ``extra`` adds layouts by array path
    (the new levels of ``--levels``: ``ReencodePlan.layouts()``; arrays
    already in ``plan.arrays`` are checked once). ``progress`` is called
    with 1 per array checked.

    Shard files are ``c/i/j/...`` under each array (the default chunk key
    encoding every re-encoded array uses), one per shard grid index.

    Raises
    ------
    VerificationError
        For the first damaged shard (see :func:`check_shard_file`), naming
        its file, or an array whose ``zarr.json`` is not sharded as planned.
    """
    import itertools
    import json

    result = ShardCheck()
    layouts = {a.rel: a.target for a in plan.arrays}
    layouts.update({rel: layout for rel, layout in (extra or {}).items() if rel not in layouts})
    for rel, layout in layouts.items():
        if layout is None or getattr(layout, "shards", None) is None:
            continue
        directory = target_root / rel if rel else target_root
        meta = directory / "zarr.json"
        try:
            document = json.loads(meta.read_text())
        except (OSError, ValueError) as exc:
            raise VerificationError(meta, f"cannot read the re-encoded array's zarr.json: {exc}") from None
        conf = _sharding(document, meta)
        inner = tuple(conf.get("chunk_shape") or ())
        shard = tuple(layout.shards)
        if len(inner) != len(shard) or any(c <= 0 or s % c for s, c in zip(shard, inner, strict=True)):
            raise VerificationError(meta, f"inner chunks {list(inner)} do not divide the shards {list(shard)}")
        per_shard = math.prod(s // c for s, c in zip(shard, inner, strict=True))
        grid = [math.ceil(n / s) if n else 0 for n, s in zip(layout.shape, shard, strict=True)]
        for index in itertools.product(*(range(g) for g in grid)):
            path = directory / "c" / "/".join(map(str, index)) if index else directory / "c"
            if not path.exists():
                continue  # every inner chunk equal to the fill value: the shard is not written
            indexed, empty = check_shard_file(path, per_shard)
            result.shards_checked += 1
            result.chunks_indexed += indexed
            result.empty_chunks += empty
        result.arrays.append(rel)
        if progress is not None:
            progress(1)
    return result


__all__ = ["EMPTY", "ShardCheck", "check_shard_file", "check_shards"]
