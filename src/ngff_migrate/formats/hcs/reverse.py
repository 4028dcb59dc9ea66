"""The reverse map RFC-8 → NGFF 0.4 / 0.5 HCS plates (DESIGN §6).

Rebuilt from the output re-read from storage, and compared with the
recorded input:

* the plate group: ``plate.rows``/``columns`` (names from the RFC-8 rows
  and columns, extra keys from ``<prefix>:rows``/``columns``),
  ``acquisitions`` (the legacy objects from ``<prefix>:acquisitions``, where
  the translation carried them; else ``{id, name}`` from the RFC-8
  acquisitions), ``wells`` (one entry per inline well collection: ``path``
  from the row and column names or the carried ``path``, and every other
  key of the entry, ``rowIndex``/``columnIndex`` included, from
  ``<prefix>:plate-well``), every key of ``<prefix>:plate``
  (``name``, ``version``, ``field_count``, ...), other carried keys, the
  non-OME attributes, 0.5 ``ome.version``;
* every well group: ``well.images`` (``path`` from the field stub's Path
  object, ``acquisition`` from its RFC-8 reference mapped back to the legacy
  id, or the carried undeclared value, other carried field keys), the
  keys of ``<prefix>:well`` (``version``, ...), its non-OME attributes;
* row groups (plain groups), every field image with its labels and arrays
  (:mod:`ngff_migrate.formats.ngff_image.reverse`).

What "equal" means, beyond the image rules: well and field paths compare
POSIX-normalised (surrounding ``/`` removed); an acquisition ``name`` that is
null or empty is left out on both sides (mapped to "absent"); a 0.5 well's
``version`` compares as one value whether it was ``ome.version`` or
``well.version`` (the translation keeps one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...rfc8.ids import sanitize_id
from ..common.reverse import (
    Output,
    Trace,
    compare,
    drop_if,
    join,
    norm_path,
    relpath,
    target_of,
    unprefixed,
)
from ..common.reverse_zarr import fallback, group_documents
from ..ngff_image.reverse import ImageReverse

#: Carried plate keys the plate reconstruction uses itself.
_PLATE_KEYS = ("plate", "acquisitions", "rows", "columns", "well")
_ABSENT = object()


class PlateReverse:
    """Rebuilds a legacy plate, its wells and fields (into ``images.files``)."""

    def __init__(self, out: Output, plan, images: ImageReverse) -> None:
        self.out, self.images = out, images
        self.prefix, self.version = plan.prefix, plan.version

    def p(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def plate(self, *, layout: Any = _ABSENT, skip: tuple[str, ...] = ()) -> None:
        """Rebuild the plate at the root; ``layout`` adds ``bioformats2raw.layout``
        (a bioformats2raw container that is a plate), ``skip`` names carried
        keys that are not plate keys.

        Raises
        ------
        VerificationError
            If an output document is missing or unreadable.
        """
        file, top = "zarr.json", ("attributes", "ome")
        attrs = self.out.attributes("")
        root = self.out.ome("")
        a = root.get("attributes") or {}
        pa = a.get("plate") if isinstance(a.get("plate"), dict) else {}
        carried = unprefixed(a, self.prefix)
        trace = Trace(file, top)
        at_a = (*top, "attributes")
        plate: dict[str, Any] = {}
        names: dict[str, dict[Any, Any]] = {}
        for key in ("rows", "columns"):
            extras = {e.get("name"): e for e in carried.get(key) or [] if isinstance(e, dict)}
            entries = [e for e in pa.get(key) or [] if isinstance(e, dict)]
            plate[key] = [{**extras.get(e.get("name", e.get("id")), {}), "name": e.get("name", e.get("id"))}
                          for e in entries]
            names[key] = {e.get("id"): e.get("name", e.get("id")) for e in entries}
            trace.add(("plate", key), file, (*at_a, "plate", key))
        acquisitions, legacy_ids = _acquisitions(pa.get("acquisitions") or [], carried.get("acquisitions") or [])
        if acquisitions:
            plate["acquisitions"] = acquisitions
            trace.add(("plate", "acquisitions"), file, (*at_a, self.p("acquisitions")))
        wells = []
        for i, node in enumerate(root.get("nodes") or []):
            wa = node.get("attributes") or {}
            well = wa.get("well") if isinstance(wa.get("well"), dict) else {}
            w = dict(wa.get(self.p("well")) or {})
            e = dict(wa.get(self.p("plate-well")) or {})
            row = names["rows"].get((well.get("row") or {}).get("id"))
            column = names["columns"].get((well.get("column") or {}).get("id"))
            path = e.pop("path", f"{row}/{column}")
            entry = {"path": path, **e}
            wells.append(entry)
            trace.add(("plate", "wells", i), file, (*top, "nodes", i))
            self.well(norm_path(path, strip=True), node, (*top, "nodes", i), w, legacy_ids)
        plate["wells"] = wells
        for key, value in (carried.get("plate") or {}).items():
            plate[key] = value
            trace.add(("plate", key), file, (*at_a, self.p("plate"), key), True)
        content: dict[str, Any] = {"plate": plate}
        if layout is not _ABSENT:
            content["bioformats2raw.layout"] = layout
        for key, value in carried.items():
            if key not in _PLATE_KEYS and key not in skip:
                content[key] = value
                trace.add((key,), file, (*at_a, self.p(key)), True)
        other = {k: v for k, v in attrs.items() if k != "ome"}
        self.images.files.update(group_documents("", self.images.wanted, ome=content, other=other,
                                                 version=self.version, trace=trace, canon_ome=canon_plate))

    def well(self, rel: str, node: dict[str, Any], at: tuple, extra: dict[str, Any],
             legacy_ids: dict[Any, Any]) -> None:
        """Rebuild the well group at ``rel`` from its inline collection ``node``
        (at ``at`` in the plate document) and the fields it points to."""
        file = "zarr.json"
        trace = Trace(file, at)
        images = []
        for j, stub in enumerate(node.get("nodes") or []):
            sa = stub.get("attributes") or {}
            target = target_of("", stub.get("path"))
            image: dict[str, Any] = {"path": relpath(target, rel)}
            acq = sa.get("acquisition")
            if isinstance(acq, dict):
                image["acquisition"] = legacy_ids.get(acq.get("id"), acq.get("id"))
            image.update(unprefixed(sa, self.prefix))
            images.append(image)
            trace.add(("well", "images", j), file, (*at, "nodes", j))
            trace.add(("well", "images", j, "path"), file, (*at, "nodes", j, "path"))
            trace.add(("well", "images", j, "acquisition"), file, (*at, "nodes", j, "attributes"))
            self.images.image(target)
        well: dict[str, Any] = {"images": images, **extra}
        for key in extra:
            trace.add(("well", key), file, (*at, "attributes", self.p("well"), key), True)
        version = self.version
        if self.version != "0.4" and "version" in well:
            version = well.pop("version")
            trace.add(("version",), file, (*at, "attributes", self.p("well"), "version"))
        attrs = self.out.attributes(rel)
        other = {k: v for k, v in attrs.items() if k != "ome"}
        for key in other:
            trace.add((key,), join(rel, "zarr.json"), ("attributes", key), True)
        self.images.files.update(group_documents(rel, self.images.wanted, ome={"well": well}, other=other,
                                                 version=version, trace=trace, canon_ome=canon_well))


def _acquisitions(rfc: list[Any], carried: list[Any]) -> tuple[list[Any], dict[Any, Any]]:
    """The legacy acquisitions and the map RFC-8 id → legacy id.

    ``carried`` holds, in input order, the legacy objects the translation
    could not express (extra keys, ids that are not strings): a subsequence
    of ``rfc`` (matched by the id the translation derives from the legacy
    one). The others are ``{id, name}``, the RFC-8 id being the legacy id.
    """
    out: list[Any] = []
    ids: dict[Any, Any] = {}
    k = 0
    for e in rfc:
        if not isinstance(e, dict):
            out.append(e)
            continue
        c = carried[k] if k < len(carried) else None
        if isinstance(c, dict) and _derived(e.get("id"), c.get("id")):
            out.append(c)
            ids[e.get("id")] = c.get("id")
            k += 1
            continue
        entry = {"id": e.get("id"), **({"name": e["name"]} if "name" in e else {})}
        out.append(entry)
        ids[e.get("id")] = e.get("id")
    out.extend(carried[k:])  # never matched: reported as extra entries
    return out, ids


def _derived(rfc_id: Any, legacy_id: Any) -> bool:
    """Whether ``rfc_id`` is the id the translation allocates for ``legacy_id``
    (its text sanitised, possibly with a ``-N`` suffix)."""
    if not isinstance(rfc_id, str) or isinstance(legacy_id, dict | list):
        return False
    base = sanitize_id(str(legacy_id))
    return rfc_id == base or (rfc_id.startswith(base + "-") and rfc_id[len(base) + 1:].isdigit())


def canon_plate(content: Any, v3: bool) -> Any:
    """Comparison form of a plate (module docstring)."""
    if not isinstance(content, dict) or not isinstance(content.get("plate"), dict):
        return content
    plate = dict(content["plate"])
    if isinstance(plate.get("wells"), list):
        plate["wells"] = [{**w, "path": norm_path(w.get("path"), strip=True)} if isinstance(w, dict) else w
                          for w in plate["wells"]]
    if isinstance(plate.get("acquisitions"), list):
        acqs = []
        for acq in plate["acquisitions"]:
            acq = dict(acq) if isinstance(acq, dict) else acq
            drop_if(acq, "name", None, "")
            acqs.append(acq)
        plate["acquisitions"] = acqs
    return {**content, "plate": plate}


def canon_well(content: Any, v3: bool) -> Any:
    """Comparison form of a well (module docstring)."""
    if not isinstance(content, dict) or not isinstance(content.get("well"), dict):
        return content
    c, well = dict(content), dict(content["well"])
    if isinstance(well.get("images"), list):
        well["images"] = [{**i, "path": norm_path(i.get("path"), strip=True)} if isinstance(i, dict) else i
                          for i in well["images"]]
    if v3 and "version" in well and c.get("version", well["version"]) == well["version"]:
        c["version"] = well.pop("version")
    c["well"] = well
    return c


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild every legacy document of an HCS plate (plate, rows, wells,
    fields with their labels and arrays) from the output at ``target_root``
    and compare it with the input (module docstring).

    Returns the report entry of
    :func:`~ngff_migrate.formats.common.reverse.compare`.

    Raises
    ------
    VerificationError
        If an output document the reconstruction needs is missing or unreadable.
    """
    out = Output(target_root)
    images = ImageReverse(out, plan)
    PlateReverse(out, plan, images).plate()
    return compare(plan, images.files, fallback(out, images.wanted, plan.prefix))


__all__ = ["PlateReverse", "canon_plate", "canon_well", "reverse_map"]
