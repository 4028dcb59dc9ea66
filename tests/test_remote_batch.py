"""`plan` and `batch` over an S3 prefix (issue #11 item 3; docs/batch.md "Over S3", docs/storage.md).

Real servers on loopback, no mocks: moto's S3 server (the ``s3`` fixture) and the
recording proxy (``s3_server.Proxy``) where requests are counted. The concurrency
test runs two real batch processes (``python -m ngff_migrate``) on one prefix.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import tree_digest
from s3_server import ACCESS, BUCKET, SECRET
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.batch.planner import plan_tree
from ngff_migrate.cli import app

REPO = Path(__file__).resolve().parent.parent
V04 = REPO / "sample_data" / "image_v04.ome.zarr"
V05 = REPO / "sample_data" / "image_v05.ome.zarr"
PLATE = REPO / "tests" / "data" / "hcs" / "ome2024-hcs.zarr"  # an HCS plate in a bioformats2raw container
BF2RAW = REPO / "tests" / "data" / "bf2raw" / "fake-series-2.zarr"
#: the archive: rel -> local dataset (an image, a nested image, a plate, a bioformats2raw container)
ARCHIVE = {"a/image_v04.ome.zarr": V04, "b/nested/image_v05.ome.zarr": V05, "plate.zarr": PLATE,
           "series.zarr": BF2RAW}
SMALL = {"a/image_v05.ome.zarr": V05, "b/image_v05.ome.zarr": V05, "c/image_v05.ome.zarr": V05,
         "d/series.zarr": BF2RAW}
runner = CliRunner()


def _upload(put, prefix: str, datasets: dict[str, Path], *, broken: bool = False) -> str:
    """Upload ``datasets`` below ``prefix`` (fresh); ``broken`` adds a dataset whose zarr.json is not JSON."""
    for rel, local in datasets.items():
        put(local, f"{prefix}/{rel}", fresh=True)
    put.fs.pipe(f"{BUCKET}/{prefix}/README.txt", b"not a dataset\n")
    if broken:
        put.fs.pipe(f"{BUCKET}/{prefix}/broken.zarr/zarr.json", b"{not json")
    return f"s3://{BUCKET}/{prefix}"


def _listing(fs, url: str) -> dict[str, tuple[int, bytes]]:
    """Every object below ``url``: relative key -> (size, bytes) - the byte-identity oracle."""
    prefix = url.removeprefix("s3://").rstrip("/")
    fs.invalidate_cache()
    return {key[len(prefix) + 1:]: (info["size"], fs.cat_file(key))
            for key, info in fs.find(prefix, detail=True).items()}


def _visible(listing: dict[str, tuple[int, bytes]], rel: str) -> dict[str, bytes]:
    """The objects of dataset ``rel`` outside the hidden state (journal, lock), relative to it."""
    return {k[len(rel) + 1:]: data for k, (_, data) in listing.items()
            if k.startswith(rel + "/") and not k[len(rel) + 1:].startswith(".ngff-migrate")}


def _lists(log: list[tuple[str, str]]) -> list[str]:
    """The ``prefix`` of every LIST request in the proxy's log."""
    out = []
    for method, path in log:
        query = parse_qs(urlsplit(path).query)
        if method == "GET" and "list-type" in query:
            out.append(query.get("prefix", [""])[0])
    return out


def _local_archive(tmp_path: Path, datasets: dict[str, Path]) -> Path:
    root = tmp_path / "local-archive"
    for rel, local in datasets.items():
        shutil.copytree(local, root / rel)
    return root


# --------------------------------------------------------------------------- no server needed


@pytest.mark.parametrize("args, why", [
    (["plan", "http://127.0.0.1:9/archive"], "cannot be listed"),
    (["batch", "https://127.0.0.1:9/archive", "--in-place"], "cannot be listed"),
    (["batch", "s3://bucket/archive", "--out", "http://127.0.0.1:9/out"], "HTTP"),
    (["batch", "s3://bucket/archive", "--in-place", "--retry-failed"], "--retry-failed needs a batch journal"),
    (["batch", "s3://bucket/archive", "--out", "/tmp/x", "--link"], "--link"),
    (["batch", "s3://bucket/archive", "--out", "/tmp/x", "--chunks", "1,1,32,32"], "re-encod"),
    (["batch", "s3://bucket/archive", "--out", "s3://bucket/archive/out"], "overlap"),
    (["plan", ".", "--endpoint-url", "http://127.0.0.1:9"], "apply to s3:// and http(s):// sources only"),
])
def test_what_a_prefix_batch_cannot_do_is_a_usage_error(args, why):
    """Refused before any request (no server runs here), exit 2 and the reason."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert why in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- plan


def test_plan_over_a_prefix_lists_once_and_equals_the_local_plan(s3, proxy, tmp_path):
    """Unmarked smoke test (the one of this file): one LIST, read-only, the local plan's figures."""
    endpoint, put = s3
    url = _upload(put, "plan/arc", ARCHIVE, broken=True)
    manifest = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", url, "--endpoint-url", proxy.endpoint, "--json", str(manifest)])
    assert result.exit_code == 1, result.output  # the broken dataset cannot be migrated
    assert "broken.zarr/zarr.json" in result.output
    assert _lists(proxy.log) == ["plan/arc/"]  # one listing of the prefix, nothing else listed
    assert {m for m, _ in proxy.log} <= {"GET", "HEAD"}  # read-only
    got = {d["rel"]: d for d in json.loads(manifest.read_text())["datasets"]}
    assert sorted(got) == sorted([*ARCHIVE, "broken.zarr"])
    assert got["broken.zarr"]["error"] and got["plate.zarr"]["layout"] == "bioformats2raw"
    assert got["plate.zarr"]["arrays"] > 0 and got["series.zarr"]["layout"] == "bioformats2raw"
    local = plan_tree(_local_archive(tmp_path, ARCHIVE))
    keys = ("layout", "version", "zarr_format", "arrays", "documents", "chunks", "nominal_bytes",
            "metadata_only", "reasons", "est_seconds_in_place", "est_seconds_copy", "error")
    for d in local.datasets:
        assert {k: got[d.rel][k] for k in keys} == {k: getattr(d, k) for k in keys}, d.rel


@pytest.mark.slow
def test_plan_over_a_prefix_in_worker_processes(s3, tmp_path):
    endpoint, put = s3
    url = _upload(put, "plan/jobs", SMALL)
    one, two = (plan_tree(url, jobs=jobs, endpoint_url=endpoint).to_json() for jobs in (1, 2))
    assert one["datasets"] == two["datasets"] and one["totals"]["datasets"] == len(SMALL)
    assert one["root"] == url


# --------------------------------------------------------------------------- batch in place


@pytest.mark.slow
def test_batch_in_place_rerun_skips_and_rollback_restores_the_listing(s3, proxy, tmp_path):
    endpoint, put = s3
    url = _upload(put, "inplace/arc", ARCHIVE)
    before = _listing(put.fs, url)
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["batch", url, "--in-place", "-j", "1", "--verify", "none", "--quiet",
                                 "--endpoint-url", proxy.endpoint, "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert {d["path"]: d["outcome"] for d in data["datasets"]} == dict.fromkeys(ARCHIVE, "migrated")
    # one listing of the prefix; the others only of each dataset's journal prefix (the in-place path)
    lists = _lists(proxy.log)
    assert lists.count("inplace/arc/") == 1
    assert all(p == "inplace/arc/" or p.endswith("/.ngff-migrate/") for p in lists), lists
    assert data["storage"]["requests"]["LIST"] == len(lists)
    assert data["storage"]["requests_total"] == len(proxy.log)  # counted on the wire
    after = _listing(put.fs, url)
    for rel, local in ARCHIVE.items():  # the same documents as a local in-place migration, byte for byte
        mine = tmp_path / "local" / rel
        shutil.copytree(local, mine)
        ngff_migrate.convert(mine, in_place=True, verify="none")
        expected = {k: v for k, v in tree_digest(mine).items() if not k.startswith(".ngff-migrate")}
        assert {k: hashlib.sha256(v).hexdigest() for k, v in _visible(after, rel).items()} == expected, rel
        assert ngff_migrate.validate(f"{url}/{rel}", endpoint_url=endpoint).ok
        assert json.loads(after[f"{rel}/.ngff-migrate/journal.json"][1])["state"] == "done"
        assert f"{rel}/.ngff-migrate.lock" not in after
    # a rerun skips every dataset: nothing written, nothing locked
    proxy.log.clear()
    html = tmp_path / "r.html"
    result = runner.invoke(app, ["batch", url, "--in-place", "-j", "1", "--endpoint-url", proxy.endpoint,
                                 "--report", str(report), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert url in html.read_text() and "done-earlier" in html.read_text()
    data = json.loads(report.read_text())
    assert {d["path"]: d["outcome"] for d in data["datasets"]} == dict.fromkeys(ARCHIVE, "done-earlier")
    assert {m for m, _ in proxy.log} == {"GET"} and _lists(proxy.log) == ["inplace/arc/"]
    assert _listing(put.fs, url) == after
    # rollback of the prefix: every dataset, the listing is the original one byte for byte
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    assert f"{len(ARCHIVE)} datasets" in result.output
    assert _listing(put.fs, url) == before
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 1 and "no in-place migration journal" in result.output


@pytest.mark.slow
def test_finalize_of_a_prefix_and_a_failed_dataset(s3, tmp_path):
    endpoint, put = s3
    url = _upload(put, "final/arc", {"x/image_v04.ome.zarr": V04}, broken=True)
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["batch", url, "--in-place", "-j", "2", "--endpoint-url", endpoint,
                                 "--storage-option", f"key={ACCESS}", "--storage-option", f"secret={SECRET}",
                                 "--report", str(report)])
    assert result.exit_code == 1, result.output  # the broken dataset fails, the image is migrated
    assert "broken.zarr/zarr.json" in result.output and "migrated 1" in result.output
    assert SECRET not in result.output and SECRET not in report.read_text()
    assert json.loads(report.read_text())["pool"] == "local:2"  # in worker processes, with the options
    result = runner.invoke(app, ["finalize", url, "--endpoint-url", endpoint, "--remove-v2-metadata"])
    assert result.exit_code == 0, result.output
    listing = _listing(put.fs, url)
    assert not any(".ngff-migrate" in k or k.endswith((".zarray", ".zattrs", ".zgroup")) for k in listing)
    assert ngff_migrate.validate(f"{url}/x/image_v04.ome.zarr", endpoint_url=endpoint).ok
    result = runner.invoke(app, ["batch", url, "--in-place", "-j", "1", "--endpoint-url", endpoint])
    assert "already-rfc8 1" in result.output  # finalized: an RFC-8 dataset, skipped


@pytest.mark.slow
def test_two_concurrent_batches_migrate_each_dataset_exactly_once(s3, tmp_path):
    endpoint, put = s3
    url = _upload(put, "twice/arc", SMALL)
    before = _listing(put.fs, url)
    cmd = [sys.executable, "-m", "ngff_migrate", "batch", url, "--in-place", "-j", "1", "--quiet",
           "--endpoint-url", endpoint, "--report"]
    children = [subprocess.Popen([*cmd, str(tmp_path / f"r{i}.json")], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for i in range(2)]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, out + err
    reports = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in range(2)]
    after = _listing(put.fs, url)
    for rel in SMALL:
        outcomes = sorted(next(d for d in r["datasets"] if d["path"] == rel)["outcome"] for r in reports)
        assert outcomes.count("migrated") == 1, (rel, outcomes)  # exactly once, by one of the two
        assert outcomes[0] in ("done-earlier", "skipped") or outcomes[1] in ("done-earlier", "skipped"), outcomes
        journal = json.loads(after[f"{rel}/.ngff-migrate/journal.json"][1])
        assert journal["state"] == "done"
        backups = {k for k in after if k.startswith(f"{rel}/.ngff-migrate/backup/")}
        replaced = {e["path"] for e in journal["entries"] if e["action"] == "replaced"}
        assert backups == {f"{rel}/.ngff-migrate/backup/{p}" for p in replaced}  # one migration's backups
        for p in replaced:  # ... of the original bytes, not of a first run's output
            assert after[f"{rel}/.ngff-migrate/backup/{p}"] == before[f"{rel}/{p}"]
        assert ngff_migrate.validate(f"{url}/{rel}", endpoint_url=endpoint).ok
    assert not any(k.endswith(".ngff-migrate.lock") for k in after)
    for d in (d for r in reports for d in r["datasets"] if d["outcome"] == "skipped"):
        assert "locked by another run" in d["reason"] and d["error"] is None  # left to the other, not failed
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    assert _listing(put.fs, url) == before


@pytest.mark.slow
def test_a_killed_batch_is_finished_by_a_rerun(s3, proxy, tmp_path):
    """kill -9 of a batch while the 0.4 image's 4th document is being written: the rerun takes the
    dead run's lock over, rolls that dataset back, migrates it again and skips what was done."""
    endpoint, put = s3
    datasets = {"a/image_v05.ome.zarr": V05, "b/image_v04.ome.zarr": V04, "c/fake-series-2.zarr": BF2RAW}
    url = _upload(put, "killed/arc", datasets)
    before = _listing(put.fs, url)
    writes = []

    def hold(method: str, path: str) -> bool:
        path = path.split("?")[0]
        if method == "PUT" and "/b/image_v04.ome.zarr/" in path and path.endswith("/zarr.json") \
                and ".ngff-migrate" not in path:
            writes.append(path)
        return len(writes) == 4

    proxy.hold = hold
    child = subprocess.Popen([sys.executable, "-m", "ngff_migrate", "batch", url, "--in-place", "-j", "1",
                              "--endpoint-url", proxy.endpoint], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proxy.holding.wait(120), child.communicate()
    child.kill()
    child.wait()
    proxy.drop = True
    proxy.release.set()
    mid = _listing(put.fs, url)
    assert json.loads(mid["b/image_v04.ome.zarr/.ngff-migrate/journal.json"][1])["state"] == "writing"
    assert "b/image_v04.ome.zarr/.ngff-migrate.lock" in mid  # left by the dead run
    report = tmp_path / "r.json"
    result = runner.invoke(app, ["batch", url, "--in-place", "-j", "1", "--endpoint-url", endpoint,
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    got = {d["path"]: d for d in json.loads(report.read_text())["datasets"]}
    assert {rel: d["outcome"] for rel, d in got.items()} == {
        "a/image_v05.ome.zarr": "done-earlier", "b/image_v04.ome.zarr": "migrated",
        "c/fake-series-2.zarr": "migrated"}
    assert "rolled back an interrupted in-place migration" in got["b/image_v04.ome.zarr"]["recovered"]
    after = _listing(put.fs, url)
    for rel in datasets:
        assert ngff_migrate.validate(f"{url}/{rel}", endpoint_url=endpoint).ok
        assert json.loads(after[f"{rel}/.ngff-migrate/journal.json"][1])["state"] == "done"
    result = runner.invoke(app, ["rollback", url, "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    assert _listing(put.fs, url) == before


# --------------------------------------------------------------------------- batch copies


@pytest.mark.slow
def test_batch_copy_from_a_prefix_to_local_and_to_s3(s3, tmp_path):
    endpoint, put = s3
    url = _upload(put, "copy/arc", SMALL)
    before = _listing(put.fs, url)
    dest = tmp_path / "dest"
    result = runner.invoke(app, ["batch", url, "--out", str(dest), "-j", "2", "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    s3_dest = f"s3://{BUCKET}/copy/out"
    result = runner.invoke(app, ["batch", url, "--out", s3_dest, "-j", "1", "--endpoint-url", endpoint])
    assert result.exit_code == 0, result.output
    copied = _listing(put.fs, s3_dest)
    for rel, local in SMALL.items():  # each output equals a local copy of the same dataset, file for file
        named = tmp_path / "named" / rel  # the same name as on S3: names derive from it
        shutil.copytree(local, named)
        expected = tmp_path / "expected" / rel
        expected.parent.mkdir(parents=True, exist_ok=True)
        ngff_migrate.convert(named, expected)
        assert tree_digest(dest / rel) == tree_digest(expected), rel
        assert {k: hashlib.sha256(v).hexdigest() for k, v in _visible(copied, rel).items()} == \
            tree_digest(expected), rel
    assert _listing(put.fs, url) == before  # the source is read-only
    result = runner.invoke(app, ["batch", url, "--out", str(dest), "-j", "1", "--endpoint-url", endpoint])
    assert result.exit_code == 0 and f"done-earlier {len(SMALL)}" in result.output, result.output
