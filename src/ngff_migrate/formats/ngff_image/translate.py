"""Translate a legacy NGFF 0.4/0.5 image (and its labels) into RFC-8 documents.

Implements DESIGN §4 for images:

* one document per image; singlescales inline in the multiscale;
* one coordinate system per image (id ``physical`` unless taken);
* multiscale-level transforms composed into every level
  (``s = s_level * s_global``, ``t = t_level * s_global + t_global``);
* an image with ``labels/`` becomes a ``collection``: the raw image inline,
  each label image as a path-only stub carrying ``attributes.labels``;
* more than one ``multiscales`` entry becomes a collection of multiscales;
* legacy keys with no RFC-8 home are carried under ``<prefix>:<key>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError
from ..common.document import DocumentState, UniqueNames, unique_name
from ..common.paths import join, relative, zarr_path
from ..plan import KeyRecord, MigrationPlan
from .model import LegacyImage, LegacyLabelMetadata, LegacyLevel, LegacyMultiscale

#: Default prefix for carried legacy keys (DESIGN §4).
DEFAULT_PREFIX = "ngff-migrate"
#: Default ``version`` written on root nodes (DESIGN §4).
DEFAULT_TARGET_VERSION = "0.x"


@dataclass(frozen=True)
class TranslateOptions:
    """Options of the translation.

    ``target_version`` is written on every root node; ``prefix`` names the
    attribute prefix for carried legacy keys.
    """

    target_version: str = DEFAULT_TARGET_VERSION
    prefix: str = DEFAULT_PREFIX


def compose_level(level: LegacyLevel, ms: LegacyMultiscale) -> tuple[list[float], list[float] | None]:
    """Compose a level's transforms with the multiscale-level ones.

    Returns ``(scale, translation)`` per axis in array axis order;
    ``translation`` is ``None`` when every component is zero.
    ``s = s_level * s_global``; ``t = t_level * s_global + t_global``.
    """
    n = len(level.scale)
    s_g = ms.global_scale or [1.0] * n
    t_g = ms.global_translation or [0.0] * n
    t_l = level.translation or [0.0] * n
    scale = [a * b for a, b in zip(level.scale, s_g, strict=False)] if ms.global_scale else list(level.scale)
    translation = [a * b + c for a, b, c in zip(t_l, s_g, t_g, strict=False)]
    return scale, (translation if any(v != 0 for v in translation) else None)


def level_transform(level_id: str, cs_id: str, scale: list[float],
                    translation: list[float] | None) -> dict[str, Any]:
    """The single singlescale transform (RFC-8 §Singlescale node):
    a ``scale``, or a ``sequence`` of ``[scale, translation]``."""
    ref_in, ref_out = {"id": level_id}, {"id": cs_id}
    if translation is None:
        return {"type": "scale", "scale": scale, "input": ref_in, "output": ref_out}
    return {
        "type": "sequence",
        "transformations": [
            {"type": "scale", "scale": scale},
            {"type": "translation", "translation": translation},
        ],
        "input": ref_in,
        "output": ref_out,
    }


class ImageTranslator:
    """Builds the :class:`MigrationPlan` of one legacy image tree."""

    def __init__(self, image: LegacyImage, options: TranslateOptions, plan: MigrationPlan) -> None:
        self.root_image = image
        self.opts = options
        self.plan = plan

    # -- helpers -------------------------------------------------------------
    def _p(self, key: str) -> str:
        return f"{self.opts.prefix}:{key}"

    def _file(self, image: LegacyImage) -> str:
        name = "zarr.json" if image.group.zarr_format == 3 else ".zattrs"
        return join(image.rel, name)

    def _key(self, file: str, key: str, disposition: str, target: str | None) -> None:
        self.plan.keys.append(KeyRecord(file, key, disposition, target))  # type: ignore[arg-type]

    # -- nodes ---------------------------------------------------------------
    def multiscale_node(self, image: LegacyImage, ms: LegacyMultiscale, doc: DocumentState, name: str,
                        where: str) -> dict[str, Any]:
        """Inline multiscale node with inline singlescales for ``ms``."""
        file = self._file(image)
        src = f"multiscales[{ms.index}]"
        node_id = doc.ids.allocate(name)
        cs_id = doc.ids.allocate("physical")
        nodes = []
        for j, level in enumerate(ms.levels):
            level_id = doc.ids.allocate(level.path)
            scale, translation = compose_level(level, ms)
            if not all(math.isfinite(v) for v in [*scale, *(translation or [])]):
                raise MigrateError(image.group.attributes_file,
                                   f"composing the multiscale-level transform into this level overflows a 64-bit "
                                   f"float at {src}.datasets[{j}].coordinateTransformations")
            attributes: dict[str, Any] = {
                "coordinateTransformations": [level_transform(level_id, cs_id, scale, translation)]
            }
            for key, value in level.extra.items():
                attributes[self._p(key)] = value
                self._key(file, f"{src}.datasets[{j}].{key}", "carried",
                          f"{where}.nodes[{j}].attributes[{self._p(key)!r}]")
            nodes.append({
                "type": "singlescale",
                "id": level_id,
                "name": level.path,
                "path": zarr_path(doc.rel, join(image.rel, level.path)),
                "attributes": attributes,
            })
        ms_attrs: dict[str, Any] = {"coordinateSystems": [{"id": cs_id, "axes": ms.axes}]}
        self._key(file, f"{src}.axes", "mapped", f"{where}.attributes.coordinateSystems[0].axes")
        self._key(file, f"{src}.datasets", "mapped", f"{where}.nodes")
        if ms.global_scale or ms.global_translation:
            self._key(file, f"{src}.coordinateTransformations", "mapped",
                      f"{where}.nodes[*].attributes.coordinateTransformations (composed)")
        if ms.name is not None:
            self._key(file, f"{src}.name", "mapped", f"{where}.name")
        for key in ms.empty_keys:
            self._key(file, f"{src}.{key}", "mapped", "absent (the legacy value was null or empty)")
        if image.version == "0.4":
            self._key(file, f"{src}.version", "mapped", "ome.version (target version)")
        for key, value in ms.extra.items():
            ms_attrs[self._p(key)] = value
            self._key(file, f"{src}.{key}", "carried", f"{where}.attributes[{self._p(key)!r}]")
        return {"type": "multiscale", "id": node_id, "name": name, "attributes": ms_attrs,
                "nodes": nodes}

    def _carry_image_level(self, image: LegacyImage, attrs: dict[str, Any], where: str) -> None:
        """Carry ``omero`` and other unmapped OME keys of an image group."""
        file = self._file(image)
        if image.omero is not None:
            attrs[self._p("omero")] = image.omero
            self._key(file, "omero", "carried", f"{where}.attributes[{self._p('omero')!r}]")
        for key, value in image.ome_extra.items():
            attrs[self._p(key)] = value
            self._key(file, key, "carried", f"{where}.attributes[{self._p(key)!r}]")
        if image.version == "0.5":
            self._key(file, "version", "mapped", "ome.version (target version)")

    def label_attributes(self, image: LegacyImage, meta: LegacyLabelMetadata, where: str,
                         carried: dict[str, Any]) -> list[dict]:
        """``colors`` → ``labelAttributes`` (RFC-8 §Label maps: ``label-value`` →
        ``labelValue``, ``rgba`` → ``color``), one entry per label value of
        ``colors`` or ``properties``.

        ``properties`` and any extra key of a ``colors`` entry go verbatim into
        ``carried`` (``<prefix>:image-label``): the fractal schemas forbid extra
        keys in a label attributes entry, although the RFC text allows
        prefixed ones.
        """
        file = self._file(image)
        merged: dict[Any, dict[str, Any]] = {}
        extra_colors = []
        for color in meta.colors:
            entry = merged.setdefault(color["label-value"], {"labelValue": color["label-value"]})
            if "rgba" in color:
                entry["color"] = color["rgba"]
            rest = {k: v for k, v in color.items() if k not in ("label-value", "rgba")}
            if rest:
                extra_colors.append({"label-value": color["label-value"], **rest})
        for prop in meta.properties:
            merged.setdefault(prop["label-value"], {"labelValue": prop["label-value"]})
        target = f"{where}.attributes[{self._p('image-label')!r}]"
        if meta.colors:
            self._key(file, "image-label.colors", "mapped", f"{where}.attributes.labels.labelAttributes")
        if extra_colors:
            carried["colors"] = extra_colors
            self._key(file, "image-label.colors[*] (extra keys)", "carried", f"{target}.colors")
        if meta.properties:
            carried["properties"] = meta.properties
            self._key(file, "image-label.properties", "carried", f"{target}.properties")
        return list(merged.values())

    # -- documents -----------------------------------------------------------
    def image_document(self, image: LegacyImage, *, source_ref: dict[str, Any] | None) -> dict[str, Any]:
        """Root ``ome`` node of the document at ``image.rel``; adds label documents."""
        doc = self.new_doc(image)
        names = UniqueNames()
        single = len(image.multiscales) == 1
        is_collection = bool(image.labels) or not single
        if is_collection:
            coll_id = doc.ids.allocate(image.basename)
            names_root = image.basename
        multiscales = []
        for ms in image.multiscales:
            default = image.basename if single else f"{image.basename}-{ms.index}"
            name = unique_name(ms.name or default, names)
            where = f"ome.nodes[{len(multiscales)}]" if is_collection else "ome"
            multiscales.append(self.multiscale_node(image, ms, doc, name, where))
        if is_collection:
            root: dict[str, Any] = {"type": "collection", "id": coll_id, "name": names_root,
                                    "attributes": {}, "nodes": list(multiscales)}
            target_attrs = multiscales[0]["attributes"] if single else root["attributes"]
            self._carry_image_level(image, target_attrs, "ome.nodes[0]" if single else "ome")
        else:
            root = multiscales[0]
            self._carry_image_level(image, root["attributes"], "ome")
        if image.label is not None:
            label_node = root if not is_collection else multiscales[0]
            where = "ome" if not is_collection else "ome.nodes[0]"
            self.labels_attribute(image, image.label, source_ref, label_node, where)
        raw_id = multiscales[0]["id"]
        for label in image.labels:
            label_ref = {"id": raw_id, "path": zarr_path(label.rel, image.rel)}
            label_root = self.image_document(label, source_ref=label_ref)
            stub = {
                "type": label_root["type"],
                "id": doc.ids.allocate(label.basename),
                "name": unique_name(label.basename, names),
                "path": zarr_path(image.rel, label.rel),
                "attributes": {"labels": {"source": [{"id": raw_id}]}},
            }
            root["nodes"].append(stub)
        if image.labels:
            self._key(join(image.rel, "labels", self._file_name(image)), "labels", "mapped",
                      "ome.nodes[*] (label image stubs)")
            self.labels_group_document(image)
        if is_collection and not root["attributes"]:
            del root["attributes"]
        self._add_group_document(image, root)
        return root

    def new_doc(self, image: LegacyImage) -> DocumentState:
        """The id/directory state of the document at ``image.rel`` (a hook:
        subclasses reserve ids, e.g. coordinate-system names, before any
        node id is allocated)."""
        return DocumentState(image.rel)

    def _file_name(self, image: LegacyImage) -> str:
        return "zarr.json" if image.group.zarr_format == 3 else ".zattrs"

    def labels_attribute(self, image: LegacyImage, meta: LegacyLabelMetadata,
                         source_ref: dict[str, Any] | None, node: dict[str, Any], where: str) -> None:
        """Set ``labels`` (RFC-8 §Label maps) on a label image's multiscale
        ``node``; unmapped ``image-label`` content is carried verbatim under
        ``<prefix>:image-label`` on the same node."""
        labels: dict[str, Any] = {}
        carried: dict[str, Any] = {}
        attrs = self.label_attributes(image, meta, where, carried)
        if attrs:
            labels["labelAttributes"] = attrs
        file = self._file(image)
        target = f"{where}.attributes[{self._p('image-label')!r}]"
        points_to_parent = meta.source_image is None or (
            source_ref is not None and relative(image.rel, join(image.rel, meta.source_image)) ==
            source_ref["path"]["path"])
        source_extra = dict(meta.source_extra)
        if source_ref is not None and points_to_parent:
            labels["source"] = [source_ref]
            if meta.source_image is not None:
                self._key(file, "image-label.source.image", "mapped", f"{where}.attributes.labels.source")
        elif meta.source_image is not None:
            source_extra = {"image": meta.source_image, **source_extra}
        if source_extra:
            carried["source"] = source_extra
            self._key(file, "image-label.source", "carried", f"{target}.source")
        for key, value in meta.extra.items():
            carried[key] = value
            self._key(file, f"image-label.{key}", "carried", f"{target}.{key}")
        if meta.version is not None:
            self._key(file, "image-label.version", "mapped", "ome.version (target version)")
        node["attributes"]["labels"] = labels
        if carried:
            node["attributes"][self._p("image-label")] = carried

    def _add_group_document(self, image: LegacyImage, root: dict[str, Any]) -> None:
        self.plan.add_group_document(
            image.rel, file=self._file(image), replaces=[join(image.rel, f) for f in image.group.files],
            ome={"version": self.opts.target_version, **root}, other_attributes=image.other_attributes)

    def labels_group_document(self, image: LegacyImage) -> None:
        """A plain Zarr v3 group document for the legacy ``labels`` group."""
        node = image.labels_group
        assert node is not None
        rel = join(image.rel, "labels")
        file = join(rel, self._file_name(image))
        attributes: dict[str, Any] = {}
        if image.labels_group_version is not None:
            self._key(file, "version", "mapped", "dropped with the labels group's OME metadata: "
                      "RFC-8 documents carry the target version")
        for key, value in image.labels_group_extra.items():
            attributes[self._p(key)] = value
            self._key(file, key, "carried", f"{rel}/zarr.json attributes[{self._p(key)!r}]")
        self.plan.add_group_document(rel, file=file, replaces=[join(rel, f) for f in node.files],
                                     attributes=attributes,
                                     other_attributes=image.labels_group_other_attributes)


def translate_image(image: LegacyImage, options: TranslateOptions | None = None,
                    plan: MigrationPlan | None = None) -> MigrationPlan:
    """Translate a legacy image tree into a :class:`MigrationPlan`.

    Array documents (Zarr v2 → v3, chunk files kept byte-identical) come
    first, then group documents, children before parents, so that a
    half-written in-place migration never has a root pointing at missing
    documents.

    Raises
    ------
    MigrateError
        If an array's v2 metadata cannot be expressed in Zarr v3 without
        re-encoding (the message names the ``.zarray`` file), or composing a
        multiscale-level transform into a level overflows a 64-bit float
        (naming the image's attributes file and the level).
    """
    from ..common.arrays import plan_arrays

    options = options or TranslateOptions()
    if plan is None:
        plan = MigrationPlan(root=image.group.directory, layout="ngff-image", version=image.version,
                             zarr_format=image.group.zarr_format)
    plan_arrays(image, plan)
    translator = ImageTranslator(image, options, plan)
    translator.image_document(image, source_ref=None)
    plan.order_documents()
    return plan
