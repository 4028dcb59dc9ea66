"""Typed source model of a legacy NGFF 0.4/0.5 image, as the reader found it.

These plain dataclasses are the interface between :mod:`.read` and
:mod:`.translate` (and the HCS and bioformats2raw families, whose fields and
series are such images). Paths are relative to the dataset root (POSIX,
``""`` for the root itself). Nothing here knows about RFC-8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...zarr.node import ZarrNode


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
