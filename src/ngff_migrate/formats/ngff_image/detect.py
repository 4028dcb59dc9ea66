"""Detect NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3) multiscale images."""

from __future__ import annotations

from ...errors import MigrateError, NotRecognisedError
from ..base import Detection, Probe
from ..common.versions import check_legacy_version, text


def detect(probe: Probe) -> Detection | None:
    """An image: ``multiscales`` in the root's OME metadata.

    Raises
    ------
    NotRecognisedError
        For a ``labels`` group on its own (convert the image that holds it).
    MigrateError
        For a ``multiscales`` that is not a non-empty list of objects.
    UnsupportedError
        For a version other than 0.4 (Zarr v2) / 0.5 (Zarr v3).
    """
    ome = probe.ome
    if ome is None:
        return None
    if "multiscales" not in ome:
        if "labels" in ome:
            raise NotRecognisedError(probe.document, "a 'labels' group, not an image: convert the image that holds it")
        return None
    ms = ome["multiscales"]
    if not isinstance(ms, list) or not ms or not isinstance(ms[0], dict):
        raise MigrateError(probe.document, "'multiscales' must be a non-empty list of objects")
    fmt = probe.node.zarr_format
    version = text(ome.get("version")) if fmt == 3 else text(ms[0].get("version"))
    check_legacy_version(probe.document, version, fmt)
    return probe.found("ngff-image", version, f"{probe.where} has 'multiscales' at version {version}")
