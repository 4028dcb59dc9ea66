"""Detect which OME-Zarr layout a path holds, and say why (or why not).

Detection reads only the root node's metadata documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MigrateError, NotRecognisedError, UnsupportedError
from .zarr_node import ZarrNode, json_policy, read_node

#: NGFF versions whose images this release migrates.
SUPPORTED_IMAGE_VERSIONS = ("0.4", "0.5")


@dataclass(frozen=True)
class Detection:
    """What a path holds.

    Attributes
    ----------
    path:
        The dataset root.
    layout:
        ``"ngff-image"`` (a legacy multiscale image group), ``"hcs-plate"``,
        ``"bioformats2raw"`` (a container, possibly wrapping a plate),
        ``"rfc8"`` (a document already in the RFC-8 node model), or for
        OME-Zarr 0.6 (RFC-5 drafts ``0.6.dev1``-``0.6rc0``, ``0.6``,
        ``0.9.dev1``) ``"ngff06-image"``, ``"ngff06-scene"``, ``"ngff06-plate"``.
    version:
        The OME-Zarr version string found in the metadata.
    zarr_format:
        2 or 3.
    reason:
        One line saying which metadata led to this conclusion.
    """

    path: Path
    layout: str
    version: str | None
    zarr_format: int
    reason: str


def _ome_of(node: ZarrNode) -> tuple[dict[str, Any] | None, str]:
    """The OME metadata dict of a node and the file it came from."""
    if node.zarr_format == 3:
        ome = node.attributes.get("ome")
        return (ome if isinstance(ome, dict) else None), "zarr.json attributes.ome"
    keys = ("multiscales", "plate", "well", "labels", "image-label", "bioformats2raw.layout")
    found = {k: v for k, v in node.attributes.items() if k in keys}
    return (node.attributes if found else None), ".zattrs"


def detect(path: str | Path) -> Detection:
    """Detect the layout at ``path``.

    Raises
    ------
    MigrateError
        If ``path`` does not exist or is not a directory, or a metadata file
        is malformed. Non-standard JSON numbers (``NaN``) are read as
        ``null`` here whatever the policy: they never decide the layout, and
        the read stage that follows applies the run's policy
        (:func:`~ngff_migrate.readers.zarr_node.json_policy`).
    NotRecognisedError
        If there is no OME-Zarr metadata; the message says what was found.
    UnsupportedError
        If the layout or version is recognised but not migrated by this
        release (e.g. NGFF 0.3, HCS plates).
    """
    root = Path(path)
    if not root.exists():
        raise MigrateError(root, "no such file or directory")
    if not root.is_dir():
        raise NotRecognisedError(root, "not a directory; an OME-Zarr dataset is a Zarr group directory")
    with json_policy(lenient=True):  # numbers do not decide the layout; the read stage applies the policy
        node = read_node(root)
    if node is None:
        raise NotRecognisedError(
            root, "no Zarr metadata (zarr.json, .zgroup or .zattrs): not an OME-Zarr dataset"
        )
    if node.node_type == "array":
        ome = node.attributes.get("ome") if node.zarr_format == 3 else None
        if isinstance(ome, dict) and "type" in ome:  # a stand-alone RFC-8 singlescale
            return Detection(root, "rfc8", _str(ome.get("version")), 3,
                             f"zarr.json of an array has a node 'type' ({ome['type']!r})")
        raise NotRecognisedError(root, f"a Zarr v{node.zarr_format} array, not an OME-Zarr group")
    ome, where = _ome_of(node)
    if ome is None:
        raise NotRecognisedError(
            root / node.files[0],
            f"plain Zarr v{node.zarr_format} group without OME metadata "
            f"(no 'ome' attributes)" if node.zarr_format == 3 else
            "plain Zarr v2 group without OME metadata (no 'multiscales', 'plate', 'well' or 'labels' in .zattrs)",
        )
    doc = root / node.files[0] if node.zarr_format == 3 else root / ".zattrs"
    if node.zarr_format == 3 and "type" in ome:
        return Detection(root, "rfc8", _str(ome.get("version")), 3, f"{where} has a node 'type' ({ome['type']!r})")
    from .ngff06 import classify_v06, is_v06

    if node.zarr_format == 3 and is_v06(ome.get("version")):  # RFC-5 drafts, 0.6, 0.9.dev1
        layout, reason = classify_v06(ome, doc)
        return Detection(root, layout, str(ome["version"]), 3, reason)
    if "bioformats2raw.layout" in ome:
        version = _str(ome.get("version")) if node.zarr_format == 3 else "0.4"
        _check_version(doc, version, node.zarr_format)
        inner = " wrapping a plate" if "plate" in ome else ""
        return Detection(root, "bioformats2raw", version, node.zarr_format,
                         f"{where} has 'bioformats2raw.layout' {ome['bioformats2raw.layout']!r}{inner}")
    if "plate" in ome:
        version = _str(ome.get("version") if node.zarr_format == 3 else
                       (ome["plate"].get("version") if isinstance(ome["plate"], dict) else None))
        if node.zarr_format == 2 and version is None:
            version = "0.4"  # bioformats2raw and early writers omit the plate version
        _check_version(doc, version, node.zarr_format)
        return Detection(root, "hcs-plate", version, node.zarr_format, f"{where} has 'plate' at version {version}")
    if "well" in ome:
        raise NotRecognisedError(doc, f"an HCS well ({where} has 'well'): convert the plate that holds it")
    if "multiscales" not in ome:
        if "labels" in ome:
            raise NotRecognisedError(doc, "a 'labels' group, not an image: convert the image that holds it")
        raise NotRecognisedError(doc, f"OME metadata without 'multiscales' (keys: {sorted(ome)})")
    ms = ome["multiscales"]
    if not isinstance(ms, list) or not ms or not isinstance(ms[0], dict):
        raise MigrateError(doc, "'multiscales' must be a non-empty list of objects")
    if node.zarr_format == 3:
        version = _str(ome.get("version"))
    else:
        version = _str(ms[0].get("version"))
    _check_version(doc, version, node.zarr_format)
    return Detection(root, "ngff-image", version, node.zarr_format,
                     f"{where} has 'multiscales' at version {version}")


def _check_version(doc: Path, version: str | None, zarr_format: int) -> None:
    if version not in SUPPORTED_IMAGE_VERSIONS:
        raise UnsupportedError(
            doc,
            f"unsupported OME-Zarr version {version!r} in Zarr v{zarr_format} metadata "
            f"(this release migrates {', '.join(SUPPORTED_IMAGE_VERSIONS)})",
        )
    if (version == "0.4") != (zarr_format == 2):
        raise MigrateError(doc, f"NGFF {version} declared in Zarr v{zarr_format} metadata")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
