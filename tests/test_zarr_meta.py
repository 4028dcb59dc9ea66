"""Tests for ngff_migrate.zarr.v2_to_v3: Zarr v2 -> v3 metadata over unchanged chunk files.

Every round-trip case writes a real Zarr v2 array with zarr-python (``zarr_format=2``),
hashes every file, writes the converted ``zarr.json`` next to the chunks (the
``.zarray`` stays), and checks that zarr-python opens it as v3, decodes the same
values, and that no file was changed, added or removed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
import zarr

from ngff_migrate.zarr.jsonio import dumps_json
from ngff_migrate.zarr.v2_to_v3 import (
    ArrayConversion,
    MetadataConversionError,
    core_v3_expressible,
    v2_array_to_v3,
    v2_group_to_v3,
)

pytestmark = [
    # zarr-python warns about numcodecs.* codecs (not in the v3 spec) and v2 options
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

METADATA_FILES = {".zarray", ".zattrs", ".zgroup", "zarr.json"}


# --------------------------------------------------------------------------- helpers


def _file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (POSIX relative path -> hex digest)."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _chunk_files(hashes: dict[str, str]) -> set[str]:
    return {k for k in hashes if k.rsplit("/", 1)[-1] not in METADATA_FILES}


def _sample_data(dtype: str, shape: tuple[int, ...], with_nan: bool) -> np.ndarray:
    n = math.prod(shape)
    dt = np.dtype(dtype)
    base = np.arange(n)
    if dt.kind == "b":
        data = base % 3 == 0
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        data = (base * 7 + 3) % min(int(info.max), 1000)
        if dt.kind == "i":
            data = data - (min(int(info.max), 1000) // 2)
    elif dt.kind == "f":
        data = base / 4 - 3
        if with_nan and n > 1:
            data[1] = np.nan
    elif dt.kind == "c":
        data = base / 2 + 1j * (base % 5 - 2)
        if with_nan and n > 1:
            data[1] = complex(np.nan, 1.0)
    else:  # pragma: no cover - test bug
        raise AssertionError(dtype)
    return data.astype(dt).reshape(shape)


def _write_v2(
    path: Path,
    data: np.ndarray,
    *,
    chunks: tuple[int, ...],
    dtype: str | None = None,
    order: str = "C",
    separator: str = ".",
    compressor: Any = None,
    filters: list[Any] | None = None,
    fill_value: Any = None,
    region: tuple[slice, ...] | None = None,
    attrs: dict[str, Any] | None = None,
) -> np.ndarray:
    """Write a v2 array; returns what zarr-python reads back through the v2 metadata."""
    arr = zarr.create_array(
        store=str(path),
        shape=data.shape,
        chunks=chunks,
        dtype=dtype or data.dtype,
        zarr_format=2,
        order=order,
        chunk_key_encoding={"name": "v2", "separator": separator},
        compressors=compressor,
        filters=filters,
        fill_value=fill_value,
    )
    if region is None:
        arr[...] = data
    else:
        arr[region] = data[region]
    if attrs:
        arr.attrs.update(attrs)
    return zarr.open_array(str(path), zarr_format=2, mode="r")[...]


def _convert_in_place(path: Path, **kwargs: Any) -> ArrayConversion:
    zarray = json.loads((path / ".zarray").read_text())
    zattrs_file = path / ".zattrs"
    zattrs = json.loads(zattrs_file.read_text()) if zattrs_file.exists() else None
    conv = v2_array_to_v3(zarray, zattrs, **kwargs)
    (path / "zarr.json").write_bytes(dumps_json(conv.metadata))
    return conv


def _roundtrip(
    tmp_path: Path, data: np.ndarray, *, lossy: bool = False, **write_kwargs: Any
) -> tuple[ArrayConversion, Any]:
    """Write v2, convert, and assert the v3 view decodes identical data over identical files.

    The v3 read is always compared with the v2 read of the same files; with
    ``lossy=False`` also with the data written.
    """
    path = tmp_path / "a.zarr"
    expected_v2 = _write_v2(path, data, **write_kwargs)
    before = _file_hashes(path)
    conv = _convert_in_place(path)
    after = _file_hashes(path)

    # only zarr.json was added; every chunk file (and the v2 metadata) is byte-identical
    assert set(after) - set(before) == {"zarr.json"}
    assert {k: after[k] for k in before} == before
    assert _chunk_files(after) == _chunk_files(before)

    arr3 = zarr.open_array(str(path), zarr_format=3, mode="r")
    assert arr3.metadata.zarr_format == 3
    got = arr3[...]
    assert got.shape == data.shape
    np.testing.assert_array_equal(got, expected_v2)  # NaN-aware: NaN == NaN here
    region = write_kwargs.get("region")
    if lossy:
        pass
    elif region is None:
        np.testing.assert_array_equal(got, data)
    else:
        np.testing.assert_array_equal(got[region], data[region])
    return conv, arr3


def _blosc_header(path: Path) -> list[tuple[int, int]]:
    """(flags, typesize) from the header of every blosc chunk under ``path``."""
    out = []
    for rel in sorted(_chunk_files(_file_hashes(path))):
        raw = (path / rel).read_bytes()
        out.append((raw[2], raw[3]))
    return out


# --------------------------------------------------------------------------- matrix

LZ4 = getattr(numcodecs, "LZ4", None)

# (id, dtype, shape, chunks, order, separator, compressor, filters, fill_value, region)
# fmt: off
CASES: list[Any] = [
    # dtypes, C order, "." separator, a few compressors
    ("u1-none", "|u1", (10,), (4,), "C", ".", None, None, None, None),
    ("u1-blosc-auto", "|u1", (7, 9), (3, 4), "C", ".",
     numcodecs.Blosc(cname="lz4", shuffle=-1), None, 0, None),
    ("be-u2-blosc-shuffle", ">u2", (6, 7), (4, 3), "C", ".",
     numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.SHUFFLE), None, 0, None),
    ("le-u2-blosc-bitshuffle", "<u2", (6, 7), (4, 3), "C", "/",
     numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.BITSHUFFLE), None, None, None),
    ("le-u2-blosc-noshuffle-zstd", "<u2", (5, 5), (2, 2), "C", ".",
     numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.NOSHUFFLE), None, 0, None),
    ("i2-zstd", "<i2", (9,), (4,), "C", ".", numcodecs.Zstd(level=3), None, None, None),
    ("be-i2-zstd-checksum", ">i2", (3, 4, 5), (2, 3, 2), "C", "/",
     numcodecs.Zstd(level=1, checksum=True), None, 0, None),
    ("be-f4-gzip", ">f4", (5, 6), (2, 4), "C", ".", numcodecs.GZip(level=5), None, "NaN", None),
    ("le-f4-zlib", "<f4", (5, 6), (3, 3), "C", "/", numcodecs.Zlib(level=2), None, 0.0, None),
    ("f8-nan-fill-missing", "<f8", (8, 8), (3, 3), "C", ".", numcodecs.Blosc(), None, "NaN",
     (slice(0, 3), slice(0, 5))),
    ("f8-null-fill-missing", "<f8", (8, 8), (3, 3), "C", "/", None, None, None,
     (slice(3, 8), slice(0, 4))),
    ("f8-inf-fill", "<f8", (4, 5), (3, 3), "C", ".", numcodecs.Zstd(), None, "-Infinity", None),
    ("bool-none", "|b1", (6, 5), (4, 2), "C", ".", None, None, None, None),
    ("bool-blosc", "|b1", (6, 5), (4, 2), "F", "/", numcodecs.Blosc(), None, False, None),
    ("c8-gzip", "<c8", (5, 3), (2, 2), "C", ".", numcodecs.GZip(), None, None, None),
    ("be-c16-nan", ">c16", (4, 3), (3, 2), "F", ".", None, None, [float("nan"), 0.0], None),
    ("i8-u4-u8", "<i8", (5,), (2,), "C", ".", numcodecs.Zstd(), None, -5, None),
    ("u8", ">u8", (5,), (3,), "C", "/", numcodecs.Blosc(shuffle=-1), None, 7, None),
    ("f2", "<f2", (6,), (4,), "F", ".", numcodecs.GZip(), None, 1.5, None),
    # order F, 1-D to 5-D, partial edge chunks, both separators
    ("F-1d", "<u2", (11,), (4,), "F", ".", numcodecs.Blosc(), None, 0, None),
    ("F-2d", "<u2", (5, 7), (2, 3), "F", "/", numcodecs.Zstd(), None, 0, None),
    ("F-3d-be", ">f4", (3, 4, 5), (2, 3, 2), "F", ".", numcodecs.Blosc(shuffle=2), None, 0, None),
    ("F-4d", "<i2", (2, 3, 4, 5), (1, 2, 3, 2), "F", "/", numcodecs.Zlib(), None, None, None),
    ("F-5d", "<f8", (2, 2, 3, 3, 4), (1, 2, 2, 2, 3), "F", ".", numcodecs.GZip(), None, "NaN",
     None),
    ("C-5d", "|u1", (2, 3, 2, 3, 5), (1, 2, 2, 2, 2), "C", "/", numcodecs.Blosc(), None, 0, None),
    ("C-4d-missing", ">u2", (2, 3, 4, 5), (1, 2, 3, 2), "C", ".", numcodecs.Zstd(), None, 9,
     (slice(0, 1), slice(None), slice(0, 2), slice(None))),
    # filters
    ("delta", "<u2", (20,), (7,), "C", ".", numcodecs.Zstd(), [numcodecs.Delta("<u2")], 0, None),
    ("delta-be-blosc", ">u2", (5, 7), (2, 3), "C", "/", numcodecs.Blosc(shuffle=-1),
     [numcodecs.Delta(">u2")], 0, None),
    ("delta-F-be", ">i4", (5, 7), (2, 3), "F", ".", numcodecs.Blosc(),
     [numcodecs.Delta(">i4")], None, None),
    ("delta-F-3d", "<u2", (3, 4, 5), (2, 3, 2), "F", "/", None, [numcodecs.Delta("<u2")], 0,
     None),
    ("delta-astype", "<u2", (12,), (5,), "C", ".", numcodecs.Zlib(),
     [numcodecs.Delta("<u2", astype="<i4")], 0, None),
    ("fixedscaleoffset-u1", "<f8", (5, 6), (2, 4), "C", ".", numcodecs.Blosc(shuffle=-1),
     [numcodecs.FixedScaleOffset(offset=-3, scale=4, dtype="<f8", astype="|u1")], 0.0, None),
    ("fixedscaleoffset-be-u2", ">f8", (5, 6), (2, 4), "F", "/", numcodecs.GZip(),
     [numcodecs.FixedScaleOffset(offset=-3, scale=4, dtype=">f8", astype=">u2")], None, None),
    ("astype-f4", "<f8", (5, 6), (3, 3), "C", ".", numcodecs.Zstd(),
     [numcodecs.AsType(encode_dtype="<f4", decode_dtype="<f8")], "NaN", None),
    ("quantize", "<f8", (7,), (3,), "C", ".", None, [numcodecs.Quantize(3, "<f8")], 0.0, None),
    ("packbits", "|b1", (5, 7), (2, 3), "C", ".", numcodecs.Zlib(), [numcodecs.PackBits()],
     False, None),
    ("crc32-filter-blosc", "<f8", (5, 6), (2, 4), "C", ".", numcodecs.Blosc(),
     [numcodecs.CRC32()], 0.0, None),
    ("delta-crc32-zstd", "<i2", (9,), (4,), "C", "/", numcodecs.Zstd(),
     [numcodecs.Delta("<i2"), numcodecs.CRC32()], 0, None),
    ("zstd-filter-blosc", "<u2", (9,), (4,), "C", "/", numcodecs.Blosc(), [numcodecs.Zstd()], 0,
     None),
    # other numcodecs compressors
    ("bz2", "<u2", (6, 4), (4, 4), "C", ".", numcodecs.BZ2(level=2), None, 0, None),
    ("lzma", "<f4", (6, 4), (4, 4), "C", "/", numcodecs.LZMA(), None, 0.0, None),
    # 0-d
    ("0d", "<f8", (), (), "C", ".", numcodecs.GZip(), None, None, None),
]
if LZ4 is not None:
    CASES.append(("lz4", "<u2", (5, 7), (2, 3), "F", "/", LZ4(acceleration=2), None, 0, None))
    CASES.append(("lz4-delta", "<i4", (9,), (4,), "C", ".", LZ4(), [numcodecs.Delta("<i4")],
                  None, None))
# fmt: on


@pytest.mark.parametrize(
    ("dtype", "shape", "chunks", "order", "separator", "compressor", "filters", "fill", "region"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_roundtrip_matrix(
    tmp_path: Path,
    dtype: str,
    shape: tuple[int, ...],
    chunks: tuple[int, ...],
    order: str,
    separator: str,
    compressor: Any,
    filters: list[Any] | None,
    fill: Any,
    region: tuple[slice, ...] | None,
) -> None:
    fill_value = float(fill) if isinstance(fill, str) else fill
    if isinstance(fill, list):
        fill_value = complex(*fill)
    lossy = any(isinstance(f, (numcodecs.Quantize, numcodecs.AsType)) for f in filters or [])
    data = _sample_data(dtype, shape, with_nan=fill is not None and not filters)
    conv, arr3 = _roundtrip(
        tmp_path,
        data,
        lossy=lossy,
        chunks=chunks,
        dtype=dtype,
        order=order,
        separator=separator,
        compressor=compressor,
        filters=filters,
        fill_value=fill_value,
        region=region,
    )
    meta = conv.metadata
    assert conv.metadata_only is True
    assert conv.fill_value_was_null is (fill is None)
    assert list(meta) == [
        "zarr_format",
        "node_type",
        "shape",
        "data_type",
        "chunk_grid",
        "chunk_key_encoding",
        "fill_value",
        "codecs",
    ]
    assert meta["shape"] == list(shape)
    assert meta["chunk_grid"] == {"name": "regular", "configuration": {"chunk_shape": list(chunks)}}
    assert meta["chunk_key_encoding"] == {"name": "v2", "configuration": {"separator": separator}}
    assert "storage_transformers" not in meta
    assert arr3.dtype == np.dtype(dtype).newbyteorder("=")
    names = [c["name"] for c in meta["codecs"]]
    # transpose iff order F with >= 2 dims, always first, with the reversed axis order
    if order == "F" and len(shape) > 1:
        assert meta["codecs"][0] == {
            "name": "transpose",
            "configuration": {"order": list(range(len(shape) - 1, -1, -1))},
        }
    else:
        assert "transpose" not in names
    if fill is None:
        assert any("fill_value null" in n for n in conv.notes)
    if isinstance(compressor, numcodecs.Blosc) and not filters:
        cfg = meta["codecs"][-1]["configuration"]
        for flags, typesize in _blosc_header(tmp_path / "a.zarr"):
            assert typesize == cfg["typesize"] == np.dtype(dtype).itemsize
            shuffle = "bitshuffle" if flags & 0x4 else "shuffle" if flags & 0x1 else "noshuffle"
            assert shuffle == cfg["shuffle"]


# --------------------------------------------------------------------------- exact documents


def test_document_blosc_big_endian_F() -> None:
    zarray = {
        "zarr_format": 2,
        "shape": [4, 5, 6],
        "chunks": [2, 5, 3],
        "dtype": ">u2",
        "compressor": {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 2, "blocksize": 0},
        "fill_value": None,
        "order": "F",
        "filters": None,
        "dimension_separator": "/",
    }
    conv = v2_array_to_v3(zarray, {"foo": "µm"}, ["z", "y", "x"])
    assert conv.fill_value_was_null
    assert conv.metadata == {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [4, 5, 6],
        "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 5, 3]}},
        "chunk_key_encoding": {"name": "v2", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": [
            {"name": "transpose", "configuration": {"order": [2, 1, 0]}},
            {"name": "bytes", "configuration": {"endian": "big"}},
            {
                "name": "blosc",
                "configuration": {
                    "cname": "zstd",
                    "clevel": 3,
                    "shuffle": "bitshuffle",
                    "typesize": 2,
                    "blocksize": 0,
                },
            },
        ],
        "attributes": {"foo": "µm"},
        "dimension_names": ["z", "y", "x"],
    }
    assert conv.notes == ["fill_value null replaced by 0 (the uint16 zero)"]


@pytest.mark.parametrize(
    ("v2", "v3"),
    [
        (
            {"id": "zstd", "level": 5, "checksum": True},
            {"name": "zstd", "configuration": {"level": 5, "checksum": True}},
        ),
        (
            {"id": "zstd", "level": 2},
            {"name": "zstd", "configuration": {"level": 2, "checksum": False}},
        ),
        ({"id": "gzip", "level": 6}, {"name": "gzip", "configuration": {"level": 6}}),
        ({"id": "zlib", "level": 6}, {"name": "numcodecs.zlib", "configuration": {"level": 6}}),
        (
            {"id": "lz4", "acceleration": 1},
            {"name": "numcodecs.lz4", "configuration": {"acceleration": 1}},
        ),
        ({"id": "bz2", "level": 9}, {"name": "numcodecs.bz2", "configuration": {"level": 9}}),
        (
            {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
            {
                "name": "blosc",
                "configuration": {
                    "cname": "lz4",
                    "clevel": 5,
                    "shuffle": "shuffle",
                    "typesize": 4,
                    "blocksize": 0,
                },
            },
        ),
        (
            {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 0, "blocksize": 0},
            {
                "name": "blosc",
                "configuration": {
                    "cname": "lz4",
                    "clevel": 5,
                    "shuffle": "noshuffle",
                    "typesize": 4,
                    "blocksize": 0,
                },
            },
        ),
        (
            {"id": "blosc", "cname": "lz4hc", "clevel": 9, "shuffle": -1, "blocksize": 256},
            {
                "name": "blosc",
                "configuration": {
                    "cname": "lz4hc",
                    "clevel": 9,
                    "shuffle": "shuffle",
                    "typesize": 4,
                    "blocksize": 256,
                },
            },
        ),
    ],
)
def test_compressor_mapping(v2: dict[str, Any], v3: dict[str, Any]) -> None:
    zarray = {
        "shape": [8],
        "chunks": [4],
        "dtype": "<f4",
        "compressor": v2,
        "fill_value": 0,
        "order": "C",
        "filters": None,
        "zarr_format": 2,
    }
    codecs = v2_array_to_v3(zarray).metadata["codecs"]
    assert codecs == [{"name": "bytes", "configuration": {"endian": "little"}}, v3]


def test_filter_chain_positions() -> None:
    zarray = {
        "shape": [4, 6],
        "chunks": [2, 3],
        "dtype": "<f8",
        "order": "F",
        "fill_value": "NaN",
        "filters": [
            {"id": "fixedscaleoffset", "scale": 10, "offset": 0, "dtype": "<f8", "astype": ">i2"},
            {"id": "crc32"},
        ],
        "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": -1, "blocksize": 0},
    }
    conv = v2_array_to_v3(zarray)
    assert conv.metadata["fill_value"] == "NaN"
    assert conv.metadata["codecs"] == [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {
            "name": "numcodecs.fixedscaleoffset",
            "configuration": {"scale": 10, "offset": 0, "dtype": "<f8", "astype": ">i2"},
        },
        # the bytes codec serialises the filter's output dtype (>i2), not the array's
        {"name": "bytes", "configuration": {"endian": "big"}},
        {"name": "numcodecs.crc32", "configuration": {}},
        # after a checksum filter the compressor sees 1-byte items (auto shuffle -> bitshuffle)
        {
            "name": "blosc",
            "configuration": {
                "cname": "lz4",
                "clevel": 5,
                "shuffle": "bitshuffle",
                "typesize": 1,
                "blocksize": 0,
            },
        },
    ]
    assert any("numcodecs.fixedscaleoffset, numcodecs.crc32" in n for n in conv.notes)
    assert any("order F with filters" in n for n in conv.notes)


def test_one_byte_output_omits_endian() -> None:
    zarray = {
        "shape": [4],
        "chunks": [4],
        "dtype": "<f8",
        "order": "C",
        "fill_value": 0,
        "compressor": None,
        "filters": [{"id": "astype", "encode_dtype": "|u1", "decode_dtype": "<f8"}],
    }
    codecs = v2_array_to_v3(zarray).metadata["codecs"]
    assert codecs[-1] == {"name": "bytes"}


@pytest.mark.parametrize(
    ("dtype", "v3", "zero"),
    [
        ("|b1", "bool", False),
        ("|i1", "int8", 0),
        ("|u1", "uint8", 0),
        ("<i2", "int16", 0),
        (">i4", "int32", 0),
        ("<i8", "int64", 0),
        ("<u2", "uint16", 0),
        (">u4", "uint32", 0),
        ("<u8", "uint64", 0),
        ("<f2", "float16", 0.0),
        (">f4", "float32", 0.0),
        ("<f8", "float64", 0.0),
        ("<c8", "complex64", [0.0, 0.0]),
        (">c16", "complex128", [0.0, 0.0]),
    ],
)
def test_dtype_names_and_null_fill(dtype: str, v3: str, zero: Any) -> None:
    zarray = {
        "shape": [3],
        "chunks": [2],
        "dtype": dtype,
        "compressor": None,
        "fill_value": None,
        "order": "C",
        "filters": None,
    }
    conv = v2_array_to_v3(zarray)
    meta = conv.metadata
    assert meta["data_type"] == v3
    assert meta["fill_value"] == zero and type(meta["fill_value"]) is type(zero)
    assert conv.fill_value_was_null
    bytes_codec = meta["codecs"][0]
    if np.dtype(dtype).itemsize == 1:
        assert bytes_codec == {"name": "bytes"}
    else:
        endian = "big" if dtype[0] == ">" else "little"
        assert bytes_codec == {"name": "bytes", "configuration": {"endian": endian}}


@pytest.mark.parametrize(
    ("dtype", "v2_fill", "v3_fill"),
    [
        ("<f4", "NaN", "NaN"),
        ("<f4", "Infinity", "Infinity"),
        ("<f8", "-Infinity", "-Infinity"),
        ("<f8", float("nan"), "NaN"),
        ("<f8", 0, 0.0),
        ("<f8", 1.25, 1.25),
        ("|b1", True, True),
        ("|b1", 0, False),
        ("<i4", -3, -3),
        ("<u2", 2.0, 2),
        ("<c8", [1.0, "NaN"], [1.0, "NaN"]),
        ("<c16", 2, [2.0, 0.0]),
    ],
)
def test_fill_values(dtype: str, v2_fill: Any, v3_fill: Any) -> None:
    zarray = {
        "shape": [3],
        "chunks": [2],
        "dtype": dtype,
        "compressor": None,
        "fill_value": v2_fill,
        "order": "C",
        "filters": None,
    }
    conv = v2_array_to_v3(zarray)
    assert conv.metadata["fill_value"] == v3_fill
    assert type(conv.metadata["fill_value"]) is type(v3_fill)
    assert not conv.fill_value_was_null and conv.notes == []


def test_attributes_and_dimension_names_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "img.zarr"
    data = _sample_data("<u2", (2, 3, 4), with_nan=False)
    _write_v2(
        path,
        data,
        chunks=(1, 2, 3),
        compressor=numcodecs.Blosc(),
        attrs={"ome": {"µ": 1}, "nested": [1, {"a": None}]},
    )
    conv = _convert_in_place(path, dimension_names=["c", "y", "x"])
    assert conv.metadata["attributes"] == {"ome": {"µ": 1}, "nested": [1, {"a": None}]}
    arr3 = zarr.open_array(str(path), zarr_format=3, mode="r")
    assert arr3.metadata.dimension_names == ("c", "y", "x")
    assert arr3.attrs.asdict() == {"ome": {"µ": 1}, "nested": [1, {"a": None}]}
    np.testing.assert_array_equal(arr3[...], data)


def test_empty_attributes_omitted_and_not_aliased() -> None:
    zarray = {
        "shape": [3],
        "chunks": [2],
        "dtype": "<u2",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
    }
    assert "attributes" not in v2_array_to_v3(zarray, {}).metadata
    assert "attributes" not in v2_array_to_v3(zarray, None).metadata
    attrs = {"a": [1]}
    meta = v2_array_to_v3(zarray, attrs).metadata
    meta["attributes"]["a"].append(2)
    assert attrs == {"a": [1]}
    assert "dimension_names" not in meta


def test_dimension_separator_absent_defaults_to_dot() -> None:
    zarray = {
        "shape": [3, 3],
        "chunks": [2, 2],
        "dtype": "<u2",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
    }
    meta = v2_array_to_v3(zarray).metadata
    assert meta["chunk_key_encoding"] == {"name": "v2", "configuration": {"separator": "."}}


# --------------------------------------------------------------------------- errors


def _zarray(**overrides: Any) -> dict[str, Any]:
    base = {
        "zarr_format": 2,
        "shape": [4, 4],
        "chunks": [2, 2],
        "dtype": "<u2",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dtype": "|O", "filters": [{"id": "vlen-utf8"}], "fill_value": None}, "object"),
        ({"dtype": [["a", "<u2"], ["b", "<f4"]], "fill_value": None}, "structured"),
        ({"dtype": "<U4", "fill_value": ""}, "unicode"),
        ({"dtype": "|S4", "fill_value": ""}, "bytes string"),
        ({"dtype": "|V4", "fill_value": None}, "raw/void"),
        ({"dtype": "<M8[ns]", "fill_value": 0}, "datetime64"),
        ({"dtype": "<m8[s]", "fill_value": 0}, "timedelta64"),
        (
            {"dtype": "<f16" if np.dtype("longdouble").itemsize == 16 else "<f12", "fill_value": 0},
            "no byte-identical",
        ),
        ({"dtype": "nonsense"}, "not a valid dtype"),
        ({"order": "K"}, "order"),
        ({"dimension_separator": "-"}, "dimension_separator"),
        ({"zarr_format": 3}, "zarr_format"),
        ({"chunks": [2]}, "differ in length"),
        ({"shape": [-1, 4]}, "shape"),
        ({"filters": [{"id": "categorize", "labels": ["a"], "dtype": "<U1"}]}, "categorize"),
        ({"filters": [{"id": "crc32"}, {"id": "delta", "dtype": "<u2"}]}, "follows"),
        ({"filters": [{"id": "delta", "dtype": ">u2"}]}, "reinterprets"),
        ({"filters": [{"id": "delta", "dtype": "<u4"}]}, "reinterprets"),
        (
            {"filters": [{"id": "astype", "encode_dtype": "<f4", "decode_dtype": "<f8"}]},
            "reinterprets",
        ),
        ({"filters": [{"id": "packbits"}]}, "reinterprets"),
        ({"filters": ["delta"]}, "not a numcodecs configuration"),
        ({"compressor": {"id": "blosc", "cname": "lzo", "shuffle": 1}}, "cname"),
        ({"compressor": {"id": "blosc", "cname": "lz4", "shuffle": 7}}, "shuffle"),
        ({"fill_value": 1.5}, "fill_value"),
        ({"fill_value": 70000}, "out of range"),
        ({"fill_value": "NaN"}, "fill_value"),
    ],
)
def test_conversion_errors(overrides: dict[str, Any], message: str) -> None:
    zarray = _zarray(**overrides)
    with pytest.raises(MetadataConversionError, match=message) as info:
        v2_array_to_v3(zarray)
    assert "\n" not in str(info.value)
    ok, reason = core_v3_expressible(zarray)
    assert not ok and reason == str(info.value)


def test_missing_key_error() -> None:
    zarray = _zarray()
    del zarray["dtype"]
    with pytest.raises(MetadataConversionError, match="no 'dtype'"):
        v2_array_to_v3(zarray)


@pytest.mark.parametrize("names", [["y"], ["z", "y", "x"], []])
def test_dimension_names_length_mismatch(names: list[str]) -> None:
    with pytest.raises(MetadataConversionError, match="dimension_names"):
        v2_array_to_v3(_zarray(), dimension_names=names)


def test_dimension_names_not_strings() -> None:
    with pytest.raises(MetadataConversionError, match="dimension_names"):
        v2_array_to_v3(_zarray(), dimension_names=["y", 3])  # type: ignore[list-item]
    meta = v2_array_to_v3(_zarray(), dimension_names=["y", None]).metadata
    assert meta["dimension_names"] == ["y", None]


def test_filter_dtype_mismatch_on_disk_is_rejected(tmp_path: Path) -> None:
    """A '<u2' array with Delta('>u2') reads fine as v2 (bytes are reinterpreted) but
    zarr-python's v3 numcodecs codecs convert by value, so the conversion must refuse it."""
    path = tmp_path / "bad.zarr"
    data = _sample_data("<u2", (5, 7), with_nan=False)
    got = _write_v2(
        path, data, chunks=(2, 3), dtype="<u2", filters=[numcodecs.Delta(">u2")], fill_value=0
    )
    np.testing.assert_array_equal(got, data)
    with pytest.raises(MetadataConversionError, match="reinterprets"):
        _convert_in_place(path)
    assert not (path / "zarr.json").exists()


def test_structured_array_on_disk_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "rec.zarr"
    dt = np.dtype([("a", "<u2"), ("b", "<f4")])
    arr = zarr.create_array(
        store=str(path), shape=(4,), chunks=(2,), dtype=dt, zarr_format=2, fill_value=None
    )
    arr[...] = np.zeros(4, dtype=dt)
    with pytest.raises(MetadataConversionError, match="structured"):
        _convert_in_place(path)


def test_unknown_compressor_is_kept_with_note() -> None:
    conv = v2_array_to_v3(_zarray(compressor={"id": "imagecodecs_jpegxl", "level": 90}))
    assert conv.metadata["codecs"][-1] == {
        "name": "numcodecs.imagecodecs_jpegxl",
        "configuration": {"level": 90},
    }
    assert any("not registered" in n for n in conv.notes)


def test_array_bytes_compressor_replaces_bytes_codec() -> None:
    conv = v2_array_to_v3(
        _zarray(
            dtype="<f8",
            compressor={"id": "zfpy", "mode": 4, "tolerance": -1, "rate": -1, "precision": -1},
        )
    )
    assert conv.metadata["codecs"] == [
        {
            "name": "numcodecs.zfpy",
            "configuration": {"mode": 4, "tolerance": -1, "rate": -1, "precision": -1},
        },
    ]


# --------------------------------------------------------------------------- core_v3_expressible


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, (True, None)),
        ({"order": "F"}, (True, None)),
        ({"dtype": ">f4", "fill_value": "NaN"}, (True, None)),
        (
            {
                "compressor": {
                    "id": "blosc",
                    "cname": "lz4",
                    "clevel": 5,
                    "shuffle": 1,
                    "blocksize": 0,
                }
            },
            (True, None),
        ),
        ({"compressor": {"id": "zstd", "level": 1}}, (True, None)),
        ({"compressor": {"id": "gzip", "level": 1}}, (True, None)),
        (
            {"compressor": {"id": "zlib", "level": 1}},
            (False, "compressor zlib has no core v3 codec"),
        ),
        (
            {"compressor": {"id": "lz4", "acceleration": 1}},
            (False, "compressor lz4 has no core v3 codec"),
        ),
        (
            {"filters": [{"id": "delta", "dtype": "<u2"}]},
            (False, "filters delta have no core v3 codec"),
        ),
        (
            {
                "filters": [{"id": "delta", "dtype": "<u2"}, {"id": "crc32"}],
                "compressor": {"id": "zstd", "level": 1},
            },
            (False, "filters delta, crc32 have no core v3 codec"),
        ),
        ({"filters": []}, (True, None)),
        ({"filters": [{"id": "zstd", "level": 1}]}, (True, None)),
    ],
)
def test_core_v3_expressible(overrides: dict[str, Any], expected: tuple[bool, Any]) -> None:
    zarray = _zarray(**overrides)
    assert core_v3_expressible(zarray) == expected
    names = [c["name"] for c in v2_array_to_v3(zarray).metadata["codecs"]]
    assert expected[0] == (not any(n.startswith("numcodecs.") for n in names))


# --------------------------------------------------------------------------- groups


def test_group_documents() -> None:
    assert v2_group_to_v3(None) == {"zarr_format": 3, "node_type": "group", "attributes": {}}
    assert v2_group_to_v3({}) == {"zarr_format": 3, "node_type": "group", "attributes": {}}
    attrs = {"multiscales": [{"version": "0.4"}]}
    doc = v2_group_to_v3(attrs)
    assert list(doc) == ["zarr_format", "node_type", "attributes"]
    assert doc["attributes"] == attrs and doc["attributes"] is not attrs


def test_group_on_disk(tmp_path: Path) -> None:
    root = tmp_path / "g.zarr"
    grp = zarr.open_group(str(root), mode="w", zarr_format=2)
    grp.attrs["multiscales"] = [{"version": "0.4", "name": "µ"}]
    arr = grp.create_array(
        "0",
        shape=(3, 4),
        chunks=(2, 2),
        dtype="<u2",
        compressors=numcodecs.Blosc(),
        fill_value=None,
    )
    arr[...] = np.arange(12, dtype="<u2").reshape(3, 4)
    (root / "zarr.json").write_bytes(dumps_json(v2_group_to_v3(grp.attrs.asdict())))
    _convert_in_place(root / "0")
    g3 = zarr.open_group(str(root), zarr_format=3, mode="r")
    assert g3.attrs.asdict() == {"multiscales": [{"version": "0.4", "name": "µ"}]}
    np.testing.assert_array_equal(g3["0"][...], np.arange(12).reshape(3, 4))


# --------------------------------------------------------------------------- dumps_json


def test_dumps_json_format() -> None:
    doc = {"z": 1, "a": {"unit": "µm", "list": [1, 2]}, "t": (1, 2)}
    out = dumps_json(doc)
    assert out.endswith(b"}\n") and not out.endswith(b"\n\n")
    text = out.decode("utf-8")
    assert (
        text == '{\n  "z": 1,\n  "a": {\n    "unit": "µm",\n    "list": [\n      1,\n'
        '      2\n    ]\n  },\n  "t": [\n    1,\n    2\n  ]\n}\n'
    )
    assert list(json.loads(text)) == ["z", "a", "t"]


def test_dumps_json_deterministic_for_conversion() -> None:
    zarray = _zarray(dtype="<f4", fill_value="NaN")
    a = dumps_json(v2_array_to_v3(zarray, {"b": 1, "a": 2}).metadata)
    b = dumps_json(v2_array_to_v3(dict(zarray), {"b": 1, "a": 2}).metadata)
    assert a == b
    assert b'"fill_value": "NaN"' in a


def test_dumps_json_non_finite() -> None:
    assert json.loads(dumps_json({"fill_value": float("nan")}))["fill_value"] == "NaN"
    assert json.loads(dumps_json({"fill_value": float("-inf")}))["fill_value"] == "-Infinity"
    assert json.loads(dumps_json({"fill_value": [float("inf"), 0.0]}))["fill_value"] == [
        "Infinity",
        0.0,
    ]
    with pytest.raises(ValueError, match=r"attributes\.x\[1\]"):
        dumps_json({"attributes": {"x": [0.0, float("nan")]}})


def test_dumps_json_numpy_and_bad_values() -> None:
    out = json.loads(
        dumps_json(
            {"a": np.uint16(3), "b": np.float32(0.5), "c": np.arange(2), "d": np.bool_(True)}
        )
    )
    assert out == {"a": 3, "b": 0.5, "c": [0, 1], "d": True}
    with pytest.raises(TypeError):
        dumps_json({"a": {1, 2}})
    with pytest.raises(TypeError):
        dumps_json({"a": {1: 2}})
    with pytest.raises(TypeError):
        dumps_json({"a": 1j})
