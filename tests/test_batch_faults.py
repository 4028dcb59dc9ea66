"""Fault tests of ``ngff-migrate batch``, each with real processes and real file systems.

* ``kill -9`` of the batch process mid-run (in place and copy), then the same
  command again; ``kill -9`` of one worker process;
* a full disk (a tiny tmpfs mounted as DEST; where mounting is not allowed,
  a per-process file size limit, ``RLIMIT_FSIZE``, makes the kernel refuse
  writes part-way instead);
* a read-only dataset (a read-only bind mount: root ignores permission bits);
* corrupt datasets scattered in the tree;
* two batches started on the same tree at once.

Slow writes: for the kill and two-batch tests the worker processes import a
``sitecustomize`` that sleeps after every document/chunk write, so that a
``kill -9`` reliably lands while datasets are half written. Nothing else is
changed; the kill, the processes and the files are real.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import textwrap
from pathlib import Path

import pytest
from test_batch_support import (
    NGFF_MIGRATE,
    cached_archive,
    copy_tree,
    migrated_digest,
    run_cli,
    tree_digest,
    wait_for,
)

import ngff_migrate
from ngff_migrate.batch import find_datasets

N = 24


def _outcomes(path: Path) -> dict[str, str]:
    return {d["path"]: d["outcome"] for d in json.loads(path.read_text())["datasets"]}


@pytest.fixture(scope="module")
def slow_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a batch whose workers write slowly (see module docstring)."""
    hook = tmp_path_factory.mktemp("slow-hook")
    (hook / "sitecustomize.py").write_text(textwrap.dedent("""
        import os, time
        _delay = float(os.environ.get("NGFF_TEST_SLOW_WRITE") or 0)
        if _delay:
            import ngff_migrate.write.atomic as _atomic  # in place: write_tiers looks it up here
            import ngff_migrate.write.copy as _copy

            def _slow(fn):
                def wrapper(*args, **kwargs):
                    result = fn(*args, **kwargs)
                    time.sleep(_delay)
                    return result
                return wrapper

            _atomic.write_atomic = _slow(_atomic.write_atomic)
            _copy.write_atomic = _slow(_copy.write_atomic)
            _copy._copy_one = _slow(_copy._copy_one)
    """))
    return {"PYTHONPATH": str(hook), "NGFF_TEST_SLOW_WRITE": "0.04"}


@pytest.fixture
def archive(tmp_path_factory, tmp_path):
    return copy_tree(cached_archive(tmp_path_factory, N), tmp_path / "archive")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([NGFF_MIGRATE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **env})


def _markers(state: Path) -> dict[str, bytes]:
    done = state / ".ngff-migrate-batch" / "done"
    return {p.relative_to(done).as_posix()[:-5]: p.read_bytes() for p in done.rglob("*.json")} \
        if done.is_dir() else {}


def _half_written_in_place(archive: Path, rels: list[str]) -> list[str]:
    out = []
    for rel in rels:
        j = archive / rel / ".ngff-migrate" / "journal.json"
        try:
            if json.loads(j.read_text())["state"] != "done":
                out.append(rel)
        except (OSError, ValueError, KeyError):
            continue
    return out


# --------------------------------------------------------------------------- kill -9


@pytest.mark.slow
def test_kill_9_in_place_then_resume(archive, tmp_path, slow_env):
    rels = [f.rel for f in find_datasets(archive)]
    clean = copy_tree(archive, tmp_path / "clean")
    assert run_cli("batch", str(clean), "--in-place", "--jobs", "2").returncode == 0

    proc = _start(["batch", str(archive), "--in-place", "--jobs", "2"], slow_env)
    try:
        wait_for(lambda: len(_markers(archive)) >= 4 and _half_written_in_place(archive, rels), 90,
                 "some datasets done and one half written")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    wait_for(lambda: not _workers_alive(proc.pid), 10, "the workers to die with the coordinator")
    done_before = _markers(archive)
    interrupted = _half_written_in_place(archive, rels)
    assert 4 <= len(done_before) < N and interrupted
    assert not set(interrupted) & set(done_before)

    report = tmp_path / "resume.json"
    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(report))
    assert r.returncode == 0, r.stdout + r.stderr
    outcomes = _outcomes(report)
    assert {outcomes[rel] for rel in done_before} == {"done-earlier"}  # not done twice
    assert _markers(archive).items() >= done_before.items()  # their markers are untouched
    rep = json.loads(report.read_text())
    recovered = {d["path"]: d["recovered"] for d in rep["datasets"]}
    for rel in interrupted:  # rolled back, then migrated again
        assert outcomes[rel] == "migrated" and "rolled back an interrupted" in recovered[rel]
    assert set(outcomes.values()) <= {"done-earlier", "migrated", "adopted"}
    assert len(_markers(archive)) == N
    # the result is exactly what an uninterrupted run gives, and valid
    for rel in rels:
        assert migrated_digest(archive / rel) == migrated_digest(clean / rel), rel
        assert ngff_migrate.validate(archive / rel).ok
    journal = json.loads((archive / ".ngff-migrate-batch" / "journal.json").read_text())
    assert {rec["state"] for rec in journal["datasets"].values()} == {"done"}
    assert [run["status"] for run in journal["runs"]] == ["running", "finished"]  # the killed run never closed


def _workers_alive(coordinator_pid: int) -> bool:
    """Whether any process still has the killed coordinator as parent (workers are its children)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{coordinator_pid}\n" in text:
            return True
    return False


def _glob_live(root, pattern):
    """``root.rglob(pattern)`` on a tree that a running batch changes (a directory may vanish)."""
    try:
        return list(root.rglob(pattern))
    except FileNotFoundError:
        return []


@pytest.mark.slow
def test_kill_9_copy_then_resume(archive, tmp_path, slow_env):
    dest = tmp_path / "dest"
    proc = _start(["batch", str(archive), "--out", str(dest), "--jobs", "2"], slow_env)
    try:
        wait_for(lambda: len(_markers(dest)) >= 4 and _glob_live(dest, ".*ngff-migrate-partial*"), 90,
                 "some datasets copied and one copy under way")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    wait_for(lambda: not _workers_alive(proc.pid), 10, "the workers to die with the coordinator")
    done_before = _markers(dest)
    partial = sorted(dest.rglob(".*ngff-migrate-partial*"))
    assert partial and 4 <= len(done_before) < N
    outputs_before = {rel: tree_digest(dest / rel) for rel in done_before}

    report = tmp_path / "resume.json"
    r = run_cli("batch", str(archive), "--out", str(dest), "--jobs", "2", "--report", str(report))
    assert r.returncode == 0, r.stdout + r.stderr
    outcomes = _outcomes(report)
    assert {outcomes[rel] for rel in done_before} == {"done-earlier"}
    assert {rel: tree_digest(dest / rel) for rel in done_before} == outputs_before  # not copied twice
    assert not list(dest.rglob(".*ngff-migrate-partial*")) and not list(dest.rglob(".*ngff-migrate-old*"))
    recovered = [d["recovered"] for d in json.loads(report.read_text())["datasets"] if d["recovered"]]
    assert len(recovered) == len(partial) and all("removed interrupted copy" in x for x in recovered)
    for rel in outcomes:
        assert ngff_migrate.validate(dest / rel).ok


@pytest.mark.slow
def test_kill_9_of_a_worker_is_survived(archive, tmp_path, slow_env):
    """A worker process killed mid-dataset (as the OOM killer would): the pool is restarted,
    the datasets it held are rolled back and redone, the batch finishes."""
    report = tmp_path / "r.json"
    proc = _start(["batch", str(archive), "--in-place", "--jobs", "2", "--report", str(report)], slow_env)
    try:
        rels = [f.rel for f in find_datasets(archive)]
        wait_for(lambda: len(_markers(archive)) >= 2 and _half_written_in_place(archive, rels), 90,
                 "a dataset half written")
        workers = [int(s.parent.name) for s in Path("/proc").glob("[0-9]*/status")
                   if _ppid(s) == proc.pid and "spawn_main" in _cmdline(s.parent)]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    rep = json.loads(report.read_text())
    # a worker killed after its dataset's in-place run completed but before it reported: the
    # retry finds the dataset's journal complete and adopts it, or its completion marker already
    # written and skips it (done-earlier; docs/batch.md); both correct
    outcomes = set(_outcomes(report).values())
    assert "migrated" in outcomes and outcomes <= {"migrated", "adopted", "done-earlier"}, outcomes
    # the kill lands either while the worker's dataset is half written (rolled back and redone) or,
    # when the other worker was the one mid-write, just after its own dataset finished (adopted,
    # done-earlier): one of these must be seen
    rolled_back = any("rolled back an interrupted" in (d["recovered"] or "") for d in rep["datasets"])
    assert rolled_back or outcomes & {"adopted", "done-earlier"}, rep["datasets"]
    for rel in rels:
        assert ngff_migrate.validate(archive / rel).ok


def _ppid(status: Path) -> int | None:
    try:
        for line in status.read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cmdline(proc_dir: Path) -> str:
    try:
        return (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


# --------------------------------------------------------------------------- full disk


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.mark.slow
def test_full_disk(archive, tmp_path):
    dest = tmp_path / "small"
    dest.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(dest))
    try:
        if mounted:
            r = run_cli("batch", str(archive), "--out", str(dest), "--jobs", "2", "--report", str(tmp_path / "r1.json"))
            errno_text = "No space left on device"
        else:  # no mount permission: the kernel refuses writes past a file size limit instead
            big = archive / "big" / "big.ome.zarr"
            from test_batch_support import write_image

            write_image(big, "0.4", size=256, storage={"chunks": (1, 256, 256), "compressor": None})
            limit = 64 << 10

            def limited():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            r = subprocess.run([NGFF_MIGRATE, "batch", str(archive), "--out", str(dest), "--jobs", "2",
                                "--report", str(tmp_path / "r1.json")], capture_output=True, text=True,
                               preexec_fn=limited)
            errno_text = "File too large"
        assert r.returncode == 1, r.stdout + r.stderr
        rep = json.loads((tmp_path / "r1.json").read_text())
        outcomes = {d["path"]: d["outcome"] for d in rep["datasets"]}
        failed = [f for f in rep["failures"] if f["outcome"] == "failed"]
        assert failed and "migrated" in outcomes.values()  # refused part-way, the rest went on
        for f in failed:
            assert errno_text in f["reason"] and f["file"].startswith(str(dest)), f
        assert f"error: {failed[0]['file']}" in r.stderr
        assert not list(dest.rglob(".*ngff-migrate-partial*"))  # no half copy looks complete
        for rel, outcome in outcomes.items():
            if outcome == "migrated":
                assert ngff_migrate.validate(dest / rel).ok
        # the journal recorded every outcome although the disk was full (its room was reserved)
        assert rep["journal_error"] is None
        journal = json.loads((dest / ".ngff-migrate-batch" / "journal.json").read_text())
        states = {rel: rec["state"] for rel, rec in journal["datasets"].items()}
        assert states == {rel: "done" if o == "migrated" else "failed" for rel, o in outcomes.items()}
        assert not (dest / ".ngff-migrate-batch" / "journal.reserve").exists()
        # with room again (or without the limit), --retry-failed finishes exactly the failed ones
        if mounted:
            assert _mount("-o", "remount,size=64m", str(dest))
        r = subprocess.run([NGFF_MIGRATE, "batch", str(archive), "--out", str(dest), "--retry-failed",
                            "--report", str(tmp_path / "r2.json")], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        again = _outcomes(tmp_path / "r2.json")
        assert {rel for rel, o in again.items() if o == "migrated"} == {f["path"] for f in failed}
        for rel in again:
            assert ngff_migrate.validate(dest / rel).ok
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(dest)], check=False)


# --------------------------------------------------------------------------- read-only dataset


@pytest.mark.slow
def test_read_only_dataset(archive, tmp_path):
    rels = [f.rel for f in find_datasets(archive)]
    ro = next(r for r in rels if "plate-0.4" in r)
    target = archive / ro
    if not (_mount("--bind", str(target), str(target))
            and _mount("-o", "remount,bind,ro", str(target))):
        subprocess.run(["umount", str(target)], check=False)
        pytest.skip("read-only bind mounts are not permitted here (root ignores permission bits)")
    try:
        before = tree_digest(target)
        r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r.json"))
        assert r.returncode == 1
        outcomes = _outcomes(tmp_path / "r.json")
        assert outcomes.pop(ro) == "failed" and set(outcomes.values()) == {"migrated"}
        (fail,) = json.loads((tmp_path / "r.json").read_text())["failures"]
        assert fail["file"] == str(target) and "not writable" in fail["reason"]
        assert tree_digest(target) == before
        # copy mode only reads its input: the read-only dataset migrates like the others
        r = run_cli("batch", str(archive), "--out", str(tmp_path / "dest"), "--report", str(tmp_path / "c.json"))
        assert set(_outcomes(tmp_path / "c.json").values()) == {"migrated", "already-rfc8"}
        assert _outcomes(tmp_path / "c.json")[ro] == "migrated"
        assert ngff_migrate.validate(tmp_path / "dest" / ro).ok
        # the in-place batch rolls back around it
        r = run_cli("rollback", str(archive))
        assert r.returncode == 0, r.stdout + r.stderr
        assert not (archive / ".ngff-migrate-batch").exists()
    finally:
        subprocess.run(["umount", str(target)], check=False)


# --------------------------------------------------------------------------- corrupt datasets


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.slow
def test_corrupt_datasets_are_reported_and_the_rest_migrated(archive, tmp_path):
    rels = [f.rel for f in find_datasets(archive)]
    pick = {kind: [r for r in rels if kind in r] for kind in ("image-0.4", "image-0.5", "plate-0.4",
                                                               "plate-0.5", "labels-0.4", "labels-0.5")}
    broken = {
        pick["image-0.4"][0]: (".zattrs", "not valid JSON"),                      # truncated root JSON
        pick["image-0.4"][1]: ("s1/.zarray", "not valid JSON"),                   # truncated array JSON
        pick["labels-0.4"][0]: ("labels/cells", "does not exist"),                # missing label image
        pick["image-0.5"][0]: ("zarr.json", "unsupported OME-Zarr version '0.7'"),  # unknown version
        pick["plate-0.4"][0]: ("B", "does not exist"),                            # missing well
        pick["plate-0.5"][0]: ("zarr.json", "not valid JSON"),                    # truncated root JSON
    }
    a, b, c, d, e, f = broken
    _truncate(archive / a / ".zattrs")
    _truncate(archive / b / "s1" / ".zarray")
    import shutil

    shutil.rmtree(archive / c / "labels" / "cells")
    doc = json.loads((archive / d / "zarr.json").read_text())
    doc["attributes"]["ome"]["version"] = "0.7"
    (archive / d / "zarr.json").write_text(json.dumps(doc))
    shutil.rmtree(archive / e / "B")
    _truncate(archive / f / "zarr.json")
    digests = {rel: tree_digest(archive / rel) for rel in broken}

    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 1
    rep = json.loads((tmp_path / "r.json").read_text())
    failures = {x["path"]: x for x in rep["failures"]}
    assert set(failures) == set(broken), failures
    for rel, (file, words) in broken.items():
        x = failures[rel]
        assert x["file"].startswith(str(archive / rel / file)), (rel, x)
        assert words in x["reason"] or words in x["file"], (rel, x)
        assert f"error: {x['file']}" in r.stderr
        assert tree_digest(archive / rel) == digests[rel]  # a failed dataset is left as it was
    outcomes = _outcomes(tmp_path / "r.json")
    assert sum(o == "migrated" for o in outcomes.values()) == N - len(broken)
    for rel, outcome in outcomes.items():
        if outcome == "migrated":
            assert ngff_migrate.validate(archive / rel).ok
    assert rep["counts"]["outcome"] == {"failed": len(broken), "migrated": N - len(broken)}


# --------------------------------------------------------------------------- two batches


@pytest.mark.slow
def test_two_batches_on_the_same_tree_at_once(archive, tmp_path, slow_env):
    rels = [f.rel for f in find_datasets(archive)]
    procs = [_start(["batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / f"r{i}.json")],
                    slow_env) for i in (1, 2)]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, out + err
    one, two = _outcomes(tmp_path / "r1.json"), _outcomes(tmp_path / "r2.json")
    worked = ("migrated", "adopted")
    for rel in rels:  # every dataset migrated by exactly one of the two batches
        assert (one[rel] in worked) + (two[rel] in worked) == 1, (rel, one[rel], two[rel])
        assert {one[rel], two[rel]} - set(worked) == {"done-earlier"}
    assert any(o in worked for o in one.values()) and any(o in worked for o in two.values())
    journal = json.loads((archive / ".ngff-migrate-batch" / "journal.json").read_text())
    assert {rec["state"] for rec in journal["datasets"].values()} == {"done"}
    assert len(journal["runs"]) == 2 and {r["status"] for r in journal["runs"]} == {"finished"}
    for rel in rels:
        assert ngff_migrate.validate(archive / rel).ok
