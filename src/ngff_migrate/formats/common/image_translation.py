"""The image-document machinery every image family shares (DESIGN §4 "images").

:class:`ImageDocuments` builds the RFC-8 document of one image group and of
its label images, whatever the NGFF version:

* one document per image; an image with ``labels/`` (or with more than one
  ``multiscales`` entry) becomes a ``collection``: the multiscales inline,
  each label image as a path-only stub carrying ``attributes.labels``
  (RFC-8 §Label maps);
* ``image-label`` → ``attributes.labels`` (``labelAttributes``, ``source``),
  the rest carried under ``<prefix>:image-label``;
* the legacy ``labels`` group → a plain Zarr v3 group document;
* every legacy key gets a :class:`~ngff_migrate.formats.plan.KeyRecord`.

What differs between versions (the multiscale node, the image-level keys,
extra label keys, what happens before a document is planned) is the job of
a :class:`MultiscaleTranslation` strategy: the 0.4/0.5 one is
:class:`ngff_migrate.formats.ngff_image.translate.LegacyMultiscaleTranslation`,
the 0.6 one :class:`ngff_migrate.formats.ngff06.translate.Multiscale06Translation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..plan import KeyRecord, MigrationPlan
from .document import DocumentState, UniqueNames, unique_name
from .paths import join, relative, zarr_path

if TYPE_CHECKING:
    from ...rfc8.ids import IdAllocator
    from ..ngff_image.model import LegacyImage, LegacyLabelMetadata, LegacyMultiscale

#: Default prefix for carried legacy keys (DESIGN §4).
DEFAULT_PREFIX = "ngff-migrate"
#: Default ``version`` written on root nodes (DESIGN §4).
DEFAULT_TARGET_VERSION = "0.x"


@dataclass(frozen=True)
class TranslateOptions:
    """Options of the translation.

    ``target_version`` is written on every root node; ``prefix`` names the
    attribute prefix for carried legacy keys; ``pixel_size`` (y/x, in
    ``unit``) and ``unit`` (an NGFF space unit) override the pixel size of
    inputs that carry one weakly (TIFF: ``--pixel-size``, ``--unit``).
    A TIFF tile set (docs/tiff.md, "Tile sets") is placed by ``positions``
    (a position file; default: the folder's own, else the tiles' OME-XML),
    read in ``position_unit`` (an NGFF space unit or ``"pixel"``), and
    ``overview`` adds a fused low-resolution multiscale of the mosaic.
    """

    target_version: str = DEFAULT_TARGET_VERSION
    prefix: str = DEFAULT_PREFIX
    pixel_size: float | None = None
    unit: str | None = None
    positions: str | None = None
    position_unit: str | None = None
    overview: bool = False


class MultiscaleTranslation(Protocol):
    """What a version family supplies to :class:`ImageDocuments`.

    Every method gets the :class:`ImageDocuments` it works for (its plan,
    options and key records); none of them may raise except
    :meth:`multiscale_node` (a :class:`~ngff_migrate.errors.MigrateError`
    naming the source file).
    """

    def reserve_ids(self, image: Any, ids: IdAllocator) -> None:
        """Reserve ids in a new document before any node id is allocated."""

    def multiscale_node(self, docs: ImageDocuments, image: Any, ms: Any, doc: DocumentState, name: str,
                        where: str) -> dict[str, Any]:
        """The inline multiscale node of ``ms`` (RFC-8 §Multiscale node), found at ``where``."""

    def carry_image_keys(self, docs: ImageDocuments, image: Any, attrs: dict[str, Any], where: str) -> None:
        """Carry (or record) the image group's OME keys other than ``multiscales``."""

    def label_extras(self, docs: ImageDocuments, image: Any, meta: LegacyLabelMetadata,
                     node: dict[str, Any]) -> None:
        """Add what the family keeps of ``image-label`` beyond :meth:`ImageDocuments.labels_attribute`."""

    def finish_document(self, docs: ImageDocuments, image: Any, root: dict[str, Any]) -> None:
        """Last changes to the root node of an image document before it is planned."""


class ImageDocuments:
    """Adds the RFC-8 documents of image trees to ``plan``; ``multiscales``
    is the version family's :class:`MultiscaleTranslation`."""

    def __init__(self, options: TranslateOptions, plan: MigrationPlan,
                 multiscales: MultiscaleTranslation) -> None:
        self.opts = options
        self.plan = plan
        self.multiscales = multiscales

    # -- helpers -------------------------------------------------------------
    def prefixed(self, key: str) -> str:
        """``<prefix>:<key>``, the attribute name of a carried legacy key."""
        return f"{self.opts.prefix}:{key}"

    @staticmethod
    def file_name(image: LegacyImage) -> str:
        """The name of the image group's legacy attributes file."""
        return "zarr.json" if image.group.zarr_format == 3 else ".zattrs"

    def file_of(self, image: LegacyImage) -> str:
        """The dataset-relative path of the image group's legacy attributes file."""
        return join(image.rel, self.file_name(image))

    def record(self, file: str, key: str, disposition: str, target: str | None) -> None:
        """Record where the legacy ``key`` of ``file`` went."""
        self.plan.keys.append(KeyRecord(file, key, disposition, target))  # type: ignore[arg-type]

    def carry(self, attrs: dict[str, Any], file: str, legacy_key: str, name: str, value: Any,
              where: str) -> None:
        """Carry ``value`` as ``attrs['<prefix>:<name>']`` of the node at
        ``where``, recording the legacy key ``legacy_key`` of ``file``."""
        attrs[self.prefixed(name)] = value
        self.record(file, legacy_key, "carried", f"{where}.attributes[{self.prefixed(name)!r}]")

    def carry_all(self, attrs: dict[str, Any], file: str, extra: dict[str, Any], legacy_prefix: str,
                  where: str) -> None:
        """:meth:`carry` every key of ``extra`` (legacy key ``legacy_prefix + key``)."""
        for key, value in extra.items():
            self.carry(attrs, file, f"{legacy_prefix}{key}", key, value, where)

    def new_document(self, image: LegacyImage) -> DocumentState:
        """The id/directory state of the document at ``image.rel``, with the
        strategy's ids reserved."""
        doc = DocumentState(image.rel)
        self.multiscales.reserve_ids(image, doc.ids)
        return doc

    @staticmethod
    def singlescale_node(doc: DocumentState, image: LegacyImage, level_id: str, level_path: str,
                         attributes: dict[str, Any]) -> dict[str, Any]:
        """An inline singlescale node (RFC-8 §Singlescale node) for the level
        array ``level_path`` of ``image``, in the document ``doc``."""
        return {"type": "singlescale", "id": level_id, "name": level_path,
                "path": zarr_path(doc.rel, join(image.rel, level_path)), "attributes": attributes}

    # -- documents -----------------------------------------------------------
    def image_document(self, image: LegacyImage, *, source_ref: dict[str, Any] | None) -> dict[str, Any]:
        """Plan the document at ``image.rel`` and those of its labels; returns
        its root ``ome`` node (without ``version``).

        ``source_ref`` is the reference to the parent image when ``image`` is
        a label image. Raises the strategy's
        :class:`~ngff_migrate.errors.MigrateError` (e.g. a level transform
        that overflows).
        """
        doc = self.new_document(image)
        names = UniqueNames()
        single = len(image.multiscales) == 1
        is_collection = bool(image.labels) or not single
        if is_collection:
            coll_id = doc.ids.allocate(image.basename)
        multiscales = []
        for ms in image.multiscales:
            multiscales.append(self._multiscale(image, ms, doc, names, single, is_collection, len(multiscales)))
        if is_collection:
            root: dict[str, Any] = {"type": "collection", "id": coll_id, "name": image.basename,
                                    "attributes": {}, "nodes": list(multiscales)}
            target_attrs = multiscales[0]["attributes"] if single else root["attributes"]
            self.multiscales.carry_image_keys(self, image, target_attrs, "ome.nodes[0]" if single else "ome")
        else:
            root = multiscales[0]
            self.multiscales.carry_image_keys(self, image, root["attributes"], "ome")
        if image.label is not None:
            label_node = root if not is_collection else multiscales[0]
            where = "ome" if not is_collection else "ome.nodes[0]"
            self.labels_attribute(image, image.label, source_ref, label_node, where)
            self.multiscales.label_extras(self, image, image.label, label_node)
        raw_id = multiscales[0]["id"]
        for label in image.labels:
            label_ref = {"id": raw_id, "path": zarr_path(label.rel, image.rel)}
            label_root = self.image_document(label, source_ref=label_ref)
            root["nodes"].append({
                "type": label_root["type"],
                "id": doc.ids.allocate(label.basename),
                "name": unique_name(label.basename, names),
                "path": zarr_path(image.rel, label.rel),
                "attributes": {"labels": {"source": [{"id": raw_id}]}},
            })
        if image.labels:
            self.record(join(image.rel, "labels", self.file_name(image)), "labels", "mapped",
                        "ome.nodes[*] (label image stubs)")
            self.labels_group_document(image)
        if is_collection and not root["attributes"]:
            del root["attributes"]
        self.multiscales.finish_document(self, image, root)
        self.add_group_document(image, root)
        return root

    def _multiscale(self, image: LegacyImage, ms: LegacyMultiscale, doc: DocumentState, names: UniqueNames,
                    single: bool, is_collection: bool, index: int) -> dict[str, Any]:
        default = image.basename if single else f"{image.basename}-{ms.index}"
        name = unique_name(ms.name or default, names)
        where = f"ome.nodes[{index}]" if is_collection else "ome"
        return self.multiscales.multiscale_node(self, image, ms, doc, name, where)

    def add_group_document(self, image: LegacyImage, root: dict[str, Any]) -> None:
        """Plan the group document at ``image.rel`` replacing the legacy
        metadata files, with ``root`` as its ``ome`` node."""
        self.plan.add_group_document(
            image.rel, file=self.file_of(image), replaces=[join(image.rel, f) for f in image.group.files],
            ome={"version": self.opts.target_version, **root}, other_attributes=image.other_attributes)

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
        file = self.file_of(image)
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
        target = f"{where}.attributes[{self.prefixed('image-label')!r}]"
        if meta.colors:
            self.record(file, "image-label.colors", "mapped", f"{where}.attributes.labels.labelAttributes")
        if extra_colors:
            carried["colors"] = extra_colors
            self.record(file, "image-label.colors[*] (extra keys)", "carried", f"{target}.colors")
        if meta.properties:
            carried["properties"] = meta.properties
            self.record(file, "image-label.properties", "carried", f"{target}.properties")
        return list(merged.values())

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
        file = self.file_of(image)
        target = f"{where}.attributes[{self.prefixed('image-label')!r}]"
        points_to_parent = meta.source_image is None or (
            source_ref is not None and relative(image.rel, join(image.rel, meta.source_image)) ==
            source_ref["path"]["path"])
        source_extra = dict(meta.source_extra)
        if source_ref is not None and points_to_parent:
            labels["source"] = [source_ref]
            if meta.source_image is not None:
                self.record(file, "image-label.source.image", "mapped", f"{where}.attributes.labels.source")
        elif meta.source_image is not None:
            source_extra = {"image": meta.source_image, **source_extra}
        if source_extra:
            carried["source"] = source_extra
            self.record(file, "image-label.source", "carried", f"{target}.source")
        for key, value in meta.extra.items():
            carried[key] = value
            self.record(file, f"image-label.{key}", "carried", f"{target}.{key}")
        if meta.version is not None:
            self.record(file, "image-label.version", "mapped", "ome.version (target version)")
        node["attributes"]["labels"] = labels
        if carried:
            node["attributes"][self.prefixed("image-label")] = carried

    def labels_group_document(self, image: LegacyImage) -> None:
        """Plan a plain Zarr v3 group document for the legacy ``labels`` group
        of ``image`` (which must have one)."""
        node = image.labels_group
        assert node is not None
        rel = join(image.rel, "labels")
        file = join(rel, self.file_name(image))
        attributes: dict[str, Any] = {}
        if image.labels_group_version is not None:
            self.record(file, "version", "mapped", "dropped with the labels group's OME metadata: "
                        "RFC-8 documents carry the target version")
        for key, value in image.labels_group_extra.items():
            attributes[self.prefixed(key)] = value
            self.record(file, key, "carried", f"{rel}/zarr.json attributes[{self.prefixed(key)!r}]")
        self.plan.add_group_document(rel, file=file, replaces=[join(rel, f) for f in node.files],
                                     attributes=attributes,
                                     other_attributes=image.labels_group_other_attributes)
