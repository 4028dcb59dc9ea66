"""Reader for OME-Zarr 0.6 HCS plates (0.6 §"plate", §"well").

The plate and well metadata are checked against the 0.6 rules
(:mod:`ngff_migrate.formats.ngff06.check`), then read by the 0.4/0.5 plate reader
with the 0.6 image reader for the field images.
"""

from __future__ import annotations

from pathlib import Path

from ...storage.location import as_path
from ...zarr.node import is_dir, member_path, read_node
from .check import check_plate, check_well
from .model import Image06
from .read import ReadContext, open_group06, read_image_group


def read_plate06(root: Path, version: str, *, strict: bool = True, warnings: list[str] | None = None):
    """Read a 0.6 HCS plate with its wells and field images (0.6 §"plate", §"well").

    The plate and well metadata are checked against the 0.6 rules, then read
    by :func:`ngff_migrate.formats.hcs.read.read_plate` with
    :func:`~ngff_migrate.formats.ngff06.read.read_image06` for the fields.

    Raises
    ------
    MigrateError
        Like :func:`~ngff_migrate.formats.hcs.read.read_plate` and
        :func:`~ngff_migrate.formats.ngff06.read.read_image06`; in strict mode also for invalid plate or well
        metadata.
    """
    from ..hcs.read import read_plate

    root = as_path(root)
    warnings = warnings if warnings is not None else []
    ctx = ReadContext(root=root, strict=strict, warnings=warnings)
    node, ome, _, _ = open_group06(root, "an OME-Zarr 0.6 plate", version)
    plate = ome.get("plate")
    ctx.invalid(node.attributes_file, check_plate(plate))
    wells = plate.get("wells") if isinstance(plate, dict) else None
    for i, entry in enumerate(wells if isinstance(wells, list) else []):
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path:
            continue  # read_plate reports it
        well_dir = member_path(root, path, file=node.attributes_file, where=f"plate.wells[{i}].path",
                               what="well path")
        well_node = read_node(well_dir) if is_dir(well_dir) else None
        if well_node is None:
            continue  # read_plate reports a missing well
        well_ome = well_node.attributes.get("ome")
        if isinstance(well_ome, dict):
            ctx.invalid(well_node.attributes_file, check_well(well_ome.get("well")))

    def field_reader(field_dir: Path, field_version: str, *, strict: bool, warnings: list[str],
                     rel: str) -> Image06:
        return read_image_group(field_dir, rel, field_version, ctx, is_label=False)

    return read_plate(root, version, strict=strict, warnings=warnings, image_reader=field_reader,
                      legacy_check=False)
