"""Migration of REAL dataset metadata (tests/data/real, see PROVENANCE.md there).

The documents come from public repositories (ome-zarr-models-py, ome-zarr-py,
ome2024-ngff-challenge, yaozarrs, ome-ngff-validator). Most trees hold
metadata only; every dataset whose array is absent gets a tiny real Zarr array
(v2 for NGFF 0.4, v3 for 0.5) with as many dimensions as the image has axes,
so that the trees are runnable. Arrays whose ``.zarray``/``zarr.json`` is real
are kept as they are (with their real chunk files, or none).

Not migrated here: plates, wells and bioformats2raw containers (out of scope;
their image groups are migrated one by one), ome-zarr-py's v1/v2 samples (NGFF
0.1/0.2: refused, test_pre_04_ome_zarr_py_samples_refused) and NGFF 0.6 examples.
Real metadata that must be refused: test_invalid_real_metadata.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from checks import arrays_under, assert_documents_valid, assert_pixels_equal
from conftest import tree_digest

import ngff_migrate
from ngff_migrate import MigrateError

REAL = Path(__file__).parent / "data" / "real"

MODELS = "ome-zarr-models-py/tests/data"
OZP = "ome-zarr-py/tests/data"
CHALLENGE = "ome2024-ngff-challenge/tests/data"
YAO = "yaozarrs/tests/data"
VALIDATOR = "ome-ngff-validator/test_samples/invalid"
BROKEN = f"{YAO}/broken/broken_v05.ome.zarr"

V2_META = {".zarray", ".zattrs", ".zgroup", "zarr.json"}
#: OME keys that the migration maps (everything else at the top level of the
#: OME metadata must be carried under ``ngff-migrate:<key>``).
MAPPED_TOP = {"multiscales", "version", "labels", "image-label"}
#: NGFF keys of a Zarr v2 ``.zattrs`` (0.4 has no ``ome`` namespace: any other
#: key, e.g. omero-zarr's ``_creator``, is a non-OME attribute there).
V04_OME_KEYS = {"multiscales", "omero", "labels", "image-label"}

# ---------------------------------------------------------------------------
# The trees. Each is (zarr_format, [(destination dir, source)]), where source is
# a directory (copied), a metadata file (copied into the destination dir) or
# an attributes-only JSON document from ome-zarr-models-py (wrapped into a
# .zattrs + .zgroup for 0.4, a group zarr.json for 0.5).
# ---------------------------------------------------------------------------

Tree = tuple[int, list[tuple[str, str]]]

TREES: dict[str, Tree] = {
    # ome-zarr-models-py: example attribute documents (no arrays)
    "models-v04-multiscales_example": (2, [("", f"{MODELS}/examples/v04/multiscales_example.json")]),
    "models-spec_example_multiscales": (2, [("", f"{MODELS}/spec_example_multiscales.json")]),
    "models-v04-image_label_example": (2, [("", f"{MODELS}/examples/v04/image_label_example.json")]),
    # the spec example image with the v04 label image under a real 'labels' group document
    "models-v04-spec+labels+image_label": (2, [
        ("", f"{MODELS}/spec_example_multiscales.json"),
        ("labels", f"{YAO}/v04/2551.zarr/A/2/3/labels"),
        ("labels/0", f"{MODELS}/examples/v04/image_label_example.json"),
    ]),
    # an image (field) of a real HCS plate: real .zarray documents, no chunks
    "models-v04-hcs_example-B-03-0": (2, [("", f"{MODELS}/examples/v04/hcs_example.ome.zarr/B/03/0")]),
    "models-v05-image_example": (3, [("", f"{MODELS}/examples/v05/image_example.json")]),
    # the layout ome-zarr-models-py's own tests build from these documents
    "models-v05-image+labels_image": (3, [
        ("", f"{MODELS}/examples/v05/image_example.json"),
        ("labels", f"{MODELS}/examples/v05/labels_example.json"),
        ("labels/cell_space_segmentation", f"{MODELS}/examples/v05/labels_image_example.json"),
    ]),
    "models-v05-image+image_label": (3, [
        ("", f"{MODELS}/examples/v05/image_example.json"),
        ("labels", f"{MODELS}/examples/v05/labels_example.json"),
        ("labels/cell_space_segmentation", f"{MODELS}/examples/v05/image_label_example.json"),
    ]),
    # ome-zarr-py: images (series / plate fields) written by bioformats2raw, real chunks
    "ozp-fake-series-2-0": (2, [("", f"{OZP}/bf2raw/fake-series-2.zarr/0")]),
    "ozp-fake-series-2-1": (2, [("", f"{OZP}/bf2raw/fake-series-2.zarr/1")]),
    "ozp-plate-rows-2-A-1-0": (2, [("", f"{OZP}/bf2raw/plate-rows-2.zarr/A/1/0")]),
    "ozp-plate-rows-2-B-1-0": (2, [("", f"{OZP}/bf2raw/plate-rows-2.zarr/B/1/0")]),
    # ome-zarr-py v1/v2 are NGFF 0.1/0.2 (refused, see test_pre_04_refused); their
    # real arrays (v1: '.'-separated chunk keys, v2: '/') under real 0.4 image
    # metadata with the same rank (ome2024-ngff-challenge 2d.zarr, tczyx, path "0")
    "ozp-v1-array-under-2d-metadata": (2, [
        ("", f"{CHALLENGE}/2d.zarr/.zattrs"), ("", f"{CHALLENGE}/2d.zarr/.zgroup"),
        ("0", f"{OZP}/v1/0"),
    ]),
    "ozp-v2-array-under-2d-metadata": (2, [
        ("", f"{CHALLENGE}/2d.zarr/.zattrs"), ("", f"{CHALLENGE}/2d.zarr/.zgroup"),
        ("0", f"{OZP}/v2/0"),
    ]),
    # ome2024-ngff-challenge: real chunks
    "challenge-2d": (2, [("", f"{CHALLENGE}/2d.zarr")]),
    "challenge-bf2raw-0": (2, [("", f"{CHALLENGE}/bf2raw.zarr/0")]),
    "challenge-bf2raw-1": (2, [("", f"{CHALLENGE}/bf2raw.zarr/1")]),
    **{f"challenge-hcs-{w.replace('/', '-')}": (2, [("", f"{CHALLENGE}/hcs.zarr/{w}")])
       for w in ("A/1/0", "A/1/1", "A/2/0", "A/2/1", "B/1/0", "B/1/1", "B/2/0", "B/2/1")},
    # yaozarrs: metadata of public datasets (IDR, BIA, ...)
    **{f"yao-v04-2551-{w.replace('/', '-')}": (2, [("", f"{YAO}/v04/2551.zarr/{w}")])
       for w in ("A/2/2", "B/1/3", "B/1/4", "B/2/1")},
    "yao-v04-4007801": (2, [("", f"{YAO}/v04/4007801.zarr")]),
    "yao-v04-9798462": (2, [("", f"{YAO}/v04/9798462.zarr")]),
    **{f"yao-v05-{name}": (3, [("", f"{YAO}/v05/{name}.zarr")]) for name in (
        "1micron_reconstructions_VOI1", "4ffaeed2-fa70-4907-820f-8a96ef683095",
        "6001240_labels", "79ad519b-0aa6-4d64-85a9-6cea2318b980", "9822152",
        "ExpD_chicken_embryo_MIP.ome", "c0e5d621-62cc-43a6-9dad-2ddab8959d17",
        "fb416517-e36d-4bdb-98f9-47b644138d47")},
    **{f"yao-v05-76-45-{w.replace('/', '-')}": (3, [("", f"{YAO}/v05/76-45.ome.zarr/{w}")])
       for w in ("A/1/0", "A/2/0", "B/1/0", "B/2/0")},
    # ome-ngff-validator 'invalid' sample whose only problem is omero.window
    # without min/max: migrates with lenient=True (strict: see test_invalid_real_metadata)
    "validator-missing_min": (2, [("", f"{VALIDATOR}/missing_min.zarr")]),
    # yaozarrs' intentionally broken plate: these fields are themselves valid
    # images (the breakage is in their well or elsewhere) and must migrate
    **{f"broken-{w.replace('/', '-')}": (3, [("", f"{BROKEN}/{w}")])
       for w in ("A/2/0", "A/2/1", "A/3/1", "B/1/1", "B/2/1", "C/1/0", "C/2/1", "C/3/0", "C/3/1")},
    # the float32 label image of broken B/1/0 (yaozarrs: label_non_integer_dtype)
    # under the valid field B/1/1: NGFF says label pixels MUST be integers, but
    # nothing in the migration depends on it; it migrates pixel-identically
    "broken-B-1-1+float32-labels-of-B-1-0": (3, [
        ("", f"{BROKEN}/B/1/1"), ("labels", f"{BROKEN}/B/1/0/labels"),
    ]),
}

#: Trees whose real metadata fails ome-zarr-models validation -> lenient=True,
#: with a substring the report's warnings must contain.
LENIENT: dict[str, str] = {
    "validator-missing_min": "omero",
}

#: Trees with real chunk files (pixel equality is checked on every tree, but
#: these are the ones where it compares real bytes written by another tool).
REAL_CHUNKS = {name for name in TREES if name.startswith(("ozp-", "challenge-"))}


# ---------------------------------------------------------------------------
# building runnable trees
# ---------------------------------------------------------------------------

def _place(dst: Path, src_rel: str, fmt: int) -> None:
    src = REAL / src_rel
    dst.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True, copy_function=shutil.copyfile)
    elif src.name in V2_META:
        shutil.copyfile(src, dst / src.name)
    else:  # an attributes-only JSON document
        attrs = json.loads(src.read_text())
        if fmt == 2:
            (dst / ".zattrs").write_text(json.dumps(attrs, indent=2))
            (dst / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        else:
            (dst / "zarr.json").write_text(json.dumps(
                {"zarr_format": 3, "node_type": "group", "attributes": attrs}, indent=2))


def _group_attrs(directory: Path) -> dict[str, Any] | None:
    """The attributes of a group in ``directory`` (v2 or v3), else None."""
    if (directory / "zarr.json").is_file():
        doc = json.loads((directory / "zarr.json").read_text())
        return doc.get("attributes", {}) if doc.get("node_type") == "group" else None
    if (directory / ".zattrs").is_file() and not (directory / ".zarray").is_file():
        return json.loads((directory / ".zattrs").read_text())
    return None


def _ome(attrs: dict[str, Any], fmt: int) -> dict[str, Any]:
    return attrs.get("ome", {}) if fmt == 3 else attrs


def _has_array(directory: Path) -> bool:
    if (directory / ".zarray").is_file():
        return True
    f = directory / "zarr.json"
    return f.is_file() and json.loads(f.read_text()).get("node_type") == "array"


def _fill_missing_arrays(root: Path, fmt: int) -> list[str]:
    """Create a tiny array for every dataset path (of every image and label
    image under ``root``) that holds none. Returns the created paths."""
    created = []
    for directory in sorted([root, *[p for p in root.rglob("*") if p.is_dir()]]):
        attrs = _group_attrs(directory)
        if not attrs:
            continue
        ome = _ome(attrs, fmt)
        is_label = "image-label" in ome or "labels" in directory.relative_to(root).parts
        channels = len((ome.get("omero") or {}).get("channels") or []) or 2
        for m, ms in enumerate(ome.get("multiscales") or []):
            axes = [a if isinstance(a, dict) else {"name": a} for a in ms.get("axes", [])]
            for level, ds in enumerate(ms.get("datasets", [])):
                target = directory / ds["path"].strip("/")
                if _has_array(target):
                    continue
                shape, chunks = [], []
                for axis in axes:
                    kind = axis.get("type")
                    if kind == "channel":
                        shape.append(1 if is_label else channels)
                        chunks.append(shape[-1])
                    elif kind == "time":
                        shape.append(2)
                        chunks.append(2)
                    else:  # space or unknown: 4, 2, 1, 1, ... (2 chunks per axis at level 0)
                        shape.append(max(1, 4 >> level))
                        chunks.append(2)
                dtype = "uint32" if is_label else "uint16"
                kwargs: dict[str, Any] = (
                    {"chunk_key_encoding": {"name": "v2", "separator": "/"}} if fmt == 2
                    else {"dimension_names": [a["name"] for a in axes]})
                arr = zarr.create_array(store=str(target), shape=tuple(shape), chunks=tuple(chunks),
                                        dtype=dtype, zarr_format=fmt, fill_value=0, **kwargs)
                n = int(np.prod(shape))
                arr[...] = ((np.arange(n, dtype=np.uint64) * 7 + 3 * level + m) % 251).astype(dtype).reshape(shape)
                created.append(target.relative_to(root).as_posix())
    return created


def build_tree(name: str, base: Path) -> Path:
    fmt, parts = TREES[name]
    root = base / f"{name}.zarr"
    for dest, src in parts:
        _place(root / dest if dest else root, src, fmt)
    _fill_missing_arrays(root, fmt)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every runnable tree, built once per module. Never modify these."""
    base = tmp_path_factory.mktemp("real")
    return {name: build_tree(name, base) for name in TREES}


@pytest.fixture
def real_tree(built, tmp_path):
    def make(name: str) -> Path:
        dst = tmp_path / built[name].name
        shutil.copytree(built[name], dst)
        return dst
    return make


# ---------------------------------------------------------------------------
# reading the source trees for the oracles
# ---------------------------------------------------------------------------

def _source_groups(root: Path) -> dict[str, dict[str, Any]]:
    """Relative dir ("" = root) -> attributes of every group document in a source tree."""
    out = {}
    for directory in sorted([root, *[p for p in root.rglob("*") if p.is_dir()]]):
        attrs = _group_attrs(directory)
        if attrs:
            out["" if directory == root else directory.relative_to(root).as_posix()] = attrs
    return out


def _split(attrs: dict[str, Any], fmt: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(OME metadata, non-OME attributes) of a legacy group's attributes."""
    if fmt == 3:
        return attrs.get("ome", {}), {k: v for k, v in attrs.items() if k != "ome"}
    return ({k: v for k, v in attrs.items() if k in V04_OME_KEYS},
            {k: v for k, v in attrs.items() if k not in V04_OME_KEYS})


def _nodes(node: dict[str, Any]):
    yield node
    for child in node.get("nodes", []):
        yield from _nodes(child)


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def _legacy_datasets(groups: dict[str, dict[str, Any]], fmt: int) -> list[tuple[str, int, dict]]:
    return [(rel, i, ms) for rel, attrs in groups.items()
            for i, ms in enumerate(_split(attrs, fmt)[0].get("multiscales") or [])]


def _bug(name: str, exc: MigrateError) -> str:
    return (f"BUG in src: the real metadata of {name!r} (which passes ome-zarr-models"
            f"{' with lenient=True' if name in LENIENT else ''}) failed to migrate: {exc}")


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TREES))
@pytest.mark.slow
def test_copy_real_metadata(real_tree, tmp_path, name):
    fmt = TREES[name][0]
    src = real_tree(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    try:
        report = ngff_migrate.convert(src, dst, verify="full", lenient=name in LENIENT)
    except MigrateError as exc:
        assert tree_digest(src) == before and not dst.exists()
        pytest.fail(_bug(name, exc))
    assert report.status == "done"
    assert tree_digest(src) == before, "the source must not change"

    invalid = [w for w in report.warnings if "invalid NGFF metadata" in w]
    if name in LENIENT:
        assert any(LENIENT[name] in w for w in invalid), report.warnings
    else:
        assert invalid == []

    validation = ngff_migrate.validate(dst)
    assert validation.ok, [v.one_line() for v in validation.violations]
    docs = assert_documents_valid(dst)
    assert [k for k in report.keys if k.disposition == "dropped"] == []

    records = {(k.file, k.key): k.disposition for k in report.keys}
    groups = _source_groups(src)
    meta_name = "zarr.json" if fmt == 3 else ".zattrs"
    for rel, attrs in groups.items():
        file = _join(rel, meta_name)
        out_attrs = json.loads((dst / rel / "zarr.json").read_text())["attributes"]
        holders = [out_attrs, *(n.get("attributes", {}) for n in _nodes(out_attrs.get("ome", {})))]
        ome, other = _split(attrs, fmt)
        carried = [(k, v) for k, v in ome.items() if k not in MAPPED_TOP]
        for i, ms in enumerate(ome.get("multiscales") or []):
            carried += [(f"multiscales[{i}].{k}", v) for k, v in ms.items()
                        if k not in ("axes", "datasets", "coordinateTransformations", "name", "version")]
        for key, value in carried:
            assert records.get((file, key)) == "carried", (file, key, records.get((file, key)))
            short = key.rsplit(".", 1)[-1] if key.startswith("multiscales[") else key
            assert any(h.get(f"ngff-migrate:{short}") == value for h in holders), (file, key)
        for key, value in other.items():
            assert out_attrs.get(key) == value, f"non-OME attribute {key!r} of {file} not preserved"
            assert records.get((file, key)) == "preserved", (file, key)

    # one singlescale per legacy dataset, legacy names kept
    legacy = _legacy_datasets(groups, fmt)
    singlescales = [n for doc in docs.values() for n in _nodes(doc) if n.get("type") == "singlescale"]
    assert len(singlescales) == sum(len(ms["datasets"]) for _, _, ms in legacy)
    names = {n["name"] for doc in docs.values() for n in _nodes(doc)
             if n.get("type") == "multiscale" and "nodes" in n}
    assert {ms["name"] for _, _, ms in legacy if ms.get("name")} <= names

    # arrays: same set, pixel-identical, chunk files byte-identical
    assert arrays_under(dst) == arrays_under(src)
    chunks = {k: v for k, v in before.items() if k.rsplit("/", 1)[-1] not in V2_META}
    if name in REAL_CHUNKS:  # an oracle independent of the tool's own verify="full"
        for rel in arrays_under(src):
            assert_pixels_equal(src, fmt, dst, rel)
    after = tree_digest(dst)
    assert chunks.items() <= after.items()
    if name in REAL_CHUNKS:
        assert chunks, "expected real chunk files"
    assert report.verification["chunks_compared"] == report.verification["chunks_total"]


@pytest.mark.parametrize("name", sorted(TREES))
@pytest.mark.slow
def test_in_place_then_rollback_real_metadata(real_tree, name):
    src = real_tree(name)
    before = tree_digest(src)
    try:  # verify="none": the copy test compares the pixels
        ngff_migrate.convert(src, in_place=True, verify="none", lenient=name in LENIENT)
    except MigrateError as exc:
        assert tree_digest(src) == before, "a failed in-place run must leave the tree as it was"
        pytest.fail(_bug(name, exc))
    validation = ngff_migrate.validate(src)  # (rules + schemas + links + arrays)
    assert validation.ok, [v.one_line() for v in validation.violations]
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


@pytest.mark.parametrize("name", sorted(TREES))
def test_report_lists_every_legacy_key(built, name):
    """docs/decisions.md: "The report lists every legacy key with mapped,
    carried, preserved or dropped" -- checked for the top-level keys of every
    group document, the keys of every multiscales entry and of image-label."""
    fmt = TREES[name][0]
    src = built[name]
    plan = ngff_migrate.plan(src, lenient=name in LENIENT)
    listed = {(k.file, k.key) for k in plan.keys}
    unlisted = []
    for rel, attrs in _source_groups(src).items():
        file = _join(rel, "zarr.json" if fmt == 3 else ".zattrs")
        ome, other = _split(attrs, fmt)
        expected = {k for k in [*ome, *other] if k not in ("multiscales", "image-label")}
        for i, ms in enumerate(ome.get("multiscales") or []):
            expected |= {f"multiscales[{i}].{k}" for k in ms}
        expected |= {f"image-label.{k}" for k in ome.get("image-label") or {}}
        for key in sorted(expected):
            if not any(f == file and (k == key or k.startswith(f"{key}.")) for f, k in listed):
                unlisted.append(f"{file}: {key}")
    assert unlisted == [], f"BUG in src: legacy keys missing from the report: {unlisted}"


def test_v1_chunk_keys_are_dot_separated():
    """The ome-zarr-py v1 array really uses '.'-separated chunk keys (no
    dimension_separator), so its tree exercises that encoding."""
    zarray = json.loads((REAL / OZP / "v1/0/.zarray").read_text())
    assert "dimension_separator" not in zarray
    assert (REAL / OZP / "v1/0/0.0.0.0.0").is_file()


@pytest.mark.parametrize("name", ["ozp-v1-array-under-2d-metadata", "ozp-v2-array-under-2d-metadata"])
def test_ome_zarr_py_real_chunks_read_through_zarr_v3(real_tree, tmp_path, name):
    src = real_tree(name)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="full")
    meta = json.loads((dst / "0" / "zarr.json").read_text())
    sep = "." if name.startswith("ozp-v1") else "/"
    assert meta["chunk_key_encoding"] == {"name": "v2", "configuration": {"separator": sep}}
    a = zarr.open_array(src / "0", mode="r", zarr_format=2)[...]
    b = zarr.open_array(dst / "0", mode="r", zarr_format=3)[...]
    assert a.any(), "the real chunk holds non-zero pixels"
    np.testing.assert_array_equal(a, b)
    assert a.dtype == b.dtype


@pytest.mark.parametrize("which,version", [("v1", "0.1"), ("v2", "0.2")])
def test_pre_04_ome_zarr_py_samples_refused(tmp_path, which, version):
    """ome-zarr-py tests/data v1/v2 are NGFF 0.1/0.2 (no axes): out of scope."""
    src = tmp_path / f"{which}.zarr"
    _place(src, f"{OZP}/{which}", 2)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    with pytest.raises(ngff_migrate.UnsupportedError) as info:
        ngff_migrate.convert(src, dst, verify="full")
    assert info.value.path == str(src / ".zattrs")
    assert str(src / ".zattrs") in str(info.value) and repr(version) in str(info.value)
    assert tree_digest(src) == before
    assert not dst.exists()


#: Real metadata that must be refused: (zarr_format, parts, fill missing arrays,
#: the file or directory the error must name, relative to the tree, a word of the problem).
INVALID: dict[str, tuple[int, list[tuple[str, str]], bool, str, str]] = {
    "validator-invalid_version": (2, [("", f"{VALIDATOR}/invalid_version.zarr")], True, ".zattrs", "abc123"),
    "validator-no_version_v0.4": (2, [("", f"{VALIDATOR}/no_version_v0.4.zarr")], True, ".zattrs", "version"),
    # a 0.5 document stored as .zattrs: no OME key at the top level
    "validator-no_version_v0.5": (2, [("", f"{VALIDATOR}/no_version_v0.5.zarr")], True, ".zattrs", "OME"),
    # strict mode (it migrates with lenient=True, see TREES)
    "validator-missing_min": (2, [("", f"{VALIDATOR}/missing_min.zarr")], True, ".zattrs", "window"),
    "models-v05-image_no_version": (
        3, [("", f"{MODELS}/examples/v05/image_no_version_example.json")], True, "zarr.json", "version"),
    # yaozarrs' broken plate, field by field (never filled: the breakage is in the storage)
    "broken-A-1-0 (dataset_path_not_found)": (3, [("", f"{BROKEN}/A/1/0")], False, "0", "no Zarr array"),
    "broken-A-1-1 (label_path_not_group)": (
        3, [("", f"{BROKEN}/A/1/1")], False, "labels/annotations", "group"),
    "broken-A-3-0 (label_image_invalid)": (
        3, [("", f"{BROKEN}/A/3/0")], False, "labels/annotations/zarr.json", "multiscales"),
    "broken-B-1-0 (dataset_dimension_mismatch)": (
        3, [("", f"{BROKEN}/B/1/0")], False, "0", "dimensions"),
    "broken-B-2-0 (dataset_not_array)": (3, [("", f"{BROKEN}/B/2/0")], False, "0", "no Zarr array"),
    "broken-B-3-0 (labels_not_group)": (3, [("", f"{BROKEN}/B/3/0")], False, "labels/zarr.json", "group"),
    "broken-B-3-1 (field_path_not_group)": (3, [("", f"{BROKEN}/B/3/1")], False, "", "array"),
    "broken-C-2-0 (field_image_invalid)": (3, [("", f"{BROKEN}/C/2/0")], False, "zarr.json", "multiscales"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_real_metadata(tmp_path, name):
    fmt, parts, fill, expected, word = INVALID[name]
    src = tmp_path / "src.zarr"
    for dest, rel in parts:
        _place(src / dest if dest else src, rel, fmt)
    if fill:
        _fill_missing_arrays(src, fmt)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    try:
        report = ngff_migrate.convert(src, dst, verify="full")
    except MigrateError as exc:
        named = src / expected if expected else src
        assert exc.path == str(named), (exc.path, str(named))
        assert str(named) in str(exc)
        assert word.lower() in exc.problem.lower(), exc.problem
    else:
        pytest.fail(f"BUG in src: {name} was migrated instead of refused "
                    f"({expected or '.'} is broken); warnings: {report.warnings}")
    assert tree_digest(src) == before
    assert not dst.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src.zarr"], "no partial output left behind"
