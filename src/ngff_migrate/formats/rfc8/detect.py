"""Detect RFC-8 documents (and earlier RFC-8 drafts): an ``ome`` object with a node ``type``."""

from __future__ import annotations

from ..base import Detection, Probe
from ..common.versions import text


def detect(probe: Probe) -> Detection | None:
    """An RFC-8 tree: the root's ``zarr.json`` (a group, or an array for a
    stand-alone singlescale) has ``attributes.ome.type``."""
    ome = probe.ome
    if probe.node.zarr_format != 3 or ome is None or "type" not in ome:
        return None
    kind = "zarr.json of an array" if probe.node.node_type == "array" else probe.where
    return probe.found("rfc8", text(ome.get("version")), f"{kind} has a node 'type' ({ome['type']!r})")
