"""Atomic file writes: temporary file in the same directory, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..zarr_meta import dumps_json as dumps_document  # noqa: F401  (one canonical JSON writer)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (readers see old or new, never half).

    ``fsync=False`` skips the per-file fsync: callers writing thousands of
    documents call :func:`sync_all` once instead (the journal still lists
    every file, so an interrupted run can be rolled back).

    Raises
    ------
    OSError
        If the directory is not writable or the disk is full; no temporary
        file is left behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; give the file the mode it had, else the umask default
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def sync_all() -> None:
    """Flush every written file to storage (one ``sync()`` instead of one
    fsync per document)."""
    os.sync()
