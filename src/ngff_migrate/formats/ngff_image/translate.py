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

The documents, labels and carried keys are built by
:class:`~ngff_migrate.formats.common.image_translation.ImageDocuments`; this
module supplies its 0.4/0.5 multiscale translation,
:class:`LegacyMultiscaleTranslation`. Nodes are RFC-8 model objects
(:mod:`ngff_migrate.rfc8.model`); the legacy axes are carried into the
coordinate system as a parsed document would hold them
(:meth:`~ngff_migrate.rfc8.model.SpecObject.from_json`).
"""

from __future__ import annotations

import math
from typing import Any

from ...errors import MigrateError
from ...rfc8.ids import IdAllocator
from ...rfc8.model import (
    Attributes,
    CoordinateSystem,
    CoordinateTransformation,
    MultiscaleNode,
    Reference,
)
from ..common.document import DocumentState
from ..common.image_translation import DEFAULT_PREFIX as DEFAULT_PREFIX
from ..common.image_translation import DEFAULT_TARGET_VERSION as DEFAULT_TARGET_VERSION
from ..common.image_translation import ImageDocuments
from ..common.image_translation import TranslateOptions as TranslateOptions
from ..plan import MigrationPlan
from .model import LegacyImage, LegacyLabelMetadata, LegacyLevel, LegacyMultiscale


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
                    translation: list[float] | None) -> CoordinateTransformation:
    """The single singlescale transform (RFC-8 §Singlescale node), a
    :class:`~ngff_migrate.rfc8.model.CoordinateTransformation` from the level
    ``level_id`` to the coordinate system ``cs_id``: a ``scale``, or a
    ``sequence`` of ``[scale, translation]``.

    Raises
    ------
    ModelError
        If an id is not a string or ``scale``/``translation`` is not a list of numbers.
    """
    ref_in, ref_out = Reference(id=level_id), Reference(id=cs_id)
    if translation is None:
        return CoordinateTransformation(type="scale", scale=scale, input=ref_in, output=ref_out)
    return CoordinateTransformation(
        type="sequence",
        transformations=[
            CoordinateTransformation(type="scale", scale=scale),
            CoordinateTransformation(type="translation", translation=translation),
        ],
        input=ref_in,
        output=ref_out,
    )


class LegacyMultiscaleTranslation:
    """The 0.4/0.5 :class:`~ngff_migrate.formats.common.image_translation.MultiscaleTranslation`:
    one coordinate system per multiscale, the multiscale-level transforms
    composed into every level (:func:`compose_level`)."""

    def reserve_ids(self, image: LegacyImage, ids: IdAllocator) -> None:
        """Nothing to reserve: ids are allocated in node order."""

    def multiscale_node(self, docs: ImageDocuments, image: LegacyImage, ms: LegacyMultiscale,
                        doc: DocumentState, name: str, where: str) -> MultiscaleNode:
        """Inline :class:`~ngff_migrate.rfc8.model.MultiscaleNode` with inline
        :class:`~ngff_migrate.rfc8.model.SinglescaleNode` levels for ``ms``
        (RFC-8 §Multiscale node, §Singlescale node): one coordinate system
        with the legacy axes, the composed level transforms, the unmapped
        keys carried under ``<prefix>:<key>``.

        Raises
        ------
        MigrateError
            If composing the multiscale-level transform into a level
            overflows a 64-bit float (naming the image's attributes file).
        """
        file = docs.file_of(image)
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
            attributes = Attributes(coordinateTransformations=[level_transform(level_id, cs_id, scale, translation)])
            docs.carry_all(attributes, file, level.extra, f"{src}.datasets[{j}].", f"{where}.nodes[{j}]")
            nodes.append(docs.singlescale_node(doc, image, level_id, level.path, attributes))
        ms_attrs = Attributes(coordinateSystems=[CoordinateSystem.from_json({"id": cs_id, "axes": ms.axes})])
        docs.record(file, f"{src}.axes", "mapped", f"{where}.attributes.coordinateSystems[0].axes")
        docs.record(file, f"{src}.datasets", "mapped", f"{where}.nodes")
        if ms.global_scale or ms.global_translation:
            docs.record(file, f"{src}.coordinateTransformations", "mapped",
                        f"{where}.nodes[*].attributes.coordinateTransformations (composed)")
        if ms.name is not None:
            docs.record(file, f"{src}.name", "mapped", f"{where}.name")
        for key in ms.empty_keys:
            docs.record(file, f"{src}.{key}", "mapped", "absent (the legacy value was null or empty)")
        if image.version == "0.4":
            docs.record(file, f"{src}.version", "mapped", "ome.version (target version)")
        docs.carry_all(ms_attrs, file, ms.extra, f"{src}.", where)
        return MultiscaleNode(id=node_id, name=name, attributes=ms_attrs, nodes=nodes)

    def carry_image_keys(self, docs: ImageDocuments, image: LegacyImage, attrs: Attributes,
                         where: str) -> None:
        """Carry ``omero`` and every other unmapped OME key of the image group
        under ``<prefix>:<key>`` (extra keys of the
        :class:`~ngff_migrate.rfc8.model.Attributes` ``attrs``); a 0.5
        ``version`` maps to the target version. Never raises."""
        file = docs.file_of(image)
        if image.omero is not None:
            docs.carry(attrs, file, "omero", "omero", image.omero, where)
        docs.carry_all(attrs, file, image.ome_extra, "", where)
        if image.version == "0.5":
            docs.record(file, "version", "mapped", "ome.version (target version)")

    def label_extras(self, docs: ImageDocuments, image: LegacyImage, meta: LegacyLabelMetadata,
                     node: MultiscaleNode) -> None:
        """Nothing beyond the shared ``labels`` attribute."""

    def finish_document(self, docs: ImageDocuments, image: LegacyImage, root: Any) -> Any:
        """Nothing to add: the document is complete; returns ``root``."""
        return root


def image_documents(options: TranslateOptions, plan: MigrationPlan) -> ImageDocuments:
    """The 0.4/0.5 image translation: :class:`ImageDocuments` with
    :class:`LegacyMultiscaleTranslation`, adding to ``plan``. Never raises."""
    return ImageDocuments(options, plan, LegacyMultiscaleTranslation())


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
    image_documents(options, plan).image_document(image, source_ref=None)
    plan.order_documents()
    return plan
