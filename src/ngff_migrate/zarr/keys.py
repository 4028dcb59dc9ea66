"""Chunk keys of a Zarr array, as its metadata defines them.

Zarr v2 storage spec ("Chunk storage": ``0.1.2``, or ``0/1/2`` with
``dimension_separator: "/"``; ``0`` for a zero-dimensional array) and Zarr
v3 core spec ("Chunk key encoding": ``default``, ``c/0/1/2`` or ``c.0.1.2``;
``v2``, as in Zarr v2).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any


def key_form(meta: dict[str, Any], zarr_format: int) -> tuple[str, str]:
    """``(prefix, separator)`` of the chunk keys of the array with metadata
    ``meta`` (a ``.zarray`` for ``zarr_format`` 2, else a ``zarr.json``):
    ``("", ".")``, ``("", "/")``, ``("c", "/")`` or ``("c", ".")``."""
    if zarr_format == 2:
        return "", meta.get("dimension_separator") or "."
    encoding = meta.get("chunk_key_encoding") or {"name": "default"}
    separator = (encoding.get("configuration") or {}).get("separator")
    if encoding.get("name") == "v2":
        return "", separator or "."
    return "c", separator or "/"


def chunk_key(meta: dict[str, Any], zarr_format: int, idx: tuple[int, ...] | list[int]) -> str:
    """The store key of chunk ``idx`` (relative to the array directory): ``0.1.2``,
    ``0/1/2``, ``c/0/1/2``, ``c.0.1.2``; ``0`` (v2) or ``c`` (v3 default) for
    a zero-dimensional array."""
    prefix, separator = key_form(meta, zarr_format)
    if not idx:
        return prefix or "0"
    return separator.join([prefix, *map(str, idx)] if prefix else map(str, idx))


def chunk_grid(meta: dict[str, Any], zarr_format: int) -> tuple[int, ...]:
    """Chunks per dimension of the array (for a sharded v3 array: shards, the
    objects of its store), from ``shape`` and ``chunks`` / ``chunk_grid``."""
    shape = meta.get("shape") or []
    if zarr_format == 2:
        chunks = meta.get("chunks") or []
    else:
        chunks = ((meta.get("chunk_grid") or {}).get("configuration") or {}).get("chunk_shape") or []
    return tuple(-(-s // c) if c else 0 for s, c in zip(shape, chunks, strict=False))


def chunk_keys(meta: dict[str, Any], zarr_format: int) -> Iterator[str]:
    """Every chunk key of the array, in C order (what an HTTP copy asks for:
    a store that cannot be listed holds at most these objects)."""
    grid = chunk_grid(meta, zarr_format)
    for idx in itertools.product(*(range(g) for g in grid)):
        yield chunk_key(meta, zarr_format, idx)


def is_chunk_key(rel: str, meta: dict[str, Any], zarr_format: int) -> bool:
    """Whether ``rel`` (a POSIX path relative to the array directory) is a
    chunk key of the array: every part a non-negative integer, one per
    dimension. A file that is not a chunk key (a note someone left in the
    array directory) is not pixel data."""
    prefix, separator = key_form(meta, zarr_format)
    ndim = len(meta.get("shape") or ())
    if ndim == 0:
        return rel == (prefix or "0")
    if separator == "." and "/" in rel:
        return False
    if prefix:
        if not rel.startswith(prefix + separator):
            return False
        rel = rel[len(prefix) + 1:]
    parts = rel.split(separator)
    return len(parts) == ndim and all(p.isdigit() for p in parts)


def is_chunk_of(rel: str, arrays: dict[str, tuple[dict[str, Any], int]]) -> bool:
    """Whether the file ``rel`` (a POSIX path relative to a dataset root) is
    a chunk key of one of ``arrays`` (array path -> ``(metadata,
    zarr_format)``), the innermost array directory holding it deciding."""
    parts = rel.split("/")
    for cut in range(len(parts) - 1, -1, -1):
        found = arrays.get("/".join(parts[:cut]))
        if found is not None:
            return is_chunk_key("/".join(parts[cut:]), found[0], found[1])
    return False


__all__ = ["chunk_grid", "chunk_key", "chunk_keys", "is_chunk_key", "is_chunk_of", "key_form"]
