"""Read the metadata documents of one Zarr node (v2 or v3) from a directory.

Only metadata files are opened (``zarr.json``; ``.zgroup``/``.zarray`` and
``.zattrs``); chunk files are never listed or read here, so reading costs the
same whatever the size of the pixel data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import MigrateError
from ..storage.sandbox import check_read

V2_GROUP = ".zgroup"
V2_ARRAY = ".zarray"
V2_ATTRS = ".zattrs"
V3_DOC = "zarr.json"

#: Set by :func:`json_policy`: ``None`` (strict) or the list that collects one
#: line per non-standard JSON number replaced by ``null`` (lenient).
_NONSTANDARD: ContextVar[list[str] | None] = ContextVar("ngff_migrate_json_policy", default=None)


@contextmanager
def json_policy(*, lenient: bool) -> Iterator[list[str]]:
    """How :func:`read_json` treats non-standard JSON numbers (``NaN``,
    ``Infinity``, ``-Infinity``) in this context.

    Strict (the default): a clear error naming the file and the JSON
    location. Lenient: each is read as ``null`` and one line saying where is
    appended to the yielded list (the caller reports them as changed).
    """
    changed: list[str] = []
    token = _NONSTANDARD.set(changed if lenient else None)
    try:
        yield changed
    finally:
        _NONSTANDARD.reset(token)


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from ``path``.

    Raises
    ------
    MigrateError
        If the file cannot be read, is not valid JSON (e.g. truncated), or
        does not hold a JSON object. The message names the file and, for
        syntax errors, the line and column.
    OutsideRootError
        If the file resolves outside the current run's sandbox
        (:mod:`ngff_migrate.storage.sandbox`).
    """
    check_read(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MigrateError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(path, f"cannot read: {exc}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = "empty file" if not text.strip() else f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise MigrateError(path, problem) from None
    if not isinstance(value, dict):
        raise MigrateError(path, f"expected a JSON object, found {type(value).__name__}")
    return value


@dataclass
class ZarrNode:
    """The metadata of one Zarr group or array as found on disk.

    Attributes
    ----------
    directory:
        The node's directory.
    zarr_format:
        2 or 3.
    node_type:
        ``"group"`` or ``"array"``.
    attributes:
        User attributes (``.zattrs`` for v2, ``zarr.json["attributes"]`` for v3).
    metadata:
        The structural document: ``.zarray``/``.zgroup`` content for v2, the
        whole ``zarr.json`` for v3.
    files:
        Names of the metadata files that exist for this node.
    """

    directory: Path
    zarr_format: Literal[2, 3]
    node_type: Literal["group", "array"]
    attributes: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    @property
    def attributes_file(self) -> Path:
        """The file that holds this node's attributes."""
        return self.directory / (V3_DOC if self.zarr_format == 3 else V2_ATTRS)

    @property
    def shape(self) -> tuple[int, ...]:
        """Array shape (arrays only), in the array's axis order."""
        return tuple(self.metadata.get("shape", ()))


def read_node(directory: Path) -> ZarrNode | None:
    """Read the Zarr node stored in ``directory``; ``None`` if there is none.

    A ``zarr.json`` wins over v2 files (a tree migrated in place keeps its v2
    files next to the new v3 documents).

    Raises
    ------
    MigrateError
        If a metadata file exists but is unreadable or malformed.
    """
    v3 = directory / V3_DOC
    if v3.is_file():
        doc = read_json(v3)
        fmt = doc.get("zarr_format")
        node_type = doc.get("node_type")
        if fmt != 3 or node_type not in ("group", "array"):
            raise MigrateError(v3, f"not a Zarr v3 document (zarr_format={fmt!r}, node_type={node_type!r})")
        attrs = doc.get("attributes") or {}
        if not isinstance(attrs, dict):
            raise MigrateError(v3, "'attributes' is not a JSON object")
        return ZarrNode(directory, 3, node_type, attrs, doc, [V3_DOC])
    return read_v2_node(directory)


def read_v2_node(directory: Path) -> ZarrNode | None:
    """Read the Zarr v2 node in ``directory`` (ignoring any ``zarr.json``).

    Raises
    ------
    MigrateError
        If a metadata file exists but is unreadable or malformed.
    """
    files: list[str] = []
    node_type: Literal["group", "array"] | None = None
    meta: dict[str, Any] = {}
    for name, kind in ((V2_ARRAY, "array"), (V2_GROUP, "group")):
        if (directory / name).is_file():
            meta = read_json(directory / name)
            node_type = kind  # type: ignore[assignment]
            files.append(name)
            break
    attrs: dict[str, Any] = {}
    if (directory / V2_ATTRS).is_file():
        attrs = read_json(directory / V2_ATTRS)
        files.append(V2_ATTRS)
    if node_type is None:
        if not attrs:
            return None
        node_type = "group"  # attributes without .zgroup: tolerated as a group
    if node_type == "array" and meta.get("zarr_format") not in (2, None):
        raise MigrateError(directory / V2_ARRAY, f"unexpected zarr_format {meta.get('zarr_format')!r}")
    return ZarrNode(directory, 2, node_type, attrs, meta, files)
