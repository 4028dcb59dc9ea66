"""Codecs of a re-encode as Zarr v3 metadata (Zarr v3 core spec, "Codecs";
the ``blosc``, ``zstd``, ``gzip``, ``bytes``, ``crc32c`` and
``sharding_indexed`` codec specs).

A re-encoded array is always C order with a ``bytes`` codec (little endian
for multi-byte types) followed by at most one compressor; no transpose and
no numcodecs-only filter survives a re-encode.
"""

from __future__ import annotations

from typing import Any

from .options import CodecSpec, parse_codec

#: the codecs every Zarr v3 reader implements (the core spec)
CORE_CODECS = frozenset({"bytes", "transpose", "blosc", "zstd", "gzip", "crc32c", "sharding_indexed"})
#: the compressors of a re-encode (bytes -> bytes codecs)
COMPRESSORS = frozenset({"blosc", "zstd", "gzip"})
#: the codec of a re-encode whose source codec is not core Zarr v3 and no
#: ``--codec`` was given (docs/reencode.md, "Default codec": measured)
DEFAULT_CODEC = "blosc:zstd:1:shuffle"

_ITEMSIZE = {"bool": 1, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
             "int64": 8, "uint64": 8, "float16": 2, "float32": 4, "float64": 8,
             "complex64": 8, "complex128": 16}


def itemsize(data_type: Any) -> int | None:
    """Bytes per element of a Zarr v3 ``data_type`` name; ``None`` for a
    type the engine does not re-encode (strings, structured, extensions)."""
    return _ITEMSIZE.get(data_type) if isinstance(data_type, str) else None


def bytes_codec(size: int) -> dict[str, Any]:
    """The ``bytes`` array -> bytes codec (``endian`` only for multi-byte types)."""
    return {"name": "bytes", "configuration": {"endian": "little"}} if size > 1 else {"name": "bytes"}


def compressor(spec: CodecSpec, size: int) -> list[dict[str, Any]]:
    """The bytes -> bytes codecs for ``spec`` (empty for ``none``); ``size``
    is the item size in bytes (blosc's ``typesize``, which its shuffle uses)."""
    if spec.name == "none":
        return []
    if spec.name == "zstd":
        return [{"name": "zstd", "configuration": {"level": spec.level, "checksum": False}}]
    if spec.name == "gzip":
        return [{"name": "gzip", "configuration": {"level": spec.level}}]
    return [{"name": "blosc", "configuration": {"cname": spec.cname, "clevel": spec.level,
                                               "shuffle": spec.shuffle, "typesize": size, "blocksize": 0}}]


def _names(codecs: list[Any]) -> list[str]:
    return [c.get("name") if isinstance(c, dict) else str(c) for c in codecs]


def inner_codecs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The codecs applied to each chunk of a Zarr v3 array document: the
    ``sharding_indexed`` inner codecs of a sharded array, else ``codecs``."""
    codecs = [c if isinstance(c, dict) else {"name": c} for c in doc.get("codecs") or []]
    if len(codecs) == 1 and codecs[0].get("name") == "sharding_indexed":
        return list((codecs[0].get("configuration") or {}).get("codecs") or [])
    return codecs


def is_core(doc: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether every codec of the array document ``doc`` (sharding inner
    codecs included) is core Zarr v3; ``(False, reason)`` otherwise."""
    names = _names(doc.get("codecs") or []) + _names(inner_codecs(doc))
    odd = sorted({n for n in names if n not in CORE_CODECS})
    if odd:
        return False, f"codecs {', '.join(odd)} are not core Zarr v3"
    return True, None


def target_compressor(doc: dict[str, Any], spec: CodecSpec | None, size: int) -> tuple[list[dict[str, Any]], str]:
    """The compressor codecs of the re-encoded array and why.

    ``spec`` (``--codec``) wins; without it the source's compressor is kept
    when the source is core Zarr v3 (its blosc ``typesize`` set to the item
    size), else :data:`DEFAULT_CODEC` is used.
    """
    if spec is not None:
        return compressor(spec, size), f"codec: --codec {spec.text()}"
    core, why = is_core(doc)
    if not core:
        default = parse_codec(DEFAULT_CODEC)
        return compressor(default, size), f"codec: the default {default.text()} ({why})"
    kept = []
    for codec in inner_codecs(doc):
        if codec.get("name") in COMPRESSORS:
            conf = dict(codec.get("configuration") or {})
            if codec["name"] == "blosc":
                conf["typesize"] = size
            kept.append({"name": codec["name"], "configuration": conf})
    text = "+".join(c["name"] for c in kept) or "no compressor"
    return kept, f"codec: the source's ({text})"


__all__ = ["CORE_CODECS", "DEFAULT_CODEC", "bytes_codec", "compressor", "inner_codecs", "is_core", "itemsize",
           "target_compressor"]
