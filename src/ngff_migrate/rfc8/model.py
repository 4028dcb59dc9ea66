"""Pydantic v2 models of the RFC-8 v1 node model (draft v1-2026-08).

The models mirror the spec text and are meant for *building* and
*serialising* documents. Three conventions hold throughout:

* **Unknown keys survive.** Every model allows extra keys (prefixed extension
  keys, RFC-5 parameters this module does not name, legacy drafts' fields)
  and writes them back unchanged, after the known fields, in their order.
* **Non-strict parsing.** A value that does not have its spec shape (a
  ``labels`` that is a string, a reference without ``id``, a node without a
  name) is kept verbatim as raw JSON at its position instead of failing the
  parse; a core node that cannot be typed becomes an :class:`OpaqueNode`.
  :func:`ngff_migrate.rfc8.rules.check_document` says what is wrong and where.
  Known fields are therefore annotated ``T | Any``: code reading a parsed
  document should ``isinstance``-check before relying on ``T``.
* **Unset means absent.** Only fields that were given are written; no
  ``null`` is ever invented. Passing ``None`` to a constructor means "not
  given"; a ``null`` present in a parsed document is kept (RFC-8 allows, for
  example, ``"path": null`` in references).

Building: constructors validate strictly (no coercion: a tuple is not a list,
``True`` is not a number) and raise :class:`pydantic.ValidationError`; a
node's ``type`` defaults to its class's type. ``dump_node(node)`` equals
``node.model_dump(mode="json", exclude_unset=True)``.

Output field order (stable, chosen for readability): ``version``, ``type``,
``id``, ``name``, ``path``, ``attributes``, ``nodes`` for nodes; the
attribute keys in the order of :data:`ngff_migrate.rfc8.spec.ATTRIBUTE_KEYS`;
the spec's own table order inside the other objects; extra keys last.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

__all__ = [
    "Acquisition",
    "AnyNode",
    "Attributes",
    "Axis",
    "ByDimensionEntry",
    "CollectionNode",
    "Column",
    "CoordinateSystem",
    "CoordinateTransformation",
    "Document",
    "LabelAttribute",
    "Labels",
    "MultiscaleNode",
    "Node",
    "OpaqueNode",
    "Path",
    "Plate",
    "Reference",
    "Row",
    "Scene",
    "SinglescaleNode",
    "SpecModel",
    "Well",
]

T = TypeVar("T")

#: ``T`` when the value has the spec shape, otherwise the raw JSON value.
Lenient = Annotated[T | Any, Field(union_mode="left_to_right")]

#: A JSON number; ``int`` stays ``int`` so that output bytes match input.
Number = int | float

#: Validation-context key set by the parser: keep explicit ``null`` values and
#: require a node's ``type`` to be present in the data (builders may omit it).
PARSING = "ngff_migrate.rfc8.parsing"


class SpecModel(BaseModel):
    """Base of every RFC-8 object: strict types, extra keys kept, unset omitted.

    Not part of the spec itself; see the module docstring for the
    conventions. Raises :class:`pydantic.ValidationError` on construction
    when a required field is missing or a typed field has the wrong type.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    #: Fields always written even when left at their default (node ``type``).
    _always_written: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _normalise_fields_set(self, info: ValidationInfo) -> SpecModel:
        fields_set = self.__pydantic_fields_set__
        if not (info.context or {}).get(PARSING):
            for name in type(self).model_fields:
                if name in fields_set and getattr(self, name) is None:
                    fields_set.discard(name)
        fields_set.update(self._always_written)
        return self


# --- Building blocks -------------------------------------------------------


class Path(SpecModel):
    """A typed path (RFC-8 v1, "Path interface").

    ``type`` is ``"zarr"``, ``"json"`` or a prefixed extension type; ``path``
    is a relative path, a ``file://`` URL or an HTTP(S) URL.
    """

    type: str
    path: str


class Reference(SpecModel):
    """A reference to an object by id (RFC-8 v1, "Reference interface").

    ``path`` locates the document holding the id; it MUST be present for
    external references.
    """

    id: str
    path: Lenient[Path] = None


# --- Coordinate systems and transformations (RFC-5 within RFC-8) ----------


class Axis(SpecModel):
    """An axis of a coordinate system (RFC-5; RFC-8 v1 "Coordinate System").

    ``type`` is an extension point: an RFC-5 axis type or a prefixed one.
    """

    name: str
    type: str | None = None
    unit: str | None = None
    discrete: bool | None = None
    longName: str | None = None


class CoordinateSystem(SpecModel):
    """A coordinate system (RFC-8 v1, "Coordinate System interface")."""

    id: str
    name: str | None = None
    axes: Lenient[list[Lenient[Axis]]]


class ByDimensionEntry(SpecModel):
    """One entry of a ``byDimension`` transformation's ``transformations`` (RFC-5)."""

    transformation: Lenient[CoordinateTransformation]
    inputAxes: Lenient[list[int | str]] = None
    outputAxes: Lenient[list[int | str]] = None


class CoordinateTransformation(SpecModel):
    """A coordinate transformation (RFC-8 v1, "Coordinate Transformation interface").

    ``type`` is an RFC-5 type (identity, mapAxis, projectAxis, translation,
    scale, affine, rotation, sequence, displacements, coordinates,
    bijection, byDimension) or a prefixed extension type; each type's
    parameters are typed below, any other key is kept as an extra.
    ``input``/``output`` are references; transformations nested in a
    ``sequence``, ``bijection`` or ``byDimension`` usually omit them.
    """

    type: str
    name: str | None = None
    input: Lenient[Reference] = None
    output: Lenient[Reference] = None
    scale: Lenient[list[Number]] = None
    translation: Lenient[list[Number]] = None
    affine: Lenient[list[list[Number]]] = None
    rotation: Lenient[list[list[Number]]] = None
    mapAxis: Lenient[list[int]] = None
    droppedInputs: Lenient[list[int]] = None
    createdOutputs: Lenient[list[int]] = None
    path: Lenient[str] = None
    interpolation: Lenient[str] = None
    transformations: Lenient[list[Lenient[CoordinateTransformation | ByDimensionEntry]]] = None
    forward: Lenient[CoordinateTransformation] = None
    inverse: Lenient[CoordinateTransformation] = None


class Scene(SpecModel):
    """Collection-level spatial layout (RFC-8 v1, "Scene attribute")."""

    coordinateSystems: Lenient[list[Lenient[CoordinateSystem]]] = None
    coordinateTransformations: Lenient[list[Lenient[CoordinateTransformation]]]


# --- Labels ----------------------------------------------------------------


class LabelAttribute(SpecModel):
    """One label's attributes (RFC-8 v1, "Label Attributes interface").

    Extra keys MUST be prefixed; they are kept as extras.
    """

    labelValue: Number
    color: Lenient[list[int]] = None


class Labels(SpecModel):
    """The ``labels`` attribute marking a label map (RFC-8 v1, "Label maps")."""

    labelAttributes: Lenient[list[Lenient[LabelAttribute]]] = None
    source: Lenient[list[Lenient[Reference]]] = None


# --- High-content screening -------------------------------------------------


class _PlateEntry(SpecModel):
    id: str
    name: str | None = None


class Row(_PlateEntry):
    """A plate row (RFC-8 v1, "Row interface")."""


class Column(_PlateEntry):
    """A plate column (RFC-8 v1, "Column interface")."""


class Acquisition(_PlateEntry):
    """A plate acquisition (RFC-8 v1, "Acquisition interface")."""


class Plate(SpecModel):
    """The ``plate`` attribute of a plate collection (RFC-8 v1, "Plate attribute")."""

    rows: Lenient[list[Lenient[Row]]]
    columns: Lenient[list[Lenient[Column]]]
    acquisitions: Lenient[list[Lenient[Acquisition]]] = None


class Well(SpecModel):
    """The ``well`` attribute of a well collection (RFC-8 v1, "Well attribute")."""

    row: Lenient[Reference]
    column: Lenient[Reference]


# --- Attributes and nodes ----------------------------------------------------


class Attributes(SpecModel):
    """A node's ``attributes`` (RFC-8 v1, "Attributes").

    The unprefixed keys RFC-8 defines are typed fields; every other key
    (which MUST be prefixed, e.g. ``mobie:grid``) is kept verbatim as an
    extra, in its original order.
    """

    coordinateSystems: Lenient[list[Lenient[CoordinateSystem]]] = None
    coordinateTransformations: Lenient[list[Lenient[CoordinateTransformation]]] = None
    labels: Lenient[Labels] = None
    plate: Lenient[Plate] = None
    well: Lenient[Well] = None
    acquisition: Lenient[Reference] = None
    scene: Lenient[Scene] = None


class _CoreNode(SpecModel):
    """Fields of the ``Node`` interface (RFC-8 v1, "Node")."""

    _always_written = frozenset({"type"})

    version: Lenient[str] = None
    type: str
    id: Lenient[str] = None
    name: str
    path: Lenient[Path] = None
    attributes: Lenient[Attributes] = None

    @model_validator(mode="before")
    @classmethod
    def _parsed_type_is_present(cls, data: Any, info: ValidationInfo) -> Any:
        # The default ``type`` serves builders; a parsed object without one
        # is not this node type (it becomes an OpaqueNode).
        if (info.context or {}).get(PARSING) and isinstance(data, dict) and "type" not in data:
            raise ValueError("a parsed node must declare its 'type'")
        return data


class CollectionNode(_CoreNode):
    """A ``collection`` node (RFC-8 v1, "Collection node").

    Exactly one of ``nodes`` (inline children) or ``path`` (where the
    children are defined) MUST be present; the rule checker enforces it.
    """

    type: Literal["collection"] = "collection"
    nodes: Lenient[list[AnyNode]] = None


class MultiscaleNode(_CoreNode):
    """A ``multiscale`` node (RFC-8 v1, "Multiscale node").

    ``nodes`` are the resolution levels (``singlescale`` nodes); its
    ``attributes`` MUST carry ``coordinateSystems`` when it is defined inline.
    """

    type: Literal["multiscale"] = "multiscale"
    nodes: Lenient[list[AnyNode]] = None


class SinglescaleNode(_CoreNode):
    """A ``singlescale`` node, one resolution level (RFC-8 v1, "Singlescale node").

    Its ``attributes.coordinateTransformations`` holds exactly one ``scale``
    or a ``sequence`` of ``[scale, translation]`` from its own id to a
    coordinate system of the parent multiscale.
    """

    type: Literal["singlescale"] = "singlescale"


class OpaqueNode(SpecModel):
    """A node this model does not interpret, kept verbatim (RFC-8 v1, "Extensions").

    Used for prefixed custom node types (``mobie:spots_table``), which
    implementations SHOULD treat as opaque, and as the fallback for a node
    whose own fields cannot be typed (missing ``name``, non-string ``type``,
    ...). Its ``nodes`` and ``attributes`` stay raw JSON.
    """

    version: Any = None
    type: Any = None
    id: Any = None
    name: Any = None
    path: Any = None
    attributes: Any = None
    nodes: Any = None


#: Any node object; the concrete class follows its ``type``.
Node = CollectionNode | MultiscaleNode | SinglescaleNode | OpaqueNode

#: A position holding a node: a node model, or raw JSON if not even an object.
AnyNode = Annotated[
    CollectionNode | MultiscaleNode | SinglescaleNode | OpaqueNode | Any,
    Field(union_mode="left_to_right"),
]


class Document(SpecModel):
    """An RFC-8 document: the ``ome`` object, i.e. a root node plus ``version``.

    Spec: RFC-8 v1, "Node / Field: version" and "Metadata storage". The root
    node carries the document's ``version``; here it is held separately in
    :attr:`version` and written first. Use
    :func:`ngff_migrate.rfc8.serialize.parse_document` /
    :func:`~ngff_migrate.rfc8.serialize.dump_document` for JSON.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    version: Lenient[str] = None
    root: AnyNode


for _model in (
    ByDimensionEntry,
    CoordinateTransformation,
    CollectionNode,
    MultiscaleNode,
    Document,
):
    _model.model_rebuild()
del _model
