"""Compiled validators for the NGFF 0.4 / 0.5 JSON schemas (``../schemas``).

The ``v0_*`` modules are generated ahead of time by
``scripts/make_legacy_validators.py`` (fastjsonschema's code generator, with
``minContains``/``maxContains`` added) and import nothing but ``re`` and
``decimal``; a test checks they match the shipped schemas. Each is imported
only when a document of its kind is checked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException

__all__ = ["KINDS", "JsonSchemaValueException", "JsonSchemaValuesException", "schema_errors"]

#: The kinds with a validator (``labels``: ngff-migrate's own schema, the spec has none).
KINDS = ("image", "image-label", "labels", "plate", "well")

_LOADED: dict[tuple[str, str], Callable[[Any], Any]] = {}


def _validator(version: str, kind: str) -> Callable[[Any], Any]:
    key = (version, kind)
    if key not in _LOADED:
        name = f"v{version.replace('.', '_')}_{kind.replace('-', '_')}"
        _LOADED[key] = importlib.import_module(f"{__name__}.{name}").validate
    return _LOADED[key]


def schema_errors(version: str, kind: str, document: Any) -> list[JsonSchemaValueException]:
    """Every violation of the ``kind`` schema of NGFF ``version`` by ``document``
    (0.4: the ``.zattrs`` content; 0.5: the ``attributes`` of ``zarr.json``,
    i.e. ``{"ome": {...}}``). Empty when valid. Raises ``KeyError`` for a
    version or kind without a schema."""
    if version not in ("0.4", "0.5") or kind not in KINDS:
        raise KeyError((version, kind))
    try:
        _validator(version, kind)(document)
    except JsonSchemaValuesException as exc:
        return list(exc.errors)
    except JsonSchemaValueException as exc:
        return [exc]
    return []
