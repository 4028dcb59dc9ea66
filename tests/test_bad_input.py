"""Bad input never escapes as a bug (hardening issue #13, part C, and D10/D12/D14/D15,
item 9, symbolic links on the reading side).

The promise: malformed metadata gives a one-line project error (a
``MigrateError`` subclass) naming the file, what is wrong and the JSON
location; exit code 1 and no traceback; the input stays byte-identical. Every
test goes through the CLI (``ngff_migrate.cli.app``) and/or the Python API
(``ngff_migrate.convert/inspect/validate/plan``), never through module
internals, so the tests keep guarding a redesign of the readers.

Trees: private copies of real ome-zarr-py trees (``tree`` fixture in
conftest.py) and of third-party data under ``tests/data`` (see the
PROVENANCE.md files there).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import zarr
from conftest import tree_digest
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.errors import MigrateError, VerificationError

DATA = Path(__file__).parent / "data"
runner = CliRunner()


# ----------------------------------------------------------------------------- helpers


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean(result, code: int | None = 1, *needles) -> str:
    """No traceback, no 'internal error', the exit code, and every needle in the output."""
    out = result.output
    assert "Traceback" not in out and "internal error" not in out, out
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), f"{type(result.exception).__name__}: {out}"
    if code is not None:
        assert result.exit_code == code, out
    for needle in needles:
        assert str(needle) in out, (needle, out)
    return out


def fails_cleanly(args, file: Path, *needles, code: int = 1) -> str:
    """The command fails with one ``error:`` line naming ``file`` and every needle."""
    out = assert_clean(cli(*args), code, str(file), *needles)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out
    return out


def api_fails(call, file: Path, *needles, error=MigrateError):
    with pytest.raises(error) as info:
        call()
    assert info.value.path == str(file), (info.value.path, str(file))
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    assert "\n" not in str(info.value)
    return info.value


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def append_raw(path: Path, key: str, raw: str) -> None:
    """Add ``"key": <raw JSON text>`` to the object in ``path`` (for text json.dumps cannot write)."""
    text = path.read_text().rstrip()
    assert text.endswith("}")
    path.write_text(f'{text[:-1]}, "{key}": {raw}}}')


def edit_with_token(path: Path, change, token: str) -> None:
    """Edit the JSON in ``path``; ``change`` puts the string "__TOKEN__" where the
    raw ``token`` (``NaN``, ``Infinity``, not expressible with json.dumps) goes."""
    edit_json(path, change)
    path.write_text(path.read_text().replace('"__TOKEN__"', token))
    assert token in path.read_text()


def attrs_file(src: Path) -> Path:
    return src / ".zattrs" if (src / ".zattrs").exists() else src / "zarr.json"


def level_file(src: Path, level: str = "s0") -> Path:
    return src / level / ".zarray" if (src / level / ".zarray").exists() else src / level / "zarr.json"


def every_command_fails(src: Path, tmp_path: Path, file: Path, *needles, inspect: bool = True) -> None:
    """convert (copy and in place), inspect and the API all refuse, naming ``file``; the
    input stays byte-identical and no output remains. ``inspect=False`` for input that
    inspect (lenient by default) reads."""
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    fails_cleanly(("convert", src, dst), file, *needles)
    fails_cleanly(("convert", "--in-place", src), file, *needles)
    api_fails(lambda: ngff_migrate.convert(src, dst), file, *needles)
    if inspect:
        fails_cleanly(("inspect", src), file, *needles)
        api_fails(lambda: ngff_migrate.inspect(src), file, *needles)
    assert tree_digest(src) == before
    assert not dst.exists()


@pytest.fixture
def rfc8_tree(tree, tmp_path):
    """An RFC-8 tree: ngff-migrate's own output for a 0.5 image with labels."""
    out = tmp_path / "rfc8.zarr"
    ngff_migrate.convert(tree("v05_labels"), out)
    return out


# ----------------------------------------------------------------------------- JSON limits


@pytest.mark.parametrize("name", ["v04_plain", "v05_plain"])
@pytest.mark.slow
def test_deep_nesting_is_a_project_error(tree, tmp_path, name):
    src = tree(name)
    append_raw(attrs_file(src), "lab:deep", "[" * 10_000 + "]" * 10_000)
    every_command_fails(src, tmp_path, attrs_file(src), "nesting deeper than 128")


@pytest.mark.parametrize("name", ["v04_plain", "v05_plain"])
def test_5000_digit_integer_is_a_project_error(tree, tmp_path, name):
    src = tree(name)
    append_raw(attrs_file(src), "lab:big", "9" * 5000)
    every_command_fails(src, tmp_path, attrs_file(src), "5000 digits", "lab:big")


@pytest.mark.slow
def test_document_larger_than_the_limit_is_refused(tree, tmp_path):
    src = tree("v04_plain")
    append_raw(src / ".zattrs", "lab:padding", json.dumps("x" * (64 << 20)))
    every_command_fails(src, tmp_path, src / ".zattrs", "larger than 64 MiB")


def test_nesting_at_the_limit_still_converts(tree, tmp_path):
    """128 levels (docs/decisions.md, "JSON documents") are accepted and carried;
    only deeper documents are refused."""
    src = tree("v05_plain")
    deep: list = []
    for _ in range(128 - 3):  # the document object, 'attributes' and the outer list hold the rest
        deep = [deep]
    edit_json(src / "zarr.json", lambda d: d["attributes"].update({"lab:deep": deep}))
    for args in (("inspect", src), ("convert", src, tmp_path / "out.zarr")):
        assert_clean(cli(*args), 0)
    out = json.loads((tmp_path / "out.zarr" / "zarr.json").read_text())
    assert out["attributes"]["lab:deep"] == deep
    assert ngff_migrate.validate(tmp_path / "out.zarr").ok


# ----------------------------------------------------------------------------- array metadata


@pytest.mark.parametrize("name", ["v04_plain", "v05_plain"])
def test_shape_of_2_pow_70_is_a_project_error(tree, tmp_path, name):
    src = tree(name)
    edit_json(level_file(src), lambda d: d["shape"].__setitem__(0, 2**70))
    every_command_fails(src, tmp_path, level_file(src), "shape[0]", "2**63")


ZARRAY_MUTATIONS = {
    "blosc cname list": (lambda d: d.update(compressor={"id": "blosc", "cname": ["lz4"], "clevel": 5,
                                                         "shuffle": 1}), "compressor"),
    "blosc shuffle list": (lambda d: d.update(compressor={"id": "blosc", "cname": "lz4", "clevel": 5,
                                                           "shuffle": [1]}), "shuffle"),
    "blosc clevel string": (lambda d: d.update(compressor={"id": "blosc", "cname": "lz4", "clevel": "5",
                                                            "shuffle": 1}), "clevel"),
    "zstd level list": (lambda d: d.update(compressor={"id": "zstd", "level": [1]}), "level"),
    "zstd checksum list": (lambda d: d.update(compressor={"id": "zstd", "level": 1, "checksum": [1]}),
                           "checksum"),
    "compressor a string": (lambda d: d.update(compressor="blosc"), "compressor"),
    "filters: 5": (lambda d: d.update(filters=5), "filters"),
    "filters: [5]": (lambda d: d.update(filters=[5]), "filters[0]"),
    "shape: null": (lambda d: d.update(shape=None), "shape"),
    "shape: string": (lambda d: d.update(shape="2,8"), "shape"),
    "chunks: [0, ...]": (lambda d: d["chunks"].__setitem__(0, 0), "chunks[0]"),
    "chunks: too short": (lambda d: d["chunks"].pop(), "chunks"),
    "dtype: 5": (lambda d: d.update(dtype=5), "dtype"),
    "dtype: nonsense": (lambda d: d.update(dtype="<q9"), "dtype"),
    "order: X": (lambda d: d.update(order="X"), "order"),
    "dimension_separator: 5": (lambda d: d.update(dimension_separator=5), "dimension_separator"),
    "fill_value: huge int": (lambda d: d.update(fill_value=2**70), "fill_value"),
}


@pytest.mark.parametrize("mutation", sorted(ZARRAY_MUTATIONS))
def test_malformed_zarray_is_a_project_error_naming_the_location(tree, tmp_path, mutation):
    src = tree("v04_plain")
    change, where = ZARRAY_MUTATIONS[mutation]
    edit_json(src / "s0" / ".zarray", change)
    every_command_fails(src, tmp_path, src / "s0" / ".zarray", where)


ZARR_JSON_MUTATIONS = {
    "shape: null": (lambda d: d.update(shape=None), "shape"),
    "chunk_shape: [-1, ...]": (lambda d: d["chunk_grid"]["configuration"]["chunk_shape"].__setitem__(0, -1),
                               "chunk_grid.configuration.chunk_shape[0]"),
    "chunk_grid: 5": (lambda d: d.update(chunk_grid=5), "chunk_grid"),
    "chunk_key_encoding: list": (lambda d: d.update(chunk_key_encoding=["default"]), "chunk_key_encoding"),
    "codecs: {}": (lambda d: d.update(codecs={}), "codecs"),
    "codecs: [5]": (lambda d: d.update(codecs=[5]), "codecs[0]"),
    "data_type: 5": (lambda d: d.update(data_type=5), "data_type"),
    "dimension_names: too many": (lambda d: d.update(dimension_names=["a"] * 9), "dimension_names"),
    "attributes: list": (lambda d: d.update(attributes=[]), "attributes"),
}


@pytest.mark.parametrize("mutation", sorted(ZARR_JSON_MUTATIONS))
def test_malformed_v3_array_metadata_is_a_project_error(tree, tmp_path, mutation):
    src = tree("v05_plain")
    change, where = ZARR_JSON_MUTATIONS[mutation]
    edit_json(src / "s0" / "zarr.json", change)
    every_command_fails(src, tmp_path, src / "s0" / "zarr.json", where)


def test_v3_string_array_as_an_image_level_is_refused(tree, tmp_path):
    src = tree("v05_plain")
    shape = tuple(json.loads((src / "s2" / "zarr.json").read_text())["shape"])
    shutil.rmtree(src / "s2")
    zarr.create_array(store=str(src / "s2"), shape=shape, chunks=shape, dtype=str, zarr_format=3,
                      dimension_names=["c", "z", "y", "x"])
    assert json.loads((src / "s2" / "zarr.json").read_text())["data_type"] == "string"
    every_command_fails(src, tmp_path, src / "s2" / "zarr.json", "data type 'string'", "data_type")


# ----------------------------------------------------------------------------- legacy metadata


def test_scale_shorter_than_the_axes_is_a_project_error(tree, tmp_path):
    """ome-zarr-models raises IndexError for this document; it must become an error line."""
    src = tree("v04_plain")

    def short(doc):
        for ds in doc["multiscales"][0]["datasets"][1:]:
            ds["coordinateTransformations"] = [{"type": "scale", "scale": [1.0]}]
    edit_json(src / ".zattrs", short)
    every_command_fails(src, tmp_path, src / ".zattrs")
    fails_cleanly(("convert", src, tmp_path / "o.zarr"), src / ".zattrs", "invalid NGFF metadata")
    fails_cleanly(("convert", "--lenient", src, tmp_path / "o.zarr"), src / ".zattrs",
                  "multiscales[0].datasets[1].coordinateTransformations[0].scale has 1 values")


# ----------------------------------------------------------------------------- non-standard numbers


@pytest.mark.parametrize("name,where", [("v04_plain", "['lab:x']"), ("v05_plain", "attributes['lab:x']")])
def test_infinity_in_a_non_ome_attribute(tree, tmp_path, name, where):
    src = tree(name)
    if name == "v04_plain":
        append_raw(src / ".zattrs", "lab:x", "Infinity")
    else:
        edit_with_token(src / "zarr.json", lambda d: d["attributes"].update({"lab:x": "__TOKEN__"}), "Infinity")
    before = tree_digest(src)
    every_command_fails(src, tmp_path, attrs_file(src), "non-standard JSON number Infinity", where,
                        "--lenient", inspect=False)
    # inspect is lenient: it shows the change
    assert_clean(cli("inspect", src), 0, f"{attrs_file(src)}: changed: non-standard JSON number Infinity at {where}")
    # --lenient: read as null, reported as changed (warning and the report's "changed" list)
    dst, report = tmp_path / "out.zarr", tmp_path / "report.json"
    result = cli("convert", "--lenient", src, dst, "--report", report)
    assert_clean(result, 0)
    data = json.loads(report.read_text())
    assert len(data["changed"]) == 1 and where in data["changed"][0] and "null" in data["changed"][0]
    assert data["changed"][0] in data["warnings"]
    assert json.loads((dst / "zarr.json").read_text())["attributes"]["lab:x"] is None
    assert tree_digest(src) == before


def test_nan_scale(tree, tmp_path):
    src = tree("v04_plain")
    edit_with_token(src / ".zattrs", lambda d: d["multiscales"][0]["datasets"][0]["coordinateTransformations"][0][
        "scale"].__setitem__(2, "__TOKEN__"), "NaN")
    where = "multiscales[0].datasets[0].coordinateTransformations[0].scale[2]"
    every_command_fails(src, tmp_path, src / ".zattrs", "non-standard JSON number NaN", where, inspect=False)
    # --lenient reads null; a scale of null cannot be migrated: a clean error at the same place
    fails_cleanly(("convert", "--lenient", src, tmp_path / "o.zarr"), src / ".zattrs", where)
    fails_cleanly(("inspect", src), src / ".zattrs", "null", where)
    api_fails(lambda: ngff_migrate.convert(src, tmp_path / "o.zarr", lenient=True), src / ".zattrs", where)


def test_d10_nan_in_a_carried_omero_window(tree, tmp_path):
    """D10: carried values round-trip exactly, or the run fails, or (--lenient) the
    report marks each changed value."""
    src = tree("v04_plain")
    edit_with_token(src / ".zattrs", lambda d: d["omero"]["channels"][0]["window"].update(max="__TOKEN__"), "NaN")
    where = "omero.channels[0].window.max"
    every_command_fails(src, tmp_path, src / ".zattrs", "NaN", where, inspect=False)
    dst, report = tmp_path / "out.zarr", tmp_path / "report.json"
    assert_clean(cli("convert", "--lenient", src, dst, "--report", report), 0)
    data = json.loads(report.read_text())
    assert [c for c in data["changed"] if where in c and str(src / ".zattrs") in c] == data["changed"]
    assert len(data["changed"]) == 1
    omero = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]["attributes"]["ngff-migrate:omero"]
    assert omero["channels"][0]["window"]["max"] is None
    assert omero["channels"][1]["window"]["max"] == 65535


def test_nan_fill_value_of_a_zarray_is_the_float_nan(tree, tmp_path):
    """A literal NaN token as a v2 fill_value is exact Zarr: written as the v3 string "NaN"."""
    src = tree("v04_plain")
    edit_with_token(src / "s0" / ".zarray", lambda d: d.update(dtype="<f4", fill_value="__TOKEN__"), "NaN")
    for level in ("s1", "s2"):  # the pixels must stay comparable: make every level float
        edit_json(src / level / ".zarray", lambda d: d.update(dtype="<f4", fill_value=0.0))
    dst = tmp_path / "out.zarr"
    # the chunks hold uint16 bytes read as float32 now: verification compares what zarr decodes
    report = ngff_migrate.convert(src, dst, verify="none")
    assert report.status == "done" and not report.changed
    assert json.loads((dst / "s0" / "zarr.json").read_text())["fill_value"] == "NaN"


# ----------------------------------------------------------------------------- RFC-8 inputs


@pytest.mark.parametrize("bad", ["nul", "long"])
def test_rfc8_path_with_a_nul_byte_or_too_long(rfc8_tree, tmp_path, bad):
    doc_file = rfc8_tree / "zarr.json"
    target = "./s0\x00x" if bad == "nul" else "./" + "a" * 5000

    def change(doc):
        doc["attributes"]["ome"]["nodes"][0]["nodes"][0]["path"]["path"] = target
    edit_json(doc_file, change)
    before = tree_digest(rfc8_tree)
    where = "ome.nodes[0].nodes[0].path"
    for args in (("convert", rfc8_tree, tmp_path / "o.zarr"), ("convert", "--in-place", rfc8_tree),
                 ("inspect", rfc8_tree)):
        fails_cleanly(args, doc_file, where)
    api_fails(lambda: ngff_migrate.inspect(rfc8_tree), doc_file, where)
    result = cli("validate", rfc8_tree)
    assert_clean(result, 1, "[path-resolves] zarr.json ome.nodes[0].nodes[0].path")
    found = ngff_migrate.validate(rfc8_tree)
    assert any(v.rule == "path-resolves" for v in found.violations)
    assert tree_digest(rfc8_tree) == before


def test_validate_attributes_null(rfc8_tree):
    edit_json(rfc8_tree / "zarr.json", lambda d: d.update(attributes=None))
    fails_cleanly(("validate", rfc8_tree), rfc8_tree / "zarr.json", "attributes")
    api_fails(lambda: ngff_migrate.validate(rfc8_tree), rfc8_tree / "zarr.json", "attributes")


def test_validate_attributes_null_in_a_linked_document(rfc8_tree):
    label = rfc8_tree / "labels" / "nuclei" / "zarr.json"
    edit_json(label, lambda d: d.update(attributes=None))
    result = cli("validate", rfc8_tree)
    assert_clean(result, 1, "[document-readable] labels/nuclei/zarr.json attributes")
    assert not ngff_migrate.validate(rfc8_tree).ok


@pytest.mark.parametrize("value", ["a string", 5, ["list"], None])
def test_validate_multiscale_whose_attributes_are_not_an_object(rfc8_tree, value):
    edit_json(rfc8_tree / "zarr.json",
              lambda d: d["attributes"]["ome"]["nodes"][0].__setitem__("attributes", value))
    result = cli("validate", rfc8_tree)
    assert_clean(result, 1, "violation")
    assert not ngff_migrate.validate(rfc8_tree).ok


# ----------------------------------------------------------------------------- item 9: batches


def _batch_root(pristine, tmp_path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    for name, kind in (("good", "v04_plain"), ("deep", "v04_plain"), ("big", "v05_plain")):
        shutil.copytree(pristine[kind], root / f"{name}.zarr")
    append_raw(root / "deep.zarr" / ".zattrs", "lab:deep", "[" * 10_000 + "]" * 10_000)
    append_raw(root / "big.zarr" / "zarr.json", "lab:big", "9" * 5000)
    return root


def test_item9_plan_reports_bad_datasets_and_surveys_the_rest(pristine, tmp_path):
    root = _batch_root(pristine, tmp_path)
    result = cli("plan", root, "--json", tmp_path / "plan.json")
    out = assert_clean(result, 1, root / "deep.zarr" / ".zattrs", root / "big.zarr" / "zarr.json")
    assert "nesting deeper" in out and "5000 digits" in out
    data = json.loads((tmp_path / "plan.json").read_text())
    by = {d["rel"]: d for d in data["datasets"]}
    assert by["good.zarr"]["error"] is None and by["good.zarr"]["arrays"] == 3
    assert by["deep.zarr"]["error_file"] == str(root / "deep.zarr" / ".zattrs")
    assert by["big.zarr"]["error_file"] == str(root / "big.zarr" / "zarr.json")


@pytest.mark.slow
def test_item9_batch_migrates_the_good_datasets(pristine, tmp_path):
    root = _batch_root(pristine, tmp_path)
    before = tree_digest(root)
    dest = tmp_path / "dest"
    result = cli("batch", root, "--out", dest, "--jobs", "1", "--verify", "none")
    out = assert_clean(result, 1, root / "deep.zarr" / ".zattrs", root / "big.zarr" / "zarr.json")
    assert "migrated 1" in out, out
    assert ngff_migrate.validate(dest / "good.zarr").ok
    assert not (dest / "deep.zarr" / "zarr.json").exists() and not (dest / "big.zarr" / "zarr.json").exists()
    assert tree_digest(root) == before


def test_item9_a_bug_in_one_dataset_fails_only_that_dataset(pristine, tmp_path, monkeypatch):
    """A non-project exception while reading one dataset (simulated: the JSON reader
    raises RuntimeError for it) is that dataset's failure; the others are surveyed."""
    import ngff_migrate.zarr.node as zarr_node

    root = _batch_root(pristine, tmp_path)
    shutil.copytree(root / "good.zarr", root / "buggy.zarr")
    real = zarr_node.read_json

    def buggy(path):
        if "buggy.zarr" in str(path):
            raise RuntimeError("simulated bug")
        return real(path)

    monkeypatch.setattr(zarr_node, "read_json", buggy)
    result = cli("plan", root, "--json", tmp_path / "plan.json")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    by = {d["rel"]: d for d in json.loads((tmp_path / "plan.json").read_text())["datasets"]}
    assert "RuntimeError" in by["buggy.zarr"]["error"] and by["buggy.zarr"]["error_file"] == str(root / "buggy.zarr")
    assert by["good.zarr"]["error"] is None and by["good.zarr"]["arrays"] == 3


# ----------------------------------------------------------------------------- D12, D14, D15


@pytest.mark.slow
def test_d12_ten_thousand_datasets_are_refused_quickly(tree, tmp_path):
    src = tree("v04_plain")

    def many(doc):
        first = doc["multiscales"][0]["datasets"][0]
        doc["multiscales"][0]["datasets"] = [json.loads(json.dumps(first)) for _ in range(10_000)]
    edit_json(src / ".zattrs", many)
    start = time.perf_counter()
    for lenient in (False, True):
        api_fails(lambda lenient=lenient: ngff_migrate.convert(src, tmp_path / "o.zarr", lenient=lenient),
                  src / ".zattrs", "listed twice", "multiscales[0].datasets[1].path")
    assert time.perf_counter() - start < 20, "refusing 10,000 datasets must not take minutes"
    assert not (tmp_path / "o.zarr").exists()


@pytest.mark.slow
def test_d12_many_multiscales_with_one_name_translate_in_linear_time(tree, tmp_path):
    """1,500 multiscales entries named alike: ids and names are allocated linearly
    (quadratic probing took most of the time) and stay deterministic."""
    src = tree("v05_plain")

    def many(doc):
        ms = doc["attributes"]["ome"]["multiscales"][0]
        ms["datasets"] = ms["datasets"][-1:]
        doc["attributes"]["ome"]["multiscales"] = [json.loads(json.dumps(ms)) for _ in range(1500)]
    edit_json(src / "zarr.json", many)
    start = time.perf_counter()
    first = ngff_migrate.inspect(src).documents["zarr.json"]
    assert time.perf_counter() - start < 30
    nodes = first["attributes"]["ome"]["nodes"]
    assert [n["name"] for n in nodes[:3]] == ["raw image", "raw image-2", "raw image-3"]
    assert len({n["id"] for n in nodes}) == 1500
    assert ngff_migrate.inspect(src).documents["zarr.json"] == first


@pytest.mark.parametrize("in_place", [False, True])
def test_d14_a_verification_error_names_the_input_zarray(tree, tmp_path, in_place):
    """The v3 metadata written from this .zarray cannot be opened (numcodecs.base64 is no
    zarr-python 3 codec): the error names the input .zarray, not the generated (and
    removed or rolled back) zarr.json."""
    src = tree("v04_plain")
    edit_json(src / "s0" / ".zarray", lambda d: d.update(compressor={"id": "base64"}))
    before = tree_digest(src)
    args = ("convert", "--in-place", src) if in_place else ("convert", src, tmp_path / "out.zarr")
    fails_cleanly(args, src / "s0" / ".zarray", "s0/zarr.json")
    call = (lambda: ngff_migrate.convert(src, in_place=True)) if in_place else \
        (lambda: ngff_migrate.convert(src, tmp_path / "out2.zarr"))
    api_fails(call, src / "s0" / ".zarray", error=VerificationError)
    assert tree_digest(src) == before


def test_d15_label_properties_are_carried_where_the_docs_say(tree, tmp_path):
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(tree("v04_labels"), dst)
    attrs = json.loads((dst / "labels" / "nuclei" / "zarr.json").read_text())["attributes"]["ome"]["attributes"]
    assert attrs["labels"]["labelAttributes"] == [{"labelValue": 3, "color": [255, 0, 0, 255]}]
    assert attrs["ngff-migrate:image-label"]["properties"] == [
        {"label-value": 3, "class": "nucleus", "lab:score": 0.9}]
    decisions = (Path(__file__).parents[1] / "docs" / "decisions.md").read_text()
    paragraph = decisions[decisions.index("* **Label attributes**"):decisions.index("* **Label source**")]
    assert 'attributes["ngff-migrate:image-label"].properties' in paragraph
    assert "are *not*\n  merged" in paragraph


# ----------------------------------------------------------------------------- symbolic links, paths


def _link_outside(file: Path, outside: Path) -> None:
    shutil.move(file, outside)
    os.symlink(outside, file)


@pytest.mark.parametrize("which", ["zarr.json", "s0/zarr.json"])
def test_validate_refuses_a_document_linked_outside(rfc8_tree, tmp_path, which):
    _link_outside(rfc8_tree / which, tmp_path / "outside.json")
    result = cli("validate", rfc8_tree)
    assert_clean(result, 1, "path-inside-root", which)
    if which == "zarr.json":
        api_fails(lambda: ngff_migrate.validate(rfc8_tree), rfc8_tree / "zarr.json", "path-inside-root")
    else:
        found = ngff_migrate.validate(rfc8_tree)
        assert [v.rule for v in found.violations] == ["path-inside-root"]
    assert_clean(cli("validate", "--allow-outside", rfc8_tree), 0, "valid")


@pytest.mark.parametrize("which", ["zarr.json", "s0/zarr.json"])
def test_rfc8_tree_with_a_document_linked_outside(rfc8_tree, tmp_path, which):
    """inspect/convert/plan refuse with OutsideRootError; --allow-outside proceeds."""
    from ngff_migrate.storage.sandbox import OutsideRootError

    _link_outside(rfc8_tree / which, tmp_path / "outside.json")
    doc = rfc8_tree / which
    fails_cleanly(("inspect", rfc8_tree), doc, "--allow-outside")
    fails_cleanly(("convert", rfc8_tree, tmp_path / "o.zarr"), doc, "--allow-outside")
    api_fails(lambda: ngff_migrate.inspect(rfc8_tree), doc, error=OutsideRootError)
    result = cli("plan", tmp_path / "rfc8.zarr")
    assert_clean(result, 1, doc)
    assert_clean(cli("inspect", "--allow-outside", rfc8_tree), 0)
    assert_clean(cli("convert", "--allow-outside", rfc8_tree, tmp_path / "o2.zarr"), 0)


def test_legacy_dataset_path_leaving_the_tree(tree, tmp_path):
    from ngff_migrate.storage.sandbox import OutsideRootError

    src = tree("v04_plain")
    shutil.move(src / "s1", tmp_path / "victim-array")
    edit_json(src / ".zattrs", lambda d: d["multiscales"][0]["datasets"][1].update(path="../victim-array"))
    where = "multiscales[0].datasets[1].path"
    every_command_fails(src, tmp_path, src / ".zattrs", "../victim-array", where, "--allow-outside")
    api_fails(lambda: ngff_migrate.inspect(src), src / ".zattrs", where, error=OutsideRootError)
    assert_clean(cli("inspect", "--allow-outside", src), 0)


def test_legacy_labels_entry_leaving_the_tree(tree, tmp_path):
    from ngff_migrate.storage.sandbox import OutsideRootError

    src = tree("v04_labels")
    shutil.move(src / "labels" / "nuclei", tmp_path / "victim-label")
    edit_json(src / "labels" / ".zattrs", lambda d: d.update(labels=["../../victim-label"]))
    every_command_fails(src, tmp_path, src / "labels" / ".zattrs", "labels[0]", "--allow-outside")
    api_fails(lambda: ngff_migrate.inspect(src), src / "labels" / ".zattrs", "labels[0]",
              error=OutsideRootError)
    assert_clean(cli("inspect", "--allow-outside", src), 0)


def test_hcs_field_path_leaving_the_plate(tmp_path):
    from ngff_migrate.storage.sandbox import OutsideRootError

    src = tmp_path / "plate.zarr"
    shutil.copytree(DATA / "hcs" / "ome2024-hcs.zarr", src)
    shutil.move(src / "A" / "1" / "1", tmp_path / "victim-field")
    edit_json(src / "A" / "1" / ".zattrs", lambda d: d["well"]["images"][1].update(path="../../../victim-field"))
    well = src / "A" / "1" / ".zattrs"
    every_command_fails(src, tmp_path, well, "well.images[1].path")
    api_fails(lambda: ngff_migrate.inspect(src), well, "well.images[1].path", error=OutsideRootError)


def test_bioformats2raw_series_path_leaving_the_container(tmp_path):
    from ngff_migrate.storage.sandbox import OutsideRootError

    src = tmp_path / "bf2raw.zarr"
    shutil.copytree(DATA / "bf2raw" / "bf2raw.zarr", src)
    shutil.move(src / "1", tmp_path / "victim-series")
    edit_json(src / "OME" / ".zattrs", lambda d: d.update(series=["0", "../victim-series"]))
    every_command_fails(src, tmp_path, src / "OME" / ".zattrs", "series[1]")
    api_fails(lambda: ngff_migrate.inspect(src), src / "OME" / ".zattrs", "series[1]", error=OutsideRootError)


def test_0_6_scene_reference_leaving_the_scene(tmp_path):
    from ngff_migrate.storage.sandbox import OutsideRootError

    src = tmp_path / "scene.zarr"
    shutil.copytree(DATA / "v06" / "real" / "ome-zarr-models-py" / "stitched_tiles_2d.zarr", src)
    shutil.move(src / "tile_1", tmp_path / "victim-tile")
    edit_json(src / "zarr.json", lambda d: d["attributes"]["ome"]["scene"]["coordinateTransformations"][1][
        "input"].update(path="../victim-tile"))
    where = "scene.coordinateTransformations[1].input.path"
    fails_cleanly(("inspect", src), src / "zarr.json", where)
    api_fails(lambda: ngff_migrate.inspect(src), src / "zarr.json", where, error=OutsideRootError)
