"""Checks of OME-Zarr 0.6 (RFC-5) metadata: what makes a 0.6 document invalid.

Two layers, following the 0.6rc0 specification (``ome/ngff-spec`` @ 277f209):

* the spec's JSON schemas (:mod:`.check_schema`, ``jsonschema`` Draft
  2020-12, imported on the first check): every part the readers check is
  validated against the subschema of its kind's schema that describes it;
* the rules below, hand-written because the schemas cannot express them
  (mostly: they relate one value to another, or to the coordinate systems a
  transformation connects).

Which rule is where:

============================  ==========================================  ===========================================
part                          schema (``schemas/*.schema``)               hand-written here
============================  ==========================================  ===========================================
axes                          ``axes.schema``: 1-5 objects, non-empty     unique ``name`` (0.6 §"axes": MUST; the
                              string ``name``, string ``type``/``unit``/  schema's ``uniqueItems`` only catches
                              ``longName``, boolean ``discrete``, 2-3     identical axes)
                              ``space`` or >= 2 ``array`` axes, no
                              identical axes
coordinate systems            ``image.schema`` ``coordinateSystems``:     unique ``name`` (§"coordinateSystems":
                              non-empty array of ``{name, axes}``         MUST, in the schema's description only)
transformation parameters     ``coordinate_transformations.schema``       lengths and matrix shapes against the
                              ``coordinateTransformation``: the 12        systems' dimensions (``n_in``/``n_out``),
                              types and their parameters (types, ranges,  equal dimensions where a type needs them,
                              ``path`` xor values for affine/rotation,    ``mapAxis`` a permutation, ``projectAxis``
                              square 2x2-5x5 rotations, interpolation     indices in range and adding up, rectangular
                              enum), nested ones included                 affine, ``byDimension`` integer axis indices
                                                                          covering each output once; ``path`` refused
                                                                          for scale/translation (§"scale": "stored as
                                                                          a JSON array"); non-empty ``sequence`` /
                                                                          ``byDimension`` lists (ngff-migrate's)
``omero``                     ``image.schema`` ``omero``                  -
``image-label``               ``label.schema`` ``image-label``            colors' ``label-value`` an integer
                                                                          (§"labels": MUST; the schema says number)
``plate``                     ``plate.schema`` ``plate``                  unique row / column names, unique
                                                                          acquisition ids (§"plate": MUST)
``well``                      ``well.schema`` ``well``                    unique image paths
============================  ==========================================  ===========================================

Elsewhere (the readers, :mod:`.read` and :mod:`.common`): transformation
``input``/``output`` (plain strings up to 0.6.dev3, ``{name, path}`` objects
from dev4 on; the schemas know only the objects), that references resolve,
the level transformations (exactly one of scale / identity /
sequence[scale, translation]), array ranks; the hcs reader checks that a
well's path, ``rowIndex`` and ``columnIndex`` name the same row and column.
The schemas' ``version`` (``"0.6rc0"`` only) is never applied: parts are
validated, not whole documents, so every 0.6 draft is checked by the same
0.6rc0 rules. ``rfc3`` (``0.9.dev1``) lifts the axis-count limits
(:data:`.check_schema.RFC3_LIFTED`).

Each function returns problems as ``"<location>: <what is wrong>"`` lines
(empty when valid); the readers decide whether a problem is an error
(strict) or a warning (``--lenient``). Dimensions (``n_in``/``n_out``) are
numbers of axes; ``None`` when unknown (nested transformations inside a
``sequence``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .check_schema import schema_problems

#: RFC-5 transformation types (0.6 §"coordinateTransformations").
TRANSFORM_TYPES = ("identity", "mapAxis", "projectAxis", "translation", "scale", "affine",
                   "rotation", "sequence", "displacements", "coordinates", "bijection",
                   "byDimension")
#: Types whose parameters may live in a Zarr array (``path``) in 0.6.
PATH_PARAMETER_TYPES = ("affine", "rotation", "displacements", "coordinates")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _repeated_names(items: Any, where: str, key: str = "name", *, identical_reported: bool) -> list[str]:
    """A problem for every entry of ``items`` whose string ``key`` repeats an
    earlier entry's; with ``identical_reported`` (the schema has
    ``uniqueItems`` there) not for an entry equal to that earlier one."""
    if not isinstance(items, list):
        return []
    problems, seen = [], {}
    for i, item in enumerate(items):
        name = item.get(key) if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name not in seen:
            seen[name] = i
        elif not (identical_reported and item == items[seen[name]]):
            problems.append(f"{where}[{i}].{key}: {name!r} is repeated (first at [{seen[name]}]; "
                            f"must be unique)")
    return problems


def check_axes(axes: Any, where: str, *, rfc3: bool = False) -> list[str]:
    """Problems of an ``axes`` array (0.6 §"axes", ``axes.schema``).

    Every axis is an object with a non-empty string ``name`` (unique);
    ``type``/``unit``/``longName`` are strings and ``discrete`` a boolean.
    Unless ``rfc3`` (0.9.dev1 lifts the axis model restrictions), there are
    1 to 5 axes and either 2-3 axes of type ``space`` or at least 2 of type
    ``array`` (the schema's ``oneOf``).
    """
    return schema_problems("axes", axes, where, rfc3=rfc3) + _repeated_names(axes, where, identical_reported=True)


def check_coordinate_systems(systems: Any, where: str, *, rfc3: bool = False) -> list[str]:
    """Problems of a ``coordinateSystems`` array: a non-empty array of
    objects with a unique non-empty ``name`` and valid ``axes`` (0.6
    §"coordinateSystems", ``image.schema``)."""
    problems = schema_problems("coordinateSystems", systems, where, rfc3=rfc3)
    problems += _repeated_names(systems, where, identical_reported=False)
    for i, system in enumerate(systems if isinstance(systems, list) else []):
        if isinstance(system, dict):
            problems += _repeated_names(system.get("axes"), f"{where}[{i}].axes", identical_reported=True)
    return problems


def check_transform(t: Any, where: str, *, n_in: int | None = None, n_out: int | None = None,
                    rfc3: bool = False) -> list[str]:
    """Problems of one transformation's type and parameters (0.6 §"Transformation types").

    First the schema (``coordinateTransformation``); only a transformation
    it accepts gets the hand-written checks against the dimensions.
    ``input``/``output`` are not checked here (their form depends on where
    the transformation sits; see :mod:`ngff_migrate.formats.ngff06.read`).
    Nested transformations (``sequence``, ``bijection``, ``byDimension``)
    are checked recursively.
    """
    kind = t.get("type") if isinstance(t, dict) else None
    if kind in ("scale", "translation") and "path" in t:  # said first: the schema would only miss the values
        return [_path_refused(kind, where)] + schema_problems("transformation", t, where, rfc3=rfc3)
    return schema_problems("transformation", t, where, rfc3=rfc3) or _transform_rules(t, where, n_in, n_out)


def _path_refused(kind: str, where: str) -> str:
    return (f"{where}: a {kind} takes its parameters as a JSON array ('{kind}'); "
            f"'path' is not allowed for {kind} in 0.6")


def _dims_problem(where: str, what: str, got: int, expected: int | None) -> list[str]:
    if expected is None or got == expected:
        return []
    return [f"{where}: {what} has {got} values but the coordinate system has {expected} axes"]


def _in_range(value: list[Any], where: str, bound: int | None) -> list[str]:
    if bound is not None and value and max(value) >= bound:
        return [f"{where}: index {max(value)} is out of range for {bound} axes"]
    return []


def _transform_rules(t: dict[str, Any], where: str, n_in: int | None, n_out: int | None) -> list[str]:
    """The rules of a schema-valid transformation the schema cannot express."""
    kind = t["type"]
    same = n_in if n_in is not None else n_out
    if kind in ("translation", "scale", "rotation", "mapAxis", "bijection") and None not in (n_in, n_out) \
            and n_in != n_out:
        return [f"{where}: a {kind} needs input and output systems of equal dimension ({n_in} != {n_out})"]
    if kind in ("translation", "scale"):
        if "path" in t:
            return [_path_refused(kind, where)]
        return _dims_problem(f"{where}.{kind}", kind, len(t[kind]), same)
    if kind == "mapAxis":
        values = t["mapAxis"]
        if sorted(values) != list(range(len(values))):
            return [f"{where}.mapAxis: {values} is not a permutation of 0..{len(values) - 1}"]
        return _dims_problem(f"{where}.mapAxis", "mapAxis", len(values), same)
    if kind == "projectAxis":
        dropped, created = t.get("droppedInputs", []), t.get("createdOutputs", [])
        problems = _in_range(dropped, f"{where}.droppedInputs", n_in)
        problems += _in_range(created, f"{where}.createdOutputs", n_out)
        if not problems and None not in (n_in, n_out) and n_in - len(dropped) + len(created) != n_out:
            problems.append(f"{where}: dropping {len(dropped)} of {n_in} input axes and creating "
                            f"{len(created)} does not give the {n_out} output axes")
        return problems
    if kind in ("affine", "rotation"):
        if kind not in t:  # parameters in a Zarr array ('path'): read and checked by the readers
            return []
        matrix = t[kind]
        cols = {len(row) for row in matrix}
        if not matrix or cols == {0}:
            return [f"{where}.{kind}: must be a non-empty 2D array of numbers (rows of columns)"]
        if len(cols) != 1:
            return [f"{where}.{kind}: rows have different lengths"]
        rows, (ncols,) = len(matrix), cols
        if kind == "rotation":
            if rows != ncols:  # (the schema's 2x2..5x5 sizes are lifted for RFC-3)
                return [f"{where}.rotation: a rotation matrix must be square, got {rows}x{ncols}"]
            return _dims_problem(f"{where}.rotation", "the rotation matrix", rows, same)
        problems = _dims_problem(f"{where}.affine", "the affine matrix (rows)", rows, n_out)
        if n_in is not None and ncols != n_in + 1:
            problems.append(f"{where}.affine: {ncols} columns; an affine from {n_in} axes needs {n_in + 1}")
        return problems
    if kind == "sequence":
        items = t["transformations"]
        if not items:
            return [f"{where}.transformations: a sequence needs a non-empty array of transformations"]
        single = len(items) == 1
        return [p for i, inner in enumerate(items)
                for p in _transform_rules(inner, f"{where}.transformations[{i}]",
                                          n_in if single else None, n_out if single else None)]
    if kind == "bijection":
        return (_transform_rules(t["forward"], f"{where}.forward", n_in, n_out)
                + _transform_rules(t["inverse"], f"{where}.inverse", n_out, n_in))
    if kind == "byDimension":
        return _by_dimension(t["transformations"], where, n_in, n_out)
    return []  # identity, displacements, coordinates: the schema says it all


def _by_dimension(items: list[dict[str, Any]], where: str, n_in: int | None, n_out: int | None) -> list[str]:
    if not items:
        return [f"{where}.transformations: a byDimension needs a non-empty array"]
    problems: list[str] = []
    outputs: list[int] = []
    for i, item in enumerate(items):
        loc = f"{where}.transformations[{i}]"
        axes_ok = True
        for key, bound in (("inputAxes", n_in), ("outputAxes", n_out)):
            value = item[key]
            if not value or not all(_is_int(v) and v >= 0 for v in value):
                problems.append(f"{loc}.{key}: must be a non-empty array of axis indices (integers)")
                axes_ok = False
            elif found := _in_range(value, f"{loc}.{key}", bound):
                problems += found
                axes_ok = False
        if axes_ok:
            outputs += item["outputAxes"]
            problems += _transform_rules(item["transformation"], f"{loc}.transformation",
                                         len(item["inputAxes"]), len(item["outputAxes"]))
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
    are strings and ``active`` a boolean. Schema only."""
    return schema_problems("omero", omero, where)


def check_label(meta: Any, where: str = "image-label") -> list[str]:
    """Problems of an ``image-label`` object (0.6 §"labels", ``label.schema``):
    non-empty ``colors``/``properties`` with integer ``label-value``s, no
    repeated entry, ``rgba`` four integers 0-255, ``source.image`` a
    string."""
    problems = schema_problems("image-label", meta, where)
    colors = meta.get("colors") if isinstance(meta, dict) else None
    for i, entry in enumerate(colors if isinstance(colors, list) else []):
        value = entry.get("label-value") if isinstance(entry, dict) else None
        if isinstance(value, float):  # a number for the schema, "the integer" for the text
            problems.append(f"{where}.colors[{i}].label-value: must be an integer, got {value!r}")
    return problems


def check_plate(plate: Any, where: str = "plate") -> list[str]:
    """Problems of a ``plate`` object (0.6 §"plate", ``plate.schema``), plus
    unique row and column names and acquisition ids."""
    problems = schema_problems("plate", plate, where)
    if not isinstance(plate, dict):
        return problems
    for key in ("rows", "columns"):
        problems += _repeated_names(plate.get(key), f"{where}.{key}", identical_reported=True)
    acquisitions = plate.get("acquisitions")
    seen: dict[int, int] = {}
    for i, acq in enumerate(acquisitions if isinstance(acquisitions, list) else []):
        ident = acq.get("id") if isinstance(acq, dict) else None
        if not _is_int(ident):
            continue
        if ident in seen:
            problems.append(f"{where}.acquisitions[{i}].id: {ident} is repeated (first at [{seen[ident]}]; "
                            "ids must be unique)")
        seen.setdefault(ident, i)
    return problems


def check_well(well: Any, where: str = "well") -> list[str]:
    """Problems of a ``well`` object (0.6 §"well", ``well.schema``), plus
    unique image paths."""
    problems = schema_problems("well", well, where)
    if isinstance(well, dict):
        problems += _repeated_names(well.get("images"), f"{where}.images", "path", identical_reported=True)
    return problems
