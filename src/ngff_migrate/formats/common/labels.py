"""What every family's label reading shares (NGFF §"labels", §"image-label").

The ``labels`` group and the ``image-label`` metadata have the same shape in
NGFF 0.4, 0.5 and 0.6; the 0.4/0.5 and 0.6 image readers both use these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...zarr.node import is_dir, member_path, read_node
from ..ngff_image.model import LegacyLabelMetadata


def read_label_metadata(meta: Any, file: Path) -> LegacyLabelMetadata:
    """Read an ``image-label`` object (NGFF §"image-label": ``colors``,
    ``properties``, ``source``, ``version``) found in ``file``.

    Raises
    ------
    MigrateError
        If it is not an object, ``colors``/``properties`` are not lists of
        objects with a scalar ``label-value``, or ``source`` is malformed;
        the message names ``file`` and the JSON location.
    """
    if not isinstance(meta, dict):
        raise MigrateError(file, "'image-label' is not an object at image-label")
    meta = dict(meta)
    label_version = meta.pop("version", None)
    lists = {}
    for key in ("colors", "properties"):
        value = meta.pop(key, None) or []
        if not isinstance(value, list):
            raise MigrateError(file, f"expected a list, found {type(value).__name__} at image-label.{key}")
        for i, entry in enumerate(value):
            if not isinstance(entry, dict) or "label-value" not in entry:
                raise MigrateError(file, f"image-label.{key}[{i}] has no 'label-value' at image-label.{key}[{i}]")
            if isinstance(entry["label-value"], (dict, list)):
                raise MigrateError(file, f"a label value must be a number, found {type(entry['label-value']).__name__}"
                                         f" at image-label.{key}[{i}].label-value")
        lists[key] = value
    source = meta.pop("source", None)
    out = LegacyLabelMetadata(colors=list(lists["colors"]), properties=list(lists["properties"]), extra=meta,
                              version=None if label_version is None else str(label_version))
    if isinstance(source, dict):
        source = dict(source)
        image = source.pop("image", None)
        out.source_image = image if isinstance(image, str) else None
        if image is not None and out.source_image is None:
            source["image"] = image
        out.source_extra = source
    elif source is not None:
        out.source_extra = {"source": source}
    return out


def read_labels_group(image, group_dir: Path, rel: str, *, split, check, read_label,
                      warnings: list[str]) -> None:
    """Read the ``labels`` group of an image group (NGFF §"labels"), shared by
    the 0.4/0.5 and 0.6 readers.

    ``split(node) -> (ome, other attributes, file)`` separates the group's
    OME metadata; ``check(names, node, file)`` validates the legacy list (or
    does nothing); ``read_label(label_dir, rel)`` reads one label image.
    Fills ``image.labels`` and the ``labels_group*`` fields.

    Raises
    ------
    MigrateError
        If ``labels`` is a Zarr array, its list is malformed, or a listed
        label image does not exist.
    """
    labels_dir = group_dir / "labels"
    node = read_node(labels_dir) if is_dir(labels_dir) else None
    if node is None:
        return
    if node.node_type != "group":
        raise MigrateError(node.directory / node.files[0], "'labels' must be a Zarr group, found an array")
    ome, other, file = split(node)
    names = ome.pop("labels", None)
    if names is None:
        warnings.append(f"{file}: 'labels' group without a 'labels' list; its contents were not migrated")
        return
    check(names, node, file)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise MigrateError(file, "'labels' must be a non-empty list of label image paths")
    group_version = ome.pop("version", None)
    image.labels_group_version = None if group_version is None else str(group_version)
    image.labels_group = node
    image.labels_group_extra = ome
    image.labels_group_other_attributes = other
    for i, name in enumerate(names):
        label_dir = member_path(labels_dir, name, file=file, where=f"labels[{i}]", what="label image path")
        if read_node(label_dir) is None:
            raise MigrateError(label_dir, f"label image {name!r} listed in {file} does not exist")
        image.labels.append(read_label(label_dir, f"{rel}/labels/{name}" if rel else f"labels/{name}"))
