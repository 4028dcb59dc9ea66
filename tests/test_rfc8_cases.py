"""The rule checker against the public RFC-8 case corpora (provenance in data/rfc8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ngff_migrate.rfc8 import RULES, check_document

DATA = Path(__file__).parent / "data" / "rfc8"
CASES = json.loads((DATA / "rfc8_collection_cases.json").read_text())["cases"]
DERIVED = json.loads((DATA / "python_test_cases.json").read_text())["cases"]

#: ngff-zarr cases where we deliberately differ: case name -> (our outcome, why).
#: Our outcome is None (valid) or the (rule, location) of our first violation.
NGFF_ZARR_DISAGREEMENTS: dict[str, tuple[tuple[str, str] | None, str]] = {
    "an exempt node type may carry neither nodes nor path": (
        ("singlescale-transform-shape", "ome.nodes[0].attributes.coordinateTransformations"),
        "RFC-8 requires singlescale attributes.coordinateTransformations; only a stub with a "
        "'path' may defer them to the level's own document. This node has neither.",
    ),
    "the rules are inert when an earlier version is declared": (
        ("node-name-required", "ome"),
        "ngff-zarr gates its rules by declared version (0.6 here); we always apply RFC-8 v1.",
    ),
    "the coordinate rules are inert at 0.9.dev1": (
        ("coordinate-system-id-required", "ome.attributes.coordinateSystems[0]"),
        "ngff-zarr gates its rules by declared version (0.9.dev1 here); we always apply RFC-8 v1.",
    ),
}

#: fractal validator cases (schema-based) where we differ: name -> (our first rule, why).
FRACTAL_DISAGREEMENTS: dict[str, tuple[str | None, str]] = {
    "test_valid_singlescale": (
        "reference-path-required",
        "output 'world' is declared nowhere and has no path; the transformation is not a scale "
        "and its input is not the singlescale's own id (RFC-8 'Singlescale node').",
    ),
    "test_valid_scene": (
        "reference-path-required",
        "the scene output 'world' is declared nowhere in the document and carries no path.",
    ),
    "test_missing_attributes_in_multiscale": (
        None,
        "a path-only multiscale stub defers its coordinateSystems to the document it points "
        "to, as the RFC's own examples do (DESIGN section 4).",
    ),
}


def _expected(case: dict) -> tuple[str, str] | None:
    if case["name"] in NGFF_ZARR_DISAGREEMENTS:
        return NGFF_ZARR_DISAGREEMENTS[case["name"]][0]
    return None if case.get("ok") else (case["rule"], case["location"])


def test_corpus_is_complete() -> None:
    assert len(CASES) == 82
    names = {case["name"] for case in CASES}
    assert len(names) == 82
    assert set(NGFF_ZARR_DISAGREEMENTS) <= names


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_ngff_zarr_case(case: dict) -> None:
    violations = check_document(case["ome"], version=case.get("version"))
    first = (violations[0].rule, violations[0].location) if violations else None
    assert first == _expected(case), [str(v) for v in violations]
    assert all(v.rule in RULES for v in violations)
    if not case.get("ok") and case["name"] not in NGFF_ZARR_DISAGREEMENTS:
        # Messages need not match, but ours do: upstream's minus its "Spec rule [...]" prefix.
        assert violations[0].message == case["message"].split("violated: ", 1)[1]


@pytest.mark.parametrize("name", sorted(NGFF_ZARR_DISAGREEMENTS))
def test_disagreements_are_real(name: str) -> None:
    """Each listed case really differs from ngff-zarr's expectation (no stale entries)."""
    case = next(case for case in CASES if case["name"] == name)
    upstream = None if case.get("ok") else (case["rule"], case["location"])
    assert NGFF_ZARR_DISAGREEMENTS[name][0] != upstream


def _derived_ome(case: dict) -> dict | None:
    document = case["document"]
    return document.get("ome", document.get("attributes", {}).get("ome"))


@pytest.mark.parametrize("case", DERIVED, ids=[case["name"] for case in DERIVED])
def test_fractal_validator_case(case: dict) -> None:
    ome = _derived_ome(case)
    if ome is None:  # nothing to check: the document has no RFC-8 'ome' object at all
        assert case["expect"] == "invalid"
        return
    violations = check_document(ome)
    if case["name"] in FRACTAL_DISAGREEMENTS:
        expected_rule = FRACTAL_DISAGREEMENTS[case["name"]][0]
        assert (violations[0].rule if violations else None) == expected_rule
        assert (case["expect"] == "valid") != (expected_rule is None)
    elif case["expect"] == "valid":
        assert violations == []
    else:
        assert violations, "expected at least one violation"


#: The RFC's own examples: what our checker says about each.
RFC_EXAMPLES = {
    "grid_gallery_example.json": [],
    "scene_tiles_example.json": [],
    "viewer_example1_root.json": [],
    # "source" is an unprefixed attribute key outside the spec's list.
    "hcs_wide_example.json": [
        ("attribute-key-reserved", "ome.nodes[0].nodes[1].attributes.source")
    ],
    # "source": ["A01_0"] is a plain string, not a Reference.
    "hcs_tall_example.json": [
        ("reference-id-required", "ome.nodes[0].nodes[0].nodes[1].attributes.labels.source[0]")
    ],
}


@pytest.mark.parametrize("name", sorted(RFC_EXAMPLES))
def test_rfc_examples(name: str) -> None:
    ome = json.loads((DATA / "examples" / name).read_text())["ome"]
    assert [(v.rule, v.location) for v in check_document(ome)] == RFC_EXAMPLES[name]
