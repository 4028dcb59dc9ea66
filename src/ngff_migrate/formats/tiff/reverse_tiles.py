"""The reverse map RFC-8 → what was read from a TIFF tile set (DESIGN §6; docs/tiff.md, "Tile sets").

Each tile's findings are recorded as one input (``MigrationPlan.inputs``,
under the tile's file name): its series summary as for a single TIFF
(:mod:`.reverse`) plus its position in the scene (the translation's
spatial entries, in the tiles' unit). They are rebuilt from the output: the
tile documents the root collection's stubs point to, and, for each, the
``translation`` of ``attributes.scene`` whose input path names it. The
overview multiscale (``--overview``) is not a tile and is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import VerificationError
from ..common.reverse import Output, Rebuilt, Trace, compare, target_of
from .reverse import rebuild_series

#: the attribute (``<prefix>:<ROLE_KEY>``) that marks the overview stub and document
ROLE_KEY = "role"
OVERVIEW_ROLE = "overview"


def reverse_tiles(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild every tile's summary and position from the output at
    ``target_root`` and compare them with what was read (module docstring).

    Raises
    ------
    VerificationError
        If a document the reconstruction needs is missing or unreadable, a
        tile document lacks the carried ``<prefix>:tiff``, or a tile has no
        translation in the scene.
    """
    out = Output(Path(target_root))
    key = f"{plan.prefix}:tiff"
    root = out.ome("")
    attrs = root.get("attributes") or {}
    scene = attrs.get("scene") or {}
    by_path: dict[str, dict[str, Any]] = {}
    for t in scene.get("coordinateTransformations") or []:
        path = ((t.get("input") or {}).get("path") or {})
        by_path[target_of("", path)] = t
    rebuilt: dict[str, Rebuilt] = {}
    for stub in root.get("nodes") or []:
        if ((stub.get("attributes") or {}).get(f"{plan.prefix}:{ROLE_KEY}")) == OVERVIEW_ROLE:
            continue
        rel = target_of("", stub.get("path"))
        node = out.ome(rel)
        tiff = (node.get("attributes") or {}).get(key)
        if not isinstance(tiff, dict) or not isinstance(tiff.get("file"), str):
            raise VerificationError(out.root / rel / "zarr.json", f"no {key!r} naming the tile's file")
        transform = by_path.get(rel)
        if transform is None:
            raise VerificationError(out.root / "zarr.json", f"attributes.ome.attributes.scene: no translation "
                                                            f"places the tile {rel!r}")
        series = rebuild_series(out, rel, node, tiff, plan.added_levels.get(rel, []), plan.prefix)
        axes = ((node.get("attributes") or {}).get("coordinateSystems") or [{}])[0].get("axes") or []
        spatial = [j for j, a in enumerate(axes) if a.get("type") == "space"]
        values = transform.get("translation") or []
        position = [values[j] for j in spatial if j < len(values)]
        trace = Trace(f"{rel}/zarr.json", ("attributes", "ome"))
        trace.add(("position",), "zarr.json", ("attributes", "ome", "attributes", "scene",
                                               "coordinateTransformations"))
        rebuilt[tiff["file"]] = Rebuilt({"flavour": tiff.get("flavour"), "series": [series], "position": position},
                                        trace, canon=_canon, ome=True)
    return compare(plan, rebuilt, lambda f: _missing(out, f))


def _missing(out: Output, file: str) -> Rebuilt:
    raise VerificationError(out.root / "zarr.json", f"no tile document rebuilds the input tile {file!r}")


def _canon(doc: Any) -> Any:
    return {k: v for k, v in doc.items() if k != "file"} if isinstance(doc, dict) else doc


__all__ = ["OVERVIEW_ROLE", "ROLE_KEY", "reverse_tiles"]
