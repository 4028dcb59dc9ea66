"""Translate OME-Zarr 0.6 (RFC-5) images, scenes and plates into RFC-8 documents.

What is written (``docs/ngff06.md`` has the full table):

* **coordinate systems** keep their axes verbatim and get ids: the system's
  name when it matches the id pattern and is not taken in the document,
  else a derived id (the name sanitised, ``-2``, ``-3`` ...) with the
  original in ``name``. The system the levels map to (the "intrinsic" one)
  is listed first, so readers taking ``coordinateSystems[0]`` get the right
  axes for the arrays.
* **levels**: the level transformation becomes the singlescale's only
  transformation, ``input`` = the singlescale's id, ``output`` = the
  intrinsic system; an ``identity`` becomes a ``scale`` of ones (the original
  is carried as ``<prefix>:legacyTransform``).
* **multiscale-level transformations** (every RFC-5 type with its
  parameters) go to the multiscale's ``coordinateTransformations`` with
  reference-valued ``input``/``output``; a reference into a label image
  carries the label document's ``path``.
* **parameter arrays** (``path`` of affine, rotation, displacements,
  coordinates) stay where they are; the path is rewritten relative to the
  document that now holds the transformation (``./…``). A parameter group
  that is itself a 0.6 image (a field) gets its own document and a stub node.
* **scene** → a ``collection`` with ``attributes.scene`` and one path-only
  stub per referenced image; references into an image carry its ``path``.
* **plates** use the 0.4/0.5 plate translation with this image translation
  for the fields.

The image documents themselves (collections, labels, carried keys) are built
by the shared :class:`~ngff_migrate.formats.common.image_translation.ImageDocuments`,
composed with this module's :class:`Multiscale06Translation`
(:func:`image06_documents`).

Documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`); what is
carried verbatim (axes, RFC-5 transformations) is placed as a parsed document
holds it (:meth:`~ngff_migrate.rfc8.model.SpecObject.from_json`). Every
document is checked against the RFC-8 rules and JSON schemas before anything
is written.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError
from ...rfc8.ids import IdAllocator, is_valid_id
from ...rfc8.model import (
    Attributes,
    CollectionNode,
    CoordinateSystem,
    CoordinateTransformation,
    MultiscaleNode,
    SinglescaleNode,
)
from ...rfc8.spec import AXIS_TYPES, is_prefixed
from ..common.arrays import plan_arrays
from ..common.document import DocumentState, UniqueNames, unique_name
from ..common.image_translation import ImageDocuments, TranslateOptions
from ..common.paths import join, relative, zarr_path
from ..ngff_image.model import LegacyLabelMetadata
from ..plan import ArrayPlan, KeyRecord, MigrationPlan
from .check import PATH_PARAMETER_TYPES
from .model import Image06, Multiscale06
from .read import STRING_REF_VERSIONS, ref_parts

#: Role marker of a stub pointing at a parameter field image.
PARAMETER_ROLE = "transformation-parameters"


@dataclass
class Plan06(MigrationPlan):
    """A :class:`MigrationPlan` of a 0.6 input (its reverse map is
    :func:`ngff_migrate.formats.ngff06.reverse.reverse_map`, run by
    :func:`ngff_migrate.verify.reverse.check_reverse_map`); ``prefix`` is the
    carried-key prefix used."""

    prefix: str = "ngff-migrate"


def _as_plan06(plan: MigrationPlan, prefix: str) -> Plan06:
    fields = {name: getattr(plan, name) for name in MigrationPlan.__dataclass_fields__ if name != "prefix"}
    return Plan06(**fields, prefix=prefix)


# --- coordinate-system ids --------------------------------------------------------


class SystemIds:
    """Ids of the coordinate systems of every image document (by image rel).

    Per document, in declaration order: the name itself when it is a valid
    id not yet taken, else a derived id (RFC-8 "Coordinate System": ids are
    unique within the JSON document).
    """

    def __init__(self) -> None:
        self._by_rel: dict[str, list[dict[str, str]]] = {}

    def of(self, image: Image06) -> list[dict[str, str]]:
        """Per multiscales entry, ``{system name: id}``."""
        if image.rel not in self._by_rel:
            ids = IdAllocator()
            out = []
            for ms in image.multiscales:
                names: dict[str, str] = {}
                for cs in getattr(ms, "coordinate_systems", []):
                    names[cs.name] = ids.allocate(cs.name)  # the name itself when valid and free
                out.append(names)
            self._by_rel[image.rel] = out
        return self._by_rel[image.rel]

    def lookup(self, image: Image06, name: str) -> str:
        """The id of the first system called ``name`` in ``image``."""
        for names in self.of(image):
            if name in names:
                return names[name]
        raise KeyError(name)  # the reader resolved every reference


# --- transformations ----------------------------------------------------------------


def map_transform(t: Any, map_ref, map_path) -> Any:
    """Copy of a 0.6 transformation with ``input``/``output`` turned into
    RFC-8 references (``map_ref``) and parameter ``path``s rebased
    (``map_path``), nested transformations included. Every other field is
    kept verbatim (RFC-8 "Coordinate Transformation interface": additional
    fields as required by the type)."""
    if not isinstance(t, dict):
        return t
    out: dict[str, Any] = {}
    for key, value in t.items():
        if key in ("input", "output"):
            out[key] = map_ref(value)
        elif key == "path" and t.get("type") in PATH_PARAMETER_TYPES and isinstance(value, str):
            out[key] = map_path(value)
        elif key in ("forward", "inverse"):
            out[key] = map_transform(value, map_ref, map_path)
        elif key == "transformations" and isinstance(value, list):
            out[key] = [
                {**item, "transformation": map_transform(item["transformation"], map_ref, map_path)}
                if isinstance(item, dict) and "transformation" in item
                else map_transform(item, map_ref, map_path)
                for item in value
            ]
        else:
            out[key] = value
    return out


def rebase(path: str, source_dir: str, target_dir: str) -> str:
    """A parameter ``path`` written relative to ``source_dir`` (the legacy
    document's group), re-expressed relative to ``target_dir`` (the RFC-8
    document's directory); both are dataset-relative.

    >>> rebase("coordinateTransformations/dfield", "", "")
    './coordinateTransformations/dfield'
    >>> rebase("params", "img", "")
    './img/params'
    """
    if path.startswith("/"):  # the root of the Zarr hierarchy: the dataset root
        source_dir, path = "", path.lstrip("/") or "."
    target = posixpath.normpath(posixpath.join(source_dir or ".", path))
    return relative(target_dir, "" if target == "." else target)


# --- images ---------------------------------------------------------------------------


def axes06(docs: ImageDocuments, axes: list[dict[str, Any]], file: str, where: str) -> list[dict[str, Any]]:
    """Axes verbatim, except an axis ``type`` that is neither an RFC-5 type
    nor prefixed (0.6 allows custom types; RFC-8 "Axes" reserves unprefixed
    values) becomes ``<prefix>:<type>`` (recorded against ``file``). Never raises."""
    out = []
    for i, axis in enumerate(axes):
        kind = axis.get("type")
        if isinstance(kind, str) and kind not in AXIS_TYPES and not is_prefixed(kind):
            axis = {**axis, "type": docs.prefixed(kind)}
            docs.record(file, f"{where}[*].axes[{i}].type", "mapped", f"axis type {docs.prefixed(kind)!r}")
        out.append(axis)
    return out


class Multiscale06Translation:
    """The 0.6 :class:`~ngff_migrate.formats.common.image_translation.MultiscaleTranslation`:
    named coordinate systems, verbatim transformations, parameter arrays and
    fields (see the module docstring). ``systems`` holds the coordinate-system
    ids of every image document (shared by a scene or plate translation)."""

    def __init__(self, systems: SystemIds | None = None) -> None:
        self.systems = systems or SystemIds()

    def reserve_ids(self, image: Image06, ids: IdAllocator) -> None:
        """Reserve the coordinate-system ids before any node id is allocated."""
        for names in self.systems.of(image):
            for cs_id in names.values():
                ids.reserve(cs_id)

    def _ref_mapper(self, image: Image06, ms: Multiscale06, doc_rel: str):
        names = self.systems.of(image)[ms.index]

        def map_ref(value: Any) -> Any:
            parts = ref_parts(value, image.version, level=False)
            if parts is None or parts[0] is None:
                return value
            name, path = parts
            if path is None:
                return {"id": names[name]}
            base, rest = ("", path.lstrip("/")) if path.startswith("/") else (image.rel, path)
            target = posixpath.normpath(posixpath.join(base or ".", rest))
            label = next(lab for lab in image.labels if lab.rel == target)
            return {"id": self.systems.lookup(label, name), "path": zarr_path(doc_rel, target).to_json()}

        return map_ref

    def multiscale_node(self, docs: ImageDocuments, image: Image06, ms: Multiscale06, doc: DocumentState,
                        name: str, where: str) -> MultiscaleNode:
        """Inline :class:`~ngff_migrate.rfc8.model.MultiscaleNode` of a 0.6
        ``multiscales`` entry (RFC-8 "Multiscale node", "Singlescale node",
        "Coordinate transformations"): its coordinate systems (with ids) and
        multiscale-level transformations, one
        :class:`~ngff_migrate.rfc8.model.SinglescaleNode` per level.
        Never raises (the reader validated the entry)."""
        file = docs.file_of(image)
        src = f"multiscales[{ms.index}]"
        node_id = doc.ids.allocate(name)
        names = self.systems.of(image)[ms.index]
        cs_id = names[ms.intrinsic]
        systems = sorted(ms.coordinate_systems, key=lambda cs: cs.name != ms.intrinsic)
        cs_out, cs_extra = [], {}
        for cs in systems:
            entry: dict[str, Any] = {"id": names[cs.name]}
            if names[cs.name] != cs.name:
                entry["name"] = cs.name
            entry["axes"] = axes06(docs, cs.axes, file, f"{src}.coordinateSystems")
            cs_out.append(CoordinateSystem.from_json(entry))
            if cs.extra:
                cs_extra[cs.name] = cs.extra
        nodes = []
        for j, level in enumerate(ms.levels):
            level_id = doc.ids.allocate(level.path)
            attributes = self._level_attributes(docs, image, ms, level, j, level_id, cs_id, where)
            nodes.append(docs.singlescale_node(doc, image, level_id, level.path, attributes))
        ms_attrs = Attributes(coordinateSystems=cs_out)
        docs.record(file, f"{src}.coordinateSystems", "mapped", f"{where}.attributes.coordinateSystems")
        docs.record(file, f"{src}.datasets", "mapped", f"{where}.nodes")
        if ms.transforms:
            map_ref = self._ref_mapper(image, ms, doc.rel)
            # assigned: a transformation without its RFC-8 shape stays raw JSON
            ms_attrs.coordinateTransformations = [
                CoordinateTransformation.from_json(map_transform(t, map_ref, lambda p: rebase(p, image.rel, doc.rel)))
                for t in ms.transforms]
            docs.record(file, f"{src}.coordinateTransformations", "mapped",
                        f"{where}.attributes.coordinateTransformations")
        if cs_extra:
            ms_attrs.extra[docs.prefixed("coordinateSystems")] = cs_extra
            docs.record(file, f"{src}.coordinateSystems[*] (extra keys)", "carried",
                        f"{where}.attributes[{docs.prefixed('coordinateSystems')!r}]")
        if ms.name is not None:
            docs.record(file, f"{src}.name", "mapped", f"{where}.name")
        docs.carry_all(ms_attrs, file, ms.extra, f"{src}.", where)
        if ms.absent:
            ms_attrs.extra[docs.prefixed("absent")] = list(ms.absent)
        return MultiscaleNode(id=node_id, name=name, attributes=ms_attrs, nodes=nodes)

    @staticmethod
    def _level_attributes(docs: ImageDocuments, image: Image06, ms: Multiscale06, level, j: int,
                          level_id: str, cs_id: str, where: str) -> Attributes:
        """A singlescale's :class:`~ngff_migrate.rfc8.model.Attributes`: the
        level transformation (an identity as a scale of ones), the legacy one
        carried when not canonical."""
        file = docs.file_of(image)
        src = f"multiscales[{ms.index}]"
        legacy = level.transform
        t: dict[str, Any] = {k: v for k, v in legacy.items() if k not in ("input", "output")}
        carried: dict[str, Any] = {}
        if legacy.get("type") == "identity":
            t = {**{k: v for k, v in t.items() if k != "type"}, "type": "scale", "scale": [1.0] * len(ms.axes)}
        if legacy.get("type") == "identity" or not _canonical_level_refs(legacy, level.path, ms.intrinsic,
                                                                           image.version):
            carried[docs.prefixed("legacyTransform")] = legacy
            docs.record(file, f"{src}.datasets[{j}].coordinateTransformations[0]", "carried",
                        f"{where}.nodes[{j}].attributes[{docs.prefixed('legacyTransform')!r}] "
                        "(an identity, written as a scale of ones, or non-canonical input/output)")
        else:
            docs.record(file, f"{src}.datasets[{j}].coordinateTransformations", "mapped",
                        f"{where}.nodes[{j}].attributes.coordinateTransformations")
        t["input"], t["output"] = {"id": level_id}, {"id": cs_id}
        attributes = Attributes()
        attributes.coordinateTransformations = [CoordinateTransformation.from_json(t)]  # the legacy's, verbatim
        attributes.extra.update(carried)
        docs.carry_all(attributes, file, level.extra, f"{src}.datasets[{j}].", f"{where}.nodes[{j}]")
        return attributes

    def carry_image_keys(self, docs: ImageDocuments, image: Image06, attrs: Attributes, where: str) -> None:
        """``omero`` under ``<prefix>:omero``, the other keys next to
        ``multiscales`` as one object under ``<prefix>:ome`` (extra keys of
        ``attrs``); a ``version`` other than the dataset's is carried, else
        mapped to the target version. Never raises."""
        file = docs.file_of(image)
        if image.omero is not None:
            docs.carry(attrs, file, "omero", "omero", image.omero, where)
        if image.ome_extra:  # keys next to 'multiscales': one object, apart from the multiscale's own keys
            attrs.extra[docs.prefixed("ome")] = image.ome_extra
            for key in image.ome_extra:
                docs.record(file, key, "carried", f"{where}.attributes[{docs.prefixed('ome')!r}]")
        if docs.plan.version is not None and image.version != docs.plan.version:
            attrs.extra[docs.prefixed("version")] = image.version
            docs.record(file, "version", "carried", f"{where}.attributes[{docs.prefixed('version')!r}] "
                        "(differs from the dataset's version)")
        else:
            docs.record(file, "version", "mapped", "ome.version (target version)")

    def label_extras(self, docs: ImageDocuments, image: Image06, meta: LegacyLabelMetadata,
                     node: MultiscaleNode) -> None:
        """Remember legacy keys that were absent (``image-label`` or its
        ``source``) and a label ``version`` (extra keys of ``node``'s attributes)."""
        extra = node.attributes.extra
        if meta.version is not None:
            extra.setdefault(docs.prefixed("image-label"), {})["version"] = meta.version
        absent = [a for a in image.absent if a.startswith("image-label")]
        if absent:
            extra[docs.prefixed("absent")] = [*extra.get(docs.prefixed("absent"), []), *absent]

    def finish_document(self, docs: ImageDocuments, image: Image06,
                        root: CollectionNode | MultiscaleNode) -> CollectionNode | MultiscaleNode:
        """Attach the parameter field images and report a ``consolidated_metadata``
        block; returns the root node (a new collection when fields were attached
        to a multiscale)."""
        if image.parameters.fields:
            root = self._attach_fields(docs, image, root)
        note_consolidated(docs.plan, image.group, image.rel)
        return root

    def _attach_fields(self, docs: ImageDocuments, image: Image06,
                       root: CollectionNode | MultiscaleNode) -> CollectionNode:
        """Field images read by this image's transformations become stubs of
        its document (the image becomes a :class:`~ngff_migrate.rfc8.model.CollectionNode`
        holding ``root`` if it was not one); returns the root collection."""
        taken = IdAllocator(_ids_in(root))
        if not isinstance(root, CollectionNode):
            root = CollectionNode(id=taken.allocate(image.basename), name=image.basename, nodes=[root])
            file = docs.file_of(image)
            for k in docs.plan.keys:
                if k.file == file and k.target and k.target.startswith("ome") and not k.target.startswith("ome.v"):
                    k.target = "ome.nodes[0]" + k.target[3:]
        names = UniqueNames(n.name for n in root.nodes)
        for f in image.parameters.fields:
            froot = docs.image_document(f, source_ref=None)
            rel_name = posixpath.relpath(f.rel, image.rel or ".")
            # a path-only stub of the field image's root node (same node type)
            root.nodes.append(type(froot)(
                id=taken.allocate(rel_name), name=unique_name(rel_name, names), path=zarr_path(image.rel, f.rel),
                attributes=Attributes(**{docs.prefixed("role"): PARAMETER_ROLE})))
        return root


def image06_documents(options: TranslateOptions, plan: MigrationPlan,
                      systems: SystemIds | None = None) -> ImageDocuments:
    """The 0.6 image translation: :class:`ImageDocuments` with
    :class:`Multiscale06Translation` (coordinate-system ids from ``systems``),
    adding to ``plan``. Never raises."""
    return ImageDocuments(options, plan, Multiscale06Translation(systems))


def note_consolidated(plan: MigrationPlan, node, rel: str) -> None:
    """Report a ``consolidated_metadata`` block of a replaced ``zarr.json``:
    it caches the legacy documents, so the new document does not repeat it."""
    if isinstance(node.metadata.get("consolidated_metadata"), dict):
        file = join(rel, "zarr.json")
        plan.keys.append(KeyRecord(file, "consolidated_metadata", "mapped",
                                   "not rewritten: a cache of the legacy metadata (rebuild it with "
                                   "zarr.consolidate_metadata if a reader needs it)"))
        plan.warnings.append(f"{file}: consolidated_metadata describes the legacy documents and is not "
                             "carried into the new zarr.json")


def _canonical_level_refs(t: dict[str, Any], path: str, intrinsic: str, version: str) -> bool:
    """Whether a level transformation's ``input``/``output`` are exactly what
    the reverse map writes (the dataset path, the intrinsic system)."""
    if version in STRING_REF_VERSIONS:
        return t.get("input") == path and t.get("output") == intrinsic
    return t.get("input") == {"path": path} and t.get("output") == {"name": intrinsic}


def _ids_in(node: Any) -> list[str]:
    """Every id declared in a node tree of model objects (nodes and coordinate systems)."""
    found: list[str] = []
    if isinstance(node, (CollectionNode, MultiscaleNode, SinglescaleNode)):
        if isinstance(node.id, str):
            found.append(node.id)
        attrs = node.attributes
        for cs in (attrs.coordinateSystems if isinstance(attrs, Attributes) else None) or []:
            if isinstance(cs, CoordinateSystem) and isinstance(cs.id, str):
                found.append(cs.id)
        for child in getattr(node, "nodes", None) or []:  # a singlescale has no nodes
            found += _ids_in(child)
    return [i for i in dict.fromkeys(found) if is_valid_id(i)]


def _plan_parameters(images, plan: MigrationPlan) -> None:
    """Array plans for every parameter array and field image of ``images``."""
    for image in images:
        for img in image.iter_images():
            params = getattr(img, "parameters", None)
            if params is None:
                continue
            for rel, node in params.arrays.items():
                plan.add_array(ArrayPlan(rel=rel, source=node, notes=["transformation parameters"]))
            for f in params.fields:
                plan_arrays(f, plan)
                _plan_parameters([f], plan)


def plan_parameters(images, plan: MigrationPlan) -> None:
    """Add array plans for the transformation parameter arrays and parameter
    field images (RFC-5 ``path`` parameters) of every 0.6 image in
    ``images`` (their labels and fields included) to ``plan``. Never raises."""
    _plan_parameters(images, plan)


def check_output(plan: MigrationPlan) -> None:
    """Every planned RFC-8 document passes the rules and the JSON schemas
    (checked on the JSON of its :class:`~ngff_migrate.rfc8.model.Document`).

    Raises
    ------
    MigrateError
        Naming the source document whose translation is not valid RFC-8
        (e.g. a construct the fractal schemas reject); nothing is written.
    """
    from ...rfc8.rules import check_document
    from ...rfc8.schemas import schema_problems

    for doc in plan.documents:
        ome = doc.ome
        if not ome:
            continue
        problems = [str(v) for v in check_document(ome)] + schema_problems(ome)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise MigrateError(plan.root / doc.file, f"the 0.6 metadata cannot be written as valid RFC-8: "
                                                     f"{problems[0]}{more}")


def _order(plan: MigrationPlan) -> None:
    """Arrays first, then group documents children before parents."""
    groups = [d for d in plan.documents if d.node_type == "group"]
    arrays = [d for d in plan.documents if d.node_type == "array"]
    groups.sort(key=lambda d: -(d.rel.count("/") + 1 if d.rel else 0))
    plan.documents = arrays + groups


def translate_image06(image: Image06, options: TranslateOptions | None = None) -> Plan06:
    """Translate a 0.6 image tree (with labels and parameter fields) into a :class:`Plan06`.

    Raises
    ------
    MigrateError
        If a planned document is not valid RFC-8 (see :func:`check_output`).
    """
    options = options or TranslateOptions()
    plan = Plan06(root=image.group.directory, layout="ngff06-image", version=image.version, zarr_format=3,
                  prefix=options.prefix)
    plan_arrays(image, plan)
    _plan_parameters([image], plan)
    image06_documents(options, plan).image_document(image, source_ref=None)
    _order(plan)
    check_output(plan)
    return plan


def translate_plate06(plate, options: TranslateOptions | None = None) -> Plan06:
    """Translate a 0.6 plate (fields read by :func:`~ngff_migrate.formats.ngff06.read_plate.read_plate06`).

    The plate and well documents follow the 0.4/0.5 plate translation
    (:func:`~ngff_migrate.formats.hcs.translate.translate_plate`); field images are
    translated by :func:`image06_documents`.

    Raises
    ------
    MigrateError
        If a planned document is not valid RFC-8.
    """
    from ..hcs.translate import translate_plate

    options = options or TranslateOptions()
    systems = SystemIds()
    plan = translate_plate(plate, options,
                           images=lambda opts, p: image06_documents(opts, p, systems))
    plan = _as_plan06(plan, options.prefix)
    plan.layout = "ngff06-plate"
    _plan_parameters(list(plate.iter_images()), plan)
    note_consolidated(plan, plate.group, "")
    _order(plan)
    check_output(plan)
    return plan
