"""OME-Zarr 0.6 scenes and plates: ngff-zarr scenes and plates, transformation
parameter arrays and field images, images with labels inside a scene,
in-place migration, and the scene bad inputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import assert_documents_valid, assert_pixels_equal
from conftest import tree_digest
from test_ngff06_trees import SPACE, simple_image, write_array, write_group

import ngff_migrate

nz = pytest.importorskip("ngff_zarr")


def _tile(seed: int):
    rng = np.random.default_rng(seed)
    image = nz.to_ngff_image(rng.integers(0, 255, (24, 20), dtype=np.uint8), dims=["y", "x"],
                             scale={"y": 0.5, "x": 0.5}, axes_units={"y": "micrometer", "x": "micrometer"},
                             name=f"tile {seed}")
    return nz.to_multiscales(image, scale_factors=[2], chunks=8)


def _ngff_zarr_scene(path: Path) -> Path:
    from ngff_zarr.v06.zarr_metadata import Axis, CoordinateSystem, Translation
    from ngff_zarr.v06.zarr_metadata import CoordinateSystemIdentifier as Ref

    world = CoordinateSystem(name="world", axes=[Axis(name="y", type="space", unit="micrometer"),
                                                 Axis(name="x", type="space", unit="micrometer")])
    scene = nz.NgffScene(
        images={"tiles/t0": _tile(0), "tiles/t1": _tile(1)},
        coordinateTransformations=[
            Translation(translation=[0, 0], input=Ref(path="tiles/t0", name="intrinsic"), output=Ref(name="world"),
                        name="t0 to world"),
            Translation(translation=[0, 10], input=Ref(path="tiles/t1", name="intrinsic"), output=Ref(name="world"),
                        name="t1 to world")],
        coordinateSystems=[world])
    nz.to_ngff_zarr(str(path), scene, version="0.6")
    return path


def _docs(dst: Path) -> dict:
    return assert_documents_valid(dst)


def test_ngff_zarr_scene(tmp_path):
    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    assert report.layout == "ngff06-scene"
    docs = _docs(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection" and root["name"] == "scene.ome.zarr"
    assert root["nodes"] == [
        {"type": "multiscale", "id": "tiles-t0", "name": "tiles/t0", "path": {"type": "zarr", "path": "./tiles/t0"}},
        {"type": "multiscale", "id": "tiles-t1", "name": "tiles/t1", "path": {"type": "zarr", "path": "./tiles/t1"}}]
    scene = root["attributes"]["scene"]
    assert scene["coordinateSystems"][0]["id"] == "world"
    assert scene["coordinateTransformations"][1] == {
        "type": "translation", "name": "t1 to world", "translation": [0, 10],
        "input": {"id": "intrinsic", "path": {"type": "zarr", "path": "./tiles/t1"}}, "output": {"id": "world"}}
    # the referenced system exists, with that id, in the tile's own document
    assert docs["tiles/t1/zarr.json"]["attributes"]["coordinateSystems"][0]["id"] == "intrinsic"
    assert ngff_migrate.validate(dst).ok
    for tile in ("t0", "t1"):
        for level in ("scale0", "scale1"):
            assert_pixels_equal(src, 3, dst, f"tiles/{tile}/{level}/tile {int(tile[1])}")
    assert report.verification["reverse_map"]["documents"] == 3


def test_scene_in_place_and_rollback(tmp_path):
    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")
    before = tree_digest(src)
    report = ngff_migrate.convert(src, in_place=True)
    assert report.verification["reverse_map"]["equal"] is True and report.verification["reverse_map"]["documents"] == 3
    assert _docs(src)["zarr.json"]["attributes"]["scene"]
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def _scene_with_fields(src: Path) -> Path:
    """A registration scene: a bijection whose directions are sequences of a
    displacement field (a 0.6 image) and an affine stored in a Zarr array."""
    write_group(src, {"lab:note": "kept"})
    simple_image(src / "moving", "0.6rc0", levels=2, name="moving")
    simple_image(src / "fixed", "0.6rc0", levels=2, name="fixed")
    dfield_axes = [{"name": "d", "type": "displacement", "discrete": True}, *SPACE[1:]]
    simple_image(src / "coordinateTransformations" / "dfield", "0.6rc0", axes=dfield_axes)
    simple_image(src / "coordinateTransformations" / "invdfield", "0.6rc0", axes=dfield_axes)
    write_array(src / "coordinateTransformations" / "affine", (2, 3), "float64")
    scene = {"coordinateTransformations": [{
        "type": "bijection", "name": "registration",
        "input": {"path": "moving", "name": "physical"}, "output": {"path": "fixed", "name": "physical"},
        "forward": {"type": "sequence", "transformations": [
            {"type": "displacements", "path": "coordinateTransformations/dfield", "interpolation": "linear"},
            {"type": "affine", "path": "coordinateTransformations/affine"}]},
        "inverse": {"type": "sequence", "transformations": [
            {"type": "affine", "affine": [[1, 0, -1], [0, 1, -2]]},
            {"type": "displacements", "path": "coordinateTransformations/invdfield"}]}}]}
    zarr.open_group(str(src), mode="r+").attrs.update({"ome": {"version": "0.6rc0", "scene": scene}})
    return src


def test_scene_parameter_arrays_and_field_images(tmp_path):
    src = _scene_with_fields(tmp_path / "registration.zarr")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    docs = _docs(dst)
    root = docs["zarr.json"]
    (t,) = root["attributes"]["scene"]["coordinateTransformations"]
    assert t["forward"]["transformations"][0]["path"] == "./coordinateTransformations/dfield"
    assert t["forward"]["transformations"][1]["path"] == "./coordinateTransformations/affine"
    assert [n["name"] for n in root["nodes"]] == ["moving", "fixed", "coordinateTransformations/dfield",
                                                 "coordinateTransformations/invdfield"]
    assert root["nodes"][2]["attributes"] == {"ngff-migrate:role": "transformation-parameters"}
    assert "coordinateTransformations/dfield/zarr.json" in docs  # the field image is an RFC-8 multiscale
    assert (dst / "coordinateTransformations/affine/zarr.json").read_bytes() == \
        (src / "coordinateTransformations/affine/zarr.json").read_bytes()
    assert_pixels_equal(src, 3, dst, "coordinateTransformations/affine")
    assert json.loads((dst / "zarr.json").read_text())["attributes"]["lab:note"] == "kept"
    assert report.verification["reverse_map"]["documents"] == 5


def test_scene_referencing_an_image_with_labels(tmp_path):
    """A scene maps a label image's system: the label image is translated with
    its parent image, the reference carries the label document's path."""
    src = tmp_path / "scene.zarr"
    write_group(src, {})
    simple_image(src / "img", "0.6rc0", levels=2, name="raw")
    write_group(src / "img" / "labels", {"ome": {"version": "0.6rc0", "labels": ["cells"]}})
    simple_image(src / "img" / "labels" / "cells", "0.6rc0", system="cells", levels=2, label=True)
    scene = {"coordinateSystems": [{"name": "world", "axes": SPACE[1:]}], "coordinateTransformations": [
        {"type": "identity", "input": {"path": "img", "name": "physical"}, "output": {"name": "world"}},
        {"type": "scale", "scale": [2, 2], "input": {"path": "img/labels/cells", "name": "cells"},
         "output": {"name": "world"}}]}
    zarr.open_group(str(src), mode="r+").attrs.update({"ome": {"version": "0.6rc0", "scene": scene}})
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst)
    docs = _docs(dst)
    root = docs["zarr.json"]
    assert [(n["type"], n["name"]) for n in root["nodes"]] == [("collection", "img"),
                                                              ("multiscale", "img/labels/cells")]
    assert root["attributes"]["scene"]["coordinateTransformations"][1]["input"] == {
        "id": "cells", "path": {"type": "zarr", "path": "./img/labels/cells"}}
    assert docs["img/labels/cells/zarr.json"]["attributes"]["labels"]["source"][0]["path"]["path"] == "../.."
    assert ngff_migrate.validate(dst).ok
    assert report.verification["reverse_map"]["documents"] == 4


@pytest.mark.parametrize("case", ["disconnected", "unknown-system", "unknown-image", "missing-parameter-array",
                                  "rank"])
def test_bad_scene_input(tmp_path, case):
    """A scene graph that is not connected, a transformation naming an unknown
    coordinate system (or image), a missing parameter array, an image whose
    axis count disagrees with its array rank: one clear error naming the file,
    nothing written, the input untouched."""
    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    transforms = ome["scene"]["coordinateTransformations"]
    if case == "disconnected":
        ome["scene"]["coordinateSystems"].append({"name": "stage", "axes": SPACE[1:]})
        transforms[1]["output"] = {"name": "stage"}
        expected = "the scene graph is not connected: coordinate system 'stage', image 'tiles/t1' cannot be reached"
    elif case == "unknown-system":
        transforms[0]["output"] = {"name": "wrld"}
        expected = "scene.coordinateTransformations[0].output names an unknown coordinate system 'wrld'"
    elif case == "unknown-image":
        transforms[1]["input"] = {"path": "tiles/t9", "name": "intrinsic"}
        expected = "the scene references 'tiles/t9', which does not exist"
    elif case == "missing-parameter-array":
        transforms[1] = {"type": "sequence", "input": transforms[1]["input"], "output": transforms[1]["output"],
                         "transformations": [{"type": "affine", "path": "coordinateTransformations/t1"}]}
        expected = "parameter array 'coordinateTransformations/t1'"
    else:
        meta = json.loads((src / "tiles/t1/scale1/tile 1/zarr.json").read_text())
        meta["shape"] = [*meta["shape"], 1]
        meta["chunk_grid"]["configuration"]["chunk_shape"].append(1)
        meta["dimension_names"].append("z")
        (src / "tiles/t1/scale1/tile 1/zarr.json").write_text(json.dumps(meta))
        expected = "array has 3 dimensions but coordinate system 'intrinsic'"
    group.attrs["ome"] = ome
    before = tree_digest(src)
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert expected in info.value.problem, info.value.problem
    assert info.value.path.startswith(str(src))
    assert not (tmp_path / "out.zarr").exists()
    with pytest.raises(ngff_migrate.MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == before


def test_disconnected_scene_converts_leniently_with_a_warning(tmp_path):
    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    ome["scene"]["coordinateSystems"].append({"name": "stage", "axes": SPACE[1:]})
    group.attrs["ome"] = ome
    report = ngff_migrate.convert(src, tmp_path / "out.zarr", lenient=True)
    assert any("not connected" in w for w in report.warnings)
    assert report.verification["reverse_map"]["mismatches"] == []


def _ngff_zarr_plate(path: Path) -> Path:
    from ngff_zarr.hcs import HCSPlate, to_hcs_zarr, write_hcs_well_image
    from ngff_zarr.v04.zarr_metadata import (
        Plate,
        PlateAcquisition,
        PlateColumn,
        PlateRow,
        PlateWell,
    )

    meta = Plate(columns=[PlateColumn("1"), PlateColumn("2")], rows=[PlateRow("A"), PlateRow("B")],
                 wells=[PlateWell("A/1", 0, 0), PlateWell("B/2", 1, 1)], version="0.6",
                 acquisitions=[PlateAcquisition(id=0, name="day 0", maximumfieldcount=2),
                               PlateAcquisition(id=3, name="day 3")],
                 field_count=2, name="plate 06")
    to_hcs_zarr(HCSPlate(str(path), meta), str(path))
    rng = np.random.default_rng(3)
    for well in meta.wells:
        row, column = well.path.split("/")
        for field, acquisition in ((0, 0), (1, 3)):
            image = nz.to_ngff_image(rng.integers(0, 256, (2, 16, 16), dtype=np.uint8), dims=["c", "y", "x"],
                                     scale={"c": 1.0, "y": 0.5, "x": 0.5})
            write_hcs_well_image(str(path), nz.to_multiscales(image, scale_factors=[2], chunks=8), meta,
                                 row, column, field_index=field, acquisition_id=acquisition, version="0.6")
    return path


def test_ngff_zarr_plate(tmp_path):
    src = _ngff_zarr_plate(tmp_path / "plate.ome.zarr")
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    assert report.layout == "ngff06-plate"
    docs = _docs(dst)
    root = docs["zarr.json"]
    assert root["attributes"]["plate"]["acquisitions"] == [{"id": "0", "name": "day 0"}, {"id": "3", "name": "day 3"}]
    well = root["nodes"][1]
    assert well["name"] == "B2" and well["attributes"]["well"] == {"row": {"id": "B"}, "column": {"id": "2"}}
    assert [(s["path"]["path"], s["attributes"]["acquisition"]) for s in well["nodes"]] == [
        ("./B/2/0", {"id": "0"}), ("./B/2/1", {"id": "3"})]
    field = docs["B/2/1/zarr.json"]
    assert field["type"] == "multiscale" and field["attributes"]["coordinateSystems"][0]["id"] == "intrinsic"
    # plate, 2 wells, 4 fields: every legacy document rebuilt from the output
    assert report.verification["reverse_map"]["documents"] == 7
    assert report.verification["arrays_compared"] == 8


def test_transformation_document_with_extra_keys(tmp_path):
    """A stand-alone transformation document (ngff-zarr's transformation
    store: coordinateSystems + coordinateTransformations under ``ome``)
    becomes a collection with ``attributes.scene`` and no nodes; other keys
    are carried and come back in the reverse map."""
    src = tmp_path / "rotation.zarr"
    write_group(src, {"ome": {"version": "0.6", "lab:origin": "run 7",
                              "coordinateSystems": [{"name": "a", "axes": SPACE[1:]}, {"name": "b", "axes": SPACE[1:]}],
                              "coordinateTransformations": [{"type": "rotation", "rotation": [[0, 1], [-1, 0]],
                                                             "input": {"name": "a"}, "output": {"name": "b"}}]}})
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    root = _docs(tmp_path / "out.zarr")["zarr.json"]
    assert root["nodes"] == []
    assert root["attributes"]["scene"]["coordinateTransformations"] == [
        {"type": "rotation", "rotation": [[0, 1], [-1, 0]], "input": {"id": "a"}, "output": {"id": "b"}}]
    assert root["attributes"]["ngff-migrate:lab:origin"] == "run 7"
    assert report.verification["reverse_map"]["equal"] == 1


@pytest.mark.parametrize("case,expected,v06", [
    # RFC-5: scale values SHOULD be non-zero; a negative one mirrors an axis. The schemas
    # (0.6 and RFC-8) want > 0.
    ("negative-scale", "-1 is less than or equal to the minimum of 0",
     "forward.transformations[2].scale[1]: must be > 0, got -1"),
    # the 0.6 text lists 'bspline-cubic'; the schemas (0.6 and RFC-8) only nearest/linear/cubic
    ("bspline-cubic", "'bspline-cubic' is not one of ['nearest', 'linear', 'cubic']",
     "interpolation: must be one of 'nearest', 'linear', 'cubic', got 'bspline-cubic'"),
    # the RFC-8 schema wants the transformations of one array to be unique
    ("duplicate", "has non-unique elements", None),
])
def test_valid_rfc5_constructs_the_rfc8_schemas_reject(tmp_path, case, expected, v06):
    """Refused before anything is written, naming the schema problem
    (docs/ngff06.md, "What the RFC-8 schemas reject"): by the 0.6 schema
    when it has the same rule (strict), else (and with --lenient) by the
    RFC-8 schema."""
    src = _scene_with_fields(tmp_path / "scene.zarr")
    group = zarr.open_group(str(src), mode="r+")
    ome = copy.deepcopy(dict(group.attrs["ome"]))
    (t,) = ome["scene"]["coordinateTransformations"]
    if case == "negative-scale":
        t["forward"]["transformations"].append({"type": "scale", "scale": [1, -1]})
    elif case == "bspline-cubic":
        t["forward"]["transformations"][0]["interpolation"] = "bspline-cubic"
    else:
        ome["scene"]["coordinateTransformations"].append(copy.deepcopy(t))
    group.attrs["ome"] = ome
    if v06 is not None:
        with pytest.raises(ngff_migrate.MigrateError) as info:
            ngff_migrate.convert(src, tmp_path / "out.zarr")
        assert "invalid OME-Zarr 0.6 metadata" in info.value.problem and v06 in info.value.problem
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr", lenient=v06 is not None)
    assert "cannot be written as valid RFC-8" in info.value.problem
    assert expected in info.value.problem, info.value.problem
    assert not (tmp_path / "out.zarr").exists()


def test_image_below_the_scene_that_no_transformation_references_is_translated(tmp_path):
    """Issue #8: an image under a 0.6 scene group that no transformation
    references is translated (its own RFC-8 document, listed in the scene
    collection without a placement), not only copied."""
    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")
    extra = tmp_path / "extra.ome.zarr"
    nz.to_ngff_zarr(str(extra), _tile(7), version="0.6")
    import shutil

    shutil.copytree(extra, src / "loose" / "t7")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    docs = _docs(dst)
    names = [n["name"] for n in docs["zarr.json"]["nodes"]]
    assert names == ["tiles/t0", "tiles/t1", "loose/t7"]
    loose = docs["loose/t7/zarr.json"]
    assert loose["type"] == "multiscale" and loose["attributes"]["coordinateSystems"]
    referenced = json.dumps(docs["zarr.json"]["attributes"]["scene"])
    assert "loose/t7" not in referenced
    assert any("referenced by no transformation" in w for w in report.warnings)
    assert ngff_migrate.validate(dst).ok
    assert_pixels_equal(src, 3, dst, "loose/t7/scale0/tile 7")
