"""Writing to S3 (issue #11 items 2-3; docs/storage.md, "Writing to S3", "In place on S3").

Real servers on loopback, no mocks: moto's S3 server (the ``s3`` fixture,
tests/s3_server.py) and, where requests are counted or a client is killed
with a request in flight, a small recording HTTP proxy in front of it
(``s3_server.Proxy``). The CLI runs as a child process (``python -m
ngff_migrate``) where it is killed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import tree_digest
from s3_server import ACCESS, BUCKET, SECRET
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app

REPO = Path(__file__).resolve().parent.parent
V04 = REPO / "sample_data" / "image_v04.ome.zarr"
V05 = REPO / "sample_data" / "image_v05.ome.zarr"
PLATE = REPO / "tests" / "data" / "hcs" / "ome2024-hcs.zarr"
METADATA = {".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json", "METADATA.ome.xml"}
runner = CliRunner()


def _listing(fs, url: str) -> dict[str, tuple[int, str]]:
    """Every object below ``url``: relative key -> (size, sha256) - the byte-identity oracle."""
    prefix = url.removeprefix("s3://").rstrip("/")
    fs.invalidate_cache()
    out = {}
    for key, info in fs.find(prefix, detail=True).items():
        out[key[len(prefix) + 1:]] = (info["size"], hashlib.sha256(fs.cat_file(key)).hexdigest())
    return out


def _local_digest(root: Path) -> dict[str, str]:
    return tree_digest(root)


def _s3_digest(fs, url: str) -> dict[str, str]:
    return {k: sha for k, (_, sha) in _listing(fs, url).items()}


def _cli(*args: str, endpoint: str, wait: bool = True, **kw) -> subprocess.CompletedProcess | subprocess.Popen:
    cmd = [sys.executable, "-m", "ngff_migrate", *args, "--endpoint-url", endpoint]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


# --------------------------------------------------------------------------- no server needed


@pytest.mark.parametrize("args, why", [
    (["convert", str(V05), "http://127.0.0.1:9/out.zarr"], "HTTP is read-only"),
    (["convert", "--in-place", "http://127.0.0.1:9/img.zarr"], "read-only and cannot be listed"),
    (["rollback", "https://127.0.0.1:9/img.zarr"], "read-only and cannot be listed"),
    (["finalize", "http://127.0.0.1:9/img.zarr"], "read-only and cannot be listed"),
    (["convert", str(V05), "s3://bucket/out.zarr", "--link"], "--link"),
    (["convert", str(V05), "s3://bucket/out.zarr", "--chunks", "1,1,32,32", "--scheduler", "tcp://127.0.0.1:9"],
     "dask.distributed"),
    (["batch", "http://127.0.0.1:9/archive", "--in-place"], "read-only and cannot be listed"),
])
def test_writes_refused_before_any_request(args, why):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert why in result.output and "Traceback" not in result.output


def test_s3_lock_rules():
    from ngff_migrate.storage.s3lock import is_stale

    now = time.time()
    mine = {"host": os.uname().nodename, "pid": os.getpid(), "expires": now + 60}
    assert not is_stale(mine, now)
    assert is_stale({**mine, "expires": now - 1}, now)  # expired
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert is_stale({**mine, "pid": dead.pid}, now)  # a dead process of this host
    assert not is_stale({**mine, "host": "elsewhere.example", "pid": dead.pid}, now)  # another host: its expiry
    assert is_stale(None) and is_stale({"expires": "soon"})


# --------------------------------------------------------------------------- copies to S3


def test_copy_local_to_s3_is_byte_identical_to_a_local_copy(s3, tmp_path):
    """Unmarked smoke test: local -> S3, every object equal to a local convert's files; validate over S3."""
    endpoint, put = s3
    url = f"s3://{BUCKET}/out/smoke-v04.zarr"
    report = ngff_migrate.convert(V04, url, endpoint_url=endpoint)
    assert report.status == "done" and report.destination == url
    local = tmp_path / "local.zarr"
    ngff_migrate.convert(V04, local)
    assert _s3_digest(put.fs, url) == _local_digest(local)
    assert not put.fs.exists(f"{BUCKET}/out/.smoke-v04.zarr.ngff-migrate-partial/run.json")
    storage = report.storage
    assert storage["requests"]["PUT"] >= len(_local_digest(local)) and storage["bytes_written"] > 0
    assert set(storage["requests"]) <= {"GET", "PUT", "LIST", "HEAD", "DELETE", "COPY", "POST"}
    result = runner.invoke(app, ["validate", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0 and "valid" in result.output, result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["image_v05.ome.zarr",
                                  pytest.param("ome2024-hcs.zarr", marks=pytest.mark.longrun)])  # 15 s: kept out of CI
def test_copy_s3_to_s3_same_and_across_endpoints(s3, name, tmp_path):
    endpoint, put = s3
    src_dir = V05 if name.startswith("image") else PLATE
    src = put(src_dir, f"s2s/{name}")
    local = tmp_path / "local.zarr"
    ngff_migrate.convert(src_dir, local)
    expected = _local_digest(local)
    same = f"s3://{BUCKET}/s2s-out/same-{name}"
    report = ngff_migrate.convert(src, same, endpoint_url=endpoint)
    assert _s3_digest(put.fs, same) == expected
    assert report.storage["requests"].get("COPY", 0) >= report.write.files_copied  # server-side copies
    # "two servers": the same moto through another address, so nothing is copied server-side
    other = endpoint.replace("127.0.0.1", "localhost")
    across = f"s3://{BUCKET}/s2s-out/across-{name}"
    result = _cli("convert", src, across, "--source-endpoint-url", endpoint, "--dest-endpoint-url", other,
                  "--report", str(tmp_path / "r.json"), endpoint="http://127.0.0.1:9")
    assert result.returncode == 0, result.stderr
    assert _s3_digest(put.fs, across) == expected
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["storage"]["requests"].get("COPY", 0) <= 2  # only the entry document, published last
    assert ngff_migrate.validate(across, endpoint_url=endpoint).ok


@pytest.mark.slow
def test_copy_to_s3_existing_overwrite_and_a_killed_run(s3, proxy, tmp_path):
    endpoint, put = s3
    url = f"s3://{BUCKET}/ow/img.zarr"
    ngff_migrate.convert(V04, url, endpoint_url=endpoint)
    result = runner.invoke(app, ["convert", str(V05), url, "--endpoint-url", endpoint])
    assert result.exit_code == 2 and "already exists" in result.output
    put.fs.pipe_file(f"{BUCKET}/ow/img.zarr/stray-object", b"old")
    ngff_migrate.convert(V05, url, endpoint_url=endpoint, overwrite=True)
    local = tmp_path / "v05.zarr"
    ngff_migrate.convert(V05, local)
    assert _s3_digest(put.fs, url) == _local_digest(local)  # the old output and the stray object are gone
    # a run killed while copying: the output never has its root document, the rerun cleans up
    killed = f"s3://{BUCKET}/ow/killed.zarr"
    proxy.hold = lambda method, path: method == "PUT" and "/killed.zarr/s0/" in path
    child = _cli("convert", str(V04), killed, endpoint=proxy.endpoint, wait=False)
    assert proxy.holding.wait(120), child.communicate()
    child.send_signal(signal.SIGKILL)
    child.wait()
    proxy.drop = True
    proxy.release.set()
    assert not put.fs.exists(f"{BUCKET}/ow/killed.zarr/zarr.json")
    assert put.fs.exists(f"{BUCKET}/ow/.killed.zarr.ngff-migrate-partial/run.json")
    report = ngff_migrate.convert(V04, killed, endpoint_url=endpoint)
    assert any("interrupted run" in w for w in report.warnings), report.warnings
    local4 = tmp_path / "v04.zarr"
    ngff_migrate.convert(V04, local4)
    assert _s3_digest(put.fs, killed) == _local_digest(local4)
    put.fs.invalidate_cache()
    assert not put.fs.exists(f"{BUCKET}/ow/.killed.zarr.ngff-migrate-partial/run.json")


# --------------------------------------------------------------------------- in place on S3


def _chunk_request(method: str, path: str, roots: list[str]) -> bool:
    """Whether a request names a chunk object (anything but a metadata document or our state)."""
    key = path.split("?")[0]
    if method == "GET" and "prefix=" in path:  # a LIST: allowed only for our journal/lock prefix
        query = path.split("?", 1)[1]
        return ".ngff-migrate" not in query
    name = key.rsplit("/", 1)[-1]
    return any(f"/{r}/" in key for r in roots) and name not in METADATA and ".ngff-migrate" not in key


@pytest.mark.slow
def test_in_place_on_s3_and_rollback_are_byte_identical(s3, proxy):
    """Unmarked smoke test: in place on S3 with --verify none touches no chunk; rollback restores everything."""
    endpoint, put = s3
    url = put(V04, "inplace/smoke-v04.zarr", fresh=True)
    before = _listing(put.fs, url)
    report = ngff_migrate.convert(url, in_place=True, endpoint_url=proxy.endpoint, verify="none")
    assert report.status == "done" and report.write.documents_written > 0
    assert not [r for r in proxy.log if _chunk_request(*r, roots=["smoke-v04.zarr"])], proxy.log
    requests = report.storage["requests"]
    assert requests["PUT"] >= report.write.documents_written and requests["GET"] > 0
    assert report.storage["requests_total"] == len(proxy.log)  # the report counts what went over the wire
    after = _listing(put.fs, url)
    assert {k: v for k, v in after.items() if k in before} == before  # chunks and v2 documents untouched
    assert ".ngff-migrate/journal.json" in after and ngff_migrate.validate(url, endpoint_url=endpoint).ok
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    assert _listing(put.fs, url) == before


@pytest.mark.slow
def test_in_place_on_s3_replacing_v3_documents_then_finalize(s3):
    endpoint, put = s3
    url = put(V05, "inplace/v05.zarr", fresh=True)
    before = _listing(put.fs, url)
    report = ngff_migrate.convert(url, in_place=True, endpoint_url=endpoint)
    assert report.write.backups > 0  # zarr.json documents replaced: backed up under the prefix
    assert any(k.startswith(".ngff-migrate/backup/") for k in _listing(put.fs, url))
    assert ngff_migrate.rollback(url, endpoint_url=endpoint)
    assert _listing(put.fs, url) == before
    ngff_migrate.convert(url, in_place=True, endpoint_url=endpoint)
    result = runner.invoke(app, ["finalize", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    assert not any(k.startswith(".ngff-migrate") for k in _listing(put.fs, url))
    assert ngff_migrate.validate(url, endpoint_url=endpoint).ok
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 1 and "no in-place migration journal" in result.output


@pytest.mark.slow
def test_killed_in_place_run_is_rolled_back(s3, proxy):
    """The 0.4 image with labels (11 documents), killed at its 4th document write."""
    endpoint, put = s3
    url = put(V04, "killed/img.zarr", fresh=True)
    before = _listing(put.fs, url)
    writes = []

    def hold(method: str, path: str) -> bool:  # the 4th document written into the image
        if method == "PUT" and path.split("?")[0].endswith("/zarr.json") and ".ngff-migrate" not in path:
            writes.append(path)
        return len(writes) == 4

    proxy.hold = hold
    child = _cli("convert", "--in-place", url, endpoint=proxy.endpoint, wait=False)
    assert proxy.holding.wait(120), child.communicate()
    child.send_signal(signal.SIGKILL)
    child.wait()
    proxy.drop = True
    proxy.release.set()
    mid = _listing(put.fs, url)
    assert ".ngff-migrate/journal.json" in mid and ".ngff-migrate.lock" in mid
    assert len([k for k in mid if k not in before]) > 3  # killed part-way: some documents written
    # a second run while the dead run's lock is there: taken over (its process is gone), then rolled back
    result = _cli("rollback", url, endpoint=endpoint)
    assert result.returncode == 0, result.stderr
    assert _listing(put.fs, url) == before
    # and a rerun after a kill finishes the job
    result = _cli("convert", "--in-place", url, "--quiet", endpoint=endpoint)
    assert result.returncode == 0, result.stderr
    assert ngff_migrate.validate(url, endpoint_url=endpoint).ok
    assert ngff_migrate.rollback(url, endpoint_url=endpoint)
    assert _listing(put.fs, url) == before


@pytest.mark.slow
def test_a_second_concurrent_in_place_run_is_refused_by_the_lock(s3, proxy, tmp_path):
    endpoint, put = s3
    url = put(V04, "concurrent/img.zarr", fresh=True)
    before = _listing(put.fs, url)
    proxy.hold = lambda method, path: method == "PUT" and path.split("?")[0].endswith("/zarr.json") \
        and ".ngff-migrate" not in path
    first = _cli("convert", "--in-place", url, "--quiet", endpoint=proxy.endpoint, wait=False)
    assert proxy.holding.wait(120), first.communicate()
    second = _cli("convert", "--in-place", url, "--storage-option", f"secret={SECRET}",
                  "--storage-option", f"key={ACCESS}", "--report", str(tmp_path / "r.json"), endpoint=endpoint)
    assert second.returncode == 1, second.stderr
    assert "holds this dataset's lock" in second.stderr and f"process {first.pid}" in second.stderr
    assert SECRET not in second.stderr and SECRET not in (tmp_path / "r.json").read_text()
    refused = _cli("rollback", url, endpoint=endpoint)
    assert refused.returncode == 1 and "holds this dataset's lock" in refused.stderr
    proxy.release.set()
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    listing = _listing(put.fs, url)
    assert json.loads(put.fs.cat_file(url.removeprefix("s3://") + "/.ngff-migrate/journal.json"))["state"] == "done"
    journal = put.fs.cat_file(url.removeprefix("s3://") + "/.ngff-migrate/journal.json").decode()
    assert SECRET not in journal and ACCESS not in journal
    assert ".ngff-migrate.lock" not in listing  # released
    assert ngff_migrate.rollback(url, endpoint_url=endpoint)
    assert _listing(put.fs, url) == before


@pytest.mark.slow
def test_credentials_never_reach_reports_journals_or_errors(s3, tmp_path):
    endpoint, put = s3
    url = put(V04, "creds/img.zarr", fresh=True)
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["convert", "--in-place", url, "--endpoint-url", endpoint, "--report", str(report),
                                 "--storage-option", f"key={ACCESS}", "--storage-option", f"secret={SECRET}"])
    assert result.exit_code == 0, result.output
    journal = put.fs.cat_file(url.removeprefix("s3://") + "/.ngff-migrate/journal.json").decode()
    for text in (result.output, report.read_text(), journal):
        assert SECRET not in text
    bad = runner.invoke(app, ["convert", str(V04), f"s3://no-such-bucket-{BUCKET}/x.zarr", "--endpoint-url",
                              endpoint, "--storage-option", f"secret={SECRET}", "--storage-option", f"key={ACCESS}"])
    assert bad.exit_code == 1 and SECRET not in bad.output and "no-such-bucket" in bad.output, bad.output
    shutil.rmtree(tmp_path)
