"""Detect ``bioformats2raw.layout`` containers (NGFF 0.4 / 0.5)."""

from __future__ import annotations

from ..base import Detection, Probe
from ..common.versions import check_legacy_version, text


def detect(probe: Probe) -> Detection | None:
    """A container: ``bioformats2raw.layout`` in the root's OME metadata.

    Raises
    ------
    UnsupportedError, MigrateError
        For a version other than 0.4 (Zarr v2) / 0.5 (Zarr v3).
    """
    ome = probe.ome
    if ome is None or "bioformats2raw.layout" not in ome:
        return None
    fmt = probe.node.zarr_format
    version = text(ome.get("version")) if fmt == 3 else "0.4"
    check_legacy_version(probe.document, version, fmt)
    inner = " wrapping a plate" if "plate" in ome else ""
    return probe.found("bioformats2raw", version,
                       f"{probe.where} has 'bioformats2raw.layout' {ome['bioformats2raw.layout']!r}{inner}")
