"""Crash points (SQLite-style): kill the CLI just before its Nth state-changing
filesystem call and check that the next command repairs everything.

Each test runs ``tests/crash_harness.py`` once, as a subprocess, for one
scenario on one input; the harness runs every selected N in forked children
and writes one JSON document (see its docstring for the events counted and
the exact expectations). The test asserts that no crash point has a problem;
a failure lists the failing N grouped by kind of problem, then per N the
event it was killed before and what was wrong (which files differ).

Expectations (from the hardening issue):

* ``convert --in-place`` killed at N: ``rollback`` (if ``.ngff-migrate/``
  exists) exits 0 and gives back exactly the original files; re-running
  ``convert --in-place`` exits 0, ``validate`` exits 0, the result equals an
  uninterrupted run's, and ``rollback`` still restores the original.
* ``rollback`` killed at N: ``rollback`` again ends with the original tree.
* copy mode killed at N: SRC untouched; DST absent or complete and valid;
  re-running exits 0, DST complete and valid, nothing else next to DST.

CI (``slow``): every N on images with labels (0.4 and 0.5) for in-place and
rollback; copy mode every N except inside long runs of one operation (chunk
copies, directory creation: first 2, middle, last 2 of such a run); about 30
evenly spaced N on a 2x3-well plate. ``longrun``: every N everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crash_inputs import write_plate
from crash_report import summary

import ngff_migrate

HARNESS = Path(__file__).with_name("crash_harness.py")
JOBS = str(max(1, min(4, os.cpu_count() or 1)))
EVERY = ["--every"]
SAMPLE30 = ["--sample", "30"]
RUNS2 = ["--runs", "2"]


@pytest.fixture(scope="session")
def crash_inputs(pristine, tmp_path_factory):
    """Name -> pristine input tree (images from conftest, plates written here, lazily)."""
    base = tmp_path_factory.mktemp("crash-inputs")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name in pristine:
            return pristine[name]
        if name not in made:
            version = {"plate_v04": "0.4", "plate_v05": "0.5"}[name]
            made[name] = write_plate(base / f"{name}.zarr", version)
        return made[name]

    return get


def run_harness(tmp_path: Path, scenario: str, src: Path, args: list[str], *, timeout: float = 1800) -> dict:
    out = tmp_path / f"{scenario}.json"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, str(HARNESS), "--scenario", scenario, "--src", str(src),
           "--work", str(tmp_path / "work"), "--out", str(out), "--jobs", JOBS, "--timeout", "120", *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"harness failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text())


def check(result: dict, json_path: Path) -> None:
    # the harness exercised the code this test session imports
    assert Path(result["package"]).resolve() == Path(ngff_migrate.__file__).resolve(), result["package"]
    text = summary(result) + f"\n(full result: {json_path})"
    assert not result["errors"], text
    assert result["total"] > 0, text
    assert result["selected"], text
    assert sorted(c["n"] for c in result["cases"]) == result["selected"], text
    if result["failed"]:
        pytest.fail(text, pytrace=False)


CI = pytest.mark.slow
LONG = [pytest.mark.slow, pytest.mark.longrun]

CASES = [
    # in place, every crash point on images with labels
    pytest.param("inplace", "v04_labels", EVERY, id="inplace-v04-every", marks=CI),
    pytest.param("inplace", "v05_labels", EVERY, id="inplace-v05-every", marks=CI),
    # ... and with the default --verify sample, killed just before the last call (after verifying)
    pytest.param("inplace", "v05_labels", ["--verify", "sample", "--sample", "1"], id="inplace-v05-verify-sample",
                 marks=CI),
    pytest.param("inplace", "plate_v04", SAMPLE30, id="inplace-plate04-sample30", marks=CI),
    pytest.param("inplace", "plate_v04", EVERY, id="inplace-plate04-every", marks=LONG),
    pytest.param("inplace", "plate_v05", EVERY, id="inplace-plate05-every", marks=LONG),
    # rollback itself
    pytest.param("rollback", "v04_labels", EVERY, id="rollback-v04-every", marks=CI),
    pytest.param("rollback", "v05_labels", EVERY, id="rollback-v05-every", marks=CI),
    pytest.param("rollback", "plate_v04", SAMPLE30, id="rollback-plate04-sample30", marks=CI),
    pytest.param("rollback", "plate_v04", EVERY, id="rollback-plate04-every", marks=LONG),
    pytest.param("rollback", "plate_v05", EVERY, id="rollback-plate05-every", marks=LONG),
    # copy mode
    pytest.param("copy", "v04_labels", RUNS2, id="copy-v04-runs", marks=CI),
    pytest.param("copy", "v05_labels", RUNS2, id="copy-v05-runs", marks=CI),
    pytest.param("copy", "plate_v04", SAMPLE30, id="copy-plate04-sample30", marks=CI),
    pytest.param("copy", "v04_labels", EVERY, id="copy-v04-every", marks=LONG),
    pytest.param("copy", "v05_labels", EVERY, id="copy-v05-every", marks=LONG),
    pytest.param("copy", "plate_v04", EVERY, id="copy-plate04-every", marks=LONG),
    # copy mode replacing an older output (--overwrite): every rename, plus evenly spaced N
    pytest.param("copy-overwrite", "v05_labels", ["--sample", "12", "--match", "^rename"],
                 id="copy-overwrite-v05-renames", marks=CI),
    pytest.param("copy-overwrite", "v05_labels", EVERY, id="copy-overwrite-v05-every", marks=LONG),
]


@pytest.mark.parametrize(("scenario", "source", "selection"), CASES)
def test_crash_points(crash_inputs, tmp_path, scenario, source, selection):
    result = run_harness(tmp_path, scenario, crash_inputs(source), selection)
    check(result, tmp_path / f"{scenario}.json")


@pytest.mark.slow
def test_harness_counts_and_kills(crash_inputs, tmp_path):
    """The harness itself: the counting run sees the journal, every document
    write and rename; a kill at N stops the process before event N (the
    events before it happened, event N did not)."""
    result = run_harness(tmp_path, "inplace", crash_inputs("v05_labels"), ["--ns", "1"])
    events = result["events"]
    assert result["counting"]["exit"] == 0
    assert not result["spawns"]
    ops = [e.split(" ", 1)[0] for e in events]
    assert {"open-write", "rename", "mkdir"} <= set(ops), events
    renamed_to = [e.split(" -> ", 1)[1] for e in events if e.startswith("rename ")]
    assert any(t.endswith("/zarr.json") and "/.ngff-migrate/" not in t for t in renamed_to), events
    assert all(e.split(" ", 1)[1].startswith("src/") for e in events), events  # paths relative to the case
    (case,) = result["cases"]
    assert case["kill"] == "killed" and case["event"] == events[0]
