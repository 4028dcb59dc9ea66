"""Detect a TIFF file: by its name (``.tif``, ``.tiff``, ``.ome.tif(f)``,
``.btf``, ``.tf8``, ``.tf2``) or by the TIFF magic bytes at its start.

Only the first four bytes are read: whether the file is an OME-TIFF, an
ImageJ hyperstack or a plain TIFF is found by the read stage.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import MigrateError, NotRecognisedError
from ..base import Detection, Probe

SUFFIXES = (".tif", ".tiff", ".btf", ".tf8", ".tf2")
#: classic TIFF and BigTIFF, little and big endian (TIFF 6.0 §2; BigTIFF)
MAGIC = {b"II*\x00": "little-endian TIFF", b"MM\x00*": "big-endian TIFF",
         b"II+\x00": "little-endian BigTIFF", b"MM\x00+": "big-endian BigTIFF"}


def detect(probe: Probe) -> Detection | None:
    """A Zarr root is never a TIFF: ``None``."""
    return None


def detect_file(path: Path) -> Detection | None:
    """A TIFF file, or ``None`` for a file that neither is named nor starts like one.

    Raises
    ------
    NotRecognisedError
        For a file named like a TIFF that does not start with the TIFF magic bytes.
    MigrateError
        If the file cannot be read.
    """
    path = Path(path)
    named = path.suffix.lower() in SUFFIXES
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise MigrateError(path, f"cannot read the file: {exc.strerror or exc}") from None
    kind = MAGIC.get(head)
    if kind is None:
        if named:
            raise NotRecognisedError(path, f"named like a TIFF but not a TIFF file (it starts with {head!r}, "
                                           "not the TIFF magic bytes II*\\0 or MM\\0*)")
        return None
    ome = ".ome." in path.name.lower()
    return Detection(path, "tiff", None, 3, f"a {kind} file{' named as an OME-TIFF' if ome else ''} "
                                            f"(the magic bytes {head!r})")
