"""Zarr metadata in the reverse maps: Zarr v2 ``.zarray`` rebuilt from the v3
``zarr.json`` the migration wrote, and the legacy group documents
(``.zattrs``/``.zgroup`` or a v3 ``zarr.json``) of a group (DESIGN §6).

The ``.zarray`` is the inverse of :mod:`ngff_migrate.zarr.v2_to_v3`:
``shape``; ``chunks`` from the regular grid; ``dtype`` from ``data_type`` and
the ``bytes`` codec's ``endian``; ``fill_value`` from its v3 JSON form
(``"NaN"`` etc. are the floats they name); ``order`` ``F`` for a leading
``transpose`` with the reversed axis order; array->array ``numcodecs.*``
codecs and every bytes->bytes codec after ``bytes`` as the v2 pipeline
(``blosc``/``zstd``/``gzip`` back to their numcodecs configurations, the
last one the ``compressor``); ``dimension_separator`` from the ``v2`` chunk
key encoding. A ``default`` chunk key encoding or any other ``transpose``
cannot be v2 and shows as a mismatch.

What "equal" means for a ``.zarray`` (:func:`canon_zarray`, applied to the
input and the rebuilt document alike):

* ``filters`` and ``compressor`` compare as one pipeline ``filters +
  [compressor]`` (shown as ``filters+compressor``): v2 applies the filters,
  then the compressor, and Zarr v3 has one codec chain, so where the input
  split it is not recorded;
* codec settings left out compare as numcodecs' defaults (blosc ``cname``
  lz4, ``clevel`` 5, ``shuffle`` 1, ``blocksize`` 0; zstd ``level`` 0,
  ``checksum`` false; gzip ``level`` 1); blosc ``shuffle`` -1 (auto) is the
  shuffle numcodecs picks (bit-shuffle for 1-byte items, else byte-shuffle);
  the v3 blosc ``typesize`` is not a v2 setting and is not compared;
* ``dtype`` compares as the data type and byte order (``|u1`` = ``<u1``;
  ``=``/``|`` on a multi-byte type is the writer's native order);
* ``fill_value`` compares by value for the data type (``null`` = the type's
  zero, the migration's documented replacement; ``0``/``1`` = ``false``/
  ``true`` for ``bool``; a scalar = ``[x, 0]`` for complex types; NaN = NaN);
* ``order`` ``F`` on an array of fewer than two dimensions is ``C`` (the same
  bytes); an absent ``order``, ``filters``, ``dimension_separator`` or
  ``zarr_format`` is ``C``, none, ``.`` and 2;
* every other key is compared as is (a key the v3 metadata cannot hold is
  reported lost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...zarr.v2_codecs import _ARRAY_ARRAY, _ARRAY_BYTES
from ...zarr.v2_dtypes import V3_NAMES, MetadataConversionError, parse_dtype
from .reverse import Output, Rebuilt, Trace, join

_KIND_SIZE = {name: key for key, name in V3_NAMES.items()}
_SHUFFLE = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
_DEFAULTS = {"blosc": {"cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
             "zstd": {"level": 0, "checksum": False}, "gzip": {"level": 1}}
PIPELINE = "filters+compressor"


# --------------------------------------------------------------------------- v3 -> v2


def zarray_from_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """The Zarr v2 ``.zarray`` a Zarr v3 array document stands for (module
    docstring). Values that have no v2 form are written as ``"<...>"`` text
    so that the comparison reports them. Never raises."""
    shape = doc.get("shape")
    grid = (doc.get("chunk_grid") or {}).get("configuration") or {}
    codecs = [c if isinstance(c, dict) else {"name": c} for c in doc.get("codecs") or []]
    order = "C"
    if codecs and codecs[0].get("name") == "transpose":
        perm = (codecs.pop(0).get("configuration") or {}).get("order")
        ndim = len(shape) if isinstance(shape, list) else 0
        order = "F" if perm == list(range(ndim - 1, -1, -1)) else f"<transpose {perm}>"
    pipeline: list[dict[str, Any]] = []
    endian = None
    for codec in codecs:
        name, conf = codec.get("name"), dict(codec.get("configuration") or {})
        if name == "bytes":
            endian = conf.get("endian")
        elif name in ("blosc", "zstd", "gzip"):
            if name == "blosc":
                conf.pop("typesize", None)
                conf["shuffle"] = _SHUFFLE.get(conf.get("shuffle"), conf.get("shuffle"))
            pipeline.append({"id": name, **conf})
        elif isinstance(name, str) and name.startswith("numcodecs."):
            pipeline.append({"id": name[len("numcodecs."):], **conf})
        else:
            pipeline.append({"id": f"<v3 codec {name!r}>", **conf})
    kind_size = _KIND_SIZE.get(doc.get("data_type"))
    if kind_size is None:
        dtype = f"<data type {doc.get('data_type')!r}>"
    else:
        mark = "|" if kind_size[1] == 1 else {"big": ">", "little": "<"}.get(endian, "<")
        dtype = f"{mark}{kind_size[0]}{kind_size[1]}"
    encoding = doc.get("chunk_key_encoding") or {}
    if encoding.get("name") == "v2":
        separator = (encoding.get("configuration") or {}).get("separator", ".")
    else:
        separator = f"<chunk key encoding {encoding.get('name')!r}>"
    bytes_level = [i for i, c in enumerate(pipeline) if c["id"] not in _ARRAY_ARRAY]
    compressor = pipeline.pop() if bytes_level and bytes_level[-1] == len(pipeline) - 1 else None
    return {"zarr_format": 2, "shape": shape, "chunks": grid.get("chunk_shape"), "dtype": dtype,
            "fill_value": _fill_v2(doc.get("fill_value")), "order": order, "filters": pipeline or None,
            "compressor": compressor, "dimension_separator": separator}


def _fill_v2(value: Any) -> Any:
    if isinstance(value, list):
        return [_fill_v2(v) for v in value]
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return value


# --------------------------------------------------------------------------- comparison form


def canon_zarray(doc: Any) -> Any:
    """The comparison form of a ``.zarray`` (module docstring). Never raises."""
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    out.setdefault("zarr_format", 2)
    try:
        dt = parse_dtype(out.get("dtype"))
    except MetadataConversionError:
        dt = None
    pipeline = list(out.pop("filters", None) or [])
    if out.get("compressor") is not None:
        pipeline.append(out["compressor"])
    out.pop("compressor", None)
    out[PIPELINE] = _canon_pipeline(pipeline, dt.itemsize if dt else 1)
    has_array_bytes = any(isinstance(c, dict) and c.get("id") in _ARRAY_BYTES for c in pipeline)
    if dt is not None:
        out["dtype"] = {"data_type": dt.v3_name, "endian": None if has_array_bytes else dt.endian}
        out["fill_value"] = _canon_fill(out.get("fill_value"), dt.kind)
    ndim = len(out["shape"]) if isinstance(out.get("shape"), list) else 0
    if out.get("order", "C") == "F" and ndim < 2:
        out["order"] = "C"
    out.setdefault("order", "C")
    if out.get("dimension_separator") is None:
        out["dimension_separator"] = "."
    return out


def _canon_pipeline(pipeline: list[Any], itemsize: int) -> list[Any]:
    out, typesize = [], itemsize
    for conf in pipeline:
        if not isinstance(conf, dict):
            out.append(conf)
            continue
        cid = conf.get("id")
        entry = {"id": cid, **_DEFAULTS.get(cid, {}), **{k: v for k, v in conf.items() if k != "id"}}
        if cid == "blosc":
            entry.pop("typesize", None)
            if entry.get("shuffle") == -1:
                entry["shuffle"] = 2 if typesize == 1 else 1
        out.append(entry)
        if cid in _ARRAY_ARRAY:
            typesize = _filter_itemsize(conf, typesize)
        else:
            typesize = 1
    return out


def _filter_itemsize(conf: dict[str, Any], current: int) -> int:
    """Item size an array->array numcodecs filter hands on (numcodecs semantics)."""
    cid = conf.get("id")
    text = {"astype": conf.get("encode_dtype"), "packbits": "|u1"}.get(cid, conf.get("astype") or conf.get("dtype"))
    try:
        return parse_dtype(text).itemsize if text else current
    except MetadataConversionError:
        return current


def _canon_fill(value: Any, kind: str) -> Any:
    if value is None:
        return {"b": False, "i": 0, "u": 0, "f": 0.0, "c": [0.0, 0.0]}[kind]
    if kind == "b" and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if kind == "f":
        return _canon_float(value)
    if kind == "c":
        pair = value if isinstance(value, list) else [value, 0.0]
        return [_canon_float(v) for v in pair]
    return value


def _canon_float(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def canon_v3(doc: Any, canon_ome: Callable[[Any], Any] | None = None) -> Any:
    """Comparison form of a Zarr v3 ``zarr.json``: without ``consolidated_metadata``
    (a cache of the other documents, not rewritten; ``docs/decisions.md``)
    and with ``canon_ome`` applied to ``attributes.ome``."""
    if not isinstance(doc, dict):
        return doc
    out = {k: v for k, v in doc.items() if k != "consolidated_metadata"}
    attrs = out.get("attributes")
    if canon_ome is not None and isinstance(attrs, dict) and "ome" in attrs:
        out["attributes"] = {**attrs, "ome": canon_ome(attrs["ome"])}
    return out


# --------------------------------------------------------------------------- documents


def array_documents(out: Output, rel: str, wanted: set[str]) -> dict[str, Rebuilt]:
    """The legacy documents of the array at ``rel`` that the input had
    (``wanted``): ``.zarray`` and ``.zattrs`` rebuilt from its v3
    ``zarr.json``, or that ``zarr.json`` itself (a v3 input array, which the
    migration leaves unchanged).

    Raises
    ------
    VerificationError
        If the output ``zarr.json`` is missing or unreadable.
    """
    file = join(rel, "zarr.json")
    doc = out.zarr(rel)
    found: dict[str, Rebuilt] = {}
    if join(rel, ".zarray") in wanted:
        trace = Trace(file)
        trace.add(("shape",), file, ("shape",), True)
        trace.add(("chunks",), file, ("chunk_grid", "configuration", "chunk_shape"), True)
        for key, at in (("dtype", "data_type"), ("fill_value", "fill_value"), ("order", "codecs"),
                        (PIPELINE, "codecs"), ("dimension_separator", "chunk_key_encoding")):
            trace.add((key,), file, (at,))
        found[join(rel, ".zarray")] = Rebuilt(zarray_from_v3(doc), trace, canon_zarray)
    if join(rel, ".zattrs") in wanted:
        trace = Trace(file, ("attributes",))
        trace.add((), file, ("attributes",), True)
        found[join(rel, ".zattrs")] = Rebuilt(dict(doc.get("attributes") or {}), trace)
    if file in wanted:
        trace = Trace(file)
        trace.add((), file, (), True)
        found[file] = Rebuilt(doc, trace, canon_v3)
    return found


def group_documents(rel: str, wanted: set[str], *, ome: dict[str, Any] | None, other: dict[str, Any],
                    version: str | None, trace: Trace, canon_ome: Callable[[Any, bool], Any] | None = None,
                    ) -> dict[str, Rebuilt]:
    """The legacy documents of a group at ``rel`` that the input had
    (``wanted``), from its rebuilt OME content ``ome`` (``None`` for a plain
    group) and its other attributes ``other``:

    * Zarr v2: ``.zattrs`` = the OME keys, then the other attributes;
      ``.zgroup`` = ``{"zarr_format": 2}``;
    * Zarr v3: ``zarr.json`` with ``attributes = {"ome": {"version":
      version, ...}, ...other}``; an input ``ome`` without ``version``
      compares equal to one with ``version`` (ome-zarr-py writes ``labels``
      groups without one; RFC-8 keeps one version per document).

    ``trace`` says where the parts of ``ome`` came from (locations relative
    to the OME content); ``canon_ome(content, v3)`` is the family's
    comparison form of the OME content (``v3``: an ``ome`` object; else a
    whole ``.zattrs``). Never raises.
    """
    found: dict[str, Rebuilt] = {}
    out_file = join(rel, "zarr.json")
    if join(rel, ".zattrs") in wanted:
        t = trace.prefixed(())
        for key in other:
            t.add((key,), out_file, ("attributes", key), True)
        doc = {**(ome or {}), **other}
        found[join(rel, ".zattrs")] = Rebuilt(doc, t, (lambda d: canon_ome(d, False)) if canon_ome else None,
                                              ome=ome is not None)
    if join(rel, ".zgroup") in wanted:
        found[join(rel, ".zgroup")] = Rebuilt({"zarr_format": 2}, Trace(out_file, ("zarr_format",)))
    if out_file in wanted:
        t = trace.prefixed(("attributes", "ome"))
        t.add(("attributes",), out_file, ("attributes",), True)
        t.entries.setdefault(("attributes", "ome"), (trace.file, trace.at, False))
        t.add(("attributes", "ome", "version"), out_file, ("attributes", "ome", "version"))
        attributes = dict(other)
        if ome is not None:
            attributes = {"ome": {"version": version, **ome}, **other}
        doc = {"zarr_format": 3, "node_type": "group", "attributes": attributes}

        def canon(ome: Any) -> Any:
            if isinstance(ome, dict) and "version" in ome and ome["version"] == version:
                ome = {k: v for k, v in ome.items() if k != "version"}
            return canon_ome(ome, True) if canon_ome else ome

        found[out_file] = Rebuilt(doc, t, lambda d: canon_v3(d, canon), ome=ome is not None)
    return found


def fallback(out: Output, wanted: set[str], prefix: str) -> Callable[[str], Rebuilt]:
    """A rebuild for an input document no family walk reached: an array's
    documents from its output ``zarr.json``; a group's from its output
    ``zarr.json`` when that holds no ``ome`` (a plain group: its attributes);
    otherwise the file at the same path in the output (copied or kept
    verbatim by the migration).

    The returned function raises
    :class:`~ngff_migrate.errors.VerificationError` when the output
    document it needs is missing or unreadable.
    """
    def rebuild(file: str) -> Rebuilt:
        rel, _, name = file.rpartition("/")
        if out.has(rel):
            doc = out.zarr(rel)
            if doc.get("node_type") == "array":
                return array_documents(out, rel, {file})[file]
            attrs = doc.get("attributes") or {}
            if "ome" not in attrs and name in (".zattrs", ".zgroup", "zarr.json"):
                return group_documents(rel, {file}, ome=None, other=dict(attrs), version=None,
                                       trace=Trace(join(rel, "zarr.json"), ("attributes",)))[file]
            if name == "zarr.json":
                trace = Trace(file)
                trace.add((), file, (), True)
                return Rebuilt(doc, trace, canon_v3)
            return Rebuilt("<no reverse mapping for this document>", Trace(join(rel, "zarr.json")))
        trace = Trace(file)
        trace.add((), file, (), True)
        return Rebuilt(out.doc(file), trace)

    return rebuild


__all__ = ["PIPELINE", "array_documents", "canon_v3", "canon_zarray", "fallback", "group_documents",
           "zarray_from_v3"]
