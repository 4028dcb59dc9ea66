"""Build missing pyramid levels (``--levels N`` / ``--downsample``; issue #9; docs/reencode.md, "Levels").

For every multiscale with fewer than ``N`` levels, new levels are added
after its smallest one, each computed from the level before it:

* ``y`` and ``x`` (the two innermost spatial axes of the multiscale's
  coordinate system) are halved; ``z`` (the third innermost spatial axis)
  is halved only when its pixel size is smaller than the new ``y`` and ``x``
  pixel sizes; other axes (channel, time) are kept. An axis of extent 1 is
  not halved; a level whose ``y`` and ``x`` cannot be halved ends the
  pyramid. New extents are ``n // 2`` (an odd last pixel is dropped, as
  ome-zarr-py and ngff-zarr do).
* The new level's scale is the previous one times the factor; its
  translation moves by half a previous pixel per halved axis
  (``t + (f - 1) / 2 * s``), the pixel-centre convention of ome-zarr-py
  and ngff-zarr.
* ``mean`` averages each block (rounded to the nearest integer for integer
  types, in float64 otherwise); ``nearest`` takes the block's first pixel;
  ``mode`` its most frequent value (the smallest on ties). Label images are
  always downsampled with ``mode``, or ``nearest`` if that was asked for.

Only multiscales whose levels map to one coordinate system by a ``scale``,
or a ``sequence`` of ``scale`` and ``translation``, are extended (NGFF
0.4/0.5 images, labels, plate fields and bioformats2raw series).

The planned documents are RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`):
new levels are :class:`~ngff_migrate.rfc8.model.SinglescaleNode` objects
appended to the multiscale nodes in place; nothing is parsed or serialised here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import UnsupportedError
from ..formats.common.paths import join
from ..formats.plan import DocumentPlan, MigrationPlan
from ..rfc8.model import (
    Attributes,
    CollectionNode,
    CoordinateTransformation,
    MultiscaleNode,
    Path,
    Reference,
    SinglescaleNode,
    SpecObject,
)
from .layout import ArrayLayout, plan_layout
from .options import ReencodeOptions

_LEGACY_LAYOUTS = ("ngff-image", "hcs-plate", "bioformats2raw", "tiff", "tiff-tiles")


@dataclass
class NewLevel:
    """One level to build: the array at ``rel`` from the level ``previous``
    (root-relative paths) by ``factors`` per axis, with ``method``; ``depth``
    1 reads the source's smallest level, deeper ones the level built before
    (or, for a source that is not Zarr, such as a TIFF, the output's copy of
    its smallest level)."""

    rel: str
    previous: str
    previous_format: int
    factors: tuple[int, ...]
    method: str
    depth: int
    target: ArrayLayout
    group: str


def downsample(block: Any, factors: tuple[int, ...], method: str) -> Any:
    """Downsample ``block`` (a numpy array whose shape is a whole multiple of
    ``factors``, axis by axis) by ``factors`` with ``mean``, ``nearest`` or
    ``mode``; the result has shape ``block.shape // factors`` and the dtype of
    ``block``."""
    import numpy as np

    if method == "nearest" or block.dtype == bool and method == "mean":
        return block[tuple(slice(None, None, f) for f in factors)]
    split: list[int] = []
    for n, f in zip(block.shape, factors, strict=True):
        split.extend((n // f, f))
    view = block.reshape(split)
    inner = tuple(range(1, 2 * len(factors), 2))
    if method == "mean":
        mean = view.mean(axis=inner, dtype=np.float64)
        if block.dtype.kind in "iu":
            return np.rint(mean).astype(block.dtype)
        return mean.astype(block.dtype)
    outer = tuple(range(0, 2 * len(factors), 2))
    flat = view.transpose(outer + inner).reshape(*view.shape[0::2], -1)
    ordered = np.sort(flat, axis=-1)
    counts = np.stack([(ordered == ordered[..., i:i + 1]).sum(axis=-1) for i in range(ordered.shape[-1])], -1)
    best = counts.argmax(axis=-1)  # the first maximum: the smallest most frequent value
    return np.take_along_axis(ordered, best[..., None], axis=-1)[..., 0]


def _get(value: Any, key: str) -> Any:
    """``key`` of a model object or of a JSON object (:meth:`SpecObject.get`); ``None``
    for anything else (a model position may hold raw JSON: :mod:`ngff_migrate.rfc8.model`)."""
    return value.get(key) if isinstance(value, (SpecObject, dict)) else None


def _transform(node: SinglescaleNode, where: str) -> tuple[list[float], list[float], str]:
    """``(scale, translation, output coordinate system id)`` of a singlescale node."""
    cts = _get(_get(node, "attributes"), "coordinateTransformations") or []
    if len(cts) != 1 or not isinstance(cts[0], (CoordinateTransformation, dict)):
        raise UnsupportedError(None, f"--levels: {where} has {len(cts)} coordinate transformations; "
                                     "only one (scale, or scale and translation) can be extended")
    ct = cts[0]
    steps = _get(ct, "transformations") if _get(ct, "type") == "sequence" else [ct]
    scale: list[float] | None = None
    translation: list[float] | None = None
    for step in steps or []:
        kind = _get(step, "type")
        if kind == "scale" and scale is None and translation is None:
            scale = [float(v) for v in _get(step, "scale") or []]
        elif kind == "translation" and translation is None:
            translation = [float(v) for v in _get(step, "translation") or []]
        else:
            raise UnsupportedError(None, f"--levels: {where} maps to its coordinate system by "
                                         f"{kind!r}; only scale and translation can be extended")
    if scale is None:
        raise UnsupportedError(None, f"--levels: {where} has no scale")
    return scale, translation or [0.0] * len(scale), _get(_get(ct, "output"), "id")


def _ids(value: Any, out: set[str]) -> set[str]:
    """Every string ``id`` anywhere in a model tree (or JSON), extra keys included."""
    if isinstance(value, SpecObject):
        for key, v in value.items():
            if key == "id" and isinstance(v, str):
                out.add(v)
            _ids(v, out)
    elif isinstance(value, dict):
        if isinstance(value.get("id"), str):
            out.add(value["id"])
        for v in value.values():
            _ids(v, out)
    elif isinstance(value, list):
        for v in value:
            _ids(v, out)
    return out


def _next_name(last: str, taken: set[str]) -> str:
    m = re.fullmatch(r"(.*?)(\d+)", last)
    stem, number = (m.group(1), int(m.group(2))) if m else (f"{last}-", 0)
    while True:
        number += 1
        if f"{stem}{number}" not in taken:
            return f"{stem}{number}"


def _multiscales(node: Any):
    """Every :class:`~ngff_migrate.rfc8.model.MultiscaleNode` with inline
    singlescale children, depth first."""
    children = node.nodes if isinstance(node, (CollectionNode, MultiscaleNode)) else None
    if isinstance(node, MultiscaleNode) and any(isinstance(n, SinglescaleNode) for n in children or []):
        yield node
    for child in children or []:
        yield from _multiscales(child)


def plan_levels(plan: MigrationPlan, options: ReencodeOptions, docs: dict[str, dict[str, Any]]) -> list[NewLevel]:
    """Add the missing levels of every multiscale of ``plan`` (in place: new
    :class:`~ngff_migrate.rfc8.model.SinglescaleNode` objects in the
    documents' :class:`~ngff_migrate.rfc8.model.MultiscaleNode` objects, new
    array documents) and return what to build, in building order (by depth).

    ``docs`` maps array paths to their output ``zarr.json`` documents (the
    re-encoded ones, or the carried ones).

    Raises
    ------
    UnsupportedError
        For an input family whose multiscales cannot be extended yet, or a
        level whose transformation is not a scale (and translation).
    """
    if plan.layout not in _LEGACY_LAYOUTS:
        raise UnsupportedError(plan.root, f"--levels is not supported yet for {plan.layout} inputs "
                                          "(NGFF 0.4/0.5 images, labels, plates and bioformats2raw only)")
    built: list[NewLevel] = []
    for doc in list(plan.documents):
        model = doc.model
        if model is None:
            continue
        taken = _ids(model, set())
        wanted = options
        if doc.rel in plan.level_targets:  # a pyramid the input family always builds (a tile set's overview)
            from dataclasses import replace

            wanted = replace(options, levels=plan.level_targets[doc.rel])
        for ms in list(_multiscales(model.root)):
            built.extend(_extend(plan, doc, ms, wanted, docs, taken))
    built.sort(key=lambda n: n.depth)
    return built


def _extend(plan: MigrationPlan, doc: DocumentPlan, ms: MultiscaleNode, options: ReencodeOptions,
            docs: dict[str, dict[str, Any]], taken: set[str]) -> list[NewLevel]:
    levels = [n for n in ms.nodes if isinstance(n, SinglescaleNode)]
    if len(levels) >= (options.levels or 0):
        return []
    where = f"multiscale {ms.id!r} in {doc.file}"
    last = levels[-1]
    last_path = (_get(_get(last, "path"), "path") or "").removeprefix("./")
    previous = join(doc.rel, last_path)
    if previous not in docs:
        raise UnsupportedError(None, f"--levels: {where}: its smallest level {last_path!r} is not an array "
                                     "of the dataset")
    scale, translation, cs_id = _transform(last, f"level {last_path!r} of {where}")
    systems = _get(ms.attributes, "coordinateSystems") or []
    axes = next((_get(cs, "axes") or [] for cs in systems if _get(cs, "id") == cs_id), [])
    spatial = [i for i, a in enumerate(axes) if _get(a, "type") == "space"]
    if len(spatial) < 2 or len(axes) != len(scale):
        raise UnsupportedError(None, f"--levels: {where} has fewer than two spatial axes")
    y, x = spatial[-2], spatial[-1]
    z = spatial[-3] if len(spatial) >= 3 else None
    label = isinstance(ms.attributes, Attributes) and "labels" in ms.attributes.fields_set
    method = ("nearest" if options.downsample == "nearest" else "mode") if label else options.downsample
    shape = list(docs[previous]["shape"])
    prev_format = next((a.source.zarr_format for a in plan.arrays if a.rel == previous), 3)
    # a level after one whose source is not Zarr (a TIFF) reads that level as written to the output:
    # it is built one depth later, after the output's level exists
    # (one phase later still when that source is itself written after other arrays: a tile set's overview)
    shift = max((1 + getattr(a.reader, "phase", 0) for a in plan.arrays if a.rel == previous and a.reader is not None),
                default=0)
    sibling_paths = {(_get(_get(n, "path"), "path") or "").removeprefix("./") for n in levels}
    out: list[NewLevel] = []
    name = last_path.rsplit("/", 1)[-1]
    for depth in range(1, (options.levels or 0) - len(levels) + 1):
        factors = [1] * len(shape)
        new_xy = {i: scale[i] * 2 for i in (y, x)}
        for i in (y, x):
            factors[i] = 2 if shape[i] >= 2 else 1
        if z is not None and shape[z] >= 2 and scale[z] < new_xy[y] and scale[z] < new_xy[x]:
            factors[z] = 2
        if factors[y] == factors[x] == 1:
            plan.warnings.append(f"--levels: {where} stops at {len(levels) + depth - 1} levels "
                                 "(its smallest level is 1 pixel in y and x)")
            break
        name = _next_name(name, taken | sibling_paths | _existing(plan, doc.rel))
        taken.add(name)
        rel = join(doc.rel, name)
        translation = [t + (f - 1) / 2 * s for t, f, s in zip(translation, factors, scale, strict=True)]
        scale = [s * f for s, f in zip(scale, factors, strict=True)]
        shape = [max(1, n // f) for n, f in zip(shape, factors, strict=True)]
        base = dict(docs[previous])
        base["shape"] = shape
        target = plan_layout(base, options, array=rel)
        plan.documents.append(DocumentPlan(rel=rel, node_type="array", document=target.document))
        ms.nodes.append(SinglescaleNode(
            id=name, name=name, path=Path(type="zarr", path=f"./{name}"),
            attributes=Attributes(coordinateTransformations=[CoordinateTransformation(
                type="sequence", input=Reference(id=name), output=Reference(id=cs_id),
                transformations=[CoordinateTransformation(type="scale", scale=scale),
                                 CoordinateTransformation(type="translation", translation=translation)])])))
        out.append(NewLevel(rel=rel, previous=previous, previous_format=prev_format if depth == 1 else 3,
                            factors=tuple(factors), method=method, depth=depth + shift, target=target,
                            group=doc.rel))
        plan.added_levels.setdefault(doc.rel, []).append(name)
        docs[rel] = target.document
        previous = rel
    return out


def _existing(plan: MigrationPlan, group: str) -> set[str]:
    """Names already used in the source directory of ``group``."""
    directory = plan.root / group if group else plan.root
    try:
        return {p.name for p in directory.iterdir()}
    except OSError:
        return set()


def level_regions(level: NewLevel, index: tuple[int, ...]) -> tuple[tuple[tuple[int, int], ...],
                                                                 tuple[tuple[int, int], ...]]:
    """``(target region, region of the previous level it is computed from)``
    of write unit ``index`` of ``level``."""
    region = level.target.region(index)
    source = tuple((a * f, b * f) for (a, b), f in zip(region, level.factors, strict=True))
    return region, source


def verify_levels(levels: list[NewLevel], source_root, target_root, *, mode: str,
                  sample_chunks: int) -> dict[str, Any]:
    """Re-read every new level (``full``: every write unit; ``sample``: the
    whole of the smallest one and ``sample_chunks`` seeded-random units of the
    others) and compare it with the downsample of the previous level as
    written (the source's level for the first new level).

    Raises
    ------
    VerificationError
        If a new level does not open or differs, naming its ``zarr.json`` in
        the output.
    """
    import random
    import zlib

    import numpy as np
    import zarr

    from ..errors import VerificationError
    from ..storage.zarrstore import zarr_store

    checked = units = 0
    last = {n.group: n.rel for n in levels}
    for level in levels:
        file = f"{level.rel}/zarr.json"
        try:
            out = zarr.open_array(zarr_store(target_root / level.rel), mode="r", zarr_format=3)
            if level.depth == 1:
                prev = zarr.open_array(zarr_store(source_root / level.previous), mode="r",
                                       zarr_format=level.previous_format)
            else:
                prev = zarr.open_array(zarr_store(target_root / level.previous), mode="r", zarr_format=3)
        except Exception as exc:
            raise VerificationError(target_root / file, f"the new level does not open: {exc}") from None
        every = list(level.target.units())
        if mode != "full" and last[level.group] != level.rel and len(every) > sample_chunks:
            rng = random.Random(zlib.crc32(level.rel.encode()))
            every = rng.sample(every, sample_chunks)
        for index in every:
            region, source = level_regions(level, index)
            want = downsample(prev[tuple(slice(a, b) for a, b in source)], level.factors, level.method)
            got = out[tuple(slice(a, b) for a, b in region)]
            if not np.array_equal(want, got, equal_nan=want.dtype.kind in "fc"):
                raise VerificationError(target_root / file, f"the new level differs from the {level.method} "
                                                            f"downsample of {level.previous} in unit {index}")
            units += 1
        checked += 1
    return {"levels": checked, "units_compared": units}


def level_bytes(levels: list[NewLevel]) -> int:
    """Decoded bytes of the levels to build."""
    return sum(math.prod(n.target.shape) * n.target.itemsize for n in levels)


__all__ = ["NewLevel", "downsample", "level_bytes", "level_regions", "plan_levels", "verify_levels"]
