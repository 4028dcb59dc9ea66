"""Hardening regressions about runs: concurrent in-place runs (B6), the report path
(D11), killed copies (D13) and unreadable source files (D14).

Real processes where processes matter (two runs started together, ``kill -9``
of a copy); the CLI in-process otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr
from hardening_util import assert_clean, cli, full_digest, kill9, start, stop_env, wait_stopped

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_plate import write_plate

# =========================================================================== B6 concurrent in-place runs

ROUNDS = 4
#: a run that gives up must say why in terms of the other run or the journal, not with a
#: symptom of reading a half-written tree ("no 'well' metadata in a well listed by the plate")
_LOCK_WORDS = re.compile(r"lock|another|busy|in progress|running|concurrent|already|journal", re.I)


@pytest.fixture(scope="module")
def plate(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plate") / "plate.zarr"
    write_plate(path, rows=4, columns=6, fields=2, levels=2, size=32, chunk=16)
    return path


def _documents_written(report: Path) -> int:
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return 0
    return int((data.get("write") or {}).get("documents_written") or 0)


@pytest.mark.slow
def test_b6_two_in_place_runs_started_together_migrate_once(plate, tmp_path):
    original = full_digest(plate)
    problems = []
    for i in range(ROUNDS):
        src = tmp_path / f"round-{i}.zarr"
        shutil.copytree(plate, src)
        reports = [tmp_path / f"round-{i}-{k}.json" for k in range(2)]
        procs = [start("convert", "--in-place", src, "-q", "--verify", "none", "--report", r) for r in reports]
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            outs.append(out + err)
        codes = [p.returncode for p in procs]
        outs = [out.replace(str(tmp_path), "<tmp>") for out in outs]  # only the messages
        for out in outs:
            assert_clean(out)
        writers = [k for k in range(2) if codes[k] == 0 and _documents_written(reports[k]) > 0]
        if 0 not in codes:
            problems.append(f"round {i}: neither run succeeded: {outs}")
        for k in range(2):
            if codes[k] != 0 and not _LOCK_WORDS.search(outs[k]):
                problems.append(f"round {i}: run {k} failed without saying another run holds the "
                                f"dataset: {outs[k].strip()[:200]}")
        if len(writers) > 1:
            problems.append(f"round {i}: both runs wrote documents: two migrations of one dataset")
        if cli("validate", src, "--no-arrays").exit_code != 0:
            problems.append(f"round {i}: not valid after the runs")
        rb = cli("rollback", src)
        if rb.exit_code != 0 or full_digest(src) != original:
            left = sorted(set(full_digest(src)) - set(original))
            problems.append(f"round {i}: rollback exit {rb.exit_code}, {len(left)} files left behind, "
                            f"e.g. {left[:3]}")
        shutil.rmtree(src, ignore_errors=True)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_b6_a_second_run_while_the_first_is_about_to_start_writing(plate, tmp_path):
    """Deterministic: run A is stopped (SIGSTOP) just before it creates ``.ngff-migrate/``
    -- the moment today's only guard, "a journal directory exists", does not yet hold.
    Run B starts meanwhile; it may wait for A or refuse, but the dataset must end migrated
    once, and rollback must give the exact original."""
    src = tmp_path / "plate.zarr"
    shutil.copytree(plate, src)
    original = full_digest(src)
    reports = [tmp_path / "a.json", tmp_path / "b.json"]
    env, sentinel = stop_env(tmp_path, f"{src}/.ngff-migrate", 1, ops=("mkdir",))
    a = start("convert", "--in-place", src, "-q", "--verify", "none", "--report", reports[0], env=env)
    b = None
    try:
        info = wait_stopped(sentinel, a)
        b = start("convert", "--in-place", src, "-q", "--verify", "none", "--report", reports[1])
        try:
            b.wait(timeout=3)  # B either finishes (refused, or migrated) or waits for A's lock
        except subprocess.TimeoutExpired:
            pass
        os.kill(info["pid"], signal.SIGCONT)
        out_a, err_a = a.communicate(timeout=120)
        out_b, err_b = b.communicate(timeout=120)
    finally:
        for p in (a, b):
            if p is not None and p.returncode is None:
                kill9(p.pid)
                p.communicate()
    outs = [(out_a + err_a).replace(str(tmp_path), "<tmp>"), (out_b + err_b).replace(str(tmp_path), "<tmp>")]
    for out in outs:
        assert_clean(out)
    codes = [a.returncode, b.returncode]
    assert 0 in codes, outs
    for code, out in zip(codes, outs, strict=True):
        assert code == 0 or _LOCK_WORDS.search(out), out
    writers = [k for k in range(2) if codes[k] == 0 and _documents_written(reports[k]) > 0]
    assert len(writers) <= 1, f"both runs wrote documents (exit codes {codes}): two migrations of one dataset"
    assert cli("validate", src, "--no-arrays").exit_code == 0
    result = cli("rollback", src)
    assert result.exit_code == 0, result.output
    assert full_digest(src) == original


# =========================================================================== D11 report path


@pytest.fixture
def area(tmp_path) -> Path:
    a = tmp_path / "area"
    a.mkdir()
    return a


def _bad_report(area: Path, how: str) -> Path:
    if how == "missing-dir":
        return area / "no-such-dir" / "report.json"
    if how == "is-a-directory":
        (area / "a-dir").mkdir()
        return area / "a-dir"
    (area / "a-file").write_text("not a directory\n")
    return area / "a-file" / "report.json"


@pytest.mark.parametrize("how", ["missing-dir", "is-a-directory", "under-a-file"])
@pytest.mark.parametrize("mode", ["copy", "in-place"])
def test_d11_bad_report_path_is_a_usage_error_before_any_work(pristine, area, how, mode):
    src = area / "img.zarr"
    shutil.copytree(pristine["v04_plain"], src)
    report = _bad_report(area, how)
    before_src, before_area = full_digest(src), full_digest(area)
    args = ["convert", src, area / "out.zarr"] if mode == "copy" else ["convert", "--in-place", src]
    result = cli(*args, "--report", report, "-q")
    assert result.exit_code == 2, result.output
    assert report.name in result.output or report.parent.name in result.output, result.output
    assert full_digest(src) == before_src, "the source was migrated before the report path was checked"
    assert full_digest(area) == before_area, "something was written before the report path was checked"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["out", "in-place"])
def test_d11_batch_bad_report_path_is_a_usage_error_before_any_work(pristine, area, mode):
    root = area / "root"
    shutil.copytree(pristine["v04_plain"], root / "a" / "img.zarr")
    report = _bad_report(area, "missing-dir")
    before = full_digest(area)
    target = ["--out", area / "dest"] if mode == "out" else ["--in-place"]
    result = cli("batch", root, *target, "--jobs", "1", "--report", report, "-q")
    assert result.exit_code == 2, result.output
    assert "no-such-dir" in result.output, result.output
    assert full_digest(area) == before, "the batch did work (or wrote state) before checking --report"


# =========================================================================== D13 killed copy leaves a partial directory


@pytest.fixture(scope="module")
def big_image(tmp_path_factory) -> Path:
    """A 0.4 image with many small chunks (copy + full verification take a second or two)."""
    path = tmp_path_factory.mktemp("big") / "big.ome.zarr"
    zarr.open_group(str(path), mode="w", zarr_format=2)
    rng = np.random.default_rng(7)
    datasets = []
    for lv, size in enumerate((384, 192)):
        arr = zarr.create_array(store=str(path / f"s{lv}"), shape=(1, size, size), chunks=(1, 8, 8),
                                dtype="uint16", zarr_format=2)
        arr[...] = rng.integers(0, 60000, size=(1, size, size), dtype=np.uint16)
        datasets.append({"path": f"s{lv}", "coordinateTransformations": [
            {"type": "scale", "scale": [1.0, 2.0 ** lv, 2.0 ** lv]}]})
    (path / ".zattrs").write_text(json.dumps({"multiscales": [{
        "version": "0.4", "name": "big",
        "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"},
                 {"name": "x", "type": "space"}],
        "datasets": datasets}]}))
    return path


@pytest.mark.slow
def test_d13_a_killed_copy_leaves_nothing_after_the_next_run(big_image, tmp_path):
    parent = tmp_path / "outdir"
    parent.mkdir()
    dst = parent / "big.rfc8.zarr"
    args = ["convert", big_image, dst, "--verify", "full", "-q"]
    proc = start(*args)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            others = [n for n in os.listdir(parent) if n != dst.name]
            if others and any(p.is_file() for n in others for p in (parent / n).rglob("*")):
                time.sleep(0.05)
                break
            time.sleep(0.002)
        assert proc.poll() is None, "the copy finished before it could be killed (make the source bigger)"
        kill9(proc.pid)
        proc.communicate()
    finally:
        if proc.returncode is None:
            kill9(proc.pid)
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not dst.exists()
    leftovers = sorted(os.listdir(parent))
    assert leftovers, "precondition: the killed copy left a partial directory"

    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(parent)) == [dst.name], f"left over from the killed run: {leftovers}"
    assert cli("validate", dst, "--no-arrays").exit_code == 0


# =========================================================================== D14 unreadable source file


def _first_chunk(src: Path) -> Path:
    return sorted(p for p in (src / "s0").rglob("*") if p.is_file() and not p.name.startswith("."))[0]


@pytest.mark.parametrize("how", ["socket", "dangling-link", "directory"])
def test_d14_an_unreadable_source_chunk_is_named_as_unreadable(pristine, area, how):
    src = area / "img.zarr"
    shutil.copytree(pristine["v04_plain"], src)
    chunk = _first_chunk(src)
    chunk.unlink()
    if how == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(chunk))
        sock.close()
    elif how == "dangling-link":
        chunk.symlink_to("chunk-that-is-not-there")
    else:
        chunk.mkdir()
        (chunk / "stray").write_bytes(b"\0" * 8)
    out = area / "out"
    out.mkdir()
    result = cli("convert", src, out / "img.zarr", "--verify", "full", "-q")
    assert result.exit_code == 1, result.output
    assert chunk.relative_to(src).as_posix() in result.output, result.output
    assert "write failed" not in result.output, result.output
    message = result.output.replace(str(area), "<tmp>")  # the test's directory names say "unreadable"
    assert re.search(r"\bread\b|readable|not a regular file", message, re.I), result.output
    assert os.listdir(out) == [], "no output (and no partial output) may remain"
