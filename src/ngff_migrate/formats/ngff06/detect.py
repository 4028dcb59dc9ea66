"""Detect OME-Zarr 0.6 (RFC-5 drafts ``0.6.dev1``-``0.6rc0``, ``0.6``, ``0.9.dev1``) roots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import NotRecognisedError, UnsupportedError
from ..base import Detection, Probe
from .common import is_v06


def detect(probe: Probe) -> Detection | None:
    """A 0.6 image, scene or plate: a Zarr v3 group whose ``ome.version`` is a 0.6 version.

    A root with ``bioformats2raw.layout`` is not claimed (``None``): the
    bioformats2raw family migrates 0.6 containers too.

    Raises
    ------
    NotRecognisedError, UnsupportedError
        See :func:`classify_v06`.
    """
    ome = probe.ome
    if probe.node.zarr_format != 3 or ome is None or not is_v06(ome.get("version")):
        return None
    if "bioformats2raw.layout" in ome:
        return None
    layout, reason = classify_v06(ome, probe.document)
    return probe.found(layout, str(ome["version"]), reason)


def classify_v06(ome: dict[str, Any], doc: Path) -> tuple[str, str]:
    """The layout of a 0.6 group from its ``ome`` object: ``(layout, reason)``.

    Layouts: ``ngff06-image`` (``multiscales``), ``ngff06-scene`` (``scene``,
    or a stand-alone ``coordinateTransformations`` document) and
    ``ngff06-plate`` (``plate``).

    Raises
    ------
    NotRecognisedError
        For a well or a ``labels`` group on its own, or no 0.6 content.
    UnsupportedError
        For a group that is both an image and a scene.
    """
    version = ome.get("version")
    if "plate" in ome:
        return "ngff06-plate", f"zarr.json attributes.ome has 'plate' at version {version}"
    if "well" in ome:
        raise NotRecognisedError(doc, "an HCS well (zarr.json attributes.ome has 'well'): "
                                      "convert the plate that holds it")
    if "scene" in ome and "multiscales" in ome:
        raise UnsupportedError(doc, "a group that is both a scene and an image is not migrated")
    if "scene" in ome:
        return "ngff06-scene", f"zarr.json attributes.ome has 'scene' at version {version}"
    if "multiscales" in ome:
        return "ngff06-image", f"zarr.json attributes.ome has 'multiscales' at version {version}"
    if "coordinateTransformations" in ome:
        return "ngff06-scene", (f"zarr.json attributes.ome has 'coordinateTransformations' at version "
                                f"{version} (a stand-alone transformation document)")
    if "labels" in ome:
        raise NotRecognisedError(doc, "a 'labels' group, not an image: convert the image that holds it")
    raise NotRecognisedError(doc, f"OME-Zarr {version} metadata without 'multiscales', 'scene' or 'plate' "
                                  f"(keys: {sorted(ome)})")
