"""The NGFF 0.4 / 0.5 MUST rules that the spec's JSON schemas cannot express.

The schemas (``schemas/0.4``, ``schemas/0.5``) check types, required keys,
allowed values and counts; the rules below relate values to each other (the
length of a vector to the number of axes, a well path to the row and column
names, ...). Each rule quotes the sentence of the spec it checks (NGFF 0.4
``index.bs`` and 0.5 ``index.bs``, which say the same here). Pure functions on
the parsed document: they skip what is malformed, which the schema reports.

``problems(kind, ome)``: one ``location: message`` line per violation,
``ome`` being the OME metadata object (0.4: the ``.zattrs`` content; 0.5: the
``attributes.ome`` object), so locations are relative to it, as in the
readers' own errors.
"""

from __future__ import annotations

import json
from typing import Any

#: "The 'axes' MUST be ordered by 'type' where the 'time' axis must come first
#: (if present), followed by the 'channel' or custom axis (if present) and the
#: axes of type 'space'."
_RANK = {"time": 0, "space": 2}


def problems(kind: str, ome: Any) -> list[str]:
    """Violations of the rules for ``kind`` (``image``, ``image-label``, ``plate``)."""
    if not isinstance(ome, dict):
        return []
    if kind == "image":
        out: list[str] = []
        for i, entry in enumerate(_list(ome.get("multiscales"))):
            if isinstance(entry, dict):
                out += _multiscale(entry, f"multiscales[{i}]")
        return out
    if kind == "image-label":
        return _image_label(ome.get("image-label"))
    if kind == "plate":
        return _plate(ome.get("plate"))
    return []


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _duplicates(values: list) -> list:
    seen: list = []
    dups: list = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.append(v)
    return dups


# --------------------------------------------------------------------------- multiscales

def _multiscale(entry: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    axes = [a for a in _list(entry.get("axes")) if isinstance(a, dict)]
    if len(axes) == len(_list(entry.get("axes"))) and axes:
        # "MUST contain the field 'name' ... The values MUST be unique across all 'name' fields."
        dups = _duplicates([a.get("name") for a in axes if "name" in a])
        if dups:
            out.append(f"{where}.axes: axis names MUST be unique; repeated: {_short(dups)}")
        types = [a.get("type") for a in axes]
        # "MAY contain one additional entry of 'type:time' and MAY contain one additional
        # entry of 'type:channel' or a null / custom type."
        if types.count("time") > 1:
            out.append(f"{where}.axes: at most one axis of type 'time' is allowed, found {types.count('time')}")
        other = [t for t in types if t not in ("time", "space")]
        if len(other) > 1:
            out.append(f"{where}.axes: at most one axis of type 'channel' or a custom type is allowed, "
                       f"found {len(other)} ({_short(other)})")
        ranks = [_RANK.get(t, 1) if isinstance(t, str) or t is None else 1 for t in types]
        if ranks != sorted(ranks):
            out.append(f"{where}.axes: axes MUST be ordered time, then channel or custom, then space; "
                       f"found types {_short(types)}")
    n = len(_list(entry.get("axes")))
    if "coordinateTransformations" in entry:
        out += _transforms(entry["coordinateTransformations"], f"{where}.coordinateTransformations", n)
    scales: list[tuple[int, list]] = []
    for j, ds in enumerate(_list(entry.get("datasets"))):
        if isinstance(ds, dict) and "coordinateTransformations" in ds:
            loc = f"{where}.datasets[{j}].coordinateTransformations"
            out += _transforms(ds["coordinateTransformations"], loc, n)
            scale = _scale_vector(ds["coordinateTransformations"])
            if scale is not None and len(scale) == n:
                scales.append((j, scale))
    # "The 'path's MUST be ordered from largest (i.e. highest resolution) to smallest":
    # a later level has no smaller scale on any axis (the scale is the pixel size, or the
    # factor relative to the first level).
    for (j0, s0), (j1, s1) in zip(scales, scales[1:], strict=False):
        smaller = [k for k in range(n) if _num(s0[k]) and _num(s1[k]) and s1[k] < s0[k]]
        if smaller:
            out.append(f"{where}.datasets[{j1}].coordinateTransformations: datasets MUST be ordered from the "
                       f"highest resolution to the lowest, but its scale {_short(s1)} is smaller than that "
                       f"of datasets[{j0}] {_short(s0)} on axis {smaller[0]}")
    return out


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _scale_vector(items: Any) -> list | None:
    for t in _list(items):
        if isinstance(t, dict) and t.get("type") == "scale" and isinstance(t.get("scale"), list):
            return t["scale"]
    return None


def _transforms(items: Any, where: str, n: int) -> list[str]:
    """'MUST contain exactly one scale transformation ... MAY contain exactly one
    translation ... If translation is given it MUST be listed after scale ...
    The length of the scale and translation array MUST be the same as the length
    of axes.' (exactly one scale and the allowed types are in the schema)."""
    out: list[str] = []
    items = _list(items)
    types = [t.get("type") if isinstance(t, dict) else None for t in items]
    if types.count("translation") > 1:
        out.append(f"{where}: at most one 'translation' is allowed, found {types.count('translation')}")
    if "translation" in types and "scale" in types and types.index("translation") < types.index("scale"):
        out.append(f"{where}: the 'translation' MUST be listed after the 'scale'")
    for k, t in enumerate(items):
        if not isinstance(t, dict) or t.get("type") not in ("scale", "translation"):
            continue
        vector = t.get(t["type"])
        if isinstance(vector, list) and n and len(vector) != n:
            out.append(f"{where}[{k}].{t['type']}: has {len(vector)} values but there are {n} axes "
                       f"(the length MUST equal the number of axes)")
    return out


# --------------------------------------------------------------------------- image-label

def _image_label(label: Any) -> list[str]:
    """'All label-values must be unique' (of ``colors``)."""
    if not isinstance(label, dict):
        return []
    values = [c.get("label-value") for c in _list(label.get("colors")) if isinstance(c, dict) and "label-value" in c]
    dups = _duplicates(values)
    if dups:
        return [f"image-label.colors: label-value MUST be unique; repeated: {_short(dups)}"]
    return []


# --------------------------------------------------------------------------- plate

def _plate(plate: Any) -> list[str]:
    if not isinstance(plate, dict):
        return []
    out: list[str] = []
    names = {}
    for key in ("rows", "columns"):
        entries = _list(plate.get(key))
        names[key] = [e.get("name") if isinstance(e, dict) else None for e in entries]
        # "The name ... MUST NOT be a duplicate of any other name in the rows / columns list."
        dups = _duplicates([v for v in names[key] if isinstance(v, str)])
        if dups:
            out.append(f"plate.{key}: names MUST NOT be duplicates; repeated: {_short(dups)}")
    # acquisitions: "an id key providing an unique identifier within the context of the plate"
    ids = [a.get("id") for a in _list(plate.get("acquisitions")) if isinstance(a, dict) and "id" in a]
    dups = _duplicates(ids)
    if dups:
        out.append(f"plate.acquisitions: ids MUST be unique; repeated: {_short(dups)}")
    rows, cols = names["rows"], names["columns"]
    for i, well in enumerate(_list(plate.get("wells"))):
        if not isinstance(well, dict) or not isinstance(well.get("path"), str):
            continue
        where = f"plate.wells[{i}]"
        path = well["path"]
        # "The path MUST consist of a name in the rows list, a file separator (/), and a
        # name from the columns list, in that order."
        parts = path.split("/")
        if len(parts) != 2:
            continue  # the schema's pattern reports it
        row, col = parts
        if row not in rows or col not in cols:
            missing = [f"row {row!r}"] * (row not in rows) + [f"column {col!r}"] * (col not in cols)
            out.append(f"{where}.path: {path!r} MUST be '<row name>/<column name>' from the plate's rows and "
                       f"columns, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not declared")
            continue
        # "The rowIndex, columnIndex, and path MUST all refer to the same row/column pair."
        ri, ci = well.get("rowIndex"), well.get("columnIndex")
        if _index(ri, rows) and rows[ri] != row:
            out.append(f"{where}: rowIndex {ri} is row {rows[ri]!r} but the path {path!r} names row {row!r}")
        if _index(ci, cols) and cols[ci] != col:
            out.append(f"{where}: columnIndex {ci} is column {cols[ci]!r} but the path {path!r} names column {col!r}")
        for key, value, lst in (("rowIndex", ri, rows), ("columnIndex", ci, cols)):
            if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value < len(lst):
                out.append(f"{where}.{key}: {value} is not an index into the plate's "
                           f"{'rows' if key == 'rowIndex' else 'columns'} (0 to {len(lst) - 1})")
    return out


def _index(value: Any, lst: list) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(lst)
