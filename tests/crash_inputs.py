"""Inputs of the crash-point tests that ``conftest.py`` does not provide: a
small HCS plate written with ome-zarr-py (the third-party writer the other
fixtures use)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr


def write_plate(path: Path, version: str = "0.4", *, rows: int = 2, columns: int = 3, fields: int = 2,
                levels: int = 2, size: int = 32, chunk: int = 16) -> Path:
    """``rows x columns`` wells with ``fields`` images each, ``levels`` levels
    per image (``cyx``, uint8, ``chunk``-sized chunks); NGFF 0.4 on Zarr v2 or
    0.5 on Zarr v3."""
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

    fmt = FormatV04() if version == "0.4" else FormatV05()
    row_names = [chr(ord("A") + r) for r in range(rows)]
    col_names = [str(c + 1) for c in range(columns)]
    wells = [f"{r}/{c}" for r in row_names for c in col_names]
    root = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    write_plate_metadata(root, row_names, col_names, wells, fmt=fmt, field_count=fields,
                         acquisitions=[{"id": 0, "name": "acq0"}], name="crash plate")
    rng = np.random.default_rng(7)
    for well in wells:
        row, col = well.split("/")
        well_group = root.require_group(row).require_group(col)
        write_well_metadata(well_group, [{"path": str(f), "acquisition": 0} for f in range(fields)], fmt=fmt)
        for f in range(fields):
            image = well_group.require_group(str(f))
            data = rng.integers(0, 255, size=(1, size, size), dtype=np.uint8)
            write_image(data, image, axes="cyx", fmt=fmt, scale_factors=(2,) * (levels - 1),
                        storage_options={"chunks": (1, chunk, chunk)}, name=f"{well}/{f}")
    return path
