"""Reader for NGFF 0.4/0.5 HCS plates: plate → rows → wells → fields of view.

Implements the reading side of NGFF 0.4/0.5 §"plate" and §"well". Field
images (with their labels) are read by :mod:`ngff_migrate.formats.ngff_image.read`.

Decisions for bad input (docs/decisions.md, "HCS plates"):

* a ``wells`` entry whose directory is missing → error (nothing written);
* a ``wells`` entry whose ``path`` disagrees with ``rowIndex``/``columnIndex``
  → error;
* a field whose ``acquisition`` the plate does not declare → warning; the
  value is carried under ``<prefix>:acquisition`` and no RFC-8 reference is
  written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...storage.location import is_remote
from ...zarr.node import ZarrNode, is_dir, member_or_none, member_path, prefetch_nodes, read_node
from ..common.legacy_check import check_legacy
from ..ngff_image.read import read_image
from .model import LegacyField, LegacyPlate, LegacyWell


def _ome(node: ZarrNode, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(OME metadata, other attributes) of a plate or well group."""
    attrs = dict(node.attributes)
    if node.zarr_format == 3:
        ome = attrs.pop("ome", None)
        return (dict(ome) if isinstance(ome, dict) else {}), attrs
    ome = {k: attrs.pop(k) for k in list(attrs) if k in ("plate", "well", "bioformats2raw.layout")}
    return ome, attrs


def read_plate(root: Path, version: str, *, strict: bool = True,
               warnings: list[str] | None = None, image_reader=read_image,
               legacy_check: bool = True) -> LegacyPlate:
    """Read the HCS plate at ``root`` with every well and field image.

    ``image_reader`` reads each field image (default: the 0.4/0.5
    :func:`~ngff_migrate.formats.ngff_image.read.read_image`; the 0.6 reader
    passes its own); ``legacy_check=False`` skips the legacy-schema
    validation of the plate and wells (for versions it does not know).

    Raises
    ------
    MigrateError
        If the plate or a well is malformed, a listed well or field is
        missing, or a well path disagrees with its row/column indices.
    """
    warnings = warnings if warnings is not None else []
    node = read_node(root)
    assert node is not None
    file = node.attributes_file
    ome, other = _ome(node, version)
    legacy = node.attributes.get("ome") if node.zarr_format == 3 else node.attributes
    if legacy_check:
        check_legacy("plate", version, legacy, file, strict, warnings)
    ome.pop("version", None)
    plate = ome.pop("plate", None)
    if not isinstance(plate, dict):
        raise MigrateError(file, "'plate' is not an object")
    plate = dict(plate)
    rows = _named_list(plate.pop("rows", None), file, "plate.rows")
    columns = _named_list(plate.pop("columns", None), file, "plate.columns")
    acquisitions = plate.pop("acquisitions", None) or []
    if not isinstance(acquisitions, list) or not all(isinstance(a, dict) and "id" in a for a in acquisitions):
        raise MigrateError(file, "plate.acquisitions must be a list of objects with an 'id' at plate.acquisitions")
    for i, a in enumerate(acquisitions):
        if isinstance(a["id"], (dict, list)):
            raise MigrateError(file, f"an acquisition id must be a number or a string, found "
                                     f"{type(a['id']).__name__} at plate.acquisitions[{i}].id")
    wells = plate.pop("wells", None)
    if not isinstance(wells, list) or not wells:
        raise MigrateError(file, "plate.wells is missing or empty")
    name = plate.get("name")
    result = LegacyPlate(group=node, version=version, rows=rows, columns=columns,
                         acquisitions=[dict(a) for a in acquisitions],
                         name=None if name in (None, "") else str(name), plate_extra=plate,
                         ome_extra=ome, other_attributes=other)
    declared = {a["id"] for a in acquisitions}
    if is_remote(root):
        _prefetch_plate(root, wells)
    for i, entry in enumerate(wells):
        result.wells.append(_read_well(root, version, i, entry, rows, columns, declared, file,
                                       strict, warnings, image_reader, legacy_check))
    for row in {w.row for w in result.wells}:
        row_node = read_node(root / row)
        if row_node is not None:
            result.row_groups[row] = row_node
    return result


def _ome_of(node: ZarrNode | None) -> dict[str, Any]:
    attrs = node.attributes if node is not None else {}
    ome = attrs.get("ome") if isinstance(attrs.get("ome"), dict) else attrs
    return ome if isinstance(ome, dict) else {}


def _paths(items: Any) -> list[Any]:
    return [i.get("path") for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _prefetch_plate(root: Any, wells: list[Any]) -> None:
    """A remote plate's metadata, breadth first and concurrently: the wells, then every
    well's fields, then every field's levels and ``labels`` group (one batch of requests
    per depth instead of one request at a time; docs/storage.md). Only valid paths
    inside the root are fetched; the reads that follow raise the errors."""
    def nodes(directory: Any) -> ZarrNode | None:
        try:
            return read_node(directory)
        except MigrateError:
            return None

    well_dirs = [member_or_none(root, p) for p in _paths(wells)]
    prefetch_nodes(well_dirs)
    field_dirs = [member_or_none(d, p) for d in well_dirs if d is not None
                  for p in _paths((_ome_of(nodes(d)).get("well") or {}).get("images"))]
    prefetch_nodes(field_dirs)
    below: list[Any] = []
    for d in field_dirs:
        if d is None:
            continue
        multiscales = _ome_of(nodes(d)).get("multiscales")
        for entry in multiscales if isinstance(multiscales, list) else []:
            below.extend(member_or_none(d, p) for p in _paths(entry.get("datasets") if isinstance(entry, dict)
                                                               else None))
        below.append(d / "labels")
    prefetch_nodes(below)


def _named_list(value: Any, file: Path, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise MigrateError(file, f"{where} is missing or empty")
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise MigrateError(file, f"{where}[{i}] has no 'name'")
    return [dict(v) for v in value]


def _read_well(root: Path, version: str, index: int, entry: Any, rows: list[dict], columns: list[dict],
               declared: set, file: Path, strict: bool, warnings: list[str], image_reader=read_image,
               legacy_check: bool = True) -> LegacyWell:
    where = f"plate.wells[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise MigrateError(file, f"{where} has no 'path'")
    path = entry["path"].strip("/")
    parts = path.split("/")
    if len(parts) != 2:
        raise MigrateError(file, f"{where}.path {path!r} is not '<row>/<column>'")
    row, column = parts
    ri, ci = entry.get("rowIndex"), entry.get("columnIndex")
    row_names = [r["name"] for r in rows]
    col_names = [c["name"] for c in columns]
    if ri is not None or ci is not None:
        if not (isinstance(ri, int) and isinstance(ci, int) and 0 <= ri < len(rows) and 0 <= ci < len(columns)):
            raise MigrateError(file, f"{where}: rowIndex/columnIndex ({ri}, {ci}) outside the plate's rows/columns")
        if (row_names[ri], col_names[ci]) != (row, column):
            raise MigrateError(file, f"{where}: path {path!r} disagrees with rowIndex {ri} ({row_names[ri]!r}) "
                                     f"and columnIndex {ci} ({col_names[ci]!r})")
    elif row not in row_names or column not in col_names:
        raise MigrateError(file, f"{where}: path {path!r} names a row or column the plate does not declare")
    well_dir = member_path(root, path, file=file, where=f"{where}.path", what="well path")
    node = read_node(well_dir) if is_dir(well_dir) else None
    if node is None:
        raise MigrateError(well_dir, f"well {path!r} listed in {file.name} does not exist")
    ome, other = _ome(node, version)
    wfile = node.attributes_file
    well = ome.pop("well", None)
    if not isinstance(well, dict):
        raise MigrateError(wfile, "no 'well' metadata in a well listed by the plate")
    legacy = node.attributes.get("ome") if node.zarr_format == 3 else node.attributes
    if legacy_check and ("version" in well or node.zarr_format == 3):
        check_legacy("well", version, legacy, wfile, strict, warnings)
    well = dict(well)
    images = well.pop("images", None)
    if not isinstance(images, list) or not images:
        raise MigrateError(wfile, "well.images is missing or empty")
    result = LegacyWell(path=path, row=row, column=column, group=node,
                        entry_extra={k: v for k, v in entry.items() if k != "path"},
                        well_extra={**({"version": ome["version"]} if "version" in ome else {}), **well},
                        other_attributes=other)
    for j, image in enumerate(images):
        if not isinstance(image, dict) or not isinstance(image.get("path"), str):
            raise MigrateError(wfile, f"well.images[{j}] has no 'path'")
        fpath = image["path"].strip("/")
        acquisition = image.get("acquisition")
        if isinstance(acquisition, (dict, list)) or (acquisition is not None and acquisition not in declared):
            warnings.append(f"{wfile}: well.images[{j}] acquisition {acquisition!r} is not declared on the plate; "
                            f"carried as ngff-migrate:acquisition without a reference")
        field_dir = member_path(well_dir, fpath or image["path"], file=wfile, where=f"well.images[{j}].path",
                                what="field path")
        if read_node(field_dir) is None:
            raise MigrateError(field_dir, f"field {fpath!r} listed in {wfile.name} does not exist")
        img = image_reader(field_dir, version, strict=strict, warnings=warnings, rel=f"{path}/{fpath}")
        result.fields.append(LegacyField(path=fpath, acquisition=acquisition, image=img,
                                         extra={k: v for k, v in image.items() if k not in ("path", "acquisition")}))
    return result
