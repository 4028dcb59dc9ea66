"""Atomic file writes: temporary file in the same directory, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..zarr_meta import dumps_json as dumps_document  # noqa: F401  (one canonical JSON writer)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (readers see old or new, never half).

    Raises
    ------
    OSError
        If the directory is not writable or the disk is full; no temporary
        file is left behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
