"""Pixel verification of arrays whose source is not a Zarr array (``ArrayPlan.reader``: a TIFF level).

The written array is re-read with zarr-python and compared with the source
decoded by its own library: a level up to
:data:`~.pixels.WHOLE_ARRAY_BYTES` is decoded whole by the reader's
``decode()`` (for a TIFF, tifffile's ``asarray`` of the level, not its Zarr
view); a larger one chunk by chunk of the output, every chunk (``full``) or
``sample_chunks`` seeded-random ones (``sample``), through the reader's
``open()`` (tifffile's Zarr view, which decodes with tifffile too).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import MigrateError, VerificationError
from .pixels import WHOLE_ARRAY_BYTES, VerifyResult, _choose_chunks, _one_line


def compare_reader(reader: Any, target_dir: Path, mode: str, sample_chunks: int, result: VerifyResult,
                   *, label: str) -> None:
    """Compare the array written at ``target_dir`` with ``reader``'s decode.

    Raises
    ------
    VerificationError
        Naming the source file (``reader.path``) when the output does not
        open, its shape or data type differ, a source segment does not
        decode, or the pixels differ.
    """
    if mode == "none":
        return
    import numpy as np
    import zarr

    blame = getattr(reader, "path", None)
    what = reader.describe() if hasattr(reader, "describe") else str(reader)
    out = f"the output {label or '.'}/zarr.json"
    try:
        target = zarr.open_array(target_dir, mode="r", zarr_format=3)
    except Exception as exc:
        raise VerificationError(blame, f"zarr-python cannot open {out} written from {what}: {_one_line(exc)}") from None
    result.arrays_opened += 1
    chunks = tuple(target.chunks)
    grid = tuple(math.ceil(s / c) if c else 0 for s, c in zip(target.shape, chunks, strict=True))
    result.chunks_total += math.prod(grid)
    equal_nan = target.dtype.kind in "fc"
    try:
        if target.nbytes <= WHOLE_ARRAY_BYTES:
            want = reader.decode()
            _same_kind(want, target, blame, out, what)
            if not np.array_equal(want, target[...], equal_nan=equal_nan):
                raise VerificationError(blame, f"pixels decoded through {out} differ from {what}")
            result.chunks_compared += math.prod(grid)
            result.arrays_compared += 1
            return
        source = reader.open()
        _same_kind(source, target, blame, out, what)
        for idx in _choose_chunks(grid, mode, sample_chunks, label):
            region = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, target.shape, strict=True))
            if not np.array_equal(source[region], target[region], equal_nan=equal_nan):
                raise VerificationError(blame, f"chunk {list(idx)}: pixels decoded through {out} differ from {what}")
            result.chunks_compared += 1
    except MigrateError as exc:
        if isinstance(exc, VerificationError):
            raise
        raise VerificationError(exc.path or blame, exc.problem) from None
    result.arrays_compared += 1


def _same_kind(source: Any, target: Any, blame: Any, out: str, what: str) -> None:
    if tuple(source.shape) != tuple(target.shape) or \
            source.dtype.newbyteorder("=") != target.dtype.newbyteorder("="):
        raise VerificationError(blame, f"shape/dtype {target.shape}/{target.dtype} of {out} differ from {what} "
                                       f"{tuple(source.shape)}/{source.dtype}")


__all__ = ["compare_reader"]
