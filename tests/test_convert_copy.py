"""Copy mode: a new Zarr v3 store from images written by ome-zarr-py."""

from __future__ import annotations

import json

import pytest
from checks import arrays_under, assert_documents_valid, assert_pixels_equal
from conftest import tree_digest

import ngff_migrate

CHUNK_METADATA = {".zarray", ".zattrs", ".zgroup", "zarr.json"}


@pytest.mark.parametrize("name,fmt", [("v04_labels", 2), ("v05_labels", 3)])
def test_copy_image_with_labels(tree, tmp_path, name, fmt):
    src = tree(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.status == "done"
    assert tree_digest(src) == before, "the source must not change"
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["version"] == "0.x"
    assert root["type"] == "collection"
    raw, stub = root["nodes"]
    assert raw["type"] == "multiscale" and raw["name"] == "raw image"
    assert [n["name"] for n in raw["nodes"]] == ["s0", "s1", "s2"]
    assert raw["attributes"]["ngff-migrate:omero"]["channels"][0]["label"] == "a"
    assert stub == {"type": "multiscale", "id": "nuclei", "name": "nuclei",
                    "path": {"type": "zarr", "path": "./labels/nuclei"},
                    "attributes": {"labels": {"source": [{"id": raw["id"]}]}}}
    label = docs["labels/nuclei/zarr.json"]
    assert "version" in label and label["type"] == "multiscale"
    labels = label["attributes"]["labels"]
    assert labels["source"] == [{"id": raw["id"], "path": {"type": "zarr", "path": "../.."}}]
    assert labels["labelAttributes"] == [{"labelValue": 3, "color": [255, 0, 0, 255]}]
    assert label["attributes"]["ngff-migrate:image-label"] == {
        "properties": [{"label-value": 3, "class": "nucleus", "lab:score": 0.9}]}
    # the labels group is a plain group; non-OME attributes stay outside "ome"
    assert json.loads((dst / "labels" / "zarr.json").read_text())["attributes"] == {}
    assert json.loads((dst / "zarr.json").read_text())["attributes"]["lab:note"] == "not OME"
    # every array: pixel-equal; every chunk file byte-identical; no v2 metadata left
    out = tree_digest(dst)
    assert arrays_under(dst) == arrays_under(src)
    for rel in arrays_under(src):
        assert_pixels_equal(src, fmt, dst, rel)
    chunks_src = {k: v for k, v in before.items() if k.rsplit("/", 1)[-1] not in CHUNK_METADATA}
    chunks_dst = {k: v for k, v in out.items() if k.rsplit("/", 1)[-1] not in CHUNK_METADATA}
    assert chunks_src == chunks_dst
    assert not any(k.endswith((".zarray", ".zattrs", ".zgroup")) for k in out)
    assert report.verification["chunks_compared"] == report.verification["chunks_total"] > 0


def test_v3_array_documents_kept_verbatim(tree, tmp_path):
    src = tree("v05_plain")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst)
    for rel in arrays_under(src):
        assert (dst / rel / "zarr.json").read_bytes() == (src / rel / "zarr.json").read_bytes()


def test_v2_arrays_get_v2_chunk_key_encoding(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst)
    meta = json.loads((dst / "s0" / "zarr.json").read_text())
    zarray = json.loads((src / "s0" / ".zarray").read_text())
    assert meta["chunk_key_encoding"] == {"name": "v2", "configuration": {
        "separator": zarray.get("dimension_separator", ".")}}
    assert meta["dimension_names"] == ["c", "z", "y", "x"]
    assert meta["shape"] == zarray["shape"]


def test_output_is_deterministic(tree, tmp_path):
    src = tree("v04_labels")
    a, b = tmp_path / "a.zarr", tmp_path / "b.zarr"
    ngff_migrate.convert(src, a)
    ngff_migrate.convert(src, b)
    assert tree_digest(a) == tree_digest(b)


def test_target_version_and_prefix(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, target_version="1.0.dev0", prefix="legacy")
    root = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]
    assert root["version"] == "1.0.dev0"
    assert root["type"] == "multiscale"
    assert "legacy:omero" in root["attributes"]


def test_link_mode_hard_links_chunks(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, link=True)
    assert report.write.files_linked > 0 and report.write.files_copied == 0
    chunk = next(p for p in (src / "s0").rglob("*") if p.is_file() and not p.name.startswith("."))
    assert (dst / chunk.relative_to(src)).stat().st_ino == chunk.stat().st_ino


@pytest.mark.parametrize("name,fmt", [("v04_global", 2), ("v05_global", 3)])
def test_spec_example_global_transforms_composed(tree, tmp_path, name, fmt):
    """The spec's multiscales_transformations example: the multiscale-level
    scale [10, 10] is composed into the level; type/metadata are carried."""
    src = tree(name)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    root = assert_documents_valid(dst)["zarr.json"]
    level = root["nodes"][0]
    assert level["attributes"]["coordinateTransformations"] == [
        {"type": "scale", "scale": [10.0, 10.0], "input": {"id": "0"}, "output": {"id": "physical"}}]
    assert root["attributes"]["ngff-migrate:type"] == "foo"
    assert root["attributes"]["ngff-migrate:metadata"] == {"key": "value"}
    assert root["name"] == "image_with_coordinateTransformations"
    carried = {k.key for k in report.keys if k.disposition == "carried"}
    assert {"multiscales[0].type", "multiscales[0].metadata"} <= carried
    assert_pixels_equal(src, fmt, dst, "0")


def _rewrite_level(src, rel, **create):
    """Replace one level of a 0.4 image with a v2 array using other encodings."""
    import numpy as np
    import zarr

    data = zarr.open_array(src / rel, mode="r", zarr_format=2)[...]
    arr = zarr.create_array(store=src / rel, shape=data.shape, dtype=data.dtype, zarr_format=2,
                            overwrite=True, **create)
    arr[...] = data
    return np.asarray(data)


def test_v2_encodings_f_order_filters_fill_null_end_to_end(tree, tmp_path):
    """F order, a Delta filter, Blosc, '.' separator and fill_value null,
    migrated in place and by copy: pixels equal, chunks untouched, fill
    value reported."""
    import numcodecs
    import numpy as np
    import zarr

    src = tree("v04_plain")
    expected = _rewrite_level(src, "s1", chunks=(1, 4, 8, 8), order="F", fill_value=None,
                              filters=[numcodecs.Delta(dtype="<u2")],
                              compressors=numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.BITSHUFFLE),
                              chunk_key_encoding={"name": "v2", "separator": "."})
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert any("fill_value" in w and "s1" in w for w in report.warnings), report.warnings
    meta = json.loads((dst / "s1" / "zarr.json").read_text())
    names = [c["name"] for c in meta["codecs"]]
    assert names == ["transpose", "numcodecs.delta", "bytes", "blosc"]
    assert meta["chunk_key_encoding"] == {"name": "v2", "configuration": {"separator": "."}}
    np.testing.assert_array_equal(zarr.open_array(dst / "s1", mode="r", zarr_format=3)[...], expected)
    chunks = {k: v for k, v in before.items() if k.startswith("s1/") and not k.endswith((".zarray", ".zattrs"))}
    assert chunks and all(tree_digest(dst)[k] == v for k, v in chunks.items())
    report = ngff_migrate.convert(src, in_place=True, verify="full")
    np.testing.assert_array_equal(zarr.open_array(src / "s1", mode="r", zarr_format=3)[...], expected)
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def test_non_expressible_array_fails_cleanly(tree, tmp_path):
    """An array whose v2 encoding has no byte-identical v3 form (a Delta
    filter with another dtype) is refused with the .zarray named; nothing
    is written."""
    src = tree("v04_plain")
    zarray = json.loads((src / "s2" / ".zarray").read_text())
    zarray["filters"] = [{"id": "delta", "dtype": ">u2"}]
    (src / "s2" / ".zarray").write_text(json.dumps(zarray))
    before = tree_digest(src)
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert info.value.path.endswith("s2/.zarray")
    assert not (tmp_path / "out.zarr").exists()
    with pytest.raises(ngff_migrate.MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == before


def test_group_with_two_multiscales_entries_becomes_a_collection(tree, tmp_path):
    src = tree("v04_plain")
    attrs = json.loads((src / ".zattrs").read_text())
    second = json.loads(json.dumps(attrs["multiscales"][0]))
    second["name"] = "coarse view"
    second["datasets"] = second["datasets"][1:]
    attrs["multiscales"].append(second)
    (src / ".zattrs").write_text(json.dumps(attrs))
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="full")
    root = assert_documents_valid(dst)["zarr.json"]
    assert root["type"] == "collection"
    assert [(n["type"], n["name"]) for n in root["nodes"]] == [("multiscale", "raw image"),
                                                                ("multiscale", "coarse view")]
    assert [s["name"] for s in root["nodes"][1]["nodes"]] == ["s1", "s2"]
    ids = [s["id"] for n in root["nodes"] for s in n["nodes"]]
    assert len(ids) == len(set(ids))
    assert "ngff-migrate:omero" in root["attributes"]
    assert ngff_migrate.validate(dst).ok
