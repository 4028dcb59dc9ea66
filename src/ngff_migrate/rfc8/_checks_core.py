"""The 19 rules shared with ngff-zarr's RFC-8 validator, in its canonical order.

Rule ids, locations and the first-violation order follow
``fideus-labs/ngff-zarr`` ``py/test/rfc8_collection_cases.json``. Each check
yields ``(location, message)`` in document order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .ids import is_valid_id
from .spec import PATH_TYPES, is_prefixed
from .walk import JSON_OBJECT, Context, items

Found = Iterator[tuple[str, str]]

#: Node types that carry exactly one of ``nodes`` / ``path``.
XOR_NODE_TYPES = frozenset({"collection", "multiscale"})


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def node_type_required(ctx: Context) -> Found:
    for site in ctx.nodes:
        value = site.node.get("type")
        if not _nonempty_str(value):
            yield site.location, f"Node must declare a non-empty string 'type'; got {value!r}."


def node_name_required(ctx: Context) -> Found:
    for site in ctx.nodes:
        value = site.node.get("name")
        if not _nonempty_str(value):
            yield site.location, f"Node must declare a non-empty string 'name'; got {value!r}."


def node_name_unique(ctx: Context) -> Found:
    for site in ctx.nodes:
        seen: set[str] = set()
        for location, child in site.children():
            name = child.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                message = (
                    f"Node name {name!r} is repeated; node names must be unique "
                    "within the enclosing collection."
                )
                yield location, message
            seen.add(name)


def node_id_format(ctx: Context) -> Found:
    for location, value in ctx.declared_id_sites + ctx.referencing_id_sites:
        if not is_valid_id(value):
            yield location, f"Id {value!r} does not match [a-zA-Z0-9-_.]+."


def node_id_unique(ctx: Context) -> Found:
    seen: set[str] = set()
    for location, value in ctx.declared_id_sites:
        if not isinstance(value, str):
            continue
        if value in seen:
            message = (
                f"Id {value!r} is already used in this document; ids must be unique "
                "within the JSON document."
            )
            yield location, message
        seen.add(value)


def node_nodes_xor_path(ctx: Context) -> Found:
    for site in ctx.nodes:
        node_type = site.node.get("type")
        if not isinstance(node_type, str) or node_type not in XOR_NODE_TYPES:
            continue
        has_nodes = site.node.get("nodes") is not None
        has_path = site.node.get("path") is not None
        if has_nodes and has_path:
            message = "Node declares both 'nodes' and 'path'; exactly one must be present."
            yield site.location, message
        elif not has_nodes and not has_path:
            message = "Node declares neither 'nodes' nor 'path'; exactly one must be present."
            yield site.location, message


def path_type_known(ctx: Context) -> Found:
    for location, path in ctx.path_sites:
        if not isinstance(path, JSON_OBJECT):
            continue
        value = path.get("type")
        if not _nonempty_str(value):
            yield f"{location}.type", f"Path must declare a non-empty string 'type'; got {value!r}."
        elif value not in PATH_TYPES and not is_prefixed(value):
            message = f"Path type {value!r} is not 'zarr', 'json', or a prefixed extension type."
            yield f"{location}.type", message


def coordinate_system_id_required(ctx: Context) -> Found:
    for location, system in ctx.coordinate_systems:
        if system.get("id") is None:
            message = (
                "Coordinate system declares no 'id'; RFC-8 references coordinate systems by id."
            )
            yield location, message


def reference_id_required(ctx: Context) -> Found:
    for location, reference in ctx.transform_reference_sites:
        if not isinstance(reference, JSON_OBJECT) or reference.get("id") is None:
            yield location, "Transformation reference must be an object with an 'id'."
    for location, reference in ctx.label_source_sites:
        if not isinstance(reference, JSON_OBJECT) or reference.get("id") is None:
            yield location, "Label source reference must be an object with an 'id'."


def reference_path_required(ctx: Context) -> Found:
    groups = (
        (ctx.transform_reference_sites, ctx.declared_ids),
        (ctx.label_source_sites, ctx.multiscale_ids),
    )
    for sites, resolvable in groups:
        for location, reference in sites:
            if not isinstance(reference, JSON_OBJECT):
                continue
            value = reference.get("id")
            if not isinstance(value, str) or value in resolvable:
                continue
            if reference.get("path") is None:
                message = (
                    f"Reference id {value!r} is not declared in this document, so the "
                    "reference must carry a 'path'."
                )
                yield location, message


def label_value_required(ctx: Context) -> Found:
    for location, entry in ctx.label_entries:
        value = entry.get("labelValue") if isinstance(entry, JSON_OBJECT) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield location, f"Label attributes must declare a numeric 'labelValue'; got {value!r}."


def _is_color_channel(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer() and 0 <= value <= 255
    return isinstance(value, int) and 0 <= value <= 255


def label_color_format(ctx: Context) -> Found:
    for location, entry in ctx.label_entries:
        color = entry.get("color") if isinstance(entry, JSON_OBJECT) else None
        if color is None:
            continue
        if not (isinstance(color, list) and len(color) == 4 and all(map(_is_color_channel, color))):
            message = "Label color must be an array of four integers between 0 and 255."
            yield f"{location}.color", message


def scene_transformations_required(ctx: Context) -> Found:
    for site in ctx.nodes:
        scene = (site.attributes or {}).get("scene")
        if scene is None:
            continue
        transformations = (
            scene.get("coordinateTransformations") if isinstance(scene, JSON_OBJECT) else None
        )
        if not isinstance(transformations, list) or not transformations:
            message = "Scene must declare a non-empty 'coordinateTransformations' array."
            yield f"{site.attributes_location}.scene", message


def plate_columns_rows_required(ctx: Context) -> Found:
    for site in ctx.nodes:
        attributes = site.attributes
        if attributes is None or "plate" not in attributes:
            continue
        plate = attributes["plate"]
        location = f"{site.attributes_location}.plate"
        if not isinstance(plate, JSON_OBJECT):
            yield location, f"A 'plate' attribute must be an object; got {plate!r}."
            continue
        for field in ("columns", "rows"):
            entries = plate.get(field)
            if not isinstance(entries, list) or not entries:
                yield location, f"Plate must declare a non-empty {field!r} array."
        acquisitions = plate.get("acquisitions")
        if acquisitions is not None and not isinstance(acquisitions, list):
            yield location, f"Plate 'acquisitions' must be an array; got {acquisitions!r}."


def _entry_ids(plate: Mapping[str, Any], field: str) -> set[str]:
    return {
        entry["id"]
        for entry in items(plate.get(field))
        if isinstance(entry, JSON_OBJECT) and isinstance(entry.get("id"), str)
    }


def _reference_id(reference: Any) -> Any:
    return reference.get("id") if isinstance(reference, JSON_OBJECT) else None


def _plate_problem(
    reference: Any, plate: Mapping[str, Any] | None, what: str, plural: str
) -> str | None:
    """Why ``reference`` does not name an entry of the enclosing plate, or None.

    A reference carrying a ``path`` is external (its plate lives in another
    document, RFC-8 "Reference interface") and is not resolved here.
    """
    value = _reference_id(reference)
    if not isinstance(value, str):
        return f"{what} must be a reference with an 'id'."
    if isinstance(reference, JSON_OBJECT) and reference.get("path") is not None:
        return None
    if plate is None:
        return f"{what} references {value!r}, but no enclosing collection declares a 'plate'."
    if value not in _entry_ids(plate, plural):
        return (
            f"{what} references {value!r}, which the enclosing plate's {plural!r} do not declare."
        )
    return None


def well_reference_resolves(ctx: Context) -> Found:
    for site in ctx.nodes:
        attributes = site.attributes
        if attributes is None or "well" not in attributes:
            continue
        well = attributes["well"]
        if not isinstance(well, JSON_OBJECT):
            message = f"A 'well' attribute must be an object; got {well!r}."
            yield f"{site.attributes_location}.well", message
            continue
        for field, plural in (("column", "columns"), ("row", "rows")):
            problem = _plate_problem(well.get(field), site.plate, f"Well {field!r}", plural)
            if problem is not None:
                yield f"{site.attributes_location}.well.{field}", problem


def acquisition_reference_resolves(ctx: Context) -> Found:
    for site in ctx.nodes:
        reference = (site.attributes or {}).get("acquisition")
        if reference is None:
            continue
        problem = _plate_problem(reference, site.plate, "Acquisition", "acquisitions")
        if problem is not None:
            yield f"{site.attributes_location}.acquisition", problem


def node_version_consistent(ctx: Context) -> Found:
    root_version = ctx.root_version
    if not isinstance(root_version, str):
        return
    for site in ctx.nodes:
        if site.is_root or "version" not in site.node:
            continue
        value = site.node["version"]
        if value != root_version:
            message = (
                f"Node declares version {value!r}, but the root declares {root_version!r}; "
                "a non-root node must not differ."
            )
            yield f"{site.location}.version", message


def _is_scale_or_scale_translation(transformation: Any) -> bool:
    if not isinstance(transformation, JSON_OBJECT):
        return False
    if transformation.get("type") == "scale":
        return True
    if transformation.get("type") != "sequence":
        return False
    inner = items(transformation.get("transformations"))
    kinds = [entry.get("type") if isinstance(entry, JSON_OBJECT) else None for entry in inner]
    return kinds in (["scale"], ["scale", "translation"])


def singlescale_transform_shape(ctx: Context) -> Found:
    for site in ctx.nodes:
        if site.node.get("type") != "singlescale":
            continue
        transformations = (site.attributes or {}).get("coordinateTransformations")
        location = f"{site.attributes_location}.coordinateTransformations"
        if transformations is None:
            # A level stub with a path defers to the level's own document
            # (RFC-8 example "A multiscale group with a single resolution
            # level"); any other singlescale must declare its transformation.
            if site.is_root:
                message = "A singlescale document must declare its 'coordinateTransformations'."
                yield location, message
            elif site.node.get("path") is None:
                message = (
                    "A singlescale node without a 'path' must declare its "
                    "'coordinateTransformations'."
                )
                yield location, message
            continue
        if not (
            isinstance(transformations, list)
            and len(transformations) == 1
            and _is_scale_or_scale_translation(transformations[0])
        ):
            message = (
                "Singlescale transformations must be a single scale, or a sequence of a scale "
                "followed by a translation."
            )
            yield location, message
            continue
        node_id = site.node.get("id")
        input_id = _reference_id(transformations[0].get("input"))
        if isinstance(input_id, str) and input_id != node_id:
            described = (
                f"the node's own id is {node_id!r}"
                if isinstance(node_id, str)
                else "the node declares no id"
            )
            message = f"Singlescale transformation input references {input_id!r}, but {described}."
            yield f"{location}[0].input", message


def multiscale_output_consistent(ctx: Context) -> Found:
    for site in ctx.nodes:
        if site.node.get("type") != "multiscale":
            continue
        systems = items((site.attributes or {}).get("coordinateSystems"))
        declared = {
            system["id"]
            for system in systems
            if isinstance(system, JSON_OBJECT) and isinstance(system.get("id"), str)
        }
        first: str | None = None
        for child_location, child in site.children():
            if child.get("type") != "singlescale":
                continue
            child_attributes = child.get("attributes")
            if not isinstance(child_attributes, JSON_OBJECT):
                continue
            transformations = items(child_attributes.get("coordinateTransformations"))
            for index, transformation in enumerate(transformations):
                if not isinstance(transformation, JSON_OBJECT):
                    continue
                output_id = _reference_id(transformation.get("output"))
                if not isinstance(output_id, str):
                    continue
                location = f"{child_location}.attributes.coordinateTransformations[{index}].output"
                if output_id not in declared:
                    message = (
                        f"Singlescale output references {output_id!r}, which the multiscale's "
                        "'coordinateSystems' do not declare."
                    )
                    yield location, message
                elif first is None:
                    first = output_id
                elif output_id != first:
                    message = (
                        "Singlescale outputs must all reference the same coordinate system; "
                        f"got {first!r} and {output_id!r}."
                    )
                    yield location, message
