"""Read one JSON metadata document safely: size and nesting limits, and the
rule for numbers JSON cannot hold (docs/decisions.md, "JSON documents").

Parsing is :func:`json.loads`; this module only adds the limits and walks
the parsed value (iteratively, never recursively) to check its depth and to
find the values the parse hooks marked:

* ``NaN``, ``Infinity``, ``-Infinity`` tokens (not JSON, but written by
  Python's ``json`` and others) and numbers that overflow a 64-bit float
  (``1e400``): an error naming the file and the JSON location; with the
  lenient policy (:func:`json_policy`) they are read as ``null`` and one line
  per value is reported as changed. Exception: a ``NaN``/``Infinity``/
  ``-Infinity`` token as the ``fill_value`` of a Zarr v2 ``.zarray`` (or an
  element of a complex ``fill_value`` pair) is the float it names; the v3
  metadata writes it as the string ``"NaN"``/``"Infinity"``/``"-Infinity"``
  (Zarr v3 core, "fill_value"), which is lossless;
* integers longer than Python's int/str conversion limit (4,300 digits):
  always an error;
* strings (or object keys) with an unpaired UTF-16 surrogate escape
  (``"\\ud800"``), which no UTF-8 document can hold: always an error.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import Any

import orjson

from ..errors import MigrateError
from ..storage.sandbox import check_read

#: The largest metadata document read (bytes).
MAX_DOCUMENT_BYTES = 64 << 20
#: The deepest nesting of arrays and objects accepted (the top-level object is depth 1).
#: Real OME-Zarr metadata stays far below it; the headroom matters because a migration
#: re-nests carried values a few levels deeper (``attributes.ome.nodes[i].attributes[...]``)
#: and pydantic's serializer, which writes every RFC-8 document, stops at 255 levels.
MAX_DEPTH = 128
#: The JSON tokens that are not JSON numbers but that some writers emit.
NONSTANDARD_TOKENS = ("NaN", "Infinity", "-Infinity")
#: Text that starts every "changed" line the lenient policy reports.
CHANGED_MARK = "changed: "

#: Set by :func:`json_policy`: ``None`` (strict) or the list that collects one
#: line per non-standard JSON number replaced by ``null`` (lenient).
_NONSTANDARD: ContextVar[list[str] | None] = ContextVar("ngff_migrate_json_policy", default=None)


#: Set by :func:`recording`: the documents read in this context, path -> bytes.
_RECORDED: ContextVar[dict[Path, bytes] | None] = ContextVar("ngff_migrate_recorded", default=None)


@contextmanager
def recording() -> Iterator[dict[Path, bytes]]:
    """Record every document :func:`read_json` reads in this context: the
    yielded dict maps each path (as given) to the exact bytes read. The
    reverse map compares the output with these originals, whatever an
    in-place run writes afterwards."""
    documents: dict[Path, bytes] = {}
    token = _RECORDED.set(documents)
    try:
        yield documents
    finally:
        _RECORDED.reset(token)


@contextmanager
def json_policy(*, lenient: bool) -> Iterator[list[str]]:
    """How :func:`read_json` treats non-standard JSON numbers (``NaN``,
    ``Infinity``, ``-Infinity``, and numbers too large for a 64-bit float)
    in this context.

    Strict (the default, also outside any ``json_policy``): a
    :class:`~ngff_migrate.errors.MigrateError` naming the file and the JSON
    location. Lenient: each is read as ``null`` and one line
    ``"<file>: changed: ... at <location> ..."`` is appended to the yielded
    list, once per file and location (the caller reports them as changed).
    """
    changed: list[str] = []
    token = _NONSTANDARD.set(changed if lenient else None)
    try:
        yield changed
    finally:
        _NONSTANDARD.reset(token)


def is_changed_line(line: object) -> bool:
    """Whether a warning line is one the lenient policy wrote for a changed value."""
    return isinstance(line, str) and f": {CHANGED_MARK}" in line


class _Odd:
    """A parsed value JSON (or a lossless round trip) cannot hold; found by the walk."""

    __slots__ = ("nullable", "problem", "token")

    def __init__(self, token: str, problem: str, *, nullable: bool = True) -> None:
        #: ``nullable``: the lenient policy may read it as null (numbers); else always an error
        self.token, self.problem, self.nullable = token, problem, nullable


def _constant(token: str) -> _Odd:
    return _Odd(token, f"non-standard JSON number {token}")


def _float(text: str) -> float | _Odd:
    value = float(text)
    if math.isfinite(value):
        return value
    return _Odd(text if len(text) <= 40 else text[:37] + "...",
                f"number {text[:40]} does not fit a 64-bit float")


def _int(text: str) -> int | _Odd:
    try:
        return int(text)
    except ValueError:
        digits = len(text.lstrip("-"))
        return _Odd(text[:20], f"integer with {digits} digits (more than the "
                               f"{sys.get_int_max_str_digits()} Python converts)", nullable=False)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def json_location(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """A JSON location as text: ``multiscales[0].datasets[1].path``
    (``$`` for the whole document); keys that are not plain names are quoted
    (``attributes['lab:x']``)."""
    parts = list(parts)
    if len(parts) > 16:  # very deep: the start and the end say where
        tail = json_location(parts[-4:])
        return f"{json_location(parts[:8])}...{tail if tail.startswith('[') else '.' + tail}"
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part[:60]!r}]"
    return out or "$"


def _is_fill_value(parts: tuple[str | int, ...], path: Path) -> bool:
    return path.name == ".zarray" and bool(parts) and parts[0] == "fill_value" and len(parts) <= 2


def _walk(value: Any, path: Path, *, odd: bool, strings: bool) -> None:
    """Check the depth of ``value`` and, when the parse hooks marked values
    (``odd``) or the text has surrogate escapes (``strings``), find them, in
    document order; iterative (a stack of iterators), never recursive."""
    changed = _NONSTANDARD.get()
    stack: list[tuple[Any, Iterator[tuple[Any, Any]], tuple[str | int, ...]]] = [
        (value, iter(value.items()), ())]
    while stack:
        container, items, parts = stack[-1]
        for key, item in items:
            if strings and isinstance(key, str) and not _utf8(key):
                raise MigrateError(path, f"object key with an unpaired UTF-16 surrogate escape at "
                                         f"{json_location(parts)}")
            if isinstance(item, (dict, list)):
                inner = (*parts, key)
                if len(inner) >= MAX_DEPTH:
                    raise MigrateError(path, f"JSON nesting deeper than {MAX_DEPTH} levels at "
                                             f"{json_location(inner)} (depth {len(inner) + 1})")
                stack.append((item, iter(item.items() if isinstance(item, dict) else enumerate(item)), inner))
                break
            if odd and isinstance(item, _Odd):
                container[key] = _resolve_odd(item, (*parts, key), path, changed)
            elif strings and isinstance(item, str) and not _utf8(item):
                raise MigrateError(path, f"string with an unpaired UTF-16 surrogate escape at "
                                         f"{json_location((*parts, key))}")
        else:
            stack.pop()


def _resolve_odd(item: _Odd, parts: tuple[str | int, ...], path: Path, changed: list[str] | None) -> Any:
    where = json_location(parts)
    if item.token in NONSTANDARD_TOKENS and _is_fill_value(parts, path):
        return float(item.token.replace("Infinity", "inf"))  # Zarr v2: the float it names
    if not item.nullable:
        raise MigrateError(path, f"{item.problem} at {where}")
    if changed is None:
        raise MigrateError(path, f"{item.problem} at {where} (JSON numbers are finite; "
                                 "convert --lenient reads it as null)")
    line = f"{path}: {CHANGED_MARK}{item.problem} at {where} was read as null (--lenient)"
    if line not in changed:
        changed.append(line)
    return None


def _utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_bounded(fh: Any) -> bytes:
    """At most ``MAX_DOCUMENT_BYTES + 1`` bytes of the open file ``fh``.

    The read is sized by the file's current size: ``read(MAX + 1)`` would
    allocate a 64 MiB buffer for every small document (about 30 µs each, a
    third of reading a plate's metadata). A file that grows while it is read
    is read on, up to the limit."""
    size = os.fstat(fh.fileno()).st_size
    data = fh.read(min(size, MAX_DOCUMENT_BYTES) + 1)
    if len(data) > size and len(data) <= MAX_DOCUMENT_BYTES:
        data += fh.read(MAX_DOCUMENT_BYTES + 1 - len(data))
    return data


def read_json(path: Path, *, missing_ok: bool = False) -> dict[str, Any]:
    """Read a JSON object from ``path`` (a metadata document; a local path or
    a remote location, :mod:`ngff_migrate.storage.location`).

    With ``missing_ok``, an absent file gives ``None`` (for a remote store this
    spares the existence check before the read).

    At most :data:`MAX_DOCUMENT_BYTES` bytes and :data:`MAX_DEPTH` levels of
    nesting; non-standard numbers follow the policy of :func:`json_policy`
    (module docstring).

    Raises
    ------
    MigrateError
        If the file cannot be read, is larger than the limit, is not valid
        JSON (e.g. truncated), nests too deeply, holds a number or string no
        JSON document can hold (strict policy: ``NaN``/``Infinity``), or does
        not hold a JSON object. The message names the file and the line and
        column (syntax errors) or the JSON location.
    OutsideRootError
        If the file resolves outside the current run's sandbox
        (:mod:`ngff_migrate.storage.sandbox`).
    """
    check_read(path)
    if isinstance(path, PurePath):
        try:
            with open(path, "rb") as fh:
                data = _read_bounded(fh)
        except FileNotFoundError:
            if missing_ok:
                return None  # type: ignore[return-value]
            raise MigrateError(path, "file not found") from None
        except (OSError, ValueError) as exc:
            raise MigrateError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    else:  # a remote object (storage/location.py): one GET, absent is None
        from ..storage.remote import read_bytes

        found = read_bytes(path, MAX_DOCUMENT_BYTES)
        if found is None:
            if missing_ok:
                return None  # type: ignore[return-value]
            raise MigrateError(path, "file not found")
        data = found
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MigrateError(path, f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB: not read as a metadata document")
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded[path] = data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MigrateError(path, f"not UTF-8 text (byte {exc.start})") from None
    odd: list[_Odd] = []

    def constant(token: str) -> _Odd:
        odd.append(_constant(token))
        return odd[-1]

    def number(text: str) -> float | _Odd:
        value = _float(text)
        if isinstance(value, _Odd):
            odd.append(value)
        return value

    def integer(text: str) -> int | _Odd:
        value = _int(text)
        if isinstance(value, _Odd):
            odd.append(value)
        return value

    try:
        value = json.loads(text, parse_constant=constant, parse_float=number, parse_int=integer)
    except json.JSONDecodeError as exc:
        problem = "empty file" if not text.strip() else f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise MigrateError(path, problem) from None
    except RecursionError:
        raise MigrateError(path, f"JSON nesting deeper than {MAX_DEPTH} levels") from None
    if not isinstance(value, dict):
        raise MigrateError(path, f"expected a JSON object, found {_json_type(value)}")
    strings = "\\u" in text and bool(_LONE_SURROGATE.search(text))
    if odd or strings or text.count("[") + text.count("{") > MAX_DEPTH:
        _walk(value, path, odd=bool(odd), strings=strings)
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, _Odd):
        return "a number"
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- writing


def float_json(value: Any) -> float | str | None:
    """A float in the Zarr v3 JSON form (Zarr v3 core, "fill_value"): a
    number, or ``"NaN"``/``"Infinity"``/``"-Infinity"`` (a ``"0x..."`` hex
    form is kept verbatim). ``None`` when ``value`` is not a float value."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int) and abs(value) < 2**1023:
        return float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, str) and (value in ("NaN", "Infinity", "-Infinity") or value.startswith("0x")):
        return value
    return None


def _numpy_to_python(value: Any) -> Any:
    """A NumPy scalar or array as Python values (duck-typed: NumPy is never imported here)."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def _plain(value: Any, where: str) -> Any:
    """Plain-JSON copy of ``value``: NumPy scalars/arrays, tuples and objects
    with a ``to_json()`` (the RFC-8 model) converted."""
    value = _numpy_to_python(value)
    if hasattr(value, "to_json") and not isinstance(value, (dict, list, str)):
        value = value.to_json()
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"JSON object key {k!r} at {where or '$'} is not a string")
            out[k] = _plain(v, f"{where}.{k}" if where else k)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(
            f"non-finite number {value!r} at {where or '$'} cannot be written as JSON "
            '(Zarr v3 fill values use the strings "NaN", "Infinity", "-Infinity")'
        )
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, complex):
        raise TypeError(f"complex number at {where or '$'} cannot be written as JSON")
    raise TypeError(f"{type(value).__name__} at {where or '$'} cannot be written as JSON")


def dumps_json(doc: dict[str, Any]) -> bytes:
    """The canonical bytes written for every JSON document of the project.

    UTF-8, ``indent=2``, ``ensure_ascii=False``, keys in the order given,
    one trailing newline. NumPy scalars/arrays and tuples are written as
    plain JSON values. A top-level ``fill_value`` that is a non-finite float
    is written as the Zarr v3 string encoding (``"NaN"``, ``"Infinity"``,
    ``"-Infinity"``).

    Raises
    ------
    ValueError
        For a non-finite float anywhere else (JSON has no such numbers, and
        the project never writes the non-standard ``NaN`` token).
    TypeError
        For a value JSON cannot hold (complex, set, non-string key,
        arbitrary object).
    """
    doc = dict(doc)
    fv = _numpy_to_python(doc.get("fill_value"))
    if isinstance(fv, float) and not math.isfinite(fv):
        doc["fill_value"] = float_json(fv)
    elif isinstance(fv, (list, tuple)):
        items = [_numpy_to_python(x) for x in fv]
        doc["fill_value"] = [float_json(x) if isinstance(x, float) and not math.isfinite(x) else x for x in items]
    try:
        # one C pass that refuses non-finite floats (orjson writes them as null), then orjson
        # for the indented bytes: json.dumps(indent=2) runs the pure-Python encoder, ~80 µs for
        # a field's document (issue #8, per-array cost)
        converted: dict[int, Any] = {}  # each model object serialised once for both passes

        def default(value: Any) -> Any:
            found = converted.get(id(value))
            if found is None:
                found = converted[id(value)] = _json_default(value)
            return found

        json.dumps(doc, default=default, allow_nan=False, check_circular=False)
        return orjson.dumps(doc, default=default, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except (TypeError, ValueError, RecursionError):
        pass  # a value orjson cannot take (an integer over 64 bits) or a located error to raise
    plain = _plain(doc, "")
    text = json.dumps(plain, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _json_default(value: Any) -> Any:
    """What the C encoders call for a value they do not know: the RFC-8 model's
    objects (``to_json()``) and NumPy scalars and arrays; anything else is left to
    :func:`_plain`, which raises with the JSON location."""
    if hasattr(value, "to_json") and not isinstance(value, (dict, list, str)):
        return value.to_json()
    plain = _numpy_to_python(value)
    if plain is value:
        raise TypeError(type(value).__name__)
    return plain
