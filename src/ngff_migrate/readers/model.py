"""Typed source model: what the readers found in a legacy OME-Zarr tree.

These plain dataclasses are the interface between ``readers/`` and
``translate/``. Paths are relative to the dataset root (POSIX, ``""`` for the
root itself). Nothing here knows about RFC-8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .zarr_node import ZarrNode


@dataclass
class LegacyLevel:
    """One resolution level (a legacy ``datasets`` entry).

    ``scale``/``translation`` have one value per axis, in the multiscale's
    axis order, in the axes' units; ``translation`` is ``None`` when absent.
    """

    path: str
    array: ZarrNode
    scale: list[float]
    translation: list[float] | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LegacyMultiscale:
    """One entry of a legacy ``multiscales`` list.

    ``axes`` are the legacy axis objects (``name``, ``type``, ``unit``) in
    array order; ``global_scale``/``global_translation`` are the optional
    multiscale-level transforms that apply to every level.
    """

    index: int
    name: str | None
    axes: list[dict[str, Any]]
    levels: list[LegacyLevel]
    global_scale: list[float] | None = None
    global_translation: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: legacy keys read but not kept because their value was null/empty
    #: (e.g. ``axes[0].unit``, ``name``); reported as mapped to "absent"
    empty_keys: list[str] = field(default_factory=list)


@dataclass
class LegacyLabelMetadata:
    """The ``image-label`` metadata of a label image (NGFF 0.4/0.5)."""

    colors: list[dict[str, Any]] = field(default_factory=list)
    properties: list[dict[str, Any]] = field(default_factory=list)
    source_image: str | None = None
    source_extra: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    version: str | None = None


@dataclass
class LegacyImage:
    """A legacy multiscale image group, possibly with label images.

    Attributes
    ----------
    group:
        The image group's Zarr node.
    rel:
        Path of the group relative to the dataset root (``""`` for the root).
    version:
        The NGFF version found (``"0.4"`` or ``"0.5"``).
    multiscales:
        Every ``multiscales`` entry, in order.
    omero:
        The ``omero`` rendering metadata, if any.
    ome_extra:
        Other keys found next to ``multiscales`` in the OME metadata that
        have no RFC-8 home (carried under the project prefix).
    other_attributes:
        Non-OME attributes of the group (preserved outside ``ome``).
    label:
        ``image-label`` metadata when this image is a label image.
    labels:
        Label images listed in the ``labels`` group, in listed order.
    labels_group:
        The ``labels`` group node, if present.
    """

    group: ZarrNode
    rel: str
    version: str
    multiscales: list[LegacyMultiscale]
    omero: dict[str, Any] | None = None
    ome_extra: dict[str, Any] = field(default_factory=dict)
    other_attributes: dict[str, Any] = field(default_factory=dict)
    label: LegacyLabelMetadata | None = None
    labels: list[LegacyImage] = field(default_factory=list)
    labels_group: ZarrNode | None = None
    labels_group_extra: dict[str, Any] = field(default_factory=dict)
    labels_group_other_attributes: dict[str, Any] = field(default_factory=dict)
    labels_group_version: str | None = None

    @property
    def basename(self) -> str:
        """The image group's directory name."""
        return self.group.directory.name

    def iter_images(self):
        """This image, then every label image (depth first)."""
        yield self
        for label in self.labels:
            yield from label.iter_images()

    def iter_arrays(self):
        """Every ``(image, level)`` pair of this image and its labels."""
        for image in self.iter_images():
            for ms in image.multiscales:
                for level in ms.levels:
                    yield image, level


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


@dataclass
class LegacySeries:
    """One series of a ``bioformats2raw.layout`` container."""

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
