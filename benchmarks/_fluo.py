"""Fluorescence-like test volumes for the re-encode benchmarks (not a benchmark itself).

A scene of expected photon counts -- a dark, smoothly varying background
(autofluorescence / uneven illumination, 3..7 photons), sparse soft-edged
ellipsoidal "nuclei" (radius 10..24 px in y/x, 3..8 planes in z, 200..1500
photons, with a grainy texture) and diffraction-limited puncta (Gaussian spots,
sigma 1.5 px in y/x and 0.8 planes in z, 50..600 photons at the peak) -- is
"acquired" by a detector model: Poisson shot noise, a gain (ADU per photon), an
offset and Gaussian read noise, then clipped to the detector's range and
rounded. ``codec_study.py`` uses the exact Poisson model; large benchmark
inputs use :func:`acquire_fast`, the normal approximation of the same noise
(one Gaussian draw per voxel, ~10x faster).

Detector presets: ``U16_12BIT`` (12-bit camera in uint16: offset 100 ADU,
2 ADU/photon, read noise 1.5 ADU, 0..4095) and ``U8`` (8-bit: offset 10,
0.25 ADU/photon, read noise 0.8, 0..255).
"""

from __future__ import annotations

YX = 1024
U16_12BIT = {"offset": 100.0, "gain": 2.0, "read_noise": 1.5, "maximum": 4095, "dtype": "uint16"}
U8 = {"offset": 10.0, "gain": 0.25, "read_noise": 0.8, "maximum": 255, "dtype": "uint8"}


def scene(planes: int, *, yx: int = YX, seed: int = 0, z_offset: int = 0):
    """Expected photon counts, float32 ``planes x yx x yx``.

    ``z_offset`` only shifts the slow z-trend of the background, so that slabs of
    one tall volume, generated separately with different seeds, join smoothly."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (planes, yx, yx)
    z, y, x = np.ogrid[0:planes, 0:yx, 0:yx]
    bg = 5.0 + 2.0 * np.cos((y - yx / 2) / yx * np.pi) * np.cos((x - yx / 2) / yx * np.pi) \
        + 0.02 * ((z + z_offset) % 64)
    out = np.empty(shape, dtype=np.float32)
    out[...] = bg
    density = planes * yx * yx / (64 * YX * YX)
    for _ in range(max(1, round(600 * density))):  # nuclei
        rz, ry, rx = rng.uniform(3, 8), rng.uniform(10, 24), rng.uniform(10, 24)
        cz, cy, cx = rng.uniform(0, planes), rng.uniform(0, yx), rng.uniform(0, yx)
        box = _box((cz, cy, cx), (rz + 2, ry + 2, rx + 2), shape)
        if box is None:
            continue
        zz, yy, xx = np.ogrid[box]
        d2 = ((zz - cz) / rz) ** 2 + ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        inside = np.clip(1.0 - d2, 0.0, None) ** 0.3
        texture = 0.75 + 0.25 * rng.random(inside.shape, dtype=np.float32)
        out[box] += (rng.uniform(200, 1500) * inside * texture).astype(np.float32)
    for _ in range(max(1, round(4000 * density))):  # puncta
        cz, cy, cx = rng.uniform(0, planes), rng.uniform(0, yx), rng.uniform(0, yx)
        box = _box((cz, cy, cx), (2.5, 4.5, 4.5), shape)
        if box is None:
            continue
        zz, yy, xx = np.ogrid[box]
        g = np.exp(-0.5 * (((zz - cz) / 0.8) ** 2 + ((yy - cy) / 1.5) ** 2 + ((xx - cx) / 1.5) ** 2))
        out[box] += (rng.uniform(50, 600) * g).astype(np.float32)
    return out


def _box(center, radius, shape):
    sl = []
    for c, r, n in zip(center, radius, shape, strict=True):
        lo, hi = max(0, int(c - r)), min(n, int(c + r) + 1)
        if lo >= hi:
            return None
        sl.append(slice(lo, hi))
    return tuple(sl)


def acquire(photons, *, offset, gain, read_noise, maximum, dtype, seed: int = 1):
    """Exact detector model: Poisson(photons) x gain + offset + N(0, read_noise), clipped, rounded."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = np.empty(photons.shape, dtype=dtype)
    for z in range(photons.shape[0]):  # plane by plane: bounded temporaries
        counts = rng.poisson(photons[z]).astype(np.float32)
        adu = offset + gain * counts + rng.normal(0.0, read_noise, size=counts.shape).astype(np.float32)
        out[z] = np.clip(np.rint(adu), 0, maximum).astype(dtype)
    return out


def acquire_fast(photons, *, offset, gain, read_noise, maximum, dtype, seed: int = 1):
    """Normal approximation of :func:`acquire`: mean ``offset + gain * photons``, variance
    ``gain^2 * photons + read_noise^2`` (one float32 Gaussian draw per voxel)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = np.empty(photons.shape, dtype=dtype)
    for z in range(photons.shape[0]):
        p = photons[z]
        sd = np.sqrt(gain * gain * p + read_noise * read_noise)
        adu = rng.standard_normal(p.shape, dtype=np.float32)
        adu *= sd
        adu += offset + gain * p
        np.rint(adu, out=adu)
        out[z] = np.clip(adu, 0, maximum).astype(dtype)
    return out
