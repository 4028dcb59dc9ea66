"""bioformats2raw.layout containers: real outputs and synthesized quirks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import arrays_under, assert_documents_valid, assert_pixels_equal
from conftest import tree_digest

import ngff_migrate
from ngff_migrate.errors import MigrateError

REAL = Path(__file__).parent / "data" / "bf2raw"


@pytest.fixture
def real(tmp_path):
    def make(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(REAL / name, dst)
        return dst
    return make


def _series(src: Path) -> list[str]:
    return json.loads((src / "OME" / ".zattrs").read_text())["series"]


@pytest.mark.parametrize("name", ["bf2raw.zarr", "fake-series-2.zarr"])
def test_real_series_container(real, tmp_path, name):
    src = real(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    root = assert_documents_valid(dst)["zarr.json"]
    assert root["type"] == "collection"
    assert [n["path"]["path"] for n in root["nodes"]] == [f"./{s}" for s in _series(src)]
    assert [n["attributes"]["ngff-migrate:series"] for n in root["nodes"]] == list(range(len(_series(src))))
    info = root["attributes"]["ngff-migrate:bioformats2raw"]
    assert info["layout"] == 3 and info["omeXml"] == "./OME/METADATA.ome.xml"
    assert (dst / "OME" / "METADATA.ome.xml").read_bytes() == (src / "OME" / "METADATA.ome.xml").read_bytes()
    assert ngff_migrate.validate(dst).ok
    for rel in arrays_under(src):
        assert_pixels_equal(src, 2, dst, rel)
    assert not [k for k in report.keys if k.disposition == "dropped"]
    ngff_migrate.convert(src, in_place=True, verify="full")
    assert ngff_migrate.validate(src).ok
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


@pytest.mark.parametrize("name", ["hcs.zarr", "plate-rows-2.zarr"])
def test_real_container_wrapping_a_plate(real, tmp_path, name):
    src = real(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="full")
    root = assert_documents_valid(dst)["zarr.json"]
    assert "plate" in root["attributes"]
    assert root["attributes"]["ngff-migrate:bioformats2raw"]["layout"] == 3
    plate = json.loads((src / ".zattrs").read_text())["plate"]
    assert [w["name"] for w in root["nodes"]] == [w["path"].replace("/", "") for w in plate["wells"]]
    fields = {s["path"]["path"] for w in root["nodes"] for s in w["nodes"]}
    wells = {w["path"] for w in plate["wells"]}
    assert {f.rsplit("/", 1)[0][2:] for f in fields} == wells
    for rel in arrays_under(src):
        assert_pixels_equal(src, 2, dst, rel)
    assert ngff_migrate.validate(dst).ok
    ngff_migrate.convert(src, in_place=True)
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def _write_container(path: Path, *, version: str = "0.4", series_list: bool = True,
                     n: int = 2) -> Path:
    """A bioformats2raw-style container written with ome-zarr-py images."""
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image

    fmt, zf = (FormatV04(), 2) if version == "0.4" else (FormatV05(), 3)
    root = zarr.open_group(path, mode="w", zarr_format=zf)
    if zf == 2:
        root.attrs["bioformats2raw.layout"] = 3
    else:
        root.attrs["ome"] = {"version": "0.5", "bioformats2raw.layout": 3}
    for i in range(n):
        img = root.require_group(str(i))
        write_image(np.full((2, 16, 16), i + 1, dtype=np.uint8), img, axes="cyx", fmt=fmt, scale_factors=(2,))
    ome = root.require_group("OME")
    if series_list:
        if zf == 2:
            ome.attrs["series"] = [str(i) for i in range(n)]
        else:
            ome.attrs["ome"] = {"version": "0.5", "series": [str(i) for i in range(n)]}
    (path / "OME" / "METADATA.ome.xml").write_text('<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"/>')
    return path


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_synthesized_container_both_versions(tmp_path, version):
    src = _write_container(tmp_path / "c.zarr", version=version)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.layout == "bioformats2raw" and report.version == version
    root = assert_documents_valid(dst)["zarr.json"]
    assert [n["name"] for n in root["nodes"]] == ["0", "1"]
    assert ngff_migrate.validate(dst).ok


def test_series_found_as_consecutive_groups_without_ome_series(tmp_path):
    src = _write_container(tmp_path / "c.zarr", series_list=False, n=3)
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    root = json.loads((tmp_path / "out.zarr" / "zarr.json").read_text())["attributes"]["ome"]
    assert [n["path"]["path"] for n in root["nodes"]] == ["./0", "./1", "./2"]
    assert "series" not in root["attributes"]["ngff-migrate:bioformats2raw"]
    assert report.status == "done"


def test_quirks_dot_separator_big_endian_s0_levels_and_consolidated(tmp_path):
    """Older bioformats2raw: '.' chunk keys (--no-nested), big-endian dtype,
    's0'-style level paths, consolidated .zmetadata, a well-less layout."""
    src = tmp_path / "old.zarr"
    root = zarr.open_group(src, mode="w", zarr_format=2)
    root.attrs["bioformats2raw.layout"] = 3
    img = root.require_group("0")
    data = np.arange(2 * 20 * 24, dtype=">u2").reshape(2, 20, 24)
    for level, factor in (("s0", 1), ("s1", 2)):
        arr = zarr.create_array(store=src / "0" / level, shape=data[:, ::factor, ::factor].shape, dtype=">u2",
                                chunks=(1, 8, 8), zarr_format=2, chunk_key_encoding={"name": "v2", "separator": "."})
        arr[...] = data[:, ::factor, ::factor]
    img.attrs["multiscales"] = [{"version": "0.4", "name": "old", "axes": [
        {"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [{"path": p, "coordinateTransformations": [{"type": "scale", "scale": [1.0, f, f]}]}
                     for p, f in (("s0", 1.0), ("s1", 2.0))]}]
    root.require_group("OME").attrs["series"] = ["0"]
    (src / "OME" / "METADATA.ome.xml").write_text("<OME/>")
    zarr.consolidate_metadata(str(src), zarr_format=2)
    assert (src / ".zmetadata").is_file()
    assert (src / "0" / "s0" / "0.0.0").is_file()
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert not (dst / ".zmetadata").exists(), "stale consolidated v2 metadata is not copied into a v3 store"
    meta = json.loads((dst / "0" / "s0" / "zarr.json").read_text())
    assert meta["codecs"][0] == {"name": "bytes", "configuration": {"endian": "big"}}
    assert meta["chunk_key_encoding"]["configuration"]["separator"] == "."
    for level in ("s0", "s1"):
        assert_pixels_equal(src, 2, dst, f"0/{level}")
    assert any(k.file == ".zmetadata" for k in report.keys)
    ngff_migrate.convert(src, in_place=True, verify="full")
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


def test_listed_series_missing_is_an_error(tmp_path):
    src = _write_container(tmp_path / "c.zarr")
    attrs = json.loads((src / "OME" / ".zattrs").read_text())
    attrs["series"].append("7")
    (src / "OME" / ".zattrs").write_text(json.dumps(attrs))
    before = tree_digest(src)
    with pytest.raises(MigrateError, match="series '7'"):
        ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert not (tmp_path / "out.zarr").exists() and tree_digest(src) == before


def test_ome_xml_missing_is_a_warning(tmp_path):
    src = _write_container(tmp_path / "c.zarr")
    (src / "OME" / "METADATA.ome.xml").unlink()
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert any("METADATA.ome.xml" in w and "missing" in w for w in report.warnings)
    root = json.loads((tmp_path / "out.zarr" / "zarr.json").read_text())["attributes"]["ome"]
    assert "omeXml" not in root["attributes"]["ngff-migrate:bioformats2raw"]


def test_ome_xml_malformed_is_a_warning_and_kept(tmp_path):
    src = _write_container(tmp_path / "c.zarr")
    (src / "OME" / "METADATA.ome.xml").write_bytes(b"<OME><Image>")
    report = ngff_migrate.convert(src, tmp_path / "out.zarr")
    assert any("not well-formed" in w for w in report.warnings)
    assert (tmp_path / "out.zarr" / "OME" / "METADATA.ome.xml").read_bytes() == b"<OME><Image>"


def test_inspect_shows_plate_map_and_series_list():
    from typer.testing import CliRunner

    from ngff_migrate.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["inspect", str(REAL / "hcs.zarr")])
    assert result.exit_code == 0, result.output
    assert "plate Plate Name 0" in result.output
    assert "4 wells, 8 fields; acquisitions: 0" in result.output
    assert "│ A │ 2 │ 2 │" in result.output
    result = runner.invoke(app, ["inspect", str(REAL / "fake-series-2.zarr")])
    assert result.exit_code == 0, result.output
    assert "series of fake-series-2.zarr" in result.output
    assert "│ 1      │ ./1  │" in result.output
