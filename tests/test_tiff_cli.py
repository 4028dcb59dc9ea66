"""The CLI on TIFF files (issue #10, first step): ``convert``, ``inspect``, bad input.

Inputs are written here by tifffile (``tifffile.imwrite``), as each test says.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import tifffile
from typer.testing import CliRunner

from ngff_migrate.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def _tiled(path):
    """``tifffile.imwrite(tile=(64, 64), resolution=(20000, 20000), resolutionunit='CENTIMETER')``:
    uint16 200x300, 0.5 µm pixels."""
    tifffile.imwrite(path, np.arange(60000, dtype="uint16").reshape(200, 300), tile=(64, 64),
                     resolution=(20000.0, 20000.0), resolutionunit="CENTIMETER")


def test_convert_and_validate(tmp_path):
    src = tmp_path / "img.tif"
    _tiled(src)
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert "multiscale" in result.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "done" and data["layout"] == "tiff"
    assert run("validate", dst).exit_code == 0


def test_inspect_shows_levels_and_pixel_size(tmp_path):
    src = tmp_path / "img.tif"
    _tiled(src)
    result = run("inspect", src, "--pixel-size", "0.325")
    assert result.exit_code == 0, result.output
    assert "TIFF" in result.output and "0.325" in result.output and "200x300" in result.output


def test_bad_unit_is_a_usage_error(tmp_path):
    src = tmp_path / "img.tif"
    _tiled(src)
    result = run("convert", src, tmp_path / "o.zarr", "--pixel-size", "1", "--unit", "microns")
    assert result.exit_code == 2
    assert "--unit" in result.output


def test_bad_files_one_line_exit_1(tmp_path):
    """A text file named ``.tif``, and a tiled TIFF cut to a third of its bytes, in a real process."""
    fake = tmp_path / "fake.tif"
    fake.write_text("not an image")
    src = tmp_path / "img.tif"
    _tiled(src)
    cut = tmp_path / "cut.tif"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    for bad in (fake, cut):
        proc = subprocess.run([sys.executable, "-m", "ngff_migrate", "convert", str(bad), str(tmp_path / "o.zarr")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in proc.stderr, proc.stderr
        assert not (tmp_path / "o.zarr").exists()


def test_detecting_a_tiff_imports_nothing_heavy(tmp_path):
    """Detection reads four bytes: neither tifffile nor ome-types (pydantic) is imported."""
    src = tmp_path / "img.tif"
    _tiled(src)
    code = ("import sys\nfrom ngff_migrate.formats.detect import detect\nd = detect(sys.argv[1])\n"
            "assert d.layout == 'tiff', d\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tifffile', 'ome_types', 'pydantic', "
            "'numpy', 'zarr'}))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
