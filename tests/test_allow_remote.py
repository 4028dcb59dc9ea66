"""URLs inside documents are never fetched without ``--allow-remote`` (issue #11, item 5;
RFC-8 v1 §Security); ``validate`` reports each one as a finding with a rule id.

A local RFC-8 collection names a multiscale served by ``http.server`` on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app

runner = CliRunner()


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format, *args):  # quiet: record instead
        _Handler.requests.append(self.path)


@pytest.fixture
def served(pristine, tmp_path):
    """``(collection root, server URL of a served RFC-8 multiscale)``."""
    www = tmp_path / "www"
    www.mkdir()
    ngff_migrate.convert(pristine["v04_plain"], www / "img.zarr", verify="none")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/img.zarr"
    root = tmp_path / "coll.zarr"
    root.mkdir()
    (root / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.x", "type": "collection", "name": "with a remote child", "nodes": [
            {"type": "multiscale", "name": "remote", "path": {"type": "zarr", "path": url}}]}}}))
    _Handler.requests.clear()
    try:
        yield root, url
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_is_a_finding_and_never_fetched_without_allow_remote(served):
    root, url = served
    result = ngff_migrate.validate(root)
    assert result.ok
    assert [(f.rule, f.file, f.location) for f in result.findings] == [("path-remote", "zarr.json",
                                                                         "ome.nodes[0].path")]
    assert any(w.startswith("[path-remote]") and url in w for w in result.warnings)
    assert result.fetched == []
    assert _Handler.requests == []  # not one request
    for args in (("validate", str(root)), ("inspect", str(root)), ("convert", str(root), str(root.parent / "o"))):
        out = runner.invoke(app, list(args))
        assert out.exit_code == 0, out.output
    assert _Handler.requests == []


def test_allow_remote_fetches_and_checks_the_document(served):
    root, url = served
    result = ngff_migrate.validate(root, allow_remote=True)
    assert result.ok, [v.one_line() for v in result.violations]
    assert result.fetched == [f"{url}/zarr.json"]
    assert f"{url}/zarr.json" in result.documents
    assert "/img.zarr/zarr.json" in _Handler.requests
    # its own relative paths (its levels) stay unfollowed: one hop only
    assert any(f.rule == "path-remote" and "fetched remote document" in f.message for f in result.findings)
    out = runner.invoke(app, ["validate", "--allow-remote", str(root)])
    assert out.exit_code == 0 and "valid" in out.output, out.output


def test_allow_remote_reports_a_stub_that_does_not_match(served):
    root, url = served
    doc = json.loads((root / "zarr.json").read_text())
    doc["attributes"]["ome"]["nodes"][0]["type"] = "collection"
    (root / "zarr.json").write_text(json.dumps(doc))
    assert ngff_migrate.validate(root).ok  # not fetched: nothing to compare
    result = ngff_migrate.validate(root, allow_remote=True)
    assert [v.rule for v in result.violations] == ["stub-type-matches"]
    out = runner.invoke(app, ["validate", "--allow-remote", str(root)])
    assert out.exit_code == 1 and "stub-type-matches" in out.output, out.output


def test_allow_remote_reports_a_missing_remote_document(served):
    root, url = served
    doc = json.loads((root / "zarr.json").read_text())
    doc["attributes"]["ome"]["nodes"][0]["path"]["path"] = url.replace("img.zarr", "absent.zarr")
    (root / "zarr.json").write_text(json.dumps(doc))
    result = ngff_migrate.validate(root, allow_remote=True)
    assert [v.rule for v in result.violations] == ["path-resolves"]


def test_a_fetched_document_never_makes_us_fetch_another(served, tmp_path):
    root, url = served
    www = tmp_path / "www"
    doc = json.loads((www / "img.zarr" / "zarr.json").read_text())
    # the served document names yet another URL (the same server, so a request would be seen)
    doc["attributes"]["ome"]["nodes"][0]["path"] = {"type": "zarr", "path": url.replace("img.zarr", "next.zarr")}
    (www / "img.zarr" / "zarr.json").write_text(json.dumps(doc))
    result = ngff_migrate.validate(root, allow_remote=True)
    assert "/next.zarr/zarr.json" not in _Handler.requests
    assert not any("next.zarr" in p for p in _Handler.requests)
    assert any(f.rule == "path-remote" and "next.zarr" in f.message for f in result.findings)
