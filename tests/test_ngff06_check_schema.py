"""The 0.6 checks validate with the spec's 0.6rc0 JSON schemas
(``formats/ngff06/schemas``, resolved locally) plus the hand-written rules
the schemas cannot express (``formats/ngff06/check.py``)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ngff_migrate.formats.ngff06 import check
from ngff_migrate.formats.ngff06.check_schema import BASE, PARTS, _schemas

SCHEMAS = Path(check.__file__).parent / "schemas"


def test_schemas_match_their_provenance():
    rows = re.findall(r"^\| `([^`]+)` \| ome/ngff-spec \| `277f209d805803bb153da5868985b07602d9108b` \| "
                      r"`schemas/\1` \| `([0-9a-f]{64})` \|$", (SCHEMAS / "PROVENANCE.md").read_text(), re.M)
    assert sorted(name for name, _ in rows) == sorted(p.name for p in SCHEMAS.glob("*.schema"))
    for name, digest in rows:
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_ref_resolves_from_the_shipped_files():
    registry, _ = _schemas()
    for path in SCHEMAS.glob("*.schema"):
        schema = json.loads(path.read_text())
        resolver = registry.resolver(base_uri=schema["$id"])
        for ref in _refs(schema):
            assert resolver.lookup(ref).contents is not None, (path.name, ref)
    for part in PARTS.values():
        assert registry.resolver().lookup(BASE + part).contents


def test_jsonschema_is_imported_only_when_a_06_document_is_checked(tmp_path):
    code = (
        "import sys, ngff_migrate\n"
        "import ngff_migrate.formats.ngff06.read, ngff_migrate.formats.ngff06.read_plate\n"
        "ngff_migrate.convert('sample_data/image_v04.ome.zarr', sys.argv[1], verify='none')\n"
        "assert 'jsonschema' not in sys.modules and 'referencing' not in sys.modules\n"
        "from ngff_migrate.formats.ngff06.check import check_omero\n"
        "assert check_omero({'channels': []}) == []\n"
        "assert 'jsonschema' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "out.zarr")], check=True,
                   cwd=Path(__file__).resolve().parents[1])


@pytest.mark.parametrize("t,n,expected", [
    ({"type": "foo"}, None, "t.type: 'foo' is not one of the types identity, mapAxis"),
    ({"type": "scale", "scale": [1, "a"]}, None, "t.scale[1]: must be a number, got 'a'"),
    ({"type": "scale", "scale": [1, 0]}, None, "t.scale[1]: must be > 0, got 0"),
    ({"type": "affine"}, None, "t: needs one of 'path' or 'affine'"),
    ({"type": "affine", "path": "a", "affine": [[1]]}, None, "t: give exactly one of 'path' and 'affine'"),
    ({"type": "mapAxis", "mapAxis": [0.0, 1.0]}, None, "t.mapAxis[0]: must be an integer, got 0.0"),
    ({"type": "sequence", "transformations": [{"type": "translation"}]}, None,
     "t.transformations[0]: needs 'translation'"),
    # hand-written: what the schema cannot relate
    ({"type": "scale", "scale": [1, 2]}, 3, "t.scale: scale has 2 values but the coordinate system has 3 axes"),
    ({"type": "mapAxis", "mapAxis": [0, 2]}, None, "t.mapAxis: [0, 2] is not a permutation of 0..1"),
    ({"type": "scale", "scale": [1, 2], "path": "s"}, None, "'path' is not allowed for scale in 0.6"),
    ({"type": "affine", "affine": [[1, 0], [0, 1, 0]]}, None, "t.affine: rows have different lengths"),
    ({"type": "byDimension", "transformations": [
        {"transformation": {"type": "identity"}, "inputAxes": [0.5], "outputAxes": [0]}]}, None,
     "t.transformations[0].inputAxes: must be a non-empty array of axis indices (integers)"),
])
def test_transformation_problems(t, n, expected):
    problems = check.check_transform(t, "t", n_in=n, n_out=n)
    assert problems and expected in problems[0], problems


def test_rfc3_lifts_the_axis_count_limits_only():
    six = [{"name": str(i), "type": "space"} for i in range(6)]
    assert check.check_axes(six, "a", rfc3=True) == []
    assert check.check_axes(six, "a")[0] == "a: has 6 items; at most 5 allowed"
    wide = {"type": "mapAxis", "mapAxis": [5, 4, 3, 2, 1, 0]}
    assert check.check_transform(wide, "t", n_in=6, n_out=6, rfc3=True) == []
    assert check.check_transform(wide, "t", n_in=6, n_out=6) == ["t.mapAxis[0]: must be <= 4, got 5",
                                                                 "t.mapAxis: has 6 items; at most 5 allowed"]
    assert check.check_axes([{"name": "x", "type": 1}], "a", rfc3=True) == ["a[0].type: must be a string, got 1"]


def test_unique_names_are_hand_written_where_entries_differ():
    axes = [{"name": "x", "type": "space"}, {"name": "x", "type": "space", "unit": "um"}]
    assert check.check_axes(axes, "a") == ["a[1].name: 'x' is repeated (first at [0]; must be unique)"]
    assert check.check_axes(axes[:1] * 2, "a") == ["a[1]: repeats entry [0] (the entries must be unique)"]
    systems = [{"name": "s", "axes": axes[:1] + [{"name": "y", "type": "space"}]}] * 2
    assert check.check_coordinate_systems(systems, "cs") == ["cs[1].name: 's' is repeated (first at [0]; "
                                                             "must be unique)"]
    plate = {"rows": [{"name": "A"}], "columns": [{"name": "1"}], "wells": [{"path": "A/1", "rowIndex": 0,
                                                                             "columnIndex": 0}],
             "acquisitions": [{"id": 1}, {"id": 1, "name": "b"}]}
    assert check.check_plate(plate) == ["plate.acquisitions[1].id: 1 is repeated (first at [0]; ids must be unique)"]
    assert check.check_label({"colors": [{"label-value": 1.5}]}) == [
        "image-label.colors[0].label-value: must be an integer, got 1.5"]


@pytest.mark.parametrize("value", [None, 3, "x", [], {}, [[[]]], {"type": {"a": 1}}, float("nan"),
                                   {"type": "sequence", "transformations": [{"type": "sequence"}] * 3}])
def test_never_raises(value):
    for function in (check.check_axes, check.check_coordinate_systems, check.check_transform):
        assert isinstance(function(value, "w"), list)
    for function in (check.check_omero, check.check_label, check.check_plate, check.check_well):
        assert isinstance(function(value), list)


def test_results_are_memoised_but_located_by_the_caller():
    t = {"type": "scale", "scale": ["a"]}
    assert check.check_transform(t, "x") == ["x.scale[0]: must be a number, got 'a'"]
    assert check.check_transform(t, "y[3]") == ["y[3].scale[0]: must be a number, got 'a'"]
