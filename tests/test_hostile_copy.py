"""A copy never writes a relative path that would name another target from the
destination (issue #11, item 5; RFC-8 v1 §Security; formats/rfc8/escaping.py).

The hostile input: an RFC-8 collection whose child stub points at ``../outside.zarr``,
a real RFC-8 multiscale next to the collection. Copied unchanged, the stub would name
whatever sits next to the destination.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hardening_util import cli, full_digest

import ngff_migrate
from ngff_migrate.storage.sandbox import OutsideRootError


@pytest.fixture
def hostile(pristine, tmp_path) -> tuple[Path, Path]:
    """``area/coll.zarr`` (the collection) and ``area/outside.zarr`` (its escaping target)."""
    area = tmp_path / "area"
    area.mkdir()
    outside = area / "outside.zarr"
    ngff_migrate.convert(pristine["v04_plain"], outside, verify="none")
    root = area / "coll.zarr"
    root.mkdir()
    (root / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.x", "type": "collection", "name": "hostile", "nodes": [
            {"type": "multiscale", "name": "up", "path": {"type": "zarr", "path": "../outside.zarr"}},
        ]}}}))
    return root, outside


def _stub_path(root: Path) -> str:
    doc = json.loads((root / "zarr.json").read_text())
    return doc["attributes"]["ome"]["nodes"][0]["path"]["path"]


def test_copy_refuses_an_escaping_path_without_allow_outside(hostile, tmp_path):
    root, outside = hostile
    before = full_digest(root.parent)
    dst = tmp_path / "elsewhere" / "deeper" / "coll.zarr"
    with pytest.raises(OutsideRootError) as exc:
        ngff_migrate.convert(root, dst)
    assert exc.value.path == str(root / "zarr.json")
    assert "ome.nodes[0].path" in exc.value.problem and "../outside.zarr" in exc.value.problem
    assert not dst.exists()
    result = cli("convert", root, dst, "-q")
    assert result.exit_code == 1, result.output
    assert "--allow-outside" in result.output and "Traceback" not in result.output
    assert full_digest(root.parent) == before


def test_copy_with_allow_outside_rewrites_the_path_to_the_same_target(hostile, tmp_path):
    root, outside = hostile
    before = full_digest(root.parent)
    dst = tmp_path / "elsewhere" / "deeper" / "coll.zarr"
    dst.parent.mkdir(parents=True)
    report = ngff_migrate.convert(root, dst, allow_outside=True)
    new = _stub_path(dst)
    assert new != "../outside.zarr"
    assert os.path.realpath(dst / new) == os.path.realpath(outside)  # the same target
    assert (dst / new / "zarr.json").is_file()
    assert any("rewritten" in w and "ome.nodes[0].path" in w for w in report.warnings)
    assert report.verification["reverse_map"]["equal"], report.verification
    assert ngff_migrate.validate(dst).ok
    assert full_digest(root.parent) == before  # the source and its neighbour untouched


def test_in_place_keeps_the_escaping_path(hostile):
    root, _ = hostile
    ngff_migrate.convert(root, in_place=True, verify="none")
    assert _stub_path(root) == "../outside.zarr"


def test_a_draft_plain_string_path_is_rewritten_too(hostile, tmp_path):
    root, outside = hostile
    doc = json.loads((root / "zarr.json").read_text())
    doc["attributes"]["ome"]["version"] = "0.6.dev3"
    doc["attributes"]["ome"]["nodes"][0]["path"] = "../outside.zarr"
    (root / "zarr.json").write_text(json.dumps(doc))
    dst = tmp_path / "x" / "coll.zarr"
    dst.parent.mkdir()
    with pytest.raises(OutsideRootError):
        ngff_migrate.convert(root, dst)
    ngff_migrate.convert(root, dst, allow_outside=True, verify="none")
    assert os.path.realpath(dst / _stub_path(dst)) == os.path.realpath(outside)


def test_copy_to_another_store_is_refused_even_with_allow_outside(hostile, s3):
    from s3_server import BUCKET

    root, _ = hostile
    endpoint, put = s3
    with pytest.raises(OutsideRootError, match="another store"):
        ngff_migrate.convert(root, f"s3://{BUCKET}/hostile/coll.zarr", allow_outside=True, endpoint_url=endpoint)
    assert not put.fs.exists(f"{BUCKET}/hostile/coll.zarr/zarr.json")


def _collection(path: Path, *children: str) -> None:
    """An RFC-8 collection at ``path`` whose child stubs name ``children`` (none: no child)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.x", "type": "collection", "name": path.name, "nodes": [
            {"type": "collection", "name": f"child{i}", "path": {"type": "zarr", "path": child}}
            for i, child in enumerate(children)]}}}))


@pytest.mark.parametrize("shape", ["self", "pair", "json"])
def test_a_reference_cycle_ends_with_a_clear_error(tmp_path, shape):
    root = tmp_path / "cyc.zarr"
    if shape == "self":
        _collection(root, ".")
    elif shape == "pair":
        _collection(root, "./a")
        _collection(root / "a", "..")
    else:
        _collection(root, "./a")
        (root / "a").rmdir() if (root / "a").exists() else None
        (root / "b.json").write_text(json.dumps({"ome": {"version": "0.x", "type": "collection", "name": "b",
                                                        "nodes": [{"type": "collection", "name": "back",
                                                                   "path": {"type": "zarr", "path": "."}}]}}))
        _collection(root / "a", "../b.json")
        doc = json.loads((root / "a" / "zarr.json").read_text())
        doc["attributes"]["ome"]["nodes"][0]["path"] = {"type": "json", "path": "../b.json"}
        (root / "a" / "zarr.json").write_text(json.dumps(doc))
    from ngff_migrate.errors import MigrateError

    with pytest.raises(MigrateError, match="reference cycle"):
        ngff_migrate.plan(root)
    for args in (("inspect", root), ("convert", root, tmp_path / "out.zarr")):
        result = cli(*args)
        assert result.exit_code == 1 and "reference cycle" in result.output, result.output
        assert "Traceback" not in result.output
    found = ngff_migrate.validate(root)
    assert [v.rule for v in found.violations] == ["path-acyclic"], [v.one_line() for v in found.violations]


def test_a_cycle_through_a_second_referrer_is_found(tmp_path):
    # root -> a, root -> b, a -> b, b -> a: every document is first reached from the root
    root = tmp_path / "cyc.zarr"
    _collection(root, "./a", "./b")
    _collection(root / "a", "../b")
    _collection(root / "b", "../a")
    from ngff_migrate.errors import MigrateError

    with pytest.raises(MigrateError, match=r"reference cycle across documents: (a/zarr.json -> b/zarr.json -> "
                                           r"a/zarr.json|b/zarr.json -> a/zarr.json -> b/zarr.json)"):
        ngff_migrate.plan(root)
    assert [v.rule for v in ngff_migrate.validate(root).violations] == ["path-acyclic"]


def test_a_document_named_twice_is_no_cycle(tmp_path):
    root = tmp_path / "dag.zarr"
    _collection(root, "./a", "./b")
    _collection(root / "a", "../b")
    _collection(root / "b")
    ngff_migrate.plan(root)
    assert not any(v.rule == "path-acyclic" for v in ngff_migrate.validate(root).violations)


def test_a_cycle_through_a_folder_with_a_space_is_found(tmp_path):
    root = tmp_path / "cyc.zarr"
    _collection(root, "./my plate")
    _collection(root / "my plate", "..")
    from ngff_migrate.errors import MigrateError

    with pytest.raises(MigrateError, match="reference cycle across documents: .*my plate/zarr.json"):
        ngff_migrate.plan(root)
