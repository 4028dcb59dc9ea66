"""Checks of OME-Zarr 0.6 (RFC-5) metadata: what makes a 0.6 document invalid.

ome-zarr-models validates 0.4/0.5 only, so the 0.6 rules are checked here,
following the 0.6rc0 specification text and its JSON schemas
(``ome/ngff-spec`` @ 277f209): coordinate systems and axes, the parameters of
every transformation type, label colors/properties, plate and well fields.
Each function returns problems as ``"<location>: <what is wrong>"`` lines
(empty when valid); the readers decide whether a problem is an error
(strict) or a warning (``--lenient``).

Dimensions (``n_in``/``n_out``) are numbers of axes; ``None`` when unknown
(nested transformations inside a ``sequence``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: RFC-5 transformation types (0.6 §"coordinateTransformations").
TRANSFORM_TYPES = ("identity", "mapAxis", "projectAxis", "translation", "scale", "affine",
                   "rotation", "sequence", "displacements", "coordinates", "bijection",
                   "byDimension")
#: Types whose parameters may live in a Zarr array (``path``) in 0.6.
PATH_PARAMETER_TYPES = ("affine", "rotation", "displacements", "coordinates")
#: 0.6 plate row/column names (0.6 §"plate": alphanumeric).
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
#: 0.6 well image paths (0.6 §"well": Zarr node name characters).
_FIELD_PATH = re.compile(r"^[A-Za-z0-9_.-]+$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(_is_number(v) for v in value)


def _matrix(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_numbers(row) and row for row in value)


def _named_objects(items: list[Any], where: str, what: str, problems: list[str]):
    """Yield ``(location, object)`` for every object of ``items``, appending
    a problem for an entry that is not an object (skipped), has no non-empty
    string ``name``, or repeats a name. ``what`` is worded with its article
    (``"an axis"``)."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        loc = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{loc}: {what} must be an object")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{loc}: {what} needs a non-empty string 'name'")
        elif name in seen:
            problems.append(f"{loc}: {what.split(' ', 1)[1]} name {name!r} is repeated")
        else:
            seen.add(name)
        yield loc, item


def check_axes(axes: Any, where: str, *, rfc3: bool = False) -> list[str]:
    """Problems of an ``axes`` array (0.6 §"axes", ``axes.schema``).

    Every axis is an object with a non-empty string ``name`` (unique);
    ``type``/``unit``/``longName`` are strings and ``discrete`` a boolean.
    Unless ``rfc3`` (0.9.dev1 lifts the axis model restrictions), there are
    1 to 5 axes and either 2-3 axes of type ``space`` or at least 2 of type
    ``array`` (the schema's ``oneOf``).
    """
    if not isinstance(axes, list) or not axes:
        return [f"{where}: 'axes' must be a non-empty array"]
    problems: list[str] = []
    for loc, axis in _named_objects(axes, where, "an axis", problems):
        for key in ("type", "unit", "longName"):
            if key in axis and not isinstance(axis[key], str):
                problems.append(f"{loc}.{key}: must be a string, got {axis[key]!r}")
        if "discrete" in axis and not isinstance(axis["discrete"], bool):
            problems.append(f"{loc}.discrete: must be a boolean, got {axis['discrete']!r}")
    if problems or rfc3:
        return problems
    if len(axes) > 5:
        problems.append(f"{where}: {len(axes)} axes; 0.6 allows at most 5")
    types = [a.get("type") for a in axes]
    space, array = types.count("space"), types.count("array")
    if (2 <= space <= 3) == (array >= 2):
        problems.append(f"{where}: needs 2 or 3 axes of type 'space' (or at least 2 of type 'array'); "
                        f"found {space} space and {array} array axes")
    return problems


def check_coordinate_systems(systems: Any, where: str, *, rfc3: bool = False) -> list[str]:
    """Problems of a ``coordinateSystems`` array: objects with a unique
    non-empty ``name`` and valid ``axes`` (0.6 §"coordinateSystems")."""
    if not isinstance(systems, list) or not systems:
        return [f"{where}: 'coordinateSystems' must be a non-empty array"]
    problems: list[str] = []
    for loc, system in _named_objects(systems, where, "a coordinate system", problems):
        problems += check_axes(system.get("axes"), f"{loc}.axes", rfc3=rfc3)
    return problems


def _dims_problem(where: str, what: str, got: int, expected: int | None) -> list[str]:
    if expected is None or got == expected:
        return []
    return [f"{where}: {what} has {got} values but the coordinate system has {expected} axes"]


def _unique_indices(value: Any, where: str, key: str, bound: int | None) -> list[str]:
    if not isinstance(value, list) or not value or not all(_is_int(v) and v >= 0 for v in value):
        return [f"{where}.{key}: must be a non-empty array of axis indices (integers >= 0)"]
    if len(set(value)) != len(value):
        return [f"{where}.{key}: indices must be unique, got {value}"]
    if bound is not None and max(value) >= bound:
        return [f"{where}.{key}: index {max(value)} is out of range for {bound} axes"]
    return []


def check_transform(t: Any, where: str, *, n_in: int | None = None, n_out: int | None = None,
                    rfc3: bool = False) -> list[str]:
    """Problems of one transformation's type and parameters (0.6 §"Transformation types").

    ``input``/``output`` are not checked here (their form depends on where
    the transformation sits; see :mod:`ngff_migrate.formats.ngff06.read`).
    Nested transformations (``sequence``, ``bijection``, ``byDimension``)
    are checked recursively.
    """
    if not isinstance(t, dict):
        return [f"{where}: a transformation must be an object"]
    kind = t.get("type")
    if "name" in t and not isinstance(t["name"], str):
        return [f"{where}.name: must be a string"]
    if kind not in TRANSFORM_TYPES:
        return [f"{where}.type: {kind!r} is not an RFC-5 transformation type"]
    same = n_in if n_in is not None else n_out
    if kind == "identity":
        return []
    if kind in ("translation", "scale", "rotation", "mapAxis", "bijection") and None not in (n_in, n_out) \
            and n_in != n_out:
        return [f"{where}: a {kind} needs input and output systems of equal dimension ({n_in} != {n_out})"]
    if kind in ("translation", "scale"):
        if "path" in t:
            return [f"{where}: a {kind} takes its parameters as a JSON array ('{kind}'); "
                    f"'path' is not allowed for {kind} in 0.6"]
        values = t.get(kind)
        if not _numbers(values) or not values:
            return [f"{where}.{kind}: must be a non-empty array of numbers"]
        return _dims_problem(f"{where}.{kind}", kind, len(values), same)
    if kind == "mapAxis":
        values = t.get("mapAxis")
        if not isinstance(values, list) or not values or not all(_is_int(v) for v in values):
            return [f"{where}.mapAxis: must be a non-empty array of axis indices"]
        if sorted(values) != list(range(len(values))):
            return [f"{where}.mapAxis: {values} is not a permutation of 0..{len(values) - 1}"]
        return _dims_problem(f"{where}.mapAxis", "mapAxis", len(values), same)
    if kind == "projectAxis":
        if "droppedInputs" not in t and "createdOutputs" not in t:
            return [f"{where}: a projectAxis needs 'droppedInputs' or 'createdOutputs'"]
        problems = []
        dropped, created = t.get("droppedInputs", []), t.get("createdOutputs", [])
        if "droppedInputs" in t:
            problems += _unique_indices(dropped, where, "droppedInputs", n_in)
        if "createdOutputs" in t:
            problems += _unique_indices(created, where, "createdOutputs", n_out)
        if not problems and None not in (n_in, n_out) and n_in - len(dropped) + len(created) != n_out:
            problems.append(f"{where}: dropping {len(dropped)} of {n_in} input axes and creating "
                            f"{len(created)} does not give the {n_out} output axes")
        return problems
    if kind in ("affine", "rotation"):
        has_path, has_values = "path" in t, kind in t
        if has_path == has_values:
            article = "an" if kind == "affine" else "a"
            return [f"{where}: {article} {kind} needs exactly one of '{kind}' (JSON) and 'path' (a Zarr array)"]
        if has_path:
            return [] if isinstance(t["path"], str) and t["path"] else [f"{where}.path: must be a non-empty string"]
        matrix = t[kind]
        if not _matrix(matrix):
            return [f"{where}.{kind}: must be a 2D array of numbers (rows of columns)"]
        rows, cols = len(matrix), {len(r) for r in matrix}
        if len(cols) != 1:
            return [f"{where}.{kind}: rows have different lengths"]
        (ncols,) = cols
        if kind == "rotation":
            if rows != ncols:
                return [f"{where}.rotation: a rotation matrix must be square, got {rows}x{ncols}"]
            return _dims_problem(f"{where}.rotation", "the rotation matrix", rows, same)
        problems = _dims_problem(f"{where}.affine", "the affine matrix (rows)", rows, n_out)
        if n_in is not None and ncols != n_in + 1:
            problems.append(f"{where}.affine: {ncols} columns; an affine from {n_in} axes needs {n_in + 1}")
        return problems
    if kind in ("displacements", "coordinates"):
        if not isinstance(t.get("path"), str) or not t["path"]:
            return [f"{where}.path: a {kind} transformation needs the path of its field array"]
        if "interpolation" in t and not isinstance(t["interpolation"], str):
            return [f"{where}.interpolation: must be a string"]
        return []
    if kind == "sequence":
        items = t.get("transformations")
        if not isinstance(items, list) or not items:
            return [f"{where}.transformations: a sequence needs a non-empty array of transformations"]
        problems = []
        for i, inner in enumerate(items):
            first, last = i == 0, i == len(items) - 1
            problems += check_transform(inner, f"{where}.transformations[{i}]",
                                        n_in=n_in if first and last else None,
                                        n_out=n_out if first and last else None, rfc3=rfc3)
        return problems
    if kind == "bijection":
        problems = []
        for key, (a, b) in (("forward", (n_in, n_out)), ("inverse", (n_out, n_in))):
            if key not in t:
                problems.append(f"{where}: a bijection needs '{key}'")
            else:
                problems += check_transform(t[key], f"{where}.{key}", n_in=a, n_out=b, rfc3=rfc3)
        return problems
    # byDimension
    items = t.get("transformations")
    if not isinstance(items, list) or not items:
        return [f"{where}.transformations: a byDimension needs a non-empty array"]
    problems = []
    outputs: list[int] = []
    for i, item in enumerate(items):
        loc = f"{where}.transformations[{i}]"
        if not isinstance(item, dict) or "transformation" not in item:
            problems.append(f"{loc}: needs 'transformation', 'inputAxes' and 'outputAxes'")
            continue
        axes_ok = True
        for key, bound in (("inputAxes", n_in), ("outputAxes", n_out)):
            value = item.get(key)
            if not isinstance(value, list) or not value or not all(_is_int(v) and v >= 0 for v in value):
                problems.append(f"{loc}.{key}: must be a non-empty array of axis indices (integers)")
                axes_ok = False
            elif bound is not None and max(value) >= bound:
                problems.append(f"{loc}.{key}: index {max(value)} is out of range for {bound} axes")
                axes_ok = False
        if not axes_ok:
            continue
        outputs += item["outputAxes"]
        problems += check_transform(item["transformation"], f"{loc}.transformation",
                                    n_in=len(item["inputAxes"]), n_out=len(item["outputAxes"]), rfc3=rfc3)
    if not problems and len(set(outputs)) != len(outputs):
        problems.append(f"{where}.transformations: an output axis appears in more than one outputAxes")
    if not problems and n_out is not None and sorted(outputs) != list(range(n_out)):
        problems.append(f"{where}.transformations: every output axis must appear in exactly one outputAxes")
    return problems


def parameter_paths(t: Any) -> Iterable[tuple[str, str]]:
    """``(location suffix, path)`` of every parameter array a transformation
    (and its nested ones) reads (RFC-5 ``path``)."""
    if not isinstance(t, dict):
        return
    if isinstance(t.get("path"), str) and t.get("type") in PATH_PARAMETER_TYPES:
        yield "", t["path"]
    for key in ("forward", "inverse"):
        for loc, path in parameter_paths(t.get(key)):
            yield f".{key}{loc}", path
    inners = t.get("transformations")
    for i, inner in enumerate(inners if isinstance(inners, list) else []):
        target = inner.get("transformation") if isinstance(inner, dict) and "transformation" in inner else inner
        suffix = f".transformations[{i}]" + (".transformation" if target is not inner else "")
        for loc, path in parameter_paths(target):
            yield f"{suffix}{loc}", path


def check_omero(omero: Any, where: str = "omero") -> list[str]:
    """Problems of the transitional ``omero`` object (0.6 §"omero",
    ``image.schema``): ``channels`` is an array; a channel's ``window`` has
    numeric ``start``/``end``/``min``/``max``; ``color``/``label``/``family``
    are strings and ``active`` a boolean."""
    if not isinstance(omero, dict) or not isinstance(omero.get("channels"), list):
        return [f"{where}: must be an object with a 'channels' array"]
    problems = []
    for i, channel in enumerate(omero["channels"]):
        loc = f"{where}.channels[{i}]"
        if not isinstance(channel, dict):
            problems.append(f"{loc}: must be an object")
            continue
        for key in ("color", "label", "family"):
            if key in channel and not isinstance(channel[key], str):
                problems.append(f"{loc}.{key}: must be a string, got {channel[key]!r}")
        if "active" in channel and not isinstance(channel["active"], bool):
            problems.append(f"{loc}.active: must be a boolean")
        window = channel.get("window")
        if "window" in channel:
            if not isinstance(window, dict):
                problems.append(f"{loc}.window: must be an object")
                continue
            for key in ("start", "end", "min", "max"):
                if not _is_number(window.get(key)):
                    problems.append(f"{loc}.window.{key}: must be a number, got {window.get(key)!r}")
    return problems


def check_label(meta: Any, where: str = "image-label") -> list[str]:
    """Problems of an ``image-label`` object (0.6 §"labels", ``label.schema``):
    non-empty ``colors``/``properties`` with integer ``label-value``s, no
    repeated color entry, ``rgba`` four integers 0-255, ``source.image`` a
    string."""
    if not isinstance(meta, dict):
        return [f"{where}: must be an object"]
    problems = []
    for key in ("colors", "properties"):
        if key not in meta:
            continue
        entries = meta[key]
        if not isinstance(entries, list) or not entries:
            problems.append(f"{where}.{key}: must be a non-empty array")
            continue
        seen: list[Any] = []
        for i, entry in enumerate(entries):
            loc = f"{where}.{key}[{i}]"
            if not isinstance(entry, dict) or not _is_int(entry.get("label-value")):
                problems.append(f"{loc}: needs an integer 'label-value'")
                continue
            if key == "colors":
                if entry in seen:
                    problems.append(f"{loc}: repeats an earlier color entry")
                seen.append(entry)
                rgba = entry.get("rgba")
                if rgba is not None and not (isinstance(rgba, list) and len(rgba) == 4
                                             and all(_is_int(c) and 0 <= c <= 255 for c in rgba)):
                    problems.append(f"{loc}.rgba: must be four integers between 0 and 255, got {rgba!r}")
    source = meta.get("source")
    if source is not None and (not isinstance(source, dict) or
                               ("image" in source and not isinstance(source["image"], str))):
        problems.append(f"{where}.source: must be an object whose 'image' is a string path")
    return problems


def _named_entries(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        return [f"{where}: must be a non-empty array"]
    problems, seen = [], set()
    for i, item in enumerate(value):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(f"{where}[{i}]: needs a string 'name'")
        elif not _ALNUM.match(name):
            problems.append(f"{where}[{i}].name: {name!r} is not alphanumeric")
        elif name in seen:
            problems.append(f"{where}[{i}].name: {name!r} is repeated")
        else:
            seen.add(name)
    return problems


def check_plate(plate: Any, where: str = "plate") -> list[str]:
    """Problems of a ``plate`` object (0.6 §"plate", ``plate.schema``)."""
    if not isinstance(plate, dict):
        return [f"{where}: must be an object"]
    problems = _named_entries(plate.get("rows"), f"{where}.rows")
    problems += _named_entries(plate.get("columns"), f"{where}.columns")
    if "field_count" in plate and not (_is_int(plate["field_count"]) and plate["field_count"] > 0):
        problems.append(f"{where}.field_count: must be a positive integer")
    acquisitions = plate.get("acquisitions", [])
    if not isinstance(acquisitions, list):
        problems.append(f"{where}.acquisitions: must be an array")
        acquisitions = []
    ids = []
    for i, acq in enumerate(acquisitions):
        loc = f"{where}.acquisitions[{i}]"
        if not isinstance(acq, dict) or not _is_int(acq.get("id")) or acq["id"] < 0:
            problems.append(f"{loc}.id: must be an integer >= 0")
            continue
        ids.append(acq["id"])
        if "maximumfieldcount" in acq and not (_is_int(acq["maximumfieldcount"]) and acq["maximumfieldcount"] > 0):
            problems.append(f"{loc}.maximumfieldcount: must be a positive integer")
        for key in ("starttime", "endtime"):
            if key in acq and not (_is_int(acq[key]) and acq[key] >= 0):
                problems.append(f"{loc}.{key}: must be an integer epoch timestamp >= 0")
        for key in ("name", "description"):
            if key in acq and not isinstance(acq[key], str):
                problems.append(f"{loc}.{key}: must be a string")
    if len(set(ids)) != len(ids):
        problems.append(f"{where}.acquisitions: ids must be unique")
    wells = plate.get("wells")
    if not isinstance(wells, list) or not wells:
        problems.append(f"{where}.wells: must be a non-empty array")
        return problems
    for i, well in enumerate(wells):
        loc = f"{where}.wells[{i}]"
        if not isinstance(well, dict):
            problems.append(f"{loc}: must be an object")
            continue
        path = well.get("path")
        if isinstance(path, str) and not re.match(r"^[A-Za-z0-9]+/[A-Za-z0-9]+$", path):
            problems.append(f"{loc}.path: {path!r} is not '<row>/<column>'")
        for key in ("path", "rowIndex", "columnIndex"):
            if key not in well:
                problems.append(f"{loc}: needs '{key}'")
        for key in ("rowIndex", "columnIndex"):
            if key in well and not (_is_int(well[key]) and well[key] >= 0):
                problems.append(f"{loc}.{key}: must be an integer >= 0")
    return problems


def check_well(well: Any, where: str = "well") -> list[str]:
    """Problems of a ``well`` object (0.6 §"well", ``well.schema``)."""
    if not isinstance(well, dict):
        return [f"{where}: must be an object"]
    images = well.get("images")
    if not isinstance(images, list) or not images:
        return [f"{where}.images: must be a non-empty array"]
    problems, seen = [], set()
    for i, image in enumerate(images):
        loc = f"{where}.images[{i}]"
        path = image.get("path") if isinstance(image, dict) else None
        if not isinstance(path, str) or not path:
            problems.append(f"{loc}: needs a string 'path'")
            continue
        if re.fullmatch(r"\.+", path) or path.startswith("__") or not _FIELD_PATH.match(path):
            problems.append(f"{loc}.path: {path!r} is not a valid Zarr node name")
        elif path in seen:
            problems.append(f"{loc}.path: {path!r} is repeated")
        seen.add(path)
        if "acquisition" in image and not _is_int(image["acquisition"]):
            problems.append(f"{loc}.acquisition: must be an integer id")
    return problems
