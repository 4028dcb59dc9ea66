"""Legacy (NGFF 0.4 / 0.5) validation: the spec's JSON schemas, compiled ahead of
time, plus the spec-text rules (ngff_migrate.formats.common.legacy_check).

* every case of the spec's own test suites (tests/data/legacy_suites, see
  PROVENANCE.md there) gets the suite's expected result, except the cases in
  ``RULES_OVERRIDE_SUITE`` (listed with the reason; the test fails when such a
  case no longer differs);
* the generated validator modules match the shipped schemas (and, with
  jsonschema, give the reference implementation's verdict on every case);
* the check imports nothing heavy;
* on every real fixture, the verdict equals ome-zarr-models' (the library used
  before), except the cases in ``MODELS_DISAGREE``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ngff_migrate.formats.common import legacy_check
from ngff_migrate.formats.common.legacy_check import describe, legacy_problems
from ngff_migrate.formats.common.legacy_validators import schema_errors

ROOT = Path(__file__).resolve().parents[1]
SUITES = Path(__file__).parent / "data" / "legacy_suites"
SCHEMAS = ROOT / "src" / "ngff_migrate" / "formats" / "common" / "schemas"
GENERATED = ROOT / "src" / "ngff_migrate" / "formats" / "common" / "legacy_validators"
SCRIPT = ROOT / "scripts" / "make_legacy_validators.py"
REAL = Path(__file__).parent / "data" / "real"

#: suite file stem -> the kind legacy_problems checks
SUITE_KIND = {"image": "image", "label": "image-label", "plate": "plate", "well": "well"}


def _cases() -> list[Any]:
    out = []
    for path in sorted(SUITES.glob("*/*_suite.json")):
        version = path.parent.name
        kind = SUITE_KIND[path.name.split("_")[0]]
        for i, case in enumerate(json.loads(path.read_text())["tests"]):
            out.append(pytest.param(version, kind, case, id=f"{version}-{kind}-{i}-{case['formerly']}"))
    return out


CASES = _cases()

#: Suite cases where the full check (schema + spec-text rules) does not give the
#: suite's verdict, and why. The schema alone gives it (test_schema_layer_matches_suite).
RULES_OVERRIDE_SUITE: dict[tuple[str, str], str] = {
    ("0.4", "valid/mismatch_axes_units.json"):
        "scale has 2 values for 3 axes: 'The length of the scale and translation array MUST be the same "
        "as the length of axes' (0.4 text); the 0.5 suite's copy of this case has 3 values; "
        "ome-zarr-models refuses it too",
    ("0.4", "plate/minimal_no_acquisitions"):
        "well path 'A/1' is column/row: 'The path MUST consist of a name in the rows list, /, and a name "
        "from the columns list, in that order' (0.4 text); the 0.5 suite swaps rows and columns in this "
        "case and adds this very document as invalid (well_path_has_column_before_row)",
    ("0.4", "plate/minimal_acquisitions"): "as plate/minimal_no_acquisitions",
    ("0.4", "plate/non_alphanumeric_row"):
        "well path 'A/A1' is column/row (as plate/minimal_no_acquisitions); fixed in the 0.5 suite",
}

#: Suite cases the schema alone gets wrong (the rules catch them).
SCHEMA_MISSES_SUITE: dict[tuple[str, str], str] = {
    ("0.5", "plate/well_path_has_column_before_row"):
        "a JSON schema cannot relate the path to the row and column names (legacy_rules._plate)",
}

#: 0.5 well cases stored without the "ome" object (a 0.4-style document in the
#: 0.5 suite): invalid already for the missing "ome"; also checked as intended.
NO_OME = {"well/empty_images", "well/duplicate_images", "well/non_integer_acquisition_id"}


def _problems(version: str, kind: str, data: Any) -> list[str]:
    if version == "0.5":
        if isinstance(data, dict) and isinstance(data.get("ome"), dict) and set(data) == {"ome"}:
            return legacy_problems(kind, version, data["ome"])
        return [f"{e.name}: {e.message}" for e in schema_errors(version, kind, data)]
    return legacy_problems(kind, version, data)


@pytest.mark.parametrize(("version", "kind", "case"), CASES)
def test_spec_suite_case(version, kind, case):
    problems = _problems(version, kind, case["data"])
    expected = case["valid"]
    if (version, case["formerly"]) in RULES_OVERRIDE_SUITE:
        assert expected and problems, (
            f"{case['formerly']} no longer differs from the suite: remove it from RULES_OVERRIDE_SUITE")
        return
    assert (not problems) is expected, problems
    for line in problems:
        assert re.match(r"^\S[^:]*: \S", line) and "\n" not in line, line
    if case["formerly"] in NO_OME:
        assert legacy_problems(kind, version, {"version": version, **case["data"]}), \
            "the case's own problem must be found once the document has its 'ome' object"


@pytest.mark.parametrize(("version", "kind", "case"), CASES)
def test_schema_layer_matches_suite(version, kind, case):
    """The compiled schemas alone: the suite's verdict, except SCHEMA_MISSES_SUITE."""
    errors = schema_errors(version, kind, case["data"])
    if (version, case["formerly"]) in SCHEMA_MISSES_SUITE:
        assert not errors and not case["valid"], "no longer missed: remove it from SCHEMA_MISSES_SUITE"
    else:
        assert (not errors) is case["valid"], [e.message for e in errors]


def test_every_suite_kind_is_covered():
    seen = {(p.values[0], p.values[1]) for p in CASES}
    assert seen == {(v, k) for v in ("0.4", "0.5") for k in ("image", "image-label", "plate", "well")}
    assert len(CASES) == 149


# --------------------------------------------------------------------------- generated code

def _generated() -> list[Path]:
    return sorted(GENERATED.glob("v0_*.py"))


def test_generated_modules_record_the_shipped_schema_hashes():
    """Every generated module names the schema files it was generated from with
    their sha256; they must be the shipped files' (regenerate after any change)."""
    assert len(_generated()) == 10
    for module in _generated():
        recorded = re.findall(r"^#   (\S+)  sha256 ([0-9a-f]{64})$", module.read_text(), re.M)
        assert recorded, module.name
        for rel, digest in recorded:
            actual = hashlib.sha256((SCHEMAS / rel).read_bytes()).hexdigest()
            assert actual == digest, f"{module.name} is stale for {rel}: run python scripts/make_legacy_validators.py"


def test_generated_modules_are_current():
    """Regenerating gives the shipped text (same fastjsonschema version as recorded)."""
    fastjsonschema = pytest.importorskip("fastjsonschema", reason="the generator needs fastjsonschema (test extra)")
    recorded = re.search(r"with fastjsonschema (\S+)", _generated()[0].read_text()).group(1)
    if fastjsonschema.VERSION != recorded:
        pytest.skip(f"generated with fastjsonschema {recorded}, {fastjsonschema.VERSION} installed: "
                    "text comparison skipped (the hashes and the suites still check the modules)")
    spec = importlib.util.spec_from_file_location("make_legacy_validators", SCRIPT)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    rendered = gen.render_all()
    assert sorted(rendered) == [p.name for p in _generated()]
    for name, text in rendered.items():
        assert (GENERATED / name).read_text() == text, f"{name} is stale: run python scripts/make_legacy_validators.py"


@pytest.mark.parametrize(("version", "kind", "case"), CASES)
def test_compiled_schemas_agree_with_jsonschema(version, kind, case):
    """The generated code decides as the reference implementation (jsonschema,
    Draft 2020-12) does with the same schema files."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    docs = [json.loads(p.read_text()) for p in SCHEMAS.rglob("*.schema")]
    registry = referencing.Registry().with_resources(
        (d["$id"], referencing.Resource.from_contents(d, default_specification=DRAFT202012)) for d in docs)
    stem = {"image": "image", "image-label": "label", "plate": "plate", "well": "well"}[kind]
    schema = json.loads((SCHEMAS / version / f"{stem}.schema").read_text())
    reference = jsonschema.Draft202012Validator(schema, registry=registry).is_valid(case["data"])
    assert (not schema_errors(version, kind, case["data"])) is reference


def test_generator_refuses_unimplemented_keywords(tmp_path):
    pytest.importorskip("fastjsonschema", reason="the generator needs fastjsonschema (test extra)")
    spec = importlib.util.spec_from_file_location("make_legacy_validators", SCRIPT)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    from fastjsonschema import JsonSchemaDefinitionException
    from fastjsonschema.ref_resolver import RefResolver

    definition = {"$id": "urn:x", "type": "array", "prefixItems": [{"type": "string"}]}
    with pytest.raises(JsonSchemaDefinitionException, match="prefixItems"):
        _ = gen.Generator(definition, RefResolver.from_schema(definition, store={})).func_code


# --------------------------------------------------------------------------- the interface

V04_IMAGE = {
    "multiscales": [{
        "version": "0.4", "name": "img",
        "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [
            {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 0.5, 0.5]}]},
            {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [1, 1.0, 1.0]},
                                                        {"type": "translation", "translation": [0, 0.25, 0.25]}]},
        ],
    }],
}


def _edit(doc: dict, fn) -> dict:
    doc = json.loads(json.dumps(doc))
    fn(doc)
    return doc


def test_valid_documents_have_no_problems():
    assert legacy_problems("image", "0.4", V04_IMAGE) == []
    v05 = {"version": "0.5", "multiscales": [{k: v for k, v in V04_IMAGE["multiscales"][0].items() if k != "version"}]}
    assert legacy_problems("image", "0.5", v05) == []
    assert legacy_problems("labels", "0.4", {"labels": ["a", "b"]}) == []
    assert legacy_problems("labels", "0.5", {"version": "0.5", "labels": ["a"]}) == []


@pytest.mark.parametrize(("edit", "line"), [
    (lambda d: d["multiscales"][0].__setitem__("version", "abc123"),
     "multiscales[0].version: must be one of ['0.4'] (found \"abc123\")"),
    (lambda d: d["multiscales"][0]["axes"][2].__setitem__("name", "y"),
     "multiscales[0].axes: axis names MUST be unique; repeated: [\"y\"]"),
    (lambda d: d["multiscales"][0]["axes"].reverse(),
     "multiscales[0].axes: axes MUST be ordered time, then channel or custom, then space; "
     "found types [\"space\", \"space\", \"channel\"]"),
    (lambda d: d["multiscales"][0]["datasets"][1]["coordinateTransformations"].reverse(),
     "multiscales[0].datasets[1].coordinateTransformations: the 'translation' MUST be listed after the 'scale'"),
    (lambda d: d["multiscales"][0]["datasets"][1]["coordinateTransformations"][0].__setitem__("scale", [1.0, 1.0]),
     "multiscales[0].datasets[1].coordinateTransformations[0].scale: has 2 values but there are 3 axes "
     "(the length MUST equal the number of axes)"),
    (lambda d: d["multiscales"][0]["datasets"].reverse(),
     "multiscales[0].datasets[1].coordinateTransformations: datasets MUST be ordered from the highest "
     "resolution to the lowest, but its scale [1, 0.5, 0.5] is smaller than that of datasets[0] "
     "[1, 1.0, 1.0] on axis 1"),
    (lambda d: d["multiscales"][0]["datasets"][1]["coordinateTransformations"].append(
        {"type": "translation", "translation": [0, 0, 0]}),
     "multiscales[0].datasets[1].coordinateTransformations: at most one 'translation' is allowed, found 2"),
    (lambda d: d["multiscales"][0]["axes"][0].__setitem__("type", "time"), None),  # valid: t y x
    (lambda d: _add_axis(d, "t", "time"), None),  # valid: t c y x
    (lambda d: _add_axis(_add_axis(d, "t", "time"), "t2", "time"),
     "multiscales[0].axes: at most one axis of type 'time' is allowed, found 2"),
    (lambda d: _add_axis(d, "q", "custom"),
     "multiscales[0].axes: at most one axis of type 'channel' or a custom type is allowed, "
     "found 2 ([\"custom\", \"channel\"])"),
])
def test_image_rules(edit, line):
    problems = legacy_problems("image", "0.4", _edit(V04_IMAGE, edit))
    if line is None:
        assert problems == []
    else:
        assert line in problems, problems


def _add_axis(doc: dict, name: str, kind: str) -> dict:
    """Put an axis first, with a 1 in front of every scale and translation vector."""
    ms = doc["multiscales"][0]
    ms["axes"].insert(0, {"name": name, "type": kind})
    for ds in ms["datasets"]:
        for t in ds["coordinateTransformations"]:
            t[t["type"]].insert(0, 1)
    return doc


def test_v05_locations_are_relative_to_the_ome_object():
    doc = {"version": "0.5", "multiscales": [{"axes": [{"name": "y", "type": "space"}], "datasets": []}]}
    problems = legacy_problems("image", "0.5", doc)
    assert "multiscales[0].datasets: must contain at least 1 items" in problems
    assert legacy_problems("image", "0.5", {"multiscales": doc["multiscales"]})[0] == \
        "<root>: must contain ['version'] properties"


def test_path_valued_transforms_pass_the_check():
    """The 0.4/0.5 text allows a scale stored in a binary file ('path'); the
    schemas do not. The check lets it pass so the reader can say it is unsupported."""
    doc = _edit(V04_IMAGE, lambda d: d["multiscales"][0]["datasets"][0].__setitem__(
        "coordinateTransformations", [{"type": "scale", "path": "scale0"}]))
    assert legacy_problems("image", "0.4", doc) == []


def test_plate_rules():
    plate = {"plate": {"version": "0.4", "rows": [{"name": "A"}, {"name": "B"}], "columns": [{"name": "1"}],
                       "acquisitions": [{"id": 0}, {"id": 1}],
                       "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0},
                                 {"path": "B/1", "rowIndex": 1, "columnIndex": 0}]}}
    assert legacy_problems("plate", "0.4", plate) == []
    bad = _edit(plate, lambda d: d["plate"]["wells"][1].__setitem__("rowIndex", 0))
    assert legacy_problems("plate", "0.4", bad) == [
        "plate.wells[1]: rowIndex 0 is row 'A' but the path 'B/1' names row 'B'"]
    bad = _edit(plate, lambda d: d["plate"]["wells"][1].__setitem__("columnIndex", 3))
    assert legacy_problems("plate", "0.4", bad) == [
        "plate.wells[1].columnIndex: 3 is not an index into the plate's columns (0 to 0)"]
    bad = _edit(plate, lambda d: d["plate"]["acquisitions"][1].__setitem__("id", 0))
    assert legacy_problems("plate", "0.4", bad)[-1] == "plate.acquisitions: ids MUST be unique; repeated: [0]"
    bad = _edit(plate, lambda d: d["plate"]["rows"][1].update(name="A", label="x"))
    assert "plate.rows: names MUST NOT be duplicates; repeated: [\"A\"]" in legacy_problems("plate", "0.4", bad)


def test_image_label_rules():
    label = {"image-label": {"version": "0.4", "colors": [{"label-value": 1}, {"label-value": 1, "rgba": [0, 0, 0, 0]}],
                             "properties": [{"label-value": 2}]}}
    # colors and properties naming different values is allowed (ome-zarr-models refused it)
    assert legacy_problems("image-label", "0.4", label) == [
        "image-label.colors: label-value MUST be unique; repeated: [1]"]


@pytest.mark.parametrize("attrs", [
    None, [], 5, "x", {"multiscales": 5}, {"multiscales": [5, None, "x"]},
    {"multiscales": [{"axes": 5, "datasets": {"a": 1}, "coordinateTransformations": "x"}]},
    {"multiscales": [{"axes": [None, 5, {"name": ["x"]}], "datasets": [None, {"coordinateTransformations": 7}]}]},
    {"plate": {"rows": 5, "columns": [None], "wells": [None, {"path": 5}, {"path": "a/b/c"}, {"path": "a/b", "rowIndex": True}]}},
    {"image-label": {"colors": [None, {"label-value": [1]}, {"label-value": [1]}]}},
    {"well": {"images": [None]}}, {"labels": {"a": 1}}, {"multiscales": [{"name": float("nan")}]},
])
@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize("kind", ["image", "image-label", "labels", "plate", "well"])
def test_never_raises_and_one_line_per_problem(attrs, version, kind):
    problems = legacy_problems(kind, version, attrs)
    assert isinstance(problems, list)
    for line in problems:
        assert ": " in line and "\n" not in line and len(line) <= 400, line
        assert "could not be checked" not in line, line
    if problems:
        assert describe(Path("x"), problems).startswith(f"invalid NGFF metadata: {problems[0]}")


def test_unknown_kinds_and_versions_are_not_checked():
    assert legacy_problems("image", "0.3", {}) == []
    assert legacy_problems("bioformats2raw.layout", "0.4", {}) == []


def test_memoised_by_shape(monkeypatch):
    calls = []
    real = legacy_check._validate

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(legacy_check, "_validate", counting)
    monkeypatch.setattr(legacy_check, "_CACHE", {})
    a = _edit(V04_IMAGE, lambda d: d["multiscales"][0].__setitem__("name", "field 1"))
    b = _edit(V04_IMAGE, lambda d: d["multiscales"][0].__setitem__("name", "field 2"))
    assert legacy_problems("image", "0.4", a) == legacy_problems("image", "0.4", b) == []
    assert len(calls) == 1, "the multiscale name does not change the verdict: one validation"
    # axis names do change it (uniqueness): never blanked
    dup = _edit(V04_IMAGE, lambda d: d["multiscales"][0]["axes"][2].__setitem__("name", "y"))
    assert legacy_problems("image", "0.4", dup)
    # the returned list is a copy
    legacy_problems("image", "0.4", a).append("x")
    assert legacy_problems("image", "0.4", b) == []


def test_describe():
    assert describe(Path("a"), ["x: y"]) == "invalid NGFF metadata: x: y"
    assert describe(Path("a"), ["x: y", "z: w", "v: u"]) == "invalid NGFF metadata: x: y (+2 more)"


def test_nothing_heavy_is_imported():
    """A check of every kind and version loads no pydantic, jsonschema, fastjsonschema,
    ome_zarr_models, zarr, numpy or dask."""
    code = (
        "import sys, json\n"
        "from ngff_migrate.formats.common.legacy_check import legacy_problems\n"
        f"doc = json.loads({json.dumps(json.dumps(V04_IMAGE))})\n"
        "for v in ('0.4', '0.5'):\n"
        "    for k in ('image', 'image-label', 'labels', 'plate', 'well'):\n"
        "        legacy_problems(k, v, doc); legacy_problems(k, v, {})\n"
        "heavy = ('pydantic', 'jsonschema', 'fastjsonschema', 'ome_zarr_models', 'zarr', 'numpy', 'dask', 'referencing')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# --------------------------------------------------------------------------- against ome-zarr-models

#: Real fixture documents where the verdict differs from ome-zarr-models 1.x
#: (file relative to tests/data, kind) -> (who is right per the spec text, and why).
MODELS_DISAGREE: dict[tuple[str, str], str] = {
    ("legacy/v04_colors_properties.json", "image-label"):
        "schema: the document holds only 'image-label'; ome-zarr-models' ImageLabelAttrs also requires "
        "'multiscales', which ngff-migrate checks as the 'image' kind of the same document",
}


def _real_documents() -> list[tuple[str, str, str, Any]]:
    """(file relative to tests/data, kind, version, OME object) of every real legacy group document."""
    out = []
    data = Path(__file__).parent / "data"
    for f in sorted([*REAL.rglob(".zattrs"), *REAL.rglob("zarr.json"), *(data / "legacy").glob("*.json"),
                     *REAL.rglob("*.json")]):
        if f.name in (".zarray", ".zgroup", ".zmetadata") or not f.is_file():
            continue
        try:
            doc = json.loads("\n".join(ln for ln in f.read_text().splitlines() if not ln.lstrip().startswith("//")))
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(doc, dict):
            continue
        attrs = doc.get("attributes", doc) if doc.get("zarr_format") == 3 or "attributes" in doc else doc
        if isinstance(attrs, dict) and isinstance(attrs.get("ome"), dict):
            ome, version = attrs["ome"], attrs["ome"].get("version")
        else:
            ome = attrs
            found = [(v[0] if isinstance(v, list) and v else v) for k in ("multiscales", "plate", "well")
                     if (v := ome.get(k)) is not None]
            version = next((x.get("version") for x in found if isinstance(x, dict) and x.get("version")), "0.4")
        if version not in ("0.4", "0.5"):
            continue
        rel = f.relative_to(data).as_posix()
        for key, kind in (("multiscales", "image"), ("image-label", "image-label"), ("labels", "labels"),
                          ("plate", "plate"), ("well", "well")):
            if key in ome:
                checked = {"version": "0.5", "labels": ome["labels"]} if kind == "labels" and version == "0.5" else ome
                out.append((rel, kind, version, checked))
    return list({(r, k): (r, k, v, o) for r, k, v, o in out}.values())


def test_real_fixtures_agree_with_ome_zarr_models():
    pytest.importorskip("ome_zarr_models", reason="ome-zarr-models (test extra) is the oracle")
    pytest.importorskip("pydantic")
    import warnings

    from ome_zarr_models.v04.hcs import HCSAttrs as P4
    from ome_zarr_models.v04.image import ImageAttrs as I4
    from ome_zarr_models.v04.image_label import ImageLabelAttrs as L4
    from ome_zarr_models.v04.labels import LabelsAttrs as S4
    from ome_zarr_models.v04.well import WellAttrs as W4
    from ome_zarr_models.v05.hcs import HCSAttrs as P5
    from ome_zarr_models.v05.image import ImageAttrs as I5
    from ome_zarr_models.v05.image_label import ImageLabelAttrs as L5
    from ome_zarr_models.v05.labels import LabelsAttrs as S5
    from ome_zarr_models.v05.well import WellAttrs as W5
    from pydantic import ValidationError

    models = {("0.4", "image"): I4, ("0.4", "image-label"): L4, ("0.4", "labels"): S4, ("0.4", "plate"): P4,
              ("0.4", "well"): W4, ("0.5", "image"): I5, ("0.5", "image-label"): L5, ("0.5", "labels"): S5,
              ("0.5", "plate"): P5, ("0.5", "well"): W5}
    documents = _real_documents()
    assert len(documents) > 90
    differ = {}
    for rel, kind, version, ome in documents:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                models[(version, kind)].model_validate(ome)
                theirs = True
            except (ValidationError, ValueError, IndexError, TypeError):
                theirs = False
        ours = not legacy_problems(kind, version, ome)
        if ours != theirs:
            differ[(rel, kind)] = (ours, legacy_problems(kind, version, ome))
    assert set(differ) == set(MODELS_DISAGREE), differ
