"""Read the metadata documents of one Zarr node (v2 or v3) from a directory.

Only metadata files are opened (``zarr.json``; ``.zgroup``/``.zarray`` and
``.zattrs``); chunk files are never listed or read here, so reading costs the
same whatever the size of the pixel data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Literal

from ..errors import MigrateError, UnsupportedError
from ..storage.location import display, resolve_member
from ..storage.sandbox import MAX_PATH_CHARS, OutsideRootError, current, inside
from .jsonio import (  # noqa: F401  (re-exported: the readers' one JSON entry point)
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    is_changed_line,
    json_location,
    json_policy,
    read_json,
)

V2_GROUP = ".zgroup"
V2_ARRAY = ".zarray"
V2_ATTRS = ".zattrs"
V3_DOC = "zarr.json"

#: Shape and chunk entries are integers below this (a signed 64-bit index, as
#: every Zarr implementation stores them).
MAX_EXTENT = 2**63
#: The longest path component (bytes), as most file systems allow.
MAX_NAME_BYTES = 255
#: Zarr v3 core data types that hold numbers or booleans (image levels).
NUMERIC_DATA_TYPES = frozenset({
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
})


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
        """Array shape (arrays only; ``()`` for groups), in the array's axis order.

        Raises
        ------
        MigrateError
            If the array's ``shape`` is not a list of integers from 0 to
            2**63 - 1 (naming the metadata file, ``at shape[i]``).
        """
        if self.node_type != "array":
            return ()
        return tuple(_extents(self.metadata.get("shape"), self.metadata_file, "shape", minimum=0))

    @property
    def metadata_file(self) -> Path:
        """The structural document: ``zarr.json`` (v3), ``.zarray``/``.zgroup``
        (v2; ``.zattrs`` for a group without ``.zgroup``)."""
        return self.directory / self.files[0]


def _is_file(path: Path) -> bool:
    """``path.is_file()``, with an unusable path (too long, a NUL byte) as a project error."""
    try:
        return path.is_file()
    except (OSError, ValueError) as exc:
        raise MigrateError(path, f"cannot be accessed: {getattr(exc, 'strerror', None) or exc}") from None


def read_node(directory: Path) -> ZarrNode | None:
    """Read the Zarr node stored in ``directory``; ``None`` if there is none.

    A ``zarr.json`` wins over v2 files (a tree migrated in place keeps its v2
    files next to the new v3 documents). Checked here: the documents are
    JSON objects, ``zarr_format``/``node_type`` and ``attributes`` (an
    object). An array's structural fields are checked where it is used as
    an array (:func:`check_array`; :attr:`ZarrNode.shape` checks ``shape``),
    so that a reader can first say what the node should have been.

    Raises
    ------
    MigrateError
        If a metadata file exists but is unreadable or malformed; the message
        names the file and the JSON location.
    """
    v3 = directory / V3_DOC
    if not isinstance(directory, PurePath):  # remote: read, absent is None (no existence check first)
        prefetch_nodes([directory])  # the candidate documents at once, when a read cache is active
        doc = read_json(v3, missing_ok=True)
        return _v3_node(directory, v3, doc) if doc is not None else read_v2_node(directory)
    if _is_file(v3):
        return _v3_node(directory, v3, read_json(v3))
    return read_v2_node(directory)


def prefetch_nodes(directories: list[Any]) -> None:
    """Fetch the metadata documents (``zarr.json``, ``.zarray``, ``.zgroup``,
    ``.zattrs``) of many remote nodes concurrently into the read cache
    (:func:`ngff_migrate.storage.remote.prefetch`; docs/storage.md), so that
    :func:`read_node` then finds them in memory. The readers call it where they
    learn many child paths at once (a plate's wells, a well's fields, a
    multiscale's datasets). Local directories and ``None`` entries are skipped;
    the directories must already have passed :func:`member_path`. Never raises.
    """
    remote = [d for d in directories if d is not None and not isinstance(d, PurePath)]
    if not remote:
        return
    from ..storage.remote import prefetch

    prefetch([d / name for d in remote for name in (V3_DOC, V2_ARRAY, V2_GROUP, V2_ATTRS)], MAX_DOCUMENT_BYTES)


def member_or_none(base: Any, rel: Any) -> Any:
    """:func:`member_path` of ``rel`` below ``base``, or ``None`` where it is not a usable path
    (for a prefetch: the reader itself raises the error later, naming the document)."""
    try:
        return member_path(base, rel, file=base, where="", what="path")
    except MigrateError:
        return None


def _v3_node(directory: Path, v3: Path, doc: dict[str, Any]) -> ZarrNode:
    """The node of a ``zarr.json`` document, checked."""
    fmt = doc.get("zarr_format")
    node_type = doc.get("node_type")
    if fmt != 3 or node_type not in ("group", "array"):
        raise MigrateError(v3, f"not a Zarr v3 document (zarr_format={_short(fmt)}, node_type={_short(node_type)})")
    attrs = doc.get("attributes", {})
    if not isinstance(attrs, dict):
        raise MigrateError(v3, f"'attributes' must be a JSON object, found {_kind(attrs)} at attributes")
    return ZarrNode(directory, 3, node_type, attrs, doc, [V3_DOC])


def read_v2_node(directory: Path) -> ZarrNode | None:
    """Read the Zarr v2 node in ``directory`` (ignoring any ``zarr.json``).

    Raises
    ------
    MigrateError
        If a metadata file exists but is unreadable or malformed (see
        :func:`read_node`).
    """
    files: list[str] = []
    node_type: Literal["group", "array"] | None = None
    meta: dict[str, Any] = {}
    local = isinstance(directory, PurePath)
    for name, kind in ((V2_ARRAY, "array"), (V2_GROUP, "group")):
        found = (read_json(directory / name) if _is_file(directory / name) else None) if local else \
            read_json(directory / name, missing_ok=True)
        if found is not None:
            meta = found
            node_type = kind  # type: ignore[assignment]
            files.append(name)
            break
    attrs: dict[str, Any] = {}
    found = (read_json(directory / V2_ATTRS) if _is_file(directory / V2_ATTRS) else None) if local else \
        read_json(directory / V2_ATTRS, missing_ok=True)
    if found is not None:
        attrs = found
        files.append(V2_ATTRS)
    if node_type is None:
        if not attrs:
            return None
        node_type = "group"  # attributes without .zgroup: tolerated as a group
    if meta.get("zarr_format") not in (2, None):
        raise MigrateError(directory / files[0], f"unexpected zarr_format {_short(meta.get('zarr_format'))} "
                                                 "(a Zarr v2 document says 2) at zarr_format")
    return ZarrNode(directory, 2, node_type, attrs, meta, files)


# --- structural checks -----------------------------------------------------------------


def _kind(value: Any) -> str:
    """The JSON type of ``value`` in words."""
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    """``repr`` of ``value`` cut to 60 characters (messages stay one short line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _extents(value: Any, file: Path, where: str, *, minimum: int) -> list[int]:
    if not isinstance(value, list):
        raise MigrateError(file, f"'{where.rsplit('.', 1)[-1]}' must be an array of integers, found "
                                 f"{_kind(value)} at {where}")
    for i, v in enumerate(value):
        if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < MAX_EXTENT:
            raise MigrateError(file, f"{_short(v)} is not an integer from {minimum} to 2**63 - 1 at {where}[{i}]")
    return value


def _named(value: Any, file: Path, where: str, key: str = "name") -> str:
    """The ``name`` (or ``id``) of a codec/grid object (a bare string allowed for v3 codecs)."""
    if not isinstance(value, dict) or not isinstance(value.get(key), str) or not value[key]:
        raise MigrateError(file, f"expected an object with a string '{key}', found {_short(value)} at {where}")
    return value[key]


def check_v3_array(doc: dict[str, Any], file: Path) -> None:
    """Check the structural fields of a Zarr v3 array ``zarr.json`` (v3 core,
    "Array metadata"): ``shape``, ``data_type``, ``chunk_grid`` (``regular``),
    ``chunk_key_encoding`` (``default`` or ``v2``), ``codecs``,
    ``dimension_names``.

    Raises
    ------
    MigrateError, UnsupportedError
        Naming ``file`` and the JSON location of the first problem.
    """
    for key in ("shape", "data_type", "chunk_grid", "chunk_key_encoding", "codecs"):
        if key not in doc:
            raise MigrateError(file, f"a Zarr v3 array document needs '{key}' (missing at {key})")
    shape = _extents(doc["shape"], file, "shape", minimum=0)
    dt = doc["data_type"]
    if not (isinstance(dt, str) and dt) and not (isinstance(dt, dict) and isinstance(dt.get("name"), str)):
        raise MigrateError(file, f"data_type must be a name or an object with a 'name', found {_short(dt)} "
                                 "at data_type")
    grid = _named(doc["chunk_grid"], file, "chunk_grid")
    if grid != "regular":
        raise UnsupportedError(file, f"chunk grid {_short(grid)} is not supported (only the Zarr v3 core "
                                     "'regular' grid) at chunk_grid.name")
    conf = doc["chunk_grid"].get("configuration")
    if not isinstance(conf, dict):
        raise MigrateError(file, f"expected an object, found {_kind(conf)} at chunk_grid.configuration")
    where = "chunk_grid.configuration.chunk_shape"
    chunks = _extents(conf.get("chunk_shape"), file, where, minimum=1)
    if len(chunks) != len(shape):
        raise MigrateError(file, f"{len(chunks)} chunk sizes for {len(shape)} dimensions at {where}")
    encoding = _named(doc["chunk_key_encoding"], file, "chunk_key_encoding")
    if encoding not in ("default", "v2"):
        raise UnsupportedError(file, f"chunk key encoding {_short(encoding)} is not supported ('default' or "
                                     "'v2') at chunk_key_encoding.name")
    conf = doc["chunk_key_encoding"].get("configuration", {})
    if not isinstance(conf, dict) or conf.get("separator", "/") not in ("/", "."):
        raise MigrateError(file, f"expected an object with a separator '/' or '.', found {_short(conf)} "
                                 "at chunk_key_encoding.configuration")
    codecs = doc["codecs"]
    if not isinstance(codecs, list) or not codecs:
        raise MigrateError(file, f"'codecs' must be a non-empty array, found {_short(codecs)} at codecs")
    for i, codec in enumerate(codecs):
        if not isinstance(codec, str):
            _named(codec, file, f"codecs[{i}]")
    _dimension_names(doc.get("dimension_names"), len(shape), file)


def _dimension_names(names: Any, ndim: int, file: Path) -> None:
    if names is None:
        return
    if not isinstance(names, list) or len(names) != ndim:
        raise MigrateError(file, f"dimension_names must be an array of {ndim} names, found {_short(names)} "
                                 "at dimension_names")
    for i, name in enumerate(names):
        if name is not None and not isinstance(name, str):
            raise MigrateError(file, f"{_short(name)} is not a name or null at dimension_names[{i}]")


def check_v2_array(meta: dict[str, Any], file: Path) -> None:
    """Check the structural fields of a Zarr v2 ``.zarray`` (v2 spec,
    "Metadata"): ``shape``, ``chunks``, ``dtype``, ``compressor``,
    ``filters``, ``order`` and ``dimension_separator``. The dtype itself and
    codec configurations are checked where the v3 metadata is derived
    (:mod:`ngff_migrate.zarr.v2_to_v3`).

    Raises
    ------
    MigrateError
        Naming ``file`` and the JSON location of the first problem.
    """
    for key in ("shape", "chunks", "dtype"):
        if key not in meta:
            raise MigrateError(file, f"a Zarr v2 array document needs '{key}' (missing at {key})")
    shape = _extents(meta["shape"], file, "shape", minimum=0)
    chunks = _extents(meta["chunks"], file, "chunks", minimum=1)
    if len(chunks) != len(shape):
        raise MigrateError(file, f"{len(chunks)} chunk sizes for {len(shape)} dimensions at chunks")
    dtype = meta["dtype"]
    if not (isinstance(dtype, str) and dtype) and not isinstance(dtype, list):
        raise MigrateError(file, f"dtype must be a type string or a list of fields, found {_short(dtype)} at dtype")
    if meta.get("compressor") is not None:
        _named(meta["compressor"], file, "compressor", "id")
    filters = meta.get("filters")
    if filters is not None:
        if not isinstance(filters, list):
            raise MigrateError(file, f"'filters' must be null or an array, found {_short(filters)} at filters")
        for i, conf in enumerate(filters):
            _named(conf, file, f"filters[{i}]", "id")
    if meta.get("order", "C") not in ("C", "F"):
        raise MigrateError(file, f"order must be 'C' or 'F', found {_short(meta.get('order'))} at order")
    if meta.get("dimension_separator") not in (None, ".", "/"):
        raise MigrateError(file, f"dimension_separator must be '.' or '/', found "
                                 f"{_short(meta.get('dimension_separator'))} at dimension_separator")


def check_array(array: ZarrNode, *, file: Path, where: str, what: str = "an image level") -> None:
    """Check an array node used for pixels or transformation parameters: its
    structural fields (:func:`check_v3_array`, :func:`check_v2_array`) and
    that its data type holds numbers (not a Zarr v3 ``string``/``bytes``/
    extension type). Zarr v2 dtypes are checked when their v3 metadata is
    derived (:func:`ngff_migrate.zarr.v2_to_v3.v2_array_to_v3`). ``file`` and
    ``where`` say which document and JSON location use the array.

    Raises
    ------
    MigrateError, UnsupportedError
        Naming the array's metadata file and the JSON location in it.
    """
    if array.zarr_format == 2:
        check_v2_array(array.metadata, array.metadata_file)
        return
    check_v3_array(array.metadata, array.metadata_file)
    dt = array.metadata.get("data_type")
    if isinstance(dt, str) and dt in NUMERIC_DATA_TYPES:
        return
    raise UnsupportedError(array.directory / V3_DOC,
                           f"data type {_short(dt)} holds no numbers; {what} ({where} in {file}) must be a "
                           "numeric or boolean array at data_type")


# --- paths taken from documents ----------------------------------------------------------


def member_path(base: Path, rel: Any, *, file: Path, where: str, what: str = "path") -> Path:
    """``base / rel`` for a relative path ``rel`` read from the document ``file``
    at JSON location ``where`` (a dataset path, a label name, a well, field or
    series path).

    The path must be a non-empty string without NUL bytes, at most
    :data:`~ngff_migrate.storage.sandbox.MAX_PATH_CHARS` characters and
    components of at most :data:`MAX_NAME_BYTES` bytes; and, when a run's
    sandbox is set (:func:`ngff_migrate.storage.sandbox.current`), it must
    resolve (``..`` folded, symbolic links followed) inside the dataset
    unless ``allow_outside`` (RFC-8 §Security, ``docs/safety.md``).

    Raises
    ------
    MigrateError
        If ``rel`` is not a usable path.
    OutsideRootError
        If it leaves the dataset and leaving was not allowed.
    """
    if not isinstance(rel, str) or not rel:
        raise MigrateError(file, f"{what} {_short(rel)} is not a non-empty string at {where}")
    if "\x00" in rel:
        raise MigrateError(file, f"{what} {_short(rel)} holds a NUL byte at {where}")
    if len(rel) > MAX_PATH_CHARS:
        raise MigrateError(file, f"{what} is {len(rel)} characters long (more than {MAX_PATH_CHARS}) at {where}")
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in PurePosixPath(rel).parts):
        raise MigrateError(file, f"{what} {_short(rel)} has a component longer than {MAX_NAME_BYTES} bytes at {where}")
    if isinstance(base, PurePath):
        target = base / rel
    else:  # remote: folded, and never in another store (RFC-8 v1 §Security; docs/storage.md)
        target = resolve_member(base, rel)
        if target is None:
            raise OutsideRootError(file, f"{what} {_short(rel)} names another store or climbs above the top of "
                                         f"this one; never read at {where}")
    box = current()
    if box is not None and not box.allow_outside and not inside(box.root, target):
        raise OutsideRootError(file, f"{what} {_short(rel)} leaves the dataset {display(box.root)} (through '..', an "
                                     f"absolute path or a symbolic link); refused without --allow-outside at {where}")
    return target


def is_dir(path: Path) -> bool:
    """``path.is_dir()`` that never raises (an unusable path is not a directory).

    A remote location is always taken for a directory: object stores have
    none, and HTTP cannot list; the caller then reads the node's documents
    (:func:`read_node`), which says whether there is one."""
    if not isinstance(path, PurePath):
        return True
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False
