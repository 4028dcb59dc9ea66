"""Translate a TIFF file into RFC-8 documents and engine-written arrays (docs/tiff.md).

* One series: the root document is a ``multiscale`` whose levels are the
  file's own pyramid, level by level (no re-downsampling), at ``0``, ``1``,
  ...; several series: a ``collection`` of path-only ``multiscale`` stubs,
  one document per series at ``<series>/`` (as bioformats2raw lays out
  series), its levels at ``<series>/<level>``.
* Axes are reordered to ``t, c, z, y, x``; tifffile's ``S`` (RGB(A)
  samples) becomes the channel axis ``c``; ``I``/``Q`` (an unnamed sequence
  of pages) becomes ``z``, with a warning.
* Level 0's scale is the physical pixel size (``--pixel-size``/``--unit``
  override it); level ``k`` scales it by the ratio of extents
  ``shape_0 / shape_k`` on each spatial axis. No translation is written
  (as bioformats2raw writes OME-TIFF pyramids).
* Channel names (and colours) are carried as an ``omero``-like
  ``<prefix>:omero`` ``{"channels": [{"label", "color"}]}`` on the
  multiscale, as NGFF 0.4/0.5 ``omero`` is; what was read from where is
  ``<prefix>:tiff``.
* Every array is written by the pixel engine: each :class:`ArrayPlan` gets
  a ``reader`` (:class:`~.source.TiffLevelSource`) and a ``target`` layout
  (chunks = the TIFF tile, 256 x 256 for striped files; unsharded; the
  engine's default codec).

The documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`).
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import UnsupportedError
from ...rfc8.model import (
    Attributes,
    Axis,
    CollectionNode,
    CoordinateSystem,
    Document,
    MultiscaleNode,
    SinglescaleNode,
)
from ...zarr.node import ZarrNode
from ..common.document import DocumentState, UniqueNames, unique_name
from ..common.image_translation import TranslateOptions
from ..common.paths import join, zarr_path
from ..ngff_image.translate import level_transform
from ..plan import ArrayPlan, DocumentPlan, KeyRecord, MigrationPlan
from .model import PhysicalSize, TiffSeries, TiffSource
from .units import SPACE_UNITS, check_space_unit, convert_length

#: tifffile axis letter -> (NGFF axis name, type)
AXES = {"T": ("t", "time"), "C": ("c", "channel"), "S": ("c", "channel"), "Z": ("z", "space"),
        "Y": ("y", "space"), "X": ("x", "space"), "I": ("z", "space"), "Q": ("z", "space")}
ORDER = "tczyx"
#: chunk extent along y and x of a striped (untiled) TIFF
STRIPED_CHUNK = 512
#: the output chunk along y and x is the TIFF tile, doubled until it is at least this (docs/tiff.md)
MIN_CHUNK = 512
#: the default pyramid of a single-level TIFF halves y/x until both fit in this many pixels
PYRAMID_FIT = 256


def axis_order(axes: str, *, where: str) -> tuple[list[tuple[str, str]], tuple[int, ...]]:
    """``(NGFF axes in output order as (name, type), order)`` for tifffile's
    ``axes``; ``order[j]`` is the file axis that becomes output axis ``j``.

    Raises
    ------
    UnsupportedError
        For an axis letter with no NGFF meaning, or two letters mapping to one
        axis (``C`` and ``S``, ``Z`` and ``Q``), naming ``where``.
    """
    for letter in axes:
        if letter not in AXES:
            raise UnsupportedError(None, f"{where}: tifffile axis {letter!r} (of {axes}) has no NGFF meaning")
    names = [AXES[letter][0] for letter in axes]
    if len(set(names)) != len(names):
        raise UnsupportedError(None, f"{where}: axes {axes} map two axes to one NGFF axis "
                                     f"({', '.join(f'{a}->{n}' for a, n in zip(axes, names, strict=True))})")
    order = tuple(sorted(range(len(axes)), key=lambda i: ORDER.index(names[i])))
    return [AXES[axes[i]] for i in order], order


def check_options(options: TranslateOptions) -> None:
    """Check the TIFF options of a run.

    Raises
    ------
    UsageError
        For an ``--unit`` that is not an NGFF space unit, or a
        ``--pixel-size`` that is not positive.
    """
    from ...errors import UsageError

    if options.unit is not None:
        check_space_unit(options.unit)
    if options.pixel_size is not None and not options.pixel_size > 0:
        raise UsageError(None, f"--pixel-size {options.pixel_size}: give a positive number")


def translate_tiff(source: TiffSource, options: TranslateOptions) -> MigrationPlan:
    """The :class:`MigrationPlan` of a TIFF file (module docstring): one
    :class:`~ngff_migrate.rfc8.model.Document` per series (a
    :class:`~ngff_migrate.rfc8.model.MultiscaleNode`), under a root
    :class:`~ngff_migrate.rfc8.model.CollectionNode` of series stubs when
    there are several.

    Raises
    ------
    UsageError
        For an ``--unit`` that is not an NGFF space unit, or a
        ``--pixel-size`` that is not positive.
    UnsupportedError
        For axes with no NGFF meaning.
    """
    check_options(options)
    plan = MigrationPlan(root=source.path, layout="tiff", version=None, zarr_format=3, copy_source=False,
                         default_shards="auto")
    file = source.path.name
    base = stem(file)
    summary: dict[str, Any] = {"file": source.file_summary(),
                               "flavour": source.flavour, "series": []}
    prefix = f"{options.prefix}:tiff"
    if len(source.series) == 1:
        node = series_multiscale(plan, source, source.series[0], "", base, options, summary)
        node.attributes.extra[prefix] = {**node.attributes.extra[prefix], "flavour": source.flavour}
        add_ome_xml(plan, source, "", node.attributes, options.prefix)
        plan.add_group_document("", file=file, replaces=[], ome=Document(version=options.target_version, root=node))
    else:
        ids = DocumentState("").ids
        names = UniqueNames()
        stubs = []
        coll_id = ids.allocate(base)
        for s in source.series:
            rel = str(s.index)
            name = unique_name(s.name or f"series-{s.index}", names)
            node = series_multiscale(plan, source, s, rel, name, options, summary)
            plan.add_group_document(rel, file=file, replaces=[], ome=Document(version=options.target_version, root=node))
            stubs.append(MultiscaleNode(id=ids.allocate(name), name=name, path=zarr_path("", rel)))
        root = CollectionNode(id=coll_id, name=base, attributes=Attributes(**{prefix: {
            "file": file, "flavour": source.flavour, "series": len(source.series)}}), nodes=stubs)
        add_ome_xml(plan, source, "", root.attributes, options.prefix)
        plan.add_group_document("", file=file, replaces=[], ome=Document(version=options.target_version, root=root))
    plan.keys.append(KeyRecord(file, "series", "mapped", "ome" if len(source.series) == 1 else "ome.nodes"))
    if all(len(s.levels) == 1 for s in source.series):
        plan.default_levels = max(pyramid_levels(s) for s in source.series)
    plan.inputs[file] = json.dumps(summary, sort_keys=True).encode()
    plan.order_documents()
    return plan


#: where the OME-XML of a TIFF is copied, relative to the node that references it (bioformats2raw's place)
OME_XML = "OME/METADATA.ome.xml"


def add_ome_xml(plan: MigrationPlan, source: TiffSource, rel: str, attributes: Attributes, prefix: str) -> None:
    """Copy the OME-XML of ``source`` whole to ``<rel>/OME/METADATA.ome.xml``
    and reference it from the node's :class:`~ngff_migrate.rfc8.model.Attributes`
    as the extra key ``<prefix>:ome-xml`` (a path relative to the document);
    nothing for a TIFF without OME-XML. Never raises."""
    if not source.ome_xml:
        return
    target = join(rel, OME_XML)
    plan.files[target] = source.ome_xml.encode("utf-8")
    attributes.extra[f"{prefix}:ome-xml"] = OME_XML
    plan.keys.append(KeyRecord(source.path.name, "OME-XML (ImageDescription)", "carried",
                               f"{target} (referenced by {prefix}:ome-xml)"))


def stem(file: str) -> str:
    """The dataset name of a TIFF file: its name without ``.ome.tif(f)``, ``.tif(f)``, ``.btf``, ..."""
    lower = file.lower()
    for suffix in (".companion.ome", ".ome.tiff", ".ome.tif", ".ome.btf", ".tiff", ".tif", ".btf", ".tf8", ".tf2"):
        if lower.endswith(suffix):
            return file[: -len(suffix)] or file
    return file


def pyramid_levels(s: TiffSeries) -> int:
    """Levels of the default pyramid: y/x halved (``n // 2``) until both fit in :data:`PYRAMID_FIT`."""
    shape = s.levels[0].shape
    y, x = shape[s.axes.index("Y")], shape[s.axes.index("X")]
    n = 1
    while (y > PYRAMID_FIT or x > PYRAMID_FIT) and (y >= 2 or x >= 2):
        y, x, n = max(1, y // 2), max(1, x // 2), n + 1
    return n


def _size(s: TiffSeries, letter: str, options: TranslateOptions) -> PhysicalSize | None:
    """The pixel size used for axis ``letter``: ``--pixel-size`` for X/Y, else the file's,
    converted to ``--unit`` when both have a length unit."""
    if letter in "XY" and options.pixel_size is not None:
        return PhysicalSize(float(options.pixel_size), options.unit or "micrometer", "--pixel-size")
    found = s.physical.get(letter)
    if found is None or letter == "T" or options.unit is None:
        return found
    if found.unit is None:
        return PhysicalSize(found.value, options.unit, f"{found.origin}, unit from --unit")
    if found.unit in SPACE_UNITS:
        return PhysicalSize(convert_length(found.value, found.unit, options.unit), options.unit,
                            f"{found.origin}, converted to --unit")
    return found


def series_multiscale(plan: MigrationPlan, source: TiffSource, s: TiffSeries, rel: str, name: str,
                      options: TranslateOptions, summary: dict[str, Any]) -> MultiscaleNode:
    """The :class:`~ngff_migrate.rfc8.model.MultiscaleNode` of series ``s`` in
    the document at ``rel`` (named ``name``): one coordinate system
    ``physical``, one :class:`~ngff_migrate.rfc8.model.SinglescaleNode` per
    level, what was read carried under ``<prefix>:tiff`` (and channels,
    OME metadata); plans one engine-written array per level at
    ``<rel>/<level>`` and appends the series to ``summary["series"]`` (the
    reverse map's input).

    Raises
    ------
    UnsupportedError
        For axes with no NGFF meaning.
    """
    file = source.path.name
    where = f"{file} series {s.index}"
    axes, order = axis_order(s.axes, where=where)
    letters = [s.axes[i] for i in order]
    if any(a in "IQ" for a in s.axes):
        plan.warnings.append(f"{where}: axis {s.axes} of {s.levels[0].shape} has an unnamed sequence of planes "
                             "(tifffile I/Q), written as z")
    sizes = {letter: _size(s, letter, options) for letter in "XYZT"}
    if s.resolution_problem and options.pixel_size is None:
        plan.warnings.append(f"{where}: {s.resolution_problem}; the y/x scale is 1 pixel with no unit: give "
                             "--pixel-size (and --unit)")
    doc = DocumentState(rel)
    node_id = doc.ids.allocate(name)
    cs_id = doc.ids.allocate("physical")
    cs_axes = []
    scale0 = []
    for (axis, kind), letter in zip(axes, letters, strict=True):
        size = sizes.get("Z" if letter in "IQ" else letter)
        unit = size.unit if size is not None and size.unit is not None and kind in ("space", "time") else None
        cs_axes.append(Axis(name=axis, type=kind, unit=unit))
        scale0.append(size.value if size is not None and kind in ("space", "time") else 1.0)
    shape0 = [s.levels[0].shape[i] for i in order]
    nodes = []
    for level in s.levels:
        level_name = str(level.index)
        level_id = doc.ids.allocate(level_name)
        shape = [level.shape[i] for i in order]
        scale = [v * (a / b) if kind == "space" and b and a != b else v
                 for v, a, b, (_, kind) in zip(scale0, shape0, shape, axes, strict=True)]
        nodes.append(SinglescaleNode(id=level_id, name=level_name, path=zarr_path(rel, join(rel, level_name)),
                                     attributes=Attributes(coordinateTransformations=[
                                         level_transform(level_id, cs_id, scale, None)])))
        _plan_array(plan, source, s, level, join(rel, level_name), order, [a for a, _ in axes])
    attrs = Attributes(coordinateSystems=[CoordinateSystem(id=cs_id, axes=cs_axes)])
    at = "ome" if not rel else f"{rel}/zarr.json ome"
    for letter, size in sizes.items():
        if size is not None:
            plan.keys.append(KeyRecord(file, f"series {s.index}: {size.origin}", "mapped",
                                       f"{at}.nodes[*] scale ({letter.lower()})"))
    channels = [{k: v for k, v in ch.items() if k in ("label", "color")} for ch in s.channels]
    if any(channels):
        attrs.extra[f"{options.prefix}:omero"] = {"channels": channels}
        plan.keys.append(KeyRecord(file, f"series {s.index}: channel names", "carried",
                                   f"{at}.attributes[{options.prefix + ':omero'!r}].channels"))
    if s.ome:
        attrs.extra[f"{options.prefix}:ome"] = s.ome
        plan.keys.append(KeyRecord(file, f"series {s.index}: OME " + ", ".join(sorted(s.ome)), "carried",
                                   f"{at}.attributes[{options.prefix + ':ome'!r}]"))
    for element in s.ome_left:
        plan.keys.append(KeyRecord(file, f"series {s.index}: OME {element}", "preserved",
                                   f"{join(rel, OME_XML)} only (the OME-XML copied whole)"))
    attrs.extra[f"{options.prefix}:tiff"] = {"file": file, "series": s.index, "axes": s.axes, "levels": s.levels_from,
                                             "photometric": s.photometric,
                                             "physical": {k: v.origin for k, v in sizes.items() if v is not None}}
    summary["series"].append({
        "name": name, "axes": s.axes, "dtype": s.dtype, "shapes": [list(lv.shape) for lv in s.levels],
        "physical": {k: [v.value, v.unit] for k, v in sizes.items() if v is not None and k in s.axes.replace("I", "Z").replace("Q", "Z")},
        "channels": [ch.get("label") for ch in channels]})
    return MultiscaleNode(id=node_id, name=name, attributes=attrs, nodes=nodes)


def _chunk(tile: int) -> int:
    """The output chunk extent for a TIFF tile extent: doubled until at least :data:`MIN_CHUNK`."""
    n = max(1, tile)
    while n < MIN_CHUNK:
        n *= 2
    return n


def _fill(dtype: str) -> Any:
    return False if dtype == "bool" else (0.0 if dtype.startswith(("float", "complex")) else 0)


def _plan_array(plan: MigrationPlan, source: TiffSource, s: TiffSeries, level, rel: str,
                order: tuple[int, ...], names: list[str]) -> None:
    """Plan one level's array: written whole by the engine from the TIFF."""
    from ...engine.layout import plan_layout
    from ...engine.options import ReencodeOptions

    file_chunks = []
    for letter, n in zip(s.axes, level.shape, strict=True):
        if letter == "Y":
            file_chunks.append(_chunk(level.tile[0]) if level.tile else STRIPED_CHUNK)
        elif letter == "X":
            file_chunks.append(_chunk(level.tile[1]) if level.tile else STRIPED_CHUNK)
        elif letter == "S":
            file_chunks.append(n)
        else:
            file_chunks.append(1)
    shape = [level.shape[i] for i in order]
    chunks = [max(1, min(file_chunks[i], level.shape[i])) for i in order]
    # the array as the TIFF stores it, in Zarr v3 terms (its codec: TIFF's own compression)
    doc = {"zarr_format": 3, "node_type": "array", "shape": shape, "data_type": s.dtype,
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
           "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
           "fill_value": _fill(s.dtype),
           "codecs": [{"name": "tiff", "configuration": {"compression": level.compression}}],
           "attributes": {}, "dimension_names": names}
    # its "metadata file" is the TIFF itself, so that a problem with the array names the file
    node = ZarrNode(directory=source.path.parent, zarr_format=3, node_type="array", metadata=doc,
                    files=[source.path.name])
    entry = ArrayPlan(rel=rel, source=node, reader=source.level_source(s.index, level.index, order))
    entry.target = plan_layout(doc, ReencodeOptions(), array=rel)
    entry.notes.append(f"written from {entry.reader.describe()}")
    plan.add_array(entry)
    plan.documents.append(DocumentPlan(rel=rel, node_type="array", document=entry.target.document))


__all__ = ["AXES", "OME_XML", "check_options", "PYRAMID_FIT", "STRIPED_CHUNK", "add_ome_xml", "axis_order", "pyramid_levels",
           "series_multiscale", "stem", "translate_tiff"]
