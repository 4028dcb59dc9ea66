"""Multi-file OME-TIFF (issue #10): a set of TIFFs referencing each other by
``TiffData`` ``UUID`` ``FileName``, or a ``.companion.ome``, is one dataset.

Every set is written here: the OME-XML is built with ome-types
(``ome_types.model``, ``ome_types.to_xml``) after the OME-TIFF
specification's multi-file samples, and each file by ``tifffile.imwrite(...,
description=xml, metadata=None, tile=(32, 32), compression='zlib')``
(:func:`write_set`). Pixels are compared with tifffile's own reading of the
set (the master opened with the companion's XML, ``series[0].asarray()``).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from checks import assert_documents_valid
from ome_types import model as om
from ome_types import to_xml
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.engine.journal import inputs_digest
from ngff_migrate.formats.tiff.multifile import FileSet, file_set

LAYOUTS = ("master", "every", "companion")


def write_set(directory: Path, layout: str = "master", *, split: str = "z", name: str = "img") -> dict:
    """A multi-file OME-TIFF in ``directory``, uint16, 64 x 80 planes, 0.5 µm pixels, 2 µm z steps.

    ``split="z"``: ZYX 3 planes, one file per plane ``<name>_z<k>.ome.tif``
    (``TiffData FirstZ=k IFD=0 PlaneCount=1``); ``split="c"``: CZYX 2 x 2,
    one file per channel ``<name>_c<k>.ome.tif`` holding its two z planes
    (``TiffData FirstC=k IFD=0 PlaneCount=2``). ``layout``: ``"master"``
    (the first file holds the OME-XML, the others ``BinaryOnly`` pointing at
    it), ``"every"`` (every file holds the whole OME-XML), ``"companion"``
    (``<name>.companion.ome`` holds it, every TIFF ``BinaryOnly``).

    Returns ``{"data", "files", "companion", "uuids"}`` (``data`` in the
    set's own axis order, ``ZYX`` or ``CZYX``).
    """
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    if split == "z":
        data = rng.integers(0, 4000, (3, 64, 80), dtype="uint16")
        planes = [data[z] for z in range(3)]
        names = [f"{name}_z{z}.ome.tif" for z in range(3)]
        size_z, size_c = 3, 1
    else:
        data = rng.integers(0, 4000, (2, 2, 64, 80), dtype="uint16")
        planes = [data[c] for c in range(2)]
        names = [f"{name}_c{c}.ome.tif" for c in range(2)]
        size_z, size_c = 2, 2
    uuids = [f"urn:uuid:{uuid.UUID(int=rng.integers(1 << 62).item())}" for _ in names]
    blocks = [om.TiffData(ifd=0, plane_count=1 if split == "z" else 2, first_z=k if split == "z" else 0,
                          first_c=0 if split == "z" else k,
                          uuid=om.TiffData.UUID(value=uuids[k], file_name=names[k])) for k in range(len(names))]
    channels = [om.Channel(id=f"Channel:0:{c}", name=["DAPI", "GFP"][c], samples_per_pixel=1) for c in range(size_c)]
    pixels = om.Pixels(id="Pixels:0", dimension_order="XYZCT", type="uint16", size_x=80, size_y=64, size_z=size_z,
                       size_c=size_c, size_t=1, physical_size_x=0.5, physical_size_y=0.5, physical_size_z=2.0,
                       channels=channels, tiff_data_blocks=blocks)
    images = [om.Image(id="Image:0", name=name, pixels=pixels)]
    companion = directory / f"{name}.companion.ome" if layout == "companion" else None
    companion_uuid = f"urn:uuid:{uuid.UUID(int=rng.integers(1 << 62).item())}"
    for k, file in enumerate(names):
        if layout == "companion":
            ome = om.OME(uuid=uuids[k], binary_only=om.OME.BinaryOnly(metadata_file=companion.name,
                                                                       uuid=companion_uuid))
        elif layout == "every" or k == 0:
            ome = om.OME(uuid=uuids[k], images=images)
        else:
            ome = om.OME(uuid=uuids[k], binary_only=om.OME.BinaryOnly(metadata_file=names[0], uuid=uuids[0]))
        tifffile.imwrite(directory / file, planes[k], description=to_xml(ome), metadata=None, tile=(32, 32),
                         compression="zlib", photometric="minisblack")
    if companion is not None:
        companion.write_text(to_xml(om.OME(uuid=companion_uuid, images=images)), encoding="utf-8")
    return {"data": data, "files": [directory / f for f in names], "companion": companion, "uuids": uuids}


def read_set(master: Path, companion: Path | None = None) -> np.ndarray:
    """The set as tifffile reads it: the master, with the companion's OME-XML when there is one."""
    xml = companion.read_text() if companion else None
    with tifffile.TiffFile(master, omexml=xml) as tif:
        assert len(tif.series) == 1 and tif.series[0].is_multifile
        return tif.series[0].asarray()


def _ome(dst: Path, rel: str = "") -> dict:
    return json.loads((dst / rel / "zarr.json").read_text())["attributes"]["ome"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_file_set_is_the_same_from_every_member(tmp_path, layout):
    """``file_set`` of each member (and of the companion) names the same master, members, companion."""
    written = write_set(tmp_path, layout)
    files = written["files"]
    want = FileSet(files[0], tuple(files), written["companion"])
    for given in [*files, *([written["companion"]] if written["companion"] else [])]:
        assert file_set(given) == want, given
    assert want.is_multifile and want.files[0] == (written["companion"] or files[0])


def test_file_set_of_single_files(tmp_path):
    """A plain TIFF, and a single-file OME-TIFF (``tifffile.imwrite(..., metadata={'axes': 'YX'})``)."""
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((8, 8), "uint8"))
    single = tmp_path / "single.ome.tif"
    tifffile.imwrite(single, np.zeros((8, 8), "uint8"), metadata={"axes": "YX"})
    for path in (plain, single):
        fs = file_set(path)
        assert fs == FileSet(path, (path,), None) and not fs.is_multifile


@pytest.mark.parametrize(("layout", "given"), [("master", 1), ("every", 2), ("companion", "companion"),
                                               ("companion", 0)])
def test_any_member_converts_the_whole_set(tmp_path, layout, given):
    """Given any member (or the companion), the output is one multiscale of the whole set,
    pixel-equal to tifffile's reading of it, valid, with the reverse map equal."""
    written = write_set(tmp_path / "set", layout)
    src = written["companion"] if given == "companion" else written["files"][given]
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full", levels=1)
    assert report.status == "done" and report.layout == "tiff"
    assert report.verification["reverse_map"]["equal"]
    assert not [w for w in report.warnings if "tifffile" in w], report.warnings
    assert_documents_valid(dst)
    ome = _ome(dst)
    assert ome["type"] == "multiscale"
    assert ome["name"] == ("img" if layout == "companion" else "img_z0")  # the set's name, whichever member
    axes = ome["attributes"]["coordinateSystems"][0]["axes"]
    assert [(a["name"], a.get("unit")) for a in axes] == [("z", "micrometer"), ("y", "micrometer"),
                                                           ("x", "micrometer")]
    assert ome["nodes"][0]["attributes"]["coordinateTransformations"][0]["scale"] == [2.0, 0.5, 0.5]
    want = read_set(written["files"][0], written["companion"])
    np.testing.assert_array_equal(want, written["data"])
    np.testing.assert_array_equal(zarr.open_array(dst / "0", mode="r")[...], want)


def test_one_file_per_channel_with_companion(tmp_path):
    """``split='c'``: two files of two IFDs each (``TiffData FirstC=k PlaneCount=2``), companion layout."""
    written = write_set(tmp_path / "set", "companion", split="c")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(written["files"][1], dst, verify="full", levels=1)
    assert report.status == "done" and report.verification["reverse_map"]["equal"]
    assert_documents_valid(dst)
    ome = _ome(dst)
    assert [a["name"] for a in ome["attributes"]["coordinateSystems"][0]["axes"]] == ["c", "z", "y", "x"]
    assert [c["label"] for c in ome["attributes"]["ngff-migrate:omero"]["channels"]] == ["DAPI", "GFP"]
    want = read_set(written["files"][0], written["companion"])
    np.testing.assert_array_equal(zarr.open_array(dst / "0", mode="r")[...], want)
    np.testing.assert_array_equal(want, written["data"])


def test_engine_source_reads_across_files(tmp_path):
    """The engine's pixel source (``TiffLevelSource.open()``) reads regions spanning files,
    also through the companion, and ``decode()`` gives the whole set."""
    from ngff_migrate.formats.tiff.read import read_tiff

    written = write_set(tmp_path, "companion")
    source = read_tiff(written["files"][2], "", strict=True, warnings=[])
    assert source.path == written["companion"] and source.master == written["files"][0]
    reader = source.level_source(0, 0, (0, 1, 2))
    array = reader.open()
    assert array.shape == (3, 64, 80)
    np.testing.assert_array_equal(array[(slice(0, 3), slice(16, 48), slice(20, 70))],
                                  written["data"][:, 16:48, 20:70])
    np.testing.assert_array_equal(reader.decode(), written["data"])


def test_inputs_cover_every_file_of_the_set(tmp_path):
    """``plan.inputs`` lists every file (name, size, mtime_ns): touching one member changes the
    digest a resumed run compares."""
    written = write_set(tmp_path, "companion")
    result = ngff_migrate.plan(written["files"][0])
    assert list(result.inputs) == ["img.companion.ome"]
    summary = json.loads(result.inputs["img.companion.ome"])
    names = [f["name"] for f in summary["file"]["set"]]
    assert names == ["img.companion.ome", "img_z0.ome.tif", "img_z1.ome.tif", "img_z2.ome.tif"]
    before = inputs_digest(result.inputs)
    member = written["files"][2]
    st = member.stat()
    os.utime(member, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert inputs_digest(ngff_migrate.plan(written["files"][0]).inputs) != before


def test_inspect_shows_one_dataset_per_set(tmp_path):
    """``inspect`` of any member, or of the companion, shows the one image of the set (3x64x80)."""
    written = write_set(tmp_path, "companion")
    runner = CliRunner()
    for given in (written["files"][1], written["companion"]):
        result = runner.invoke(app, ["inspect", str(given)])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert result.output.count("multiscale") == 1 and "multiscale img #img" in result.output, result.output
        assert "3x64x80" in result.output and "2 x 0.5 x 0.5" in result.output
    inspection = ngff_migrate.inspect(written["files"][1])
    assert [d.rel for d in inspection.plan.documents if d.ome] == [""]
    assert [a.rel for a in inspection.plan.arrays] == ["0"]
