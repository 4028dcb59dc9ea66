"""The rules beyond ngff-zarr's set, the rule table and the checker's robustness."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from ngff_migrate.rfc8 import RULES, Violation, check_document


def _multiscale(**extra_attributes: object) -> dict:
    """A valid inline multiscale document with two levels."""
    levels = [
        {
            "type": "singlescale",
            "id": f"s{i}",
            "name": f"s{i}",
            "path": {"type": "zarr", "path": f"./s{i}"},
            "attributes": {
                "coordinateTransformations": [
                    {
                        "type": "scale",
                        "scale": [2.0**i, 2.0**i],
                        "input": {"id": f"s{i}"},
                        "output": {"id": "physical"},
                    }
                ]
            },
        }
        for i in range(2)
    ]
    return {
        "version": "0.x",
        "type": "multiscale",
        "id": "img",
        "name": "img",
        "attributes": {
            "coordinateSystems": [
                {
                    "id": "physical",
                    "axes": [
                        {"name": "y", "type": "space", "unit": "micrometer"},
                        {"name": "x", "type": "space", "unit": "micrometer"},
                    ],
                }
            ],
            **extra_attributes,
        },
        "nodes": levels,
    }


def _found(ome: dict, **kwargs: object) -> list[tuple[str, str]]:
    return [(v.rule, v.location) for v in check_document(ome, **kwargs)]


def test_valid_multiscale_passes() -> None:
    assert check_document(_multiscale()) == []


def test_rules_table() -> None:
    assert len(RULES) == len(set(RULES)) == 31
    for rule, info in RULES.items():
        assert rule == rule.lower() and " " not in rule
        assert info.description and "\n" not in info.description
        assert info.section
    assert list(RULES)[:3] == ["node-type-required", "node-name-required", "node-name-unique"]


def test_violation_is_frozen_and_readable() -> None:
    violation = Violation("node-name-required", "m", "ome")
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.rule = "x"  # type: ignore[misc]
    assert str(violation) == "[node-name-required] ome: m"


def test_version_required_unless_given_by_caller() -> None:
    ome = _multiscale()
    del ome["version"]
    assert _found(ome) == [("version-required", "ome.version")]
    assert check_document(ome, version="0.x") == []
    ome["version"] = 1234
    assert _found(ome) == [("version-required", "ome.version")]


def test_attribute_key_reserved() -> None:
    ome = _multiscale(omero={"channels": []}, **{"mobie:grid": "true", "odd key": 1})
    assert _found(ome) == [
        ("attribute-key-reserved", "ome.attributes.omero"),
        ("attribute-key-reserved", 'ome.attributes["odd key"]'),
    ]


def test_attribute_key_reserved_in_label_attributes_and_hcs_objects() -> None:
    labels = {
        "labelAttributes": [{"labelValue": 1, "class": "nucleus", "lab:score": 0.9}],
        "colors": [],
    }
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "plate",
        "attributes": {
            "plate": {
                "rows": [{"id": "A"}],
                "columns": [{"id": "1", "index": 0}],
                "field_count": 2,
            }
        },
        "nodes": [
            {
                "type": "multiscale",
                "name": "nuclei",
                "path": {"type": "zarr", "path": "./nuclei"},
                "attributes": {"labels": labels},
            }
        ],
    }
    assert _found(ome) == [
        ("attribute-key-reserved", "ome.nodes[0].attributes.labels.colors"),
        ("attribute-key-reserved", "ome.nodes[0].attributes.labels.labelAttributes[0].class"),
        ("attribute-key-reserved", "ome.attributes.plate.field_count"),
        ("attribute-key-reserved", "ome.attributes.plate.columns[0].index"),
    ]


def test_ome_prefix_reserved_unless_allowed() -> None:
    ome = _multiscale(**{"ome:rendering": {}})
    ome["nodes"][0]["path"]["type"] = "ome:zip"
    ome["attributes"]["coordinateSystems"][0]["axes"][0]["type"] = "ome:angle"
    assert _found(ome) == [
        ("ome-prefix-reserved", 'ome.attributes["ome:rendering"]'),
        ("ome-prefix-reserved", "ome.nodes[0].path.type"),
        ("ome-prefix-reserved", "ome.attributes.coordinateSystems[0].axes[0].type"),
    ]
    assert check_document(ome, allow_ome_prefix=True) == []


def test_ome_prefixed_node_and_transformation_types() -> None:
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "attributes": {
            "coordinateTransformations": [
                {
                    "type": "sequence",
                    "transformations": [{"type": "ome:warp"}],
                    "input": {"id": "a", "path": {"type": "zarr", "path": "./a"}},
                    "output": {"id": "b", "path": {"type": "zarr", "path": "./b"}},
                }
            ]
        },
        "nodes": [{"type": "ome:table", "name": "t"}],
    }
    assert _found(ome) == [
        ("ome-prefix-reserved", "ome.nodes[0].type"),
        (
            "ome-prefix-reserved",
            "ome.attributes.coordinateTransformations[0].transformations[0].type",
        ),
    ]


def test_node_type_known_and_field_types() -> None:
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [
            {"type": "my collection", "name": "a", "nodes": []},
            {"type": "collection", "name": "b", "nodes": "x", "attributes": []},
            {"type": "collection", "name": "d", "nodes": [5]},
        ],
    }
    assert _found(ome) == [
        ("node-type-known", "ome.nodes[0].type"),
        ("node-field-type", "ome.nodes[1].attributes"),
        ("node-field-type", "ome.nodes[1].nodes"),
        ("node-field-type", "ome.nodes[2].nodes[0]"),
    ]


def test_path_format() -> None:
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [
            {"type": "collection", "name": "a", "path": "./a.json"},
            {"type": "collection", "name": "b", "path": {"type": "json", "path": ""}},
        ],
    }
    assert _found(ome) == [
        ("path-format", "ome.nodes[0].path"),
        ("path-format", "ome.nodes[1].path.path"),
    ]


def test_multiscale_children_and_coordinate_systems() -> None:
    ome = _multiscale()
    ome["nodes"].append({"type": "collection", "name": "oops", "nodes": []})
    ome["attributes"]["coordinateSystems"] = []
    found = _found(ome)
    assert ("multiscale-children-singlescale", "ome.nodes[2]") in found
    assert ("multiscale-coordinate-systems-required", "ome.attributes.coordinateSystems") in found


def test_path_only_multiscale_stub_needs_no_coordinate_systems() -> None:
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [
            {
                "type": "multiscale",
                "id": "img",
                "name": "img",
                "path": {"type": "zarr", "path": "./img"},
            }
        ],
    }
    assert check_document(ome) == []


def test_axes_and_types() -> None:
    ome = _multiscale()
    axes = ome["attributes"]["coordinateSystems"][0]["axes"]
    axes[1]["name"] = "y"
    axes[0]["type"] = "spaace"
    ome["nodes"][0]["attributes"]["coordinateTransformations"][0]["type"] = "scael"
    found = _found(ome)
    assert (
        "coordinate-system-axes-format",
        "ome.attributes.coordinateSystems[0].axes[1].name",
    ) in found
    assert ("axis-type-known", "ome.attributes.coordinateSystems[0].axes[0].type") in found
    assert (
        "transformation-type-known",
        "ome.nodes[0].attributes.coordinateTransformations[0].type",
    ) in found


def test_prefixed_extension_types_pass() -> None:
    ome = _multiscale()
    ome["attributes"]["coordinateSystems"][0]["axes"][0]["type"] = "myorg:angle"
    ome["attributes"]["coordinateTransformations"] = [
        {
            "type": "bijection",
            "forward": {"type": "myorg:nonlinear"},
            "inverse": {"type": "myorg:nonlinear-inverse"},
            "input": {"id": "physical"},
            "output": {"id": "world", "path": {"type": "json", "path": "../scene.json"}},
        }
    ]
    assert check_document(ome) == []


def test_attribute_shape() -> None:
    ome = _multiscale(labels=[])
    ome["attributes"]["coordinateTransformations"] = {"type": "scale"}
    assert _found(ome) == [
        ("attribute-shape", "ome.attributes.coordinateTransformations"),
        ("attribute-shape", "ome.attributes.labels"),
    ]


def test_singlescale_stub_defers_but_bare_singlescale_does_not() -> None:
    ome = _multiscale()
    del ome["nodes"][1]["attributes"]
    assert check_document(ome) == []
    del ome["nodes"][1]["path"]
    assert _found(ome) == [
        ("singlescale-transform-shape", "ome.nodes[1].attributes.coordinateTransformations")
    ]


def test_prefixed_node_types_are_opaque() -> None:
    """Children of a prefixed custom node are not interpreted as RFC-8 nodes."""
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [{"type": "mobie:view", "name": "v", "nodes": [{"no": "type"}, 5]}],
    }
    assert check_document(ome) == []


JUNK = [None, 5, "x", [], {}, [None], {"a": None}, True, -1.5]


def _positions(value: object, path: tuple = ()) -> list[tuple]:
    """Every key/index path inside ``value``."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += [(*path, key), *_positions(inner, (*path, key))]
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += [(*path, index), *_positions(inner, (*path, index))]
    return found


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_checker_never_raises_on_junk(junk: object) -> None:
    labels = {
        "labelAttributes": [{"labelValue": 1, "color": [1, 2, 3, 4]}],
        "source": [{"id": "img"}],
    }
    base = _multiscale(labels=labels, acquisition={"id": "acq"})
    base["attributes"]["plate"] = {
        "rows": [{"id": "A"}],
        "columns": [{"id": "1"}],
        "acquisitions": [{"id": "acq"}],
    }
    nested = [
        {"type": "scale", "scale": [1.0]},
        {"type": "byDimension", "transformations": [{"transformation": {"type": "identity"}}]},
        {"type": "bijection", "forward": {"type": "identity"}, "inverse": {"type": "identity"}},
    ]
    base["attributes"]["scene"] = {
        "coordinateSystems": [{"id": "world", "axes": [{"name": "x", "type": "space"}]}],
        "coordinateTransformations": [
            {
                "type": "sequence",
                "transformations": nested,
                "input": {"id": "physical", "path": {"type": "zarr", "path": "./x"}},
                "output": {"id": "world"},
            }
        ],
    }
    base["attributes"]["well"] = {"row": {"id": "A"}, "column": {"id": "1"}}
    paths = _positions(base)
    assert len(paths) > 60
    for path in paths:
        ome = copy.deepcopy(base)
        target = ome
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = junk
        violations = check_document(ome)
        assert all(isinstance(v, Violation) and v.rule in RULES for v in violations)


def test_non_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_document([])  # type: ignore[arg-type]


def test_external_hcs_references_are_not_resolved_here() -> None:
    """A well document stored on its own references its plate's rows/columns by path."""
    plate = {"type": "json", "path": "../plate.json"}
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "A1",
        "attributes": {
            "well": {"row": {"id": "A", "path": plate}, "column": {"id": "1", "path": plate}}
        },
        "nodes": [
            {
                "type": "multiscale",
                "name": "0",
                "path": {"type": "zarr", "path": "./0"},
                "attributes": {"acquisition": {"id": "acq", "path": plate}},
            }
        ],
    }
    assert check_document(ome) == []
    del ome["attributes"]["well"]["row"]["path"]
    assert _found(ome) == [("well-reference-resolves", "ome.attributes.well.row")]
