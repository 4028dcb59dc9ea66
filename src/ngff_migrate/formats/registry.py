"""The registry of input families, in the order detection asks them.

Order matters where two families could claim a root: an RFC-8 document
first (its ``ome`` has a node ``type``), then OME-Zarr 0.6 (by version;
not a root with ``bioformats2raw.layout``), then ``bioformats2raw.layout``
containers at 0.4/0.5/0.6 (which may also carry ``plate``),
then HCS plates, then plain 0.4/0.5 images. TIFF files (``tiff``) claim no
Zarr root; detection asks them about sources that are files
(``Format.detect_file``).
"""

from __future__ import annotations

import importlib
from functools import cache

from .base import Format, Layout

#: Family packages under ``ngff_migrate.formats``, in detection order.
FAMILIES = ("rfc8", "ngff06", "bioformats2raw", "hcs", "ngff_image", "tiff")


@cache
def formats() -> tuple[Format, ...]:
    """Every registered family's :class:`Format`, in detection order."""
    return tuple(importlib.import_module(f"{__package__}.{name}").FORMAT for name in FAMILIES)


@cache
def layout(name: str) -> Layout:
    """The :class:`Layout` called ``name`` (e.g. ``"hcs-plate"``).

    Raises
    ------
    KeyError
        If no family registers that layout.
    """
    for fmt in formats():
        for item in fmt.layouts:
            if item.name == name:
                return item
    raise KeyError(name)
