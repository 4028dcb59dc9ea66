"""TIFF tile sets (issue #10): a folder of TIFF tiles placed by stage positions
becomes an RFC-8 collection with ``attributes.scene``; ``--overview`` adds a
fused low-resolution multiscale.

Every input is written here by tifffile: tiles cut from one known mosaic
(``numpy.random.default_rng(seed).integers``) on a grid with overlap and
jitter, so that overlapping tiles agree pixel for pixel; positions in a
Fiji ``TileConfiguration.txt`` (pixels), a CSV, or the tiles' OME-XML
``Plane PositionX/Y`` (``tifffile.imwrite(..., ome=True, metadata={"Plane": ...})``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
import zarr
from checks import assert_documents_valid
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.errors import MigrateError, UsageError

PIXEL = 0.5  # µm
TILE = 96
STEP = 80  # 16 px overlap


def _grid(folder, *, rows=2, cols=3, jitter=True, config="TileConfiguration.txt", ome=None, dtype="uint16",
          seed=0):
    """Tiles ``tile_RC.tif`` of a (rows x cols) grid cut from one mosaic; returns
    ``(mosaic, {file: (y, x) offset in pixels})``. ``ome``: ``"um"`` writes
    OME-XML Plane positions in µm, ``"frame"`` without a unit (reference frame)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    mosaic = rng.integers(0, 4000, (rows * STEP + TILE + 8, cols * STEP + TILE + 8)).astype(dtype)
    offsets = {}
    for r in range(rows):
        for c in range(cols):
            dy, dx = ((r * 3 + c) % 5, (r + 2 * c) % 4) if jitter else (0, 0)
            y, x = r * STEP + dy, c * STEP + dx
            name = f"tile_{r}{c}.ome.tif" if ome else f"tile_{r}{c}.tif"
            tile = mosaic[y:y + TILE, x:x + TILE]
            if ome:
                plane = {"PositionX": [x * PIXEL], "PositionY": [y * PIXEL]}
                if ome == "um":
                    plane.update(PositionXUnit=["µm"], PositionYUnit=["µm"])
                tifffile.imwrite(folder / name, tile, ome=True, metadata={
                    "axes": "YX", "PhysicalSizeX": PIXEL, "PhysicalSizeY": PIXEL, "Plane": plane})
            else:
                tifffile.imwrite(folder / name, tile, resolution=(1e4 / PIXEL, 1e4 / PIXEL),
                                 resolutionunit="CENTIMETER")
            offsets[name] = (y, x)
    if config == "TileConfiguration.txt":
        lines = ["# Define the number of dimensions we are working on", "dim = 2", "",
                 "# Define the image coordinates"]
        lines += [f"{n}; ; ({x}.0, {y}.0)" for n, (y, x) in offsets.items()]
        (folder / config).write_text("\n".join(lines) + "\n")
    elif config == "positions.csv":
        rows_ = ["file,x,y"] + [f"{n},{x * PIXEL},{y * PIXEL}" for n, (y, x) in offsets.items()]
        (folder / config).write_text("\n".join(rows_) + "\n")
    return mosaic, offsets


def _root(dst):
    return json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]


def _translations(dst):
    scene = _root(dst)["attributes"]["scene"]
    return {t["input"]["path"]["path"][2:]: t for t in scene["coordinateTransformations"]}


def _stem(name):
    return name.removesuffix(".ome.tif").removesuffix(".tif")


def test_tile_configuration_places_every_tile(tmp_path):
    mosaic, offsets = _grid(tmp_path / "tiles")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(tmp_path / "tiles", dst)
    assert report.status == "done" and report.layout == "tiff-tiles"
    docs = assert_documents_valid(dst)
    root = _root(dst)
    assert root["type"] == "collection"
    assert {n["name"] for n in root["nodes"]} == {_stem(n) for n in offsets}
    scene = root["attributes"]["scene"]
    (cs,) = scene["coordinateSystems"]
    assert cs["id"] == "scene" and [a["name"] for a in cs["axes"]] == ["y", "x"]
    assert {a["unit"] for a in cs["axes"]} == {"micrometer"}
    placed = _translations(dst)
    for name, (y, x) in offsets.items():
        t = placed[_stem(name)]
        assert t["output"] == {"id": "scene"}
        assert t["input"]["id"] == "physical" and t["input"]["path"] == {"type": "zarr", "path": f"./{_stem(name)}"}
        assert t["translation"] == pytest.approx([y * PIXEL, x * PIXEL])
        with tifffile.TiffFile(tmp_path / "tiles" / name) as tif:
            want = tif.series[0].asarray()
        np.testing.assert_array_equal(zarr.open_array(dst / _stem(name) / "0", mode="r")[...], want)
        assert f"{_stem(name)}/zarr.json" in docs
    assert report.verification["reverse_map"]["equal"] is True
    assert report.verification["reverse_map"]["documents"] == len(offsets)
    overlaps = report.tiles["overlaps"]
    # a 2 x 3 grid: 7 edge neighbours and 4 diagonal ones (16 px overlap +- jitter)
    assert overlaps["pairs"] == 11
    assert 0 < overlaps["fraction"]["min"] < overlaps["fraction"]["max"] < 0.3
    assert report.tiles["positions"] == "TileConfiguration.txt" and report.tiles["position_unit"] == "pixel"


def test_overview_is_the_mean_of_the_mosaic(tmp_path):
    mosaic, offsets = _grid(tmp_path / "tiles", jitter=False)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(tmp_path / "tiles", dst, overview=True, verify="full")
    assert_documents_valid(dst)
    covered = mosaic[: 1 * STEP + TILE, : 2 * STEP + TILE].astype(np.float64)
    want = np.rint(covered.reshape(covered.shape[0] // 2, 2, covered.shape[1] // 2, 2).mean(axis=(1, 3)))
    got = zarr.open_array(dst / "overview" / "0", mode="r")[...]
    np.testing.assert_array_equal(got, want.astype("uint16"))
    node = json.loads((dst / "overview" / "zarr.json").read_text())["attributes"]["ome"]
    ct = node["nodes"][0]["attributes"]["coordinateTransformations"][0]
    assert ct["transformations"][0]["scale"] == [2 * PIXEL, 2 * PIXEL]
    assert ct["transformations"][1]["translation"] == [PIXEL / 2, PIXEL / 2]
    assert _translations(dst)["overview"]["translation"] == [0.0, 0.0]
    assert report.tiles["overview"]["factor"] == 2
    assert report.verification["reverse_map"]["equal"] is True


def test_overview_averages_disagreeing_overlaps(tmp_path):
    """Two tiles overlapping by 16 px, one all 100, one all 200: the overlap is 150."""
    folder = tmp_path / "tiles"
    folder.mkdir()
    for name, value in (("a.tif", 100), ("b.tif", 200)):
        tifffile.imwrite(folder / name, np.full((64, 64), value, "uint16"))
    (folder / "TileConfiguration.txt").write_text("dim = 2\na.tif; ; (0, 0)\nb.tif; ; (48, 0)\n")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(folder, dst, overview=True)
    row = zarr.open_array(dst / "overview" / "0", mode="r")[0]
    assert list(row[:24]) == [100] * 24 and list(row[24:32]) == [150] * 8 and list(row[32:56]) == [200] * 24


def test_default_pyramid_per_tile_and_for_the_overview(tmp_path):
    folder = tmp_path / "tiles"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(2):
        tifffile.imwrite(folder / f"t{i}.tif", rng.integers(0, 255, (600, 600), dtype="uint8"))
    (folder / "TileConfiguration.txt").write_text("dim = 2\nt0.tif; ; (0, 0)\nt1.tif; ; (500, 0)\n")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(folder, dst, overview=True)
    assert_documents_valid(dst)
    tile = json.loads((dst / "t0" / "zarr.json").read_text())["attributes"]["ome"]
    assert [n["name"] for n in tile["nodes"]] == ["0", "1", "2"]  # 600 -> 300 -> 150
    view = json.loads((dst / "overview" / "zarr.json").read_text())["attributes"]["ome"]
    assert len(view["nodes"]) == 3  # 550 x 300 -> 275 x 150 -> 137 x 75
    assert zarr.open_array(dst / "overview" / "0", mode="r").shape == (300, 550)


def test_ome_positions_in_micrometer(tmp_path):
    _, offsets = _grid(tmp_path / "tiles", config=None, ome="um")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(tmp_path / "tiles", dst)
    assert report.tiles["positions"] == "OME Plane PositionX/Y/Z"
    placed = _translations(dst)
    for name, (y, x) in offsets.items():
        assert placed[_stem(name)]["translation"] == pytest.approx([y * PIXEL, x * PIXEL])
    # the whole OME-XML of each tile is kept next to it, referenced from its multiscale
    node = json.loads((dst / "tile_00" / "zarr.json").read_text())["attributes"]["ome"]
    assert node["attributes"]["ngff-migrate:ome-xml"] == "OME/METADATA.ome.xml"
    with tifffile.TiffFile(tmp_path / "tiles" / "tile_00.ome.tif") as tif:
        assert (dst / "tile_00" / "OME" / "METADATA.ome.xml").read_text() == tif.ome_metadata


def test_reference_frame_positions_need_a_unit(tmp_path):
    _, offsets = _grid(tmp_path / "tiles", config=None, ome="frame")
    with pytest.raises(MigrateError, match="reference frame.*--position-unit"):
        ngff_migrate.convert(tmp_path / "tiles", tmp_path / "out.zarr")
    assert not (tmp_path / "out.zarr").exists()
    report = ngff_migrate.convert(tmp_path / "tiles", tmp_path / "out.zarr", position_unit="micrometer")
    placed = _translations(tmp_path / "out.zarr")
    y, x = offsets["tile_12.ome.tif"]
    assert placed["tile_12"]["translation"] == pytest.approx([y * PIXEL, x * PIXEL])
    assert report.tiles["position_unit"] == "micrometer"


def test_csv_positions_with_a_unit(tmp_path):
    _, offsets = _grid(tmp_path / "tiles", config="positions.csv")
    with pytest.raises(UsageError, match="positions.csv: CSV positions have no unit: give --position-unit"):
        ngff_migrate.plan(tmp_path / "tiles")
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(tmp_path / "tiles", dst, position_unit="nanometer")
    placed = _translations(dst)
    y, x = offsets["tile_11.tif"]
    assert placed["tile_11"]["translation"] == pytest.approx([y * PIXEL / 1000, x * PIXEL / 1000])


def test_positions_option_and_ignored_files(tmp_path):
    _, offsets = _grid(tmp_path / "tiles")
    (tmp_path / "tiles" / "TileConfiguration.txt").rename(tmp_path / "layout.txt")
    tifffile.imwrite(tmp_path / "tiles" / "stitched.tif", np.zeros((8, 8), "uint16"))
    text = (tmp_path / "layout.txt").read_text().splitlines()
    (tmp_path / "layout.txt").write_text("\n".join(text[:-1]) + "\n")  # the last tile is not placed
    result = ngff_migrate.plan(tmp_path / "tiles", positions=tmp_path / "layout.txt")
    assert result.tiles["count"] == len(offsets) - 1
    assert sorted(result.tiles["ignored"]) == ["stitched.tif", "tile_12.tif"]
    assert any("left out" in w for w in result.warnings)


@pytest.mark.parametrize("text, match", [
    ("dim = 2\nnope.tif; ; (0, 0)\n", "do not exist"),
    ("dim = 2\ntile_00.tif; ; (0, 0)\ntile_01.tif; ; (0, 0)\n", "duplicate tile positions"),
    ("dim = 2\ntile_00.tif; ; (0, 0)\ntile_00.tif; ; (10, 0)\n", "placed twice"),
    ("dim = 2\ntile_00.tif; ; (0, zero)\n", "not numbers"),
    ("dim = 2\ntile_00.tif (0, 0)\n", "is not"),
    ("dim = 2\ntile_00.tif; ; (0, 0, 4)\n", "3 coordinates"),
    ("dim = 2\n../tile_00.tif; ; (0, 0)\n", "outside|leaves"),
])
def test_bad_tile_configuration(tmp_path, text, match):
    _grid(tmp_path / "tiles")
    (tmp_path / "tiles" / "TileConfiguration.txt").write_text(text)
    (tmp_path / "tile_00.tif").write_bytes((tmp_path / "tiles" / "tile_00.tif").read_bytes())
    with pytest.raises(MigrateError, match=match):
        ngff_migrate.convert(tmp_path / "tiles", tmp_path / "out.zarr")
    assert not (tmp_path / "out.zarr").exists()


def test_tiles_of_different_dtypes_or_axes(tmp_path):
    folder = tmp_path / "tiles"
    folder.mkdir()
    tifffile.imwrite(folder / "a.tif", np.zeros((32, 32), "uint16"))
    tifffile.imwrite(folder / "b.tif", np.zeros((32, 32), "uint8"))
    (folder / "TileConfiguration.txt").write_text("dim = 2\na.tif; ; (0, 0)\nb.tif; ; (30, 0)\n")
    with pytest.raises(MigrateError, match="data type uint8, but tile a.tif has uint16"):
        ngff_migrate.plan(folder)
    tifffile.imwrite(folder / "b.tif", np.zeros((2, 32, 32), "uint16"), metadata={"axes": "CYX"}, imagej=False)
    with pytest.raises(MigrateError, match="axes"):
        ngff_migrate.plan(folder)


def test_missing_ome_position(tmp_path):
    folder = tmp_path / "tiles"
    folder.mkdir()
    tifffile.imwrite(folder / "a.ome.tif", np.zeros((32, 32), "uint16"), ome=True, metadata={"axes": "YX"})
    with pytest.raises(MigrateError, match="no stage position"):
        ngff_migrate.plan(folder)
    (folder / "a.ome.tif").unlink()
    tifffile.imwrite(folder / "b.tif", np.zeros((32, 32), "uint16"))
    with pytest.raises(MigrateError, match="no OME-XML stage position"):
        ngff_migrate.plan(folder)


def test_bad_position_unit_is_a_usage_error(tmp_path):
    _grid(tmp_path / "tiles")
    with pytest.raises(UsageError, match="--position-unit 'furlong'"):
        ngff_migrate.plan(tmp_path / "tiles", position_unit="furlong")


def test_cli_convert_inspect_and_errors(tmp_path):
    _grid(tmp_path / "tiles")
    runner = CliRunner()
    result = runner.invoke(app, ["inspect", str(tmp_path / "tiles")])
    assert result.exit_code == 0, result.output
    assert "6 tiles placed by TileConfiguration.txt" in result.output and "11 overlapping pairs" in result.output
    dst = tmp_path / "out.zarr"
    page = tmp_path / "page.html"
    result = runner.invoke(app, ["convert", str(tmp_path / "tiles"), str(dst), "--overview", "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "6 placed by TileConfiguration.txt" in result.output
    html = page.read_text()  # the scene map draws the 6 tiles and the overview
    assert 'data-system="scene"' in html and html.count('class="tile-link"') == 7
    result = runner.invoke(app, ["validate", str(dst)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["convert", "--in-place", str(tmp_path / "tiles")])
    assert result.exit_code == 2 and "new Zarr store" in result.output
    (tmp_path / "tiles" / "TileConfiguration.txt").write_text("dim = 2\nmissing.tif; ; (0, 0)\n")
    result = runner.invoke(app, ["convert", str(tmp_path / "tiles"), str(tmp_path / "o2.zarr")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "TileConfiguration.txt" in result.output and "missing.tif" in result.output


def test_glob_of_tiles(tmp_path):
    """``convert 'tiles/tile_0*.tif'``: the matching files are the tiles (placed by
    the folder's TileConfiguration.txt); a glob matching nothing is an error."""
    _, offsets = _grid(tmp_path / "tiles")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(str(tmp_path / "tiles" / "tile_0*.tif"), dst)
    assert report.layout == "tiff-tiles"
    assert sorted(n["name"] for n in _root(dst)["nodes"]) == ["tile_00", "tile_01", "tile_02"]
    assert_documents_valid(dst)
    with pytest.raises(MigrateError, match="matches no file"):
        ngff_migrate.plan(str(tmp_path / "tiles" / "nope*.tif"))


def test_tile_in_a_subfolder_and_normalised_names(tmp_path):
    """Tiles named ``d/t0.tif`` (a subfolder) are converted and verified; ``./d/t0.tif``
    and ``d/t0.tif`` are the same tile (placed twice: an error)."""
    folder = tmp_path / "set"
    (folder / "d").mkdir(parents=True)
    for i in range(2):
        tifffile.imwrite(folder / "d" / f"t{i}.tif", np.full((40, 40), i + 1, "uint16"))
    (folder / "TileConfiguration.txt").write_text("dim = 2\nd/t0.tif; ; (0,0)\n./d/t1.tif; ; (30,0)\n")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(folder, dst)
    assert report.verification["reverse_map"]["equal"] is True
    assert sorted(n["name"] for n in _root(dst)["nodes"]) == ["d_t0", "d_t1"]
    (folder / "TileConfiguration.txt").write_text("dim = 2\nd/t0.tif; ; (0,0)\n./d/t0.tif; ; (30,0)\n")
    with pytest.raises(MigrateError, match="placed twice"):
        ngff_migrate.plan(folder)


def test_far_apart_tiles_keep_the_overview_memory_bounded(tmp_path):
    """Two 64 px tiles 2e8 px apart: the overview factor is 32768 and each tile's
    block sums are computed without padding it to the factor (the run would need
    8 GiB otherwise)."""
    import resource

    folder = tmp_path / "far"
    folder.mkdir()
    for name, value in (("a.tif", 10), ("b.tif", 30)):
        tifffile.imwrite(folder / name, np.full((64, 64), value, "uint16"))
    (folder / "TileConfiguration.txt").write_text("dim = 2\na.tif; ; (0, 0)\nb.tif; ; (2e8, 0)\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = ngff_migrate.convert(folder, tmp_path / "out.zarr", overview=True, verify="full")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert report.tiles["overview"]["factor"] == 32768
    assert grown < 512 * 1024, f"peak RSS grew by {grown} KiB"
    row = zarr.open_array(tmp_path / "out.zarr" / "overview" / "0", mode="r")[0]
    assert row[0] == 10 and row[-1] == 30 and not row[1:-1].any()


@pytest.mark.slow
def test_many_tiles_keep_file_handles_bounded(tmp_path):
    """300 tiles with --overview convert under a limit of 200 open files."""
    import resource

    folder = tmp_path / "many"
    folder.mkdir()
    lines = ["dim = 2"]
    for i in range(300):
        tifffile.imwrite(folder / f"t{i:03d}.tif", np.full((8, 8), i, "uint16"))
        lines.append(f"t{i:03d}.tif; ; ({(i % 20) * 6}, {(i // 20) * 6})")
    (folder / "TileConfiguration.txt").write_text("\n".join(lines) + "\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (200, hard))
    try:
        report = ngff_migrate.convert(folder, tmp_path / "out.zarr", overview=True, jobs=2)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert report.status == "done" and report.tiles["count"] == 300


def test_tile_set_options_on_another_input_are_a_usage_error(tmp_path):
    tifffile.imwrite(tmp_path / "one.tif", np.zeros((8, 8), "uint16"))
    with pytest.raises(UsageError, match="apply to a tile set"):
        ngff_migrate.plan(tmp_path / "one.tif", overview=True)


def test_overview_reads_the_written_tiles_not_the_tiffs_again(tmp_path):
    """Each TIFF tile is decoded once: with ``--overview`` the overview is composed
    from the tiles' level 0 as written, so no tile file is opened more often than
    without it (opens counted by a ``sys.addaudithook`` on ``open``; verification
    off, since verifying reads the TIFFs again on purpose)."""
    import sys

    _grid(tmp_path / "tiles", jitter=False)
    opened: dict[str, int] = {}
    active = [False]

    def hook(event, args):
        if active[0] and event == "open" and isinstance(args[0], str) and args[0].endswith(".tif"):
            opened[args[0]] = opened.get(args[0], 0) + 1

    sys.addaudithook(hook)
    counts = []
    for i, overview in enumerate((False, True)):
        opened.clear()
        active[0] = True
        ngff_migrate.convert(tmp_path / "tiles", tmp_path / f"out{i}.zarr", overview=overview, verify="none", jobs=1)
        active[0] = False
        counts.append(dict(opened))
    assert counts[0] and counts[1] == counts[0]
    assert (tmp_path / "out1.zarr" / "overview" / "0" / "zarr.json").is_file()
