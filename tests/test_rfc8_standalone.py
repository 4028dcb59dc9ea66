"""A standalone RFC-8 JSON document (RFC-8 "Metadata storage", ``json`` path type)
as the entry point of inspect, convert (copy and in place) and validate.

Input: ``plain/external_collection`` of normanrz/ngff-rfc8-collection-examples
(tests/data/rfc8/PROVENANCE.md): a draft-0.8 parent collection that points
at a child collection through a ``json`` path, whose node refers back with a
``{"ref": ...}`` draft reference under a prefixed key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from checks import assert_documents_valid  # noqa: F401  (the rule checks used below)
from conftest import tree_digest
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.rfc8.rules import check_document

DATA = Path(__file__).parent / "data" / "rfc8" / "external_collection"
runner = CliRunner()


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "external_collection"
    shutil.copytree(DATA, dst)
    return dst


def test_inspect_a_standalone_document(tmp_path):
    src = _copy(tmp_path)
    found = ngff_migrate.inspect(src / "parent_collection.json")
    assert found.detection.layout == "rfc8" and found.detection.version == "0.8"
    assert set(found.documents) == {"parent_collection.json", "child_collection.json"}
    assert found.documents["parent_collection.json"]["ome"]["version"] == "0.x"
    result = runner.invoke(app, ["inspect", str(src / "parent_collection.json")])
    assert result.exit_code == 0 and "not a directory" not in result.output, result.output
    assert "normalise 2 document(s)" in result.output


def test_copy_then_validate(tmp_path):
    src = _copy(tmp_path)
    before = tree_digest(src)
    out = tmp_path / "out"
    report = ngff_migrate.convert(src / "parent_collection.json", out)
    assert report.status == "done" and report.entry == "parent_collection.json"
    assert tree_digest(src) == before
    parent = json.loads((out / "parent_collection.json").read_text())["ome"]
    child = json.loads((out / "child_collection.json").read_text())["ome"]
    assert parent["version"] == "0.x" and "version" in child
    assert check_document(parent) == [] and check_document(child) == []
    assert ngff_migrate.validate(out / "parent_collection.json").ok
    # the file next to them that nothing references is copied verbatim
    assert (out / "resolved_collection.json").read_bytes() == (src / "resolved_collection.json").read_bytes()
    result = runner.invoke(app, ["validate", str(out / "parent_collection.json")])
    assert result.exit_code == 0, result.output


def test_in_place_and_rollback(tmp_path):
    src = _copy(tmp_path)
    before = tree_digest(src)
    entry = src / "parent_collection.json"
    result = runner.invoke(app, ["convert", "--in-place", str(entry), "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(entry.read_text())["ome"]["version"] == "0.x"
    assert (src / ".ngff-migrate" / "journal.json").is_file()
    result = runner.invoke(app, ["rollback", str(entry)])
    assert result.exit_code == 0, result.output
    assert tree_digest(src) == before


def test_a_json_file_that_is_not_rfc8_is_refused(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    result = runner.invoke(app, ["inspect", str(bad)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "notes.json" in result.output and "standalone RFC-8" in result.output
