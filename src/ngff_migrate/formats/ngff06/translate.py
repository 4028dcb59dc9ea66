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

Every document is checked against the RFC-8 rules and JSON schemas before
anything is written.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError
from ...rfc8.ids import IdAllocator, is_valid_id
from ...rfc8.spec import AXIS_TYPES, is_prefixed
from ..common.arrays import plan_arrays
from ..common.document import DocumentState, UniqueNames, unique_name
from ..common.paths import join, relative, zarr_path
from ..ngff_image.translate import ImageTranslator, TranslateOptions
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


class Image06Translator(ImageTranslator):
    """:class:`ImageTranslator` for 0.6 images: named coordinate systems,
    verbatim transformations, parameter arrays (see the module docstring)."""

    def __init__(self, image: Image06 | None, options: TranslateOptions, plan: MigrationPlan,
                 systems: SystemIds | None = None) -> None:
        super().__init__(image, options, plan)  # type: ignore[arg-type]
        self.systems = systems or SystemIds()

    def new_doc(self, image) -> DocumentState:
        """Reserve the coordinate-system ids before any node id is allocated."""
        doc = super().new_doc(image)
        if isinstance(image, Image06):
            for names in self.systems.of(image):
                for cs_id in names.values():
                    doc.ids.reserve(cs_id)
        return doc

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
            return {"id": self.systems.lookup(label, name), "path": zarr_path(doc_rel, target)}

        return map_ref

    def multiscale_node(self, image, ms, doc, name: str, where: str) -> dict[str, Any]:
        """Inline multiscale node of a 0.6 ``multiscales`` entry (RFC-8
        "Multiscale node", "Singlescale node", "Coordinate transformations")."""
        if not isinstance(ms, Multiscale06):
            return super().multiscale_node(image, ms, doc, name, where)
        file = self._file(image)
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
            entry["axes"] = self.axes(cs.axes, file, f"{src}.coordinateSystems")
            cs_out.append(entry)
            if cs.extra:
                cs_extra[cs.name] = cs.extra
        nodes = []
        for j, level in enumerate(ms.levels):
            level_id = doc.ids.allocate(level.path)
            legacy = level.transform
            t: dict[str, Any] = {k: v for k, v in legacy.items() if k not in ("input", "output")}
            attributes: dict[str, Any] = {}
            if legacy.get("type") == "identity":
                t = {**{k: v for k, v in t.items() if k != "type"}, "type": "scale",
                     "scale": [1.0] * len(ms.axes)}
            if legacy.get("type") == "identity" or not _canonical_level_refs(legacy, level.path, ms.intrinsic,
                                                                               image.version):
                attributes[self._p("legacyTransform")] = legacy
                self._key(file, f"{src}.datasets[{j}].coordinateTransformations[0]", "carried",
                          f"{where}.nodes[{j}].attributes[{self._p('legacyTransform')!r}] "
                          "(an identity, written as a scale of ones, or non-canonical input/output)")
            else:
                self._key(file, f"{src}.datasets[{j}].coordinateTransformations", "mapped",
                          f"{where}.nodes[{j}].attributes.coordinateTransformations")
            t["input"], t["output"] = {"id": level_id}, {"id": cs_id}
            attributes = {"coordinateTransformations": [t], **attributes}
            for key, value in level.extra.items():
                attributes[self._p(key)] = value
                self._key(file, f"{src}.datasets[{j}].{key}", "carried",
                          f"{where}.nodes[{j}].attributes[{self._p(key)!r}]")
            nodes.append({"type": "singlescale", "id": level_id, "name": level.path,
                          "path": zarr_path(doc.rel, join(image.rel, level.path)), "attributes": attributes})
        ms_attrs: dict[str, Any] = {"coordinateSystems": cs_out}
        self._key(file, f"{src}.coordinateSystems", "mapped", f"{where}.attributes.coordinateSystems")
        self._key(file, f"{src}.datasets", "mapped", f"{where}.nodes")
        if ms.transforms:
            map_ref = self._ref_mapper(image, ms, doc.rel)
            ms_attrs["coordinateTransformations"] = [
                map_transform(t, map_ref, lambda p: rebase(p, image.rel, doc.rel)) for t in ms.transforms]
            self._key(file, f"{src}.coordinateTransformations", "mapped",
                      f"{where}.attributes.coordinateTransformations")
        if cs_extra:
            ms_attrs[self._p("coordinateSystems")] = cs_extra
            self._key(file, f"{src}.coordinateSystems[*] (extra keys)", "carried",
                      f"{where}.attributes[{self._p('coordinateSystems')!r}]")
        if ms.name is not None:
            self._key(file, f"{src}.name", "mapped", f"{where}.name")
        for key, value in ms.extra.items():
            ms_attrs[self._p(key)] = value
            self._key(file, f"{src}.{key}", "carried", f"{where}.attributes[{self._p(key)!r}]")
        if ms.absent:
            ms_attrs[self._p("absent")] = list(ms.absent)
        return {"type": "multiscale", "id": node_id, "name": name, "attributes": ms_attrs, "nodes": nodes}

    def axes(self, axes: list[dict[str, Any]], file: str, where: str) -> list[dict[str, Any]]:
        """Axes verbatim, except an axis ``type`` that is neither an RFC-5
        type nor prefixed (0.6 allows custom types; RFC-8 reserves unprefixed
        values) becomes ``<prefix>:<type>``."""
        out = []
        for i, axis in enumerate(axes):
            kind = axis.get("type")
            if isinstance(kind, str) and kind not in AXIS_TYPES and not is_prefixed(kind):
                axis = {**axis, "type": self._p(kind)}
                self._key(file, f"{where}[*].axes[{i}].type", "mapped", f"axis type {self._p(kind)!r}")
            out.append(axis)
        return out

    def _carry_image_level(self, image, attrs: dict[str, Any], where: str) -> None:
        if not isinstance(image, Image06):
            super()._carry_image_level(image, attrs, where)
            return
        file = self._file(image)
        if image.omero is not None:
            attrs[self._p("omero")] = image.omero
            self._key(file, "omero", "carried", f"{where}.attributes[{self._p('omero')!r}]")
        if image.ome_extra:  # keys next to 'multiscales': one object, apart from the multiscale's own keys
            attrs[self._p("ome")] = image.ome_extra
            for key in image.ome_extra:
                self._key(file, key, "carried", f"{where}.attributes[{self._p('ome')!r}]")
        if self.plan.version is not None and image.version != self.plan.version:
            attrs[self._p("version")] = image.version
            self._key(file, "version", "carried", f"{where}.attributes[{self._p('version')!r}] "
                      "(differs from the dataset's version)")
        else:
            self._key(file, "version", "mapped", "ome.version (target version)")

    def labels_attribute(self, image, meta, source_ref, node: dict[str, Any], where: str) -> None:
        """As the base class; also remembers legacy keys that were absent
        (``image-label`` or its ``source``) and a label ``version``."""
        super().labels_attribute(image, meta, source_ref, node, where)
        if not isinstance(image, Image06):
            return
        attrs = node["attributes"]
        if meta.version is not None:
            attrs.setdefault(self._p("image-label"), {})["version"] = meta.version
        absent = [a for a in image.absent if a.startswith("image-label")]
        if absent:
            attrs[self._p("absent")] = [*attrs.get(self._p("absent"), []), *absent]

    def _add_group_document(self, image, root: dict[str, Any]) -> None:
        if isinstance(image, Image06) and image.parameters.fields:
            self._attach_fields(image, root)
        note_consolidated(self.plan, image.group, image.rel)
        super()._add_group_document(image, root)

    def _attach_fields(self, image: Image06, root: dict[str, Any]) -> None:
        """Field images read by this image's transformations become stubs of
        its document (the image becomes a collection if it was not one)."""
        taken = IdAllocator(_ids_in(root))
        if root["type"] != "collection":
            inner = dict(root)
            root.clear()
            root.update({"type": "collection", "id": taken.allocate(image.basename), "name": image.basename,
                         "nodes": [inner]})
            file = self._file(image)
            for k in self.plan.keys:
                if k.file == file and k.target and k.target.startswith("ome") and not k.target.startswith("ome.v"):
                    k.target = "ome.nodes[0]" + k.target[3:]
        names = UniqueNames(n.get("name") for n in root["nodes"])
        for f in image.parameters.fields:
            froot = self.image_document(f, source_ref=None)
            rel_name = posixpath.relpath(f.rel, image.rel or ".")
            root["nodes"].append({
                "type": froot["type"], "id": taken.allocate(rel_name), "name": unique_name(rel_name, names),
                "path": zarr_path(image.rel, f.rel), "attributes": {self._p("role"): PARAMETER_ROLE}})


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
    """Every id declared in a node tree (nodes and coordinate systems)."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            found.append(node["id"])
        for cs in (node.get("attributes") or {}).get("coordinateSystems") or []:
            if isinstance(cs, dict) and isinstance(cs.get("id"), str):
                found.append(cs["id"])
        for child in node.get("nodes") or []:
            found += _ids_in(child)
    return [i for i in dict.fromkeys(found) if is_valid_id(i)]


def _plan_parameters(images, plan: MigrationPlan) -> None:
    """Array plans for every parameter array and field image of ``images``."""
    seen = {a.rel for a in plan.arrays}
    for image in images:
        for img in image.iter_images():
            params = getattr(img, "parameters", None)
            if params is None:
                continue
            for rel, node in params.arrays.items():
                if rel not in seen:
                    seen.add(rel)
                    plan.arrays.append(ArrayPlan(rel=rel, source=node, notes=["transformation parameters"]))
            for f in params.fields:
                plan_arrays(f, plan)
                _plan_parameters([f], plan)


def plan_parameters(images, plan: MigrationPlan) -> None:
    """Add array plans for the transformation parameter arrays and parameter
    field images (RFC-5 ``path`` parameters) of every 0.6 image in
    ``images`` (their labels and fields included) to ``plan``. Never raises."""
    _plan_parameters(images, plan)


def check_output(plan: MigrationPlan) -> None:
    """Every planned RFC-8 document passes the rules and the JSON schemas.

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
    Image06Translator(image, options, plan).image_document(image, source_ref=None)
    _order(plan)
    check_output(plan)
    return plan


def translate_plate06(plate, options: TranslateOptions | None = None) -> Plan06:
    """Translate a 0.6 plate (fields read by :func:`~ngff_migrate.formats.ngff06.read_plate.read_plate06`).

    The plate and well documents follow the 0.4/0.5 plate translation
    (:func:`~ngff_migrate.formats.hcs.translate.translate_plate`); field images are
    translated by :class:`Image06Translator`.

    Raises
    ------
    MigrateError
        If a planned document is not valid RFC-8.
    """
    from ..hcs.translate import translate_plate

    options = options or TranslateOptions()
    systems = SystemIds()
    plan = translate_plate(plate, options,
                           images=lambda opts, p: Image06Translator(None, opts, p, systems))
    plan = _as_plan06(plan, options.prefix)
    plan.layout = "ngff06-plate"
    _plan_parameters(list(plate.iter_images()), plan)
    note_consolidated(plan, plate.group, "")
    _order(plan)
    check_output(plan)
    return plan
