"""Detect which OME-Zarr layout a path holds, and say why (or why not).

Detection reads only the root node's metadata documents, and asks every
registered family (:mod:`.registry`) in turn; the first that claims the
root decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import MigrateError, NotRecognisedError
from ..storage.location import is_remote
from ..zarr.node import ZarrNode, json_policy, read_node
from .base import Detection, Probe
from .common.versions import SUPPORTED_IMAGE_VERSIONS  # noqa: F401  (re-exported)
from .registry import formats
from .rfc8.detect import detect as _rfc8_detect

__all__ = ["Detection", "Probe", "detect"]


def _ome_of(node: ZarrNode) -> tuple[dict[str, Any] | None, str]:
    """The OME metadata dict of a node and the file it came from."""
    if node.zarr_format == 3:
        ome = node.attributes.get("ome")
        return (ome if isinstance(ome, dict) else None), "zarr.json attributes.ome"
    keys = ("multiscales", "plate", "well", "labels", "image-label", "bioformats2raw.layout")
    found = {k: v for k, v in node.attributes.items() if k in keys}
    return (node.attributes if found else None), ".zattrs"


def _detect_file(path: Path) -> Detection:
    """A file offered to the families that read files (``Format.detect_file``:
    a TIFF), else a standalone RFC-8 JSON document (RFC-8 v1 "Metadata
    storage": a ``*.json`` file with a top-level ``ome``), the entry point of a tree.

    Raises
    ------
    NotRecognisedError
        For any other file.
    """
    from ..zarr.jsonio import read_json

    for fmt in formats() if not is_remote(path) else ():  # families that read files (a TIFF) are asked first
        found = fmt.detect_file(path) if fmt.detect_file is not None else None
        if found is not None:
            return found
    if path.suffix.lower() != ".json":
        raise NotRecognisedError(path, "not a directory; an OME-Zarr dataset is a Zarr group directory "
                                       "(or a standalone RFC-8 .json document, or a TIFF file)")
    with json_policy(lenient=True):
        doc = read_json(path)
    ome = doc.get("ome")
    if not isinstance(ome, dict) or "type" not in ome:
        raise NotRecognisedError(path, "a JSON file without an RFC-8 'ome' node (a top-level 'ome' object "
                                       "with a 'type'): not a standalone RFC-8 document")
    version = ome.get("version")
    return Detection(path, "rfc8", None if version is None else str(version), 3,
                     f"a standalone RFC-8 JSON document: 'ome' has a node 'type' ({ome['type']!r})")


def detect(path: str | Path) -> Detection:
    """Detect the layout at ``path``.

    Raises
    ------
    MigrateError
        If ``path`` does not exist or is not a directory, or a metadata file
        is malformed. Non-standard JSON numbers (``NaN``) are read as
        ``null`` here whatever the policy: they never decide the layout, and
        the read stage that follows applies the run's policy
        (:func:`~ngff_migrate.zarr.node.json_policy`).
    NotRecognisedError
        If there is no OME-Zarr metadata; the message says what was found.
    UnsupportedError
        If the layout or version is recognised but not migrated by this
        release (e.g. NGFF 0.3, HCS plates).
    """
    root = path if is_remote(path) else Path(path)
    if is_remote(root):
        # a remote store has no directories (HTTP cannot even list): a *.json key is a
        # standalone document, anything else a group whose documents say what it is
        if root.suffix.lower() == ".json":
            return _detect_file(root)
    elif not root.exists():
        from .tiff.tileset import detect_glob  # a glob of TIFF tiles: tiles/*.tif

        found = detect_glob(root)
        if found is not None:
            return found
        raise MigrateError(root, "no such file or directory")
    elif not root.is_dir():
        return _detect_file(root)
    with json_policy(lenient=True):  # numbers do not decide the layout; the read stage applies the policy
        node = read_node(root)
    if node is None and is_remote(root):
        raise NotRecognisedError(root, "no Zarr metadata (zarr.json, .zgroup or .zattrs): not an OME-Zarr "
                                       "dataset (TIFF files and tile sets are read from local paths only)")
    if node is None:
        for fmt in formats():  # a folder of TIFF tiles
            found = fmt.detect_folder(root) if fmt.detect_folder is not None else None
            if found is not None:
                return found
        raise NotRecognisedError(
            root, "no Zarr metadata (zarr.json, .zgroup or .zattrs): not an OME-Zarr dataset "
                  "(nor a folder of TIFF tiles)"
        )
    if node.node_type == "array":
        ome = node.attributes.get("ome") if node.zarr_format == 3 else None
        if isinstance(ome, dict) and "type" in ome:  # a stand-alone RFC-8 singlescale
            return _rfc8_detect(Probe(root, node, ome, "zarr.json attributes.ome", root / "zarr.json"))
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
    probe = Probe(root, node, ome, where, doc)
    for fmt in formats():
        found = fmt.detect(probe)
        if found is not None:
            return found
    raise NotRecognisedError(doc, f"OME metadata without 'multiscales' (keys: {sorted(ome)})")
