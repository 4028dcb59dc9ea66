"""Typed source model of a ``bioformats2raw.layout`` container, as the reader found it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...zarr.node import ZarrNode
from ..hcs.model import LegacyPlate
from ..ngff_image.model import LegacyImage


@dataclass
class LegacySeries:
    """One series of a ``bioformats2raw.layout`` container (``image`` is an
    :class:`~ngff_migrate.formats.ngff06.model.Image06` in a 0.6 container)."""

    index: int
    path: str
    image: LegacyImage


@dataclass
class LegacyBioformats2raw:
    """A ``bioformats2raw.layout`` container (layout version ``layout``).

    ``series`` are in ``OME/series`` order (else consecutive ``0/``, ``1/``,
    ... groups); ``ome_xml`` is the root-relative path of
    ``OME/METADATA.ome.xml`` when it exists; ``plate`` is set when the root
    also carries ``plate`` metadata (the container then is the plate).
    """

    group: ZarrNode
    version: str
    layout: Any
    series: list[LegacySeries] = field(default_factory=list)
    series_source: str = "OME/series"
    ome_group: ZarrNode | None = None
    ome_group_extra: dict[str, Any] = field(default_factory=dict)
    ome_xml: str | None = None
    plate: LegacyPlate | None = None
    ome_extra: dict[str, Any] = field(default_factory=dict)
    other_attributes: dict[str, Any] = field(default_factory=dict)
    consolidated: bool = False

    @property
    def basename(self) -> str:
        return self.group.directory.name

    def iter_images(self):
        if self.plate is not None:
            yield from self.plate.iter_images()
        else:
            for s in self.series:
                yield s.image
