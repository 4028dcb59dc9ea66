"""The batch journal is an append-only record log (issue #8): a flush appends the
records it carries (never rewrites the journal), a torn last line after a crash is
ignored, the log grows linearly with the records, and a clean end compacts it into
the version-1 ``journal.json`` that earlier releases wrote and read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ngff_migrate.batch.journal import BatchJournal, parse_log, read_journal
from ngff_migrate.batch.state import StateDir

HEADER = {"root": "/archive", "destination": None, "mode": "in-place", "options": {"mode": "in-place"},
          "options_hash": "sha256:0123456789abcdef"}
FP = "sha256:" + "ab" * 32


def _journal(tmp_path: Path, run_id: str = "run-1") -> tuple[StateDir, BatchJournal]:
    state = StateDir(tmp_path)
    return state, BatchJournal(state, dict(HEADER), run_id)


def _done(journal: BatchJournal, rel: str) -> None:
    journal.update(rel, state="done", layout="ngff-image", version="0.4", fingerprint=FP,
                   output_fingerprint=FP, options_hash=HEADER["options_hash"], attempts=1,
                   worker="host:1234", started=1.7e9, finished=1.7e9 + 1)


def test_flush_appends_only_the_changed_records(tmp_path):
    state, journal = _journal(tmp_path)
    assert state.log_file.is_file() and not state.journal_file.exists()
    for i in range(50):
        _done(journal, f"ds-{i:03d}")
    journal.flush(force=True)
    before = state.log_file.read_bytes()
    _done(journal, "ds-007")
    journal.flush(force=True)
    after = state.log_file.read_bytes()
    assert after.startswith(before), "a flush must append, never rewrite"
    added = parse_log(after[len(before):])[0]
    assert [line.get("path") for line in added] == ["ds-007"]


def test_log_grows_linearly_with_the_records(tmp_path):
    """Bytes per record stay bounded and constant: the cost of the journal is linear."""
    state, journal = _journal(tmp_path)
    sizes = []
    for block in range(4):
        for i in range(500):
            _done(journal, f"group-{block}/ds-{i:04d}.ome.zarr")
        journal.flush(force=True)
        sizes.append(state.log_file.stat().st_size)
    per_block = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
    assert max(per_block) - min(per_block) <= 16, per_block  # same bytes for the same kind of records
    assert all(p / 500 < 600 for p in per_block), per_block  # bounded bytes per record
    journal.close("finished")
    assert not state.log_file.exists()
    assert state.journal_file.stat().st_size / 2000 < 700


def test_torn_last_line_is_ignored_and_the_next_run_goes_on(tmp_path):
    state, journal = _journal(tmp_path)
    _done(journal, "a")
    _done(journal, "b")
    journal.flush(force=True)  # a kill -9 now: the run never closes
    whole = state.log_file.read_bytes()
    with open(state.log_file, "ab") as fh:  # and a write torn half-way
        fh.write(b'{"t":"ds","path":"c","state":"do')
    data = read_journal(state)
    assert set(data["datasets"]) == {"a", "b"}
    assert [r["status"] for r in data["runs"]] == ["running"]

    second = BatchJournal(state, dict(HEADER), "run-2")
    assert second.records["a"].state == "done" and "c" not in second.records
    _done(second, "c")
    second.flush(force=True)
    text = state.log_file.read_bytes()
    assert text.startswith(whole)
    assert parse_log(text)[0][-1]["path"] == "c", "the torn fragment must not swallow the next record"
    second.close("finished")
    final = json.loads(state.journal_file.read_text())
    assert final["journal_version"] == 1
    assert set(final["datasets"]) == {"a", "b", "c"}
    assert [r["status"] for r in final["runs"]] == ["running", "finished"]


def test_old_snapshot_journal_is_read_and_extended(tmp_path):
    """A journal.json of an earlier release (no log) is read; the new run appends to a log."""
    state = StateDir(tmp_path)
    state.directory.mkdir()
    old = {"journal_version": 1, "tool": "ngff-migrate", **HEADER,
           "runs": [{"run_id": "old", "host": "h", "pid": 1, "status": "finished"}],
           "datasets": {"x": {"state": "done", "run_id": "old", "fingerprint": FP}}}
    state.journal_file.write_text(json.dumps(old))
    journal = BatchJournal(state, dict(HEADER), "new")
    assert journal.records["x"].state == "done"
    assert state.journal_file.read_text() == json.dumps(old), "the snapshot is not rewritten while running"
    _done(journal, "y")
    journal.close("finished")
    final = json.loads(state.journal_file.read_text())
    assert set(final["datasets"]) == {"x", "y"} and [r["run_id"] for r in final["runs"]] == ["old", "new"]


def test_compaction_killed_before_the_log_is_removed_changes_nothing(tmp_path):
    state, journal = _journal(tmp_path)
    _done(journal, "a")
    journal.run.update(status="finished")
    journal.dirty.add("")
    journal.flush(force=True)
    log = state.log_file.read_bytes()  # the log as the compaction read it
    journal.compact()
    state.log_file.write_bytes(log)  # as if killed between the snapshot's rename and the log's unlink
    data = read_journal(state)
    assert data["datasets"]["a"]["state"] == "done"
    assert [r["status"] for r in data["runs"]] == ["finished"]


def test_two_runs_share_one_log_without_losing_records(tmp_path):
    state, one = _journal(tmp_path, "run-1")
    two = BatchJournal(state, dict(HEADER), "run-2")
    one.update("a", state="running")
    one.flush(force=True)
    _done(two, "a")  # the other batch finished it
    two.flush(force=True)
    one.update("a", state="planned")  # must not overwrite another run's done
    one.update("b", state="done")
    one.flush(force=True)
    assert one.records["a"].state == "done"
    two.close("finished")  # compacts while run-1 is still going
    one.update("c", state="done")
    one.close("finished")
    final = json.loads(state.journal_file.read_text())
    assert {rel: rec["state"] for rel, rec in final["datasets"].items()} == {"a": "done", "b": "done", "c": "done"}
    assert {r["run_id"]: r["status"] for r in final["runs"]} == {"run-1": "finished", "run-2": "finished"}


def test_another_batchs_journal_is_refused_from_the_log_alone(tmp_path):
    from ngff_migrate.errors import UsageError

    state, journal = _journal(tmp_path)
    journal.flush(force=True)  # killed: only the log exists
    with pytest.raises(UsageError, match="another batch"):
        BatchJournal(state, {**HEADER, "root": "/elsewhere"}, "run-2")


@pytest.mark.slow
def test_batch_killed_leaves_a_log_that_rollback_and_the_next_run_read(tmp_path):
    """A real batch process killed with SIGKILL while writing: the log (maybe torn) is
    read by the next run, which finishes and compacts it."""
    import signal
    import subprocess
    import sys
    import time

    from test_batch_support import make_archive

    archive = tmp_path / "archive"
    make_archive(archive, 12)
    cmd = [sys.executable, "-m", "ngff_migrate", "batch", str(archive), "--in-place", "--jobs", "1",
           "--verify", "none", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = StateDir(archive)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((state.directory / "done").rglob("*.json"))
                                              if (state.directory / "done").is_dir() else []) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if state.log_file.is_file():
        with open(state.log_file, "ab") as fh:
            fh.write(b'{"t":"ds","path":"torn')
    assert read_journal(state) is not None
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = json.loads(state.journal_file.read_text())
    assert {rec["state"] for rec in final["datasets"].values()} == {"done"}
    assert len(final["datasets"]) == 12
    assert not state.log_file.exists()
