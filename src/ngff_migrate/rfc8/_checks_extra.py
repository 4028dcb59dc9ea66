"""Rules beyond ngff-zarr's set, covering the remaining MUSTs of RFC-8 v1.

Each check yields ``(location, message)`` in document order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .spec import (
    ATTRIBUTE_KEYS,
    AXIS_TYPES,
    LABEL_ATTRIBUTE_KEYS,
    NODE_TYPES,
    TRANSFORMATION_TYPES,
    is_ome_prefixed,
    is_prefixed,
)
from .walk import JSON_OBJECT, Context, descends, items, key_location, mapping

Found = Iterator[tuple[str, str]]

LABELS_KEYS = ("labelAttributes", "source")
PLATE_KEYS = ("rows", "columns", "acquisitions")
PLATE_ENTRY_KEYS = ("id", "name")
WELL_KEYS = ("row", "column")
SCENE_KEYS = ("coordinateSystems", "coordinateTransformations")


def version_required(ctx: Context) -> Found:
    value = ctx.root_version
    if not (isinstance(value, str) and value):
        message = f"The root node must declare a non-empty string 'version'; got {value!r}."
        yield ctx.root_version_location, message


def node_type_known(ctx: Context) -> Found:
    for site in ctx.nodes:
        value = site.node.get("type")
        if isinstance(value, str) and value and value not in NODE_TYPES and not is_prefixed(value):
            message = (
                f"Node type {value!r} is not 'collection', 'multiscale', 'singlescale', "
                "or a prefixed extension type."
            )
            yield f"{site.location}.type", message


def node_field_type(ctx: Context) -> Found:
    for site in ctx.nodes:
        node = site.node
        if "attributes" in node and not isinstance(node["attributes"], JSON_OBJECT):
            message = f"Node 'attributes' must be an object; got {node['attributes']!r}."
            yield site.attributes_location, message
        if "nodes" in node and descends(node):
            children = node["nodes"]
            if not isinstance(children, list):
                yield f"{site.location}.nodes", f"Node 'nodes' must be an array; got {children!r}."
                continue
            for index, child in enumerate(children):
                if not isinstance(child, JSON_OBJECT):
                    message = f"Each entry of 'nodes' must be a node object; got {child!r}."
                    yield f"{site.location}.nodes[{index}]", message


def path_format(ctx: Context) -> Found:
    for location, path in ctx.path_sites:
        if path is None:
            continue
        if not isinstance(path, JSON_OBJECT):
            yield location, f"A path must be a Path object with 'type' and 'path'; got {path!r}."
        elif not (isinstance(path.get("path"), str) and path["path"]):
            message = f"Path must declare a non-empty string 'path'; got {path.get('path')!r}."
            yield f"{location}.path", message


def _spec_objects(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any], Iterable[str]]]:
    """Objects whose unprefixed keys the spec fixes: (location, object, allowed keys)."""
    for site in ctx.nodes:
        if site.attributes is not None:
            yield site.attributes_location, site.attributes, ATTRIBUTE_KEYS
    for location, labels in ctx.labels_objects:
        yield location, labels, LABELS_KEYS
    for location, entry in ctx.label_entries:
        if isinstance(entry, JSON_OBJECT):
            yield location, entry, LABEL_ATTRIBUTE_KEYS
    for location, plate in ctx.plates:
        yield location, plate, PLATE_KEYS
    for location, entry in ctx.plate_entries:
        if isinstance(entry, JSON_OBJECT):
            yield location, entry, PLATE_ENTRY_KEYS
    for site in ctx.nodes:
        attributes = site.attributes or {}
        well = mapping(attributes.get("well"))
        if well is not None:
            yield f"{site.attributes_location}.well", well, WELL_KEYS
        scene = mapping(attributes.get("scene"))
        if scene is not None:
            yield f"{site.attributes_location}.scene", scene, SCENE_KEYS


def attribute_key_reserved(ctx: Context) -> Found:
    for location, obj, allowed in _spec_objects(ctx):
        for key in obj:
            if key not in allowed and not is_prefixed(key):
                message = (
                    f"Key {key!r} is not defined by RFC-8 here; unprefixed keys are reserved "
                    "for the specification, extensions must use a prefix (e.g. 'myorg:key')."
                )
                yield key_location(location, key), message


def ome_prefix_reserved(ctx: Context) -> Found:
    if ctx.allow_ome_prefix:
        return
    sites: list[tuple[str, Any]] = [
        (f"{site.location}.type", site.node.get("type")) for site in ctx.nodes
    ]
    sites += [
        (key_location(location, key), key) for location, obj, _ in _spec_objects(ctx) for key in obj
    ]
    sites += [
        (f"{location}.type", path.get("type"))
        for location, path in ctx.path_sites
        if isinstance(path, JSON_OBJECT)
    ]
    sites += [
        (f"{location}.type", transformation.get("type"))
        for location, transformation in ctx.all_transformations
        if isinstance(transformation, JSON_OBJECT)
    ]
    sites += [(f"{location}.type", axis.get("type")) for location, axis in _axes(ctx)]
    for location, value in sites:
        if is_ome_prefixed(value):
            message = (
                f"{value!r} uses the 'ome:' prefix, which is reserved for official OME "
                "extensions (pass allow_ome_prefix=True to accept it)."
            )
            yield location, message


def attribute_shape(ctx: Context) -> Found:
    for site in ctx.nodes:
        attributes = site.attributes
        if attributes is None:
            continue
        base = site.attributes_location
        for key in ("coordinateSystems", "coordinateTransformations"):
            if key in attributes:
                yield from _array_of_objects(f"{base}.{key}", attributes[key])
        if "labels" in attributes:
            labels = attributes["labels"]
            if not isinstance(labels, JSON_OBJECT):
                yield f"{base}.labels", f"The 'labels' attribute must be an object; got {labels!r}."
            else:
                for key in ("labelAttributes", "source"):
                    if key in labels and not isinstance(labels[key], list):
                        message = f"Labels {key!r} must be an array; got {labels[key]!r}."
                        yield f"{base}.labels.{key}", message
        scene = mapping(attributes.get("scene"))
        if scene is not None and "coordinateSystems" in scene:
            yield from _array_of_objects(
                f"{base}.scene.coordinateSystems", scene["coordinateSystems"]
            )
        if scene is not None and isinstance(scene.get("coordinateTransformations"), list):
            # A non-array is scene-transformations-required's to report.
            location = f"{base}.scene.coordinateTransformations"
            yield from _array_of_objects(location, scene["coordinateTransformations"])


def _array_of_objects(location: str, value: Any) -> Found:
    if not isinstance(value, list):
        yield location, f"Value must be an array of objects; got {value!r}."
        return
    for index, entry in enumerate(value):
        if not isinstance(entry, JSON_OBJECT):
            yield f"{location}[{index}]", f"Value must be an object; got {entry!r}."


def multiscale_children_singlescale(ctx: Context) -> Found:
    for site in ctx.nodes:
        if site.node.get("type") != "multiscale":
            continue
        for location, child in site.children():
            if child.get("type") != "singlescale":
                message = (
                    "A multiscale's nodes must be singlescale nodes; "
                    f"got type {child.get('type')!r}."
                )
                yield location, message


def multiscale_coordinate_systems_required(ctx: Context) -> Found:
    for site in ctx.nodes:
        if site.node.get("type") != "multiscale" or site.node.get("path") is not None:
            continue
        systems = (site.attributes or {}).get("coordinateSystems")
        if systems is None or systems == []:
            message = (
                "A multiscale defined inline must declare a non-empty 'coordinateSystems' array."
            )
            yield f"{site.attributes_location}.coordinateSystems", message


def _axes(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for location, system in ctx.coordinate_systems:
        for index, axis in enumerate(items(system.get("axes"))):
            if isinstance(axis, JSON_OBJECT):
                yield f"{location}.axes[{index}]", axis


def coordinate_system_axes_format(ctx: Context) -> Found:
    for location, system in ctx.coordinate_systems:
        axes = system.get("axes")
        if not isinstance(axes, list) or not axes:
            message = f"Coordinate system must declare a non-empty 'axes' array; got {axes!r}."
            yield f"{location}.axes", message
            continue
        seen: set[str] = set()
        for index, axis in enumerate(axes):
            name = axis.get("name") if isinstance(axis, JSON_OBJECT) else None
            if not (isinstance(name, str) and name):
                message = f"An axis must be an object with a non-empty string 'name'; got {axis!r}."
                yield f"{location}.axes[{index}]", message
            elif name in seen:
                message = (
                    f"Axis name {name!r} is repeated; axis names must be unique "
                    "in a coordinate system."
                )
                yield f"{location}.axes[{index}].name", message
            else:
                seen.add(name)


def axis_type_known(ctx: Context) -> Found:
    for location, axis in _axes(ctx):
        if "type" not in axis:
            continue
        value = axis["type"]
        if not isinstance(value, str) or (value not in AXIS_TYPES and not is_prefixed(value)):
            message = f"Axis type {value!r} is not an RFC-5 axis type or a prefixed extension type."
            yield f"{location}.type", message


def transformation_type_known(ctx: Context) -> Found:
    for location, transformation in ctx.all_transformations:
        if not isinstance(transformation, JSON_OBJECT):
            yield location, f"A transformation must be an object; got {transformation!r}."
            continue
        value = transformation.get("type")
        if not (isinstance(value, str) and value):
            message = f"Transformation must declare a non-empty string 'type'; got {value!r}."
            yield f"{location}.type", message
        elif value not in TRANSFORMATION_TYPES and not is_prefixed(value):
            message = (
                f"Transformation type {value!r} is not an RFC-5 type or a prefixed extension type."
            )
            yield f"{location}.type", message
