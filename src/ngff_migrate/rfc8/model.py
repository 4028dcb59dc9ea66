"""The RFC-8 v1 node model (draft v1-2026-08) as plain Python objects.

The classes mirror the spec text and are what the translators build, what
:class:`~ngff_migrate.formats.plan.MigrationPlan` carries and what the
writers serialise (once, with :meth:`SpecObject.to_json`). They are plain
objects with a small field table each, not pydantic models: building and
serialising a 384-well plate's thousands of documents must cost
milliseconds, and importing the model must not cost the ~0.2 s a pydantic
model set does (issue #8, start-up cost).

Conventions, as before:

* **Unknown keys survive.** Every object keeps keys it does not name
  (prefixed extension keys, RFC-5 parameters, drafts' fields) in
  :attr:`SpecObject.extra`, written after the known fields in their order.
* **Non-strict parsing.** :meth:`SpecObject.parse` keeps a value that does
  not have its spec shape (a ``labels`` that is a string, a reference
  without ``id``) verbatim as raw JSON at its position; a core node that
  cannot be typed becomes an :class:`OpaqueNode`. The rule checker
  (:func:`ngff_migrate.rfc8.rules.check_document`) says what is wrong.
  Known fields therefore hold either their type or raw JSON: check with
  ``isinstance`` before relying on the type.
* **Unset means absent.** Only fields that were given are written. Passing
  ``None`` to a constructor means "not given"; a ``null`` present in a
  parsed document is kept.
* **Builders are strict.** Constructors check types without coercion (a
  tuple is not a list, ``True`` is not a number) and raise
  :class:`ModelError`. A node's ``type`` defaults to its class's type.

Output order: ``version, type, id, name, path, attributes, nodes`` for nodes;
attribute keys in the order of :data:`~ngff_migrate.rfc8.spec.ATTRIBUTE_KEYS`;
the spec's table order inside the other objects; extra keys last.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

from .objects import (
    _RAW,
    ANY,
    AXIS_REFS,
    BOOL,
    CLASSES,
    INTS,
    MATRIX,
    NUMBER,
    NUMBERS,
    STR,
    ModelError,
    SpecModel,
    SpecObject,
    _dump,
    _first,
    _Kind,
    _list,
    _obj,
)

__all__ = [
    "Acquisition", "AnyNode", "Attributes", "Axis", "ByDimensionEntry", "CollectionNode", "Column",
    "CoordinateSystem", "CoordinateTransformation", "Document", "LabelAttribute", "Labels", "ModelError",
    "MultiscaleNode", "Node", "OpaqueNode", "Path", "Plate", "Reference", "Row", "Scene",
    "SinglescaleNode", "SpecModel", "SpecObject", "Well",
]


def _node_kind() -> _Kind:
    def check(v: Any) -> bool:
        return isinstance(v, (_CoreNode, OpaqueNode))

    def parse(v: Any) -> Any:
        return parse_any_node(v) if isinstance(v, Mapping) else _RAW

    return _Kind(check, parse, what="a node")



# --------------------------------------------------------------------------- building blocks


class Path(SpecObject):
    """A typed path (RFC-8 v1, "Path interface"): ``type`` is ``"zarr"``,
    ``"json"`` or a prefixed extension type; ``path`` a relative path, a
    ``file://`` URL or an HTTP(S) URL."""

    __slots__ = ()
    FIELDS = {"type": STR, "path": STR}
    REQUIRED = ("type", "path")


class Reference(SpecObject):
    """A reference to an object by id (RFC-8 v1, "Reference interface"); ``path``
    locates the document holding the id and MUST be present for external references."""

    __slots__ = ()
    FIELDS = {"id": STR, "path": _obj("Path")}
    REQUIRED = ("id",)
    LENIENT = frozenset({"path"})


class Axis(SpecObject):
    """An axis of a coordinate system (RFC-5; RFC-8 v1 "Coordinate System");
    ``type`` is an RFC-5 axis type or a prefixed one; ``unit`` an RFC-5 unit name."""

    __slots__ = ()
    FIELDS = {"name": STR, "type": STR, "unit": STR, "discrete": BOOL, "longName": STR}
    REQUIRED = ("name",)


class CoordinateSystem(SpecObject):
    """A coordinate system (RFC-8 v1, "Coordinate System interface"): ``axes`` in array order."""

    __slots__ = ()
    FIELDS = {"id": STR, "name": STR, "axes": _list(_obj("Axis"))}
    REQUIRED = ("id", "axes")
    LENIENT = frozenset({"axes"})


class CoordinateTransformation(SpecObject):
    """A coordinate transformation (RFC-8 v1, "Coordinate Transformation interface").

    ``type`` is an RFC-5 type (identity, mapAxis, projectAxis, translation,
    scale, affine, rotation, sequence, displacements, coordinates,
    bijection, byDimension) or a prefixed extension type; ``scale`` and
    ``translation`` are per axis in the input's axis order and units.
    ``input``/``output`` are references; transformations nested in a
    ``sequence``, ``bijection`` or ``byDimension`` usually omit them.
    """

    __slots__ = ()
    FIELDS = {"type": STR, "name": STR, "input": _obj("Reference"), "output": _obj("Reference"),
              "scale": NUMBERS, "translation": NUMBERS, "affine": MATRIX, "rotation": MATRIX,
              "mapAxis": INTS, "droppedInputs": INTS, "createdOutputs": INTS, "path": STR,
              "interpolation": STR, "transformations": None, "forward": _obj("CoordinateTransformation"),
              "inverse": _obj("CoordinateTransformation")}
    REQUIRED = ("type",)
    LENIENT = frozenset(FIELDS) - {"type", "name"}


class ByDimensionEntry(SpecObject):
    """One entry of a ``byDimension`` transformation's ``transformations`` (RFC-5)."""

    __slots__ = ()
    FIELDS = {"transformation": _obj("CoordinateTransformation"), "inputAxes": AXIS_REFS,
              "outputAxes": AXIS_REFS}
    REQUIRED = ("transformation",)
    LENIENT = frozenset(FIELDS)


CoordinateTransformation.FIELDS["transformations"] = _list(
    _first(_obj("CoordinateTransformation"), _obj("ByDimensionEntry")))


class Scene(SpecObject):
    """Collection-level spatial layout (RFC-8 v1, "Scene attribute")."""

    __slots__ = ()
    FIELDS = {"coordinateSystems": _list(_obj("CoordinateSystem")),
              "coordinateTransformations": _list(_obj("CoordinateTransformation"))}
    REQUIRED = ("coordinateTransformations",)
    LENIENT = frozenset(FIELDS)


class LabelAttribute(SpecObject):
    """One label's attributes (RFC-8 v1, "Label Attributes interface"); extra keys MUST be prefixed."""

    __slots__ = ()
    FIELDS = {"labelValue": NUMBER, "color": INTS}
    REQUIRED = ("labelValue",)
    LENIENT = frozenset({"color"})


class Labels(SpecObject):
    """The ``labels`` attribute marking a label map (RFC-8 v1, "Label maps")."""

    __slots__ = ()
    FIELDS = {"labelAttributes": _list(_obj("LabelAttribute")), "source": _list(_obj("Reference"))}
    LENIENT = frozenset(FIELDS)


class _PlateEntry(SpecObject):
    __slots__ = ()
    FIELDS = {"id": STR, "name": STR}
    REQUIRED = ("id",)


class Row(_PlateEntry):
    """A plate row (RFC-8 v1, "Row interface")."""

    __slots__ = ()


class Column(_PlateEntry):
    """A plate column (RFC-8 v1, "Column interface")."""

    __slots__ = ()


class Acquisition(_PlateEntry):
    """A plate acquisition (RFC-8 v1, "Acquisition interface")."""

    __slots__ = ()


class Plate(SpecObject):
    """The ``plate`` attribute of a plate collection (RFC-8 v1, "Plate attribute")."""

    __slots__ = ()
    FIELDS = {"rows": _list(_obj("Row")), "columns": _list(_obj("Column")),
              "acquisitions": _list(_obj("Acquisition"))}
    REQUIRED = ("rows", "columns")
    LENIENT = frozenset(FIELDS)


class Well(SpecObject):
    """The ``well`` attribute of a well collection (RFC-8 v1, "Well attribute")."""

    __slots__ = ()
    FIELDS = {"row": _obj("Reference"), "column": _obj("Reference")}
    REQUIRED = ("row", "column")
    LENIENT = frozenset(FIELDS)


class Attributes(SpecObject):
    """A node's ``attributes`` (RFC-8 v1, "Attributes"): the unprefixed keys
    RFC-8 defines are fields; every other key (which MUST be prefixed, e.g.
    ``mobie:grid``) is kept verbatim in :attr:`extra`, in its order."""

    __slots__ = ()
    FIELDS = {"coordinateSystems": _list(_obj("CoordinateSystem")),
              "coordinateTransformations": _list(_obj("CoordinateTransformation")),
              "labels": _obj("Labels"), "plate": _obj("Plate"), "well": _obj("Well"),
              "acquisition": _obj("Reference"), "scene": _obj("Scene")}
    LENIENT = frozenset(FIELDS)


# --------------------------------------------------------------------------- nodes


class _CoreNode(SpecObject):
    """Fields of the ``Node`` interface (RFC-8 v1, "Node")."""

    __slots__ = ()
    NODE_TYPE: ClassVar[str] = ""
    FIELDS = {"version": STR, "type": STR, "id": STR, "name": STR, "path": _obj("Path"),
              "attributes": _obj("Attributes")}
    REQUIRED = ("type", "name")
    LENIENT = frozenset({"version", "id", "path", "attributes", "nodes"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("type", self.NODE_TYPE)
        if kwargs["type"] != self.NODE_TYPE:
            raise ModelError(f"{type(self).__name__}.type must be {self.NODE_TYPE!r}")
        super().__init__(**kwargs)


class CollectionNode(_CoreNode):
    """A ``collection`` node (RFC-8 v1, "Collection node"): exactly one of
    ``nodes`` (inline children) or ``path`` (where the children are defined)."""

    __slots__ = ()
    NODE_TYPE = "collection"
    FIELDS = {**_CoreNode.FIELDS, "nodes": _list(_node_kind())}


class MultiscaleNode(_CoreNode):
    """A ``multiscale`` node (RFC-8 v1, "Multiscale node"): ``nodes`` are the
    resolution levels (``singlescale`` nodes), largest first; inline, its
    ``attributes`` MUST carry ``coordinateSystems``."""

    __slots__ = ()
    NODE_TYPE = "multiscale"
    FIELDS = {**_CoreNode.FIELDS, "nodes": _list(_node_kind())}


class SinglescaleNode(_CoreNode):
    """A ``singlescale`` node, one resolution level (RFC-8 v1, "Singlescale
    node"): ``path`` names its Zarr array; ``attributes.coordinateTransformations``
    holds exactly one ``scale`` or ``sequence [scale, translation]`` from its
    own id to a coordinate system of the parent multiscale."""

    __slots__ = ()
    NODE_TYPE = "singlescale"


class OpaqueNode(SpecObject):
    """A node this model does not interpret, kept verbatim (RFC-8 v1,
    "Extensions"): prefixed custom node types (``mobie:spots_table``), and
    nodes whose own fields cannot be typed (no ``name``, a non-string
    ``type``). Its ``nodes`` and ``attributes`` stay raw JSON."""

    __slots__ = ()
    FIELDS = dict.fromkeys(("version", "type", "id", "name", "path", "attributes", "nodes"), ANY)
    LENIENT = frozenset(FIELDS)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> OpaqueNode:
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_values", {k: copy.deepcopy(v) for k, v in data.items() if k in cls.FIELDS})
        object.__setattr__(obj, "extra", {k: copy.deepcopy(v) for k, v in data.items() if k not in cls.FIELDS})
        return obj


#: Any node object; the concrete class follows its ``type``.
Node = CollectionNode | MultiscaleNode | SinglescaleNode | OpaqueNode
#: A position holding a node: a node object, or raw JSON if not even an object.
AnyNode = Node | Any

_NODE_CLASSES = {"collection": CollectionNode, "multiscale": MultiscaleNode, "singlescale": SinglescaleNode}


def parse_any_node(data: Mapping[str, Any]) -> Node:
    """A node object from its JSON: typed by ``type``, else an :class:`OpaqueNode`."""
    cls = _NODE_CLASSES.get(data.get("type")) if isinstance(data.get("type"), str) else None
    if cls is not None:
        node = cls.parse(data)
        if node is not _RAW:
            return node
    return OpaqueNode.parse(data)


class Document(SpecObject):
    """An RFC-8 document: the ``ome`` object, i.e. a root node plus ``version``
    (RFC-8 v1, "Node / Field: version", "Metadata storage"). The root node
    carries the document's ``version``; here it is held separately in
    :attr:`version` and written first."""

    __slots__ = ()
    FIELDS = {"version": STR, "root": _node_kind()}
    REQUIRED = ("root",)
    LENIENT = frozenset({"version"})

    def to_json(self) -> dict[str, Any]:
        """The ``ome`` object: ``version`` first, then the root node's fields.

        Raises
        ------
        ValueError
            If both the document and its root node set a ``version`` and they differ.
        """
        root = _dump(self._values["root"])
        if "version" not in self._values:
            return root
        if "version" in root and root["version"] != self._values["version"]:
            raise ValueError(f"document version {self._values['version']!r} differs from the "
                             f"root node's {root['version']!r}")
        root.pop("version", None)
        return {"version": self._values["version"], **root}


CLASSES.update({
    c.__name__: c for c in (Path, Reference, Axis, CoordinateSystem, CoordinateTransformation,
                            ByDimensionEntry, Scene, LabelAttribute, Labels, Row, Column,
                            Acquisition, Plate, Well, Attributes)})
