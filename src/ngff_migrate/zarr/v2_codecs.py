"""Zarr v2 filters and compressors as Zarr v3 codecs (``bytes``-identical chunks).

See the codec table in :mod:`ngff_migrate.zarr.v2_to_v3`. Pure functions on
the parsed JSON configurations; errors are
:class:`~ngff_migrate.zarr.v2_dtypes.MetadataConversionError` with one line
saying what cannot be expressed.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from typing import Any

from .v2_dtypes import MetadataConversionError, V2DType, parse_dtype, same_layout

#: numcodecs ids registered by zarr-python 3 as array -> array codecs (v2 "filters").
_ARRAY_ARRAY = frozenset(
    {"delta", "fixedscaleoffset", "astype", "quantize", "bitround", "packbits"}
)
#: numcodecs ids registered by zarr-python 3 as bytes -> bytes codecs.
_BYTES_BYTES = frozenset({"blosc", "zstd", "gzip", "zlib", "lz4", "bz2", "lzma", "shuffle", "crc32",
                          "crc32c", "adler32", "fletcher32", "jenkins_lookup3"})
#: numcodecs ids registered by zarr-python 3 as array -> bytes codecs.
_ARRAY_BYTES = frozenset({"zfpy", "pcodec"})
#: compressors with a codec in the Zarr v3 core specification.
_CORE_COMPRESSORS = frozenset({"blosc", "zstd", "gzip"})

_BLOSC_SHUFFLE = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}
_BLOSC_CNAMES = frozenset({"lz4", "lz4hc", "blosclz", "zstd", "snappy", "zlib"})



@contextmanager
def _at(where: str):
    """Append ``at <JSON location in the .zarray>`` to a conversion error raised inside."""
    try:
        yield
    except MetadataConversionError as exc:
        raise MetadataConversionError(f"{exc} at {where}") from None


def _int_conf(conf: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    """An integer codec setting in ``[low, high]`` (bools and other JSON types refused)."""
    value = conf.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MetadataConversionError(f"{conf['id']} {key} {value!r} is not an integer from {low} to {high}")
    return value


def _codec_id(conf: Any, what: str) -> str:
    if not isinstance(conf, dict) or not isinstance(conf.get("id"), str):
        raise MetadataConversionError(f"{what} {conf!r} is not a numcodecs configuration")
    return conf["id"]


def _numcodecs_codec(conf: dict[str, Any]) -> dict[str, Any]:
    """``{"name": "numcodecs.<id>", "configuration": <config without id>}``."""
    config = {k: copy.deepcopy(v) for k, v in conf.items() if k != "id"}
    return {"name": f"numcodecs.{conf['id']}", "configuration": config}


#: the configuration key holding the dtype an array->array filter views its input as.
_FILTER_INPUT_DTYPE_KEY = {
    "delta": "dtype",
    "fixedscaleoffset": "dtype",
    "quantize": "dtype",
    "astype": "decode_dtype",
}


def _check_filter_input(conf: dict[str, Any], current: V2DType) -> None:
    """Reject a filter whose declared input dtype differs from the dtype it receives.

    Zarr v2 filters *reinterpret* the chunk bytes as their ``dtype``
    (``ndarray.view``); Zarr v3 codecs receive *values* of the array's data
    type and zarr-python converts their output back by value.  The two agree
    only when the filter's input dtype equals the array's (or the previous
    filter's output) dtype, byte order included.
    """
    cid = conf["id"]
    key = _FILTER_INPUT_DTYPE_KEY.get(cid)
    if cid == "packbits":
        declared: V2DType | None = parse_dtype("|b1")
    elif key is not None and conf.get(key) is not None:
        declared = parse_dtype(conf[key], what=f"{cid} filter {key}")
    else:
        declared = None
    if declared is not None and not same_layout(declared, current):
        raise MetadataConversionError(
            f"filter {cid} reads its input as {declared.text!r} but receives "
            f"{current.text!r}; Zarr v2 reinterprets the bytes, Zarr v3 codecs do not"
        )


def _filter_output_dtype(conf: dict[str, Any], current: V2DType) -> V2DType:
    """The dtype an array->array numcodecs filter hands to the next codec."""
    cid = conf["id"]
    out: Any = None
    if cid in ("delta", "fixedscaleoffset", "quantize"):
        out = conf.get("astype") or conf.get("dtype")
    elif cid == "astype":
        out = conf.get("encode_dtype")
    elif cid == "packbits":
        out = "|u1"
    if out is None:
        return current
    return parse_dtype(out, what=f"{cid} filter output dtype")


def _blosc_codec(conf: dict[str, Any], typesize: int, notes: list[str]) -> dict[str, Any]:
    cname = conf.get("cname", "lz4")
    if not isinstance(cname, str) or cname not in _BLOSC_CNAMES:
        raise MetadataConversionError(f"blosc cname {cname!r} has no Zarr v3 blosc equivalent")
    shuffle_int = conf.get("shuffle", 1)
    if shuffle_int == -1:
        shuffle = "bitshuffle" if typesize == 1 else "shuffle"
        notes.append(f"blosc shuffle -1 (auto) written as {shuffle!r} for item size {typesize}")
    elif isinstance(shuffle_int, int) and not isinstance(shuffle_int, bool) and shuffle_int in _BLOSC_SHUFFLE:
        shuffle = _BLOSC_SHUFFLE[shuffle_int]
    else:
        raise MetadataConversionError(f"blosc shuffle {shuffle_int!r} is not 0, 1, 2 or -1")
    return {
        "name": "blosc",
        "configuration": {
            "cname": cname,
            "clevel": _int_conf(conf, "clevel", 5, 0, 9),
            "shuffle": shuffle,
            "typesize": typesize,
            "blocksize": _int_conf(conf, "blocksize", 0, 0, 2**31 - 1),
        },
    }


def _bytes_bytes_codec(conf: dict[str, Any], typesize: int, notes: list[str]) -> dict[str, Any]:
    """A v2 compressor/bytes filter as a v3 bytes->bytes codec (core codec when one exists)."""
    cid = conf["id"]
    if cid == "blosc":
        return _blosc_codec(conf, typesize, notes)
    if cid == "zstd":
        if not isinstance(conf.get("checksum", False), bool):
            raise MetadataConversionError(f"zstd checksum {conf['checksum']!r} is not true or false")
        level = _int_conf(conf, "level", 0, -131072, 22)
        return {"name": "zstd", "configuration": {"level": level, "checksum": conf.get("checksum", False)}}
    if cid == "gzip":
        return {"name": "gzip", "configuration": {"level": _int_conf(conf, "level", 1, 0, 9)}}
    return _numcodecs_codec(conf)


def _check_shape(zarray: dict[str, Any]) -> tuple[list[int], list[int]]:
    for key in ("shape", "chunks", "dtype"):
        if key not in zarray:
            raise MetadataConversionError(f".zarray has no {key!r}")
    shape, chunks = zarray["shape"], zarray["chunks"]
    ints = (list, tuple)
    for key, low in (("shape", 0), ("chunks", 1)):
        value = zarray[key]
        if not isinstance(value, ints) or not all(
            isinstance(s, int) and not isinstance(s, bool) and low <= s < 2**63 for s in value
        ):
            word = "non-negative" if low == 0 else "positive"
            raise MetadataConversionError(f"{key} {value!r} is not a list of {word} integers below 2**63 at {key}")
    if len(chunks) != len(shape):
        raise MetadataConversionError(f"chunks {list(chunks)} and shape {list(shape)} differ in length at chunks")
    if not isinstance(zarray.get("filters") or [], list):
        raise MetadataConversionError(f"filters {zarray['filters']!r} is neither null nor a list at filters")
    return list(shape), list(chunks)
