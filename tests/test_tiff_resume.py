"""A TIFF tile-set conversion killed with -9 resumes on rerun (issue #10, "Data
movement goes through the pixel engine": resume after a kill applies to TIFF input).

The tiles are written by tifffile (``tifffile.imwrite(tile=(64, 64),
compression="zlib")``, 6 tiles of 1024 x 1024 uint16 noise on a 2 x 3 grid with a
TileConfiguration.txt); the CLI runs as a child process, is killed with SIGKILL
once its unit journal has lines, and the same command is run again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tifffile
import zarr
from checks import assert_documents_valid

pytestmark = pytest.mark.slow

ARGS = ["--chunks", "y=64,x=64", "--shards", "none", "--codec", "zstd:1", "--jobs", "1", "--overview"]


def _tiles(folder):
    folder.mkdir()
    rng = np.random.default_rng(5)
    lines = ["dim = 2"]
    for r in range(2):
        for c in range(3):
            name = f"t{r}{c}.tif"
            tifffile.imwrite(folder / name, rng.integers(0, 4096, (1024, 1024), dtype="uint16"), tile=(64, 64),
                             compression="zlib")
            lines.append(f"{name}; ; ({c * 920}, {r * 920})")
    (folder / "TileConfiguration.txt").write_text("\n".join(lines) + "\n")


def _cli(*args):
    return subprocess.Popen([sys.executable, "-m", "ngff_migrate", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _lines(path):
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_kill_9_then_rerun_resumes_a_tile_set(tmp_path):
    src = tmp_path / "tiles"
    _tiles(src)
    dst = tmp_path / "out.zarr"
    journal = tmp_path / ".out.zarr.ngff-migrate-partial" / ".ngff-migrate-reencode" / "units.log"
    child = _cli("convert", src, dst, *ARGS, "--verify", "none")
    deadline = time.monotonic() + 120
    while _lines(journal) < 1 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    done = _lines(journal)
    assert done >= 1, "the run was not caught mid-way"
    assert not dst.exists()
    rerun = _cli("convert", src, dst, *ARGS, "--verify", "full", "--report", tmp_path / "r.json")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reencode"]["resumed"] is True and report["reencode"]["units_resumed"] >= done - 1
    assert report["reencode"]["units_written"] > 0  # it was caught mid-way
    assert report["verification"]["reverse_map"]["equal"] is True
    for name in ("t00", "t12"):
        want = tifffile.imread(src / f"{name}.tif")
        np.testing.assert_array_equal(zarr.open_array(dst / name / "0", mode="r")[...], want)
    assert zarr.open_array(dst / "overview" / "0", mode="r").shape == (972, 1432)
    assert_documents_valid(dst)
