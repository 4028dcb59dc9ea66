"""Reader for OME-Zarr 0.6 scenes (0.6 §"scene") and stand-alone transformation documents.

A scene group's ``ome.scene`` holds coordinate systems and the
transformations between them and the coordinate systems of the images below
the group (references with a ``path``). Every referenced image is read with
:mod:`ngff_migrate.formats.ngff06.read`; a reference that does not resolve, a
missing parameter array or (strict) a graph that is not connected stops the
migration.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import MigrateError
from ...storage.location import as_path, can_list, subdirectories
from ...zarr.node import read_node
from .check import check_transform
from .model import Image06, Scene06
from .read import (
    RFC3_VERSIONS,
    ReadContext,
    child_path,
    components,
    open_group06,
    read_coordinate_systems,
    read_image_group,
    read_parameters,
    ref_form,
    ref_parts,
    system_of,
)


def read_scene06(root: Path, version: str, *, strict: bool = True,
                 warnings: list[str] | None = None) -> Scene06:
    """Read a 0.6 scene group (or a stand-alone transformation document) and
    every image its transformations reference (0.6 §"scene").

    Raises
    ------
    MigrateError
        If a reference is malformed or names an unknown coordinate system or
        image, a parameter array is missing, an image is invalid (see
        :func:`read_image06`), or (strict) the graph of coordinate systems
        and images is not connected.
    """
    root = as_path(root)
    ctx = ReadContext(root=root, strict=strict, warnings=warnings if warnings is not None else [])
    node, ome, other, version = open_group06(root, "an OME-Zarr 0.6 scene", version)
    file = node.attributes_file
    if "scene" in ome:
        form, scene = "scene", ome.pop("scene")
        if not isinstance(scene, dict):
            raise MigrateError(file, "'scene' must be an object")
        scene = dict(scene)
        prefix = "scene."
    else:
        form, scene, prefix = "transformations", ome, ""
    systems_raw = scene.pop("coordinateSystems", None)
    transforms = scene.pop("coordinateTransformations", None)
    if not isinstance(transforms, list) or not transforms:
        raise MigrateError(file, f"{prefix}coordinateTransformations is missing or empty "
                                 "(a scene must declare its transformations)")
    systems = [] if systems_raw is None else read_coordinate_systems(
        systems_raw, file, f"{prefix}coordinateSystems", version, ctx)
    result = Scene06(group=node, version=version, form=form, coordinate_systems=systems,
                     transforms=[dict(t) if isinstance(t, dict) else t for t in transforms],
                     scene_extra=scene if form == "scene" else {}, ome_extra=ome,
                     other_attributes=other)
    refs: list[tuple[str, str, str | None, str | None]] = []
    for j, t in enumerate(result.transforms):
        where = f"{prefix}coordinateTransformations[{j}]"
        if not isinstance(t, dict):
            raise MigrateError(file, f"{where} is not an object")
        for key in ("input", "output"):
            if key not in t:
                raise MigrateError(file, f"{where} has no '{key}'")
            parts = ref_parts(t[key], version, level=False)
            if parts is None:
                raise MigrateError(file, f"{where}.{key}: must be {ref_form(version)}, got {t[key]!r}")
            if parts[0] is None:
                raise MigrateError(file, f"{where}.{key} must name a coordinate system ('name')")
            path = None if parts[1] is None else child_path("", parts[1], file, f"{where}.{key}.path", root)
            if path == "":
                raise MigrateError(file, f"{where}.{key}.path names the scene group itself")
            refs.append((where, key, parts[0], path))
    for path in dict.fromkeys(r[3] for r in refs if r[3] is not None):
        result.images.append(_scene_image(root, path, version, ctx))
    dims: dict[tuple[str, str], int] = {}
    scene_names = {cs.name: cs for cs in systems}
    for where, key, name, path in refs:
        if path is None:
            cs = scene_names.get(name)
            if cs is None:
                raise MigrateError(file, f"{where}.{key} names an unknown coordinate system {name!r} "
                                         f"(the scene declares {sorted(scene_names)})")
        else:
            cs = system_of(ctx.images[path], name)
            if cs is None:
                raise MigrateError(file, f"{where}.{key} names an unknown coordinate system {name!r} of the "
                                         f"image {path!r}")
        dims[(where, key)] = len(cs.axes)
    for j, t in enumerate(result.transforms):
        where = f"{prefix}coordinateTransformations[{j}]"
        ctx.invalid(file, check_transform({k: v for k, v in t.items() if k not in ("input", "output")}, where,
                                          n_in=dims[(where, "input")], n_out=dims[(where, "output")],
                                          rfc3=version in RFC3_VERSIONS))
    nodes = [f"coordinate system {cs.name!r}" for cs in systems] + [f"image {im.rel!r}" for im in result.images]

    def node_of(name: str, path: str | None) -> str:
        return f"coordinate system {name!r}" if path is None else f"image {path!r}"

    edges = [(node_of(*refs[2 * j][2:]), node_of(*refs[2 * j + 1][2:])) for j in range(len(result.transforms))]
    parts = components(nodes, edges)
    if len(parts) > 1:
        problem = (f"the scene graph is not connected: {', '.join(parts[1])} cannot be reached from "
                   f"{', '.join(parts[0])} through any transformation")
        if ctx.strict:
            raise MigrateError(file, problem)
        ctx.warnings.append(f"{file}: {problem}")
    read_parameters(result.parameters, "", [(f"{prefix}coordinateTransformations[{j}]", t)
                                             for j, t in enumerate(result.transforms)], file, version, ctx)
    taken = {im.rel for im in result.images} | {f.rel for f in result.parameters.fields}
    taken |= {inner.rel for im in result.images for inner in im.iter_images()}
    if not can_list(root):
        ctx.warnings.append(f"{file}: an HTTP source cannot be listed: images below the scene that no "
                            "transformation references are not looked for")
    for rel in _unreferenced_images(root, taken, version) if can_list(root) else ():
        result.unplaced.append(read_image_group(root / rel, rel, version, ctx, is_label=False))
    if result.unplaced:
        ctx.warnings.append(f"{file}: {len(result.unplaced)} image(s) below the scene are referenced by no "
                            f"transformation (e.g. {result.unplaced[0].rel!r}); translated and listed in the "
                            "scene collection without a placement")
    return result


def _unreferenced_images(root: Path, taken: set[str], version: str) -> list[str]:
    """Root-relative paths of the 0.6 image groups below ``root`` that are not
    in ``taken`` (and not inside an image: label images belong to theirs).
    Arrays and hidden directories are not entered, so chunks are never listed."""
    from .common import is_v06

    found: list[str] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        directory = root / rel if rel else root
        try:
            names = sorted((name for name in subdirectories(directory) if not name.startswith(".")), reverse=True)
        except OSError:
            continue
        for name in names:
            child = f"{rel}/{name}" if rel else name
            if child in taken:
                continue
            node = read_node(root / child)
            if node is None:
                stack.append(child)  # a plain directory: images may sit below it
                continue
            if node.node_type != "group":
                continue
            ome = node.attributes.get("ome") if node.zarr_format == 3 else None
            if isinstance(ome, dict) and "multiscales" in ome and is_v06(ome.get("version", version)):
                found.append(child)
            else:
                stack.append(child)
    return sorted(found)


def _scene_image(root: Path, path: str, version: str, ctx: ReadContext) -> Image06:
    """The image at ``path`` below the scene (already read if it is a label
    image of an image read before)."""
    if path in ctx.images:
        return ctx.images[path]
    directory = root / path
    node = read_node(directory)
    if node is None:
        raise MigrateError(directory, f"the scene references {path!r}, which does not exist")
    ome = node.attributes.get("ome") if node.zarr_format == 3 else None
    if not isinstance(ome, dict) or "multiscales" not in ome:
        raise MigrateError(node.attributes_file, f"the scene references {path!r}, which is not an "
                                                 "OME-Zarr 0.6 image")
    return read_image_group(directory, path, version, ctx, is_label=False)
