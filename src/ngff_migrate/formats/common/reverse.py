"""What every reverse map shares (DESIGN §6, "verification"; ``docs/decisions.md``, "Reverse map").

A family's reverse map rebuilds every legacy document of the input from the
documents the migration *wrote*, re-read from storage, and compares each
with the exact bytes the read stage recorded (``MigrationPlan.inputs``).
This module holds the parts every family uses:

* :class:`Output`: strict, cached reading of the output's ``zarr.json``
  documents. A missing, unreadable or malformed output document raises
  :class:`~ngff_migrate.errors.VerificationError` naming it; never ``{}``.
  Only ``zarr.json`` (and RFC-8 ``*.json``) files are read, never legacy
  ``.zattrs``/``.zarray``/``.zgroup``: an in-place run keeps those next to
  the new documents, and reading them would compare the input with itself.
* :func:`parse_input`: the recorded bytes of one input document, parsed as
  the reader parsed them (a ``NaN``/``Infinity`` token or a number too large
  for a float is ``null``, as the lenient reader reads it, except a Zarr v2
  ``fill_value``, which is the float it names).
* the semantic comparison (:func:`differences`): objects compare without key
  order; numbers by value (``1 == 1.0``; booleans are not numbers; an
  :class:`Approx` number within its tolerance); everything else exactly.
  What a family normalises before comparing (paths, defaults, composed
  transforms) is its ``canon`` function, applied to both sides.
* :class:`Trace`: where each part of a rebuilt document came from in the
  output, so that a mismatch names the output file and JSON location.
* :func:`compare`: the result every family returns, the report's
  ``verification.reverse_map``: ``{"documents": N, "equal": bool,
  "mismatches": [{"file", "location", "expected", "found", "problem",
  "input", "input_location"}, ...], "compared": [input files with OME
  metadata], "zarr_documents": M}``. ``file``/``location`` name the output
  document and the place in it the mismatching part was rebuilt from;
  ``input``/``input_location`` the input document and the place in it.

The Zarr v2 array metadata rebuilt from Zarr v3 lives in
:mod:`.reverse_zarr`.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import MigrateError, VerificationError
from ...storage.location import as_path, is_file
from ...zarr.jsonio import json_location, read_json

#: Mismatches listed in the result; past this ``mismatches_total`` says how many there were.
MAX_LISTED = 100
#: Values longer than this (as JSON text) are shown cut in a mismatch.
MAX_VALUE_CHARS = 200

Parts = tuple[str | int, ...]


# --------------------------------------------------------------------------- reading


class Output:
    """The written output tree, read strictly and once per document.

    ``root`` is the output root (the destination, or the source itself for
    an in-place run).
    """

    def __init__(self, root: Path) -> None:
        self.root = as_path(root)
        self._docs: dict[str, dict[str, Any]] = {}

    def doc(self, file: str) -> dict[str, Any]:
        """The JSON object of the output file ``file`` (root-relative POSIX path).

        Raises
        ------
        VerificationError
            If the file is missing, unreadable, not JSON (e.g. truncated) or
            not a JSON object; the error names the file.
        """
        found = self._docs.get(file)
        if found is None:
            path = self.root / file
            try:
                found = read_json(path)
            except MigrateError as exc:
                raise VerificationError(path, f"{exc.problem}: the reverse map cannot rebuild the legacy "
                                              "metadata from it") from None
            self._docs[file] = found
        return found

    def zarr(self, rel: str) -> dict[str, Any]:
        """The ``zarr.json`` of the node at ``rel`` (see :meth:`doc`)."""
        return self.doc(join(rel, "zarr.json"))

    def has(self, rel: str) -> bool:
        """Whether the node at ``rel`` has a ``zarr.json`` in the output."""
        return join(rel, "zarr.json") in self._docs or is_file(self.root / rel / "zarr.json")

    def attributes(self, rel: str) -> dict[str, Any]:
        """``attributes`` of the node at ``rel`` (``{}`` when the document has none).

        Raises
        ------
        VerificationError
            As :meth:`doc`; also when ``attributes`` is not an object.
        """
        doc = self.zarr(rel)
        attrs = doc.get("attributes", {})
        if not isinstance(attrs, dict):
            raise VerificationError(self.root / join(rel, "zarr.json"),
                                    "'attributes' is not an object at attributes")
        return attrs

    def ome(self, rel: str) -> dict[str, Any]:
        """The RFC-8 root node (``attributes.ome``) of the node at ``rel``.

        Raises
        ------
        VerificationError
            When the document is unreadable or has no ``ome`` object.
        """
        ome = self.attributes(rel).get("ome")
        if not isinstance(ome, dict):
            raise VerificationError(self.root / join(rel, "zarr.json"),
                                    "no RFC-8 'ome' object where the migration wrote one at attributes.ome")
        return ome


def parse_input(file: str, data: bytes) -> Any:
    """Parse the recorded bytes of the input document ``file`` as the reader did.

    Raises
    ------
    VerificationError
        If the bytes are not UTF-8 JSON (they were read successfully, so
        this means the record is damaged).
    """
    fill = file.rsplit("/", 1)[-1] == ".zarray"
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=float)
    except (UnicodeDecodeError, ValueError) as exc:
        raise VerificationError(file, f"the recorded input cannot be parsed again ({exc})") from None
    if _NONFINITE_TEXT.search(text) is None:
        return value  # no NaN/Infinity token and no number that overflows: nothing for _finite to change
    if isinstance(value, dict):
        return {k: (v if fill and k == "fill_value" else _finite(v)) for k, v in value.items()}
    return _finite(value)


#: text that may parse to a non-finite float: the tokens, or a number with 300 digits or a
#: 3-digit positive exponent (an overflow); a match in a string only costs the walk
_NONFINITE_TEXT = re.compile(r"NaN|Infinity|\d{300}|[eE]\+?\d{3}")


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as ``None`` (the lenient reader's ``null``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


# --------------------------------------------------------------------------- helpers


def join(*parts: str) -> str:
    """Join root-relative POSIX parts, skipping empty ones (``join("", "a") == "a"``)."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def norm_path(path: Any, *, strip: bool = False) -> Any:
    """A path string in comparison form: POSIX-normalised (``./s0`` = ``s0``,
    ``../../`` = ``../..``, ``.`` = ``""``); with ``strip`` a leading ``/`` is
    removed too (the 0.4/0.5 readers read ``/s0`` as ``s0``). URLs and
    non-strings are returned unchanged."""
    if not isinstance(path, str) or "://" in path:
        return path
    if strip:
        path = path.strip("/")
    out = posixpath.normpath(path.rstrip("/") or ".")
    return "" if out == "." else out


def target_of(doc_dir: str, path_obj: Any) -> str:
    """Root-relative directory a ``Path`` object (or path string) of the
    document in ``doc_dir`` names."""
    path = path_obj.get("path") if isinstance(path_obj, dict) else path_obj
    return norm_path(posixpath.join(doc_dir or ".", path if isinstance(path, str) else "."))


def relpath(target: str, start: str) -> str:
    """``target`` relative to ``start`` (both root-relative), normalised."""
    return norm_path(posixpath.relpath(target or ".", start or "."))


def unprefixed(attrs: dict[str, Any], prefix: str, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Carried keys ``<prefix>:<key>`` of ``attrs`` as ``{key: value}``, without ``skip``."""
    head, skip = f"{prefix}:", set(skip)
    return {k[len(head):]: v for k, v in attrs.items() if k.startswith(head) and k[len(head):] not in skip}


def plain(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The attributes of ``attrs`` that are neither ``ome`` nor carried (``<prefix>:...``)."""
    head = f"{prefix}:"
    return {k: v for k, v in attrs.items() if k != "ome" and not k.startswith(head)}


def drop_if(mapping: Any, key: str, *values: Any) -> None:
    """Remove ``key`` from ``mapping`` (a dict) when its value is one of ``values``
    (compared as JSON values)."""
    if isinstance(mapping, dict) and key in mapping and any(_same(mapping[key], v) for v in values):
        del mapping[key]


# --------------------------------------------------------------------------- comparison


class Approx(float):
    """A number compared within a tolerance: ``|a - b| <= 1e-12 * max(|a|, |b|, scale)``
    (used for composed transforms, whose float arithmetic the translation may
    order differently)."""

    scale: float = 0.0

    def __new__(cls, value: float, scale: float = 0.0) -> Approx:
        out = super().__new__(cls, value)
        out.scale = abs(scale)
        return out


def _numbers_equal(a: float, b: float) -> bool:
    if isinstance(a, Approx) or isinstance(b, Approx):
        scale = max(abs(a), abs(b), getattr(a, "scale", 0.0), getattr(b, "scale", 0.0))
        return abs(a - b) <= 1e-12 * scale
    return a == b or (a != a and b != b)  # NaN == NaN here


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    return not differences(a, b, (), limit=1)


def _same_json_text(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` have the same JSON text with sorted keys (the C
    encoder): equal values in the sense of :func:`differences` (types kept:
    ``true`` is not ``1``; ``NaN`` is ``NaN``). A ``False`` proves nothing
    (``1`` and ``1.0`` are equal numbers): the walk decides then."""
    try:
        return json.dumps(a, sort_keys=True, check_circular=False) == json.dumps(b, sort_keys=True,
                                                                               check_circular=False)
    except (TypeError, ValueError):
        return False


def differences(expected: Any, found: Any, where: Parts = (), *, limit: int | None = None
                ) -> list[tuple[Parts, str, Any, Any]]:
    """Where two JSON values differ (semantic equality, see the module docstring).

    Returns ``(location parts, problem, expected, found)`` per difference,
    in document order, at most ``limit``: ``problem`` is ``"lost"`` (a key
    of ``expected`` missing from ``found``), ``"added"`` (a key only in
    ``found``), ``"length"`` (lists of different lengths) or ``"different"``.
    Never raises.
    """
    if _same_json_text(expected, found):
        return []
    out: list[tuple[Parts, str, Any, Any]] = []
    stack: list[tuple[Any, Any, Parts]] = [(expected, found, where)]
    while stack and (limit is None or len(out) < limit):
        a, b, at = stack.pop()
        if _is_number(a) and _is_number(b):
            if not _numbers_equal(a, b):
                out.append((at, "different", a, b))
        elif isinstance(a, dict) and isinstance(b, dict):
            todo = []
            for key in a:
                if key in b:
                    todo.append((a[key], b[key], (*at, key)))
                else:
                    out.append(((*at, key), "lost", a[key], None))
            out.extend(((*at, key), "added", None, b[key]) for key in b if key not in a)
            stack.extend(reversed(todo))
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                out.append((at, "length", a, b))
            else:
                stack.extend(reversed([(x, y, (*at, i)) for i, (x, y) in enumerate(zip(a, b, strict=True))]))
        elif not (a == b and type(a) is type(b)):
            out.append((at, "different", a, b))
    return out if limit is None else out[:limit]


# --------------------------------------------------------------------------- tracing


@dataclass
class Trace:
    """Where the parts of one rebuilt legacy document came from in the output.

    ``file``/``at`` is the default origin (the output document and location
    the document was mostly rebuilt from). :meth:`add` registers a part:
    ``legacy`` (location parts in the legacy document) came from ``at`` in
    the output ``file``; ``verbatim`` when the part was copied as is, so
    that a location below it maps one to one.
    """

    file: str
    at: Parts = ()
    entries: dict[Parts, tuple[str, Parts, bool]] = field(default_factory=dict)

    def add(self, legacy: Parts, file: str, at: Parts, verbatim: bool = False) -> None:
        """Register where the legacy part ``legacy`` came from."""
        self.entries[legacy] = (file, at, verbatim)

    def find(self, legacy: Parts) -> tuple[str, Parts]:
        """The output file and location a legacy location was rebuilt from
        (the longest registered prefix; the default origin if none)."""
        for n in range(len(legacy), -1, -1):
            hit = self.entries.get(legacy[:n])
            if hit is not None:
                file, at, verbatim = hit
                return file, (*at, *legacy[n:]) if verbatim else at
        return self.file, self.at

    def prefixed(self, prefix: Parts) -> Trace:
        """This trace for the same content placed at ``prefix`` in its document."""
        return Trace(self.file, self.at, {(*prefix, *k): v for k, v in self.entries.items()})


@dataclass
class Rebuilt:
    """One legacy document rebuilt from the output: the document, where its
    parts came from, the comparison form applied to it *and* to the input
    (``canon``, identity by default), and whether it holds OME metadata
    (``ome``: counted in ``documents``; Zarr structure documents such as
    ``.zgroup``, array metadata and plain groups are ``zarr_documents``)."""

    document: Any
    trace: Trace
    canon: Callable[[Any], Any] | None = None
    ome: bool = False


def compare(plan, rebuilt: dict[str, Rebuilt], fallback: Callable[[str], Rebuilt]) -> dict[str, Any]:
    """Compare every input document of ``plan`` with its rebuilt form.

    ``rebuilt`` maps root-relative input files to their reconstruction;
    ``fallback(file)`` rebuilds an input the family's walk did not reach
    (it may raise :class:`~ngff_migrate.errors.VerificationError`). Inputs
    read outside the dataset (``--allow-outside``: absolute paths) are not
    part of the output and are skipped.

    Returns the report entry (module docstring): ``documents`` counts (and
    ``compared`` lists) the input documents with OME metadata,
    ``zarr_documents`` the other input documents compared (Zarr array and
    group metadata); ``equal`` is ``False`` when any document differs, and
    the mismatches say where (at most :data:`MAX_LISTED`, with
    ``mismatches_total`` when there were more).

    Raises
    ------
    VerificationError
        If an output document needed for a reconstruction is missing or
        unreadable (from :class:`Output`).
    """
    compared: list[str] = []
    zarr_documents = 0
    mismatches: list[dict[str, Any]] = []
    total = 0
    reencoded = {a.rel for a in plan.arrays if a.target is not None}
    for file in sorted(plan.inputs):
        if file.startswith("/"):
            continue
        expected = parse_input(file, plan.inputs[file])
        entry = rebuilt.get(file) or fallback(file)
        canon = entry.canon or (lambda d: d)
        rel, _, name = file.rpartition("/")
        if rel in reencoded and name in (".zarray", "zarr.json"):
            canon = _without_encoding(canon)
        if rel in plan.added_levels and name in (".zattrs", "zarr.json"):
            canon = _without_levels(canon, set(plan.added_levels[rel]))
        if entry.ome:
            compared.append(file)
        else:
            zarr_documents += 1
        found = differences(canon(expected), canon(entry.document))
        total += len(found)
        for parts, problem, exp, got in found[:max(0, MAX_LISTED - len(mismatches))]:
            out_file, out_at = entry.trace.find(parts)
            mismatches.append({"file": out_file, "location": json_location(out_at), "problem": problem,
                               "expected": _shown(exp), "found": _shown(got), "input": file,
                               "input_location": json_location(parts)})
    result: dict[str, Any] = {"documents": len(compared), "equal": total == 0, "mismatches": mismatches,
                              "compared": compared, "zarr_documents": zarr_documents}
    if total > len(mismatches):
        result["mismatches_total"] = total
    return result


#: what a re-encode changes on purpose: the array's encoding, not its values
_ENCODING_V2 = ("chunks", "compressor", "filters", "filters+compressor", "order", "dimension_separator")
_ENCODING_V3 = ("chunk_grid", "chunk_key_encoding", "codecs")


def _without_encoding(canon: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``canon`` applied to an array document with the encoding keys a
    re-encode rewrites removed (chunk shape, codecs, chunk keys; the byte
    order of a v2 ``dtype``): what stays compared is the shape, the data
    type, the fill value and the attributes. The pixels are compared by
    the pixel verification."""

    def strip(doc: Any) -> Any:
        doc = canon(doc)
        if not isinstance(doc, dict):
            return doc
        out = {k: v for k, v in doc.items() if k not in _ENCODING_V2 + _ENCODING_V3}
        dtype = out.get("dtype")
        if isinstance(dtype, str) and dtype[:1] in "<>|":
            out["dtype"] = dtype[1:]
        elif isinstance(dtype, dict):  # the canonical form of a v2 dtype
            out["dtype"] = {k: v for k, v in dtype.items() if k != "endian"}
        return out

    return strip


def _without_levels(canon: Callable[[Any], Any], added: set[str]) -> Callable[[Any], Any]:
    """``canon`` applied to an image's attributes with the ``multiscales``
    datasets a re-encode added (``--levels``: ``added`` paths) removed: the
    input had no such level, the output has it on request."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "multiscales" and isinstance(item, list):
                    item = [{**ms, "datasets": [d for d in ms.get("datasets") or []
                                                if not (isinstance(d, dict) and d.get("path") in added)]}
                            if isinstance(ms, dict) and "datasets" in ms else ms for ms in item]
                out[key] = strip(item)
            return out
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return lambda doc: strip(canon(doc))


def describe(m: dict[str, Any]) -> str:
    """One line for a mismatch entry: ``<input location>: <what differs>``."""
    exp, got = _text(m["expected"]), _text(m["found"])
    what = {"lost": f"lost (input {exp})", "added": f"not in the input (rebuilt {got})",
            "length": f"{_count(m['expected'])} entries in the input, {_count(m['found'])} rebuilt"}
    return f"{m['input_location']}: {what.get(m['problem'], f'{exp} != {got}')}"


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, list) else "?"


def _text(value: Any) -> str:
    text = value if isinstance(value, str) and value.startswith("<") else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _shown(value: Any) -> Any:
    """A value for the report (plain JSON: a non-finite float as its Zarr v3
    string), cut to a JSON text when long."""
    text = json.dumps(_json_safe(value))
    if len(text) <= MAX_VALUE_CHARS:
        return json.loads(text)
    return f"<{text[:MAX_VALUE_CHARS - 5]}...>"


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


__all__ = ["Approx", "Output", "Rebuilt", "Trace", "compare", "describe", "differences", "drop_if", "join",
           "norm_path", "parse_input", "plain", "relpath", "target_of", "unprefixed"]
