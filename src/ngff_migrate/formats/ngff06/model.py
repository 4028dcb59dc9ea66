"""Typed source model of OME-Zarr 0.6 (RFC-5) trees: images, scenes, plates.

The 0.6 classes extend the 0.4/0.5 ones of :mod:`ngff_migrate.formats.ngff_image.model`
so that the shared translation code (labels, carried keys, array planning)
works on them unchanged; they add what RFC-5 introduced: named coordinate
systems, transformations kept verbatim (every type, with their parameters)
and arrays holding transformation parameters.

Transformations are kept as the legacy JSON objects (``dict``), exactly as
read; :mod:`ngff_migrate.formats.ngff06.check` has validated them. Paths are POSIX,
relative to the dataset root (``""`` is the root).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...zarr.node import ZarrNode
from ..ngff_image.model import LegacyImage, LegacyLevel, LegacyMultiscale


@dataclass
class CoordinateSystem06:
    """A named coordinate system (0.6 §"coordinateSystems").

    ``axes`` are the axis objects verbatim (``name``, ``type``, ``unit``,
    ``discrete``, ``longName`` and any other key) in axis order; ``extra``
    holds keys of the coordinate-system object other than ``name``/``axes``.
    """

    name: str
    axes: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Level06(LegacyLevel):
    """A resolution level (a 0.6 ``datasets`` entry).

    ``transform`` is the level's single coordinate transformation, verbatim
    (a ``scale``, an ``identity`` or a ``sequence`` of scale and translation,
    0.6 §"multiscales"). ``scale``/``translation`` (inherited) hold its
    values per array axis.
    """

    transform: dict[str, Any] = field(default_factory=dict)


@dataclass
class Multiscale06(LegacyMultiscale):
    """One 0.6 ``multiscales`` entry.

    ``coordinate_systems`` in declared order; ``intrinsic`` is the name of
    the system every level maps to (its axes are also in ``axes``);
    ``transforms`` are the multiscale-level ``coordinateTransformations``
    verbatim; ``absent`` lists keys that the legacy entry did not have and
    that the RFC-8 output must nevertheless fill (``name``).
    """

    coordinate_systems: list[CoordinateSystem06] = field(default_factory=list)
    intrinsic: str = ""
    transforms: list[dict[str, Any]] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


@dataclass
class ParameterNodes:
    """Zarr nodes that hold transformation parameters (RFC-5 ``path``).

    ``arrays`` maps root-relative paths to array nodes; ``fields`` are
    parameter groups that are 0.6 multiscale images themselves (a
    displacement or coordinate field written as an image).
    """

    arrays: dict[str, ZarrNode] = field(default_factory=dict)
    fields: list[Image06] = field(default_factory=list)


@dataclass
class Image06(LegacyImage):
    """A 0.6 image group (its labels are :class:`Image06` too).

    ``absent`` lists legacy keys that were missing but that the output fills
    (e.g. ``image-label.source``); ``parameters`` are the nodes its
    transformations read parameters from.
    """

    absent: list[str] = field(default_factory=list)
    parameters: ParameterNodes = field(default_factory=ParameterNodes)


@dataclass
class Scene06:
    """A 0.6 scene group (0.6 §"scene"), or a stand-alone transformation document.

    ``form`` is ``"scene"`` (metadata under ``ome.scene``) or
    ``"transformations"`` (``coordinateSystems``/``coordinateTransformations``
    directly under ``ome``, as ngff-zarr writes a transformation store).
    ``images`` are the images the transformations reference, in order of
    first reference (``rel`` = their path below the scene group);
    ``unplaced`` the other 0.6 images below the group, which no
    transformation references (in path order).
    """

    group: ZarrNode
    version: str
    form: str
    coordinate_systems: list[CoordinateSystem06]
    transforms: list[dict[str, Any]]
    images: list[Image06] = field(default_factory=list)
    unplaced: list[Image06] = field(default_factory=list)
    parameters: ParameterNodes = field(default_factory=ParameterNodes)
    scene_extra: dict[str, Any] = field(default_factory=dict)
    ome_extra: dict[str, Any] = field(default_factory=dict)
    other_attributes: dict[str, Any] = field(default_factory=dict)
    rel: str = ""

    @property
    def basename(self) -> str:
        """The scene group's directory name."""
        return self.group.directory.name

    def iter_images(self):
        """Every referenced image, every unplaced image, then every parameter field image."""
        yield from self.images
        yield from self.unplaced
        yield from self.parameters.fields
