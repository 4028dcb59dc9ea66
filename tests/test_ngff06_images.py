"""OME-Zarr 0.6 images: images written by ngff-zarr (0.6 and 0.9.dev1), the
0.6.dev1-dev3 string references, coordinate-system ids, level and
multiscale-level transformations, labels, parameter fields, in-place
migration, determinism and the reverse map."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import assert_documents_valid, assert_pixels_equal
from conftest import tree_digest
from test_ngff06_trees import DATA, SPACE, build_image, load_doc, simple_image, write_array

import ngff_migrate
from ngff_migrate.errors import VerificationError

nz = pytest.importorskip("ngff_zarr")


def _ngff_zarr_image(path: Path, version: str) -> Path:
    rng = np.random.default_rng(6)
    image = nz.to_ngff_image(rng.integers(0, 4000, (2, 24, 20), dtype=np.uint16), dims=["c", "y", "x"],
                             scale={"c": 1.0, "y": 0.5, "x": 0.25}, translation={"y": 1.0, "x": 2.0},
                             axes_units={"y": "micrometer", "x": "micrometer"}, name="cells")
    nz.to_ngff_zarr(str(path), nz.to_multiscales(image, scale_factors=[2], chunks=8), version=version)
    return path


def _ome(dst: Path, rel: str = "") -> dict:
    return json.loads((dst / rel / "zarr.json").read_text())["attributes"]["ome"]


@pytest.mark.parametrize("version", ["0.6", "0.9.dev1"])
def test_ngff_zarr_image(tmp_path, version):
    src = _ngff_zarr_image(tmp_path / "cells.ome.zarr", version)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    assert (report.layout, report.version) == ("ngff06-image", version)
    root = assert_documents_valid(dst)["zarr.json"]
    assert root["type"] == "multiscale" and root["name"] == "cells"
    assert root["attributes"]["coordinateSystems"] == [
        {"id": "intrinsic", "axes": [{"name": "c", "type": "channel"},
                                     {"name": "y", "type": "space", "unit": "micrometer"},
                                     {"name": "x", "type": "space", "unit": "micrometer"}]}]
    s0 = root["nodes"][0]
    assert s0["path"] == {"type": "zarr", "path": "./scale0/cells"}
    t = s0["attributes"]["coordinateTransformations"][0]
    assert (t["type"], t["name"], t["input"], t["output"]) == (
        "sequence", "scale0_to_intrinsic", {"id": s0["id"]}, {"id": "intrinsic"})
    assert t["transformations"] == [{"type": "scale", "scale": [1.0, 0.5, 0.25]},
                                    {"type": "translation", "translation": [0.0, 1.0, 2.0]}]
    assert root["attributes"]["ngff-migrate:@type"] == "ngff:Image"  # an unknown multiscales key, carried
    # ngff-zarr consolidates the v3 metadata: the cache of the legacy documents is not rewritten, and said so
    assert "consolidated_metadata" not in json.loads((dst / "zarr.json").read_text())
    assert any(k.key == "consolidated_metadata" for k in report.keys)
    for level in ("scale0/cells", "scale1/cells"):
        assert_pixels_equal(src, 3, dst, level)
    assert report.verification["reverse_map"] == {"documents": 1, "equal": True, "mismatches": [],
                                                  "compared": ["zarr.json"], "zarr_documents": 2}


def test_rfc4_orientation_and_rfc3_axes_at_0_9_dev1(tmp_path):
    """0.9.dev1 (0.6 + RFC-3 + RFC-4): an axis ``orientation`` is carried
    verbatim; a custom axis type becomes prefixed and comes back in the
    reverse map."""
    src = tmp_path / "brain.zarr"
    axes = [{"name": "angle", "type": "tilt"},
            {"name": "y", "type": "space", "unit": "micrometer",
             "orientation": {"type": "anatomical", "value": "anterior-to-posterior"}},
            {"name": "x", "type": "space", "unit": "micrometer",
             "orientation": {"type": "anatomical", "value": "left-to-right"}}]
    simple_image(src, "0.9.dev1", axes=axes, levels=2)
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    cs = assert_documents_valid(tmp_path / "out.zarr")["zarr.json"]["attributes"]["coordinateSystems"][0]
    assert cs["axes"][0] == {"name": "angle", "type": "ngff-migrate:tilt"}
    assert cs["axes"][1]["orientation"] == {"type": "anatomical", "value": "anterior-to-posterior"}
    assert report.verification["reverse_map"]["mismatches"] == []


@pytest.mark.parametrize("version", ["0.6.dev1", "0.6.dev2", "0.6.dev3"])
def test_string_references_up_to_dev3(tmp_path, version):
    """Up to 0.6.dev3 ``input``/``output`` are strings: the dataset path and
    coordinate-system names. They become references; the reverse map writes
    strings again."""
    src = tmp_path / "img.zarr"
    simple_image(src, version, levels=2)
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ms = ome["multiscales"][0]
    ms["coordinateSystems"].append({"name": "stage", "axes": SPACE[1:]})
    ms["coordinateTransformations"] = [{"type": "translation", "translation": [5, 7], "input": "physical",
                                        "output": "stage"}]
    group.attrs["ome"] = ome
    assert ms["datasets"][1]["coordinateTransformations"][0]["input"] == "s1"
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    root = assert_documents_valid(tmp_path / "out.zarr")["zarr.json"]
    assert root["attributes"]["coordinateTransformations"] == [
        {"type": "translation", "translation": [5, 7], "input": {"id": "physical"}, "output": {"id": "stage"}}]
    assert root["nodes"][1]["attributes"]["coordinateTransformations"][0]["input"] == {"id": "s1"}
    assert report.verification["reverse_map"]["equal"] == 1


def test_dev4_objects_refused_at_dev3_and_strings_refused_at_dev4(tmp_path):
    simple_image(tmp_path / "a.zarr", "0.6.dev4")
    group = zarr.open_group(str(tmp_path / "a.zarr"), mode="r+")
    ome = dict(group.attrs["ome"])
    group.attrs["ome"] = {**ome, "version": "0.6.dev3"}
    with pytest.raises(ngff_migrate.MigrateError, match="must be a string at OME-Zarr 0.6.dev3"):
        ngff_migrate.convert(tmp_path / "a.zarr", tmp_path / "out.zarr")
    simple_image(tmp_path / "b.zarr", "0.6.dev3")
    group = zarr.open_group(str(tmp_path / "b.zarr"), mode="r+")
    group.attrs["ome"] = {**dict(group.attrs["ome"]), "version": "0.6.dev4"}
    with pytest.raises(ngff_migrate.MigrateError, match=r'must be an object \{"name", "path"\}'):
        ngff_migrate.convert(tmp_path / "b.zarr", tmp_path / "out.zarr")


def test_coordinate_system_ids(tmp_path):
    """Names that are valid and free keep their name as id; a name with a
    space or one repeated in another multiscales entry gets a derived id and
    keeps its name; a level path equal to a system name yields to it."""
    src = tmp_path / "ids.zarr"
    simple_image(src, "0.6rc0", system="s0", levels=1)
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ms = ome["multiscales"][0]
    ms["coordinateSystems"].append({"name": "stage frame", "axes": SPACE[1:]})
    ms["coordinateTransformations"] = [{"type": "scale", "scale": [2, 2], "input": {"name": "s0"},
                                        "output": {"name": "stage frame"}}]
    second = copy.deepcopy(ms)
    second["name"] = "copy"
    ome["multiscales"].append(second)
    group.attrs["ome"] = ome
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    root = assert_documents_valid(tmp_path / "out.zarr")["zarr.json"]
    first, other = root["nodes"]
    assert [(c["id"], c.get("name")) for c in first["attributes"]["coordinateSystems"]] == [
        ("s0", None), ("stage-frame", "stage frame")]
    assert [(c["id"], c.get("name")) for c in other["attributes"]["coordinateSystems"]] == [
        ("s0-2", "s0"), ("stage-frame-2", "stage frame")]
    assert first["nodes"][0]["id"] == "s0-3"  # the level "s0" yields to the system ids
    assert first["nodes"][0]["attributes"]["coordinateTransformations"][0]["output"] == {"id": "s0"}
    assert other["attributes"]["coordinateTransformations"][0]["output"] == {"id": "stage-frame-2"}
    assert report.verification["reverse_map"]["equal"] == 1


def test_identity_level_becomes_scale_of_ones(tmp_path):
    doc = load_doc(DATA / "attributes/spec/valid/transforms/identity.json")
    src = build_image(tmp_path / "id.zarr", doc)
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    level = assert_documents_valid(tmp_path / "out.zarr")["zarr.json"]["nodes"][0]
    assert level["attributes"]["coordinateTransformations"] == [
        {"type": "scale", "name": "transform-name", "input": {"id": "array"}, "output": {"id": "physical"},
         "scale": [1.0, 1.0]}]
    legacy = doc["ome"]["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]
    assert level["attributes"]["ngff-migrate:legacyTransform"] == legacy
    assert any(k.disposition == "carried" and "identity" in (k.target or "") for k in report.keys)


def test_multiscale_transforms_keep_types_parameters_and_parameter_arrays(tmp_path):
    """multiscales_transform_additional_transforms_path: rotation and affine
    parameters in Zarr arrays; the arrays are copied verbatim and the paths
    point at them from the new document."""
    doc = load_doc(DATA / "attributes/spec/valid/image/multiscales_transform_additional_transforms_path.json")
    src = build_image(tmp_path / "img.zarr", doc)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    root = assert_documents_valid(dst)["zarr.json"]
    (t,) = root["attributes"]["coordinateTransformations"]
    assert (t["input"], t["output"]) == ({"id": "physical"}, {"id": "output"})
    assert [x["type"] for x in t["transformations"]] == ["rotation", "translation", "affine", "scale", "mapAxis"]
    assert t["transformations"][0] == {"type": "rotation", "path": "./rotation_params_path"}
    assert t["transformations"][2] == {"type": "affine", "path": "./affine_params_path"}
    for rel in ("rotation_params_path", "affine_params_path"):
        assert (dst / rel / "zarr.json").read_bytes() == (src / rel / "zarr.json").read_bytes()
        assert_pixels_equal(src, 3, dst, rel)
    chunks = {k: v for k, v in tree_digest(src).items() if k.startswith(("rotation", "affine"))}
    assert chunks and all(tree_digest(dst)[k] == v for k, v in chunks.items())
    assert report.arrays == 3  # the level and both parameter arrays


def test_transformation_to_a_label_image(tmp_path):
    """A multiscale-level identity from the label image's system (0.6
    multiscales_reference_to_label) becomes a reference with the label
    document's path, which resolves in the written tree."""
    doc = load_doc(DATA / "examples/multiscales_strict/multiscales_reference_to_label.json")
    src = build_image(tmp_path / "img.zarr", doc)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst)
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection"
    (t,) = root["nodes"][0]["attributes"]["coordinateTransformations"]
    assert t == {"type": "identity", "input": {"id": "physical", "path": {"type": "zarr",
                                                                          "path": "./labels/cell_segmentation"}},
                 "output": {"id": "physical"}}
    label = docs["labels/cell_segmentation/zarr.json"]
    assert label["attributes"]["coordinateSystems"][0]["id"] == "physical"
    assert ngff_migrate.validate(dst).ok
    assert report.verification["reverse_map"]["documents"] == 3  # image, labels group, label image


def test_image_level_field_image_becomes_a_stub(tmp_path):
    """A displacements transformation whose field is itself a 0.6 image: the
    field gets its own document and the image becomes a collection holding
    the image and a stub for the field."""
    src = tmp_path / "img.zarr"
    simple_image(src, "0.6rc0", levels=2)
    simple_image(src / "fields" / "warp", "0.6rc0",
                 axes=[{"name": "d", "type": "displacement", "discrete": True}, *SPACE[1:]])
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ms = ome["multiscales"][0]
    ms["coordinateSystems"].append({"name": "warped", "axes": SPACE[1:]})
    ms["coordinateTransformations"] = [{"type": "displacements", "path": "fields/warp", "interpolation": "linear",
                                        "input": {"name": "physical"}, "output": {"name": "warped"}}]
    group.attrs["ome"] = ome
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection"
    image, field = root["nodes"]
    assert image["attributes"]["coordinateTransformations"][0]["path"] == "./fields/warp"
    assert field == {"type": "multiscale", "id": "fields-warp", "name": "fields/warp",
                     "path": {"type": "zarr", "path": "./fields/warp"},
                     "attributes": {"ngff-migrate:role": "transformation-parameters"}}
    assert docs["fields/warp/zarr.json"]["attributes"]["coordinateSystems"][0]["axes"][0]["type"] == "displacement"
    assert report.verification["reverse_map"]["documents"] == 2


def test_level_transform_that_rfc8_cannot_express_is_refused(tmp_path):
    src = tmp_path / "img.zarr"
    simple_image(src, "0.6rc0")
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ome["multiscales"][0]["datasets"][0]["coordinateTransformations"] = [
        {"type": "affine", "affine": [[1, 0, 0], [0, 1, 0]], "input": {"path": "s0"}, "output": {"name": "physical"}}]
    group.attrs["ome"] = ome
    before = tree_digest(src)
    for lenient in (False, True):
        with pytest.raises(ngff_migrate.UnsupportedError, match="type 'affine' cannot be migrated"):
            ngff_migrate.convert(src, tmp_path / "out.zarr", lenient=lenient)
    assert tree_digest(src) == before and not (tmp_path / "out.zarr").exists()


def test_in_place_and_rollback(tmp_path):
    src = _ngff_zarr_image(tmp_path / "cells.ome.zarr", "0.6")
    before = tree_digest(src)
    report = ngff_migrate.convert(src, in_place=True, verify="full")
    assert report.verification["reverse_map"]["equal"] == 1
    assert _ome(src)["type"] == "multiscale"
    assert_documents_valid(src)
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def test_output_is_deterministic(tmp_path):
    doc = load_doc(DATA / "attributes/spec/valid/transforms/affine.json")
    src = build_image(tmp_path / "img.zarr", doc)
    ngff_migrate.convert(src, tmp_path / "a.zarr")
    ngff_migrate.convert(src, tmp_path / "b.zarr")
    assert tree_digest(tmp_path / "a.zarr") == tree_digest(tmp_path / "b.zarr")


def test_reverse_map_detects_a_changed_output(tmp_path):
    """The reverse check reads the written output: a transformation parameter
    altered after writing makes it fail, naming the document and the place."""
    from ngff_migrate.verify.reverse import check_reverse_map

    doc = load_doc(DATA / "attributes/spec/valid/transforms/affine.json")
    src = build_image(tmp_path / "img.zarr", doc)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst)
    result = ngff_migrate.plan(src)
    assert check_reverse_map(result, dst)["equal"] is True
    meta = json.loads((dst / "zarr.json").read_text())
    meta["attributes"]["ome"]["attributes"]["coordinateTransformations"][0]["affine"][0][0] = 99
    (dst / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(VerificationError, match=r"reverse map.*affine\[0\]\[0\]: 3 != 99") as info:
        check_reverse_map(result, dst)
    assert info.value.path == str(dst / "zarr.json")
    assert info.value.problem.endswith("at attributes.ome.attributes.coordinateTransformations[0].affine[0][0]")


@pytest.mark.parametrize("case", ["rank", "unknown-system", "missing-parameter-array"])
def test_bad_image_input(tmp_path, case):
    """An axis count that disagrees with the array rank, a transformation
    naming an unknown coordinate system, a missing parameter array: one clear
    error, nothing written, the input untouched (copy and in place)."""
    src = tmp_path / "img.zarr"
    simple_image(src, "0.6rc0", levels=2)
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ms = ome["multiscales"][0]
    ms["coordinateSystems"].append({"name": "stage", "axes": SPACE[1:]})
    if case == "rank":
        write_array(src / "s1", (4, 4, 4))
        expected = "array has 3 dimensions but coordinate system 'physical'"
    elif case == "unknown-system":
        ms["coordinateTransformations"] = [{"type": "translation", "translation": [1, 1],
                                            "input": {"name": "physical"}, "output": {"name": "stgae"}}]
        expected = "names an unknown coordinate system 'stgae'"
    else:
        ms["coordinateTransformations"] = [{"type": "affine", "path": "params/affine",
                                            "input": {"name": "physical"}, "output": {"name": "stage"}}]
        expected = "parameter array 'params/affine'"
    group.attrs["ome"] = ome
    before = tree_digest(src)
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert expected in info.value.problem
    assert not (tmp_path / "out.zarr").exists()
    with pytest.raises(ngff_migrate.MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == before


def test_rfc8_schema_rejects_negative_level_scale(tmp_path):
    """A negative scale (a mirrored axis) is valid RFC-5 text but the 0.6
    and the fractal RFC-8 schemas require scale > 0: refused before writing,
    with the reason (docs/ngff06.md, "What the RFC-8 schemas reject"); by
    the 0.6 schema, and with --lenient by the RFC-8 one."""
    src = tmp_path / "img.zarr"
    simple_image(src, "0.6rc0")
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ome["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"] = [1.0, -1.0]
    group.attrs["ome"] = ome
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert "invalid OME-Zarr 0.6 metadata: multiscales[0].datasets[0].coordinateTransformations[0].scale[1]: " \
        "must be > 0, got -1.0" in info.value.problem
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr", lenient=True)
    assert "cannot be written as valid RFC-8" in info.value.problem
    assert "coordinateTransformations[0].scale[1]: -1.0 is less than or equal to the minimum of 0" \
        in info.value.problem
    assert not (tmp_path / "out.zarr").exists()


def test_rfc3_axes_beyond_the_rfc8_schema_are_refused(tmp_path):
    """0.9.dev1 (RFC-3) lifts the 0.6 axis limits on input, but the RFC-8
    schema allows at most 5 axes: refused before writing, with that reason."""
    axes = [{"name": n, "type": t} for n, t in
            (("t", "time"), ("c", "channel"), ("view", "ngff:view"), ("z", "space"), ("y", "space"), ("x", "space"))]
    src = tmp_path / "six.zarr"
    simple_image(src, "0.9.dev1", axes=axes)
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert "cannot be written as valid RFC-8" in info.value.problem
    assert "coordinateSystems[0].axes" in info.value.problem and "is too long" in info.value.problem
    with pytest.raises(ngff_migrate.MigrateError, match=r"axes: has 6 items; at most 5 allowed"):
        zarr.open_group(str(src), mode="r+").attrs["ome"] = {**dict(zarr.open_group(str(src)).attrs["ome"]),
                                                             "version": "0.6"}
        ngff_migrate.convert(src, tmp_path / "out.zarr")
