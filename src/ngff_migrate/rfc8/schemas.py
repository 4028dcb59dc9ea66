"""JSON Schema validation of RFC-8 documents with the fractal RFC-8 schemas.

The schema files in ``rfc8/schemas/`` (provenance in ``PROVENANCE.md`` next
to them) are loaded with :mod:`importlib.resources` and resolved through a
:class:`referencing.Registry` by their relative ``$id`` (``node.schema``,
...); nothing is fetched from the network. The validator is built once.

The schemas are a second opinion next to :func:`ngff_migrate.rfc8.rules.check_document`:
they check value types and RFC-5 transformation parameters, but they also
reject the path-only stubs RFC-8 v1 uses in its own examples (a ``multiscale``
stub without ``attributes.coordinateSystems``); see
:func:`schema_errors_excluding_stubs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

__all__ = [
    "is_path_only_stub",
    "iter_schema_errors",
    "schema_errors",
    "schema_errors_excluding_stubs",
    "schema_problems",
]

_ROOT_SCHEMA_ID = "ome.schema"
#: Keys a path-only stub may carry besides its path (attributes give context,
#: e.g. ``labels`` on a label stub or ``acquisition`` on an HCS field stub).
_STUB_KEYS = frozenset({"version", "type", "id", "name", "path", "attributes"})


@cache
def _validator() -> Draft202012Validator:
    resources = []
    for entry in files(__package__).joinpath("schemas").iterdir():
        if entry.name.endswith(".json"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    root = registry.contents(_ROOT_SCHEMA_ID)
    return Draft202012Validator(root, registry=registry)


def _location(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def iter_schema_errors(ome: Mapping[str, Any]) -> Iterator[ValidationError]:
    """Yield the JSON Schema errors of ``{"ome": ome}`` (RFC-8 v1, "Testing").

    Raises:
        TypeError: if ``ome`` is not a mapping.
    """
    if not isinstance(ome, Mapping):
        raise TypeError(f"the 'ome' object must be a mapping, got {type(ome).__name__}")
    yield from _validator().iter_errors({"ome": dict(ome)})


def _format(errors: Iterable[ValidationError]) -> list[str]:
    lines = {f"{_location(error.absolute_path)}: {error.message}" for error in errors}
    return sorted(lines)


def schema_errors(ome: Mapping[str, Any]) -> list[str]:
    """Validate ``{"ome": ome}`` against the RFC-8 JSON schemas.

    Spec: RFC-8 v1, "Testing" (JSON schema files). Returns sorted
    ``"<location>: <message>"`` strings, locations in the rule checker's
    style (``ome.nodes[0].attributes``); empty when the document is
    schema-valid.

    Raises:
        TypeError: if ``ome`` is not a mapping.
    """
    return _format(iter_schema_errors(ome))


def is_path_only_stub(node: Any) -> bool:
    """Return whether ``node`` is a path-only stub (RFC-8 v1, "Collection node").

    A stub is a node object with a string ``type`` and ``name``, a ``path``
    object and no ``nodes``: it says where the node is defined instead of
    defining it (DESIGN section 4: ``{type, id, name, path}``). It may also
    carry ``id``, ``version`` and contextual ``attributes`` (``labels``,
    ``acquisition``, prefixed keys). Never raises.
    """
    return (
        isinstance(node, Mapping)
        and isinstance(node.get("type"), str)
        and isinstance(node.get("name"), str)
        and isinstance(node.get("path"), Mapping)
        and "nodes" not in node
        and set(node) <= _STUB_KEYS
    )


def _stub_paths(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if is_path_only_stub(node):
        yield path
    if isinstance(node, Mapping) and isinstance(node.get("nodes"), list):
        for index, child in enumerate(node["nodes"]):
            yield from _stub_paths(child, (*path, "nodes", index))


def schema_errors_excluding_stubs(ome: Mapping[str, Any]) -> list[str]:
    """Like :func:`schema_errors`, minus the known path-only-stub exception.

    Spec: RFC-8 v1, "Collection node" (nodes referenced by ``path``) and
    "Other Examples", whose stubs omit what the full definition carries.
    Dropped: ``required`` errors located at a stub or at the stub's
    ``attributes`` (the multiscale schema's ``attributes`` /
    ``coordinateSystems`` and the singlescale schema's
    ``coordinateTransformations``). Every other error inside a stub (a bad
    label colour, a malformed path) is kept.

    Raises:
        TypeError: if ``ome`` is not a mapping.
    """
    return _format(_excluding_stubs(ome))


#: :func:`schema_problems` results by document shape (ids, names and paths blanked).
_PROBLEMS_BY_SHAPE: dict[str, list[str]] = {}


def _excluding_stubs(ome: Mapping[str, Any]) -> list[ValidationError]:
    exempt: set[tuple[Any, ...]] = set()
    for stub in _stub_paths(ome, ("ome",)):
        exempt.update({stub, (*stub, "attributes")})
    return [e for e in iter_schema_errors(ome)
            if not (e.validator == "required" and tuple(e.absolute_path) in exempt)]


def schema_problems(ome: Mapping[str, Any]) -> list[str]:
    """The schema errors of ``ome`` as :func:`schema_errors_excluding_stubs`
    counts them, with the most specific one first and spelled out (for a
    ``oneOf`` over transformation types, the branch that got furthest); the
    others are counted as empty lines. Memoised on the document's shape with
    ids, names and paths blanked: the fields of a plate share one.

    Spec: RFC-8 v1, "Testing". Raises nothing for a mapping.
    """
    from jsonschema.exceptions import best_match

    def blank(value: Any, key: str | None = None) -> Any:
        if isinstance(value, Mapping):
            return {k: blank(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return "<s>" if key in ("id", "name", "path") and isinstance(value, str) and value else value

    key = json.dumps(blank(ome), sort_keys=True)
    if key not in _PROBLEMS_BY_SHAPE:
        errors = _excluding_stubs(ome)
        if not errors:
            _PROBLEMS_BY_SHAPE[key] = []
        else:
            best = best_match(errors)
            while best.context:
                branches = [c for c in best.context if c.validator != "const"] or list(best.context)
                best = max(branches, key=lambda c: (len(c.absolute_path), c.validator != "required"))
            message = best.message if len(best.message) <= 240 else f"{best.message[:110]} … {best.message[-110:]}"
            _PROBLEMS_BY_SHAPE[key] = [f"{_location(best.absolute_path)}: {message}"] + [""] * (len(errors) - 1)
    return list(_PROBLEMS_BY_SHAPE[key])

