"""Validation against the fractal RFC-8 JSON schemas (packaged copies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ngff_migrate.rfc8 import (
    is_path_only_stub,
    iter_schema_errors,
    schema_errors,
    schema_errors_excluding_stubs,
)
from ngff_migrate.rfc8.schemas import _validator

DATA = Path(__file__).parent / "data" / "rfc8"
DERIVED = json.loads((DATA / "python_test_cases.json").read_text())["cases"]
EXAMPLES = {
    p.name: json.loads(p.read_text())["ome"] for p in sorted((DATA / "examples").glob("*.json"))
}


def _ome(case: dict) -> dict | None:
    document = case["document"]
    return document.get("ome", document.get("attributes", {}).get("ome"))


WITH_OME = [case for case in DERIVED if _ome(case) is not None]


@pytest.mark.parametrize("case", WITH_OME, ids=[case["name"] for case in WITH_OME])
def test_fractal_cases_reproduce(case: dict) -> None:
    """The packaged schemas give every upstream test its expected outcome."""
    errors = schema_errors(_ome(case))
    assert (errors == []) == (case["expect"] == "valid"), errors
    if (
        "expected_message" in case
        and case["expected_message"] != "must include a 'ome' object property"
    ):
        assert any(case["expected_message"] in error for error in errors), errors


def test_valid_examples_pass() -> None:
    assert schema_errors(EXAMPLES["viewer_example1_root.json"]) == []


@pytest.mark.parametrize(
    "name", ["grid_gallery_example.json", "hcs_wide_example.json", "scene_tiles_example.json"]
)
def test_rfc_examples_fail_only_on_stubs(name: str) -> None:
    ome = EXAMPLES[name]
    assert schema_errors(ome) != []
    assert schema_errors_excluding_stubs(ome) == []


def test_stub_exception_keeps_other_errors() -> None:
    errors = schema_errors_excluding_stubs(EXAMPLES["hcs_tall_example.json"])
    assert errors == [
        "ome.nodes[0].nodes[0].nodes[1].attributes.labels.source[0]: "
        "'A01_0' is not of type 'object'"
    ]
    # A malformed inline (non-stub) multiscale is still reported.
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [{"type": "multiscale", "name": "m", "nodes": []}],
    }
    assert schema_errors_excluding_stubs(ome) == [
        "ome.nodes[0]: 'attributes' is a required property"
    ]


def test_invalid_documents_fail() -> None:
    ome = dict(EXAMPLES["viewer_example1_root.json"])
    assert schema_errors({**ome, "id": "a b"})
    assert schema_errors({key: value for key, value in ome.items() if key != "version"})
    assert schema_errors({**ome, "nodes": [{"type": "collection", "name": "x", "path": "./x"}]})


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (
            {"type": "multiscale", "id": "a", "name": "a", "path": {"type": "zarr", "path": "./a"}},
            True,
        ),
        (
            {
                "type": "multiscale",
                "name": "a",
                "path": {"type": "zarr", "path": "./a"},
                "attributes": {"labels": {}},
            },
            True,
        ),
        ({"type": "multiscale", "name": "a", "nodes": []}, False),
        ({"type": "multiscale", "name": "a", "path": "./a"}, False),
        (
            {
                "type": "multiscale",
                "name": "a",
                "path": {"type": "zarr", "path": "./a"},
                "extra": 1,
            },
            False,
        ),
        ({"name": "a", "path": {"type": "zarr", "path": "./a"}}, False),
        ("x", False),
    ],
)
def test_is_path_only_stub(node: object, expected: bool) -> None:
    assert is_path_only_stub(node) is expected


def test_validator_is_built_once_and_offline() -> None:
    assert _validator() is _validator()
    assert list(iter_schema_errors(EXAMPLES["viewer_example1_root.json"])) == []
    with pytest.raises(TypeError):
        schema_errors([])  # type: ignore[arg-type]
