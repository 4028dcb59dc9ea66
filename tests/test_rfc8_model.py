"""The RFC-8 models and their JSON round trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path as FsPath

import pytest

from ngff_migrate.rfc8 import (
    Attributes,
    Axis,
    CollectionNode,
    CoordinateSystem,
    CoordinateTransformation,
    Document,
    LabelAttribute,
    Labels,
    ModelError,
    MultiscaleNode,
    OpaqueNode,
    Path,
    Reference,
    SinglescaleNode,
    check_document,
    dump_document,
    dump_node,
    parse_document,
    parse_node,
    schema_errors_excluding_stubs,
)

DATA = FsPath(__file__).parent / "data" / "rfc8"
CASES = json.loads((DATA / "rfc8_collection_cases.json").read_text())["cases"]
DERIVED = json.loads((DATA / "python_test_cases.json").read_text())["cases"]


def _documents() -> dict[str, dict]:
    """Every ``ome`` object in the test data: valid and invalid alike."""
    docs = {
        f"examples/{p.name}": json.loads(p.read_text())["ome"]
        for p in sorted((DATA / "examples").glob("*.json"))
    }
    docs.update({f"ngff-zarr: {case['name']}": case["ome"] for case in CASES})
    for case in DERIVED:
        document = case["document"]
        ome = document.get("ome", document.get("attributes", {}).get("ome"))
        if ome is not None:
            docs[f"fractal: {case['name']}"] = ome
    return docs


DOCUMENTS = _documents()


def _valid_names() -> list[str]:
    valid = [name for name in DOCUMENTS if name.startswith("examples/")]
    valid += [f"ngff-zarr: {case['name']}" for case in CASES if case.get("ok")]
    valid += [f"fractal: {case['name']}" for case in DERIVED if case["expect"] == "valid"]
    return valid


def test_valid_corpus_is_covered() -> None:
    assert len(_valid_names()) >= 5 + 20 + 5


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_round_trip(name: str) -> None:
    """parse -> dump gives the same JSON, for valid and invalid documents alike."""
    ome = DOCUMENTS[name]
    original = copy.deepcopy(ome)
    assert dump_document(parse_document(ome)) == ome
    assert ome == original, "parsing must not modify its input"


def test_output_key_order_is_stable() -> None:
    ome = {
        "nodes": [],
        "attributes": {"mobie:grid": "true", "coordinateSystems": []},
        "name": "c",
        "id": "c",
        "type": "collection",
        "version": "0.x",
    }
    out = dump_document(parse_document(ome))
    assert list(out) == ["version", "type", "id", "name", "attributes", "nodes"]
    assert list(out["attributes"]) == ["coordinateSystems", "mobie:grid"]


def test_typed_classes() -> None:
    doc = parse_document(DOCUMENTS["examples/viewer_example1_root.json"])
    assert doc.version == "0.x"
    assert isinstance(doc.root, CollectionNode)
    multiscale = doc.root.nodes[0]
    assert isinstance(multiscale, MultiscaleNode)
    assert isinstance(multiscale.attributes.coordinateSystems[0], CoordinateSystem)
    level = multiscale.nodes[0]
    assert isinstance(level, SinglescaleNode)
    transformation = level.attributes.coordinateTransformations[0]
    assert isinstance(transformation, CoordinateTransformation)
    assert isinstance(transformation.input, Reference)
    assert transformation.scale == [1.0, 1.0]
    assert isinstance(level.path, Path) and level.path.type == "zarr"


def test_prefixed_and_broken_nodes_are_opaque() -> None:
    root = parse_node(
        {
            "type": "collection",
            "name": "c",
            "nodes": [
                {"type": "mobie:spots_table", "name": "spots", "nodes": [{"anything": 1}]},
                {"type": "multiscale"},
                "not a node",
            ],
        }
    )
    assert isinstance(root, CollectionNode)
    assert isinstance(root.nodes[0], OpaqueNode) and root.nodes[0].nodes == [{"anything": 1}]
    assert isinstance(root.nodes[1], OpaqueNode)
    assert root.nodes[2] == "not a node"


def test_malformed_values_are_kept_verbatim() -> None:
    ome = {
        "type": "multiscale",
        "name": "m",
        "path": {"type": "zarr", "path": "./m"},
        "attributes": {
            "labels": {
                "labelAttributes": [
                    {"labelValue": "one"},
                    {"labelValue": 2, "color": [1.0, 2, 3, 4]},
                ]
            },
            "plate": "grid",
        },
    }
    node = parse_node(ome)
    assert isinstance(node.attributes, Attributes)
    assert node.attributes.plate == "grid"
    entries = node.attributes.labels.labelAttributes
    assert entries[0] == {"labelValue": "one"}
    assert isinstance(entries[1], LabelAttribute) and entries[1].color == [1.0, 2, 3, 4]
    assert dump_node(node) == ome


def test_parsed_nulls_are_kept_but_builder_nones_are_omitted() -> None:
    ome = {
        "type": "collection",
        "name": "c",
        "nodes": [{"type": "singlescale", "name": "s0", "version": None}],
    }
    assert dump_node(parse_node(ome)) == ome
    built = CollectionNode(
        name="c", id=None, path=None, nodes=[SinglescaleNode(name="s0", version=None)]
    )
    assert dump_node(built) == {
        "type": "collection",
        "name": "c",
        "nodes": [{"type": "singlescale", "name": "s0"}],
    }


def test_parsed_model_does_not_alias_input() -> None:
    ome = {
        "version": "0.x",
        "type": "collection",
        "name": "c",
        "nodes": [],
        "attributes": {"x:y": {"a": [1]}},
    }
    doc = parse_document(ome)
    ome["attributes"]["x:y"]["a"].append(2)
    assert dump_document(doc)["attributes"]["x:y"] == {"a": [1]}


def test_build_a_valid_document() -> None:
    """Building with the models gives a document both checkers accept."""
    levels = [
        SinglescaleNode(
            id=f"s{i}",
            name=str(i),
            path=Path(type="zarr", path=f"./{i}"),
            attributes=Attributes(
                coordinateTransformations=[
                    CoordinateTransformation(
                        type="scale",
                        scale=[2**i, 0.5 * 2**i],
                        input=Reference(id=f"s{i}"),
                        output=Reference(id="physical"),
                    )
                ]
            ),
        )
        for i in range(2)
    ]
    image = MultiscaleNode(
        id="raw",
        name="raw",
        attributes=Attributes(
            coordinateSystems=[
                CoordinateSystem(
                    id="physical", axes=[Axis(name="y", type="space"), Axis(name="x", type="space")]
                )
            ]
        ),
        nodes=levels,
    )
    label = MultiscaleNode(
        id="nuclei",
        name="nuclei",
        path=Path(type="zarr", path="./labels/nuclei"),
        attributes=Attributes(
            labels=Labels(
                labelAttributes=[
                    LabelAttribute(labelValue=3, color=[255, 0, 0, 255], **{"lab:class": "nucleus"})
                ],
                source=[Reference(id="raw")],
            ),
            **{"ngff-migrate:omero": {"channels": []}},
        ),
    )
    doc = Document(
        version="0.x", root=CollectionNode(id="image", name="image", nodes=[image, label])
    )
    ome = dump_document(doc)
    assert list(ome) == ["version", "type", "id", "name", "nodes"]
    assert ome["nodes"][1]["attributes"]["labels"]["labelAttributes"][0] == {
        "labelValue": 3,
        "color": [255, 0, 0, 255],
        "lab:class": "nucleus",
    }
    assert check_document(ome) == []
    # Known limitation of the fractal labels schema: it forbids the prefixed
    # extra keys RFC-8 allows in label attributes ("Label Attributes interface").
    assert schema_errors_excluding_stubs(ome) == [
        "ome.nodes[1].attributes.labels.labelAttributes[0]: "
        "Additional properties are not allowed ('lab:class' was unexpected)"
    ]
    assert dump_document(parse_document(ome)) == ome


def test_builders_validate_types() -> None:
    with pytest.raises(ModelError):
        CollectionNode(nodes=[])  # name is required
    with pytest.raises(ModelError):
        Path(type="zarr", path=5)
    with pytest.raises(ModelError):
        LabelAttribute(labelValue=True)


def test_from_json_is_what_a_parsed_document_holds() -> None:
    """``from_json`` (input JSON carried into a built document) gives what
    parsing the whole document would hold at that position; assignment
    places it (the constructor would refuse a raw value)."""
    good = {"type": "scale", "scale": [1, 2], "x:note": {"a": [1]}, "input": {"id": "s0"}}
    bad = {"type": "scale", "name": 7}  # a name that is not a string: the whole object stays raw
    built = Attributes()
    built.coordinateTransformations = [CoordinateTransformation.from_json(t) for t in (good, bad, 3)]
    assert isinstance(built.coordinateTransformations[0], CoordinateTransformation)
    assert built.coordinateTransformations[1:] == [bad, 3]
    parsed = parse_node({"type": "singlescale", "name": "s",
                         "attributes": {"coordinateTransformations": [good, bad, 3]}})
    assert built.to_json() == dump_node(parsed)["attributes"]
    good["x:note"]["a"].append(2)  # deep-copied, as parsing does
    assert built.to_json()["coordinateTransformations"][0]["x:note"] == {"a": [1]}
    with pytest.raises(ModelError):
        Attributes(coordinateTransformations=[bad])


def test_items_copy_and_pickle() -> None:
    import pickle

    cs = CoordinateSystem(id="c", axes=[Axis(name="x", type="space", **{"x:k": 1})])
    assert [k for k, _ in cs.items()] == list(cs.to_json())
    assert cs.axes[0].items() == [("name", "x"), ("type", "space"), ("x:k", 1)]
    deep = copy.deepcopy(cs)
    assert deep == cs and deep.axes[0] is not cs.axes[0]
    shallow = copy.copy(cs)
    shallow.id = "d"
    assert cs.id == "c"
    assert pickle.loads(pickle.dumps(cs)) == cs


def test_add_group_document_takes_a_document() -> None:
    from ngff_migrate.formats.plan import MigrationPlan

    plan = MigrationPlan(root=FsPath("."), layout="ngff-image", version="0.4", zarr_format=2)
    doc = Document(version="0.x", root=MultiscaleNode(id="m", name="m", nodes=[]))
    planned = plan.add_group_document("", file=".zattrs", replaces=[], ome=doc)
    assert planned.model is doc and planned.json()["attributes"]["ome"] == dump_document(doc)
    with pytest.raises(TypeError):
        plan.add_group_document("x", file=".zattrs", replaces=[], ome=dump_document(doc))
    assert plan.add_group_document("y", file=".zattrs", replaces=[]).model is None


@pytest.mark.parametrize("name", ["image_v04.ome.zarr", "image_v05.ome.zarr"])
def test_translators_plan_model_documents(name: str) -> None:
    """The translators hand the plan Document objects (issue #8: the model is the contract)."""
    import ngff_migrate

    plan = ngff_migrate.plan(FsPath(__file__).parents[1] / "sample_data" / name)
    omes = [d.document["attributes"]["ome"] for d in plan.documents if "ome" in d.document.get("attributes", {})]
    assert omes and all(isinstance(ome, Document) for ome in omes)


def test_dump_document_version_rules() -> None:
    doc = Document(version="0.x", root=CollectionNode(name="c", nodes=[], version="0.y"))
    with pytest.raises(ValueError):
        dump_document(doc)
    assert dump_document(Document(root=CollectionNode(name="c", nodes=[]))) == {
        "type": "collection",
        "name": "c",
        "nodes": [],
    }


def test_type_errors() -> None:
    with pytest.raises(TypeError):
        parse_document([])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_node("x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        dump_document({})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        dump_node({})  # type: ignore[arg-type]


JUNK = [None, 5, "x", [], {}, [None], {"a": None}, True, -1.5]
RICH = DOCUMENTS["ngff-zarr: a conforming multiscale node document"]


def _positions(value: object, path: tuple = ()) -> list[tuple]:
    """Every key/index path inside ``value``."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*path, key))
            found += _positions(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.append((*path, index))
            found += _positions(inner, (*path, index))
    return found


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_round_trip_survives_junk_anywhere(junk: object) -> None:
    for position in _positions(RICH):
        ome = copy.deepcopy(RICH)
        target = ome
        for part in position[:-1]:
            target = target[part]
        target[position[-1]] = junk
        assert dump_document(parse_document(ome)) == ome, position


def test_get_reads_fields_and_extra_keys_like_dict_get():
    from ngff_migrate.rfc8.model import Attributes, Path

    attrs = Attributes()
    attrs.extra["lab:x"] = [1, 2]
    path = Path(type="zarr", path="./s0")
    assert path.get("path") == "./s0" and path.get("missing", 7) == 7
    assert attrs.get("lab:x") == [1, 2] and attrs.get("labels") is None and attrs.get("labels", 0) == 0
    assert path.to_json().get("path") == path.get("path")
