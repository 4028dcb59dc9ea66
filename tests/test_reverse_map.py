"""The reverse map of every input family (DESIGN §6; docs/decisions.md, "Reverse map").

Round trips: a real input of every family (ome-zarr-py 0.4/0.5 images with
labels, the spec's multiscale-level transforms, HCS plates from ome-zarr-py,
ngff-zarr and real plate metadata, real bioformats2raw containers, 0.6
images/scenes/plates, the RFC-8 draft trees), converted in copy mode and in
place: the report's ``verification.reverse_map`` says every legacy document
was rebuilt and is equal, and counts them.

Mutations: one written output document altered (a carried ``omero`` window,
a scale, a label colour, a well's acquisition, a chunk separator, ...); the
public driver :func:`ngff_migrate.verify.reverse.check_reverse_map` must
report the mismatch naming the output file and the JSON location, and the
input document and location. A missing or truncated output document is a
``VerificationError`` naming it, never "equal".
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from test_hcs import BUILDERS

import ngff_migrate
from ngff_migrate.errors import VerificationError
from ngff_migrate.formats.registry import layout
from ngff_migrate.verify.reverse import check_reverse_map

DATA = Path(__file__).parent / "data"
P = "ngff-migrate"
#: keys that make a Zarr v2 ``.zattrs`` an NGFF (OME) metadata document
NGFF_KEYS = {"multiscales", "omero", "labels", "image-label", "plate", "well", "bioformats2raw.layout", "series"}
METADATA = {".zattrs", ".zgroup", ".zarray", "zarr.json"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _legacy_counts(src: Path) -> tuple[int, int]:
    """(documents with OME metadata, other Zarr metadata documents) found on
    disk under ``src`` (counted independently of the migration)."""
    ome = other = 0
    for path in src.rglob("*"):
        if path.name not in METADATA or ".ngff-migrate" in path.parts or not path.is_file():
            continue
        doc = json.loads(path.read_text())
        if path.name == "zarr.json":
            has = isinstance((doc.get("attributes") or {}).get("ome"), dict)
        else:
            has = path.name == ".zattrs" and bool(set(doc) & NGFF_KEYS)
        ome, other = (ome + 1, other) if has else (ome, other + 1)
    return ome, other


def _round_trip(src: Path, tmp_path: Path, *, verify: str = "none", exact: bool = True) -> None:
    """Copy mode, then in place (and rollback): the reverse map is equal and
    counts every legacy document: every OME document on disk, and every
    document the read stage recorded; with ``exact`` every Zarr metadata
    document on disk too (``False`` for trees with intermediate plain groups
    that no metadata names, e.g. ngff-zarr's ``scale0/`` above
    ``scale0/image``: copied, never read)."""
    ome, other = _legacy_counts(src)
    inputs = len(ngff_migrate.plan(src).inputs)
    assert ome >= 1
    dst = tmp_path / "copy-out.zarr"
    for report in (ngff_migrate.convert(src, dst, verify=verify),
                   ngff_migrate.convert(src, in_place=True, verify=verify)):
        rm = report.verification["reverse_map"]
        assert rm["equal"] is True, rm["mismatches"][:3]
        assert rm["mismatches"] == []
        assert rm["documents"] == len(rm["compared"]) == ome, report.mode
        assert rm["documents"] + rm["zarr_documents"] == inputs
        assert rm["zarr_documents"] == other if exact else rm["zarr_documents"] <= other
    ngff_migrate.rollback(src)


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _mismatch(src: Path, dst: Path) -> tuple[dict[str, Any], VerificationError]:
    """The reverse map of ``src``'s plan against ``dst``: the family's result
    (not equal) and the error the public driver raises."""
    plan = ngff_migrate.plan(src)
    result = layout(plan.layout).stage("reverse")(plan, dst)
    assert result["equal"] is False and result["mismatches"]
    with pytest.raises(VerificationError) as info:
        check_reverse_map(plan, dst)
    first = result["mismatches"][0]
    assert info.value.path == str(dst / first["file"])
    assert info.value.problem.endswith(f"at {first['location']}")
    assert first["input"] in info.value.problem and first["input_location"] in info.value.problem
    return result, info.value


def _only(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["mismatches"]) == 1, result["mismatches"]
    return result["mismatches"][0]


@pytest.fixture
def plate(tmp_path_factory, tmp_path):
    """Factory: a private copy of one of tests/test_hcs.py's source plates."""
    cache: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in cache:
            path = tmp_path_factory.mktemp("reverse-plates") / f"{name}.zarr"
            BUILDERS[name](path)
            cache[name] = path
        dst = tmp_path / "src" / f"{name}.zarr"
        shutil.copytree(cache[name], dst)
        return dst

    return make


def _data(tmp_path: Path, rel: str) -> Path:
    dst = tmp_path / "src" / Path(rel).name
    shutil.copytree(DATA / rel, dst)
    return dst


# ---------------------------------------------------------------------------
# round trips, every family
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["v04_labels", "v05_labels", "v04_global", "v05_global", "v04_plain"])
def test_images_round_trip(tree, tmp_path, name):
    _round_trip(tree(name), tmp_path, verify="sample")


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5", "ngff-zarr-0.4", "ngff-zarr-0.5",
                                  "models-hcs_example", "idr-2551"])
@pytest.mark.slow
def test_plates_round_trip(plate, tmp_path, name):
    _round_trip(plate(name), tmp_path, exact=not name.startswith("ngff-zarr"))


@pytest.mark.parametrize("rel", ["bf2raw/bf2raw.zarr", "bf2raw/fake-series-2.zarr", "bf2raw/hcs.zarr",
                                 "bf2raw/plate-rows-2.zarr"])
def test_bioformats2raw_round_trip(tmp_path, rel):
    _round_trip(_data(tmp_path, rel), tmp_path)


def test_bioformats2raw_plate_at_0_5_round_trip(plate, tmp_path):
    """yaozarrs 76-45 (0.5, bioformats2raw.layout wrapping a plate, _creator, empty name)."""
    _round_trip(plate("yaozarrs-76-45-first24"), tmp_path)


@pytest.mark.slow
def test_ngff06_round_trip(tmp_path):
    from test_ngff06_scene import _ngff_zarr_plate, _ngff_zarr_scene
    from test_ngff06_trees import build_label, load_doc

    label = load_doc(DATA / "v06/attributes/spec/valid/label/minimal_properties.json")
    for i, (src, exact) in enumerate(((build_label(tmp_path / "label.zarr", label), True),
                                      (_ngff_zarr_scene(tmp_path / "scene.ome.zarr"), False),
                                      (_ngff_zarr_plate(tmp_path / "plate.ome.zarr"), False))):
        (tmp_path / str(i)).mkdir()
        _round_trip(src, tmp_path / str(i), exact=exact)


@pytest.mark.parametrize("rel", ["rfc8_inputs/gen_collections/basic_collection.zarr",
                                 "rfc8_inputs/gen_multiscales/distributed_multiscale.zarr",
                                 "rfc8_inputs/gen_multiscales/consolidated_multiscale.zarr",
                                 "rfc8_inputs/gen_single_scale/stand_alone_single_scale.zarr"])
def test_rfc8_drafts_round_trip(tmp_path, rel):
    """Draft trees ({"ref": ...} references, version 0.7dev0): the output is
    the normalised input, and converting it again still is."""
    src = _data(tmp_path, rel)
    _round_trip(src, tmp_path)
    again = tmp_path / "again.zarr"
    ngff_migrate.convert(tmp_path / "copy-out.zarr", again, verify="none")
    assert check_reverse_map(ngff_migrate.plan(tmp_path / "copy-out.zarr"), again)["equal"] is True


# ---------------------------------------------------------------------------
# mutations: a changed output is a mismatch naming the file and the place
# ---------------------------------------------------------------------------

def test_changed_omero_window(tree, tmp_path):
    src, dst = tree("v04_labels"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "zarr.json", lambda d: d["attributes"]["ome"]["nodes"][0]["attributes"][f"{P}:omero"]
          ["channels"][1]["window"].update(end=7))
    result, error = _mismatch(src, dst)
    m = _only(result)
    assert (m["file"], m["location"]) == ("zarr.json", f"attributes.ome.nodes[0].attributes['{P}:omero']"
                                                       ".channels[1].window.end")
    assert (m["input"], m["input_location"], m["expected"], m["found"]) == (
        ".zattrs", "omero.channels[1].window.end", 100, 7)
    assert "omero.channels[1].window.end: 100 != 7" in error.problem


def test_changed_scale(tree, tmp_path):
    """A level's scale: the effective transform of that level differs."""
    src, dst = tree("v04_global"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    level = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]["nodes"][0]
    t = level["attributes"]["coordinateTransformations"][0]
    scale = t["scale"] if t["type"] == "scale" else t["transformations"][0]["scale"]
    expected = scale[1]
    _edit(dst / "zarr.json", lambda d: _set_scale(d["attributes"]["ome"]["nodes"][0], 1, expected * 3))
    result, _ = _mismatch(src, dst)
    m = _only(result)
    assert m["input"] == ".zattrs"
    assert m["input_location"] == "multiscales[0].datasets[0].coordinateTransformations[0].scale[1]"
    assert m["file"] == "zarr.json" and m["location"].startswith("attributes.ome.nodes[0].attributes."
                                                                  "coordinateTransformations[0]")
    assert m["location"].endswith("scale[1]")
    assert (m["expected"], m["found"]) == (pytest.approx(expected), pytest.approx(expected * 3))


def _set_scale(node: dict[str, Any], axis: int, value: float) -> None:
    t = node["attributes"]["coordinateTransformations"][0]
    (t["scale"] if t["type"] == "scale" else t["transformations"][0]["scale"])[axis] = value


def test_changed_label_colour_and_property(tree, tmp_path):
    src, dst = tree("v05_labels"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    doc = dst / "labels" / "nuclei" / "zarr.json"
    _edit(doc, lambda d: d["attributes"]["ome"]["attributes"]["labels"]["labelAttributes"][0].update(
        color=[0, 0, 255, 255]))
    result, _ = _mismatch(src, dst)
    m = result["mismatches"][0]
    assert (m["file"], m["input"]) == ("labels/nuclei/zarr.json", "labels/nuclei/zarr.json")
    assert m["location"] == "attributes.ome.attributes.labels.labelAttributes[0].color[0]"
    assert m["input_location"] == "attributes.ome.image-label.colors[0].rgba[0]"
    assert (m["expected"], m["found"]) == (255, 0)
    _edit(doc, lambda d: d["attributes"]["ome"]["attributes"][f"{P}:image-label"]["properties"][0].update(
        {"class": "cell"}))
    result, _ = _mismatch(src, dst)
    assert any((m["input_location"], m["expected"], m["found"]) ==
               ("attributes.ome.image-label.properties[0].class", "nucleus", "cell") for m in result["mismatches"])


def test_changed_well_acquisition(plate, tmp_path):
    src, dst = plate("ome-zarr-py-0.4"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    first = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]["attributes"]["plate"]["acquisitions"][0]
    assert first["id"] == "1-2"  # legacy id 1; '1' is the first column's id
    _edit(dst / "zarr.json", lambda d: d["attributes"]["ome"]["nodes"][0]["nodes"][1]["attributes"].update(
        acquisition={"id": first["id"]}))
    result, error = _mismatch(src, dst)
    m = _only(result)
    assert (m["input"], m["input_location"], m["expected"], m["found"]) == (
        "A/1/.zattrs", "well.images[1].acquisition", 2, 1)
    assert (m["file"], m["location"]) == ("zarr.json", "attributes.ome.nodes[0].nodes[1].attributes")
    assert "A/1/.zattrs" in error.problem


def test_changed_carried_plate_key_and_row_name(plate, tmp_path):
    src, dst = plate("ngff-zarr-0.5"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "zarr.json", lambda d: d["attributes"]["ome"]["attributes"][f"{P}:plate"].update(field_count=9))
    m = _only(_mismatch(src, dst)[0])
    assert (m["input"], m["input_location"], m["expected"], m["found"]) == (
        "zarr.json", "attributes.ome.plate.field_count", 2, 9)
    assert m["location"] == f"attributes.ome.attributes['{P}:plate'].field_count"


def test_changed_chunk_separator_and_codec(tree, tmp_path):
    src, dst = tree("v04_labels"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "s1" / "zarr.json", lambda d: d["chunk_key_encoding"]["configuration"].update(separator="."))
    m = _only(_mismatch(src, dst)[0])
    assert (m["file"], m["location"], m["input"], m["input_location"], m["expected"], m["found"]) == (
        "s1/zarr.json", "chunk_key_encoding", "s1/.zarray", "dimension_separator", "/", ".")
    _edit(dst / "s1" / "zarr.json", lambda d: d["chunk_key_encoding"]["configuration"].update(separator="/"))
    _edit(dst / "s1" / "zarr.json", lambda d: d["codecs"][-1]["configuration"].update(level=5))
    m = _only(_mismatch(src, dst)[0])
    assert (m["input"], m["input_location"], m["expected"], m["found"]) == (
        "s1/.zarray", "['filters+compressor'][0].level", 0, 5)


def test_changed_v3_array_document(tree, tmp_path):
    """0.5 arrays are not rewritten: the output must be the input document."""
    src, dst = tree("v05_plain"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "s0" / "zarr.json", lambda d: d.update(fill_value=3))
    m = _only(_mismatch(src, dst)[0])
    assert (m["file"], m["location"], m["input"], m["input_location"]) == (
        "s0/zarr.json", "fill_value", "s0/zarr.json", "fill_value")


def test_changed_bioformats2raw_series(tmp_path):
    src, dst = _data(tmp_path, "bf2raw/bf2raw.zarr"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "zarr.json", lambda d: d["attributes"]["ome"]["attributes"][f"{P}:bioformats2raw"].update(
        series=["1", "0"], layout=2))
    result, _ = _mismatch(src, dst)
    found = {(m["input"], m["input_location"]): (m["expected"], m["found"]) for m in result["mismatches"]}
    assert found == {(".zattrs", "['bioformats2raw.layout']"): (3, 2), ("OME/.zattrs", "series[0]"): ("0", "1"),
                     ("OME/.zattrs", "series[1]"): ("1", "0")}


def test_changed_series_image_multiscale_name(tmp_path):
    src, dst = _data(tmp_path, "bf2raw/hcs.zarr"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "A" / "2" / "1" / "zarr.json", lambda d: d["attributes"]["ome"].update(name="renamed"))
    m = _only(_mismatch(src, dst)[0])
    assert (m["file"], m["location"], m["input"], m["input_location"]) == (
        "A/2/1/zarr.json", "attributes.ome.name", "A/2/1/.zattrs", "multiscales[0].name")


def test_changed_ngff06_transformation(tmp_path):
    from test_ngff06_trees import build_image, load_doc

    doc = load_doc(DATA / "v06/attributes/spec/valid/transforms/scale.json")
    src, dst = build_image(tmp_path / "img.zarr", doc), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    before = json.loads((dst / "zarr.json").read_text())
    _edit(dst / "zarr.json", lambda d: d["attributes"]["ome"]["attributes"]["coordinateSystems"][0].update(
        axes=d["attributes"]["ome"]["attributes"]["coordinateSystems"][0]["axes"][::-1]))
    result, error = _mismatch(src, dst)
    assert before != json.loads((dst / "zarr.json").read_text())
    assert all(m["input"] == "zarr.json" and m["file"] == "zarr.json" for m in result["mismatches"])
    assert any(".coordinateSystems[" in m["input_location"] and ".axes[" in m["input_location"]
               for m in result["mismatches"])
    assert "reverse map" in error.problem


def test_changed_rfc8_output(tmp_path):
    src, dst = _data(tmp_path, "rfc8_inputs/gen_collections/basic_collection.zarr"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "multiscale_1" / "zarr.json", lambda d: d["attributes"]["ome"].update(name="other"))
    m = _only(_mismatch(src, dst)[0])
    assert (m["file"], m["location"], m["input"], m["input_location"], m["found"]) == (
        "multiscale_1/zarr.json", "attributes.ome.name", "multiscale_1/zarr.json", "attributes.ome.name", "other")


def test_a_lost_key_is_reported_as_lost(tree, tmp_path):
    src, dst = tree("v04_labels"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    _edit(dst / "zarr.json", lambda d: d["attributes"].pop("lab:note"))
    result, error = _mismatch(src, dst)
    m = _only(result)
    assert (m["problem"], m["input_location"], m["expected"]) == ("lost", "['lab:note']", "not OME")
    assert "lost (input \"not OME\")" in error.problem


def test_many_mismatches_are_counted(plate, tmp_path):
    """Every well's carried key changed: all counted, the error says how many more."""
    src, dst = plate("ngff-zarr-0.4"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")

    def change(d):
        for well in d["attributes"]["ome"]["nodes"]:
            well["attributes"][f"{P}:plate-well"]["rowIndex"] = 99
    _edit(dst / "zarr.json", change)
    result, error = _mismatch(src, dst)
    assert len(result["mismatches"]) == 3
    assert "; 2 more mismatches" in error.problem


# ---------------------------------------------------------------------------
# a missing or unreadable output document is an error, never "equal"
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,file", [("v04_labels", "labels/nuclei/zarr.json"), ("v04_labels", "labels/zarr.json"),
                                       ("v04_labels", "s2/zarr.json"), ("v05_labels", "zarr.json")])
def test_missing_output_document(tree, tmp_path, name, file):
    src, dst = tree(name), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    (dst / file).unlink()
    with pytest.raises(VerificationError, match="file not found") as info:
        check_reverse_map(ngff_migrate.plan(src), dst)
    assert info.value.path == str(dst / file)


@pytest.mark.parametrize("maker,file", [
    (lambda t, p: t("v04_labels"), "zarr.json"),
    (lambda t, p: t("v05_labels"), "labels/nuclei/s0/zarr.json"),
    (lambda t, p: _data(p, "bf2raw/hcs.zarr"), "B/2/zarr.json"),
    (lambda t, p: _data(p, "rfc8_inputs/gen_multiscales/distributed_multiscale.zarr"), "1/zarr.json"),
])
def test_truncated_output_document(tree, tmp_path, maker, file):
    src = maker(tree, tmp_path)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    data = (dst / file).read_bytes()
    (dst / file).write_bytes(data[: len(data) // 2])
    with pytest.raises(VerificationError, match="not valid JSON") as info:
        check_reverse_map(ngff_migrate.plan(src), dst)
    assert info.value.path == str(dst / file)


def test_output_document_that_is_not_an_object(tree, tmp_path):
    src, dst = tree("v05_plain"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    (dst / "zarr.json").write_text("[]")
    with pytest.raises(VerificationError, match="expected a JSON object") as info:
        check_reverse_map(ngff_migrate.plan(src), dst)
    assert info.value.path == str(dst / "zarr.json")


# ---------------------------------------------------------------------------
# what "equal" allows: the documented equivalences, and only those
# ---------------------------------------------------------------------------

def test_zarray_equivalences():
    from ngff_migrate.formats.common.reverse import differences
    from ngff_migrate.formats.common.reverse_zarr import canon_zarray, zarray_from_v3
    from ngff_migrate.zarr.v2_to_v3 import v2_array_to_v3

    def same(zarray: dict[str, Any]) -> bool:
        back = zarray_from_v3(v2_array_to_v3(zarray).metadata)
        return not differences(canon_zarray(zarray), canon_zarray(back))

    base = {"zarr_format": 2, "shape": [4, 6], "chunks": [2, 3], "dtype": "<u2", "fill_value": 0, "order": "C",
            "filters": None, "compressor": {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": -1,
                                            "blocksize": 0}, "dimension_separator": "."}
    assert same(base)
    assert same({**base, "fill_value": None})                      # null = the zero (documented)
    assert same({**base, "dtype": "|u1", "compressor": {"id": "blosc"}})  # defaults, auto shuffle, 1 byte
    assert same({**base, "dtype": ">f4", "fill_value": float("nan"), "order": "F"})
    assert same({**base, "compressor": None, "filters": [{"id": "zlib", "level": 1}]})  # the split is not recorded
    assert same({k: v for k, v in base.items() if k != "dimension_separator"})
    assert same({**base, "filters": [{"id": "delta", "dtype": "<u2"}], "compressor": {"id": "zstd"}})
    # and what is not equal
    nan = zarray_from_v3(v2_array_to_v3({**base, "dtype": "<f4", "fill_value": float("nan")}).metadata)
    assert differences(canon_zarray({**base, "dtype": "<f4", "fill_value": 0.0}), canon_zarray(nan))
    le = zarray_from_v3(v2_array_to_v3(base).metadata)
    assert differences(canon_zarray({**base, "dtype": ">u2"}), canon_zarray(le))
    assert differences(canon_zarray({**base, "lab:extra": 1}), canon_zarray(le))  # a key v3 cannot hold: lost


def test_transform_equivalence_is_the_effective_transform():
    """Split between the level and the multiscale or composed: the same
    effective transform; a different one is not."""
    from ngff_migrate.formats.common.reverse import differences
    from ngff_migrate.formats.ngff_image.reverse import ImageReverse

    class Plan:
        prefix, version, inputs, root = P, "0.4", {}, Path("/x/img")

    canon = ImageReverse(None, Plan()).canon("", None)  # type: ignore[arg-type]

    def ms(levels, global_=None):
        entry = {"axes": [{"name": "y"}, {"name": "x"}],
                 "datasets": [{"path": p, "coordinateTransformations": ts} for p, ts in levels]}
        if global_:
            entry["coordinateTransformations"] = global_
        return {"multiscales": [entry]}

    split = ms([("0", [{"type": "scale", "scale": [1.0, 2.0]}, {"type": "translation", "translation": [1.0, 0.0]}])],
               [{"type": "scale", "scale": [0.5, 0.5]}, {"type": "translation", "translation": [3.0, 4.0]}])
    composed = ms([("./0", [{"type": "scale", "scale": [0.5, 1.0]}, {"type": "translation", "translation": [3.5, 4.0]}])])
    assert not differences(canon(split, False), canon(composed, False))
    other = ms([("0", [{"type": "scale", "scale": [0.5, 1.0]}, {"type": "translation", "translation": [3.5, 4.5]}])])
    found = differences(canon(split, False), canon(other, False))
    assert [f[0] for f in found] == [("multiscales", 0, "datasets", 0, "coordinateTransformations", 1,
                                      "translation", 1)]


def test_reverse_map_runs_with_verify_none_and_is_cheap(plate, tmp_path):
    """It reads metadata only: with --verify none it still runs, and costs
    far less than the conversion."""
    src = plate("yaozarrs-76-45-first24")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="none")
    assert report.verification["mode"] == "none" and report.verification["reverse_map"]["equal"] is True
    plan = ngff_migrate.plan(src)
    start = time.perf_counter()
    result = check_reverse_map(plan, dst)
    elapsed = time.perf_counter() - start
    assert result["documents"] + result["zarr_documents"] == len(plan.inputs)
    assert elapsed < max(0.5, report.timings["total"] / 2), elapsed


@pytest.mark.longrun
def test_reverse_map_of_the_384_well_plate_takes_under_a_second(plate, tmp_path):
    src = plate("yaozarrs-76-45")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    plan = ngff_migrate.plan(src)
    start = time.perf_counter()
    result = check_reverse_map(plan, dst)
    assert time.perf_counter() - start < 1.0
    assert result["documents"] > 384
