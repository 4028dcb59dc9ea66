"""TIFF ingestion (issue #10, first step): a TIFF file becomes an RFC-8 multiscale.

Every input is written here by tifffile (``tifffile.imwrite`` /
``TiffWriter.write``), with the options named in each test's docstring; no
file comes from elsewhere. Pixels are compared level by level with
tifffile's own decode (``series.levels[k].asarray()``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
import zarr
from checks import assert_documents_valid

import ngff_migrate
from ngff_migrate.errors import MigrateError, UsageError


def _pyramid(path, *, axes="CYX", shape=(2, 512, 384), dtype="uint16", tile=(128, 128), levels=3):
    """A pyramidal OME-TIFF: level 0 with ``subifds=levels - 1`` and its
    reduced levels as SubIFDs (``subfiletype=1``), zlib, tiled, OME metadata
    with PhysicalSizeX/Y 0.5 µm and channel names."""
    rng = np.random.default_rng(0)
    data = rng.integers(0, 4000, shape, dtype=dtype)
    yi, xi = axes.index("Y"), axes.index("X")
    with tifffile.TiffWriter(path, bigtiff=False) as tif:
        meta = {"axes": axes, "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5, "PhysicalSizeXUnit": "µm",
                "PhysicalSizeYUnit": "µm"}
        if "C" in axes:
            meta["Channel"] = {"Name": ["DAPI", "GFP"][: shape[axes.index("C")]]}
        photometric = "rgb" if "S" in axes else "minisblack"
        tif.write(data, subifds=levels - 1, metadata=meta, tile=tile, compression="zlib", photometric=photometric)
        level = data
        for _ in range(levels - 1):
            sel = [slice(None)] * len(shape)
            sel[yi] = sel[xi] = slice(None, None, 2)
            level = level[tuple(sel)]
            tif.write(level, subfiletype=1, tile=tile, compression="zlib", photometric=photometric)
    return data


def _levels(path, series=0):
    with tifffile.TiffFile(path) as tif:
        s = tif.series[series]
        return s.axes, [lv.asarray() for lv in s.levels]


def _out(dst, rel):
    return zarr.open_array(dst / rel, mode="r")[...]


def _ome(dst, rel=""):
    return json.loads((dst / rel / "zarr.json").read_text())["attributes"]["ome"]


def _scale(node, level=0):
    return node["nodes"][level]["attributes"]["coordinateTransformations"][0]["scale"]


def test_pyramidal_ome_tiff_reuses_levels_pixel_equal(tmp_path):
    """OME-TIFF, ``CYX`` uint16 2x512x384, 128x128 tiles, zlib, two SubIFD levels."""
    src = tmp_path / "pyr.ome.tif"
    _pyramid(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.status == "done" and report.layout == "tiff"
    assert report.verification["reverse_map"]["equal"]
    assert report.verification["arrays_compared"] == 3
    docs = assert_documents_valid(dst)
    assert list(docs) == ["zarr.json"]
    ome = _ome(dst)
    assert ome["type"] == "multiscale" and ome["name"] == "pyr"
    axes = ome["attributes"]["coordinateSystems"][0]["axes"]
    assert [a["name"] for a in axes] == ["c", "y", "x"]
    assert [a.get("unit") for a in axes] == [None, "micrometer", "micrometer"]
    assert [_scale(ome, k) for k in range(3)] == [[1.0, 0.5, 0.5], [1.0, 1.0, 1.0], [1.0, 2.0, 2.0]]
    assert [c["label"] for c in ome["attributes"]["ngff-migrate:omero"]["channels"]] == ["DAPI", "GFP"]
    _, levels = _levels(src)
    assert len(ome["nodes"]) == 3  # the source pyramid, no level added or rebuilt
    for k, want in enumerate(levels):
        np.testing.assert_array_equal(_out(dst, str(k)), want)
    meta = json.loads((dst / "0" / "zarr.json").read_text())
    # the default layout: the TIFF tile (128) doubled to 512 (clipped to the 384 px width), in shards
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert meta["codecs"][0]["configuration"]["chunk_shape"] == [1, 512, 384]


def test_rgb_samples_become_channel_axis(tmp_path):
    """Plain RGB TIFF: ``tifffile.imwrite(photometric='rgb', tile=(64, 64))``, uint8 300x200x3,
    XResolution 2 per centimeter (5000 µm pixels)."""
    src = tmp_path / "rgb.tif"
    data = np.random.default_rng(1).integers(0, 255, (300, 200, 3), dtype="uint8")
    tifffile.imwrite(src, data, photometric="rgb", tile=(64, 64), resolution=(2.0, 2.0),
                     resolutionunit="CENTIMETER")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full", levels=1)
    assert report.status == "done"
    assert_documents_valid(dst)
    ome = _ome(dst)
    assert [a["name"] for a in ome["attributes"]["coordinateSystems"][0]["axes"]] == ["c", "y", "x"]
    assert _scale(ome) == [1.0, 5000.0, 5000.0]
    labels = [c["label"] for c in ome["attributes"]["ngff-migrate:omero"]["channels"]]
    assert labels == ["red", "green", "blue"]
    np.testing.assert_array_equal(_out(dst, "0"), data.transpose(2, 0, 1))


def test_plain_tiled_tiff_resolution_and_default_pyramid(tmp_path):
    """Plain tiled TIFF: ``tifffile.imwrite(tile=(128, 128), resolution=(20000, 20000),
    resolutionunit='CENTIMETER')``, uint8 600x700: 0.5 µm pixels; one level in the file, so the
    default pyramid halves y/x until both fit in 256 px (600x700 -> 300x350 -> 150x175)."""
    src = tmp_path / "res.tif"
    data = np.random.default_rng(2).integers(0, 255, (600, 700), dtype="uint8")
    tifffile.imwrite(src, data, tile=(128, 128), resolution=(20000.0, 20000.0), resolutionunit="CENTIMETER")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.status == "done" and not report.warnings
    assert_documents_valid(dst)
    ome = _ome(dst)
    assert [n["name"] for n in ome["nodes"]] == ["0", "1", "2"]
    assert ome["attributes"]["coordinateSystems"][0]["axes"][1]["unit"] == "micrometer"
    assert _scale(ome) == [0.5, 0.5]
    np.testing.assert_array_equal(_out(dst, "0"), data)
    assert _out(dst, "1").shape == (300, 350) and _out(dst, "2").shape == (150, 175)
    assert report.verification["new_levels"]["levels"] == 2
    assert report.verification["reverse_map"]["equal"]


def test_striped_placeholder_resolution_warns(tmp_path):
    """Striped TIFF: ``tifffile.imwrite(rowsperstrip=16)``, uint16 100x120, no resolution given
    (tifffile writes 1 pixel per unit with no unit): a warning, scale 1 with no unit."""
    src = tmp_path / "striped.tif"
    data = np.arange(12000, dtype="uint16").reshape(100, 120)
    tifffile.imwrite(src, data, rowsperstrip=16)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert any("placeholder" in w and "--pixel-size" in w for w in report.warnings), report.warnings
    ome = _ome(dst)
    assert "unit" not in ome["attributes"]["coordinateSystems"][0]["axes"][0]
    assert _scale(ome) == [1.0, 1.0]
    np.testing.assert_array_equal(_out(dst, "0"), data)


def test_72_dpi_is_a_placeholder_and_pixel_size_overrides(tmp_path):
    """``tifffile.imwrite(resolution=(72, 72), resolutionunit='INCH')``: 72 dpi warns; with
    ``--pixel-size 325 --unit nanometer`` there is no warning and the scale is 325 nm."""
    src = tmp_path / "dpi.tif"
    tifffile.imwrite(src, np.ones((40, 50), "uint8"), resolution=(72.0, 72.0), resolutionunit="INCH")
    plan = ngff_migrate.plan(src)
    assert any("72 dpi" in w for w in plan.warnings), plan.warnings
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, pixel_size=325, unit="nanometer")
    assert not report.warnings
    ome = _ome(dst)
    assert ome["attributes"]["coordinateSystems"][0]["axes"][0]["unit"] == "nanometer"
    assert _scale(ome) == [325.0, 325.0]


def test_unit_converts_file_sizes(tmp_path):
    """OME-TIFF with 0.5 µm pixels (``_pyramid``) and ``--unit nanometer``: scale 500 nm."""
    src = tmp_path / "pyr.ome.tif"
    _pyramid(src, levels=1, shape=(1, 64, 64))
    plan = ngff_migrate.plan(src, unit="nanometer")
    ome = plan.root_document.ome
    assert _scale(ome)[-2:] == [500.0, 500.0]
    assert ome["attributes"]["coordinateSystems"][0]["axes"][-1]["unit"] == "nanometer"
    with pytest.raises(UsageError):
        ngff_migrate.plan(src, unit="microns")


def test_several_series_become_a_collection(tmp_path):
    """Two series in one OME-TIFF: ``TiffWriter.write`` twice with ``metadata={'axes': 'YX',
    'Name': 'first', ...}`` (uint8 64x64) and ``{'axes': 'ZYX', 'Name': 'second',
    'PhysicalSizeZ': 2.0, ...}`` (uint16 3x32x32)."""
    src = tmp_path / "multi.ome.tif"
    a = np.random.default_rng(3).integers(0, 255, (64, 64), dtype="uint8")
    b = np.random.default_rng(4).integers(0, 4000, (3, 32, 32), dtype="uint16")
    with tifffile.TiffWriter(src) as tif:
        tif.write(a, metadata={"axes": "YX", "Name": "first", "PhysicalSizeX": 0.2, "PhysicalSizeY": 0.2})
        tif.write(b, metadata={"axes": "ZYX", "Name": "second", "PhysicalSizeZ": 2.0, "PhysicalSizeX": 0.1,
                               "PhysicalSizeY": 0.1})
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.verification["reverse_map"]["equal"]
    docs = assert_documents_valid(dst)
    assert sorted(docs) == ["0/zarr.json", "1/zarr.json", "zarr.json"]
    root = _ome(dst)
    assert root["type"] == "collection"
    assert [(n["type"], n["name"], n["path"]["path"]) for n in root["nodes"]] == [
        ("multiscale", "first", "./0"), ("multiscale", "second", "./1")]
    second = _ome(dst, "1")
    assert [x["name"] for x in second["attributes"]["coordinateSystems"][0]["axes"]] == ["z", "y", "x"]
    assert _scale(second) == [2.0, 0.1, 0.1]
    np.testing.assert_array_equal(_out(dst, "0/0"), a)
    np.testing.assert_array_equal(_out(dst, "1/0"), b)


def test_reorders_axes_to_tczyx(tmp_path):
    """OME-TIFF ``ZCYX`` (``metadata={'axes': 'ZCYX'}``, uint8 3x2x32x40): output ``c, z, y, x``."""
    src = tmp_path / "zc.ome.tif"
    data = np.random.default_rng(5).integers(0, 255, (3, 2, 32, 40), dtype="uint8")
    tifffile.imwrite(src, data, metadata={"axes": "ZCYX"})
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="full")
    ome = _ome(dst)
    assert [x["name"] for x in ome["attributes"]["coordinateSystems"][0]["axes"]] == ["c", "z", "y", "x"]
    np.testing.assert_array_equal(_out(dst, "0"), data.transpose(1, 0, 2, 3))


def test_chunks_and_codec_options_apply(tmp_path):
    """The re-encode options apply to TIFF levels: ``--chunks y=64,x=64 --shards auto --codec zstd``."""
    src = tmp_path / "pyr.ome.tif"
    _pyramid(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, chunks="y=64,x=64", shards="auto", codec="zstd", verify="full")
    meta = json.loads((dst / "0" / "zarr.json").read_text())
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert meta["codecs"][0]["configuration"]["chunk_shape"] == [1, 64, 64]
    assert report.verification["reverse_map"]["equal"]
    _, levels = _levels(src)
    np.testing.assert_array_equal(_out(dst, "0"), levels[0])


def test_not_a_tiff_and_truncated_are_one_line_errors(tmp_path):
    """A text file named ``.tif``; a pyramidal OME-TIFF (``_pyramid``) cut to half its bytes."""
    fake = tmp_path / "fake.tif"
    fake.write_text("hello, world")
    with pytest.raises(MigrateError, match="not a TIFF file") as err:
        ngff_migrate.convert(fake, tmp_path / "a.zarr")
    assert str(fake) in str(err.value)
    src = tmp_path / "pyr.ome.tif"
    _pyramid(src)
    cut = tmp_path / "cut.ome.tif"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(MigrateError, match="truncated") as err:
        ngff_migrate.convert(cut, tmp_path / "b.zarr")
    assert str(cut) in str(err.value)
    assert not (tmp_path / "b.zarr").exists()
    with pytest.raises(UsageError, match="destination"):
        ngff_migrate.convert(src, in_place=True)


def test_imagej_hyperstack_axes_spacing_unit(tmp_path):
    """ImageJ hyperstack: ``tifffile.imwrite(imagej=True, resolution=(4, 4), metadata={'axes':
    'TZCYX', 'spacing': 1.5, 'unit': 'um', 'finterval': 2.0})``, uint8 2x3x2x40x50."""
    src = tmp_path / "ij.tif"
    data = np.random.default_rng(6).integers(0, 255, (2, 3, 2, 40, 50), dtype="uint8")
    tifffile.imwrite(src, data, imagej=True, resolution=(4.0, 4.0),
                     metadata={"axes": "TZCYX", "spacing": 1.5, "unit": "um", "finterval": 2.0})
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert not report.warnings and report.verification["reverse_map"]["equal"]
    assert_documents_valid(dst)
    ome = _ome(dst)
    axes = ome["attributes"]["coordinateSystems"][0]["axes"]
    assert [(a["name"], a.get("unit")) for a in axes] == [
        ("t", "second"), ("c", None), ("z", "micrometer"), ("y", "micrometer"), ("x", "micrometer")]
    assert _scale(ome) == [2.0, 1.0, 1.5, 0.25, 0.25]
    np.testing.assert_array_equal(_out(dst, "0"), data.transpose(0, 2, 1, 3, 4))
