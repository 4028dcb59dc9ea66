"""Zarr v2 data types and fill values, as Zarr v3 sees them.

A Zarr v2 ``dtype`` is a NumPy *typestr* (Zarr v2 storage spec, "Data type
encoding"): a byte-order character (``<`` little, ``>`` big, ``|`` not
applicable, ``=`` native), a kind character and the item size in bytes,
e.g. ``"<u2"``, ``">f4"``, ``"|b1"``; a structured dtype is a list. Only the
kinds and sizes with a byte-identical Zarr v3 core data type convert
(:data:`V3_NAMES`). Parsed here without NumPy, so that a metadata-only
migration does not import it.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from .jsonio import float_json


class MetadataConversionError(Exception):
    """A Zarr v2 array's metadata cannot be expressed as Zarr v3 metadata over the same chunks.

    The message is one line saying what is unsupported (no file name: the
    caller adds it).
    """


#: (kind, item size in bytes) -> Zarr v3 core data type.
V3_NAMES = {("b", 1): "bool", ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32", ("i", 8): "int64",
            ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32", ("u", 8): "uint64",
            ("f", 2): "float16", ("f", 4): "float32", ("f", 8): "float64",
            ("c", 8): "complex64", ("c", 16): "complex128"}

_KIND_WORDS = {
    "O": "object",
    "U": "fixed-length unicode string",
    "S": "fixed-length bytes string",
    "a": "fixed-length bytes string",
    "V": "raw/void",
    "M": "datetime64",
    "m": "timedelta64",
}
_TYPESTR = re.compile(r"([<>|=]?)([bBiufcmMOSUVa])(\d*)(\[[A-Za-z0-9]+\])?")


@dataclass(frozen=True)
class V2DType:
    """A parsed v2 dtype: its text, kind (``b i u f c``), item size in
    bytes, Zarr v3 name and the byte order of the stored bytes (``"little"``,
    ``"big"``, or ``None`` for 1-byte types)."""

    text: str
    kind: str
    itemsize: int
    v3_name: str
    endian: str | None


def parse_dtype(value: Any, *, what: str = "dtype") -> V2DType:
    """Parse a v2 dtype (``"<u2"``, ``">f4"``, ``"|b1"``).

    Raises
    ------
    MetadataConversionError
        For structured, object, string, void, datetime and other dtypes
        without a byte-identical Zarr v3 core data type, and for text that
        is not a typestr.
    """
    if isinstance(value, list):
        raise MetadataConversionError(f"structured {what} {json.dumps(value)} has no Zarr v3 core data type")
    if not isinstance(value, str) or not value:
        raise MetadataConversionError(f"{what} {value!r} is not a Zarr v2 dtype string")
    m = _TYPESTR.fullmatch(value)
    if m is None:
        raise MetadataConversionError(f"{what} {value!r} is not a valid dtype")
    order, kind, size_text, _unit = m.groups()
    if len(size_text) > 4 or (not size_text and kind not in "OMm"):
        raise MetadataConversionError(f"{what} {value!r} is not a valid dtype")
    size = int(size_text or 0)
    name = V3_NAMES.get((kind, size))
    if name is None:
        word = _KIND_WORDS.get(kind, f"{size * 8}-bit {kind!r}")
        raise MetadataConversionError(f"{word} {what} {value!r} has no byte-identical Zarr v3 core data type")
    if size == 1:
        endian = None
    elif order == ">":
        endian = "big"
    elif order == "<":
        endian = "little"
    else:  # "=" (native), "|" or no prefix: the bytes were written in the writer's order
        endian = sys.byteorder
    return V2DType(value, kind, size, name, endian)


def same_layout(a: V2DType, b: V2DType) -> bool:
    """Whether two dtypes have the same kind, item size and byte order."""
    return a.kind == b.kind and a.itemsize == b.itemsize and a.endian == b.endian


def convert_fill_value(value: Any, dt: V2DType) -> tuple[Any, bool]:
    """``(v3 fill_value, was_null)`` for a v2 fill value of data type ``dt``.

    ``null`` becomes the data type's zero (``was_null``); floats use the v3
    JSON form (``"NaN"``, ``"Infinity"``, ``"-Infinity"``), complex values
    ``[re, im]``.

    Raises
    ------
    MetadataConversionError
        For a value not valid for the dtype (out of range, wrong type).
    """
    kind = dt.kind
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
            bits = 8 * dt.itemsize
            low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind == "i" else (0, (1 << bits) - 1)
            if low <= value <= high:
                return value, False
            raise MetadataConversionError(f"fill_value {value} is out of range for dtype {dt.text!r}")
    elif kind == "f":
        return _float(value, dt.text), False
    elif kind == "c":
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return [_float(value[0], dt.text), _float(value[1], dt.text)], False
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return [_float(value, dt.text), 0.0], False
    raise MetadataConversionError(f"fill_value {value!r} is not valid for dtype {dt.text!r}")


def _float(value: Any, dtype_text: str) -> float | str:
    out = float_json(value)
    if out is None:
        raise MetadataConversionError(f"fill_value {value!r} is not valid for dtype {dtype_text!r}")
    return out
