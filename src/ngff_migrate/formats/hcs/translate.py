"""Translate a legacy HCS plate into RFC-8 (DESIGN §4 "HCS").

* the plate group's document is a ``collection`` with ``attributes.plate``
  (``rows``/``columns`` with ids = their names, ``acquisitions`` with string
  ids) and the well collections **inline**, so one document read loads the
  whole plate layout;
* each well collection has ``attributes.well = {row: {id}, column: {id}}``
  and one path-only stub per field of view, carrying
  ``attributes.acquisition = {id}`` when the field has one;
* each field image gets its own document, as a single image would
  (:mod:`ngff_migrate.formats.ngff_image.translate`);
* row and well groups get plain Zarr v3 group documents;
* plate/well keys with no RFC-8 home are carried under ``<prefix>:plate``,
  ``<prefix>:plate-well`` (the plate's ``wells[i]`` entry), ``<prefix>:well``
  (the well group's keys) and ``<prefix>:acquisitions``.

The documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`);
carried keys are extra keys of the nodes' :class:`~ngff_migrate.rfc8.model.Attributes`.
"""

from __future__ import annotations

from typing import Any

from ...rfc8.ids import IdAllocator
from ...rfc8.model import (
    Acquisition,
    Attributes,
    CollectionNode,
    Column,
    Document,
    Plate,
    Reference,
    Row,
    Well,
)
from ...zarr.node import ZarrNode
from ..common.arrays import plan_arrays
from ..common.image_translation import ImageDocuments, TranslateOptions
from ..common.paths import join, zarr_path
from ..ngff_image.translate import image_documents
from ..plan import KeyRecord, MigrationPlan
from .model import LegacyPlate, LegacyWell


class PlateTranslator:
    """Builds the :class:`MigrationPlan` of one legacy plate."""

    def __init__(self, plate: LegacyPlate, options: TranslateOptions, plan: MigrationPlan,
                 images: ImageDocuments | None = None) -> None:
        self.plate = plate
        self.opts = options
        self.plan = plan
        self.ids = IdAllocator()
        self.file = "zarr.json" if plate.group.zarr_format == 3 else ".zattrs"
        #: translates the field images (the 0.6 translation passes its own)
        self.images = images or image_documents(options, plan)
        self.extra_attributes: dict[str, Any] = {}

    def _p(self, key: str) -> str:
        return f"{self.opts.prefix}:{key}"

    def _key(self, file: str, key: str, disposition: str, target: str | None) -> None:
        self.plan.keys.append(KeyRecord(file, key, disposition, target))  # type: ignore[arg-type]

    def plate_attribute(self) -> tuple[Plate, dict[Any, str], dict[str, str], dict[str, str]]:
        """``attributes.plate`` (a :class:`~ngff_migrate.rfc8.model.Plate`) plus
        the legacy→RFC-8 id maps for acquisitions, rows and columns (RFC-8
        §Plate attribute). Never raises."""
        p = self.plate
        rows, row_ids = self._axis_entries("rows", p.rows, Row)
        columns, col_ids = self._axis_entries("columns", p.columns, Column)
        acquisitions, acq_ids = [], {}
        for a in p.acquisitions:
            acq_ids[a["id"]] = self.ids.allocate(str(a["id"]))
            name = a["name"] if isinstance(a.get("name"), str) and a["name"] else None
            acquisitions.append(Acquisition(id=acq_ids[a["id"]], name=name))
        plate = Plate(rows=rows, columns=columns, acquisitions=acquisitions or None)
        for key in ("rows", "columns"):
            self._key(self.file, f"plate.{key}", "mapped", f"ome.attributes.plate.{key}")
        self._key(self.file, "plate.wells", "mapped", "ome.nodes (inline well collections)")
        if p.acquisitions:
            self._key(self.file, "plate.acquisitions", "mapped", "ome.attributes.plate.acquisitions")
        return plate, acq_ids, row_ids, col_ids

    def _axis_entries(self, key: str, entries: list[dict[str, Any]],
                      cls: type[Row] | type[Column]) -> tuple[list[Any], dict[str, str]]:
        """Plate ``rows``/``columns`` → :class:`~ngff_migrate.rfc8.model.Row` /
        :class:`~ngff_migrate.rfc8.model.Column` ``{id, name}`` (ids = names);
        extra keys of an entry are carried under ``<prefix>:<key>``."""
        out, ids, extras = [], {}, []
        for i, entry in enumerate(entries):
            ids[entry["name"]] = self.ids.allocate(entry["name"])
            out.append(cls(id=ids[entry["name"]], name=entry["name"]))
            rest = {k: v for k, v in entry.items() if k != "name"}
            if rest:
                extras.append({"name": entry["name"], **rest})
                for k in rest:
                    self._key(self.file, f"plate.{key}[{i}].{k}", "carried",
                              f"ome.attributes[{self._p(key)!r}]")
        if extras:
            self.extra_attributes[self._p(key)] = extras
        return out, ids

    def well_node(self, well: LegacyWell, acq_ids: dict[Any, str], row_ids: dict[str, str],
                  col_ids: dict[str, str], index: int) -> CollectionNode:
        """Inline well :class:`~ngff_migrate.rfc8.model.CollectionNode` with
        ``attributes.well`` and one path-only stub per field (RFC-8 §Well
        attribute), planning the field documents. Raises what
        :meth:`~ngff_migrate.formats.common.image_translation.ImageDocuments.image_document`
        raises."""
        name = f"{well.row}{well.column}"
        where = f"ome.nodes[{index}]"
        wfile = join(well.path, "zarr.json" if well.group.zarr_format == 3 else ".zattrs")
        node_id = self.ids.allocate(name)
        attributes = Attributes(well=Well(row=Reference(id=row_ids[well.row]),
                                          column=Reference(id=col_ids[well.column])))
        if well.entry_extra:  # the plate's wells[index] entry
            attributes.extra[self._p("plate-well")] = {"path": well.path, **well.entry_extra}
            for key in well.entry_extra:
                self._key(self.file, f"plate.wells[{index}].{key}", "carried",
                          f"{where}.attributes[{self._p('plate-well')!r}]")
        if well.well_extra:  # the well group's own keys
            attributes.extra[self._p("well")] = dict(well.well_extra)
            for key in well.well_extra:
                self._key(wfile, f"well.{key}", "carried", f"{where}.attributes[{self._p('well')!r}]")
        self._key(wfile, "well.images", "mapped", f"{where}.nodes")
        nodes = []
        for j, f in enumerate(well.fields):
            root = self.images.image_document(f.image, source_ref=None)
            # a path-only stub of the field's root node (same node type)
            stub = type(root)(id=self.ids.allocate(f"{name}-{f.path}"), name=f.path, path=zarr_path("", f.image.rel))
            stub_attrs = Attributes()
            if f.acquisition is not None:
                if not isinstance(f.acquisition, (dict, list)) and f.acquisition in acq_ids:
                    stub_attrs.acquisition = Reference(id=acq_ids[f.acquisition])
                    self._key(wfile, f"well.images[{j}].acquisition", "mapped",
                              f"{where}.nodes[{j}].attributes.acquisition")
                else:
                    stub_attrs.extra[self._p("acquisition")] = f.acquisition
                    self._key(wfile, f"well.images[{j}].acquisition", "carried",
                              f"{where}.nodes[{j}].attributes[{self._p('acquisition')!r}] (undeclared)")
            for key, value in f.extra.items():
                stub_attrs.extra[self._p(key)] = value
                self._key(wfile, f"well.images[{j}].{key}", "carried", f"{where}.nodes[{j}].attributes")
            if stub_attrs.fields_set or stub_attrs.extra:
                stub.attributes = stub_attrs
            nodes.append(stub)
        self._plain_group(well.path, well.group, well.other_attributes)
        return CollectionNode(id=node_id, name=name, attributes=attributes, nodes=nodes)

    def _plain_group(self, rel: str, node: ZarrNode, other: dict[str, Any]) -> None:
        self.plan.add_group_document(rel, file=join(rel, node.attributes_file.name),
                                     replaces=[join(rel, f) for f in node.files], other_attributes=other)

    def translate(self, root_attributes: dict[str, Any] | None = None) -> None:
        """Plan the plate document (a :class:`~ngff_migrate.rfc8.model.Document`
        whose root is the plate :class:`~ngff_migrate.rfc8.model.CollectionNode`),
        the field documents and the plain row and well groups;
        ``root_attributes`` (prefixed keys) are added to the plate collection's
        attributes (e.g. the bioformats2raw container information). Raises
        what the field image translation raises."""
        p = self.plate
        coll_id = self.ids.allocate(p.name or p.basename)
        plate_attr, acq_ids, row_ids, col_ids = self.plate_attribute()
        attributes = Attributes(plate=plate_attr)
        attributes.extra.update({**self.extra_attributes, **(root_attributes or {})})
        if p.plate_extra:
            attributes.extra[self._p("plate")] = p.plate_extra
            for key in p.plate_extra:
                disposition = "carried"
                self._key(self.file, f"plate.{key}", disposition, f"ome.attributes[{self._p('plate')!r}]")
        acq_extra = [a for a in p.acquisitions if set(a) - {"id", "name"} or not isinstance(a["id"], str)]
        if acq_extra:
            attributes.extra[self._p("acquisitions")] = acq_extra
            self._key(self.file, "plate.acquisitions[*] (extra keys, original ids)", "carried",
                      f"ome.attributes[{self._p('acquisitions')!r}]")
        for key, value in p.ome_extra.items():
            attributes.extra[self._p(key)] = value
            self._key(self.file, key, "carried", f"ome.attributes[{self._p(key)!r}]")
        if p.version == "0.5":
            self._key(self.file, "version", "mapped", "ome.version (target version)")
        wells = [self.well_node(w, acq_ids, row_ids, col_ids, i) for i, w in enumerate(p.wells)]
        for row, node in sorted(p.row_groups.items()):
            other = {k: v for k, v in node.attributes.items() if k != "ome"}
            self._plain_group(row, node, other)
        root = CollectionNode(id=coll_id, name=p.name or p.basename, attributes=attributes, nodes=wells)
        self.plan.add_group_document("", file=self.file, replaces=list(p.group.files),
                                     ome=Document(version=self.opts.target_version, root=root),
                                     other_attributes=p.other_attributes)


def translate_plate(plate: LegacyPlate, options: TranslateOptions | None = None, *,
                    images=None) -> MigrationPlan:
    """Translate a legacy plate into a :class:`MigrationPlan`.

    ``images`` optionally builds the field-image translator from
    ``(options, plan)`` (default: the 0.4/0.5
    :func:`~ngff_migrate.formats.ngff_image.translate.image_documents`; the
    0.6 translation passes its own).

    Documents are ordered arrays first, then groups deepest first, so an
    interrupted in-place run never leaves a root pointing at missing
    documents.

    Raises
    ------
    MigrateError
        If an array's v2 metadata cannot be expressed in Zarr v3 without
        re-encoding.
    """
    options = options or TranslateOptions()
    plan = MigrationPlan(root=plate.group.directory, layout="hcs-plate", version=plate.version,
                         zarr_format=plate.group.zarr_format)
    for image in plate.iter_images():
        plan_arrays(image, plan)
    PlateTranslator(plate, options, plan, images(options, plan) if images else None).translate()
    plan.order_documents()
    return plan
