"""Reader for ``bioformats2raw.layout`` containers (NGFF 0.4 and 0.5).

Implements the reading side of NGFF 0.4/0.5 §"bf2raw": series are found
via ``OME/.zattrs`` ``series`` (else consecutive groups ``0/``, ``1/``, ...),
kept in series order; ``OME/METADATA.ome.xml`` is located (never rewritten);
a container whose root also carries ``plate`` is read as that plate.

Decisions for bad input (docs/decisions.md, "bioformats2raw"):

* a series listed in ``OME/series`` that does not exist → error;
* ``METADATA.ome.xml`` missing or not well-formed XML → warning; the file
  (if any) is kept byte-for-byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...zarr.node import member_path, read_node
from ..hcs.read import read_plate
from ..ngff_image.read import read_image
from .model import LegacyBioformats2raw, LegacySeries

LAYOUT_KEY = "bioformats2raw.layout"


def read_bioformats2raw(root: Path, version: str, *, strict: bool = True,
                        warnings: list[str] | None = None) -> LegacyBioformats2raw:
    """Read the container at ``root`` with every series image (or its plate).

    Raises
    ------
    MigrateError
        If a listed series does not exist or a series image is malformed.
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
                                  other_attributes=attrs, consolidated=(root / ".zmetadata").is_file())
    ome_dir = root / "OME"
    listed: list[str] | None = None
    if ome_dir.is_dir():
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
        result.plate = read_plate(root, version, strict=strict, warnings=warnings)
        if listed is not None:
            for path in listed:
                if read_node(root / path) is None:
                    raise MigrateError(root / path, f"series {path!r} listed in OME/series does not exist")
            result.series = []
        return result
    if listed is None:
        result.series_source = "consecutive groups"
        listed = []
        while (root / str(len(listed))).is_dir() and read_node(root / str(len(listed))) is not None:
            listed.append(str(len(listed)))
        if not listed:
            raise MigrateError(root, "bioformats2raw container without OME/series and without a series '0/'")
    for index, path in enumerate(listed):
        if read_node(root / path) is None:
            raise MigrateError(root / path, f"series {path!r} listed in OME/series does not exist")
        image = read_image(root / path, version, strict=strict, warnings=warnings, rel=path)
        result.series.append(LegacySeries(index=index, path=path, image=image))
    return result


def _check_ome_xml(root: Path, result: LegacyBioformats2raw, warnings: list[str]) -> None:
    xml = root / "OME" / "METADATA.ome.xml"
    if not xml.is_file():
        warnings.append(f"{xml}: missing; the container's OME-XML metadata cannot be located")
        return
    result.ome_xml = "OME/METADATA.ome.xml"
    try:
        ET.parse(xml)
    except (ET.ParseError, OSError) as exc:
        warnings.append(f"{xml}: not well-formed XML ({exc}); kept byte-for-byte")
