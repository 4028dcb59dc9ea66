"""The RFC-8 vocabulary: reserved identifiers and the extension naming scheme.

RFC-8 v1 (draft v1-2026-08), section "Extensions / Naming scheme":
unprefixed identifiers are reserved for the core specification, prefixed
identifiers (``prefix:name``) belong to extensions, and the ``ome:`` prefix is
reserved for official extensions. The sets below list the unprefixed values
the core specification (RFC-8 plus RFC-5 for transformations and axes)
defines at each extension point.
"""

from __future__ import annotations

__all__ = [
    "ATTRIBUTE_KEYS",
    "AXIS_TYPES",
    "LABEL_ATTRIBUTE_KEYS",
    "NODE_TYPES",
    "OME_PREFIX",
    "PATH_TYPES",
    "SPEC_VERSION",
    "TRANSFORMATION_TYPES",
    "is_ome_prefixed",
    "is_prefixed",
]

#: The RFC-8 text this package implements.
SPEC_VERSION = "v1-2026-08"

#: Node types defined by RFC-8 ("Node", field ``type``).
NODE_TYPES = frozenset({"collection", "multiscale", "singlescale"})

#: Path types defined by RFC-8 ("Path interface", field ``type``).
PATH_TYPES = frozenset({"zarr", "json"})

#: Unprefixed ``attributes`` keys defined by RFC-8 ("Attributes", "Scene
#: attribute", "Label maps", "HCS metadata"), in the order they are written.
ATTRIBUTE_KEYS = (
    "coordinateSystems",
    "coordinateTransformations",
    "labels",
    "plate",
    "well",
    "acquisition",
    "scene",
)

#: Unprefixed keys of a ``labelAttributes`` entry ("Label Attributes interface").
LABEL_ATTRIBUTE_KEYS = frozenset({"labelValue", "color"})

#: Coordinate transformation types defined by RFC-5.
TRANSFORMATION_TYPES = frozenset(
    {
        "identity",
        "mapAxis",
        "projectAxis",
        "translation",
        "scale",
        "affine",
        "rotation",
        "sequence",
        "displacements",
        "coordinates",
        "bijection",
        "byDimension",
    }
)

#: Axis types defined by RFC-5 (the 0.6 strict axes schema's list).
AXIS_TYPES = frozenset(
    {"array", "space", "time", "channel", "coordinate", "displacement", "frequency"}
)

#: The prefix reserved for official OME extensions.
OME_PREFIX = "ome"


def is_prefixed(identifier: object) -> bool:
    """Return whether ``identifier`` is a prefixed extension identifier.

    A prefixed identifier is ``prefix:name`` with a non-empty prefix and a
    non-empty name. Spec: RFC-8 v1, "Extensions / Naming scheme". Never raises.
    """
    if not isinstance(identifier, str):
        return False
    prefix, sep, name = identifier.partition(":")
    return bool(sep and prefix and name)


def is_ome_prefixed(identifier: object) -> bool:
    """Return whether ``identifier`` uses the reserved ``ome:`` prefix.

    Spec: RFC-8 v1, "Extensions / Naming scheme". Never raises.
    """
    return is_prefixed(identifier) and str(identifier).partition(":")[0] == OME_PREFIX
