"""A lock is re-entered only by the thread that holds it: another thread of the same
process (two dask tasks on one worker, two batches sharing a cluster) meets it like any
other run (docs/safety.md; storage/lock.py, storage/s3lock.py)."""

from __future__ import annotations

import threading

import pytest

from ngff_migrate.storage.lock import Busy, Lock


def _in_thread(fn):
    out: dict[str, object] = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed back to the test
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    return out


def test_a_local_lock_is_busy_for_another_thread(tmp_path):
    with Lock(tmp_path) as outer:
        with Lock(tmp_path):  # the same thread: one level deeper
            pass

        def other():
            with Lock(tmp_path):
                return "entered"

        out = _in_thread(other)
        assert isinstance(out.get("error"), Busy), out
        assert outer.key is not None

    def after():
        with Lock(tmp_path):
            return "entered"

    assert _in_thread(after) == {"value": "entered"}


def test_an_s3_lock_is_busy_for_another_thread(s3):
    from s3_server import BUCKET

    from ngff_migrate.storage.location import open_location
    from ngff_migrate.storage.s3lock import S3Lock

    endpoint, _ = s3
    path = open_location(f"s3://{BUCKET}/locks/threads.lock", endpoint_url=endpoint)
    with S3Lock(path):
        with S3Lock(path):  # the same thread
            pass

        def other():
            with S3Lock(path):
                return "entered"

        out = _in_thread(other)
        assert out.get("value") != "entered", out
        assert "another" in str(out.get("error")) or type(out.get("error")).__name__ == "Busy", out

    def after():
        with S3Lock(path):
            return "entered"

    assert _in_thread(after) == {"value": "entered"}  # released: another thread takes it


@pytest.mark.parametrize("what", [["convert", "--in-place"], ["rollback"], ["finalize"]])
def test_missing_chunk_status_403_is_refused_where_we_write_in_place(what, s3):
    from s3_server import BUCKET
    from typer.testing import CliRunner

    from ngff_migrate.cli import app

    endpoint, _ = s3
    result = CliRunner().invoke(app, [*what, f"s3://{BUCKET}/nothing.zarr", "--endpoint-url", endpoint,
                                      "--missing-chunk-status", "403"])
    assert result.exit_code == 2, result.output
    assert "absent object from a denied one" in result.output
