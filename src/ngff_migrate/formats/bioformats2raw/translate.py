"""Translate a ``bioformats2raw.layout`` container into RFC-8 (DESIGN §4).

* a container of series → a ``collection`` of path-only series stubs in
  series order, each carrying ``<prefix>:series`` (its index);
* a container that is also a plate → the plate collection
  (:mod:`ngff_migrate.formats.hcs.translate`);
* both carry ``<prefix>:bioformats2raw = {layout, series?, omeXml?}``, where
  ``omeXml`` is the path of ``OME/METADATA.ome.xml`` relative to the root
  document (the file itself is kept in place);
* the ``OME`` group gets a plain Zarr v3 group document;
* the series images (or plate fields) of an OME-Zarr 0.6 container are
  translated as 0.6 images are
  (:func:`~ngff_migrate.formats.ngff06.translate.image06_documents`), and
  every document is checked against the RFC-8 rules and schemas before
  anything is written (``docs/ngff06.md``, "bioformats2raw containers").

The documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`).
"""

from __future__ import annotations

from typing import Any

from ...rfc8.ids import IdAllocator
from ...rfc8.model import Attributes, CollectionNode, Document
from ..common.arrays import plan_arrays
from ..common.paths import zarr_path
from ..hcs.translate import PlateTranslator
from ..ngff06.common import is_v06
from ..ngff06.translate import (
    check_output,
    image06_documents,
    note_consolidated,
    plan_parameters,
)
from ..ngff_image.translate import TranslateOptions, image_documents
from ..plan import KeyRecord, MigrationPlan
from .model import LegacyBioformats2raw


def _bf2raw_attribute(c: LegacyBioformats2raw) -> dict[str, Any]:
    info: dict[str, Any] = {"layout": c.layout}
    if c.series and c.series_source == "OME/series":
        info["series"] = [s.path for s in c.series]
    if c.ome_xml:
        info["omeXml"] = f"./{c.ome_xml}"
    return info


def translate_bioformats2raw(c: LegacyBioformats2raw, options: TranslateOptions | None = None) -> MigrationPlan:
    """Translate a bioformats2raw container into a :class:`MigrationPlan`
    whose documents are :class:`~ngff_migrate.rfc8.model.Document` objects:
    a collection of series stubs (or the plate collection) at the root.

    A 0.6 container's series (or fields) are translated by the 0.6 image
    translation, with their transformation parameter arrays.

    Raises
    ------
    MigrateError
        If an array's v2 metadata cannot be expressed in Zarr v3 without
        re-encoding, or (0.6) a planned document is not valid RFC-8.
    """
    options = options or TranslateOptions()
    prefix = options.prefix
    v06 = is_v06(c.version)
    plan = MigrationPlan(root=c.group.directory, layout="bioformats2raw", version=c.version,
                         zarr_format=c.group.zarr_format, prefix=prefix)
    file = "zarr.json" if c.group.zarr_format == 3 else ".zattrs"
    plan.source_files = [f for f, there in ((c.ome_xml, c.ome_xml), (".zmetadata", c.consolidated)) if there]
    for image in c.iter_images():
        plan_arrays(image, plan)
    if v06:
        plan_parameters(list(c.iter_images()), plan)
    images = image06_documents(options, plan) if v06 else image_documents(options, plan)
    key = f"{prefix}:bioformats2raw"
    plan.keys.append(KeyRecord(file, "bioformats2raw.layout", "carried", f"ome.attributes[{key!r}].layout"))
    if c.plate is not None:
        c.plate.ome_extra = {**c.ome_extra}
        PlateTranslator(c.plate, options, plan, images).translate({key: _bf2raw_attribute(c)})
    else:
        ids = IdAllocator()
        coll_id = ids.allocate(c.basename)
        nodes = []
        for s in c.series:
            root = images.image_document(s.image, source_ref=None)
            # a path-only stub of the series image's root node (same node type)
            nodes.append(type(root)(id=ids.allocate(s.path), name=s.path, path=zarr_path("", s.path),
                                    attributes=Attributes(**{f"{prefix}:series": s.index})))
        attributes = Attributes(**{key: _bf2raw_attribute(c)})
        for k, v in c.ome_extra.items():
            attributes.extra[f"{prefix}:{k}"] = v
            plan.keys.append(KeyRecord(file, k, "carried", f"ome.attributes[{prefix + ':' + k!r}]"))
        plan.add_group_document("", file=file, replaces=list(c.group.files), other_attributes=c.other_attributes,
                                ome=Document(version=options.target_version,
                                             root=CollectionNode(id=coll_id, name=c.basename, attributes=attributes,
                                                                 nodes=nodes)))
    if c.version != "0.4" and c.plate is None:  # the plate translator records it otherwise
        plan.keys.append(KeyRecord(file, "version", "mapped", "ome.version (target version)"))
    root_doc = next(d for d in plan.documents if d.rel == "")
    if c.consolidated:
        root_doc.replaces.append(".zmetadata")
        plan.keys.append(KeyRecord(".zmetadata", "(consolidated metadata)", "mapped",
                                   "superseded by the zarr.json documents; kept in place by --in-place"))
    if c.ome_group is not None:
        ofile = "OME/" + (c.ome_group.files[0] if c.ome_group.files else "")
        if c.series_source == "OME/series" or c.plate is not None:
            plan.keys.append(KeyRecord(ofile, "series", "mapped", "ome.nodes order + "
                                       f"ome.attributes[{key!r}].series"))
        other = {k: v for k, v in c.ome_group.attributes.items() if k not in ("ome", "series")}
        plan.add_group_document("OME", file=f"OME/{c.ome_group.attributes_file.name}",
                                replaces=[f"OME/{f}" for f in c.ome_group.files],
                                attributes={f"{prefix}:{k}": v for k, v in c.ome_group_extra.items()},
                                other_attributes=other)
    if v06:
        note_consolidated(plan, c.group, "")
    plan.order_documents()
    if v06:
        check_output(plan)
    return plan
