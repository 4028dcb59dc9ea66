"""Validation of OME-Zarr 0.6 metadata against the 0.6rc0 JSON schemas.

The schemas in ``schemas/`` are the spec's own (``ome/ngff-spec`` @ 277f209,
copied byte for byte, see ``schemas/PROVENANCE.md``). They are loaded with
:mod:`importlib.resources` on the first check and resolved through a
:class:`referencing.Registry` by their ``$id``
(``https://ngff.openmicroscopy.org/0.6rc0/schemas/<file>``); nothing is ever
fetched from the network (the registry has no ``retrieve``).

The readers check a document part by part (coordinate systems, each
transformation, ``omero``, ``image-label``, ``plate``, ``well``), so each
part is validated against the subschema of its kind's schema that describes
it, named by a JSON pointer (:data:`PARTS`). ``jsonschema`` is imported on
the first call only: a migration that never checks a 0.6 document does not
import it.

Errors become the project's problem lines ``"<location>: <what is wrong>"``
(:func:`schema_problems`); a ``oneOf`` over transformation types is reported
as the errors of the branch whose ``type`` matches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files
from typing import Any

#: The ``$id`` prefix of the 0.6rc0 schemas.
BASE = "https://ngff.openmicroscopy.org/0.6rc0/schemas/"

#: The parts the readers check: name -> ``<schema file>#<JSON pointer>``.
PARTS = {
    "axes": "axes.schema#",
    "coordinateSystems": "image.schema#/$defs/multiscales/items/properties/coordinateSystems",
    "transformation": "coordinate_transformations.schema#/$defs/coordinateTransformation",
    "omero": "image.schema#/$defs/omero",
    "image-label": "label.schema#/$defs/image-label",
    "plate": "plate.schema#/properties/ome/properties/plate",
    "well": "well.schema#/properties/ome/properties/well",
}

_CT = "coordinate_transformations.schema#/$defs/"
#: ``(schema location, keyword)`` of the limits RFC-3 (``0.9.dev1``) lifts:
#: the number of axes and the axis indices / matrix sizes bounded by it.
RFC3_LIFTED = frozenset({
    ("axes.schema#", "oneOf"), ("axes.schema#", "maxItems"),
    (_CT + "mapAxis/properties/mapAxis", "maxItems"), (_CT + "mapAxis/properties/mapAxis/items", "maximum"),
    (_CT + "projectAxis/allOf/0/properties/droppedInputs", "maxItems"),
    (_CT + "projectAxis/allOf/0/properties/droppedInputs/items", "maximum"),
    (_CT + "projectAxis/allOf/0/properties/createdOutputs", "maxItems"),
    (_CT + "projectAxis/allOf/0/properties/createdOutputs/items", "maximum"),
    (_CT + "rotation/oneOf/1/properties/rotation", "oneOf"),
})

#: How a ``uniqueItems`` problem starts (such lines are listed last).
_REPEATS = "repeats entr"
_TYPE_NAMES = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "a boolean",
               "object": "an object", "array": "an array", "null": "null"}
#: Wording of the schemas' patterns (``pattern`` failures).
_PATTERNS = {
    "^[A-Za-z0-9]+$": "is not alphanumeric",
    "^[A-Za-z0-9]+/[A-Za-z0-9]+$": "is not '<row>/<column>'",
    "^[A-Za-z0-9_.-]+$": "is not a valid Zarr node name",
}


def _axes_counts(axes: Any) -> str:
    types = [a.get("type") if isinstance(a, dict) else None for a in axes]
    return (f"needs 2 or 3 axes of type 'space' (or at least 2 of type 'array'); "
            f"found {types.count('space')} space and {types.count('array')} array axes")


def _shape(matrix: Any) -> str:
    if not isinstance(matrix, list) or not all(isinstance(r, list) for r in matrix):
        return _short(matrix)
    return f"{len(matrix)}x{'/'.join(map(str, sorted({len(r) for r in matrix}))) or 0}"


#: Wording for keywords whose jsonschema message says little, by
#: ``(schema location, keyword)``.
_FRIENDLY: dict[tuple[str, str], Callable[[Any], str]] = {
    ("axes.schema#", "oneOf"): _axes_counts,
    (_CT + "rotation/oneOf/1/properties/rotation", "oneOf"):
        lambda m: f"a rotation must be a square matrix of numbers (2x2 to 5x5), got {_shape(m)}",
    ("well.schema#/properties/ome/properties/well/properties/images/items/properties/path", "not"):
        lambda p: f"{p!r} is not a valid Zarr node name (only dots, or a leading '__')",
}


@cache
def _schemas() -> tuple[Any, dict[int, str]]:
    """The registry of the shipped schemas, and the location
    (``file#pointer``) of every schema object in them, by ``id()``."""
    from referencing import Registry, Resource

    resources, where = [], {}
    for entry in sorted(files(__package__).joinpath("schemas").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".schema"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            resources.append((contents["$id"], Resource.from_contents(contents)))
            _index(contents, f"{entry.name}#", where)
    return Registry().with_resources(resources), where


def _index(node: Any, pointer: str, where: dict[int, str]) -> None:
    if isinstance(node, dict):
        where[id(node)] = pointer
        for key, value in node.items():
            _index(value, f"{pointer}/{key}", where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _index(value, f"{pointer}/{i}", where)


@cache
def _validator_class() -> Any:
    """Draft 2020-12, with ``integer`` meaning a JSON integer (``1``, not
    ``1.0``, which JSON Schema also counts): indices, ids and label values
    are used as Python integers downstream."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return extend(Draft202012Validator, type_checker=checker)


@cache
def _validator(part: str) -> Any:
    registry, _ = _schemas()
    return _validator_class()({"$ref": BASE + PARTS[part]}, registry=registry)


def _location(where: str, path: Any) -> str:
    text = where
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, shortened (as the hand-written messages show values)."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


#: Problem lines by ``(part, rfc3, document)``: a plate's fields usually
#: share their metadata, so a 1,536-field plate validates it once.
_CACHE: dict[tuple[str, bool, str], list[tuple[tuple[Any, ...], str]]] = {}
_CACHE_LIMIT = 4096


def schema_problems(part: str, value: Any, where: str, *, rfc3: bool = False) -> list[str]:
    """Problems of ``value`` against the 0.6rc0 schema of ``part`` (a key of :data:`PARTS`).

    ``where`` is the location of ``value`` in its document; ``rfc3`` lifts
    the axis-count limits (:data:`RFC3_LIFTED`). Returns
    ``"<location>: <what is wrong>"`` lines, empty when valid. Never raises:
    a failure of the check itself is one problem line.
    """
    try:
        key = (part, rfc3, json.dumps(value, sort_keys=True, allow_nan=True))
    except (TypeError, ValueError, RecursionError):
        key = None
    found = _CACHE.get(key) if key is not None else None
    if found is None:
        try:
            lines = list(dict.fromkeys(_explain_all(_validator(part).iter_errors(value), rfc3)))
            # a repeated entry is usually a consequence (two axes without a name): reported last
            found = [x for x in lines if not x[1].startswith(_REPEATS)] + \
                [x for x in lines if x[1].startswith(_REPEATS)]
        except Exception as exc:  # a bug in a check must not become a crash of the migration
            return [f"{where}: could not be checked against the 0.6 schema ({type(exc).__name__}: {exc})"]
        if key is not None:
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE[key] = found
    return [f"{_location(where, path)}: {message}" for path, message in found]


def _explain_all(errors: Any, rfc3: bool) -> Iterator[tuple[tuple[Any, ...], str]]:
    for error in errors:
        yield from _explain(error, rfc3)


def _schema_at(error: Any) -> str:
    return _schemas()[1].get(id(error.schema), "")


def _lifted(error: Any, rfc3: bool) -> bool:
    return rfc3 and (_schema_at(error), error.validator) in RFC3_LIFTED


def _explain(error: Any, rfc3: bool) -> Iterator[tuple[tuple[Any, ...], str]]:
    """``(path, message)`` lines for one jsonschema error (descending into
    the branch of a ``oneOf``/``anyOf`` the value was meant to match)."""
    if _lifted(error, rfc3):
        return
    path = tuple(error.absolute_path)
    friendly = _FRIENDLY.get((_schema_at(error), error.validator))
    if error.validator == "uniqueItems":
        yield _repeated(path, error.instance)
        return
    if error.validator not in ("oneOf", "anyOf"):
        yield path, friendly(error.instance) if friendly else _message(error)
        return
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    alternatives = error.validator_value
    if not error.context:  # valid under more than one branch of a oneOf
        needs = [b.get("required") for b in alternatives if isinstance(b, dict)]
        message = friendly(error.instance) if friendly else (
            "give exactly one of " + " and ".join(repr(n) for r in needs for n in r)
            if needs and all(needs) else "matches more than one of the allowed forms")
        yield path, message
        return
    # a branch whose own errors are all lifted (RFC-3) is satisfied
    if any(all(_lifted(e, rfc3) for e in errs) for errs in branches.values()) or len(branches) < len(alternatives):
        return
    if friendly:
        yield path, friendly(error.instance)
        return
    meant = {i: errs for i, errs in branches.items() if not any(_wrong_kind(e) for e in errs)}
    if len(meant) == 1:
        yield from _explain_all(next(iter(meant.values())), rfc3)
    elif not meant:  # no branch has this 'type'
        instance = error.instance
        if isinstance(instance, dict) and "type" in instance:
            kinds = [e.validator_value for errs in branches.values() for e in errs if _wrong_kind(e)]
            yield (*path, "type"), (f"{_short(instance['type'])} is not one of the types "
                                    f"{', '.join(map(str, dict.fromkeys(kinds)))}")
    elif all(e.validator == "required" for errs in meant.values() for e in errs):
        names = [repr(n) for errs in meant.values() for e in errs for n in e.validator_value]
        yield path, "needs one of " + " or ".join(dict.fromkeys(names))
    else:  # the error that got furthest into the value
        deepest = max((e for errs in meant.values() for e in errs), key=lambda e: len(e.absolute_path))
        yield from _explain(deepest, rfc3)


def _wrong_kind(error: Any) -> bool:
    """Whether a branch error says the value's ``type`` is another one
    (the discriminator of the transformation ``oneOf``)."""
    return error.validator == "const" and list(error.relative_path) == ["type"]


def _message(error: Any) -> str:
    kind, value, limit = error.validator, error.instance, error.validator_value
    if kind == "type":
        names = limit if isinstance(limit, list) else [limit]
        return f"must be {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, got {_short(value)}"
    if kind == "required":
        missing = [n for n in limit if isinstance(value, dict) and n not in value]
        named = next((n for n in missing if error.message.startswith(repr(n))), missing[0] if missing else "?")
        return f"needs '{named}'"
    if kind == "minItems":
        return "must be a non-empty array" if limit == 1 else f"has {len(value)} items; needs at least {limit}"
    if kind == "maxItems":
        return f"has {len(value)} items; at most {limit} allowed"
    if kind == "minLength" and limit == 1:
        return "must be a non-empty string"
    bounds = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
    if kind in bounds:
        return f"must be {bounds[kind]} {limit}, got {_short(value)}"
    if kind == "enum":
        return f"must be one of {', '.join(_short(v) for v in limit)}, got {_short(value)}"
    if kind == "const":
        return f"must be {_short(limit)}, got {_short(value)}"
    if kind == "pattern":
        return f"{_short(value)} {_PATTERNS.get(limit, f'does not match the pattern {limit!r}')}"
    text = error.message
    return text if len(text) <= 200 else text[:197] + "..."


def _repeated(path: tuple[Any, ...], items: list[Any]) -> tuple[tuple[Any, ...], str]:
    """The first entry of ``items`` that repeats an earlier one (``uniqueItems``)."""
    seen: dict[str, int] = {}
    for j, item in enumerate(items):
        try:
            key = json.dumps(item, sort_keys=True, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            break
        if key in seen:
            return (*path, j), f"repeats entry [{seen[key]}] (the entries must be unique)"
        seen[key] = j
    return path, "repeats entries (the entries must be unique)"
