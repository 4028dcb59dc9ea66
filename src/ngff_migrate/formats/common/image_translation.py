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

The documents are built as RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`:
nodes, :class:`~ngff_migrate.rfc8.model.Attributes`, references, paths) and
planned as :class:`~ngff_migrate.rfc8.model.Document` objects, serialised once
by the writer; carried legacy keys are the attributes' :attr:`extra` keys, in
the order they are carried.

What differs between versions (the multiscale node, the image-level keys,
extra label keys, what happens before a document is planned) is the job of
a :class:`MultiscaleTranslation` strategy: the 0.4/0.5 one is
:class:`ngff_migrate.formats.ngff_image.translate.LegacyMultiscaleTranslation`,
the 0.6 one :class:`ngff_migrate.formats.ngff06.translate.Multiscale06Translation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ...rfc8.model import (
    Attributes,
    CollectionNode,
    Document,
    LabelAttribute,
    Labels,
    MultiscaleNode,
    Reference,
    SinglescaleNode,
)
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
    naming the source file). Nodes and attributes are RFC-8 model objects
    (:mod:`ngff_migrate.rfc8.model`).
    """

    def reserve_ids(self, image: Any, ids: IdAllocator) -> None:
        """Reserve ids in a new document before any node id is allocated."""

    def multiscale_node(self, docs: ImageDocuments, image: Any, ms: Any, doc: DocumentState, name: str,
                        where: str) -> MultiscaleNode:
        """The inline :class:`~ngff_migrate.rfc8.model.MultiscaleNode` of ``ms``
        (RFC-8 §Multiscale node), found at ``where``, with its ``attributes``."""

    def carry_image_keys(self, docs: ImageDocuments, image: Any, attrs: Attributes, where: str) -> None:
        """Carry (or record) the image group's OME keys other than ``multiscales`` into ``attrs``."""

    def label_extras(self, docs: ImageDocuments, image: Any, meta: LegacyLabelMetadata,
                     node: MultiscaleNode) -> None:
        """Add what the family keeps of ``image-label`` beyond :meth:`ImageDocuments.labels_attribute`."""

    def finish_document(self, docs: ImageDocuments, image: Any,
                        root: CollectionNode | MultiscaleNode) -> CollectionNode | MultiscaleNode:
        """Last changes to the root node of an image document before it is
        planned; returns the root node to plan (``root``, or a new node holding it)."""


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

    def carry(self, attrs: Attributes, file: str, legacy_key: str, name: str, value: Any,
              where: str) -> None:
        """Carry ``value`` (verbatim) as the extra key ``'<prefix>:<name>'`` of
        the :class:`~ngff_migrate.rfc8.model.Attributes` ``attrs`` of the node
        at ``where``, recording the legacy key ``legacy_key`` of ``file``.
        Never raises."""
        attrs.extra[self.prefixed(name)] = value
        self.record(file, legacy_key, "carried", f"{where}.attributes[{self.prefixed(name)!r}]")

    def carry_all(self, attrs: Attributes, file: str, extra: dict[str, Any], legacy_prefix: str,
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
                         attributes: Attributes) -> SinglescaleNode:
        """An inline :class:`~ngff_migrate.rfc8.model.SinglescaleNode` (RFC-8
        §Singlescale node) for the level array ``level_path`` of ``image``, in
        the document ``doc``.

        Raises
        ------
        ModelError
            If ``level_id`` or ``level_path`` is not a string.
        """
        return SinglescaleNode(id=level_id, name=level_path, path=zarr_path(doc.rel, join(image.rel, level_path)),
                               attributes=attributes)

    # -- documents -----------------------------------------------------------
    def image_document(self, image: LegacyImage, *,
                       source_ref: Reference | None) -> CollectionNode | MultiscaleNode:
        """Plan the document at ``image.rel`` (a
        :class:`~ngff_migrate.rfc8.model.Document`) and those of its labels;
        returns its root node (a :class:`~ngff_migrate.rfc8.model.MultiscaleNode`,
        or a :class:`~ngff_migrate.rfc8.model.CollectionNode` for an image
        with labels or several multiscales), without ``version``.

        ``source_ref`` is the :class:`~ngff_migrate.rfc8.model.Reference` to
        the parent image when ``image`` is a label image. Raises the
        strategy's :class:`~ngff_migrate.errors.MigrateError` (e.g. a level
        transform that overflows).
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
        root: CollectionNode | MultiscaleNode
        if is_collection:
            root = CollectionNode(id=coll_id, name=image.basename, attributes=Attributes(), nodes=list(multiscales))
            target_attrs = multiscales[0].attributes if single else root.attributes
            self.multiscales.carry_image_keys(self, image, target_attrs, "ome.nodes[0]" if single else "ome")
        else:
            root = multiscales[0]
            self.multiscales.carry_image_keys(self, image, root.attributes, "ome")
        if image.label is not None:
            label_node = root if not is_collection else multiscales[0]
            where = "ome" if not is_collection else "ome.nodes[0]"
            self.labels_attribute(image, image.label, source_ref, label_node, where)
            self.multiscales.label_extras(self, image, image.label, label_node)
        raw_id = multiscales[0].id
        for label in image.labels:
            label_ref = Reference(id=raw_id, path=zarr_path(label.rel, image.rel))
            label_root = self.image_document(label, source_ref=label_ref)
            # a path-only stub of the label image's root node (same node type)
            root.nodes.append(type(label_root)(
                id=doc.ids.allocate(label.basename),
                name=unique_name(label.basename, names),
                path=zarr_path(image.rel, label.rel),
                attributes=Attributes(labels=Labels(source=[Reference(id=raw_id)])),
            ))
        if image.labels:
            self.record(join(image.rel, "labels", self.file_name(image)), "labels", "mapped",
                        "ome.nodes[*] (label image stubs)")
            self.labels_group_document(image)
        if is_collection and not (root.attributes.fields_set or root.attributes.extra):
            root.attributes = None
        root = self.multiscales.finish_document(self, image, root)
        self.add_group_document(image, root)
        return root

    def _multiscale(self, image: LegacyImage, ms: LegacyMultiscale, doc: DocumentState, names: UniqueNames,
                    single: bool, is_collection: bool, index: int) -> MultiscaleNode:
        default = image.basename if single else f"{image.basename}-{ms.index}"
        name = unique_name(ms.name or default, names)
        where = f"ome.nodes[{index}]" if is_collection else "ome"
        return self.multiscales.multiscale_node(self, image, ms, doc, name, where)

    def add_group_document(self, image: LegacyImage, root: CollectionNode | MultiscaleNode) -> None:
        """Plan the group document at ``image.rel`` replacing the legacy
        metadata files: a :class:`~ngff_migrate.rfc8.model.Document` of the
        target version with ``root`` as its root node. Never raises."""
        self.plan.add_group_document(
            image.rel, file=self.file_of(image), replaces=[join(image.rel, f) for f in image.group.files],
            ome=Document(version=self.opts.target_version, root=root), other_attributes=image.other_attributes)

    def label_attributes(self, image: LegacyImage, meta: LegacyLabelMetadata, where: str,
                         carried: dict[str, Any]) -> list[Any]:
        """``colors`` → ``labelAttributes`` (RFC-8 §Label maps: ``label-value`` →
        ``labelValue``, ``rgba`` → ``color``), one entry per label value of
        ``colors`` or ``properties``: a
        :class:`~ngff_migrate.rfc8.model.LabelAttribute` each, or the entry as
        raw JSON when the legacy values do not have the RFC-8 types (a
        ``label-value`` that is not a number), as a parsed document keeps it
        (:meth:`~ngff_migrate.rfc8.model.SpecObject.from_json`). Never raises.

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
        return [LabelAttribute.from_json(entry) for entry in merged.values()]

    def labels_attribute(self, image: LegacyImage, meta: LegacyLabelMetadata,
                         source_ref: Reference | None, node: MultiscaleNode, where: str) -> None:
        """Set ``labels`` (a :class:`~ngff_migrate.rfc8.model.Labels`; RFC-8
        §Label maps) on a label image's multiscale ``node``; unmapped
        ``image-label`` content is carried verbatim under
        ``<prefix>:image-label`` (an extra key of the same node's attributes).
        Never raises."""
        labels = Labels()
        carried: dict[str, Any] = {}
        attrs = self.label_attributes(image, meta, where, carried)
        if attrs:
            labels.labelAttributes = attrs  # assigned: an entry may be raw JSON
        file = self.file_of(image)
        target = f"{where}.attributes[{self.prefixed('image-label')!r}]"
        points_to_parent = meta.source_image is None or (
            source_ref is not None and relative(image.rel, join(image.rel, meta.source_image)) ==
            source_ref.path.path)
        source_extra = dict(meta.source_extra)
        if source_ref is not None and points_to_parent:
            labels.source = [source_ref]
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
        node.attributes.labels = labels
        if carried:
            node.attributes.extra[self.prefixed("image-label")] = carried

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
