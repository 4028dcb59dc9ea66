"""Translate an OME-Zarr 0.6 scene (RFC-5 ``scene`` or a stand-alone
``coordinateTransformations`` document) into an RFC-8 collection with
``attributes.scene`` (RFC-8 v1, "Scene attribute"); the image documents are
written by :mod:`.translate`'s image translation. The documents are RFC-8
model objects (:mod:`ngff_migrate.rfc8.model`); the scene attribute is the
input's scene (its coordinate systems given ids, its transformations'
references and parameter paths remapped), placed as a parsed document would
hold it (:meth:`~ngff_migrate.rfc8.model.SpecObject.from_json`)."""

from __future__ import annotations

import posixpath
from typing import Any

from ...rfc8.ids import IdAllocator
from ...rfc8.model import Attributes, CollectionNode, Document, Scene
from ..common.arrays import plan_arrays
from ..common.document import UniqueNames, unique_name
from ..common.image_translation import TranslateOptions
from ..common.paths import zarr_path
from ..plan import ArrayPlan, KeyRecord
from .model import Scene06
from .read import ref_parts
from .translate import (
    PARAMETER_ROLE,
    Plan06,
    SystemIds,
    _order,
    _plan_parameters,
    axes06,
    check_output,
    image06_documents,
    map_transform,
    note_consolidated,
    rebase,
)


def translate_scene06(scene: Scene06, options: TranslateOptions | None = None) -> Plan06:
    """Translate a 0.6 scene into a collection with ``attributes.scene``
    (RFC-8 "Scene attribute"), one stub per referenced image, and the image
    documents themselves: every document a :class:`~ngff_migrate.rfc8.model.Document`,
    the root a :class:`~ngff_migrate.rfc8.model.CollectionNode` whose
    attributes hold a :class:`~ngff_migrate.rfc8.model.Scene`.

    Raises
    ------
    MigrateError
        If a planned document is not valid RFC-8.
    """
    options = options or TranslateOptions()
    prefix = options.prefix
    plan = Plan06(root=scene.group.directory, layout="ngff06-scene", version=scene.version, zarr_format=3,
                  prefix=prefix)
    systems = SystemIds()
    images = list(scene.iter_images())
    for image in images:
        plan_arrays(image, plan)
    _plan_parameters(images, plan)
    for rel, node in scene.parameters.arrays.items():
        plan.add_array(ArrayPlan(rel=rel, source=node, notes=["transformation parameters"]))
    translator = image06_documents(options, plan, systems)
    # an image inside another referenced image (a label image) is written with its parent
    nested = {inner.rel for image in images for inner in list(image.iter_images())[1:]}
    for image in images:
        if image.rel not in nested:
            translator.image_document(image, source_ref=None)
    root_types = {d.rel: type(d.model.root) for d in plan.documents if d.model is not None}

    def p(key: str) -> str:
        return f"{prefix}:{key}"

    def key(k: str, disposition: str, target: str) -> None:
        plan.keys.append(KeyRecord("zarr.json", k, disposition, target))  # type: ignore[arg-type]

    ids = IdAllocator()
    scene_ids: dict[str, str] = {}
    for cs in scene.coordinate_systems:
        scene_ids[cs.name] = ids.allocate(cs.name)  # the name itself when valid and free
    by_rel = {im.rel: im for im in images}

    def map_ref(value: Any) -> Any:
        parts = ref_parts(value, scene.version, level=False)
        if parts is None or parts[0] is None:
            return value
        name, path = parts
        if path is None:
            return {"id": scene_ids[name]}
        target = posixpath.normpath(path.lstrip("/"))
        return {"id": systems.lookup(by_rel[target], name), "path": zarr_path("", target).to_json()}

    where = "ome.attributes.scene" if scene.form == "scene" else "ome.attributes.scene (from ome)"
    src = "scene." if scene.form == "scene" else ""
    attr: dict[str, Any] = {}
    if scene.coordinate_systems:
        attr["coordinateSystems"] = [
            {"id": scene_ids[cs.name], **({"name": cs.name} if scene_ids[cs.name] != cs.name else {}),
             "axes": axes06(translator, cs.axes, "zarr.json", f"{src}coordinateSystems")}
            for cs in scene.coordinate_systems]
    attr["coordinateTransformations"] = [map_transform(t, map_ref, lambda q: rebase(q, "", ""))
                                         for t in scene.transforms]
    key(f"{src}coordinateSystems", "mapped", f"{where}.coordinateSystems")
    key(f"{src}coordinateTransformations", "mapped", f"{where}.coordinateTransformations")
    key("version", "mapped", "ome.version (target version)")
    attributes = Attributes(scene=Scene.from_json(attr))
    cs_extra = {cs.name: cs.extra for cs in scene.coordinate_systems if cs.extra}
    if cs_extra:
        attributes.extra[p("coordinateSystems")] = cs_extra
        key(f"{src}coordinateSystems[*] (extra keys)", "carried", f"ome.attributes[{p('coordinateSystems')!r}]")
    if scene.form != "scene":
        attributes.extra[p("layout")] = "transformations"
    if scene.scene_extra:
        attributes.extra[p("scene")] = scene.scene_extra
        for k in scene.scene_extra:
            key(f"scene.{k}", "carried", f"ome.attributes[{p('scene')!r}]")
    for k, value in scene.ome_extra.items():
        attributes.extra[p(k)] = value
        key(k, "carried", f"ome.attributes[{p(k)!r}]")
    coll_id = ids.allocate(scene.basename)
    nodes, names = [], UniqueNames()
    for image in images:
        # a path-only stub of the image's root node (same node type)
        role = Attributes(**{p("role"): PARAMETER_ROLE}) if image in scene.parameters.fields else None
        nodes.append(root_types[image.rel](id=ids.allocate(image.rel), name=unique_name(image.rel, names),
                                           path=zarr_path("", image.rel), attributes=role))
    root = CollectionNode(id=coll_id, name=scene.basename, attributes=attributes, nodes=nodes)
    plan.add_group_document("", file=scene.group.attributes_file.name, replaces=list(scene.group.files),
                            ome=Document(version=options.target_version, root=root),
                            other_attributes=scene.other_attributes)
    note_consolidated(plan, scene.group, "")
    _order(plan)
    check_output(plan)
    return plan
