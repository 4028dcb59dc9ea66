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
from dataclasses import dataclass, field
from typing import Any

from .v2_codecs import (
    _ARRAY_ARRAY,
    _ARRAY_BYTES,
    _BYTES_BYTES,
    _CORE_COMPRESSORS,
    _at,
    _bytes_bytes_codec,
    _check_filter_input,
    _check_shape,
    _codec_id,
    _filter_output_dtype,
    _numcodecs_codec,
)
from .v2_dtypes import MetadataConversionError, convert_fill_value, parse_dtype

__all__ = [
    "ArrayConversion",
    "MetadataConversionError",
    "core_v3_expressible",
    "v2_array_to_v3",
    "v2_group_to_v3",
]


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
        dt = parse_dtype(zarray["dtype"])
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
        fill_value, was_null = convert_fill_value(zarray.get("fill_value"), dt)
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
    typesize = dt.itemsize
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
                typesize = encoded.itemsize
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
