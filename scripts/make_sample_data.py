"""Write the shipped ``sample_data/`` with ome-zarr-py (third-party writer).

Creates, deterministically:

* ``sample_data/image_v04.ome.zarr`` — NGFF 0.4 (Zarr v2) image, axes
  ``c, z, y, x`` (2 × 16 × 128 × 128, uint16), physical scale
  (z 2.0 µm, y/x 0.5 µm), ``omero`` rendering metadata, a non-OME attribute,
  and a label image ``labels/cells`` (z, y, x uint8) with ``colors`` and
  ``properties``.
* ``sample_data/image_v05.ome.zarr`` — NGFF 0.5 (Zarr v3) image, axes
  ``t, c, y, x`` (3 × 2 × 128 × 128, uint8).

Run: ``python scripts/make_sample_data.py [OUT_DIR]`` (needs ``ome-zarr``,
installed with the ``test`` extra).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image, write_labels


def _blobs(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Smooth synthetic intensities (compress well, look like cells)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 1, n) for n in shape[-2:]], indexing="ij")
    img = np.zeros(shape[-2:], dtype=np.float64)
    for _ in range(12):
        cy, cx = rng.random(2)
        r = 0.03 + 0.08 * rng.random()
        img += np.exp(-((grids[0] - cy) ** 2 + (grids[1] - cx) ** 2) / (2 * r * r))
    return np.broadcast_to(img, shape)


def write_v04(path: Path) -> None:
    """NGFF 0.4 image with a label image, written by ome-zarr-py."""
    shape = (2, 16, 128, 128)
    base = _blobs(shape, seed=1)
    ramp = np.linspace(0.6, 1.0, shape[1])[None, :, None, None]
    data = (base * ramp * 4000).astype(np.uint16)
    data[1] = data[1][:, ::-1, :]
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    write_image(
        data,
        root,
        axes="czyx",
        axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
        fmt=FormatV04(),
        scale_factors=(2, 4),
        scale={"c": 1.0, "z": 2.0, "y": 0.5, "x": 0.5},
        storage_options={"chunks": (1, 8, 64, 64)},
        name="sample 0.4 image",
        omero={
            "channels": [
                {"label": "DAPI", "color": "0000FF", "active": True,
                 "window": {"start": 0, "end": 4000, "min": 0, "max": 65535}},
                {"label": "GFP", "color": "00FF00", "active": True,
                 "window": {"start": 0, "end": 4000, "min": 0, "max": 65535}},
            ],
            "rdefs": {"model": "color", "defaultZ": 8},
        },
    )
    root.attrs["acme:acquisition-note"] = "synthetic sample written by make_sample_data.py"
    labels = (base[0, :, :, :] > 0.5).astype(np.uint8) + (base[0] > 0.9).astype(np.uint8)
    write_labels(
        labels,
        root,
        name="cells",
        axes="zyx",
        axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
        fmt=FormatV04(),
        scale_factors=(2, 4),
        scale={"z": 2.0, "y": 0.5, "x": 0.5},
        storage_options={"chunks": (8, 64, 64)},
        label_metadata={
            "colors": [
                {"label-value": 1, "rgba": [255, 255, 0, 255]},
                {"label-value": 2, "rgba": [255, 0, 0, 255]},
            ],
            "properties": [
                {"label-value": 1, "class": "cytoplasm"},
                {"label-value": 2, "class": "nucleus"},
            ],
        },
    )


def write_v05(path: Path) -> None:
    """NGFF 0.5 (Zarr v3) time-lapse image, written by ome-zarr-py."""
    shape = (3, 2, 128, 128)
    frames = np.stack([np.roll(_blobs(shape[1:], seed=2), 8 * t, axis=-1) for t in range(3)])
    data = (frames * 200).clip(0, 255).astype(np.uint8)
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    write_image(
        data,
        root,
        axes="tcyx",
        axes_units={"t": "second", "y": "micrometer", "x": "micrometer"},
        fmt=FormatV05(),
        scale_factors=(2,),
        scale={"t": 30.0, "c": 1.0, "y": 0.25, "x": 0.25},
        storage_options={"chunks": (1, 1, 64, 64)},
        name="sample 0.5 time-lapse",
    )


def main(out: Path) -> None:
    """Write both sample images under ``out`` (replacing earlier copies)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, writer in (("image_v04.ome.zarr", write_v04), ("image_v05.ome.zarr", write_v05)):
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        writer(target)
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        print(f"wrote {target} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "sample_data")
