"""Write a synthetic NGFF 0.4 HCS plate quickly (zarr v2 directly, metadata as
ome-zarr-py writes it): ``rows × columns`` wells, ``fields`` per well,
``levels`` levels per field, tiny uint8 chunks.

Used by ``bench_plate_inplace.py``; importable as a module. ``write_field_image``
writes one such field as a standalone 0.4 image (the per-array peer).
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import zarr


def write_plate(path: Path, rows: int = 16, columns: int = 24, fields: int = 4, levels: int = 3,
                size: int = 64, chunk: int = 32) -> dict[str, int]:
    """Write the plate; returns counts (wells, fields, arrays)."""
    row_names = list(string.ascii_uppercase[:rows])
    col_names = [str(c + 1) for c in range(columns)]
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    wells = [f"{r}/{c}" for r in row_names for c in col_names]
    root.attrs["plate"] = {
        "version": "0.4", "name": "synthetic", "field_count": fields,
        "rows": [{"name": r} for r in row_names], "columns": [{"name": c} for c in col_names],
        "acquisitions": [{"id": 0, "name": "acq0"}],
        "wells": [{"path": w, "rowIndex": row_names.index(w.split("/")[0]),
                   "columnIndex": col_names.index(w.split("/")[1])} for w in wells],
    }
    data = np.arange(size * size, dtype=np.uint8).reshape(1, size, size)
    arrays = 0
    for w in wells:
        wg = root.require_group(w)
        wg.attrs["well"] = {"version": "0.4", "images": [{"path": str(f), "acquisition": 0} for f in range(fields)]}
        for f in range(fields):
            fdir = path / w / str(f)
            zarr.open_group(str(fdir), mode="w", zarr_format=2)
            datasets = []
            for lv in range(levels):
                s = size >> lv
                arr = zarr.create_array(store=fdir / str(lv), shape=(1, s, s), chunks=(1, chunk, chunk),
                                        dtype="uint8", zarr_format=2, overwrite=True)
                arr[...] = data[:, :s, :s]
                arrays += 1
                datasets.append({"path": str(lv), "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0, 2.0 ** lv, 2.0 ** lv]}]})
            (fdir / ".zattrs").write_text(json.dumps({"multiscales": [{
                "version": "0.4", "name": f"{w}/{f}",
                "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"},
                         {"name": "x", "type": "space"}],
                "datasets": datasets}]}))
    return {"wells": len(wells), "fields": len(wells) * fields, "arrays": arrays}


def write_field_image(path: Path, levels: int = 3, size: int = 64, chunk: int = 32) -> dict[str, int]:
    """Write one field of :func:`write_plate` as a standalone NGFF 0.4 image
    (same arrays, chunks and ``multiscales``; no plate or well around it)."""
    zarr.open_group(str(path), mode="w", zarr_format=2)
    data = np.arange(size * size, dtype=np.uint8).reshape(1, size, size)
    datasets = []
    for lv in range(levels):
        s = size >> lv
        arr = zarr.create_array(store=path / str(lv), shape=(1, s, s), chunks=(1, chunk, chunk),
                                dtype="uint8", zarr_format=2, overwrite=True)
        arr[...] = data[:, :s, :s]
        datasets.append({"path": str(lv), "coordinateTransformations": [
            {"type": "scale", "scale": [1.0, 2.0 ** lv, 2.0 ** lv]}]})
    (path / ".zattrs").write_text(json.dumps({"multiscales": [{
        "version": "0.4", "name": "field",
        "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"},
                 {"name": "x", "type": "space"}],
        "datasets": datasets}]}))
    return {"wells": 0, "fields": 1, "arrays": levels}
