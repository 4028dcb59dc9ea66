"""Reader for NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3) multiscale images.

Implements the reading side of NGFF 0.4/0.5 §"multiscales", §"labels" and
§"image-label". Only metadata documents are opened.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...errors import MigrateError, UnsupportedError
from ...storage.location import is_remote
from ...zarr.node import (
    ZarrNode,
    check_array,
    member_or_none,
    member_path,
    prefetch_nodes,
    read_node,
)
from ..common.labels import read_label_metadata, read_labels_group
from ..common.legacy_check import check_legacy
from .model import LegacyImage, LegacyLevel, LegacyMultiscale

#: Keys of the OME metadata that the readers interpret.
IMAGE_KEYS = ("multiscales", "omero", "labels", "image-label")
#: Keys of one ``multiscales`` entry that map to RFC-8.
MULTISCALE_MAPPED = ("axes", "datasets", "coordinateTransformations", "name", "version")


def read_image(root: Path, version: str, *, strict: bool = True,
               warnings: list[str] | None = None, rel: str = "") -> LegacyImage:
    """Read the legacy image group at ``root`` with its label images.

    Parameters
    ----------
    root:
        The image group directory.
    version:
        ``"0.4"`` or ``"0.5"``, as found by :func:`~ngff_migrate.formats.detect.detect`.
    rel:
        The image's path relative to the dataset root (``""`` when the
        image is the dataset).
    strict:
        Raise on metadata that fails legacy validation (the NGFF JSON schemas and spec rules); when
        ``False`` the problems are appended to ``warnings`` instead.

    Raises
    ------
    MigrateError
        If metadata is malformed, a dataset path has no array, the array rank
        differs from the number of axes, or a listed label image is missing.
    UnsupportedError
        For features this release cannot migrate (e.g. path-valued transforms).
    """
    warnings = warnings if warnings is not None else []
    return _read(root, rel, version, strict, warnings, is_label=False)


def _ome_dict(node: ZarrNode, version: str) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """Split a node's attributes into (OME metadata, other attributes, file)."""
    attrs = dict(node.attributes)
    if version == "0.5":
        ome = attrs.pop("ome", None)
        if not isinstance(ome, dict):
            raise MigrateError(node.attributes_file, "missing 'ome' attributes")
        return dict(ome), attrs, node.attributes_file
    ome = {k: attrs.pop(k) for k in list(attrs) if k in IMAGE_KEYS}
    return ome, attrs, node.attributes_file


def _read(group_dir: Path, rel: str, version: str, strict: bool, warnings: list[str],
          *, is_label: bool) -> LegacyImage:
    node = read_node(group_dir)
    if node is None or node.node_type != "group":
        raise MigrateError(group_dir, "expected a Zarr group holding an OME-Zarr image")
    ome, other, file = _ome_dict(node, version)
    if "multiscales" not in ome:
        raise MigrateError(file, "no 'multiscales' metadata: not an OME-Zarr image")
    legacy_attrs = node.attributes.get("ome") if version == "0.5" else node.attributes
    _refuse_repeated_paths(ome.get("multiscales"), file)  # before the (per-dataset, slow) legacy check
    check_legacy("image", version, legacy_attrs, file, strict, warnings)
    image = LegacyImage(group=node, rel=rel, version=version, multiscales=[], other_attributes=other)
    if version == "0.5":
        ome.pop("version", None)
    raw_ms = ome.pop("multiscales")
    if not isinstance(raw_ms, list) or not raw_ms:
        raise MigrateError(file, "'multiscales' must be a non-empty list")
    for index, entry in enumerate(raw_ms):
        image.multiscales.append(_read_multiscale(node, index, entry, file))
    omero = ome.pop("omero", None)
    image.omero = omero if isinstance(omero, dict) else None
    if omero is not None and image.omero is None:
        image.ome_extra["omero"] = omero
    label_meta = ome.pop("image-label", None)
    if label_meta is not None or is_label:
        if label_meta is not None:
            check_legacy("image-label", version, legacy_attrs, file, strict, warnings)
        image.label = read_label_metadata(label_meta or {}, file)
    ome.pop("labels", None)  # a 'labels' key on an image group itself is not legacy NGFF
    image.ome_extra.update(ome)
    if not is_label:
        _read_labels(image, group_dir, rel, version, strict, warnings)
    return image


def _refuse_repeated_paths(entries: Any, file: Path) -> None:
    """A dataset path listed twice in one multiscale is an error (every level
    is its own array; RFC-8 sibling names must be unique)."""
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        datasets = entry.get("datasets") if isinstance(entry, dict) else None
        seen: dict[str, int] = {}
        for j, ds in enumerate(datasets if isinstance(datasets, list) else []):
            path = ds.get("path") if isinstance(ds, dict) else None
            if isinstance(path, str) and seen.setdefault(path.strip("/"), j) != j:
                raise MigrateError(file, f"dataset path {path[:80]!r} is listed twice (first at multiscales[{i}]."
                                         f"datasets[{seen[path.strip('/')]}]) at multiscales[{i}].datasets[{j}].path")


def _floats(values: Any, file: Path, where: str, n: int) -> list[float]:
    """``values`` as floats: a list of ``n`` finite numbers (one per axis).

    Raises ``MigrateError`` naming ``file`` and the location of the first bad entry."""
    if not isinstance(values, list):
        raise MigrateError(file, f"expected a list of numbers, found {type(values).__name__} at {where}")
    out = []
    for i, v in enumerate(values):
        try:
            number = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise MigrateError(file, f"{str(v)[:40] if v is not None else 'null'} is not a finite number at {where}[{i}]")
        out.append(number)
    if len(values) != n:
        raise MigrateError(file, f"{where} has {len(values)} values but there are {n} axes")
    return out


def _transforms(items: Any, file: Path, where: str, n: int) -> tuple[list[float] | None, list[float] | None]:
    """Parse a legacy ``[scale, translation?]`` list into (scale, translation)."""
    scale = translation = None
    for i, t in enumerate(items or []):
        loc = f"{where}.coordinateTransformations[{i}]"
        if not isinstance(t, dict):
            raise MigrateError(file, f"{loc} is not an object")
        kind = t.get("type")
        if "path" in t:
            raise UnsupportedError(file, f"{loc}: transforms stored in a binary file ('path') are not supported")
        if kind == "scale":
            scale = _floats(t.get("scale"), file, f"{loc}.scale", n)
        elif kind == "translation":
            translation = _floats(t.get("translation"), file, f"{loc}.translation", n)
        elif kind == "identity":
            continue
        else:
            raise UnsupportedError(file, f"{loc}: transform type {kind!r} is not valid in NGFF 0.4/0.5")
    return scale, translation


def _axes(entry: dict[str, Any], file: Path, where: str, empty: list[str]) -> list[dict[str, Any]]:
    """Legacy axes in array order; null-valued fields (``"unit": null``) are
    left out and listed in ``empty`` (null means absent; RFC-5 axes take
    strings)."""
    axes = entry.get("axes")
    if not isinstance(axes, list) or not axes:
        raise MigrateError(file, f"{where}.axes is missing or empty")
    out = []
    for i, axis in enumerate(axes):
        if isinstance(axis, str):  # NGFF 0.3 style axis names
            axis = {"name": axis}
        if not isinstance(axis, dict) or not isinstance(axis.get("name"), str):
            raise MigrateError(file, f"{where}.axes[{i}] has no name")
        empty.extend(f"axes[{i}].{k}" for k, v in axis.items() if v is None)
        out.append({k: v for k, v in axis.items() if v is not None})
    return out


def _read_multiscale(node: ZarrNode, index: int, entry: Any, file: Path) -> LegacyMultiscale:
    where = f"multiscales[{index}]"
    if not isinstance(entry, dict):
        raise MigrateError(file, f"{where} is not an object")
    empty: list[str] = []
    axes = _axes(entry, file, where, empty)
    n = len(axes)
    gscale, gtrans = _transforms(entry.get("coordinateTransformations"), file, where, n)
    datasets = entry.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        raise MigrateError(file, f"{where}.datasets is missing or empty")
    levels = []
    if is_remote(node.directory):  # remote: every level's documents at once
        prefetch_nodes([member_or_none(node.directory, d.get("path")) for d in datasets if isinstance(d, dict)])
    for j, ds in enumerate(datasets):
        loc = f"{where}.datasets[{j}]"
        if not isinstance(ds, dict) or not isinstance(ds.get("path"), str) or not ds["path"]:
            raise MigrateError(file, f"{loc} has no 'path'")
        path = ds["path"].strip("/")
        array_dir = member_path(node.directory, path or ds["path"], file=file, where=f"{loc}.path",
                                what="dataset path")
        array = read_node(array_dir)
        if array is None or array.node_type != "array":
            raise MigrateError(array_dir, f"dataset path {ds['path']!r} listed in {loc}: no Zarr array there")
        if len(array.shape) != n:
            raise MigrateError(array_dir, f"array has {len(array.shape)} dimensions but {where} declares {n} axes")
        check_array(array, file=file, where=loc)
        scale, translation = _transforms(ds.get("coordinateTransformations"), file, loc, n)
        levels.append(LegacyLevel(
            path=path, array=array, scale=scale or [1.0] * n, translation=translation,
            extra={k: v for k, v in ds.items() if k not in ("path", "coordinateTransformations")},
        ))
    extra = {k: v for k, v in entry.items() if k not in MULTISCALE_MAPPED}
    name = entry.get("name")
    if "name" in entry and name in (None, ""):
        empty.append("name")
    return LegacyMultiscale(index=index, name=str(name) if name not in (None, "") else None,
                            axes=axes, levels=levels, global_scale=gscale,
                            global_translation=gtrans, extra=extra, empty_keys=empty)


def _read_labels(image: LegacyImage, group_dir: Path, rel: str, version: str, strict: bool,
                 warnings: list[str]) -> None:
    def check(names, node, file) -> None:
        check_legacy("labels", version, {"version": version, "labels": names} if version == "0.5"
               else node.attributes, file, strict, warnings)

    read_labels_group(image, group_dir, rel, split=lambda node: _ome_dict(node, version), check=check,
                      read_label=lambda d, r: _read(d, r, version, strict, warnings, is_label=True),
                      warnings=warnings)
