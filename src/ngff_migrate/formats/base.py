"""The one interface every input family implements, and what detection hands it.

A family (``formats/<family>/``) is one package with its detection, reading,
translation and reverse map side by side. Its ``__init__`` exposes
``FORMAT``, a :class:`Format`: a light ``detect`` function (it sees only the
dataset root's metadata) and, per layout it detects, where its reader,
translator and reverse map live (``"module:function"``, imported only when
a run needs them, so that detection and ``--help`` stay cheap).

The stages talk through plain typed objects: :class:`Probe` (what detection
reads), :class:`Detection` (what it found), a family's own source model (what
its reader returns), :class:`~ngff_migrate.formats.plan.MigrationPlan` (what
its translator returns and the writers consume).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..zarr.node import ZarrNode


@dataclass(frozen=True)
class Detection:
    """What a path holds.

    Attributes
    ----------
    path:
        The dataset root.
    layout:
        ``"ngff-image"`` (a legacy multiscale image group), ``"hcs-plate"``,
        ``"bioformats2raw"`` (a container, possibly wrapping a plate),
        ``"rfc8"`` (a document already in the RFC-8 node model), or for
        OME-Zarr 0.6 (RFC-5 drafts ``0.6.dev1``-``0.6rc0``, ``0.6``,
        ``0.9.dev1``) ``"ngff06-image"``, ``"ngff06-scene"``, ``"ngff06-plate"``.
    version:
        The OME-Zarr version string found in the metadata.
    zarr_format:
        2 or 3.
    reason:
        One line saying which metadata led to this conclusion.
    """

    path: Path
    layout: str
    version: str | None
    zarr_format: int
    reason: str


@dataclass(frozen=True)
class Probe:
    """The dataset root as detection sees it.

    ``ome`` is the OME metadata (Zarr v3: ``attributes.ome``; Zarr v2: the
    ``.zattrs`` when it holds an OME key), or ``None``; ``where`` names it in
    messages (``"zarr.json attributes.ome"``, ``".zattrs"``); ``document`` is
    the file it was read from.
    """

    root: Path
    node: ZarrNode
    ome: dict[str, Any] | None
    where: str
    document: Path

    def found(self, layout: str, version: str | None, reason: str) -> Detection:
        """A :class:`Detection` of ``layout`` at this root."""
        return Detection(self.root, layout, version, self.node.zarr_format, reason)


@dataclass(frozen=True)
class Layout:
    """One layout a family migrates: where its stages live (``"module:function"``).

    ``read(root, version, *, strict, warnings)`` returns the family's source
    model; ``translate(source, options)`` a
    :class:`~ngff_migrate.formats.plan.MigrationPlan`; ``reverse(plan,
    target_root)`` rebuilds the legacy metadata from the written output and
    compares it with the input (DESIGN §6), returning the report's
    ``verification.reverse_map``.
    """

    name: str
    read: str
    translate: str
    reverse: str | None = None
    #: the reader also takes the run's ``options`` (a
    #: :class:`~ngff_migrate.formats.common.image_translation.TranslateOptions`;
    #: a TIFF tile set's ``--positions`` decide which files are tiles)
    read_options: bool = False

    def stage(self, which: str) -> Callable[..., Any]:
        """The function of stage ``which`` (``read``, ``translate``, ``reverse``), imported now."""
        ref = getattr(self, which)
        module, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Format:
    """An input family: ``detect(probe)`` returns a :class:`Detection` of one
    of ``layouts``, ``None`` when the root is not this family's, or raises
    :class:`~ngff_migrate.errors.MigrateError` for a root that is this
    family's but cannot be migrated.

    ``detect_file(path)``, when a family has it, is asked about a source that
    is a *file* rather than a Zarr directory (a TIFF): it returns a
    :class:`Detection`, ``None`` for a file that is not its own, or raises
    for one that is its own but unreadable (e.g. a ``.tif`` that is not TIFF);
    ``detect_folder(path)`` likewise for a directory with no Zarr metadata."""

    family: str
    detect: Callable[[Probe], Detection | None]
    layouts: tuple[Layout, ...]
    detect_file: Callable[[Path], Detection | None] | None = None
    #: asked about a directory without Zarr metadata (a folder of TIFF tiles): a
    #: :class:`Detection`, or ``None`` for a folder that is not this family's
    detect_folder: Callable[[Path], Detection | None] | None = None
