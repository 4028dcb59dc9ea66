"""Reader for OME-Zarr 0.6 (RFC-5) images; what the 0.6 readers share lives in
:mod:`ngff_migrate.formats.ngff06.common` and is re-exported here.

Implements the reading side of the 0.6 drafts found in the wild
(``0.6.dev1`` ... ``0.6.dev4``, ``0.6rc0``, the released ``0.6``) and of
``0.9.dev1`` (0.6 plus RFC-3 axes and RFC-4 orientation, as ngff-zarr writes
it): §"coordinateSystems", §"coordinateTransformations", §"multiscales",
§"labels". Scenes: :mod:`ngff_migrate.formats.ngff06.read_scene`; plates:
:mod:`ngff_migrate.formats.ngff06.read_plate`.

Transformation ``input``/``output`` are plain strings up to ``0.6.dev3``
(the dataset path for a level's input, a coordinate-system name otherwise)
and ``{"name", "path"}`` objects from ``0.6.dev4`` on. Every reference is
resolved while reading: an unknown coordinate system, a missing parameter
array, an array whose rank differs from its axes or a scene graph that is
not connected stops the migration before anything is written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...errors import MigrateError, UnsupportedError
from ...storage.location import as_path
from ...zarr.node import ZarrNode, check_array, member_path, read_node
from ..common.labels import read_label_metadata, read_labels_group
from ..ngff_image.model import LegacyLabelMetadata
from .check import (
    check_coordinate_systems,
    check_label,
    check_omero,
    check_transform,
    parameter_paths,
)
from .common import (  # noqa: F401  (re-exported: the 0.6 readers' shared names)
    RFC3_VERSIONS,
    STRING_REF_VERSIONS,
    V06_VERSIONS,
    ReadContext,
    child_path,
    components,
    document_version,
    is_v06,
    open_group06,
    ref_form,
    ref_parts,
    system_of,
)
from .model import CoordinateSystem06, Image06, Level06, Multiscale06, ParameterNodes

#: Keys of a ``multiscales`` entry that map to RFC-8.
MULTISCALE_MAPPED = ("coordinateSystems", "datasets", "coordinateTransformations", "name")


# --- images -------------------------------------------------------------------------


def read_image06(root: Path, version: str, *, strict: bool = True, warnings: list[str] | None = None,
                 rel: str = "") -> Image06:
    """Read the 0.6 image group at ``root`` with its label images.

    Parameters
    ----------
    root:
        The image group directory.
    version:
        The dataset's version (a member of :data:`V06_VERSIONS` or
        :data:`RFC3_VERSIONS`); each document's own ``version`` is used for
        its references.
    rel:
        The image's path relative to the dataset root (``""`` when the image
        is the dataset; the plate reader passes ``A/1/0``).
    strict:
        Raise on invalid 0.6 metadata; with ``False`` problems that can be
        carried verbatim become ``warnings``.

    Raises
    ------
    MigrateError
        If the metadata is malformed, a dataset path has no array, an array's
        rank differs from the number of axes of its coordinate system, a
        transformation names an unknown coordinate system, a parameter array
        is missing, or a listed label image is missing.
    UnsupportedError
        For a level transformation that RFC-8 cannot express on a
        singlescale (anything but scale, identity, sequence[scale, translation]).
    """
    base = as_path(root)
    for _ in (p for p in rel.split("/") if p):
        base = base.parent
    ctx = ReadContext(root=base, strict=strict, warnings=warnings if warnings is not None else [])
    return read_image_group(as_path(root), rel, version, ctx, is_label=False)


def read_image_group(group_dir: Path, rel: str, version: str, ctx: ReadContext, *, is_label: bool) -> Image06:
    """Read the image group at ``group_dir`` (dataset path ``rel``) once per
    reading context; see :func:`read_image06` for what it raises."""
    if rel in ctx.images:
        return ctx.images[rel]
    node, ome, other, version = open_group06(group_dir, "an OME-Zarr 0.6 image", version)
    file = node.attributes_file
    if "multiscales" not in ome:
        raise MigrateError(file, "no 'multiscales' metadata: not an OME-Zarr image")
    entries = ome.pop("multiscales")
    if not isinstance(entries, list) or not entries:
        raise MigrateError(file, "'multiscales' must be a non-empty list")
    image = Image06(group=node, rel=rel, version=version, multiscales=[], other_attributes=other)
    ctx.images[rel] = image
    pending: list[tuple[Multiscale06, int, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        ms = _read_multiscale(node, index, entry, file, version, ctx)
        image.multiscales.append(ms)
        pending.extend((ms, j, t) for j, t in enumerate(ms.transforms))
    omero = ome.pop("omero", None)
    if omero is not None:
        ctx.invalid(file, check_omero(omero))
    image.omero = omero if isinstance(omero, dict) else None
    if omero is not None and image.omero is None:
        image.ome_extra["omero"] = omero
    label_meta = ome.pop("image-label", None)
    if label_meta is not None:
        ctx.invalid(file, check_label(label_meta))
    if label_meta is not None or is_label:
        image.label = read_label_metadata(label_meta or {}, file) if isinstance(label_meta, dict | None) \
            else LegacyLabelMetadata(extra={"image-label": label_meta})
        if label_meta is None:
            image.absent.append("image-label")
        elif "source" not in label_meta:
            image.absent.append("image-label.source")
    image.ome_extra.update(ome)  # e.g. '@type', or 'labels' (not 0.6 on an image group): carried
    if not is_label:
        _read_labels(image, group_dir, rel, version, ctx)
    for ms, j, t in pending:
        _resolve_multiscale_transform(image, ms, j, t, file, version, ctx)
    for ms in image.multiscales:
        _check_connected(ms, file, ctx)
    read_parameters(image.parameters, rel,
                     [(f"multiscales[{ms.index}].coordinateTransformations[{j}]", t)
                      for ms in image.multiscales for j, t in enumerate(ms.transforms)], file, version, ctx)
    return image


def read_coordinate_systems(value: Any, file: Path, where: str, version: str,
                             ctx: ReadContext) -> list[CoordinateSystem06]:
    """A ``coordinateSystems`` array (0.6 §"coordinateSystems"): the axis
    model is checked (``ctx.invalid``); a system without a unique name or
    named axes is an error (``MigrateError``)."""
    ctx.invalid(file, check_coordinate_systems(value, where, rfc3=version in RFC3_VERSIONS))
    if not isinstance(value, list) or not value:
        raise MigrateError(file, f"{where} is missing or empty")
    out, names = [], set()
    for i, system in enumerate(value):
        loc = f"{where}[{i}]"
        if not isinstance(system, dict) or not isinstance(system.get("name"), str) or not system["name"]:
            raise MigrateError(file, f"{loc} has no 'name'")
        if system["name"] in names:
            raise MigrateError(file, f"{loc}: coordinate system name {system['name']!r} is repeated")
        names.add(system["name"])
        axes = system.get("axes")
        if not isinstance(axes, list) or not axes or not all(
                isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"] for a in axes):
            raise MigrateError(file, f"{loc}.axes must be a non-empty list of named axes")
        out.append(CoordinateSystem06(name=system["name"], axes=[dict(a) for a in axes],
                                      extra={k: v for k, v in system.items() if k not in ("name", "axes")}))
    return out


def _read_multiscale(node: ZarrNode, index: int, entry: Any, file: Path, version: str,
                     ctx: ReadContext) -> Multiscale06:
    where = f"multiscales[{index}]"
    if not isinstance(entry, dict):
        raise MigrateError(file, f"{where} is not an object")
    if "coordinateSystems" not in entry:
        raise MigrateError(file, f"{where} has no 'coordinateSystems' (required from OME-Zarr 0.6 on)")
    systems = read_coordinate_systems(entry["coordinateSystems"], file, f"{where}.coordinateSystems",
                                       version, ctx)
    by_name = {cs.name: cs for cs in systems}
    datasets = entry.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        raise MigrateError(file, f"{where}.datasets is missing or empty")
    levels: list[Level06] = []
    intrinsic: str | None = None
    seen: dict[str, int] = {}
    for j, ds in enumerate(datasets):
        loc = f"{where}.datasets[{j}]"
        if not isinstance(ds, dict) or not isinstance(ds.get("path"), str) or not ds["path"]:
            raise MigrateError(file, f"{loc} has no 'path' (a non-empty string)")
        if seen.setdefault(ds["path"].strip("/"), j) != j:
            raise MigrateError(file, f"dataset path {ds['path'][:80]!r} is listed twice (first at "
                                     f"{where}.datasets[{seen[ds['path'].strip('/')]}]) at {loc}.path")
        level, output = _read_level(node, ds, loc, file, version, by_name, ctx)
        if intrinsic is None:
            intrinsic = output
        elif output != intrinsic:
            raise MigrateError(file, f"{loc}: output {output!r} differs from the first level's {intrinsic!r}; "
                                     "every level must map to the same coordinate system")
        levels.append(level)
    assert intrinsic is not None
    transforms = entry.get("coordinateTransformations")
    if transforms is not None and (not isinstance(transforms, list) or not transforms):
        ctx.invalid(file, [f"{where}.coordinateTransformations: must be a non-empty array"])
    transforms = [dict(t) if isinstance(t, dict) else t for t in transforms or []]
    for j, t in enumerate(transforms):
        if not isinstance(t, dict):
            raise MigrateError(file, f"{where}.coordinateTransformations[{j}] is not an object")
    name = entry.get("name")
    absent = []
    if not isinstance(name, str) or not name:
        absent.append("name")
        if "name" in entry:
            ctx.invalid(file, [f"{where}.name: must be a non-empty string, got {name!r}"])
    extra = {k: v for k, v in entry.items() if k not in MULTISCALE_MAPPED}
    if "name" in entry and "name" in absent:
        extra["name"] = name
    return Multiscale06(index=index, name=name if "name" not in absent else None,
                        axes=by_name[intrinsic].axes, levels=levels, extra=extra,
                        coordinate_systems=systems, intrinsic=intrinsic, transforms=transforms,
                        absent=absent)


def _read_level(node: ZarrNode, ds: dict[str, Any], loc: str, file: Path, version: str,
                systems: dict[str, CoordinateSystem06], ctx: ReadContext) -> tuple[Level06, str]:
    path = ds["path"]
    items = ds.get("coordinateTransformations")
    if not isinstance(items, list) or len(items) != 1:
        count = len(items) if isinstance(items, list) else "no"
        raise MigrateError(file, f"{loc}.coordinateTransformations: a level takes exactly one transformation "
                                 f"(found {count})")
    t = items[0]
    tloc = f"{loc}.coordinateTransformations[0]"
    if not isinstance(t, dict):
        raise MigrateError(file, f"{tloc} is not an object")
    for key in ("input", "output"):
        if key not in t:
            raise MigrateError(file, f"{tloc} has no '{key}'")
    src = ref_parts(t["input"], version, level=True)
    dst = ref_parts(t["output"], version, level=False)
    if src is None or dst is None:
        bad = "input" if src is None else "output"
        raise MigrateError(file, f"{tloc}.{bad}: must be {ref_form(version)}, got {t[bad]!r}")
    if src[1] is None:
        raise MigrateError(file, f"{tloc}.input must give the dataset 'path' ({path!r})")
    if src[1].strip("/") != path.strip("/"):
        # 0.6 §"multiscales": readers SHOULD treat the dataset path as the input's path
        ctx.warnings.append(f"{file}: {tloc}.input.path {src[1]!r} differs from the dataset path {path!r}; "
                            "the dataset path is used (the original transformation is carried)")
    if src[0] is not None:
        ctx.invalid(file, [f"{tloc}.input: 'name' must be omitted for a level's input"])
    if dst[0] is None:
        raise MigrateError(file, f"{tloc}.output must name a coordinate system ('name')")
    if dst[0] not in systems:
        raise MigrateError(file, f"{tloc}.output names an unknown coordinate system {dst[0]!r} "
                                 f"(declared: {sorted(systems)})")
    if dst[1] is not None:
        ctx.invalid(file, [f"{tloc}.output: 'path' must be omitted for a level's output"])
    n = len(systems[dst[0]].axes)
    array_dir = member_path(node.directory, path.strip("/") or path, file=file, where=f"{loc}.path",
                            what="dataset path")
    array = read_node(array_dir)
    if array is None or array.node_type != "array":
        raise MigrateError(array_dir, f"dataset path {path!r} listed in {loc}: no Zarr array there")
    if len(array.shape) != n:
        raise MigrateError(array_dir, f"array has {len(array.shape)} dimensions but coordinate system "
                                      f"{dst[0]!r} (the output of {loc}) declares {n} axes")
    check_array(array, file=file, where=loc)
    kind = t.get("type")
    if kind == "sequence":
        inner = t.get("transformations")
        kinds = [x.get("type") if isinstance(x, dict) else None for x in inner] if isinstance(inner, list) else None
        if kinds != ["scale", "translation"]:
            raise UnsupportedError(file, f"{tloc}: a level's sequence must be [scale, translation] "
                                         f"(found {kinds}); RFC-8 singlescales take only that form")
    elif kind not in ("scale", "identity"):
        raise UnsupportedError(file, f"{tloc}: a level transformation of type {kind!r} cannot be migrated; "
                                     "0.6 and RFC-8 allow scale, identity or sequence[scale, translation]")
    ctx.invalid(file, check_transform({k: v for k, v in t.items() if k not in ("input", "output")}, tloc,
                                      n_in=n, n_out=n, rfc3=version in RFC3_VERSIONS))
    if kind == "scale":
        scale, translation = _values(t.get("scale"), n, file, f"{tloc}.scale"), None
    elif kind == "identity":
        scale, translation = [1.0] * n, None
    else:
        scale = _values(t["transformations"][0].get("scale"), n, file, f"{tloc}.transformations[0].scale")
        translation = _values(t["transformations"][1].get("translation"), n, file,
                              f"{tloc}.transformations[1].translation")
    extra = {k: v for k, v in ds.items() if k not in ("path", "coordinateTransformations")}
    return Level06(path=path.strip("/"), array=array, scale=scale, translation=translation, extra=extra,
                   transform=dict(t)), dst[0]


def _values(values: Any, n: int, file: Path, where: str) -> list[Any]:
    """A level's scale or translation: a non-empty list of finite numbers,
    kept as written (checked even with ``--lenient``, where
    :func:`check_transform` only warns; a length other than ``n`` is carried
    verbatim then, with that warning).

    Raises ``MigrateError`` naming ``file`` and the location."""
    if not isinstance(values, list) or not values:
        raise MigrateError(file, f"expected a list of numbers (one per axis, {n} axes), found "
                                 f"{str(values)[:60]} at {where}")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float) or (isinstance(v, float) and not math.isfinite(v)):
            raise MigrateError(file, f"{str(v)[:40]} is not a finite number at {where}[{i}]")
    return list(values)


def _resolve_multiscale_transform(image: Image06, ms: Multiscale06, j: int, t: dict[str, Any], file: Path,
                                  version: str, ctx: ReadContext) -> None:
    """Check a multiscale-level transformation: references resolve (to this
    multiscale or to a label image's system), parameters fit the systems."""
    where = f"multiscales[{ms.index}].coordinateTransformations[{j}]"
    dims = []
    for key in ("input", "output"):
        if key not in t:
            raise MigrateError(file, f"{where} has no '{key}'")
        parts = ref_parts(t[key], version, level=False)
        if parts is None:
            raise MigrateError(file, f"{where}.{key}: must be {ref_form(version)}, got {t[key]!r}")
        name, path = parts
        if name is None:
            raise MigrateError(file, f"{where}.{key} must name a coordinate system ('name')")
        dims.append(len(resolve_system(image, ms, name, path, file, f"{where}.{key}").axes))
    ctx.invalid(file, check_transform({k: v for k, v in t.items() if k not in ("input", "output")}, where,
                                      n_in=dims[0], n_out=dims[1], rfc3=version in RFC3_VERSIONS))


def resolve_system(image: Image06, ms: Multiscale06, name: str, path: str | None, file: Path,
                   where: str) -> CoordinateSystem06:
    """The coordinate system a multiscale-level reference names: one of
    ``ms`` (no ``path``) or of a label image of ``image`` (``path`` relative
    to the image group, 0.6 §"multiscales").

    Raises
    ------
    MigrateError
        If the reference names no such system or image.
    """
    if path is None:
        for cs in ms.coordinate_systems:
            if cs.name == name:
                return cs
        raise MigrateError(file, f"{where} names an unknown coordinate system {name!r} "
                                 f"(declared: {[cs.name for cs in ms.coordinate_systems]})")
    target = child_path(image.rel, path, file, f"{where}.path")
    label = next((lab for lab in image.labels if lab.rel == target), None)
    if label is None:
        raise MigrateError(file, f"{where}.path {path!r} is not a label image of this image "
                                 "(0.6: a multiscale-level reference points into the child 'labels' group)")
    found = system_of(label, name)
    if found is None:
        raise MigrateError(file, f"{where} names an unknown coordinate system {name!r} of {path!r}")
    return found


def _check_connected(ms: Multiscale06, file: Path, ctx: ReadContext) -> None:
    """0.6 §"Additional details": the coordinate systems of a multiscale and
    its transformations form a connected graph."""
    names = [cs.name for cs in ms.coordinate_systems]
    edges = []
    for t in ms.transforms:
        ends = [t.get(k) for k in ("input", "output")]
        parsed = [e.get("name") if isinstance(e, dict) and not e.get("path") else
                  (e if isinstance(e, str) else None) for e in ends]
        edges.append((parsed[0], parsed[1]))
    parts = components(names, edges)
    if len(parts) > 1:
        ctx.invalid(file, [f"multiscales[{ms.index}]: coordinate systems {parts[1]} are not connected to "
                           f"{parts[0]} by any transformation (the graph must be connected)"])


def read_parameters(params: ParameterNodes, base_rel: str, transforms: list[tuple[str, Any]], file: Path,
                     version: str, ctx: ReadContext) -> None:
    """Find the Zarr node behind every ``path`` parameter (RFC-5: "a Zarr
    array at a location in this container", relative to the group holding
    the metadata): an array, or a 0.6 image (a field written as an image)."""
    for where, t in transforms:
        for suffix, path in parameter_paths(t):
            target = child_path(base_rel, path, file, f"{where}{suffix}.path", ctx.root)
            if target in params.arrays or any(f.rel == target for f in params.fields):
                continue
            node = read_node(ctx.root / target)
            if node is None:
                raise MigrateError(ctx.root / target, f"parameter array {path!r} named by {where}{suffix} "
                                                      f"in {file.name} does not exist")
            if node.node_type == "array":
                check_array(node, file=file, where=f"{where}{suffix}.path",
                                  what="a transformation parameter array")
                params.arrays[target] = node
                continue
            ome = node.attributes.get("ome") if node.zarr_format == 3 else None
            if not isinstance(ome, dict) or "multiscales" not in ome:
                raise MigrateError(ctx.root / target, f"parameter path {path!r} named by {where}{suffix} is a "
                                                      "group but not an OME-Zarr 0.6 image (a field image)")
            params.fields.append(read_image_group(ctx.root / target, target, version, ctx, is_label=False))


def _read_labels(image: Image06, group_dir: Path, rel: str, version: str, ctx: ReadContext) -> None:
    def split(node):
        attrs = dict(node.attributes)
        ome = attrs.pop("ome", None)
        return (dict(ome) if isinstance(ome, dict) else {}), attrs, node.attributes_file

    read_labels_group(image, group_dir, rel, split=split, check=lambda names, node, file: None,
                      read_label=lambda d, r: read_image_group(d, r, version, ctx, is_label=True),
                      warnings=ctx.warnings)
