"""Detect HCS plates (NGFF 0.4 / 0.5 §plate)."""

from __future__ import annotations

from ...errors import NotRecognisedError
from ..base import Detection, Probe
from ..common.versions import check_legacy_version, text


def detect(probe: Probe) -> Detection | None:
    """A plate: ``plate`` in the root's OME metadata.

    Raises
    ------
    NotRecognisedError
        For a well on its own (convert the plate that holds it).
    UnsupportedError, MigrateError
        For a version other than 0.4 (Zarr v2) / 0.5 (Zarr v3).
    """
    ome = probe.ome
    if ome is None:
        return None
    if "plate" not in ome:
        if "well" in ome:
            raise NotRecognisedError(probe.document, f"an HCS well ({probe.where} has 'well'): "
                                                     "convert the plate that holds it")
        return None
    fmt = probe.node.zarr_format
    plate = ome["plate"]
    version = text(ome.get("version") if fmt == 3 else (plate.get("version") if isinstance(plate, dict) else None))
    if fmt == 2 and version is None:
        version = "0.4"  # bioformats2raw and early writers omit the plate version
    check_legacy_version(probe.document, version, fmt)
    return probe.found("hcs-plate", version, f"{probe.where} has 'plate' at version {version}")
