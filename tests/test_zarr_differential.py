"""Differential test: our Zarr v2 -> v3 array metadata against zarr-python's own
converter (``zarr.metadata.migrate_v3._convert_array_metadata``, the function
behind ``zarr migrate v3``; private, but the same in zarr 3.1 and 3.4).

The ``.zarray`` documents: every one under ``tests/data/``, every one the
session fixture ``pristine`` (conftest.py, ome-zarr-py) writes, and every one
the round-trip matrix of ``test_zarr_meta.py`` writes (``CASES``, written here
with the same helper). For each, ``v2_array_to_v3`` and zarr-python's
conversion are compared field by field (shape, data type, chunk grid, chunk
key encoding, fill value, codecs, attributes) after normalising zarr's
defaults (an empty ``configuration``, ``attributes: {}``,
``storage_transformers: []``). Every disagreement must be explained by an
entry of ``DISAGREEMENTS`` whose condition holds for that ``.zarray``; an
entry whose condition holds but whose fields agree fails too (it no longer
disagrees). Where zarr-python refuses a document, the entry may say how to
make it acceptable (``accept``) so the other fields are still compared.

For every array with chunk files, both documents are written next to a copy
of the chunks and read with zarr-python: both must decode the pixels the v2
metadata decodes.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from ngff_migrate.zarr.v2_dtypes import parse_dtype
from ngff_migrate.zarr.v2_to_v3 import MetadataConversionError, v2_array_to_v3

migrate_v3 = pytest.importorskip(
    "zarr.metadata.migrate_v3", reason="zarr-python has no zarr.metadata.migrate_v3 (added in 3.1)")
ArrayV2Metadata = pytest.importorskip("zarr.core.metadata.v2").ArrayV2Metadata
if not hasattr(migrate_v3, "_convert_array_metadata"):  # pragma: no cover
    pytest.skip("zarr.metadata.migrate_v3._convert_array_metadata is gone from this zarr-python",
                allow_module_level=True)

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

DATA = Path(__file__).parent / "data"
FIELDS = ("shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs", "attributes")
REFUSED = "<zarr-python refuses>"
METADATA_FILES = {".zarray", ".zattrs", ".zgroup", "zarr.json"}


# --------------------------------------------------------------------------- the table


def _filters(z: dict) -> list[dict]:
    return [f for f in z.get("filters") or [] if isinstance(f, dict)]


def _bytes_level_filter(z: dict) -> bool:
    return any(f.get("id") not in ("delta", "fixedscaleoffset", "astype", "quantize", "bitround", "packbits")
               for f in _filters(z))


def _dtype_changing_filter(z: dict) -> bool:
    """A filter changes the type the next codec receives, so that our 'bytes' endianness or
    blosc typesize is not the array's."""
    dt = parse_dtype(z["dtype"])
    out = {"delta": "astype", "fixedscaleoffset": "astype", "astype": "encode_dtype"}
    if not any(f.get(out.get(f.get("id"), ""), z["dtype"]) != z["dtype"] for f in _filters(z)):
        return False
    codecs = v2_array_to_v3(z).metadata["codecs"]
    endian = next((c.get("configuration", {}).get("endian") for c in codecs if c["name"] == "bytes"), None)
    blosc = [c["configuration"]["typesize"] for c in codecs if c["name"] == "blosc"]
    return endian != dt.endian or any(t != dt.itemsize for t in blosc)


def _blosc_auto(z: dict) -> bool:
    c = z.get("compressor") or {}
    return c.get("id") == "blosc" and c.get("shuffle") == -1


def _accept_null_fill(z: dict) -> dict:
    """What we write instead of null: the data type's zero."""
    return {**z, "fill_value": v2_array_to_v3(z).metadata["fill_value"]}


def _accept_blosc_auto(z: dict) -> dict:
    """The shuffle we resolve -1 to (numcodecs: bit-shuffle for 1-byte items, else byte-shuffle)."""
    ours = next(c for c in v2_array_to_v3(z).metadata["codecs"] if c["name"] == "blosc")
    shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}[ours["configuration"]["shuffle"]]
    return {**z, "compressor": {**z["compressor"], "shuffle": shuffle}}


@dataclass(frozen=True)
class Disagreement:
    name: str
    applies: Callable[[dict], bool]
    #: the fields that differ (``REFUSED``: zarr-python raises)
    fields: frozenset[str]
    why: str
    #: turns the .zarray into one zarr-python accepts (the rest is then compared)
    accept: Callable[[dict], dict] | None = None


DISAGREEMENTS: tuple[Disagreement, ...] = (
    Disagreement(
        "null fill value",
        lambda z: z.get("fill_value") is None and parse_dtype(z["dtype"]).v3_name != "bool",
        frozenset({REFUSED, "fill_value"}),
        "Zarr v3 has no null fill_value. We write the data type's zero (what zarr-python's v2 reader "
        "returns for a missing chunk of such an array) and note it; zarr-python's converter raises "
        "TypeError for integer and float types, and for complex types writes NaN+NaNj, which changes "
        "the value of missing chunks (for bool both write false).",
        _accept_null_fill,
    ),
    Disagreement(
        "blosc shuffle -1",
        _blosc_auto,
        frozenset({REFUSED}),
        "numcodecs' Blosc(shuffle=-1) means 'bit-shuffle for 1-byte items, else byte-shuffle' (the "
        "chunks on disk were written that way); v3 blosc has no 'auto', so we write the resolved value. "
        "zarr-python's BloscShuffle.from_int raises ValueError for -1.",
        _accept_blosc_auto,
    ),
    Disagreement(
        "bytes-level v2 filter",
        _bytes_level_filter,
        frozenset({REFUSED}),
        "A v2 filter that works on bytes (crc32, a zstd or other compressor used as a filter) is a "
        "bytes->bytes codec in v3, placed after 'bytes' and before the compressor; zarr-python's "
        "converter accepts only array->array filters and raises TypeError.",
    ),
    Disagreement(
        "transpose for 1-D order F",
        lambda z: z.get("order") == "F" and len(z["shape"]) <= 1,
        frozenset({"codecs"}),
        "For 0-D and 1-D arrays order F and C are the same bytes; zarr-python adds a no-op "
        "transpose (order [0], or [] for 0-D), we write none.",
    ),
    Disagreement(
        "codecs after a dtype-changing filter",
        _dtype_changing_filter,
        frozenset({"codecs"}),
        "After a filter that changes the item size (fixedscaleoffset/astype to another type, "
        "packbits) we describe the buffer the next codec really receives: 'bytes' with that type's "
        "endianness (none for 1-byte types) and blosc's typesize = its item size; zarr-python uses "
        "the array's data type for both. Decoding does not depend on either (blosc reads its "
        "header), but chunks written through zarr-python's document would be shuffled with the wrong "
        "element size.",
    ),
)


# --------------------------------------------------------------------------- comparison


def _normalise(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop zarr-python's defaults; one JSON form for every value."""
    doc = json.loads(json.dumps(doc, default=str))
    for key, empty in (("attributes", {}), ("storage_transformers", []), ("dimension_names", None)):
        if key in doc and doc[key] == empty:
            del doc[key]
    for codec in doc.get("codecs", []):
        if codec.get("configuration") == {}:
            del codec["configuration"]
    return doc


def _zarr_convert(zarray: dict, zattrs: dict | None) -> dict[str, Any]:
    """zarr-python's v3 document for the .zarray (as JSON), as ``zarr migrate v3`` writes it."""
    meta = ArrayV2Metadata.from_dict({**zarray, **({"attributes": zattrs} if zattrs else {})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return json.loads(json.dumps(migrate_v3._convert_array_metadata(meta).to_dict(), default=str))


def _differences(ours: dict, theirs: dict) -> set[str]:
    ours, theirs = _normalise(ours), _normalise(theirs)
    return {f for f in FIELDS if ours.get(f) != theirs.get(f)}


def _compare(zarray: dict, zattrs: dict | None) -> tuple[dict, dict | None, set[str], list[Disagreement]]:
    """(our document, zarr-python's (of the .zarray made acceptable) or None, the differing
    fields, the table entries that apply)."""
    ours = json.loads(json.dumps(v2_array_to_v3(zarray, zattrs).metadata))
    applying = [d for d in DISAGREEMENTS if d.applies(zarray)]
    observed: set[str] = set()
    theirs = None
    candidate = zarray
    try:
        theirs = _zarr_convert(candidate, zattrs)
    except (TypeError, ValueError):
        observed.add(REFUSED)
        for d in applying:  # make it acceptable, then compare the rest
            if d.accept is not None:
                candidate = d.accept(candidate)
        try:
            theirs = _zarr_convert(candidate, zattrs)
        except (TypeError, ValueError):
            theirs = None
    if theirs is not None:
        observed |= _differences(ours, theirs)
    return ours, theirs, observed, applying


# --------------------------------------------------------------------------- the documents


@dataclass
class Fixture:
    name: str
    directory: Path  # the array directory (chunks next to .zarray)

    @property
    def zarray(self) -> dict:
        return json.loads((self.directory / ".zarray").read_text())

    @property
    def zattrs(self) -> dict | None:
        f = self.directory / ".zattrs"
        return json.loads(f.read_text()) if f.is_file() else None

    def chunk_files(self) -> list[Path]:
        """The files next to the metadata (an array directory holds nothing else)."""
        return [p for p in self.directory.rglob("*") if p.is_file() and p.name not in METADATA_FILES]


def _data_fixtures() -> list[Fixture]:
    return [Fixture(f"data/{p.parent.relative_to(DATA).as_posix()}", p.parent)
            for p in sorted(DATA.rglob(".zarray"))]


@pytest.fixture(scope="module")
def matrix_fixtures(tmp_path_factory) -> list[Fixture]:
    """The arrays test_zarr_meta.py's round-trip matrix writes, written with its helper."""
    test_zarr_meta = pytest.importorskip("test_zarr_meta")
    base = tmp_path_factory.mktemp("matrix")
    out = []
    for case in test_zarr_meta.CASES:
        name, dtype, shape, chunks, order, separator, compressor, filters, fill, region = case
        fill_value = complex(*fill) if isinstance(fill, list) else float(fill) if isinstance(fill, str) else fill
        data = test_zarr_meta._sample_data(dtype, shape, with_nan=fill is not None and not filters)
        path = base / f"{name}.zarr"
        test_zarr_meta._write_v2(path, data, chunks=chunks, dtype=dtype, order=order, separator=separator,
                                 compressor=compressor, filters=filters, fill_value=fill_value, region=region)
        out.append(Fixture(f"test_zarr_meta:{name}", path))
    return out


@pytest.fixture(scope="module")
def pristine_fixtures(pristine) -> list[Fixture]:
    return [Fixture(f"pristine:{key}/{p.parent.relative_to(root).as_posix()}", p.parent)
            for key, root in sorted(pristine.items()) for p in sorted(root.rglob(".zarray"))]


def _all(matrix_fixtures, pristine_fixtures) -> list[Fixture]:
    return [*_data_fixtures(), *pristine_fixtures, *matrix_fixtures]


# --------------------------------------------------------------------------- the tests


def test_there_are_fixtures(matrix_fixtures, pristine_fixtures):
    assert len(_data_fixtures()) >= 60
    assert len(pristine_fixtures) >= 7  # v04_plain and v04_labels images, the spec example
    assert len(matrix_fixtures) >= 40


def _check_one(fx: Fixture) -> list[str]:
    """Problems of one fixture (empty: every disagreement is in the table, every applying entry disagrees)."""
    try:
        ours, theirs, observed, applying = _compare(fx.zarray, fx.zattrs)
    except MetadataConversionError as exc:  # pragma: no cover - every fixture converts
        return [f"{fx.name}: ours refuses it: {exc}"]
    problems = []
    explained = set().union(*(d.fields for d in applying)) if applying else set()
    unexplained = observed - explained
    if unexplained:
        detail = {f: (_normalise(ours).get(f), _normalise(theirs or {}).get(f)) for f in unexplained if f != REFUSED}
        problems.append(f"{fx.name}: disagreement not in DISAGREEMENTS: {sorted(unexplained)} "
                        f"(ours, zarr-python): {detail}")
    for d in applying:
        if not d.fields & observed:
            problems.append(f"{fx.name}: DISAGREEMENTS[{d.name!r}] applies but zarr-python now agrees: "
                            "remove or narrow the entry")
    return problems


def test_metadata_matches_zarr_python(matrix_fixtures, pristine_fixtures):
    problems = []
    used: set[str] = set()
    for fx in _all(matrix_fixtures, pristine_fixtures):
        problems += _check_one(fx)
        used |= {d.name for d in DISAGREEMENTS if d.applies(fx.zarray)}
    assert problems == []
    assert used == {d.name for d in DISAGREEMENTS}, "every entry must be exercised by some fixture"


def test_agreement_on_the_real_data():
    """The .zarray documents of tests/data (written by ome-zarr-py, bioformats2raw,
    ome2024-ngff-challenge, ...) need no table entry at all."""
    for fx in _data_fixtures():
        ours, theirs, observed, applying = _compare(fx.zarray, fx.zattrs)
        assert observed == set() and applying == [], (fx.name, observed, ours, theirs)


def _read(directory: Path, fmt: int) -> np.ndarray:
    return zarr.open_array(str(directory), mode="r", zarr_format=fmt)[...]


@pytest.mark.slow
def test_both_documents_decode_the_same_pixels(matrix_fixtures, pristine_fixtures, tmp_path):
    checked = 0
    for i, fx in enumerate(_all(matrix_fixtures, pristine_fixtures)):
        if not fx.chunk_files():
            continue
        zarray, zattrs = fx.zarray, fx.zattrs
        ours, theirs, observed, applying = _compare(zarray, zattrs)
        expected = _read(fx.directory, 2)
        for label, doc in (("ours", ours), ("zarr-python", theirs)):
            if doc is None:  # zarr-python refuses it even when made acceptable (bytes-level filters)
                continue
            work = tmp_path / f"{i}-{label}"
            shutil.copytree(fx.directory, work, ignore=shutil.ignore_patterns(".zarray", ".zattrs", "zarr.json"))
            (work / "zarr.json").write_text(json.dumps(doc))
            got = _read(work, 3)
            assert got.dtype == expected.dtype.newbyteorder("="), (fx.name, label)
            np.testing.assert_array_equal(got, expected, err_msg=f"{fx.name}: {label}")
        checked += 1
    assert checked >= 40
