"""Read-only remote sources (issue #11 item 1, issue #8 item 4; docs/storage.md).

Real servers on loopback, no mocks: moto's S3 server (``ThreadedMotoServer``)
with data uploaded through s3fs, and ``http.server`` serving a directory.
Inputs: the 0.4 (Zarr v2) and 0.5 (Zarr v3) sample images, a plate (a
bioformats2raw-wrapped HCS plate with its OME-XML) from tests/data/hcs and a
0.6 scene whose chunks are all absent (metadata only).
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import tree_digest
from s3_server import ACCESS, BUCKET, SECRET
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.errors import UsageError
from ngff_migrate.storage.location import fold, open_location, redact, remote_inside, resolve_member
from ngff_migrate.storage.sandbox import OutsideRootError

REPO = Path(__file__).resolve().parent.parent
INPUTS = {
    "image_v04.ome.zarr": REPO / "sample_data" / "image_v04.ome.zarr",
    "image_v05.ome.zarr": REPO / "sample_data" / "image_v05.ome.zarr",
    "ome2024-hcs.zarr": REPO / "tests" / "data" / "hcs" / "ome2024-hcs.zarr",
    "stitched_tiles_2d.zarr": REPO / "tests" / "data" / "v06" / "real" / "ome-zarr-models-py" / "stitched_tiles_2d.zarr",
}
runner = CliRunner()


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[tuple[str, str]] = []
    authorizations: list[str] = []

    def log_message(self, format, *args):  # quiet: the requests are recorded instead
        _Handler.requests.append((self.command, self.path))
        if self.headers.get("Authorization"):
            _Handler.authorizations.append(self.headers["Authorization"])


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # zarr-python's concurrent reads overflow the default backlog of 5
    daemon_threads = True


@pytest.fixture(scope="session")
def web(tmp_path_factory):
    """``python -m http.server``'s handler on 127.0.0.1, serving a directory.

    Yields ``(base URL, served directory)``; every request is recorded in
    ``_Handler.requests``.
    """
    www = tmp_path_factory.mktemp("www")
    for name, src in INPUTS.items():
        shutil.copytree(src, www / name)
    server = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()


def _tree(root: Path) -> tuple[dict[str, str], set[str]]:
    """Every file's digest and every directory: the byte-identity oracle of two outputs."""
    return tree_digest(root), {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def _inspect_documents(source, **options):
    return ngff_migrate.inspect(source, **options).documents


def _listing_requests(www: Path) -> list[str]:
    """Requests for a directory of the served tree (a listing), which an HTTP source must never need."""
    return [path for _, path in _Handler.requests if (www / unquote(path.split("?")[0]).lstrip("/")).is_dir()]


# --------------------------------------------------------------------------- fast checks


def test_location_rules():
    """The pure rules of storage/location.py: folding, same-store resolution, redaction."""
    assert fold("/a/b/../c/./d") == "/a/c/d"
    assert fold("/a/../../b") == "/b" and fold("/a/../../b", strict=True) is None
    root = open_location("s3://bucket/pre/img.zarr", anon=True)
    assert str(resolve_member(root / "labels", "../x")) == "s3://bucket/pre/img.zarr/x"
    assert str(resolve_member(root, "/top")) == "s3://bucket/top"
    assert resolve_member(root, "s3://other/x") is None  # another bucket: never
    assert resolve_member(root, "../../../../../other/x") is None  # above the top of the bucket
    assert remote_inside(root, root / "a" / "b") and not remote_inside(root, root / ".." / "b")
    assert not remote_inside(root, open_location("s3://other/pre/img.zarr/a", anon=True))
    http = open_location("http://127.0.0.1:9/data/img.zarr/")
    assert str(http) == "http://127.0.0.1:9/data/img.zarr"
    assert resolve_member(http, "http://evil.example/x") is None
    assert remote_inside(http, resolve_member(http / "labels", "../a"))
    text = redact("https://user:pw@h.example/a?X-Amz-Signature=abc123 and secret=s3cr3t")
    assert "pw" not in text and "abc123" not in text and "s3cr3t" not in text
    assert "https://***@h.example/a?<redacted>" in text
    open_location("s3://bucket/x", storage_options={"secret": "opt-secret-987"})  # remembered, not fetched
    error = ngff_migrate.errors.MigrateError("s3://bucket/x", "botocore said: bad signature for opt-secret-987")
    assert "opt-secret-987" not in error.one_line() and "***" in error.one_line()


def test_location_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="query string"):
        open_location("https://h.example/img.zarr?X-Amz-Signature=abc")
    with pytest.raises(UsageError, match="not supported"):
        open_location("gs://bucket/img.zarr")
    with pytest.raises(UsageError, match="s3:// and http"):
        open_location(tmp_path, endpoint_url="http://127.0.0.1:9")
    with pytest.raises(UsageError, match="s3:// sources only"):
        open_location("http://127.0.0.1:9/img.zarr", anon=True)
    assert open_location(f"file://{tmp_path}") == tmp_path


@pytest.mark.parametrize("args, why", [
    (["convert", "--in-place", "{http}/image_v05.ome.zarr"], "read-only and cannot be listed"),
    (["rollback", "{http}/image_v05.ome.zarr"], "read-only and cannot be listed"),
    (["plan", "{http}/archive"], "read-only and cannot be listed"),
    (["batch", "{http}/archive", "--out", "{tmp}/out"], "read-only and cannot be listed"),
    (["batch", "{tmp}", "--out", "s3://bucket/out"], "from an s3:// ROOT only"),
    (["convert", "{http}/image_v05.ome.zarr", "{tmp}/out", "--link"], "--link"),
    (["convert", "{http}/image_v05.ome.zarr", "{http}/out"], "HTTP is read-only"),
    (["convert", "{http}/image_v05.ome.zarr", "{tmp}/out", "--chunks", "32,32,32,32", "--scheduler",
      "tcp://127.0.0.1:9"], "dask.distributed"),
])
def test_remote_where_a_local_store_is_needed_is_a_usage_error(args, why, tmp_path):
    """No server needed: these are refused before any request (exit 2, saying why)."""
    http = "http://127.0.0.1:9"
    result = runner.invoke(app, [a.format(http=http, tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert why in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_http_inspect_smoke(web):
    """Unmarked smoke test: a 0.5 image over HTTP inspects as the local copy does, with no listing."""
    base, www = web
    _Handler.requests.clear()
    assert _inspect_documents(f"{base}/image_v05.ome.zarr") == _inspect_documents(www / "image_v05.ome.zarr")
    assert _Handler.requests and not _listing_requests(www), _Handler.requests
    result = runner.invoke(app, ["inspect", f"{base}/image_v05.ome.zarr"])
    assert result.exit_code == 0, result.output
    assert f"{base}/image_v05.ome.zarr" in result.output and "multiscale" in result.output


def test_s3_inspect_smoke(s3):
    """Unmarked smoke test: a 0.5 image on S3 (moto) inspects as the local one does."""
    endpoint, put = s3
    url = put(INPUTS["image_v05.ome.zarr"], "smoke/image_v05.ome.zarr")
    assert _inspect_documents(url, endpoint_url=endpoint) == _inspect_documents(INPUTS["image_v05.ome.zarr"])


def test_help_and_local_runs_import_no_remote_client(tmp_path):
    """universal_pathlib, s3fs, fsspec and aiohttp load only when a URL is opened."""
    code = ("import sys\n"
            "from ngff_migrate.cli import main\n"
            "sys.argv = ['ngff-migrate', 'inspect', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "mods = {m.split('.')[0] for m in sys.modules}\n"
            "print(sorted(mods & {'upath', 's3fs', 'fsspec', 'aiohttp', 'aiobotocore', 'botocore'}))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(INPUTS["image_v04.ome.zarr"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------- copies


def _local_convert(name: str, tmp_path: Path, src: Path | None = None) -> Path:
    out = tmp_path / f"local-{name}"
    ngff_migrate.convert(src or INPUTS[name], out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(INPUTS))
def test_s3_convert_is_byte_identical_to_a_local_convert(s3, name, tmp_path):
    endpoint, put = s3
    url = put(INPUTS[name], f"copy/{name}")
    assert _inspect_documents(url, endpoint_url=endpoint) == _inspect_documents(INPUTS[name])
    out = tmp_path / "remote.zarr"
    report = ngff_migrate.convert(url, out, endpoint_url=endpoint)
    assert report.status == "done" and report.source == url
    assert report.verification["chunks_compared"] > 0
    assert bool(report.verification["missing_chunks"]) == (name == "stitched_tiles_2d.zarr")
    assert _tree(out) == _tree(_local_convert(name, tmp_path))
    assert ngff_migrate.validate(out).ok


@pytest.mark.slow
@pytest.mark.parametrize("name", list(INPUTS))
def test_http_convert_is_byte_identical_to_a_local_convert(web, name, tmp_path):
    base, www = web
    _Handler.requests.clear()
    out = tmp_path / "remote.zarr"
    report = ngff_migrate.convert(f"{base}/{name}", out)
    assert report.status == "done"
    assert (report.write.objects_absent == 0) == (name != "stitched_tiles_2d.zarr")
    assert not _listing_requests(www), "an HTTP source was listed"
    assert _tree(out) == _tree(_local_convert(name, tmp_path, www / name))
    assert ngff_migrate.validate(out).ok


@pytest.mark.slow
def test_cli_convert_from_s3_with_endpoint_and_storage_option(s3, tmp_path):
    endpoint, put = s3
    url = put(INPUTS["image_v05.ome.zarr"], "cli/image_v05.ome.zarr")
    out, report = tmp_path / "out.zarr", tmp_path / "report.json"
    page = tmp_path / "page.html"
    result = runner.invoke(app, ["convert", url, str(out), "--endpoint-url", endpoint, "--report", str(report),
                                 "--storage-option", f"secret={SECRET}", "--storage-option", f"key={ACCESS}",
                                 "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["source"] == url
    assert SECRET not in report.read_text() and SECRET not in page.read_text()
    for command in ("inspect", "validate"):  # their pages read the remote tree (and its thumbnails)
        target = url if command == "inspect" else put(out, "cli/out.zarr")
        result = runner.invoke(app, [command, target, "--endpoint-url", endpoint, "--html", str(page)])
        assert result.exit_code == 0, result.output
        assert "<html" in page.read_text()
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_http_missing_chunk_is_absent_and_verification_passes(web, tmp_path):
    """A chunk the server answers 404 for is an absent chunk: the fill value, not an error."""
    import numpy as np
    import zarr

    base, www = web
    name = "sparse_v05.ome.zarr"
    if not (www / name).exists():
        shutil.copytree(INPUTS["image_v05.ome.zarr"], www / name)
        (www / name / "s0" / "c" / "0" / "0" / "0" / "0").unlink()
    out = tmp_path / "out.zarr"
    report = ngff_migrate.convert(f"{base}/{name}", out, verify="full")
    assert report.write.objects_absent == 1
    assert report.verification["missing_chunks"] == ["s0/c/0/0/0/0"]
    assert not (out / "s0" / "c" / "0" / "0" / "0" / "0").exists()
    assert _tree(out) == _tree(_local_convert(name, tmp_path, www / name))
    level = zarr.open_array(out / "s0", mode="r")
    block = level[tuple(slice(0, c) for c in level.chunks)]
    assert np.all(block == level.fill_value)


# --------------------------------------------------------------------------- RFC-8 trees and security


@pytest.fixture(scope="session")
def rfc8_tree(tmp_path_factory):
    """An RFC-8 tree: the 0.4 sample image with labels converted locally."""
    out = tmp_path_factory.mktemp("rfc8") / "image.rfc8.zarr"
    ngff_migrate.convert(INPUTS["image_v04.ome.zarr"], out)
    return out


@pytest.mark.slow
def test_validate_an_rfc8_tree_on_s3_and_http(s3, web, rfc8_tree):
    endpoint, put = s3
    url = put(rfc8_tree, "rfc8/image.rfc8.zarr")
    result = ngff_migrate.validate(url, endpoint_url=endpoint)
    local = ngff_migrate.validate(rfc8_tree)
    assert result.ok, result.violations
    assert result.documents == local.documents and result.arrays == local.arrays
    cli = runner.invoke(app, ["validate", url, "--endpoint-url", endpoint])
    assert cli.exit_code == 0 and "valid" in cli.output, cli.output
    base, www = web
    shutil.copytree(rfc8_tree, www / "image.rfc8.zarr", dirs_exist_ok=True)
    _Handler.requests.clear()
    assert ngff_migrate.validate(f"{base}/image.rfc8.zarr").ok
    assert not _listing_requests(www)


def _hostile_image(tmp_path: Path, labels: list[str]) -> Path:
    src = tmp_path / "img.zarr"
    shutil.copytree(INPUTS["image_v04.ome.zarr"], src)
    (src / "labels" / ".zattrs").write_text(json.dumps({"labels": labels}))
    return src


@pytest.mark.slow
def test_label_path_leaving_the_s3_root_is_refused_without_allow_outside(s3, tmp_path):
    endpoint, put = s3
    src = _hostile_image(tmp_path, ["../../outside_labels"])
    url = put(src, "hostile/img.zarr")
    put(INPUTS["image_v04.ome.zarr"] / "labels" / "cells", "hostile/outside_labels")
    with pytest.raises(OutsideRootError, match="--allow-outside") as info:
        ngff_migrate.inspect(url, endpoint_url=endpoint)
    assert f"{url}/labels/.zattrs" in str(info.value)
    found = ngff_migrate.inspect(url, endpoint_url=endpoint, allow_outside=True)  # same bucket: consented
    assert any("hostile/outside_labels/s0" in str(a.source.directory) for a in found.plan.arrays)
    result = runner.invoke(app, ["inspect", url, "--endpoint-url", endpoint])
    assert result.exit_code == 1 and "--allow-outside" in result.output and "Traceback" not in result.output
    # a path above the top of the bucket names another bucket: never read, whatever the consent
    src2 = _hostile_image(tmp_path / "b", ["../../../../../other-bucket/labels"])
    url2 = put(src2, "hostile2/img.zarr")
    with pytest.raises(OutsideRootError, match="another store"):
        ngff_migrate.inspect(url2, endpoint_url=endpoint, allow_outside=True)


@pytest.mark.slow
def test_rfc8_paths_leaving_the_s3_root_are_not_followed(s3, rfc8_tree, tmp_path):
    endpoint, put = s3
    tree = tmp_path / "tree.zarr"
    shutil.copytree(rfc8_tree, tree)
    doc = json.loads((tree / "zarr.json").read_text())
    nodes = doc["attributes"]["ome"]["nodes"]
    nodes.append({"type": "collection", "id": "outside", "name": "outside",
                  "path": {"type": "zarr", "path": "../elsewhere.zarr"}})
    nodes.append({"type": "collection", "id": "other", "name": "other",
                  "path": {"type": "json", "path": f"s3://other-{BUCKET}/x.json"}})
    (tree / "zarr.json").write_text(json.dumps(doc))
    url = put(tree, "rfc8-hostile/tree.zarr")
    put(rfc8_tree / "labels" / "cells", "rfc8-hostile/elsewhere.zarr")
    result = ngff_migrate.validate(url, endpoint_url=endpoint)
    assert any("leaves the root; not followed" in w for w in result.warnings), result.warnings
    assert any("not fetched" in w for w in result.warnings), result.warnings
    assert not any("elsewhere" in d for d in result.documents)
    allowed = ngff_migrate.validate(url, endpoint_url=endpoint, allow_outside=True)
    assert any("elsewhere" in d for d in allowed.documents), allowed.documents
    assert any("not fetched" in w for w in allowed.warnings)  # another bucket: never


@pytest.mark.slow
def test_errors_name_the_object_with_credentials_redacted(s3, web, tmp_path):
    endpoint, put = s3
    secret = "TOPSECRET-value-123"
    result = runner.invoke(app, ["inspect", f"s3://{BUCKET}/no/such.zarr", "--endpoint-url", endpoint,
                                 "--storage-option", f"key={ACCESS}", "--storage-option", f"secret={secret}"])
    assert result.exit_code == 1, result.output
    assert f"s3://{BUCKET}/no/such.zarr" in result.output and secret not in result.output
    base, _ = web
    user_url = base.replace("http://", "http://alice:hunter2@") + "/missing.zarr"
    result = runner.invoke(app, ["convert", user_url, str(tmp_path / "out"),
                                 "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 1, result.output
    assert "hunter2" not in result.output and f"{base}/missing.zarr" in result.output
    assert "hunter2" not in (tmp_path / "r.json").read_text()
    assert _Handler.authorizations and _Handler.authorizations[-1].startswith("Basic ")  # sent, not shown
    # a missing array of an otherwise readable image names the object that is missing
    src = tmp_path / "broken.zarr"
    shutil.copytree(INPUTS["image_v04.ome.zarr"], src)
    (src / "s1" / ".zarray").unlink()
    url = put(src, "broken/img.zarr")
    with pytest.raises(ngff_migrate.errors.MigrateError) as info:
        ngff_migrate.inspect(url, endpoint_url=endpoint)
    assert f"{url}/s1" in str(info.value)
