"""Plan the arrays of a legacy image: Zarr v2 → v3 metadata, chunks untouched.

Implements DESIGN §5 ("in place" / "copy"): a Zarr v2 array gets a v3
``zarr.json`` whose ``v2`` chunk key encoding and codecs read the existing
chunk files byte-for-byte; a Zarr v3 array keeps its ``zarr.json``.
"""

from __future__ import annotations

from ...errors import MigrateError
from ...zarr.v2_to_v3 import MetadataConversionError, v2_array_to_v3
from ..ngff_image.model import LegacyImage
from ..plan import ArrayPlan, DocumentPlan, MigrationPlan
from .paths import join


def plan_arrays(image: LegacyImage, plan: MigrationPlan) -> None:
    """Append an :class:`ArrayPlan` (and for v2 arrays a document) per level.

    Raises
    ------
    MigrateError
        If a v2 array's metadata has no byte-identical v3 expression; the
        message names the ``.zarray`` file and the feature.
    """
    for img, level in image.iter_arrays():
        rel = join(img.rel, level.path)
        node = level.array
        entry = ArrayPlan(rel=rel, source=node)
        if not plan.add_array(entry):
            continue
        if node.zarr_format == 3:
            continue
        axes = next(ms.axes for ms in img.multiscales if level in ms.levels)
        try:
            conv = v2_array_to_v3(node.metadata, node.attributes or None,
                                  dimension_names=[a["name"] for a in axes])
        except MetadataConversionError as exc:
            raise MigrateError(node.directory / ".zarray", str(exc)) from None
        entry.notes.extend(conv.notes)
        plan.warnings.extend(f"{join(rel, '.zarray')}: {note}" for note in conv.notes)
        plan.documents.append(DocumentPlan(
            rel=rel, node_type="array", document=conv.metadata,
            replaces=[join(rel, f) for f in node.files],
        ))
