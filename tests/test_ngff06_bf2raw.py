"""OME-Zarr 0.6 ``bioformats2raw.layout`` containers (issue 8, item 1).

The series images are written by ngff-zarr (``version="0.6"``); the
container around them (root ``zarr.json`` with ``bioformats2raw.layout: 3``,
the ``OME`` group with ``series`` and ``METADATA.ome.xml``) is written by hand
as bioformats2raw lays it out (``tests/test_bf2raw.py`` builds the 0.4/0.5
ones the same way).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import arrays_under, assert_documents_valid, assert_pixels_equal
from conftest import tree_digest

import ngff_migrate
from ngff_migrate.errors import MigrateError

nz = pytest.importorskip("ngff_zarr")

OME_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">'
           '<Image ID="Image:0" Name="a"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" '
           'SizeX="20" SizeY="24" SizeC="2" SizeZ="1" SizeT="1"/></Image>'
           '<Image ID="Image:1" Name="b"><Pixels ID="Pixels:1" DimensionOrder="XYCZT" Type="uint16" '
           'SizeX="20" SizeY="24" SizeC="2" SizeZ="1" SizeT="1"/></Image></OME>\n')


def _write_json(path: Path, doc: dict) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "zarr.json").write_text(json.dumps(doc, indent=2))


def _series_image(path: Path, seed: int, version: str = "0.6") -> None:
    rng = np.random.default_rng(seed)
    image = nz.to_ngff_image(rng.integers(0, 4000, (2, 24, 20), dtype=np.uint16), dims=["c", "y", "x"],
                             scale={"c": 1.0, "y": 0.5, "x": 0.25}, translation={"y": 1.0, "x": 2.0},
                             axes_units={"y": "micrometer", "x": "micrometer"}, name=f"series-{seed}")
    nz.to_ngff_zarr(str(path), nz.to_multiscales(image, scale_factors=[2], chunks=8), version=version)


def _container(path: Path, n: int = 2, *, version: str = "0.6", series_versions: list[str] | None = None,
               series_list: bool = True) -> Path:
    """A 0.6 bioformats2raw container: ngff-zarr series images at 0/, 1/, ..."""
    _write_json(path, {"zarr_format": 3, "node_type": "group",
                       "attributes": {"ome": {"version": version, "bioformats2raw.layout": 3}}})
    for i in range(n):
        _series_image(path / str(i), i, (series_versions or [version] * n)[i])
    ome: dict = {"version": version}
    if series_list:
        ome["series"] = [str(i) for i in range(n)]
    _write_json(path / "OME", {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}})
    (path / "OME" / "METADATA.ome.xml").write_text(OME_XML)
    return path


def _levels(src: Path) -> list[str]:
    return list(arrays_under(src))


@pytest.mark.parametrize("version", ["0.6", "0.6rc0"])
def test_series_container_copy(tmp_path, version):
    src = _container(tmp_path / "c.zarr", version="0.6")
    if version != "0.6":  # the same container declaring an earlier draft everywhere
        for doc in src.rglob("zarr.json"):
            meta = json.loads(doc.read_text())
            ome = meta.get("attributes", {}).get("ome")
            if isinstance(ome, dict) and ome.get("version") == "0.6":
                ome["version"] = version
                meta.pop("consolidated_metadata", None)
                doc.write_text(json.dumps(meta))
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    assert (report.layout, report.version) == ("bioformats2raw", version)
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert root["type"] == "collection"
    assert [n["path"]["path"] for n in root["nodes"]] == ["./0", "./1"]
    assert [n["attributes"]["ngff-migrate:series"] for n in root["nodes"]] == [0, 1]
    assert root["attributes"]["ngff-migrate:bioformats2raw"] == {
        "layout": 3, "series": ["0", "1"], "omeXml": "./OME/METADATA.ome.xml"}
    assert (dst / "OME" / "METADATA.ome.xml").read_bytes() == (src / "OME" / "METADATA.ome.xml").read_bytes()
    for i in (0, 1):  # each series as a 0.6 image: named coordinate systems, the level transformation verbatim
        series = docs[f"{i}/zarr.json"]
        assert series["type"] == "multiscale" and series["name"] == f"series-{i}"
        assert series["attributes"]["coordinateSystems"][0]["id"] == "intrinsic"
        t = series["nodes"][0]["attributes"]["coordinateTransformations"][0]
        assert (t["type"], t["output"]) == ("sequence", {"id": "intrinsic"})
        assert t["transformations"][1] == {"type": "translation", "translation": [0.0, 1.0, 2.0]}
    assert ngff_migrate.validate(dst).ok
    levels = _levels(src)
    assert len(levels) == 4
    for rel in levels:
        assert_pixels_equal(src, 3, dst, rel)
    rm = report.verification["reverse_map"]
    assert rm["equal"] is True and rm["mismatches"] == []
    assert rm["compared"] == ["0/zarr.json", "1/zarr.json", "OME/zarr.json", "zarr.json"]
    assert not [k for k in report.keys if k.disposition == "dropped"]


def test_series_container_in_place_and_rollback(tmp_path):
    src = _container(tmp_path / "c.zarr", n=3)
    before = tree_digest(src)
    report = ngff_migrate.convert(src, in_place=True, verify="full")
    assert report.verification["reverse_map"]["equal"] is True
    assert report.verification["reverse_map"]["documents"] == 5
    docs = assert_documents_valid(src)
    assert [n["name"] for n in docs["zarr.json"]["nodes"]] == ["0", "1", "2"]
    assert ngff_migrate.validate(src).ok
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def test_series_found_as_consecutive_groups(tmp_path):
    src = _container(tmp_path / "c.zarr", n=2, series_list=False)
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    root = json.loads((tmp_path / "out.zarr" / "zarr.json").read_text())["attributes"]["ome"]
    assert [n["path"]["path"] for n in root["nodes"]] == ["./0", "./1"]
    assert "series" not in root["attributes"]["ngff-migrate:bioformats2raw"]
    assert report.verification["reverse_map"]["equal"] is True


def test_reverse_map_sees_a_changed_series(tmp_path):
    """The reverse map rebuilds the 0.6 series documents from the output: a
    changed series transformation fails it, naming the place."""
    from ngff_migrate.errors import VerificationError
    from ngff_migrate.verify.reverse import check_reverse_map

    src = _container(tmp_path / "c.zarr")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst)
    plan = ngff_migrate.plan(src)
    assert check_reverse_map(plan, dst)["equal"] is True
    meta = json.loads((dst / "1" / "zarr.json").read_text())
    meta["attributes"]["ome"]["nodes"][0]["attributes"]["coordinateTransformations"][0]["transformations"][0][
        "scale"][1] = 7.0
    (dst / "1" / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(VerificationError, match=r"1/zarr.json rebuilt from the output differs"):
        check_reverse_map(plan, dst)


def test_inspect_lists_the_series(tmp_path):
    from typer.testing import CliRunner

    from ngff_migrate.cli import app

    src = _container(tmp_path / "c.zarr")
    result = CliRunner().invoke(app, ["inspect", str(src)])
    assert result.exit_code == 0, result.output
    assert "bioformats2raw, version 0.6" in result.output
    assert "series of c.zarr" in result.output
    assert "│ 0      │ ./0  │ series-0" in result.output
    assert "│ 1      │ ./1  │ series-1" in result.output


def _plate_container(path: Path) -> Path:
    """A 0.6 bioformats2raw plate: one well A/1 with two ngff-zarr fields."""
    _write_json(path, {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.6", "bioformats2raw.layout": 3,
        "plate": {"name": "p", "rows": [{"name": "A"}], "columns": [{"name": "1"}],
                  "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}], "field_count": 2}}}})
    _write_json(path / "A", {"zarr_format": 3, "node_type": "group", "attributes": {}})
    _write_json(path / "A" / "1", {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.6", "well": {"images": [{"path": "0"}, {"path": "1"}]}}}})
    for i in range(2):
        _series_image(path / "A" / "1" / str(i), i)
    _write_json(path / "OME", {"zarr_format": 3, "node_type": "group",
                               "attributes": {"ome": {"version": "0.6", "series": ["A/1/0", "A/1/1"]}}})
    (path / "OME" / "METADATA.ome.xml").write_text(OME_XML)
    return path


def test_plate_container(tmp_path):
    src = _plate_container(tmp_path / "p.zarr")
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert (report.layout, report.version) == ("bioformats2raw", "0.6")
    docs = assert_documents_valid(dst)
    root = docs["zarr.json"]
    assert "plate" in root["attributes"]
    assert root["attributes"]["ngff-migrate:bioformats2raw"]["layout"] == 3
    assert [s["path"]["path"] for s in root["nodes"][0]["nodes"]] == ["./A/1/0", "./A/1/1"]
    assert docs["A/1/0/zarr.json"]["attributes"]["coordinateSystems"][0]["id"] == "intrinsic"
    assert ngff_migrate.validate(dst).ok
    for rel in _levels(src):
        assert_pixels_equal(src, 3, dst, rel)
    rm = report.verification["reverse_map"]
    assert rm["equal"] is True and "OME/zarr.json" in rm["compared"] and "A/1/zarr.json" in rm["compared"]
    ngff_migrate.convert(src, in_place=True, verify="full")
    assert ngff_migrate.validate(src).ok
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


@pytest.mark.parametrize("case", ["0.5-series", "0.6-series-in-0.5", "not-an-image", "missing-series"])
def test_bad_container(tmp_path, case):
    """Mixed versions, a series that is not a 0.6 image, a listed series that
    does not exist: one project error naming the file, nothing written, exit
    code 1 from the CLI without a traceback."""
    from typer.testing import CliRunner

    from ngff_migrate.cli import app

    src = tmp_path / "c.zarr"
    if case == "0.5-series":
        _container(src, series_versions=["0.6", "0.5"])
        file, expected = src / "1" / "zarr.json", "series '1' is OME-Zarr 0.5 but the container is 0.6"
    elif case == "0.6-series-in-0.5":
        _container(src, version="0.5", series_versions=["0.5", "0.6"])
        file, expected = src / "1" / "zarr.json", "series '1' is OME-Zarr 0.6 but the container is 0.5"
    elif case == "not-an-image":
        _container(src)
        zarr.open_group(str(src / "1"), mode="w", zarr_format=3).attrs["ome"] = {"version": "0.6"}
        file, expected = src / "1" / "zarr.json", "no 'multiscales' metadata"
    else:
        _container(src)
        meta = json.loads((src / "OME" / "zarr.json").read_text())
        meta["attributes"]["ome"]["series"].append("2")
        (src / "OME" / "zarr.json").write_text(json.dumps(meta))
        file, expected = src / "2", "series '2' listed in OME/series does not exist"
    before = tree_digest(src)
    with pytest.raises(MigrateError) as info:
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert expected in info.value.problem and info.value.path == str(file)
    assert not (tmp_path / "out.zarr").exists()
    with pytest.raises(MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == before
    result = CliRunner().invoke(app, ["convert", str(src), str(tmp_path / "out.zarr")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and expected in result.output
    assert not (tmp_path / "out.zarr").exists()


def test_ome_zarr_models_bioformats2raw_example(tmp_path):
    """ome-zarr-models-py's 0.6.dev4 ``bioformats2raw_example`` (a plate
    container without an ``OME`` group), with its well ``A/1`` (after
    ``well_example``) and one field (``image_example``) added."""
    from test_ngff06_trees import DATA, build_image, load_doc, write_group

    real = DATA / "real" / "ome-zarr-models-py"
    src = tmp_path / "src.zarr"
    write_group(src, load_doc(real / "bioformats2raw_example.json"))
    write_group(src / "A", {})
    well = load_doc(real / "well_example.json")
    well["ome"]["well"]["images"] = [{"acquisition": 0, "path": "0"}]
    write_group(src / "A" / "1", well)
    build_image(src / "A" / "1" / "0", load_doc(real / "image_example.json"))
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert (report.layout, report.version) == ("bioformats2raw", "0.6.dev4")
    assert any("METADATA.ome.xml" in w and "missing" in w for w in report.warnings)
    root = assert_documents_valid(dst)["zarr.json"]
    assert root["attributes"]["ngff-migrate:bioformats2raw"] == {"layout": 3}
    assert root["attributes"]["ngff-migrate:plate"]["field_count"] == 1
    assert ngff_migrate.validate(dst).ok
    for rel in _levels(src):
        assert_pixels_equal(src, 3, dst, rel)
    assert report.verification["reverse_map"]["compared"] == ["A/1/0/zarr.json", "A/1/zarr.json", "zarr.json"]
    ngff_migrate.convert(src, in_place=True)
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before
