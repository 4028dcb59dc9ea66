"""JSON (de)serialisation of RFC-8 documents and nodes.

Spec: RFC-8 v1 (draft v1-2026-08), "Metadata storage": a document is the
``ome`` object of a ``zarr.json`` group/array's ``attributes`` or of a
standalone ``*.json`` file. These functions work on that ``ome`` object as a
plain ``dict``; reading and writing files is someone else's job.

Parsing is non-strict (see :mod:`ngff_migrate.rfc8.model`): any JSON object
parses, and ``dump(parse(x)) == x`` for every object ``x`` (key order is
normalised). Validation is :func:`ngff_migrate.rfc8.rules.check_document`'s
job, on the raw dict. Translators build model objects directly and the
writers call :func:`dump_document` once per document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Document, Node, OpaqueNode, SpecObject, _CoreNode, parse_any_node

__all__ = ["dump_document", "dump_node", "parse_document", "parse_node"]


def _require_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a JSON object (a mapping), got {type(value).__name__}")
    return value


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
    return parse_any_node(_require_mapping(data, "a node"))


def dump_node(node: Node) -> dict[str, Any]:
    """Serialise a node to its JSON object (RFC-8 v1, "Node").

    Only fields that were given are written (no invented ``null``); key
    order is ``version, type, id, name, path, attributes, nodes`` and then
    extra keys in their original order.

    Raises:
        TypeError: if ``node`` is not a node object.
    """
    if not isinstance(node, (_CoreNode, OpaqueNode)):
        raise TypeError(f"dump_node expects a node object, got {type(node).__name__}")
    return node.to_json()


def parse_document(ome: Mapping[str, Any]) -> Document:
    """Parse an ``ome`` object (RFC-8 v1, "Metadata storage") into a :class:`Document`.

    The root node's ``version`` becomes :attr:`Document.version`; everything
    else is the root node, parsed with :func:`parse_node`. A document without
    ``version`` still parses (``Document.version`` stays unset).

    Raises:
        TypeError: if ``ome`` is not a mapping.
    """
    data = dict(_require_mapping(ome, "the 'ome' object"))
    fields: dict[str, Any] = {}
    doc = Document.__new__(Document)
    object.__setattr__(doc, "_values", fields)
    object.__setattr__(doc, "extra", {})
    if "version" in data:
        fields["version"] = data.pop("version")
    fields["root"] = parse_any_node(data)
    return doc


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
    return doc.to_json()


def to_json(value: SpecObject | Any) -> Any:
    """Any model object (or JSON value holding them) as plain JSON."""
    from .objects import _dump

    return _dump(value)
