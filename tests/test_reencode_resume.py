"""A re-encode killed with -9, or stopped by a write error, resumes on rerun (issue #9, item 4).

Real processes: the CLI runs as a child (``python -m ngff_migrate``), is
killed with SIGKILL once its unit journal has lines, and the same command
is run again. Units recorded in the journal are not rewritten (their shard
files keep their inode and mtime); the result is pixel-equal to the source.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import assert_documents_valid, assert_pixels_equal

pytestmark = pytest.mark.slow

ARGS = ["--chunks", "z=1,y=64,x=64", "--shards", "z=1,y=128,x=128", "--codec", "zstd:1"]


def _image(path: Path, planes: int = 24, size: int = 512, flat: tuple[int, ...] = ()) -> Path:
    """A zyx uint16 image of noise, except the ``flat`` planes, which hold the constant 5."""
    group = zarr.open_group(path, mode="w", zarr_format=2)
    rng = np.random.default_rng(3)
    data = rng.integers(0, 4096, size=(planes, size, size), dtype=np.uint16)
    data[list(flat)] = 5
    arr = group.create_array("0", shape=data.shape, chunks=(1, 256, 256), dtype="uint16",
                             chunk_key_encoding={"name": "v2", "separator": "/"})
    arr[:] = data
    group.attrs["multiscales"] = [{"version": "0.4", "name": "big",
                                   "axes": [{"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"],
                                   "datasets": [{"path": "0", "coordinateTransformations": [
                                       {"type": "scale", "scale": [1.0, 0.5, 0.5]}]}]}]
    return path


def _cli(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ngff_migrate", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _lines(journal: Path) -> int:
    try:
        return journal.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_kill_9_then_rerun_resumes_without_rewriting_journaled_shards(tmp_path):
    src = _image(tmp_path / "img.zarr")
    dst = tmp_path / "out.zarr"
    partial = tmp_path / ".out.zarr.ngff-migrate-partial"
    journal = partial / ".ngff-migrate-reencode" / "units.log"
    total = 24 * 4 * 4
    child = _cli("convert", src, dst, *ARGS, "--jobs", "1", "--verify", "none")
    deadline = time.monotonic() + 120
    while _lines(journal) < 20 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    done = _lines(journal)
    assert 20 <= done < total, f"the run was not caught mid-way ({done} of {total} units)"
    assert not dst.exists()
    recorded = [json.loads(line) for line in journal.read_text().splitlines()]
    first = recorded[0]["u"]
    shard = partial / "0" / "c" / "/".join(map(str, first))
    before = shard.stat()
    rerun = _cli("convert", src, dst, *ARGS, "--verify", "full", "--report", tmp_path / "r.json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reencode"]["resumed"] is True
    assert report["reencode"]["units_resumed"] >= done - 1  # a torn last line is rewritten
    assert report["reencode"]["units_resumed"] + report["reencode"]["units_written"] == total
    after = (dst / "0" / "c" / "/".join(map(str, first))).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    assert "resumed the re-encode" in " ".join(report["warnings"])
    assert_pixels_equal(src, 2, dst, "0")
    assert_documents_valid(dst)
    assert not partial.exists() and not (dst / ".ngff-migrate-reencode").exists()


def _limit_file_size(limit: int):
    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


def test_a_write_failure_mid_run_leaves_nothing_complete_and_rerun_resumes(tmp_path):
    """Files may not grow past 20 kB (RLIMIT_FSIZE): the shards of the flat planes fit, those
    of the one noisy plane in the middle do not, so the run fails part-way like a full disk
    (whichever end dask starts from)."""
    src = _image(tmp_path / "img.zarr", planes=8, flat=(0, 1, 2, 3, 5, 6, 7))
    dst = tmp_path / "out.zarr"
    child = _cli("convert", src, dst, *ARGS, "--jobs", "1", "--verify", "none",
                 preexec_fn=_limit_file_size(20_000))
    out, err = child.communicate(timeout=300)
    assert child.returncode == 1
    assert "write failed" in err and "rerun the same command to resume" in " ".join(err.split())
    assert "Traceback" not in err
    assert not dst.exists()
    journal = tmp_path / ".out.zarr.ngff-migrate-partial" / ".ngff-migrate-reencode" / "units.log"
    assert _lines(journal) >= 1
    rerun = _cli("convert", src, dst, *ARGS, "--verify", "full", "--report", tmp_path / "r.json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reencode"]["units_resumed"] >= 1
    assert_pixels_equal(src, 2, dst, "0")


def test_a_shortfall_of_free_space_is_refused_with_both_figures(tmp_path):
    """The estimate (source chunk bytes) against the free space of the output's file system;
    checked here on a 1 MiB tmpfs when one can be mounted, else skipped."""
    mount = tmp_path / "small"
    mount.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        src = _image(tmp_path / "img.zarr", planes=8)
        child = _cli("convert", src, mount / "out.zarr", *ARGS, "--verify", "none")
        out, err = child.communicate(timeout=300)
        assert child.returncode == 1
        text = " ".join(err.split())
        assert "not enough free space" in text and "MiB" in text and "--no-space-check" in text
        assert not (mount / "out.zarr").exists()
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_distributed_localcluster_spreads_the_shards_of_one_image(tmp_path):
    from distributed import LocalCluster

    src = _image(tmp_path / "img.zarr", planes=4)
    dst = tmp_path / "out.zarr"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        child = _cli("convert", src, dst, *ARGS, "--scheduler", cluster.scheduler_address, "--verify", "full",
                     "--report", tmp_path / "r.json")
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        workers = cluster.scheduler_info["workers"]
        assert len(workers) == 2
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reencode"]["units_written"] == 4 * 4 * 4
    assert report["reencode"]["workers"] == 2  # the shards of one image went to both worker processes
    assert_pixels_equal(src, 2, dst, "0")
