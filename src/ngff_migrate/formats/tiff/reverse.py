"""The reverse map RFC-8 → what was read from a TIFF file (DESIGN §6; docs/tiff.md, "Verification").

The read stage's findings are recorded as one input (``MigrationPlan.inputs``,
under the TIFF's file name): per series its name, tifffile axes, data type,
the shape of every level (file axis order), the physical size and unit of
each spatial and time axis as the translation used them (the file's, or
``--pixel-size``/``--unit``), and the channel names. The same summary is
rebuilt from the output re-read from storage: the series documents (the root,
or the stubs of the root collection), their coordinate systems (units), the
scale of level 0, the carried ``<prefix>:tiff`` (axes, flavour) and
``<prefix>:omero`` (channel names), and the shape and data type of every
level array's ``zarr.json``, put back into the file's axis order. Levels a
re-encode added (the default pyramid, ``--levels``) are left out; the file's
size and modification time are not compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import VerificationError
from ..common.reverse import Output, Rebuilt, Trace, compare, target_of
from .translate import axis_order


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild the TIFF summary from the output at ``target_root`` and compare
    it with the one recorded when the file was read (module docstring).

    Returns the report entry of :func:`~ngff_migrate.formats.common.reverse.compare`.

    Raises
    ------
    VerificationError
        If an output document the reconstruction needs is missing, unreadable,
        or lacks the carried ``<prefix>:tiff`` attribute.
    """
    out = Output(Path(target_root))
    key = f"{plan.prefix}:tiff"
    root = out.ome("")
    if root.get("type") == "collection":
        series = [target_of("", stub.get("path")) for stub in root.get("nodes") or []]
        flavour = ((root.get("attributes") or {}).get(key) or {}).get("flavour")
    else:
        series = [""]
        flavour = None
    rebuilt: dict[str, Any] = {"flavour": flavour, "series": []}
    trace = Trace("zarr.json", ("attributes", "ome"))
    for n, rel in enumerate(series):
        node = out.ome(rel)
        attrs = node.get("attributes") or {}
        tiff = attrs.get(key)
        if not isinstance(tiff, dict) or not isinstance(tiff.get("axes"), str):
            raise VerificationError(out.root / rel / "zarr.json", f"no {key!r} with the file's axes at attributes.ome")
        if flavour is None:
            rebuilt["flavour"] = tiff.get("flavour")
        rebuilt["series"].append(rebuild_series(out, rel, node, tiff, plan.added_levels.get(rel, []), plan.prefix))
        trace.add(("series", n), f"{rel}/zarr.json" if rel else "zarr.json", ("attributes", "ome"))
    file = next((f for f in plan.inputs if not f.startswith("/")), plan.root.name)
    return compare(plan, {file: Rebuilt(rebuilt, trace, canon=_canon, ome=True)},
                   lambda f: Rebuilt({}, Trace("zarr.json")))


def _canon(doc: Any) -> Any:
    return {k: v for k, v in doc.items() if k != "file"} if isinstance(doc, dict) else doc


def rebuild_series(out: Output, rel: str, node: dict[str, Any], tiff: dict[str, Any], added: list[str],
                   prefix: str) -> dict[str, Any]:
    """One series' summary rebuilt from the output: the multiscale ``node`` of the
    document at ``rel`` and its carried ``<prefix>:tiff`` (``tiff``), leaving out the
    levels a re-encode ``added``. Returns ``{"name", "axes", "dtype", "shapes",
    "physical", "channels"}``: shapes in the file's axis order (tifffile letters),
    pixel sizes as ``[value, NGFF unit]`` from level 0's scale, per letter.

    Raises
    ------
    VerificationError
        If a level's array document is missing or unreadable (from :class:`Output`)."""
    axes = tiff["axes"]
    _, order = axis_order(axes, where=str(out.root / rel))
    attrs = node.get("attributes") or {}
    systems = attrs.get("coordinateSystems") or [{}]
    cs_axes = systems[0].get("axes") or []
    levels = [lv for lv in node.get("nodes") or [] if lv.get("name") not in added]
    shapes, dtype, physical = [], None, {}
    for k, level in enumerate(levels):
        arel = target_of(rel, level.get("path"))
        meta = out.zarr(arel)
        shape = list(meta.get("shape") or [])
        file_shape = [0] * len(shape)
        for j, i in enumerate(order):
            if j < len(shape):
                file_shape[i] = shape[j]
        shapes.append(file_shape)
        dtype = dtype or meta.get("data_type")
        if k == 0:
            ct = ((level.get("attributes") or {}).get("coordinateTransformations") or [{}])[0]
            scale = ct.get("scale") or next((t.get("scale") for t in ct.get("transformations") or []
                                             if t.get("type") == "scale"), [])
            for j, axis in enumerate(cs_axes):
                if axis.get("type") in ("space", "time") and j < len(scale) and j < len(order):
                    letter = axes[order[j]]
                    letter = "Z" if letter in "IQ" else letter
                    if letter in tiff.get("physical", {}):
                        physical[letter] = [scale[j], axis.get("unit")]
    channels = [ch.get("label") for ch in ((attrs.get(f"{prefix}:omero") or {}).get("channels") or [])]
    return {"name": node.get("name"), "axes": axes, "dtype": dtype, "shapes": shapes, "physical": physical,
            "channels": channels}


__all__ = ["rebuild_series", "reverse_map"]
