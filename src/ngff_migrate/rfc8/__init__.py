"""The RFC-8 v1 node model (draft v1-2026-08): models, JSON I/O, ids and rules.

This package depends on nothing else in ``ngff_migrate``. In short:

* :mod:`.model` - the node model (plain objects) of nodes, paths, references, coordinate
  systems/transformations, labels, HCS and scene metadata;
* :mod:`.serialize` - :func:`parse_document` / :func:`dump_document` (and
  per node) between the ``ome`` dict and the models, loss-free;
* :mod:`.rules` - :func:`check_document`, the rule checker with stable rule
  ids (:data:`RULES`) and JSON locations;
* :mod:`.schemas` - validation against the fractal RFC-8 JSON schemas;
* :mod:`.ids` - the id production and a deterministic :class:`IdAllocator`;
* :mod:`.spec` - the reserved vocabulary and the prefix naming scheme.
"""

from .ids import ID_PATTERN, IdAllocator, is_valid_id, sanitize_id
from .model import (
    Acquisition,
    AnyNode,
    Attributes,
    Axis,
    ByDimensionEntry,
    CollectionNode,
    Column,
    CoordinateSystem,
    CoordinateTransformation,
    Document,
    LabelAttribute,
    Labels,
    ModelError,
    MultiscaleNode,
    Node,
    OpaqueNode,
    Path,
    Plate,
    Reference,
    Row,
    Scene,
    SinglescaleNode,
    SpecModel,
    SpecObject,
    Well,
)
from .rules import RULES, RuleInfo, Violation, check_document
from .serialize import dump_document, dump_node, parse_document, parse_node
from .spec import (
    ATTRIBUTE_KEYS,
    AXIS_TYPES,
    NODE_TYPES,
    PATH_TYPES,
    SPEC_VERSION,
    TRANSFORMATION_TYPES,
    is_ome_prefixed,
    is_prefixed,
)

__all__ = [
    "ATTRIBUTE_KEYS",
    "AXIS_TYPES",
    "ID_PATTERN",
    "NODE_TYPES",
    "PATH_TYPES",
    "RULES",
    "SPEC_VERSION",
    "TRANSFORMATION_TYPES",
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
    "IdAllocator",
    "LabelAttribute",
    "Labels",
    "MultiscaleNode",
    "Node",
    "OpaqueNode",
    "Path",
    "Plate",
    "Reference",
    "Row",
    "RuleInfo",
    "Scene",
    "SinglescaleNode",
    "ModelError",
    "SpecModel",
    "SpecObject",
    "Violation",
    "Well",
    "check_document",
    "dump_document",
    "dump_node",
    "is_ome_prefixed",
    "is_path_only_stub",
    "is_prefixed",
    "is_valid_id",
    "iter_schema_errors",
    "parse_document",
    "parse_node",
    "sanitize_id",
    "schema_errors",
    "schema_errors_excluding_stubs",
]

#: Loaded on first use: the JSON-schema checks import ``jsonschema`` (~50 ms).
_LAZY = {"is_path_only_stub", "iter_schema_errors", "schema_errors", "schema_errors_excluding_stubs"}


def __getattr__(name: str):
    if name in _LAZY:
        from . import schemas

        return getattr(schemas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
