"""Typed source model of an HCS plate (NGFF 0.4/0.5 §plate, §well), as the reader found it.

Paths are relative to the dataset root (POSIX, ``""`` for the root itself).
Field images are :class:`~ngff_migrate.formats.ngff_image.model.LegacyImage`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...zarr.node import ZarrNode
from ..ngff_image.model import LegacyImage


@dataclass
class LegacyField:
    """One field of view of a well (a ``well.images`` entry).

    ``path`` is relative to the well; ``acquisition`` is the legacy value
    (usually an integer id) or ``None``.
    """

    path: str
    acquisition: Any
    image: LegacyImage
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LegacyWell:
    """A well of an HCS plate (a ``plate.wells`` entry and its group).

    ``row``/``column`` are the row and column names; ``entry_extra`` holds
    the plate's ``wells`` entry keys other than ``path`` (``rowIndex``,
    ``columnIndex``, ...); ``well_extra`` the well metadata keys other than
    ``images`` (``version``, ...).
    """

    path: str
    row: str
    column: str
    group: ZarrNode
    fields: list[LegacyField] = field(default_factory=list)
    entry_extra: dict[str, Any] = field(default_factory=dict)
    well_extra: dict[str, Any] = field(default_factory=dict)
    other_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class LegacyPlate:
    """An HCS plate (NGFF 0.4/0.5 §plate, §well).

    ``rows``/``columns``/``acquisitions`` are the legacy objects in order;
    ``plate_extra`` holds plate keys with no RFC-8 home (``name``,
    ``version``, ``field_count``, ...); ``row_groups`` the row group nodes by
    row name.
    """

    group: ZarrNode
    version: str
    rows: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    acquisitions: list[dict[str, Any]]
    wells: list[LegacyWell] = field(default_factory=list)
    name: str | None = None
    plate_extra: dict[str, Any] = field(default_factory=dict)
    ome_extra: dict[str, Any] = field(default_factory=dict)
    other_attributes: dict[str, Any] = field(default_factory=dict)
    row_groups: dict[str, ZarrNode] = field(default_factory=dict)
    rel: str = ""

    @property
    def basename(self) -> str:
        return self.group.directory.name

    def iter_images(self):
        """Every field image (with its labels) of every well."""
        for well in self.wells:
            for f in well.fields:
                yield f.image
