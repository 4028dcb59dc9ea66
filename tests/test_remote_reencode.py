"""Re-encoding from and to remote stores through the pixel engine (issue #11 item 3;
docs/storage.md, "Re-encoding to or from S3").

Real servers on loopback, no mocks: moto's S3 server (the ``s3`` fixture, tests/s3_server.py),
``http.server`` serving a directory, and the recording proxy of tests/s3_server.py where a run
is killed with a request in flight. The oracle is the same re-encode run locally: its files
and the remote output are equal byte for byte (zstd and the shard layout are deterministic),
and every array reads pixel-equal to the source with zarr-python.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import zarr
from conftest import tree_digest
from s3_server import ACCESS, BUCKET, SECRET, Proxy
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app

REPO = Path(__file__).resolve().parent.parent
V04 = REPO / "sample_data" / "image_v04.ome.zarr"
V05 = REPO / "sample_data" / "image_v05.ome.zarr"
RECODE = {"chunks": "y=32,x=32", "shards": "auto", "codec": "zstd"}
runner = CliRunner()


def _s3_digest(fs, url: str) -> dict[str, str]:
    """Every object below ``url``: relative key -> sha256."""
    prefix = url.removeprefix("s3://").rstrip("/")
    fs.invalidate_cache()
    return {k[len(prefix) + 1:]: hashlib.sha256(fs.cat_file(k)).hexdigest() for k in fs.find(prefix)}


def _local(tmp_path: Path, src: Path, name: str, **options) -> Path:
    """The oracle: the same re-encode, local to local."""
    out = tmp_path / f"oracle-{name}"
    ngff_migrate.convert(src, out, **options)
    return out


def _assert_pixels_equal(source: Path, output, arrays: list[str], storage_options=None) -> None:
    """Every array of ``arrays`` reads equal in ``source`` (local) and ``output`` (a path or s3:// URL)."""
    for rel in arrays:
        want = zarr.open_array(str(source / rel), mode="r")
        if isinstance(output, Path):
            got = zarr.open_array(str(output / rel), mode="r")
        else:
            got = zarr.open_array(f"{output}/{rel}", mode="r", storage_options=storage_options)
        assert got.shape == want.shape and np.array_equal(got[...], want[...]), rel


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # zarr-python's concurrent reads
    daemon_threads = True


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """``http.server`` on 127.0.0.1 serving a copy of the 0.5 sample image; yields its URL."""
    www = tmp_path_factory.mktemp("www")
    shutil.copytree(V05, www / V05.name)
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{V05.name}"
    finally:
        server.shutdown()
        server.server_close()


def _options(endpoint: str) -> dict:
    return {"client_kwargs": {"endpoint_url": endpoint}}


@pytest.mark.slow

def _kill_while_held(endpoint: str, args: list[str], hold) -> None:
    """Run the CLI through a recording proxy, ``kill -9`` it while the request ``hold``
    picks is held, and never forward that request (the client died with it in flight)."""
    proxy = Proxy(endpoint.removeprefix("http://"))
    try:
        proxy.hold = hold
        child = subprocess.Popen([sys.executable, "-m", "ngff_migrate", *args, "--endpoint-url", proxy.endpoint],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proxy.holding.wait(120), child.communicate()
        child.send_signal(signal.SIGKILL)
        child.wait()
        proxy.drop = True
        proxy.release.set()
    finally:
        proxy.close()

def test_s3_to_local_rechunk_shard_and_codec(s3, tmp_path):
    endpoint, put = s3
    url = put(V05, "recode/v05.zarr")
    out = tmp_path / "out.zarr"
    report = ngff_migrate.convert(url, out, endpoint_url=endpoint, **RECODE)
    assert report.status == "done" and ngff_migrate.validate(out).ok
    assert tree_digest(out) == tree_digest(_local(tmp_path, V05, "v05", **RECODE))
    _assert_pixels_equal(V05, out, ["s0", "s1"])
    document = json.loads((out / "s0" / "zarr.json").read_text())
    sharding = document["codecs"][0]
    assert sharding["name"] == "sharding_indexed" and sharding["configuration"]["chunk_shape"][-2:] == [32, 32]
    assert [c["name"] for c in sharding["configuration"]["codecs"]] == ["bytes", "zstd"]
    recode = report.reencode
    assert recode["units_written"] == recode["write_units"] > 0 and recode["bytes_stored"] > 0
    assert report.storage["requests"]["GET"] > 0 and report.storage["bytes_read"] > 0
    assert report.verification["chunks_compared"] > 0
    assert not (out / ".ngff-migrate-reencode").exists()


def test_http_to_local(web, tmp_path):
    out = tmp_path / "out.zarr"
    report = ngff_migrate.convert(web, out, chunks="32,32,32,32", codec="zstd:5")
    assert report.status == "done" and ngff_migrate.validate(out).ok
    assert tree_digest(out) == tree_digest(_local(tmp_path, V05, "v05", chunks="32,32,32,32", codec="zstd:5"))
    _assert_pixels_equal(V05, out, ["s0", "s1"])
    assert report.reencode["units_written"] > 0 and report.verification["chunks_compared"] > 0
    # the source's chunks were re-encoded, not also copied: only the new chunk keys are there
    assert {p.relative_to(out / "s0").parts[0] for p in (out / "s0").rglob("*") if p.is_file()} == {"c", "zarr.json"}


@pytest.mark.slow
def test_local_to_s3_verified_full_and_published_last(s3, tmp_path):
    endpoint, put = s3
    url = f"s3://{BUCKET}/recode-out/v04.zarr"
    report = ngff_migrate.convert(V04, url, endpoint_url=endpoint, verify="full", **RECODE)
    assert report.status == "done"
    assert _s3_digest(put.fs, url) == tree_digest(_local(tmp_path, V04, "v04", **RECODE))
    arrays = ["s0", "s1", "s2", "labels/cells/s0", "labels/cells/s4"]
    _assert_pixels_equal(V04, url, arrays, _options(endpoint))
    assert report.verification["shards"]["shards_checked"] == report.reencode["write_units"]
    assert report.reencode["bytes_stored"] > 0 and report.storage["requests"]["PUT"] >= report.reencode["write_units"]
    put.fs.invalidate_cache()
    assert not put.fs.find(f"{BUCKET}/recode-out/.v04.zarr.ngff-migrate-partial")  # journal, run.json, lock gone
    assert ngff_migrate.validate(url, endpoint_url=endpoint).ok


@pytest.mark.slow
def test_s3_to_s3_with_new_levels(s3, tmp_path):
    endpoint, put = s3
    src = put(V05, "recode/v05.zarr")
    url = f"s3://{BUCKET}/recode-out/levels-v05.zarr"
    report = ngff_migrate.convert(src, url, endpoint_url=endpoint, levels=3, shards="auto")
    assert report.status == "done" and list(report.reencode["new_levels"]) == ["s2"]
    assert report.verification["new_levels"]["levels"] == 1
    assert _s3_digest(put.fs, url) == tree_digest(_local(tmp_path, V05, "levels", levels=3, shards="auto"))
    _assert_pixels_equal(V05, url, ["s0", "s1"], _options(endpoint))
    assert ngff_migrate.validate(url, endpoint_url=endpoint).ok


@pytest.mark.slow
def test_http_to_s3(s3, web, tmp_path):
    endpoint, put = s3
    url = f"s3://{BUCKET}/recode-out/from-http.zarr"
    report = ngff_migrate.convert(web, url, dest_endpoint_url=endpoint, **RECODE)
    assert report.status == "done" and report.reencode["units_written"] == report.reencode["write_units"]
    assert _s3_digest(put.fs, url) == tree_digest(_local(tmp_path, V05, "http", **RECODE))
    _assert_pixels_equal(V05, url, ["s0", "s1"], _options(endpoint))


@pytest.mark.slow
def test_cli_levels_from_s3_to_local(s3, tmp_path):
    endpoint, put = s3
    url = put(V05, "recode/v05.zarr")
    out, report_file = tmp_path / "out.zarr", tmp_path / "report.json"
    result = runner.invoke(app, ["convert", url, str(out), "--endpoint-url", endpoint, "--levels", "3",
                                 "--codec", "zstd:5", "--report", str(report_file)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_file.read_text())
    assert list(report["reencode"]["new_levels"]) == ["s2"] and report["storage"]["requests_total"] > 0
    assert tree_digest(out) == tree_digest(_local(tmp_path, V05, "cli", levels=3, codec="zstd:5"))
    level = zarr.open_array(str(out / "s2"), mode="r")
    assert level.shape == (3, 2, 32, 32)
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output


def test_a_cluster_re_encode_of_a_remote_store_is_refused():
    result = runner.invoke(app, ["convert", str(V05), "s3://bucket/out.zarr", "--chunks", "1,1,32,32",
                                 "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "dask.distributed" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_killed_re_encode_to_s3_resumes(s3, tmp_path):
    """Killed (-9) while it writes the new level: the units of the existing levels were journaled
    under the state prefix; the rerun skips them (none of their objects is written again)."""
    endpoint, put = s3
    url = f"s3://{BUCKET}/recode-kill/v05.zarr"
    args = ["convert", str(V05), url, "--levels", "3", "--shards", "auto", "--quiet"]
    _kill_while_held(endpoint, args, lambda method, path: method == "PUT" and "/recode-kill/v05.zarr/s2/c/" in path)
    put.fs.invalidate_cache()
    state = f"{BUCKET}/recode-kill/.v05.zarr.ngff-migrate-partial"
    assert put.fs.exists(f"{state}/run.json") and put.fs.find(f"{state}/.ngff-migrate-reencode/units")
    assert not put.fs.exists(f"{BUCKET}/recode-kill/v05.zarr/zarr.json")  # nothing looks complete
    refused = runner.invoke(app, [*args[:-1], "--codec", "gzip", "--endpoint-url", endpoint])
    assert refused.exit_code == 2 and "started differently" in refused.output, refused.output
    proxy = Proxy(endpoint.removeprefix("http://"))
    try:
        report = ngff_migrate.convert(V05, url, endpoint_url=proxy.endpoint, levels=3, shards="auto")
        rewritten = [p for m, p in proxy.log if m == "PUT" and ("/v05.zarr/s0/c/" in p or "/v05.zarr/s1/c/" in p)]
    finally:
        proxy.close()
    assert any("resumed the re-encode" in w for w in report.warnings), report.warnings
    recode = report.reencode
    assert recode["resumed"] and recode["units_resumed"] == recode["arrays"]["s0"]["write_units"] + \
        recode["arrays"]["s1"]["write_units"]
    assert recode["units_written"] == recode["new_levels"]["s2"]["write_units"]
    assert not rewritten, rewritten
    assert _s3_digest(put.fs, url) == tree_digest(_local(tmp_path, V05, "kill", levels=3, shards="auto"))
    put.fs.invalidate_cache()
    assert not put.fs.find(state)


@pytest.mark.slow
def test_a_bad_source_chunk_keeps_the_s3_output_for_the_rerun(s3, tmp_path):
    """A failure while pixels are written (a source chunk that does not decode) keeps the unfinished
    S3 output and its journal, never its entry document; once the chunk is fixed, the rerun finishes."""
    from ngff_migrate.errors import MigrateError

    endpoint, put = s3
    src = put(V05, "recode-bad/v05.zarr", fresh=True)
    chunk = f"{src.removeprefix('s3://')}/s0/c/0/0/0/0"
    put.fs.pipe_file(chunk, b"not zstd")
    url = f"s3://{BUCKET}/recode-bad-out/v05.zarr"
    with pytest.raises(MigrateError) as failed:
        ngff_migrate.convert(src, url, endpoint_url=endpoint, storage_options={"key": ACCESS, "secret": SECRET},
                             **RECODE)
    assert "s0/c/0/0/0/0" in str(failed.value) and "cannot be decoded" in str(failed.value)
    assert SECRET not in str(failed.value)
    assert "is kept: rerun the same command to resume" in str(failed.value)
    put.fs.invalidate_cache()
    state = f"{BUCKET}/recode-bad-out/.v05.zarr.ngff-migrate-partial"
    assert put.fs.exists(f"{state}/run.json")
    assert SECRET not in put.fs.cat_file(f"{state}/.ngff-migrate-reencode/state.json").decode()
    assert not put.fs.exists(f"{BUCKET}/recode-bad-out/v05.zarr/zarr.json")
    assert not put.fs.exists(f"{state}/lock.json")  # released
    put.fs.pipe_file(chunk, (V05 / "s0" / "c" / "0" / "0" / "0" / "0").read_bytes())
    report = ngff_migrate.convert(src, url, endpoint_url=endpoint, **RECODE)
    assert report.reencode["resumed"] and any("resumed the re-encode" in w for w in report.warnings)
    assert _s3_digest(put.fs, url) == tree_digest(_local(tmp_path, V05, "bad", **RECODE))
    put.fs.invalidate_cache()
    assert not put.fs.find(state)


@pytest.mark.slow
def test_killed_re_encode_from_s3_to_local_resumes(s3, tmp_path):
    """Killed (-9) while it reads the source for the new level: the local unfinished output and its
    journal are kept; the rerun skips the units of the existing levels (their chunks are not read)."""
    endpoint, put = s3
    src = put(V05, "recode/v05.zarr")
    out = tmp_path / "out.zarr"
    args = ["convert", src, str(out), "--levels", "3", "--shards", "auto", "--quiet"]
    reads = []

    def hold(method: str, path: str) -> bool:  # the second read of s1's first chunk: building s2 from it
        if method == "GET" and path.split("?")[0].endswith("/recode/v05.zarr/s1/c/0/0/0/0"):
            reads.append(path)
        return len(reads) == 2

    _kill_while_held(endpoint, args, hold)
    partial = tmp_path / ".out.zarr.ngff-migrate-partial"
    assert (partial / ".ngff-migrate-reencode" / "units.log").read_text().count("\n") == 2 and not out.exists()
    proxy = Proxy(endpoint.removeprefix("http://"))
    try:
        report = ngff_migrate.convert(src, out, endpoint_url=proxy.endpoint, levels=3, shards="auto", verify="none")
        s0_reads = [p for m, p in proxy.log if m == "GET" and "/recode/v05.zarr/s0/c/" in p]
    finally:
        proxy.close()
    assert report.reencode["resumed"] and report.reencode["units_resumed"] == 2, report.reencode
    assert not s0_reads, s0_reads  # s0 was journaled: none of its chunks is read again
    assert tree_digest(out) == tree_digest(_local(tmp_path, V05, "kill-local", levels=3, shards="auto"))
