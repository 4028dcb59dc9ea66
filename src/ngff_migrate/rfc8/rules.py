"""Rule checks for RFC-8 v1 documents (draft v1-2026-08), on the raw ``ome`` dict.

The checker works on the raw JSON rather than on the models so that it can
diagnose anything (a node without ``type``, a ``plate`` that is a string) and
say exactly where: locations look like
``ome.nodes[0].attributes.labels.source[0]``; keys that are not plain names
are quoted, e.g. ``ome.attributes["ome:grid"]``.

Rule ids are stable. The first 19 are those of ngff-zarr's RFC-8 validator
(``fideus-labs/ngff-zarr``, ``py/test/rfc8_collection_cases.json``) with the
same locations; the rest cover the remaining MUSTs of the spec. Violations
are ordered by rule (in :data:`RULES` order) and then by document order, so
``violations[0]`` is the one a fail-fast checker with ngff-zarr's rule order
reports first. Unlike ngff-zarr, the RFC-8 v1 rules always apply, whatever
version is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import _checks_core as core
from . import _checks_extra as extra
from .walk import Context

__all__ = ["RULES", "RuleInfo", "Violation", "check_document"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: its stable id, a human message and a JSON location.

    Spec: the RFC-8 v1 section named in ``RULES[rule].section``.
    """

    rule: str
    message: str
    location: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.location}: {self.message}"


class RuleInfo(NamedTuple):
    """What a rule checks (one line) and the RFC-8 v1 section it implements."""

    description: str
    section: str


_Check = Callable[[Context], Iterable[tuple[str, str]]]

_NODE = "Node"
_PATH = "Path interface"
_REFERENCE = "Reference interface"
_TRANSFORMS = "Coordinate transformations"
_LABELS = "Label maps and other derived images"
_EXTENSIONS = "Extensions / Naming scheme"

_TABLE: tuple[tuple[str, str, str, _Check], ...] = (
    # --- shared with ngff-zarr, in its canonical order -----------------------
    (
        "node-type-required",
        "Every node declares a non-empty string 'type'.",
        _NODE,
        core.node_type_required,
    ),
    (
        "node-name-required",
        "Every node declares a non-empty string 'name'.",
        _NODE,
        core.node_name_required,
    ),
    ("node-name-unique", "Sibling nodes have distinct names.", _NODE, core.node_name_unique),
    (
        "node-id-format",
        "Every id (nodes, coordinate systems, plate entries, references) matches [a-zA-Z0-9-_.]+.",
        _NODE,
        core.node_id_format,
    ),
    (
        "node-id-unique",
        "Node, coordinate-system and plate-entry ids are unique within the document.",
        _NODE,
        core.node_id_unique,
    ),
    (
        "node-nodes-xor-path",
        "A collection or multiscale node has exactly one of 'nodes' and 'path'.",
        "Collection node / Multiscale node",
        core.node_nodes_xor_path,
    ),
    (
        "path-type-known",
        "A path 'type' is 'zarr', 'json' or a prefixed extension type.",
        _PATH,
        core.path_type_known,
    ),
    (
        "coordinate-system-id-required",
        "Every coordinate system declares an 'id'.",
        "Coordinate System interface",
        core.coordinate_system_id_required,
    ),
    (
        "reference-id-required",
        "Transformation inputs/outputs and label sources are references with an 'id'.",
        _REFERENCE,
        core.reference_id_required,
    ),
    (
        "reference-path-required",
        "A reference whose id is not declared in the document carries a 'path'.",
        _REFERENCE,
        core.reference_path_required,
    ),
    (
        "label-value-required",
        "Every labelAttributes entry declares a numeric 'labelValue'.",
        "Label Attributes interface",
        core.label_value_required,
    ),
    (
        "label-color-format",
        "A label 'color' is four integers between 0 and 255.",
        "Label Attributes interface",
        core.label_color_format,
    ),
    (
        "scene-transformations-required",
        "A 'scene' is an object with a non-empty 'coordinateTransformations' array.",
        "Scene attribute",
        core.scene_transformations_required,
    ),
    (
        "plate-columns-rows-required",
        "A 'plate' is an object with non-empty 'columns' and 'rows' (and array 'acquisitions').",
        "Plate attribute",
        core.plate_columns_rows_required,
    ),
    (
        "well-reference-resolves",
        "A well's 'row'/'column' reference entries of the enclosing plate.",
        "Well attribute",
        core.well_reference_resolves,
    ),
    (
        "acquisition-reference-resolves",
        "An 'acquisition' references an acquisition of the enclosing plate.",
        "Acquisition attribute",
        core.acquisition_reference_resolves,
    ),
    (
        "node-version-consistent",
        "A non-root node's 'version', if present, equals the root's.",
        "Node / Field: version",
        core.node_version_consistent,
    ),
    (
        "singlescale-transform-shape",
        "A singlescale has one scale (or sequence [scale, translation]) whose input is its own id.",
        "Singlescale node",
        core.singlescale_transform_shape,
    ),
    (
        "multiscale-output-consistent",
        "All singlescale outputs of a multiscale reference one of its coordinate systems.",
        _TRANSFORMS,
        core.multiscale_output_consistent,
    ),
    # --- further RFC-8 v1 MUSTs ----------------------------------------------
    (
        "version-required",
        "The root node declares a non-empty string 'version'.",
        "Node / Field: version",
        extra.version_required,
    ),
    (
        "node-type-known",
        "An unprefixed node type is 'collection', 'multiscale' or 'singlescale'.",
        _NODE,
        extra.node_type_known,
    ),
    (
        "node-field-type",
        "A node's 'attributes' is an object and its 'nodes' an array of node objects.",
        _NODE,
        extra.node_field_type,
    ),
    (
        "path-format",
        "A path is an object with a non-empty string 'path'.",
        _PATH,
        extra.path_format,
    ),
    (
        "attribute-key-reserved",
        "Unprefixed keys in attributes (and in labels, plate, well, scene objects) are spec keys.",
        "Attributes / " + _EXTENSIONS,
        extra.attribute_key_reserved,
    ),
    (
        "ome-prefix-reserved",
        "The 'ome:' prefix (reserved for official extensions) is not used.",
        _EXTENSIONS,
        extra.ome_prefix_reserved,
    ),
    (
        "attribute-shape",
        "coordinateSystems/coordinateTransformations are arrays of objects, labels an object.",
        "Attributes / " + _LABELS,
        extra.attribute_shape,
    ),
    (
        "multiscale-children-singlescale",
        "The nodes of a multiscale are singlescale nodes.",
        "Multiscale node",
        extra.multiscale_children_singlescale,
    ),
    (
        "multiscale-coordinate-systems-required",
        "A multiscale defined inline declares a non-empty 'coordinateSystems'.",
        "Multiscale node",
        extra.multiscale_coordinate_systems_required,
    ),
    (
        "coordinate-system-axes-format",
        "A coordinate system has a non-empty 'axes' array of uniquely named axes.",
        "Coordinate System interface",
        extra.coordinate_system_axes_format,
    ),
    (
        "axis-type-known",
        "An axis 'type' is an RFC-5 axis type or a prefixed extension type.",
        "Coordinate System interface / " + _EXTENSIONS,
        extra.axis_type_known,
    ),
    (
        "transformation-type-known",
        "Every transformation (nested ones too) has an RFC-5 or prefixed 'type'.",
        "Coordinate Transformation interface / " + _EXTENSIONS,
        extra.transformation_type_known,
    ),
)

#: Every rule id, in evaluation order, with its description and spec section.
RULES: dict[str, RuleInfo] = {
    rule: RuleInfo(description, section) for rule, description, section, _ in _TABLE
}


def check_document(
    ome: Mapping[str, Any],
    *,
    version: str | None = None,
    allow_ome_prefix: bool = False,
) -> list[Violation]:
    """Check an ``ome`` object against every RFC-8 v1 rule in :data:`RULES`.

    Spec: RFC-8 v1 (draft v1-2026-08) throughout; each violation's rule id
    maps to its section in :data:`RULES`. ``version`` is the version
    declared outside the object (e.g. by the caller); it stands in for the
    root's ``version`` only when the root declares none. ``allow_ome_prefix``
    accepts ``ome:`` identifiers (for official extensions). Nodes reached
    through a ``path`` are not loaded: ids and names are checked per document.

    Returns:
        All violations, ordered by rule then document order; empty if valid.

    Raises:
        TypeError: if ``ome`` is not a mapping. Malformed content never
        raises; it is reported.
    """
    if not isinstance(ome, Mapping):
        raise TypeError(f"the 'ome' object must be a mapping, got {type(ome).__name__}")
    ctx = Context(ome, version, allow_ome_prefix)
    return [
        Violation(rule, message, location)
        for rule, _, _, check in _TABLE
        for location, message in check(ctx)
    ]
