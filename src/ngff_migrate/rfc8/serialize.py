"""JSON (de)serialisation of RFC-8 documents and nodes.

Spec: RFC-8 v1 (draft v1-2026-08), "Metadata storage": a document is the
``ome`` object of a ``zarr.json`` group/array's ``attributes`` or of a
standalone ``*.json`` file. These functions work on that ``ome`` object as a
plain ``dict``; reading and writing files is someone else's job.

Parsing is non-strict (see :mod:`ngff_migrate.rfc8.model`): any JSON object
parses, and ``dump(parse(x)) == x`` for every object ``x`` (key order is
normalised). Validation is :func:`ngff_migrate.rfc8.rules.check_document`'s
job, on the raw dict.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .model import PARSING, AnyNode, Document, Node, OpaqueNode

__all__ = ["dump_document", "dump_node", "parse_document", "parse_node"]

_NODE_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyNode)
_PARSE_CONTEXT = {PARSING: True}


def _require_mapping(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a JSON object (a mapping), got {type(value).__name__}")
    # Deep copy: raw fallbacks would otherwise alias the caller's objects.
    return copy.deepcopy(dict(value))


def parse_node(data: Mapping[str, Any]) -> Node:
    """Parse one node object (RFC-8 v1, "Node") into its model class.

    ``collection``, ``multiscale`` and ``singlescale`` nodes become
    :class:`CollectionNode` / :class:`MultiscaleNode` /
    :class:`SinglescaleNode`; prefixed custom types, and nodes whose own
    fields cannot be typed, become :class:`OpaqueNode` (kept verbatim). The
    input is not modified and not aliased.

    Raises:
        TypeError: if ``data`` is not a mapping.
    """
    node = _NODE_ADAPTER.validate_python(_require_mapping(data, "a node"), context=_PARSE_CONTEXT)
    if not isinstance(node, BaseModel):  # pragma: no cover - a dict always gives a model
        return OpaqueNode.model_validate(node, context=_PARSE_CONTEXT)
    return node


def dump_node(node: Node) -> dict[str, Any]:
    """Serialise a node model to its JSON object (RFC-8 v1, "Node").

    Only fields that were given are written (no invented ``null``); key
    order is ``version, type, id, name, path, attributes, nodes`` and then
    extra keys in their original order.

    Raises:
        TypeError: if ``node`` is not a node model.
    """
    if not isinstance(node, BaseModel) or isinstance(node, Document):
        raise TypeError(f"dump_node expects a node model, got {type(node).__name__}")
    return node.model_dump(mode="json", exclude_unset=True)


def parse_document(ome: Mapping[str, Any]) -> Document:
    """Parse an ``ome`` object (RFC-8 v1, "Metadata storage") into a :class:`Document`.

    The root node's ``version`` becomes :attr:`Document.version`; everything
    else is the root node, parsed with :func:`parse_node`. A document without
    ``version`` still parses (``Document.version`` stays unset).

    Raises:
        TypeError: if ``ome`` is not a mapping.
    """
    data = _require_mapping(ome, "the 'ome' object")
    fields: dict[str, Any] = {}
    if "version" in data:
        fields["version"] = data.pop("version")
    fields["root"] = data
    return Document.model_validate(fields, context=_PARSE_CONTEXT)


def dump_document(doc: Document) -> dict[str, Any]:
    """Serialise a :class:`Document` to its ``ome`` object (RFC-8 v1, "Field: version").

    ``version`` is written first, then the root node as :func:`dump_node`
    writes it.

    Raises:
        TypeError: if ``doc`` is not a :class:`Document`.
        ValueError: if both the document and its root node set a ``version``
            and the two differ.
    """
    if not isinstance(doc, Document):
        raise TypeError(f"dump_document expects a Document, got {type(doc).__name__}")
    root = dump_node(doc.root)
    if "version" not in doc.model_fields_set:
        return root
    if "version" in root and root["version"] != doc.version:
        raise ValueError(
            f"document version {doc.version!r} differs from the root node's {root['version']!r}"
        )
    root.pop("version", None)
    return {"version": doc.version, **root}
