"""RFC-8 inputs: RFC-8 v1 trees (ours or others') and earlier drafts are
normalised to RFC-8 v1 and re-stamped; our own output converts to itself.

Data: ``tests/data/rfc8_inputs/`` (normanrz/ngff-rfc8-collection-examples,
see its PROVENANCE.md) and small trees written here.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from conftest import tree_digest

import ngff_migrate
from ngff_migrate.errors import MigrateError
from ngff_migrate.formats.ngff_image.translate import TranslateOptions
from ngff_migrate.formats.rfc8.normalise import normalise_ome, translate_rfc8
from ngff_migrate.formats.rfc8.read import read_rfc8_tree
from ngff_migrate.report.model import WriteStats
from ngff_migrate.rfc8.rules import check_document
from ngff_migrate.rfc8.serialize import dump_document, parse_document
from ngff_migrate.verify.pixels import verify_output
from ngff_migrate.write.copy import migrate_copy
from ngff_migrate.write.journal import JOURNAL_DIR

DATA = Path(__file__).parent / "data"
INPUTS = DATA / "rfc8_inputs"
GROUP_TREES = [
    "gen_collections/basic_collection.zarr",
    "gen_multiscales/consolidated_multiscale.zarr",
    "gen_multiscales/distributed_multiscale.zarr",
]
STANDALONE = "gen_single_scale/stand_alone_single_scale.zarr"


# -- helpers -------------------------------------------------------------------


def _copy_input(name: str, tmp_path: Path) -> Path:
    """A private copy of an input tree, with pixel data in every array."""
    dst = tmp_path / "src" / name
    shutil.copytree(INPUTS / name, dst)
    for meta in sorted(dst.rglob("zarr.json")):
        doc = json.loads(meta.read_text())
        if doc.get("node_type") == "array":
            arr = zarr.open_array(meta.parent, mode="r+")
            arr[:] = (np.arange(arr.size) % 251).astype(arr.dtype).reshape(arr.shape)
    return dst


def _documents(root: Path) -> dict[str, dict[str, Any]]:
    """Relative path -> ome object of every zarr.json / *.json that carries one."""
    out = {}
    for f in sorted(root.rglob("*.json")):
        if JOURNAL_DIR in f.parts:
            continue
        raw = json.loads(f.read_text())
        ome = raw.get("attributes", {}).get("ome") if f.name == "zarr.json" else raw.get("ome")
        if isinstance(ome, dict):
            out[f.relative_to(root).as_posix()] = ome
    return out


def _walk(value: Any):
    """Every object in ``value``, except inside prefixed (extension) keys."""
    if isinstance(value, dict):
        yield value
        for k, v in value.items():
            if ":" not in k:
                yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _nodes(node: Any, is_root: bool = True):
    if isinstance(node, dict):
        yield node, is_root
        for child in node.get("nodes") or []:
            yield from _nodes(child, False)


def _reference_values(ome: dict[str, Any]) -> list[Any]:
    """Every value at an RFC-8 reference position (independent of the code under test)."""
    found: list[Any] = []

    def transform(t: Any) -> None:
        if not isinstance(t, dict):
            return
        if "transformation" in t and "type" not in t:
            transform(t["transformation"])
            return
        found.extend(t[k] for k in ("input", "output") if k in t)
        for inner in t.get("transformations") or []:
            transform(inner)
        for k in ("forward", "inverse"):
            transform(t.get(k))

    for node, _ in _nodes(ome):
        attrs = node.get("attributes") or {}
        for t in attrs.get("coordinateTransformations") or []:
            transform(t)
        for t in (attrs.get("scene") or {}).get("coordinateTransformations") or []:
            transform(t)
        found.extend((attrs.get("labels") or {}).get("source") or [])
        found.extend((attrs.get("well") or {}).get(k) for k in ("row", "column") if "well" in attrs)
        if "acquisition" in attrs:
            found.append(attrs["acquisition"])
    return found


def _assert_rfc8_v1(root: Path, version: str) -> None:
    docs = _documents(root)
    assert docs
    for file, ome in docs.items():
        assert ome["version"] == version, file
        assert next(iter(ome)) == "version", file  # canonical order: version first
        for node, is_root in _nodes(ome):
            assert is_root or "version" not in node, file
        for value in _walk(ome):
            assert "ref" not in value and "$ref" not in value, (file, value)
        refs = _reference_values(ome)
        for ref in refs:
            assert isinstance(ref, dict) and isinstance(ref.get("id"), str), (file, ref)
            assert set(ref) <= {"id", "path"}, (file, ref)


def _chunks(root: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(root).items() if not k.endswith(".json")}


# -- the normanrz/ngff-rfc8-collection-examples trees ---------------------------


def test_inputs_match_provenance():
    text = (INPUTS / "PROVENANCE.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| [\w-]+ \| `([0-9a-f]{64})` \|$", text, re.M)
    assert len(rows) == 18
    for rel, sha in rows:
        assert hashlib.sha256((INPUTS / rel).read_bytes()).hexdigest() == sha, rel


@pytest.mark.parametrize("name", GROUP_TREES)
def test_draft_tree_converts_to_rfc8_v1(name, tmp_path):
    src = _copy_input(name, tmp_path)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.status == "done"
    assert report.layout == "rfc8" and report.version == "0.7dev0"
    assert report.verification["arrays_compared"] == report.arrays
    assert report.verification["chunks_compared"] > 0
    assert tree_digest(src) == before  # the source is untouched
    assert ngff_migrate.validate(dst).ok, ngff_migrate.validate(dst).violations
    _assert_rfc8_v1(dst, "0.x")
    assert _chunks(dst) == _chunks(src)  # chunk bytes copied verbatim
    # everything outside ome is kept: top-level keys, array metadata
    for f in sorted(src.rglob("zarr.json")):
        old = json.loads(f.read_text())
        new = json.loads((dst / f.relative_to(src)).read_text())
        assert list(new) == list(old)
        old.get("attributes", {}).pop("ome", None)
        new.get("attributes", {}).pop("ome", None)
        assert new == old
    assert all(k.disposition == "mapped" for k in report.keys)
    assert any(k.key.endswith(".input.ref") for k in report.keys)


def test_draft_reference_values_are_kept(tmp_path):
    src = _copy_input("gen_collections/basic_collection.zarr", tmp_path)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="none")
    old = json.loads((src / "multiscale_1/zarr.json").read_text())["attributes"]["ome"]
    new = json.loads((dst / "multiscale_1/zarr.json").read_text())["attributes"]["ome"]
    t_old = old["nodes"][1]["attributes"]["coordinateTransformations"][0]
    t_new = new["nodes"][1]["attributes"]["coordinateTransformations"][0]
    assert t_new == {"type": "scale", "scale": [2.0, 2.0, 2.0],
                     "input": {"id": t_old["input"]["ref"]}, "output": {"id": t_old["output"]["ref"]}}
    # the root collection's stubs were already RFC-8 v1 apart from the version
    root = json.loads((dst / "zarr.json").read_text())
    assert root["consolidated_metadata"] is None
    assert root["attributes"]["ome"]["nodes"] == json.loads(
        (src / "zarr.json").read_text())["attributes"]["ome"]["nodes"]


def test_draft_tree_with_target_version(tmp_path):
    src = _copy_input("gen_collections/basic_collection.zarr", tmp_path)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, verify="full", target_version="0.9.dev3")
    assert ngff_migrate.validate(dst).ok
    _assert_rfc8_v1(dst, "0.9.dev3")
    # same options again: nothing to do, same bytes
    again = tmp_path / "again.zarr"
    report = ngff_migrate.convert(dst, again, target_version="0.9.dev3")
    assert report.write.documents_written == 0
    assert tree_digest(again) == tree_digest(dst)
    # another target version: only the versions change
    other = tmp_path / "other.zarr"
    report = ngff_migrate.convert(dst, other)
    assert {k.key for k in report.keys} == {"ome.version"}
    _assert_rfc8_v1(other, "0.x")


def test_distributed_multiscale_gets_coordinate_systems(tmp_path):
    src = _copy_input("gen_multiscales/distributed_multiscale.zarr", tmp_path)
    result = ngff_migrate.plan(src)
    by_file = {d.file: d for d in result.documents}
    assert set(by_file) == {"zarr.json", "0/zarr.json", "1/zarr.json", "2/zarr.json"}
    assert [d.node_type for d in result.documents] == ["array", "array", "array", "group"]
    level = by_file["0/zarr.json"].ome
    ms = by_file["zarr.json"].ome
    assert ms["attributes"]["coordinateSystems"] == level["attributes"]["coordinateSystems"]
    assert level["attributes"]["coordinateTransformations"][0]["output"] == {"id": "69fad5d1"}
    # level stubs stay path-only; the level documents keep their own metadata
    assert all(set(n) == {"type", "id", "name", "path"} for n in ms["nodes"])
    assert by_file["0/zarr.json"].document["shape"] == [64, 64, 64]
    hoisted = [k for k in result.keys if k.key == "ome.attributes.coordinateSystems"]
    assert {k.file for k in hoisted} == {"0/zarr.json", "1/zarr.json", "2/zarr.json"}


def test_standalone_singlescale_normalises(tmp_path):
    src = _copy_input(STANDALONE, tmp_path)
    before = tree_digest(src)
    tree = read_rfc8_tree(src, "0.7dev0")
    assert [d.file for d in tree.documents] == ["zarr.json"]
    assert [a.rel for a in tree.arrays] == [""]
    result = translate_rfc8(tree, TranslateOptions())
    assert [d.node_type for d in result.documents] == ["array"]
    dst = tmp_path / "out.zarr"
    migrate_copy(result, dst, link=False, overwrite=False, stats=WriteStats(),
                 verify=lambda root: verify_output(result, root, source_root=src, mode="full"))
    assert tree_digest(src) == before
    assert ngff_migrate.validate(dst).ok
    _assert_rfc8_v1(dst, "0.x")
    assert _chunks(dst) == _chunks(src)


def test_standalone_singlescale_convert(tmp_path):
    """A root that is a Zarr array whose zarr.json carries an RFC-8 singlescale."""
    src = _copy_input(STANDALONE, tmp_path)
    before = tree_digest(src)
    report = ngff_migrate.convert(src, tmp_path / "out.zarr", verify="full")
    assert report.layout == "rfc8"
    assert tree_digest(src) == before
    ome = json.loads((tmp_path / "out.zarr" / "zarr.json").read_text())["attributes"]["ome"]
    assert ome["type"] == "singlescale" and ome["version"] == "0.x"


def test_in_place_on_draft_tree_and_rollback(tmp_path):
    src = _copy_input("gen_multiscales/consolidated_multiscale.zarr", tmp_path)
    before = tree_digest(src)
    report = ngff_migrate.convert(src, in_place=True, verify="full")
    assert report.write.documents_written == 1
    assert ngff_migrate.validate(src).ok
    _assert_rfc8_v1(src, "0.x")
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


# -- our own output --------------------------------------------------------------


@pytest.mark.parametrize("name", ["v04_labels", "v05_labels"])
@pytest.mark.slow
def test_own_output_is_a_fixed_point_copy(tree, tmp_path, name):
    out = tmp_path / "out.zarr"
    ngff_migrate.convert(tree(name), out)
    assert ngff_migrate.plan(out).documents == []
    out2 = tmp_path / "out2.zarr"
    report = ngff_migrate.convert(out, out2, verify="full")
    assert report.write.documents_written == 0
    assert report.keys == []
    assert tree_digest(out2) == tree_digest(out)


def test_own_output_is_a_fixed_point_in_place(tree, tmp_path):
    out = tmp_path / "out.zarr"
    ngff_migrate.convert(tree("v04_labels"), out)
    before = tree_digest(out)
    report = ngff_migrate.convert(out, in_place=True)
    assert report.write.documents_written == 0
    assert tree_digest(out) == before
    assert not (out / JOURNAL_DIR).exists()


def test_own_output_reads_every_document_and_array(tree, tmp_path):
    out = tmp_path / "out.zarr"
    ngff_migrate.convert(tree("v04_labels"), out)
    rfc8 = read_rfc8_tree(out, "0.x")
    assert [d.file for d in rfc8.documents] == ["zarr.json", "labels/nuclei/zarr.json"]
    on_disk = sorted(p.parent.relative_to(out).as_posix() for p in out.rglob("zarr.json")
                     if json.loads(p.read_text())["node_type"] == "array")
    assert len(on_disk) >= 4
    assert sorted(a.rel for a in rfc8.arrays) == on_disk
    assert [rel for rel, _ in rfc8.groups] == ["labels"]
    assert rfc8.warnings == []


# -- synthetic draft trees -------------------------------------------------------


AXES = [{"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"}]


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))


def _array(path: Path, shape: tuple[int, ...], *, zarr_format: int = 3) -> None:
    arr = zarr.create_array(store=str(path), shape=shape, chunks=(4, 4), dtype="uint16",
                            zarr_format=zarr_format)
    arr[:] = np.arange(int(np.prod(shape)), dtype="uint16").reshape(shape)


def _group(path: Path, ome: dict[str, Any] | None, **extra: Any) -> None:
    attrs = {} if ome is None else {"ome": ome}
    _write_json(path / "zarr.json", {"zarr_format": 3, "node_type": "group", "attributes": attrs, **extra})


def _draft_tree(root: Path, version: str, *, v2: bool = False) -> Path:
    """A draft collection with every reference spelling, a nested version, a
    string path and a standalone json child document."""
    _array(root / "raw" / "0", (8, 12), zarr_format=2 if v2 else 3)
    _array(root / "raw" / "1", (4, 6))
    _array(root / "seg" / "0", (8, 12))
    ome = {
        "id": "coll",
        "type": "collection",
        "name": "draft collection",
        "attributes": {
            "scene": {
                "coordinateSystems": [{"id": "world", "axes": AXES}],
                "coordinateTransformations": [
                    {"type": "identity", "input": {"ref": "physical"}, "output": "world"}],
            },
            "lab:viewer": {"camera": {"ref": "raw"}},
        },
        "nodes": [
            {"version": version, "type": "multiscale", "id": "raw", "name": "raw",
             "attributes": {"coordinateSystems": [{"id": "physical", "axes": AXES}]},
             "nodes": [
                 {"type": "singlescale", "id": "s0", "name": "s0", "path": {"type": "zarr", "path": "./raw/0"},
                  "attributes": {"coordinateTransformations": [
                      {"type": "scale", "scale": [1.0, 1.0], "input": {"ref": "s0"},
                       "output": {"ref": "physical"}}]}},
                 {"type": "singlescale", "id": "s1", "name": "s1", "path": "./raw/1",
                  "attributes": {"coordinateTransformations": [
                      {"type": "sequence",
                       "transformations": [{"type": "scale", "scale": [2.0, 2.0]},
                                           {"type": "translation", "translation": [0.5, 0.5]}],
                       "input": {"type": "singlescale", "$ref": "s1"},
                       "output": {"type": "coordinateSystem", "$ref": "physical"}}]}},
             ]},
            {"type": "multiscale", "id": "seg", "name": "seg",
             "attributes": {"coordinateSystems": [{"id": "seg-physical", "axes": AXES}],
                            "labels": {"source": ["raw"]}},
             "nodes": [
                 {"type": "singlescale", "id": "seg-s0", "name": "s0",
                  "path": {"type": "zarr", "path": "./seg/0"},
                  "attributes": {"coordinateTransformations": [
                      {"type": "scale", "scale": [1.0, 1.0], "input": "seg-s0",
                       "output": "seg-physical"}]}}]},
            {"type": "collection", "id": "more", "name": "more",
             "path": {"type": "json", "path": "./more.json"}},
        ],
        "version": version,
    }
    _group(root, ome, consolidated_metadata=None)
    _write_json(root / "more.json", {"ome": {
        "version": "0.8", "type": "collection", "name": "more",
        "nodes": [{"type": "multiscale", "id": "m", "name": "m",
                   "attributes": {"coordinateSystems": [{"id": "p", "axes": AXES}]},
                   "nodes": [{"type": "singlescale", "id": "l0", "name": "l0", "path": "./seg/0",
                              "attributes": {"coordinateTransformations": [
                                  {"type": "scale", "scale": [1.0, 1.0], "input": {"ref": "l0"},
                                   "output": {"ref": "p"}}]}}]}],
    }, "lab:note": "kept"})
    return root


@pytest.mark.parametrize("version", ["0.7dev0", "0.8", "0.9.dev3"])
def test_version_strings_are_restamped(tmp_path, version):
    src = _draft_tree(tmp_path / "draft.zarr", version)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.version == version
    assert tree_digest(src) == before
    assert ngff_migrate.validate(dst).ok, ngff_migrate.validate(dst).violations
    _assert_rfc8_v1(dst, "0.x")
    root = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]
    raw, seg = root["nodes"][0], root["nodes"][1]
    assert "version" not in raw
    assert raw["nodes"][1]["path"] == {"type": "zarr", "path": "./raw/1"}
    assert raw["nodes"][1]["attributes"]["coordinateTransformations"][0]["input"] == {"id": "s1"}
    assert seg["attributes"]["labels"]["source"] == [{"id": "raw"}]
    assert root["attributes"]["scene"]["coordinateTransformations"][0] == {
        "type": "identity", "input": {"id": "physical"}, "output": {"id": "world"}}
    # extension attribute values are kept verbatim (and reported)
    assert root["attributes"]["lab:viewer"] == {"camera": {"ref": "raw"}}
    assert any("lab:viewer" in w for w in report.warnings)
    more = json.loads((dst / "more.json").read_text())
    assert more["lab:note"] == "kept" and more["ome"]["version"] == "0.x"
    assert more["ome"]["nodes"][0]["nodes"][0]["path"] == {"type": "zarr", "path": "./seg/0"}
    keys = {(k.file, k.key) for k in report.keys}
    assert ("zarr.json", "ome.nodes[0].version") in keys
    assert ("zarr.json", "ome.nodes[0].nodes[1].attributes.coordinateTransformations[0].input.type") in keys
    assert ("more.json", "ome.version") in keys
    # converting the result again with the same options changes nothing
    again = tmp_path / "again.zarr"
    assert ngff_migrate.convert(dst, again).write.documents_written == 0
    assert tree_digest(again) == tree_digest(dst)


def test_v2_array_under_rfc8_document(tmp_path):
    src = _draft_tree(tmp_path / "draft.zarr", "0.8", v2=True)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    result = ngff_migrate.plan(src)
    v2 = [d for d in result.documents if d.rel == "raw/0"]
    assert len(v2) == 1 and v2[0].node_type == "array"
    assert v2[0].document["dimension_names"] == ["y", "x"]
    assert "raw/0/.zarray" in v2[0].replaces
    ngff_migrate.convert(src, dst, verify="full")
    assert tree_digest(src) == before
    assert ngff_migrate.validate(dst).ok
    assert not (dst / "raw/0/.zarray").exists()
    assert np.array_equal(zarr.open_array(dst / "raw/0", mode="r")[:],
                          zarr.open_array(src / "raw/0", mode="r", zarr_format=2)[:])


def test_paths_outside_the_root_are_not_followed(tmp_path):
    root = tmp_path / "coll.zarr"
    (tmp_path / "outside.zarr").mkdir()
    _group(tmp_path / "outside.zarr", {"version": "0.x", "type": "multiscale", "name": "x"})
    _group(root, {"version": "0.8", "type": "collection", "name": "c", "nodes": [
        {"type": "multiscale", "name": "up", "path": {"type": "zarr", "path": "../outside.zarr"}},
        {"type": "multiscale", "name": "remote", "path": {"type": "zarr", "path": "https://example.org/a.zarr"}},
        {"type": "multiscale", "name": "absolute", "path": {"type": "zarr", "path": str(tmp_path / "outside.zarr")}},
        {"type": "collection", "name": "sheet", "path": {"type": "lab:sheet", "path": "https://example.org/s"}},
    ]})
    warnings: list[str] = []
    tree = read_rfc8_tree(root, "0.8", warnings=warnings)
    assert [d.file for d in tree.documents] == ["zarr.json"]
    assert len(warnings) == 3
    assert any("leaves the root" in w and "../outside.zarr" in w for w in warnings)
    assert any("https://example.org/a.zarr" in w for w in warnings)
    assert any("remote or absolute" in w and "outside.zarr" in w for w in warnings)
    result = ngff_migrate.plan(root)
    assert result.warnings[:3] == warnings
    assert [d.file for d in result.documents] == ["zarr.json"]


def test_unreadable_document_names_the_file(tmp_path):
    root = _draft_tree(tmp_path / "draft.zarr", "0.8")
    (root / "more.json").write_text('{"ome": {"type": ')
    with pytest.raises(MigrateError) as exc:
        ngff_migrate.plan(root)
    assert exc.value.path == str(root / "more.json")
    assert "not valid JSON" in exc.value.problem


def test_broken_links_strict_and_lenient(tmp_path):
    root = _draft_tree(tmp_path / "draft.zarr", "0.8")
    shutil.rmtree(root / "raw" / "1")
    with pytest.raises(MigrateError) as exc:
        ngff_migrate.plan(root)
    assert exc.value.path == str(root / "zarr.json")
    assert "ome.nodes[0].nodes[1].path" in exc.value.problem
    result = ngff_migrate.plan(root, lenient=True)
    assert any("raw/1" in w for w in result.warnings)


def test_invalid_after_normalisation_fails_early(tmp_path):
    root = tmp_path / "bad.zarr"
    _group(root, {"version": "0.8", "type": "collection", "name": "c", "attributes": {"foo": 1},
                  "nodes": []})
    with pytest.raises(MigrateError, match="attribute-key-reserved"):
        ngff_migrate.plan(root)
    assert any("attribute-key-reserved" in w for w in ngff_migrate.plan(root, lenient=True).warnings)


# -- normalise_ome on the RFC's own examples -------------------------------------


def _denormalise(ome: dict[str, Any]) -> dict[str, Any]:
    """Rewrite every reference of an RFC-8 v1 document in draft spellings."""
    out = copy.deepcopy(ome)
    spellings = [lambda i: {"ref": i}, lambda i: {"$ref": i, "type": "thing"}, lambda i: i]
    counter = iter(range(10_000))

    def draft(ref: Any) -> Any:
        if isinstance(ref, dict) and set(ref) == {"id"}:
            return spellings[next(counter) % 3](ref["id"])
        return ref

    def transform(t: Any) -> None:
        if isinstance(t, dict):
            for k in ("input", "output"):
                if k in t:
                    t[k] = draft(t[k])
            for inner in t.get("transformations") or []:
                transform(inner)

    for node, is_root in _nodes(out):
        if not is_root:
            node["version"] = "0.7dev0"
        attrs = node.get("attributes") or {}
        for t in attrs.get("coordinateTransformations") or []:
            transform(t)
        for t in (attrs.get("scene") or {}).get("coordinateTransformations") or []:
            transform(t)
        labels = attrs.get("labels") or {}
        if "source" in labels:
            labels["source"] = [draft(r) for r in labels["source"]]
        for k in ("row", "column"):
            if k in (attrs.get("well") or {}):
                attrs["well"][k] = draft(attrs["well"][k])
        if "acquisition" in attrs:
            attrs["acquisition"] = draft(attrs["acquisition"])
    out["version"] = "0.8"
    return out


@pytest.mark.parametrize("example", sorted(p.name for p in (DATA / "rfc8" / "examples").glob("*.json")))
def test_normalise_undoes_draft_spellings(example):
    ome = json.loads((DATA / "rfc8" / "examples" / example).read_text())["ome"]
    canonical, _, _ = normalise_ome(ome, "0.x")
    canonical = dump_document(parse_document(canonical))
    draft = _denormalise(canonical)
    result, keys, warnings = normalise_ome(draft, "0.x")
    assert dump_document(parse_document(result)) == canonical
    assert all(k.disposition == "mapped" for k in keys)
    assert warnings == []
    assert any(k.key == "ome.version" for k in keys)


def test_normalise_plate_references():
    ome = json.loads((DATA / "rfc8" / "examples" / "hcs_tall_example.json").read_text())["ome"]
    draft = _denormalise(ome)
    result, keys, _ = normalise_ome(draft, "0.9.dev3")
    assert result["version"] == "0.9.dev3"
    well = result["nodes"][0]["attributes"]["well"]
    assert well == {"column": {"id": "1"}, "row": {"id": "A"}}
    assert result["nodes"][0]["nodes"][0]["attributes"]["acquisition"]["id"] == "acq_0"
    assert [str(v) for v in check_document(result)] == []
    assert draft["version"] == "0.8"  # the input is not modified
