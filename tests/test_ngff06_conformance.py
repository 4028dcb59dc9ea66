"""OME-Zarr 0.6 conformance: every valid 0.6 example and test case converts and
validates; every invalid one is rejected with its reason (or the table below
says why we accept it).

Sources (``tests/data/v06/PROVENANCE.md``): ``attributes/`` is the 0.6rc0
test suite of ome/ngff-spec (``spec`` = MUST rules, ``strict`` = SHOULD
rules), ``examples/`` its examples, ``real/`` ome-zarr-models-py's 0.6.dev4
data. The documents carry no arrays: :mod:`test_ngff06_trees` writes each as
a real Zarr v3 tree with tiny arrays wherever the metadata points.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import zarr
from checks import assert_documents_valid, assert_pixels_equal
from conftest import tree_digest
from test_ngff06_trees import DATA, build, load_doc

import ngff_migrate

ATTRS = DATA / "attributes"

#: Documents the suite calls valid that break a MUST rule its JSON schema
#: cannot express; they are rejected, and the test shows the reason.
VALID_BUT_REJECTED = {
    # 0.6 §"scale": "The array MUST have length N" (3 axes, 2 scale values)
    "spec/valid/image/mismatch_axes_units.json": "scale has 2 values but the coordinate system has 3 axes",
    # 0.6 §"plate": the path "MUST consist of a name in the rows array, /, a name from the
    # columns array" and path, rowIndex, columnIndex "MUST all refer to the same row/column
    # pair"; these documents swap rows and columns in the path.
    "spec/valid/plate/minimal_acquisitions.json": "path 'A/1' disagrees with rowIndex 0",
    "spec/valid/plate/minimal_no_acquisitions.json": "path 'A/1' disagrees with rowIndex 0",
    "spec/valid/plate/non_alphanumeric_row.json": "path 'A/A1' disagrees with rowIndex 0",
    "strict/valid/plate/strict_acquisitions.json": "path 'A/1' disagrees with rowIndex 0",
    "strict/valid/plate/strict_no_acquisitions.json": "path 'A/1' disagrees with rowIndex 0",
    # a multiscale transformation from "intrinsic", which the image does not declare
    # (its systems are "world" and "physical"): the reference cannot resolve
    "strict/valid/image/image_omero.json": "unknown coordinate system 'intrinsic'",
}


def _docs(pattern: str) -> list[str]:
    return sorted(p.relative_to(ATTRS).as_posix() for p in ATTRS.glob(pattern))


def _convert(tmp_path: Path, doc: dict, **kwargs):
    src = build(tmp_path / "src.zarr", doc)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    try:
        report = ngff_migrate.convert(src, dst, **kwargs)
    finally:
        assert tree_digest(src) == before, "the input must not change"
    return src, dst, report


def _swap_plate_path(doc: dict) -> dict:
    """The plate with its well paths written '<row>/<column>' (the MUST the documents break)."""
    doc = copy.deepcopy(doc)
    plate = doc["ome"]["plate"]
    for well in plate["wells"]:
        well["path"] = f"{plate['rows'][well['rowIndex']]['name']}/{plate['columns'][well['columnIndex']]['name']}"
    return doc


@pytest.mark.parametrize("name", _docs("*/valid/*/*.json"))
@pytest.mark.slow
def test_valid_suite_document_converts(tmp_path, name):
    doc = load_doc(ATTRS / name)
    if name in VALID_BUT_REJECTED:
        with pytest.raises(ngff_migrate.MigrateError) as info:
            _convert(tmp_path, doc)
        assert VALID_BUT_REJECTED[name] in info.value.problem
        assert not (tmp_path / "out.zarr").exists()
        if "plate" not in doc["ome"]:
            return
        shutil.rmtree(tmp_path / "src.zarr")
        doc = _swap_plate_path(doc)  # everything else in the document converts
    src, dst, report = _convert(tmp_path, doc, verify="full")
    docs = assert_documents_valid(dst)
    assert report.verification["reverse_map"]["equal"] is True and report.verification["reverse_map"]["documents"] >= 1
    assert docs["zarr.json"]["version"] == "0.x"
    assert report.layout.startswith("ngff06-")


def test_mismatched_scale_length_converts_leniently(tmp_path):
    """With --lenient the 2-value scale of a 3-axis image is carried verbatim
    (a warning says so) and the reverse map still gives the input back."""
    doc = load_doc(ATTRS / "spec/valid/image/mismatch_axes_units.json")
    src, dst, report = _convert(tmp_path, doc, lenient=True)
    assert any("scale has 2 values" in w for w in report.warnings)
    level = assert_documents_valid(dst)["zarr.json"]["nodes"][0]
    assert level["attributes"]["coordinateTransformations"][0]["scale"] == [0.13, 0.13]
    assert report.verification["reverse_map"]["mismatches"] == []


#: Invalid documents: expected reason (a substring of the error). Documents
#: written with plain-string input/output (the 0.6.dev3 form) under
#: version 0.6rc0 are rejected for that; STALE_REFS re-checks them as dev3.
INVALID = {
    "image/duplicate_axes": "coordinateSystems[0].axes[1]: repeats entry [0]",
    "image/duplicate_scale": "exactly one transformation (found 2)",
    "image/empty_transformations": "exactly one transformation (found 0)",
    "image/invalid_axes_count": "found 1 space and 0 array axes",
    "image/invalid_axis_type": "found 1 space and 0 array axes",
    "image/invalid_channels_color": "omero.channels[0].color: must be a string",
    "image/invalid_channels_window": "omero.channels[0].window.end: must be a number",
    "image/invalid_multiscale_transform_input": "input must give the dataset 'path'",
    "image/invalid_multiscale_transform_input_output": "input: must be an object",
    "image/invalid_multiscale_transform_output": "output must name a coordinate system",
    "image/invalid_multiscales_transformations": "coordinateTransformations[0] has no 'input'",
    "image/invalid_path": "datasets[0] has no 'path'",
    "image/invalid_transformation_type": "a level transformation of type 'translation' cannot be migrated",
    "image/missing_axes_name": "coordinateSystems[0].axes[0]: needs 'name'",
    "image/missing_coordinate_system_axes": "coordinateSystems[0]: needs 'axes'",
    "image/missing_coordinate_system_name": "coordinateSystems[0].axes[0]: needs 'name'",
    "image/missing_coordinate_systems": "has no 'coordinateSystems'",
    "image/missing_datasets": "datasets is missing or empty",
    "image/missing_path": "datasets[0] has no 'path'",
    "image/missing_scale": "a level transformation of type 'translation' cannot be migrated",
    "image/missing_space_axes": "found 0 space and 0 array axes",
    "image/missing_transformations": "exactly one transformation (found no)",
    "image/no_axes": "has no 'coordinateSystems'",
    "image/no_datasets": "datasets is missing or empty",
    "image/no_multiscales": "'multiscales' must be a non-empty list",
    "image/one_space_axes": "found 1 space and 0 array axes",
    "image/too_many_axes": "axes: has 6 items; at most 5 allowed",
    # the document says version "0.6rc02" (a typo upstream); as 0.6rc0 see PATCHED
    "image/too_many_space_axes": "unsupported OME-Zarr version '0.6rc02'",
    "label/colors_duplicate": "image-label.colors[1]: repeats entry [0]",
    "label/colors_no_label_value": "image-label.colors[0]: needs 'label-value'",
    "label/colors_rgba_length": "colors[0].rgba: has 3 items; needs at least 4",
    "label/colors_rgba_type": "colors[0].rgba[3]: must be <= 255, got 500",
    "label/empty_colors": "image-label.colors: must be a non-empty array",
    "label/empty_properties": "image-label.properties: must be a non-empty array",
    "label/properties_no_label_value": "image-label.properties[0]: needs 'label-value'",
    "plate/acquisition_negative_starttime": "acquisitions[0].starttime: must be >= 0, got -1",
    "plate/acquisition_noninteger_endtime": "acquisitions[0].endtime: must be an integer, got '2022-05-13",
    "plate/acquisition_noninteger_starttime": "acquisitions[0].starttime: must be an integer, got '2022-05-13",
    "plate/acquisition_zero_maximumfieldcount": "acquisitions[0].maximumfieldcount: must be > 0, got 0",
    "plate/duplicate_columns": "plate.columns[1]: repeats entry [0]",
    "plate/duplicate_rows-2": "plate.columns[1]: repeats entry [0]",
    "plate/duplicate_rows": "plate.rows[1]: repeats entry [0]",
    "plate/empty_columns": "plate.columns: must be a non-empty array",
    "plate/empty_rows": "plate.rows: must be a non-empty array",
    "plate/empty_wells": "plate.wells: must be an array, got {}",
    "plate/missing_acquisition_id": "plate.acquisitions[0]: needs 'id'",
    "plate/missing_column_name": "plate.columns[0]: needs 'name'",
    "plate/missing_columns": "plate: needs 'columns'",
    "plate/missing_row_name": "plate.rows[0]: needs 'name'",
    "plate/missing_rows": "plate: needs 'rows'",
    "plate/missing_well_columnIndex": "wells[0]: needs 'columnIndex'",
    "plate/missing_well_path": "wells[0]: needs 'path'",
    "plate/missing_well_rowIndex": "wells[0]: needs 'rowIndex'",
    "plate/missing_wells": "plate: needs 'wells'",
    "plate/negative_acquisition_id": "acquisitions[0].id: must be >= 0, got -1",
    "plate/negative_endtime": "acquisitions[0].endtime: must be >= 0, got -1",
    "plate/non_alphanumeric_column": "columns[0].name: 'A-1' is not alphanumeric",
    "plate/non_integer_acquisition_id": "acquisitions[0].id: must be an integer, got '0'",
    "plate/non_integer_acquisition_maximumfieldcount": "maximumfieldcount: must be an integer, got '0'",
    "plate/well_1group": "wells[0].path: 'A1' is not '<row>/<column>'",
    "plate/well_3groups": "wells[0].path: 'plate/A/1' is not '<row>/<column>'",
    "plate/zero_field_count": "plate.field_count: must be > 0, got 0",
    "scene/scene_bijection_forward_missing_params": "input: must be an object",
    "scene/scene_bijection_inverse_missing_params": "input: must be an object",
    "scene/scene_input_output_not_object": "output: must be an object",
    "scene/scene_missing_scene": "without 'multiscales', 'scene' or 'plate'",
    "scene/scene_missing_transformations": "scene.coordinateTransformations is missing or empty",
    "scene/scene_missing_version": "without 'multiscales'",
    "transforms/bad_affine_no_affine": "input: must be an object",
    "transforms/bad_affine_no_input_output": "input: must be an object",
    "transforms/bad_byDimension_no_input_output_axes": "input: must be an object",
    "transforms/bad_byDimension_wrong axes_type": "input: must be an object",
    "transforms/bad_mapaxis": "input: must be an object",
    "transforms/bad_mapaxis2": "input: must be an object",
    "transforms/bad_mapaxis3": "input: must be an object",
    "transforms/bad_mapaxis4": "input: must be an object",
    "transforms/bad_mapaxis5": "input: must be an object",
    "transforms/bad_projectAxis_insert_non_unique": "createdOutputs[1]: repeats entry [0]",
    "transforms/bad_projectAxis_insert_too_high_dim": "createdOutputs[0]: must be <= 4, got 5",
    "transforms/bad_projectAxis_insert_too_many": "createdOutputs: has 4 items; at most 3 allowed",
    "transforms/bad_projectAxis_missing_op": "needs one of 'droppedInputs' or 'createdOutputs'",
    "transforms/bad_projectAxis_remove_non_unique": "droppedInputs[1]: repeats entry [0]",
    "transforms/bad_projectAxis_remove_too_high_dim": "droppedInputs[0]: must be <= 4, got 5",
    "transforms/bad_projectAxis_remove_too_many": "droppedInputs: has 4 items; at most 3 allowed",
    "transforms/bad_rotation": "input: must be an object",
    "transforms/bad_rotation2": "input: must be an object",
    "transforms/bad_rotation3": "input: must be an object",
    "transforms/bad_scale_path_not_allowed": "input: must be an object",
    "transforms/bad_translate_path_not_allowed": "input: must be an object",
    "transforms/multiscales_transform_forbidden": "input: must be an object",
    "transforms/multiscales_transform_forbidden2": "input: must be an object",
    "transforms/multiscales_transform_forbidden3": "input: must be an object",
    "transforms/multiscales_transform_missing_params": "input: must be an object",
    "transforms/multiscales_transform_no_input_output": "coordinateTransformations[0] has no 'input'",
    "transforms/multiscales_transform_no_input_output2": "input: must be an object",
    "well/duplicate_images": "well.images[1]: repeats entry [0]",
    "well/empty_images": "well.images: must be a non-empty array",
    "well/forbidden_path_1": "well.images[0].path: '.' is not a valid Zarr node name",
    "well/forbidden_path_2": "well.images[0].path: '..' is not a valid Zarr node name",
    "well/forbidden_path_3": "'__something' is not a valid Zarr node name",
    "well/forbidden_path_4": "is not a valid Zarr node name",
    "well/non_integer_acquisition_id": "well.images[0].acquisition: must be an integer, got '0'",
}

#: The stale documents above re-read as 0.6.dev3 (strings were the form
#: then): rejected for the reason the test case is about.
STALE_REFS = {
    "scene/scene_bijection_forward_missing_params": "coordinateTransformations[0].forward: needs 'scale'",
    "scene/scene_bijection_inverse_missing_params": "coordinateTransformations[0].inverse: needs 'scale'",
    # the affine's input names the dataset "array", not a coordinate system
    "transforms/bad_affine_no_affine": "unknown coordinate system 'array'",
    "transforms/bad_affine_no_input_output": "coordinateTransformations[0] has no 'input'",
    "transforms/bad_byDimension_no_input_output_axes": "transformations[0]: needs 'transformation'",
    "transforms/bad_byDimension_wrong axes_type": "transformations[0].inputAxes[0]: must be a number, got 'x'",
    "transforms/bad_mapaxis": "mapAxis[5]: must be <= 4, got 5",
    "transforms/bad_mapaxis2": "mapAxis[0]: must be >= 0, got -1",
    "transforms/bad_mapaxis3": "mapAxis[3]: must be <= 4, got 5",
    "transforms/bad_mapaxis4": "mapAxis[1]: repeats entry [0]",
    "transforms/bad_mapaxis5": "coordinateTransformations[0]: needs 'mapAxis'",
    "transforms/bad_rotation": "rotation: a rotation must be a square matrix of numbers (2x2 to 5x5), got [0, 1]",
    "transforms/bad_rotation2": "needs one of 'path' or 'rotation'",
    "transforms/bad_rotation3": "a rotation must be a square matrix of numbers (2x2 to 5x5), got 2x3",
    "transforms/bad_scale_path_not_allowed": "'path' is not allowed for scale in 0.6",
    "transforms/bad_translate_path_not_allowed": "'path' is not allowed for translation in 0.6",
    "transforms/multiscales_transform_forbidden": "a level's sequence must be [scale, translation]",
    "transforms/multiscales_transform_forbidden2": "a level's sequence must be [scale, translation]",
    "transforms/multiscales_transform_forbidden3": "a level's sequence must be [scale, translation]",
    "transforms/multiscales_transform_missing_params": "needs one of 'path' or 'affine'",
    "transforms/multiscales_transform_no_input_output2": "a level's sequence must be [scale, translation]",
}


def _invalid_doc(name: str, version: str | None = None) -> dict:
    doc = load_doc(ATTRS / f"spec/invalid/{name}.json")
    if "ome" not in doc:  # the invalid well documents lack the 'ome' wrapper
        doc = {"ome": {"version": "0.6rc0", **doc}}
    if version is not None and "version" in doc["ome"]:
        doc["ome"]["version"] = version
    return doc


@pytest.mark.slow
def test_invalid_table_covers_the_suite():
    assert sorted(INVALID) == sorted(n[len("spec/invalid/"):-5] for n in _docs("spec/invalid/*/*.json"))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_suite_document_is_rejected(tmp_path, name):
    with pytest.raises(ngff_migrate.MigrateError) as info:
        _convert(tmp_path, _invalid_doc(name))
    assert INVALID[name] in info.value.problem, info.value.problem
    assert not (tmp_path / "out.zarr").exists()


@pytest.mark.parametrize("name", sorted(STALE_REFS))
def test_stale_invalid_document_as_dev3_is_rejected_for_its_reason(tmp_path, name):
    with pytest.raises(ngff_migrate.MigrateError) as info:
        _convert(tmp_path, _invalid_doc(name, "0.6.dev3"))
    assert STALE_REFS[name] in info.value.problem, info.value.problem


def test_version_typo_document_as_rc0_is_rejected_for_its_reason(tmp_path):
    with pytest.raises(ngff_migrate.MigrateError) as info:
        _convert(tmp_path, _invalid_doc("image/too_many_space_axes", "0.6rc0"))
    assert "found 4 space and 0 array axes" in info.value.problem


@pytest.mark.parametrize("name", ["label/no_colors", "plate/missing_acquisition_maximumfieldcount",
                                  "plate/missing_acquisition_name", "plate/missing_name"])
def test_strict_invalid_documents_are_accepted(tmp_path, name):
    """The ``strict`` suite checks SHOULD rules (a label without colors, an
    acquisition without name or maximumfieldcount, a plate without name):
    they are accepted, and nothing is lost (reverse map). The plates need
    the same repairs as above: version "0.6rc02" (a typo) and swapped paths."""
    doc = load_doc(ATTRS / f"strict/invalid/{name}.json")
    doc["ome"]["version"] = "0.6rc0"
    if "plate" in doc["ome"]:
        doc = _swap_plate_path(doc)
    src, dst, report = _convert(tmp_path, doc)
    assert_documents_valid(dst)
    assert report.verification["reverse_map"]["mismatches"] == []


# --- examples ------------------------------------------------------------------------

EXAMPLES = DATA / "examples"
COMPLETE_EXAMPLES = [
    "label_strict/colors_properties.json", "multiscales_strict/multiscales_example.json",
    "multiscales_strict/multiscales_reference_to_label.json", "multiscales_strict/multiscales_transformations.json",
    "plate_strict/plate_2wells.json", "plate_strict/plate_6wells.json", "scene/scene_registration.json",
    "scene/scene_stitching.json", "subspace/subspacePermute.json", "well_strict/well_2fields.json",
    "well_strict/well_4fields.json",
]


@pytest.mark.parametrize("name", COMPLETE_EXAMPLES)
@pytest.mark.slow
def test_spec_example_converts(tmp_path, name):
    src, dst, report = _convert(tmp_path, load_doc(EXAMPLES / name), verify="full")
    assert_documents_valid(dst)
    assert report.verification["reverse_map"]["mismatches"] == []
    assert report.verification["arrays_compared"] == report.arrays > 0


#: The examples/transformations documents are coordinateSystems +
#: coordinateTransformations fragments; written as stand-alone
#: transformation documents (ngff-zarr's "transformation store") they
#: convert to a collection with attributes.scene, except these:
TRANSFORMATION_EXAMPLES_REJECTED = {
    # 4 space axes: 0.6 axes.schema (and the fractal RFC-8 schema) allow 2 or 3
    "byDimension2.json": "found 4 space and 0 array axes",
    # examples of invalid byDimension transformations
    "byDimensionInvalid1.json": "outputAxes: index 2 is out of range for 2 axes",
    "byDimensionInvalid2.json": "an output axis appears in more than one outputAxes",
    # an earlier byDimension form (items without 'transformation')
    "byDimensionXarray.json": "transformations[0]: needs 'transformation'",
    # its first transformation uses the 0.6.dev3 string references
    "mapAxis1.json": "input: must be an object",
    # axes without a type: neither 2-3 'space' nor 2+ 'array' axes (0.6 axes.schema)
    "projectAxis.json": "found 0 space and 0 array axes",
    "projectAxis2.json": "found 0 space and 0 array axes",
}
TRANSFORMATION_EXAMPLES = sorted(
    p.name for p in (EXAMPLES / "transformations").glob("*.json")
    if p.name not in (".config.json", "bijection_verbose.json"))  # a bare transformation object


@pytest.mark.parametrize("name", TRANSFORMATION_EXAMPLES)
def test_transformation_example_as_transformation_document(tmp_path, name):
    doc = {"ome": {"version": "0.6rc0", **load_doc(EXAMPLES / "transformations" / name)}}
    if name in TRANSFORMATION_EXAMPLES_REJECTED:
        with pytest.raises(ngff_migrate.MigrateError) as info:
            _convert(tmp_path, doc)
        assert TRANSFORMATION_EXAMPLES_REJECTED[name] in info.value.problem
        return
    src, dst, report = _convert(tmp_path, doc)
    root = assert_documents_valid(dst)["zarr.json"]
    assert root["type"] == "collection"
    assert root["attributes"]["ngff-migrate:layout"] == "transformations"
    legacy = doc["ome"]["coordinateTransformations"]
    written = root["attributes"]["scene"]["coordinateTransformations"]
    assert [t["type"] for t in written] == [t["type"] for t in legacy]
    assert all(set(t["input"]) == {"id"} and set(t["output"]) == {"id"} for t in written)
    assert report.verification["reverse_map"]["mismatches"] == []


def test_every_transformation_type_is_exercised():
    """Across the converted examples and suite documents, every RFC-5 type occurs."""
    seen: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("type"), str):
                seen.add(value["type"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for name in TRANSFORMATION_EXAMPLES:
        if name not in TRANSFORMATION_EXAMPLES_REJECTED:
            walk(load_doc(EXAMPLES / "transformations" / name))
    for name in _docs("*/valid/*/*.json"):
        walk(load_doc(ATTRS / name))
    for name in COMPLETE_EXAMPLES:
        walk(load_doc(EXAMPLES / name))
    assert {"identity", "mapAxis", "projectAxis", "translation", "scale", "affine", "rotation", "sequence",
            "displacements", "coordinates", "bijection", "byDimension"} <= seen


# --- real 0.6 data --------------------------------------------------------------------

REAL = DATA / "real" / "ome-zarr-models-py"


@pytest.mark.parametrize("name", ["image_example.json", "image_label_example.json", "labels_image_example.json",
                                  "hcs_example.json", "plate_example_1.json", "plate_example_2.json"])
@pytest.mark.slow
def test_ome_zarr_models_v06_documents_convert(tmp_path, name):
    src, dst, report = _convert(tmp_path, load_doc(REAL / name), verify="full")
    assert_documents_valid(dst)
    assert report.version == "0.6.dev4"
    assert report.verification["reverse_map"]["mismatches"] == []


def test_ome_zarr_models_image_with_labels(tmp_path):
    """image_example + labels_example + image_label_example assembled as the
    image, its labels group and its label image."""
    from test_ngff06_trees import build_image, write_group

    src = tmp_path / "src.zarr"
    build_image(src, load_doc(REAL / "image_example.json"))
    write_group(src / "labels", load_doc(REAL / "labels_example.json"))
    build_image(src / "labels" / "cell_space_segmentation", load_doc(REAL / "image_label_example.json"))
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection" and [n["type"] for n in root["nodes"]] == ["multiscale", "multiscale"]
    label = docs["labels/cell_space_segmentation/zarr.json"]
    assert label["attributes"]["labels"]["source"] == [
        {"id": root["nodes"][0]["id"], "path": {"type": "zarr", "path": "../.."}}]
    assert label["attributes"]["labels"]["labelAttributes"][0] == {"labelValue": 0, "color": [0, 0, 128, 128]}
    assert report.verification["reverse_map"]["documents"] == 3


def test_stitched_tiles_scene(tmp_path):
    """ome-zarr-models-py's stitched_tiles_2d.zarr (0.6.dev4 scene of two tiles),
    with pixel data written into its (chunk-less) arrays."""
    src = tmp_path / "stitched_tiles_2d.zarr"
    shutil.copytree(REAL / "stitched_tiles_2d.zarr", src)
    for tile in ("tile_0", "tile_1"):
        arr = zarr.open_array(src / tile / "0", mode="r+")
        arr[...] = _ramp(arr)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection"
    assert [n["path"]["path"] for n in root["nodes"]] == ["./tile_0", "./tile_1"]
    scene = root["attributes"]["scene"]
    assert scene["coordinateSystems"][0]["id"] == "world"
    assert scene["coordinateTransformations"][1] == {
        "type": "translation", "name": "tile_1_mm to world", "translation": [0, 348],
        "input": {"id": "physical", "path": {"type": "zarr", "path": "./tile_1"}}, "output": {"id": "world"}}
    assert docs["tile_1/zarr.json"]["attributes"]["coordinateSystems"][0]["id"] == "physical"
    for tile in ("tile_0", "tile_1"):
        assert_pixels_equal(src, 3, dst, f"{tile}/0")
    assert report.verification["reverse_map"]["documents"] == 3


def _ramp(arr):
    import numpy as np

    return (np.arange(arr.size) % 200).reshape(arr.shape).astype(arr.dtype)


@pytest.mark.parametrize("name,problem", [
    ("image_no_version_example.json", "unsupported OME-Zarr version None"),
    # read as a 0.6 bioformats2raw plate container; converted with its well in test_ngff06_bf2raw.py
    ("bioformats2raw_example.json", "well 'A/1' listed in zarr.json does not exist"),
])
def test_real_documents_refused(tmp_path, name, problem):
    from test_ngff06_trees import write_group

    write_group(tmp_path / "src.zarr", load_doc(REAL / name))
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(tmp_path / "src.zarr", tmp_path / "out.zarr")
    assert problem in info.value.problem
