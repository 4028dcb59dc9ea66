"""Reader for ``bioformats2raw.layout`` containers (NGFF 0.4, 0.5 and 0.6).

Implements the reading side of NGFF 0.4/0.5 §"bf2raw" (0.6 keeps it
unchanged): series are found via ``OME/.zattrs`` ``series`` (0.5/0.6:
``OME/zarr.json`` ``attributes.ome.series``; else consecutive groups ``0/``,
``1/``, ...), kept in series order; ``OME/METADATA.ome.xml`` is located
(never rewritten); a container whose root also carries ``plate`` is read as
that plate. The series images (and plate fields) of a 0.6 container are read
by the 0.6 readers (:func:`~ngff_migrate.formats.ngff06.read.read_image06`,
:func:`~ngff_migrate.formats.ngff06.read_plate.read_plate06`).

Decisions for bad input (docs/decisions.md, "bioformats2raw"):

* a series listed in ``OME/series`` that does not exist → error;
* a series whose OME-Zarr version is not of the container's kind (a 0.5
  series in a 0.6 container, or the reverse) → error;
* ``METADATA.ome.xml`` missing or not well-formed XML → warning; the file
  (if any) is kept byte-for-byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...storage.location import is_file, is_remote
from ...zarr.node import is_dir, member_path, read_node
from ..hcs.read import read_plate
from ..ngff06.common import is_v06
from ..ngff06.read import read_image06
from ..ngff06.read_plate import read_plate06
from ..ngff_image.read import read_image
from .model import LegacyBioformats2raw, LegacySeries

LAYOUT_KEY = "bioformats2raw.layout"


def read_bioformats2raw(root: Path, version: str, *, strict: bool = True,
                        warnings: list[str] | None = None) -> LegacyBioformats2raw:
    """Read the container at ``root`` with every series image (or its plate).

    ``version`` is the container's (``0.4``, ``0.5``, or a 0.6 version, whose
    series are read as 0.6 images).

    Raises
    ------
    MigrateError
        If a listed series does not exist, a series' version is not of the
        container's kind (0.6 or not), or a series image is malformed.
    """
    warnings = warnings if warnings is not None else []
    node = read_node(root)
    assert node is not None
    attrs = dict(node.attributes)
    raw_ome = attrs.pop("ome", None) if node.zarr_format == 3 else None
    ome: dict[str, Any] = dict(raw_ome) if isinstance(raw_ome, dict) else \
        {k: attrs.pop(k) for k in list(attrs) if k in (LAYOUT_KEY, "plate")}
    ome.pop("version", None)
    layout = ome.pop(LAYOUT_KEY, None)
    has_plate = ome.pop("plate", None) is not None
    result = LegacyBioformats2raw(group=node, version=version, layout=layout, ome_extra=ome,
                                  other_attributes=attrs, consolidated=is_file(root / ".zmetadata"))
    ome_dir = root / "OME"
    listed: list[str] | None = None
    if is_dir(ome_dir):
        result.ome_group = read_node(ome_dir)
        if result.ome_group is not None:
            gattrs = dict(result.ome_group.attributes)
            gome = gattrs.pop("ome", {}) if result.ome_group.zarr_format == 3 else gattrs
            if not isinstance(gome, dict):
                raise MigrateError(result.ome_group.attributes_file, f"'ome' must be an object, found "
                                                                     f"{type(gome).__name__} at attributes.ome")
            gome = dict(gome)
            gome.pop("version", None)
            series = gome.pop("series", None)
            if series is not None:
                sfile = result.ome_group.attributes_file
                if not isinstance(series, list) or not all(isinstance(s, str) for s in series):
                    raise MigrateError(sfile, "'series' must be a list of paths at series")
                listed = [s.strip("/") for s in series]
                for i, (path, raw) in enumerate(zip(listed, series, strict=True)):
                    member_path(root, path or raw, file=sfile, where=f"series[{i}]", what="series path")
            result.ome_group_extra = gome
    _check_ome_xml(root, result, warnings)
    if has_plate:
        reader = read_plate06 if is_v06(version) else read_plate
        result.plate = reader(root, version, strict=strict, warnings=warnings)
        if listed is not None:
            for path in listed:
                if read_node(root / path) is None:
                    raise MigrateError(root / path, f"series {path!r} listed in OME/series does not exist")
            result.series = []
        return result
    if listed is None:
        result.series_source = "consecutive groups"
        listed = []
        while is_dir(root / str(len(listed))) and read_node(root / str(len(listed))) is not None:
            listed.append(str(len(listed)))
        if not listed:
            raise MigrateError(root, "bioformats2raw container without OME/series and without a series '0/'")
    for index, path in enumerate(listed):
        if read_node(root / path) is None:
            raise MigrateError(root / path, f"series {path!r} listed in OME/series does not exist")
        _check_series_version(root / path, path, version)
        reader = read_image06 if is_v06(version) else read_image
        image = reader(root / path, version, strict=strict, warnings=warnings, rel=path)
        result.series.append(LegacySeries(index=index, path=path, image=image))
    return result


def _check_series_version(directory: Path, path: str, version: str) -> None:
    """A series of a 0.6 container must be a 0.6 image, and a 0.6 image is
    not a series of a 0.4/0.5 container (one reader reads them all)."""
    node = read_node(directory)
    ome = node.attributes.get("ome") if node is not None and node.zarr_format == 3 else None
    found = ome.get("version") if isinstance(ome, dict) else None
    if found is None or is_v06(found) == is_v06(version):
        return
    assert node is not None
    raise MigrateError(node.attributes_file, f"series {path!r} is OME-Zarr {found} but the container is "
                                             f"{version} (a container's series are all 0.6 or all 0.4/0.5)")


def _check_ome_xml(root: Path, result: LegacyBioformats2raw, warnings: list[str]) -> None:
    xml = root / "OME" / "METADATA.ome.xml"
    if not is_file(xml):
        warnings.append(f"{xml}: missing; the container's OME-XML metadata cannot be located")
        return
    result.ome_xml = "OME/METADATA.ome.xml"
    try:
        if is_remote(xml):  # streamed from the store
            with xml.open("rb") as fh:
                ET.parse(fh)
        else:
            ET.parse(xml)
    except (ET.ParseError, OSError) as exc:
        warnings.append(f"{xml}: not well-formed XML ({exc}); kept byte-for-byte")
