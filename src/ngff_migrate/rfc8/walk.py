"""The one walk over an RFC-8 document's node tree, and the sites the rules look at.

:func:`iter_nodes` is what every stage that walks a document uses: the rule
checker (:class:`Context`), the tree validation (``verify/tree.py``), the
RFC-8 reader and normaliser (``formats/rfc8/``). It visits every node
depth-first, root first, with its JSON location, its parent and the nearest
enclosing plate; a node of a prefixed custom type is opaque (RFC-8
"Extensions"): its ``nodes`` are not entered.

Everything here tolerates arbitrary JSON: a value of the wrong type is
skipped (the rule that owns its shape reports it), never raised on.
Locations use the dotted form of the ngff-zarr cases,
e.g. ``ome.nodes[0].attributes.labels.source[0]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .spec import is_prefixed

#: what a JSON object is here: ``dict`` first (what every parsed document holds; an ``isinstance``
#: against the ``Mapping`` ABC alone costs ~0.15 µs, a third of the rule checker's time), then any mapping
JSON_OBJECT = (dict, Mapping)

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Site = tuple[str, Any]


def key_location(base: str, key: str) -> str:
    """``base.key``, or ``base["key"]`` when the key is not a plain name."""
    if _PLAIN_KEY.fullmatch(key):
        return f"{base}.{key}"
    return f"{base}[{json.dumps(key)}]"


def mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, JSON_OBJECT) else None


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class NodeSite:
    """A node object at ``location``, with its parent node (``None`` for the
    root) and the nearest strictly enclosing plate."""

    location: str
    node: Mapping[str, Any]
    plate: Mapping[str, Any] | None
    is_root: bool
    parent: Mapping[str, Any] | None = None

    @cached_property
    def attributes(self) -> Mapping[str, Any] | None:
        """The node's ``attributes`` object, ``None`` when absent or not an object
        (computed once: every rule asks)."""
        return mapping(self.node.get("attributes"))

    @property
    def attributes_location(self) -> str:
        return f"{self.location}.attributes"

    def children(self) -> list[tuple[str, Mapping[str, Any]]]:
        """The child node objects this walk descends into (see :func:`descends`)."""
        if not descends(self.node):
            return []
        return [
            (f"{self.location}.nodes[{index}]", child)
            for index, child in enumerate(items(self.node.get("nodes")))
            if isinstance(child, JSON_OBJECT)
        ]


def descends(node: Mapping[str, Any]) -> bool:
    """Whether ``nodes`` of this node are RFC-8 child nodes.

    A prefixed custom node type defines its own fields and is opaque, so its
    ``nodes`` (if any) are not interpreted.
    """
    return not is_prefixed(node.get("type"))


def iter_nodes(root: Any, location: str = "ome") -> Iterator[NodeSite]:
    """Every node object of the tree under ``root`` (an ``ome`` object or any
    node), depth-first, root first; nothing at all when ``root`` is not an
    object. Iterative: deep trees cost no recursion."""
    if not isinstance(root, JSON_OBJECT):
        return
    stack = [NodeSite(location, root, None, True)]
    while stack:
        site = stack.pop()
        yield site
        attributes = site.attributes
        plate = attributes.get("plate") if attributes is not None else None
        enclosing = plate if isinstance(plate, JSON_OBJECT) else site.plate
        stack.extend(NodeSite(loc, child, enclosing, False, site.node)
                     for loc, child in reversed(site.children()))


class Context:
    """The document under check and every site the rules visit, computed once."""

    def __init__(self, ome: Mapping[str, Any], version: str | None, allow_ome_prefix: bool) -> None:
        self.ome = ome
        self.allow_ome_prefix = allow_ome_prefix
        declared = ome.get("version")
        self.root_version: Any = version if declared is None and version is not None else declared
        self.root_version_location = "ome.version"

    @cached_property
    def nodes(self) -> list[NodeSite]:
        """Every node, depth-first, root first."""
        return list(iter_nodes(self.ome))

    @cached_property
    def coordinate_containers(self) -> list[tuple[str, Mapping[str, Any]]]:
        """Each node's ``attributes`` and, after it, its ``scene``."""
        found = []
        for site in self.nodes:
            attributes = site.attributes
            if attributes is None:
                continue
            found.append((site.attributes_location, attributes))
            scene = mapping(attributes.get("scene"))
            if scene is not None:
                found.append((f"{site.attributes_location}.scene", scene))
        return found

    @cached_property
    def coordinate_systems(self) -> list[tuple[str, Mapping[str, Any]]]:
        return [
            (f"{base}.coordinateSystems[{index}]", system)
            for base, container in self.coordinate_containers
            for index, system in enumerate(items(container.get("coordinateSystems")))
            if isinstance(system, JSON_OBJECT)
        ]

    @cached_property
    def top_level_transformations(self) -> list[tuple[str, Mapping[str, Any]]]:
        return [
            (f"{base}.coordinateTransformations[{index}]", transformation)
            for base, container in self.coordinate_containers
            for index, transformation in enumerate(
                items(container.get("coordinateTransformations"))
            )
            if isinstance(transformation, JSON_OBJECT)
        ]

    @cached_property
    def transform_reference_sites(self) -> list[Site]:
        """``input``/``output`` of each top-level transformation."""
        return [
            (f"{location}.{field}", transformation.get(field))
            for location, transformation in self.top_level_transformations
            for field in ("input", "output")
        ]

    @cached_property
    def label_source_sites(self) -> list[Site]:
        return [
            (f"{location}.source[{index}]", source)
            for location, labels in self.labels_objects
            for index, source in enumerate(items(labels.get("source")))
        ]

    @cached_property
    def labels_objects(self) -> list[tuple[str, Mapping[str, Any]]]:
        found = []
        for site in self.nodes:
            labels = mapping((site.attributes or {}).get("labels"))
            if labels is not None:
                found.append((f"{site.attributes_location}.labels", labels))
        return found

    @cached_property
    def label_entries(self) -> list[Site]:
        """Every ``labelAttributes`` entry, objects or not."""
        return [
            (f"{location}.labelAttributes[{index}]", entry)
            for location, labels in self.labels_objects
            for index, entry in enumerate(items(labels.get("labelAttributes")))
        ]

    @cached_property
    def plates(self) -> list[tuple[str, Mapping[str, Any]]]:
        found = []
        for site in self.nodes:
            plate = mapping((site.attributes or {}).get("plate"))
            if plate is not None:
                found.append((f"{site.attributes_location}.plate", plate))
        return found

    @cached_property
    def plate_entries(self) -> list[Site]:
        """Acquisition, column and row entries of every plate, objects or not."""
        return [
            (f"{base}.{field}[{index}]", entry)
            for base, plate in self.plates
            for field in ("acquisitions", "columns", "rows")
            for index, entry in enumerate(items(plate.get(field)))
        ]

    @cached_property
    def hcs_reference_sites(self) -> list[Site]:
        """Well ``column``/``row`` and ``acquisition`` references."""
        found: list[Site] = []
        for site in self.nodes:
            attributes = site.attributes or {}
            well = mapping(attributes.get("well"))
            if well is not None:
                for field in ("column", "row"):
                    found.append((f"{site.attributes_location}.well.{field}", well.get(field)))
            if attributes.get("acquisition") is not None:
                found.append((f"{site.attributes_location}.acquisition", attributes["acquisition"]))
        return found

    @cached_property
    def reference_sites(self) -> list[Site]:
        """Transformation references, then label sources."""
        return self.transform_reference_sites + self.label_source_sites

    @cached_property
    def declared_id_sites(self) -> list[Site]:
        """Ids sharing the document namespace: nodes, coordinate systems, plate entries."""
        sites: list[Site] = [
            (f"{site.location}.id", site.node["id"]) for site in self.nodes if "id" in site.node
        ]
        sites += [
            (f"{location}.id", system["id"])
            for location, system in self.coordinate_systems
            if system.get("id") is not None
        ]
        sites += [
            (f"{location}.id", entry.get("id") if isinstance(entry, JSON_OBJECT) else None)
            for location, entry in self.plate_entries
        ]
        return sites

    @cached_property
    def referencing_id_sites(self) -> list[Site]:
        """Ids used by references (checked for format, not uniqueness)."""
        return [
            (f"{location}.id", reference["id"])
            for location, reference in self.reference_sites + self.hcs_reference_sites
            if isinstance(reference, JSON_OBJECT) and reference.get("id") is not None
        ]

    @cached_property
    def declared_ids(self) -> set[str]:
        return {value for _, value in self.declared_id_sites if isinstance(value, str)}

    @cached_property
    def multiscale_ids(self) -> set[str]:
        return {
            site.node["id"]
            for site in self.nodes
            if site.node.get("type") == "multiscale" and isinstance(site.node.get("id"), str)
        }

    @cached_property
    def path_sites(self) -> list[Site]:
        """Node paths, then reference paths (transformations, labels, HCS)."""
        sites: list[Site] = [
            (f"{site.location}.path", site.node.get("path")) for site in self.nodes
        ]
        sites += [
            (f"{location}.path", reference.get("path"))
            for location, reference in self.reference_sites + self.hcs_reference_sites
            if isinstance(reference, JSON_OBJECT)
        ]
        return sites

    @cached_property
    def all_transformations(self) -> list[Site]:
        """Top-level transformations and every one nested in them, objects or not."""
        found: list[Site] = []
        for location, transformation in self.top_level_transformations:
            found.extend(_nested_transformations(location, transformation))
        return found


def _nested_transformations(location: str, value: Any) -> Iterator[Site]:
    yield location, value
    if not isinstance(value, JSON_OBJECT):
        return
    kind = value.get("type")
    if kind == "sequence":
        for index, inner in enumerate(items(value.get("transformations"))):
            yield from _nested_transformations(f"{location}.transformations[{index}]", inner)
    elif kind == "byDimension":
        for index, entry in enumerate(items(value.get("transformations"))):
            if isinstance(entry, JSON_OBJECT) and "transformation" in entry:
                inner_location = f"{location}.transformations[{index}].transformation"
                yield from _nested_transformations(inner_location, entry["transformation"])
    elif kind == "bijection":
        for field in ("forward", "inverse"):
            if field in value:
                yield from _nested_transformations(f"{location}.{field}", value[field])


def find_cycle(edges: Mapping[Any, list[Any]]) -> list[Any] | None:
    """A cycle of the document graph ``edges`` (document -> the documents its
    paths name), as ``[a, b, ..., a]``, or ``None`` for a graph without one
    (RFC-8 trees are acyclic; a document may still be named twice). Iterative
    depth-first search, linear in nodes and edges. Never raises."""
    state: dict[Any, int] = {}  # 1: on the current path, 2: done
    for start in edges:
        if state.get(start):
            continue
        path, stack = [start], [iter(edges.get(start, ()))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges.get(nxt, ())))
    return None

