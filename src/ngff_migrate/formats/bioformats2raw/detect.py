"""Detect ``bioformats2raw.layout`` containers (NGFF 0.4 / 0.5 / 0.6)."""

from __future__ import annotations

from ..base import Detection, Probe
from ..common.versions import check_legacy_version, text
from ..ngff06.common import is_v06


def detect(probe: Probe) -> Detection | None:
    """A container: ``bioformats2raw.layout`` in the root's OME metadata.

    NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3) containers, and OME-Zarr 0.6
    containers (Zarr v3, ``ome.version`` a 0.6 version, see
    :func:`~ngff_migrate.formats.ngff06.common.is_v06`) whose series are 0.6
    images (``docs/ngff06.md``, "bioformats2raw containers").

    Raises
    ------
    UnsupportedError, MigrateError
        For another version (:func:`~ngff_migrate.formats.common.versions.check_legacy_version`).
    """
    ome = probe.ome
    if ome is None or "bioformats2raw.layout" not in ome:
        return None
    fmt = probe.node.zarr_format
    version = text(ome.get("version")) if fmt == 3 else "0.4"
    if not is_v06(version):  # a Zarr v2 root is 0.4; 0.6 is read from Zarr v3 metadata only
        check_legacy_version(probe.document, version, fmt)
    inner = " wrapping a plate" if "plate" in ome else ""
    return probe.found("bioformats2raw", version,
                       f"{probe.where} has 'bioformats2raw.layout' {ome['bioformats2raw.layout']!r}{inner}")
