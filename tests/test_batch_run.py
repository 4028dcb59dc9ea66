"""``ngff-migrate batch`` end to end: in place, copy, dask.distributed, resume, retry, rollback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_batch_support import (
    cached_archive,
    copy_tree,
    migrated_digest,
    run_cli,
    tree_digest,
)

import ngff_migrate
from ngff_migrate.batch import find_datasets


@pytest.fixture
def archive(tmp_path_factory, tmp_path):
    """A private copy of a 12-dataset archive (images, labels, plates; 0.4 and 0.5)."""
    return copy_tree(cached_archive(tmp_path_factory, 12), tmp_path / "archive")


def _report(path: Path) -> dict:
    return json.loads(path.read_text())


def _outcomes(report: dict) -> dict[str, str]:
    return {d["path"]: d["outcome"] for d in report["datasets"]}


@pytest.mark.slow
def test_in_place_batch_equals_single_converts_resumes_and_rolls_back(archive, tmp_path):
    original = tree_digest(archive)
    rels = [f.rel for f in find_datasets(archive)]
    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r1.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    rep = _report(tmp_path / "r1.json")
    assert set(_outcomes(rep).values()) == {"migrated"} and sorted(_outcomes(rep)) == rels
    assert rep["counts"]["layout"] == {"hcs-plate": 4, "ngff-image": 8}
    assert rep["counts"]["version"] == {"0.4": 6, "0.5": 6}
    assert rep["totals"]["files_written"] > 0 and rep["totals"]["bytes_written"] > 0
    assert rep["totals"]["datasets_per_second"] > 0 and rep["failures"] == []
    # every dataset validates and equals what a single `convert --in-place` gives
    for rel in rels:
        assert ngff_migrate.validate(archive / rel).ok, rel
    for rel in rels[:3] + rels[-2:]:
        solo = tmp_path / "solo" / rel
        solo.parent.mkdir(parents=True, exist_ok=True)
        _restore_dataset(archive, rel, solo)
        ngff_migrate.convert(solo, in_place=True)
        assert migrated_digest(solo) == migrated_digest(archive / rel), rel
    journal = json.loads((archive / ".ngff-migrate-batch" / "journal.json").read_text())
    assert {rec["state"] for rec in journal["datasets"].values()} == {"done"}
    assert all((archive / ".ngff-migrate-batch" / "done" / f"{rel}.json").is_file() for rel in rels)

    # the same command again: nothing to do, nothing touched
    migrated = tree_digest(archive, skip_hidden_top=True)
    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r2.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(_outcomes(_report(tmp_path / "r2.json")).values()) == {"done-earlier"}
    assert tree_digest(archive, skip_hidden_top=True) == migrated

    # other options: every dataset is rolled back and migrated again with them
    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--target-version", "0.6-test",
                "--report", str(tmp_path / "r3.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    rep3 = _report(tmp_path / "r3.json")
    assert set(_outcomes(rep3).values()) == {"migrated"}
    assert all("rolled back an earlier (other options)" in d["recovered"] for d in rep3["datasets"])
    root_doc = json.loads((archive / rels[0] / "zarr.json").read_text())
    assert root_doc["attributes"]["ome"]["version"] == "0.6-test"

    # rollback ROOT undoes the whole batch: the original files, the original bytes
    r = run_cli("rollback", str(archive))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{len(rels)} datasets" in r.stdout
    assert tree_digest(archive) == original
    # and a single dataset can still be rolled back on its own (existing behaviour)
    ngff_migrate.convert(archive / rels[0], in_place=True)
    r = run_cli("rollback", str(archive / rels[0]))
    assert r.returncode == 0 and tree_digest(archive) == original


def _restore_dataset(archive: Path, rel: str, dst: Path) -> None:
    """Copy dataset ``rel`` as it was before the batch (undo its journal on the copy)."""
    shutil.copytree(archive / rel, dst)
    ngff_migrate.rollback(dst)


@pytest.mark.slow
def test_copy_batch_report_and_source_untouched(archive, tmp_path):
    before = tree_digest(archive)
    dest = tmp_path / "dest"
    r = run_cli("batch", str(archive), "--out", str(dest), "--jobs", "2", "--verify", "full",
                "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree_digest(archive) == before  # the input is read-only in copy mode
    rep = _report(tmp_path / "r.json")
    rels = sorted(_outcomes(rep))
    assert set(_outcomes(rep).values()) == {"migrated"}
    for rel in rels:
        assert ngff_migrate.validate(dest / rel).ok, rel
    assert not list(dest.rglob("*ngff-migrate-partial*"))
    assert rep["mode"] == "copy" and rep["pool"] == "local:2"
    assert rep["counts"]["layout/outcome"] == {"hcs-plate/migrated": 4, "ngff-image/migrated": 8}
    copied = sum(p.stat().st_size for rel in rels for p in (dest / rel).rglob("*") if p.is_file())
    assert rep["totals"]["bytes_written"] == copied  # every byte written is accounted for
    assert rep["coordinator_peak_rss_bytes"] > 10 << 20
    assert "per layout" in r.stdout and "hcs-plate 4, ngff-image 8" in r.stdout
    # DEST inside ROOT is refused with one line and exit 2, ROOT being a dataset too
    bad = run_cli("batch", str(archive), "--out", str(archive / "inside"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "overlap" in bad.stderr
    one = run_cli("batch", str(archive / rels[0]), "--in-place")
    assert one.returncode == 2 and "itself a dataset" in one.stderr and "Traceback" not in one.stderr


@pytest.mark.slow
def test_failed_dataset_is_not_retried_until_asked(archive, tmp_path):
    rels = [f.rel for f in find_datasets(archive)]
    victim = next(r for r in rels if "image-0.4" in r)
    level = archive / victim / "s1"
    shutil.move(level, tmp_path / "s1")  # a missing array
    r = run_cli("batch", str(archive), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r1.json"))
    assert r.returncode == 1
    rep = _report(tmp_path / "r1.json")
    assert _outcomes(rep)[victim] == "failed"
    assert sum(o == "migrated" for o in _outcomes(rep).values()) == len(rels) - 1
    (fail,) = rep["failures"]
    assert fail["path"] == victim and fail["file"].startswith(str(archive / victim)) and fail["reason"]
    assert "1 dataset(s) not migrated" in r.stdout
    assert r.stderr.startswith(f"error: {fail['file']}: {fail['reason']} ({victim}: failed)")
    assert not (archive / victim / ".ngff-migrate").exists()  # the failed dataset is untouched

    shutil.move(tmp_path / "s1", level)  # repaired; its root metadata (fingerprint) is unchanged
    r = run_cli("batch", str(archive), "--in-place", "--report", str(tmp_path / "r2.json"))
    assert r.returncode == 1 and _outcomes(_report(tmp_path / "r2.json"))[victim] == "failed-earlier"
    r = run_cli("batch", str(archive), "--in-place", "--retry-failed", "--report", str(tmp_path / "r3.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    out3 = _outcomes(_report(tmp_path / "r3.json"))
    assert out3.pop(victim) == "migrated"
    assert set(out3.values()) == {"done-earlier"}  # only the failed one ran
    assert ngff_migrate.validate(archive / victim).ok


@pytest.mark.slow
def test_dask_distributed_local_cluster(archive, tmp_path):
    distributed = pytest.importorskip("distributed")
    dest = tmp_path / "dest"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        r = run_cli("batch", str(archive), "--out", str(dest), "--scheduler", cluster.scheduler_address,
                    "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(worker_pids) == 2
    rep = _report(tmp_path / "r.json")
    assert rep["pool"] == f"dask:{cluster.scheduler_address}"
    assert set(_outcomes(rep).values()) == {"migrated"}
    used = {int(d["worker"].rsplit(":", 1)[1]) for d in rep["datasets"]}
    assert used == worker_pids  # every dataset ran in a cluster worker process, and both worked
    for rel in _outcomes(rep):
        assert ngff_migrate.validate(dest / rel).ok


@pytest.mark.slow
def test_recovery_of_interrupted_attempts(archive, tmp_path):
    """Deterministic versions of what a crash leaves behind (the kill -9 tests do it for real)."""
    from ngff_migrate.batch import run_batch

    original = tree_digest(archive)
    rels = [f.rel for f in find_datasets(archive)]
    adopt, half, backups = rels[0], rels[1], rels[2]
    ngff_migrate.convert(archive / adopt, in_place=True)  # finished, but no batch marker
    ngff_migrate.convert(archive / half, in_place=True)   # stopped mid-write: journal not "done"
    j = archive / half / ".ngff-migrate" / "journal.json"
    doc = json.loads(j.read_text())
    doc["state"] = "writing"
    j.write_text(json.dumps(doc))
    (archive / backups / ".ngff-migrate" / "backup").mkdir(parents=True)  # killed while backing up

    rep = run_batch(archive, in_place=True, jobs=1)
    by = {d.path: d for d in rep.datasets}
    assert rep.ok and by[adopt].outcome == "adopted" and "adopted" in by[adopt].recovered
    assert by[half].outcome == "migrated" and "rolled back an interrupted" in by[half].recovered
    assert by[backups].outcome == "migrated" and "without a journal" in by[backups].recovered
    for rel in rels:
        assert ngff_migrate.validate(archive / rel).ok
    assert run_cli("rollback", str(archive)).returncode == 0
    assert tree_digest(archive) == original  # the adopted dataset was rolled back too

    dest = tmp_path / "dest"
    junk, earlier, partial = rels[3], rels[4], rels[5]
    (dest / junk).mkdir(parents=True)
    (dest / junk / "mine.txt").write_text("not ngff-migrate's\n")
    (dest / earlier).parent.mkdir(parents=True, exist_ok=True)
    ngff_migrate.convert(archive / earlier, dest / earlier)  # an output without a marker
    leftover = (dest / partial).parent / f".{Path(partial).name}.ngff-migrate-partial-99999"
    leftover.mkdir(parents=True)
    rep = run_batch(archive, destination=dest, jobs=2)
    by = {d.path: d for d in rep.datasets}
    assert by[junk].outcome == "failed" and "refusing to overwrite" in by[junk].error
    assert (dest / junk / "mine.txt").read_text() == "not ngff-migrate's\n"
    assert by[earlier].outcome == "migrated" and ngff_migrate.validate(dest / earlier).ok
    assert by[partial].outcome == "migrated" and "removed interrupted copy" in by[partial].recovered
    assert not leftover.exists()
    assert sum(d.outcome == "migrated" for d in rep.datasets) == len(rels) - 1
