"""Detect a TIFF file: by its name (``.tif``, ``.tiff``, ``.ome.tif(f)``,
``.btf``, ``.tf8``, ``.tf2``) or by the TIFF magic bytes at its start; and
an OME companion file (``*.companion.ome``: the OME-XML of a multi-file
OME-TIFF set, no pixels; OME-TIFF specification, "Companion files").

Only the first bytes are read (four of a TIFF, a few hundred of a companion
file, which must start like XML): whether the file is an OME-TIFF, an
ImageJ hyperstack or a plain TIFF, and which files form a multi-file set,
is found by the read stage.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import MigrateError, NotRecognisedError
from ..base import Detection, Probe

SUFFIXES = (".tif", ".tiff", ".btf", ".tf8", ".tf2")
#: the name ending of an OME companion file (the same as ``multifile.COMPANION_SUFFIX``,
#: repeated here so that detection imports neither tifffile nor ome-types)
COMPANION = ".companion.ome"
#: classic TIFF and BigTIFF, little and big endian (TIFF 6.0 §2; BigTIFF)
MAGIC = {b"II*\x00": "little-endian TIFF", b"MM\x00*": "big-endian TIFF",
         b"II+\x00": "little-endian BigTIFF", b"MM\x00+": "big-endian BigTIFF"}


def detect(probe: Probe) -> Detection | None:
    """A Zarr root is never a TIFF: ``None``."""
    return None


def detect_file(path: Path) -> Detection | None:
    """A TIFF file or an OME companion file (``*.companion.ome``), or ``None``
    for a file that neither is named nor starts like a TIFF.

    Raises
    ------
    NotRecognisedError
        For a file named like a TIFF that does not start with the TIFF magic
        bytes, or named ``*.companion.ome`` that does not start like XML.
    MigrateError
        If the file cannot be read.
    """
    path = Path(path)
    if path.name.lower().endswith(COMPANION):
        return _companion(path)
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


def _companion(path: Path) -> Detection:
    """An OME companion file: it must start (after a byte-order mark and white space) with ``<``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise MigrateError(path, f"cannot read the file: {exc.strerror or exc}") from None
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<"):
        raise NotRecognisedError(path, f"named like an OME companion file but not XML (it starts with "
                                       f"{head[:8]!r})")
    return Detection(path, "tiff", None, 3, "an OME companion file (*.companion.ome: the OME-XML of a "
                                            "multi-file OME-TIFF)")
