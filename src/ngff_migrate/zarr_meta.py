"""Zarr v2 -> Zarr v3 metadata conversion that keeps every chunk file byte-identical.

An OME-Zarr 0.4 tree stores its arrays in Zarr v2 (``.zarray`` + ``.zattrs``,
chunk files named ``0.0.1`` or ``0/0/1``).  Zarr v3 can describe exactly the
same chunk files if the ``zarr.json`` written next to them uses

* ``chunk_key_encoding: {"name": "v2", "configuration": {"separator": ...}}``
  so the chunk keys stay the same, and
* a codec chain that decodes the existing bytes to the same array:
  ``[transpose (order "F")] + [array->array filters] + bytes (endian) +
  [bytes->bytes filters] + [compressor]``.

Everything here is a pure function on dicts (the parsed JSON documents); the
caller reads and writes the files.  References:

* Zarr v2 storage spec: https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html
* Zarr v3 core spec: https://zarr-specs.readthedocs.io/en/latest/v3/core/index.html
  (data types, ``fill_value`` JSON encoding, ``v2`` chunk key encoding,
  ``bytes``/``transpose``/``blosc``/``gzip``/``zstd`` codecs)
* zarr-python 3 ``zarr.codecs.numcodecs`` for the ``numcodecs.<id>`` codec names
  (configuration = the numcodecs config without ``id``).

Codec mapping (``v2 -> v3``):

============================  ==============================================
v2                            v3 codec(s)
============================  ==============================================
``order: "F"`` (ndim >= 2)    ``transpose`` with ``order = [n-1, ..., 0]``
                              (first in the chain; omitted for ndim <= 1,
                              where F and C order are the same bytes)
dtype ``<u2``, ``>f4``, ...   ``data_type`` name + ``bytes`` with ``endian``
                              (no ``endian`` for 1-byte types)
filter ``delta``,             ``numcodecs.<id>`` array->array codec, before
``fixedscaleoffset``,         ``bytes``, configuration = the v2 filter config
``astype``, ``quantize``,     without ``id``
``bitround``, ``packbits``
filter ``crc32``, ``crc32c``, ``numcodecs.<id>`` bytes->bytes codec, after
``adler32``, ``fletcher32``,  ``bytes`` and before the compressor
``jenkins_lookup3``,
``shuffle``, ``zlib``, ...    (a ``blosc``/``zstd``/``gzip`` *filter* becomes
                              the core codec, as for compressors below)
compressor ``blosc``          core ``blosc``: ``cname``, ``clevel``, ``shuffle``
                              (0/1/2 -> ``noshuffle``/``shuffle``/``bitshuffle``;
                              -1 "auto" -> ``bitshuffle`` for 1-byte items,
                              else ``shuffle``, as numcodecs does),
                              ``typesize`` (item size of the encoded buffer),
                              ``blocksize``
compressor ``zstd``           core ``zstd``: ``level``, ``checksum``
compressor ``gzip``           core ``gzip``: ``level``
compressor ``zlib``, ``lz4``, ``numcodecs.<id>`` bytes->bytes codec
``bz2``, ``lzma``, other
compressor ``zfpy``,          ``numcodecs.<id>`` array->bytes codec, replacing
``pcodec``                    ``bytes``
============================  ==============================================

Known limits (zarr-python 3.1.6):

* A v2 filter whose declared input dtype differs from the dtype it receives
  (e.g. a ``<u2`` array with ``Delta(dtype=">u2")``) round-trips in v2, which
  reinterprets bytes, but not in v3, where codecs pass values: rejected.
* ``order: "F"`` together with array->array filters *reads* correctly through
  the v3 metadata, but zarr-python 3.1 encodes new chunks through
  ``transpose`` + ``numcodecs.*`` filters in the wrong element order; such
  conversions carry a note saying not to write through the v3 metadata.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ArrayConversion",
    "MetadataConversionError",
    "core_v3_expressible",
    "dumps_json",
    "v2_array_to_v3",
    "v2_group_to_v3",
]


class MetadataConversionError(Exception):
    """A Zarr v2 array's metadata cannot be expressed as Zarr v3 metadata over the same chunks.

    The message is one line saying what is unsupported (no file name: the
    caller adds it).
    """


@dataclass(frozen=True)
class ArrayConversion:
    """Result of :func:`v2_array_to_v3`.

    Attributes
    ----------
    metadata:
        The Zarr v3 array ``zarr.json`` document.
    notes:
        Human-readable warnings about the conversion (e.g. a ``null``
        fill value replaced by ``0``, codecs outside the v3 core spec).
    metadata_only:
        Always ``True``: the chunk files are reused unchanged.
    fill_value_was_null:
        The v2 ``fill_value`` was ``null`` and was replaced by the data
        type's zero.
    """

    metadata: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    metadata_only: bool = True
    fill_value_was_null: bool = False


# --------------------------------------------------------------------------- codecs

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

# --------------------------------------------------------------------------- data types

_V3_NAMES = {("b", 1): "bool", ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32", ("i", 8): "int64",
             ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32", ("u", 8): "uint64",
             ("f", 2): "float16", ("f", 4): "float32", ("f", 8): "float64",
             ("c", 8): "complex64", ("c", 16): "complex128"}

_KIND_WORDS = {
    "O": "object",
    "U": "fixed-length unicode string",
    "S": "fixed-length bytes string",
    "V": "raw/void",
    "M": "datetime64",
    "m": "timedelta64",
}


@dataclass(frozen=True)
class _DType:
    """A parsed v2 dtype: numpy dtype, v3 name and byte order of the stored bytes."""

    text: str
    np_dtype: np.dtype
    v3_name: str
    endian: str | None  # "little", "big" or None for 1-byte types


def _parse_dtype(value: Any, *, what: str = "dtype") -> _DType:
    """Parse a v2 dtype (``"<u2"``, ``">f4"``, ``"|b1"``) into a :class:`_DType`.

    Raises MetadataConversionError for structured, object, string, void,
    datetime and other dtypes without a byte-identical Zarr v3 core data type.
    """
    if isinstance(value, list):
        raise MetadataConversionError(
            f"structured {what} {json.dumps(value)} has no Zarr v3 core data type"
        )
    if not isinstance(value, str) or not value:
        raise MetadataConversionError(f"{what} {value!r} is not a Zarr v2 dtype string")
    try:
        dt = np.dtype(value)
    except Exception as exc:  # numpy raises TypeError, ValueError, SyntaxError, ... for odd strings
        raise MetadataConversionError(f"{what} {value!r} is not a valid dtype") from exc
    if dt.fields is not None:
        raise MetadataConversionError(f"structured {what} {value!r} has no Zarr v3 core data type")
    name = _V3_NAMES.get((dt.kind, dt.itemsize))
    if name is None:
        word = _KIND_WORDS.get(dt.kind, f"{dt.itemsize * 8}-bit {dt.kind!r}")
        raise MetadataConversionError(
            f"{word} {what} {value!r} has no byte-identical Zarr v3 core data type"
        )
    if dt.itemsize == 1:
        endian = None
    elif value[0] == ">" or (value[0] != "<" and dt.byteorder == ">"):
        endian = "big"
    elif value[0] == "<" or dt.byteorder == "<":
        endian = "little"
    else:  # "=" (native) or no prefix: the bytes were written in the writer's order
        endian = sys.byteorder
    return _DType(value, dt, name, endian)


# --------------------------------------------------------------------------- fill values


def _float_json(value: Any, dtype_text: str) -> float | str:
    """A float fill value in v3 JSON form (numbers, or "NaN"/"Infinity"/"-Infinity")."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int) and abs(value) < 2**1023:
        return float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return value
        if value.startswith("0x"):  # v3 hex form, kept verbatim
            return value
    raise MetadataConversionError(f"fill_value {value!r} is not valid for dtype {dtype_text!r}")


def _convert_fill_value(value: Any, dt: _DType) -> tuple[Any, bool]:
    """Return ``(v3 fill_value, was_null)`` for a v2 fill value of data type ``dt``."""
    kind = dt.np_dtype.kind
    if value is None:
        zero: Any = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": [0.0, 0.0]}[kind]
        return zero, True
    if kind == "b":
        if isinstance(value, bool):
            return value, False
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value), False
    elif kind in "iu":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            info = np.iinfo(dt.np_dtype)
            if info.min <= value <= info.max:
                return value, False
            raise MetadataConversionError(
                f"fill_value {value} is out of range for dtype {dt.text!r}"
            )
    elif kind == "f":
        return _float_json(value, dt.text), False
    elif kind == "c":
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return [_float_json(value[0], dt.text), _float_json(value[1], dt.text)], False
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return [_float_json(value, dt.text), 0.0], False
    raise MetadataConversionError(f"fill_value {value!r} is not valid for dtype {dt.text!r}")


# --------------------------------------------------------------------------- codec helpers


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


def _same_layout(a: _DType, b: _DType) -> bool:
    """Whether two dtypes have the same kind, item size and byte order."""
    return (
        a.np_dtype.kind == b.np_dtype.kind
        and a.np_dtype.itemsize == b.np_dtype.itemsize
        and a.endian == b.endian
    )


def _check_filter_input(conf: dict[str, Any], current: _DType) -> None:
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
        declared: _DType | None = _parse_dtype("|b1")
    elif key is not None and conf.get(key) is not None:
        declared = _parse_dtype(conf[key], what=f"{cid} filter {key}")
    else:
        declared = None
    if declared is not None and not _same_layout(declared, current):
        raise MetadataConversionError(
            f"filter {cid} reads its input as {declared.text!r} but receives "
            f"{current.text!r}; Zarr v2 reinterprets the bytes, Zarr v3 codecs do not"
        )


def _filter_output_dtype(conf: dict[str, Any], current: _DType) -> _DType:
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
    return _parse_dtype(out, what=f"{cid} filter output dtype")


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


# --------------------------------------------------------------------------- public API


def v2_array_to_v3(
    zarray: dict[str, Any],
    zattrs: dict[str, Any] | None = None,
    dimension_names: list[str | None] | None = None,
) -> ArrayConversion:
    """Convert a Zarr v2 ``.zarray`` document to a Zarr v3 array ``zarr.json`` document.

    The result describes the *existing* chunk files byte-for-byte: no chunk
    needs rewriting (``metadata_only`` is always ``True``).

    Parameters
    ----------
    zarray:
        The parsed ``.zarray`` (Zarr v2 spec, "Metadata"): ``shape``,
        ``chunks`` (same length, axis order as stored), ``dtype`` (a
        typestr with byte order, ``"<u2"``, ``">f4"``, ``"|u1"``, ...),
        ``compressor``, ``fill_value``, ``order`` (``"C"``/``"F"``),
        ``filters`` and optionally ``dimension_separator`` (default ``"."``).
    zattrs:
        The ``.zattrs`` content (possibly filtered by the caller); becomes
        ``attributes``, omitted when empty or ``None``.
    dimension_names:
        Optional name per axis (same axis order as ``shape``); written as
        ``dimension_names``.

    Returns
    -------
    ArrayConversion
        ``metadata`` keys, in this order: ``zarr_format`` (3), ``node_type``
        (``"array"``), ``shape``, ``data_type``, ``chunk_grid`` (regular,
        ``chunk_shape`` = v2 ``chunks``), ``chunk_key_encoding`` (``v2`` with
        the v2 separator), ``fill_value`` (v3 JSON encoding: ``"NaN"``,
        ``"Infinity"``, ``"-Infinity"`` strings, complex as ``[re, im]``;
        ``null`` becomes the data type's zero), ``codecs``, then
        ``attributes`` and ``dimension_names`` when present.  No
        ``storage_transformers``.

    Raises
    ------
    MetadataConversionError
        Structured, object, string/unicode, bytes, void, datetime/timedelta
        or extended-precision dtypes (no byte-identical v3 core data type);
        filters zarr-python 3 has no codec for (e.g. ``categorize``,
        ``vlen-utf8``) or in an order no v3 codec chain reproduces (an
        array->array filter after a bytes->bytes one); a filter whose declared
        input dtype (``dtype``/``decode_dtype``) differs from the dtype it
        receives, byte order included (v2 reinterprets bytes, v3 converts
        values); an unknown ``order``;
        a ``fill_value`` not valid for the dtype; ``dimension_names`` whose
        length differs from the number of dimensions; a malformed
        ``.zarray`` (missing keys, ``zarr_format`` other than 2).
    """
    if not isinstance(zarray, dict):
        raise MetadataConversionError(".zarray is not a JSON object")
    fmt = zarray.get("zarr_format", 2)
    if fmt != 2:
        raise MetadataConversionError(f"zarr_format {fmt!r} is not a Zarr v2 array")
    shape, chunks = _check_shape(zarray)
    ndim = len(shape)
    with _at("dtype"):
        dt = _parse_dtype(zarray["dtype"])
    notes: list[str] = []

    order = zarray.get("order", "C")
    if order not in ("C", "F"):
        raise MetadataConversionError(f"order {order!r} is neither 'C' nor 'F' at order")
    separator = zarray.get("dimension_separator") or "."
    if separator not in (".", "/"):
        raise MetadataConversionError(f"dimension_separator {separator!r} is neither '.' nor '/' at dimension_separator")

    if dimension_names is not None:
        names = list(dimension_names)
        if len(names) != ndim:
            raise MetadataConversionError(
                f"{len(names)} dimension_names given for a {ndim}-D array"
            )
        if not all(n is None or isinstance(n, str) for n in names):
            raise MetadataConversionError(f"dimension_names {names!r} are not all strings")

    with _at("fill_value"):
        fill_value, was_null = _convert_fill_value(zarray.get("fill_value"), dt)
    if was_null:
        zero = json.dumps(fill_value)
        notes.append(f"fill_value null replaced by {zero} (the {dt.v3_name} zero)")

    # ---- codec chain: transpose, array->array filters, array->bytes, bytes->bytes
    array_array: list[dict[str, Any]] = []
    array_bytes: dict[str, Any] | None = None
    bytes_bytes: list[dict[str, Any]] = []
    if order == "F" and ndim > 1:
        array_array.append(
            {"name": "transpose", "configuration": {"order": list(range(ndim - 1, -1, -1))}}
        )

    encoded = dt  # dtype of the array reaching the array->bytes codec
    after_bytes = False  # a bytes-level codec was already placed
    typesize = dt.np_dtype.itemsize
    for index, conf in enumerate(zarray.get("filters") or []):
        with _at(f"filters[{index}]"):
            cid = _codec_id(conf, "filter")
            if cid in _ARRAY_ARRAY:
                if after_bytes:
                    raise MetadataConversionError(
                        f"filter {cid} (array->array) follows a bytes-level filter; "
                        "no Zarr v3 codec order reproduces it"
                    )
                _check_filter_input(conf, encoded)
                array_array.append(_numcodecs_codec(conf))
                encoded = _filter_output_dtype(conf, encoded)
                typesize = encoded.np_dtype.itemsize
            elif cid in _ARRAY_BYTES:
                if after_bytes:
                    raise MetadataConversionError(
                        f"filter {cid} (array->bytes) follows a bytes-level filter; "
                        "no Zarr v3 codec order reproduces it"
                    )
                array_bytes = _numcodecs_codec(conf)
                after_bytes = True
                typesize = 1
            elif cid in _BYTES_BYTES:
                bytes_bytes.append(_bytes_bytes_codec(conf, typesize, notes))
                after_bytes = True
                typesize = 1
            else:
                raise MetadataConversionError(
                    f"filter {cid} has no Zarr v3 codec in zarr-python (no numcodecs.{cid})"
                )

    compressor = zarray.get("compressor")
    if compressor is not None:
        with _at("compressor"):
            cid = _codec_id(compressor, "compressor")
            if cid in _ARRAY_BYTES:
                if after_bytes:
                    raise MetadataConversionError(
                        f"compressor {cid} (array->bytes) follows a bytes-level filter; "
                        "no Zarr v3 codec order reproduces it"
                    )
                array_bytes = _numcodecs_codec(compressor)
            else:
                if cid not in _BYTES_BYTES:
                    notes.append(
                        f"compressor {cid} is not registered by zarr-python 3.1; written as "
                        f"numcodecs.{cid}, readers need a codec plugin for it"
                    )
                bytes_bytes.append(_bytes_bytes_codec(compressor, typesize, notes))

    if array_bytes is None:
        bytes_conf: dict[str, Any] = {}
        if encoded.endian is not None:
            bytes_conf["endian"] = encoded.endian
        array_bytes = {"name": "bytes", "configuration": bytes_conf}
        if not bytes_conf:
            del array_bytes["configuration"]

    codecs = [*array_array, array_bytes, *bytes_bytes]
    if order == "F" and ndim > 1 and len(array_array) > 1:
        notes.append(
            "order F with filters: zarr-python 3.1 reads these chunks correctly but "
            "encodes new chunks through transpose + numcodecs filters in the wrong "
            "element order; do not write to this array through the v3 metadata"
        )
    extension = [c["name"] for c in codecs if c["name"].startswith("numcodecs.")]
    if extension:
        notes.append(
            "codecs outside the Zarr v3 core spec (zarr-python reads them, other "
            f"implementations may not): {', '.join(extension)}"
        )

    doc: dict[str, Any] = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": shape,
        "data_type": dt.v3_name,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
        "chunk_key_encoding": {"name": "v2", "configuration": {"separator": separator}},
        "fill_value": fill_value,
        "codecs": codecs,
    }
    if zattrs:
        doc["attributes"] = copy.deepcopy(zattrs)
    if dimension_names is not None:
        doc["dimension_names"] = list(dimension_names)
    return ArrayConversion(
        metadata=doc, notes=notes, metadata_only=True, fill_value_was_null=was_null
    )


def v2_group_to_v3(zattrs: dict[str, Any] | None) -> dict[str, Any]:
    """Convert a Zarr v2 group (its ``.zattrs``) to a Zarr v3 group ``zarr.json`` document.

    Returns ``{"zarr_format": 3, "node_type": "group", "attributes": {...}}``.
    ``attributes`` is always present, ``{}`` when ``zattrs`` is ``None`` or
    empty, so every group document has the same shape (the v3 spec allows it
    to be omitted; both forms are equivalent).  Raises nothing.
    """
    return {
        "zarr_format": 3,
        "node_type": "group",
        "attributes": copy.deepcopy(zattrs) if zattrs else {},
    }


def core_v3_expressible(zarray: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether a v2 array converts to v3 using only codecs of the Zarr v3 core spec.

    Returns ``(True, None)`` when :func:`v2_array_to_v3` produces only
    ``transpose``/``bytes``/``blosc``/``zstd``/``gzip`` codecs, else
    ``(False, reason)``, e.g. ``"filters delta have no core v3 codec"``,
    ``"compressor zlib has no core v3 codec"``.  When the array cannot be
    converted at all, the reason is the :class:`MetadataConversionError`
    message.  Never raises.
    """
    try:
        result = v2_array_to_v3(zarray)
    except MetadataConversionError as exc:
        return False, str(exc)
    filters = [f["id"] for f in zarray.get("filters") or [] if f["id"] not in _CORE_COMPRESSORS]
    if filters:
        return False, f"filters {', '.join(filters)} have no core v3 codec"
    compressor = zarray.get("compressor")
    if compressor is not None and compressor["id"] not in _CORE_COMPRESSORS:
        return False, f"compressor {compressor['id']} has no core v3 codec"
    names = [c["name"] for c in result.metadata["codecs"]]
    odd = [n for n in names if n.startswith("numcodecs.")]
    if odd:  # pragma: no cover - covered by the two checks above
        return False, f"codecs {', '.join(odd)} are not core v3 codecs"
    return True, None


# --------------------------------------------------------------------------- JSON


def _normalise(value: Any, where: str) -> Any:
    """Plain-JSON copy of ``value``; numpy scalars/arrays and tuples converted."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"JSON object key {k!r} at {where or '$'} is not a string")
            out[k] = _normalise(v, f"{where}.{k}" if where else k)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(
            f"non-finite number {value!r} at {where or '$'} cannot be written as JSON "
            '(Zarr v3 fill values use the strings "NaN", "Infinity", "-Infinity")'
        )
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, complex):
        raise TypeError(f"complex number at {where or '$'} cannot be written as JSON")
    raise TypeError(f"{type(value).__name__} at {where or '$'} cannot be written as JSON")


def dumps_json(doc: dict[str, Any]) -> bytes:
    """The canonical bytes written for every JSON document of the project.

    UTF-8, ``indent=2``, ``ensure_ascii=False``, keys in the order given,
    one trailing newline.  numpy scalars/arrays and tuples are written as
    plain JSON values.  A top-level ``fill_value`` that is a non-finite float
    is written as the Zarr v3 string encoding (``"NaN"``, ``"Infinity"``,
    ``"-Infinity"``); a non-finite float anywhere else raises
    :class:`ValueError` (JSON has no such numbers, and the project never
    writes the non-standard ``NaN`` token); a value JSON cannot hold
    (complex, set, non-string key, arbitrary object) raises :class:`TypeError`.
    """
    doc = dict(doc)
    fv = doc.get("fill_value")
    if isinstance(fv, (float, np.floating)) and not math.isfinite(fv):
        doc["fill_value"] = _float_json(float(fv), "float")
    elif isinstance(fv, (list, tuple)):
        doc["fill_value"] = [
            _float_json(float(x), "complex")
            if isinstance(x, (float, np.floating)) and not math.isfinite(x)
            else x
            for x in fv
        ]
    plain = _normalise(doc, "")
    text = json.dumps(plain, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
