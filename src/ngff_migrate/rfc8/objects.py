"""The base of the RFC-8 model objects (:mod:`ngff_migrate.rfc8.model`):
field kinds and :class:`SpecObject`.

A *kind* knows how to check a value given to a builder (strict: no coercion,
a tuple is not a list, ``True`` is not a number) and how to parse a JSON
value (lenient: the typed value, or the JSON kept raw at its position).
:class:`SpecObject` holds a class's field table, the given values in output
order and the extra keys. RFC-8 v1 (draft v1-2026-08), "Node model".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar


class ModelError(TypeError):
    """A builder was given a value of the wrong type (or missed a required field)."""


class _Raw:
    """Marker: a value kept verbatim because it does not have its spec shape."""


# --------------------------------------------------------------------------- field kinds
# A kind knows how to check a builder value (strict) and parse a JSON value
# (lenient: returns the typed value, or _RAW to keep the JSON as it is).

_RAW = _Raw()


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Kind:
    def __init__(self, check, parse=None, what: str = "") -> None:
        self.check, self._parse, self.what = check, parse, what

    def parse(self, value: Any) -> Any:
        if self._parse is not None:
            return self._parse(value)
        return value if self.check(value) else _RAW


STR = _Kind(lambda v: isinstance(v, str), what="a string")
BOOL = _Kind(lambda v: isinstance(v, bool), what="a boolean")
NUMBER = _Kind(_is_num, what="a number")


def _flat_list(item_ok, what: str) -> _Kind:
    def check(v: Any) -> bool:
        return isinstance(v, list) and all(item_ok(x) for x in v)

    return _Kind(check, lambda v: list(v) if check(v) else _RAW, what=what)


NUMBERS = _flat_list(_is_num, "a list of numbers")
INTS = _flat_list(_is_int, "a list of integers")
AXIS_REFS = _flat_list(lambda x: _is_int(x) or isinstance(x, str), "a list of axis indices or names")


def _matrix_check(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(r, list) and all(_is_num(x) for x in r) for r in v)


MATRIX = _Kind(_matrix_check, lambda v: [list(r) for r in v] if _matrix_check(v) else _RAW,
               what="a list of lists of numbers")
ANY = _Kind(lambda v: True, lambda v: copy.deepcopy(v), what="any JSON value")


#: The model classes by name, filled by :mod:`ngff_migrate.rfc8.model` (a kind
#: names its class, which is defined after the kinds that use it).
CLASSES: dict[str, type[SpecObject]] = {}


def _obj(cls_name: str) -> _Kind:
    def check(v: Any) -> bool:
        return isinstance(v, CLASSES[cls_name])

    def parse(v: Any) -> Any:
        return CLASSES[cls_name].parse(v) if isinstance(v, Mapping) else _RAW

    return _Kind(check, parse, what=f"a {cls_name}")


def _list(item: _Kind) -> _Kind:
    def check(v: Any) -> bool:
        return isinstance(v, list) and all(item.check(x) for x in v)

    def parse(v: Any) -> Any:
        if not isinstance(v, list):
            return _RAW
        out = []
        for x in v:
            got = item.parse(x)
            out.append(copy.deepcopy(x) if got is _RAW else got)
        return out

    return _Kind(check, parse, what=f"a list of {item.what}")


def _first(*kinds: _Kind) -> _Kind:
    def check(v: Any) -> bool:
        return any(k.check(v) for k in kinds)

    def parse(v: Any) -> Any:
        for k in kinds:
            got = k.parse(v)
            if got is not _RAW:
                return got
        return _RAW

    return _Kind(check, parse, what=" or ".join(k.what for k in kinds))


# --------------------------------------------------------------------------- base


class SpecObject:
    """Base of every RFC-8 object: a field table, the given values, extra keys.

    ``FIELDS`` maps each known field, in output order, to its kind;
    ``REQUIRED`` lists the fields a parsed object must have with their type
    (else the whole object is kept raw); ``LENIENT`` the fields whose
    mis-shaped values are kept raw inside a typed object.
    """

    __slots__ = ("_values", "extra")
    FIELDS: ClassVar[dict[str, _Kind]] = {}
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    LENIENT: ClassVar[frozenset[str]] = frozenset()
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kwargs: Any) -> None:
        values: dict[str, Any] = dict(self.DEFAULTS)
        extra: dict[str, Any] = {}
        cls = type(self)
        for name, value in kwargs.items():
            kind = cls.FIELDS.get(name)
            if kind is None:
                extra[name] = value
                continue
            if value is None:
                continue
            if not kind.check(value):
                raise ModelError(f"{cls.__name__}.{name} must be {kind.what}, not {type(value).__name__}")
            values[name] = value
        missing = [f for f in cls.REQUIRED if f not in values]
        if missing:
            raise ModelError(f"{cls.__name__} needs {', '.join(missing)}")
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "extra", extra)

    def __getattr__(self, name: str) -> Any:
        if name in type(self).FIELDS:
            return self._values.get(name)
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a known field (``None`` unsets it), or else the extra key ``name``.

        Unlike the constructor, assignment does not check the value: a builder
        uses it to place a value that may be raw JSON (items of
        :meth:`from_json`, a parsed document's positions), which the model
        keeps where a value does not have its spec shape.
        """
        if name in type(self).FIELDS:
            if value is None:
                self._values.pop(name, None)
            else:
                self._values[name] = value
        else:
            self.extra[name] = value

    def get(self, key: str, default: Any = None) -> Any:
        """The value :meth:`to_json` writes under ``key`` (a field, or an extra key),
        as held (a model object or raw JSON), else ``default``: what ``dict.get``
        gives on the JSON, so a walk can take model objects and JSON alike. Never raises."""
        if key in type(self).FIELDS:
            return self._values.get(key, default)
        return self.extra.get(key, default)

    @property
    def fields_set(self) -> set[str]:
        """The known fields that were given (and are written)."""
        return set(self._values)

    def items(self) -> list[tuple[str, Any]]:
        """The ``(key, value)`` pairs :meth:`to_json` writes, in its order (given
        fields, then extra keys), with the values as held (model objects not
        serialised): a walk over a model tree sees what the JSON would hold."""
        values = self._values
        return [(name, values[name]) for name in type(self).FIELDS if name in values] + list(self.extra.items())

    def __getstate__(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The state :mod:`copy` and :mod:`pickle` use: ``(field values, extra keys)``."""
        return self._values, self.extra

    def __setstate__(self, state: tuple[dict[str, Any], dict[str, Any]]) -> None:
        """Restore :meth:`__getstate__`'s state (slots set directly; a shallow
        copy gets dicts of its own)."""
        object.__setattr__(self, "_values", dict(state[0]))
        object.__setattr__(self, "extra", dict(state[1]))

    @classmethod
    def from_json(cls, data: Any) -> Any:
        """``data``, JSON carried verbatim from an input (an RFC-5
        transformation, legacy axes, a label's colour entry), as a parsed
        document holds it where a ``cls`` is expected: a ``cls`` parsed
        leniently (:meth:`parse`; unknown keys in :attr:`extra`, mis-shaped
        values raw at their lenient fields) when ``data`` is an object with
        the required fields, else ``data`` itself, deep-copied, as raw JSON.

        Where ``data`` may lack the spec shape the result may be raw JSON:
        place it by assignment (or in a list assigned to a field), which does
        not check, not through a constructor, which raises :class:`ModelError`
        for it. Never raises.
        """
        got = cls.parse(data) if isinstance(data, Mapping) else _RAW
        return copy.deepcopy(data) if got is _RAW else got

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Any:
        """This object from its JSON (lenient; see the module docstring):
        an instance, or ``_RAW`` when a required field is missing or mis-typed."""
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            kind = cls.FIELDS.get(key)
            if kind is None:
                extra[key] = copy.deepcopy(value)
                continue
            if value is None:
                values[key] = None  # a parsed null is kept
                continue
            got = kind.parse(value)
            if got is _RAW:
                if key in cls.LENIENT:
                    values[key] = copy.deepcopy(value)
                    continue
                return _RAW
            values[key] = got
        for name in cls.REQUIRED:
            if name not in values or values[name] is None and name not in cls.LENIENT:
                return _RAW
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_values", values)
        object.__setattr__(obj, "extra", extra)
        return obj

    def to_json(self) -> dict[str, Any]:
        """The JSON object: given fields in output order, then extra keys."""
        out: dict[str, Any] = {}
        values = self._values
        for name in type(self).FIELDS:
            if name in values:
                out[name] = _dump(values[name])
        for key, value in self.extra.items():
            out[key] = _dump(value)
        return out

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_json() == other.to_json()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_json()!r})"


#: The name earlier releases used for :class:`SpecObject` (a pydantic base then).
SpecModel = SpecObject


def _dump(value: Any) -> Any:
    if isinstance(value, SpecObject):
        return value.to_json()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value
