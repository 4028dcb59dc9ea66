"""What the OME-Zarr 0.6 readers share: versions, the reading context,
opening a 0.6 group, paths and transformation references (0.6
§"coordinateTransformations": ``input``/``output``), and graph helpers.

Used by :mod:`ngff_migrate.formats.ngff06.read` (images), :mod:`.scene06` and
:mod:`.plate06`; everything here is re-exported by ``ngff06``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...storage.sandbox import OutsideRootError
from ...zarr.node import ZarrNode, member_path, read_node
from .model import CoordinateSystem06, Image06

#: 0.6 drafts and releases the 0.6 readers read, oldest first.
V06_VERSIONS = ("0.6.dev1", "0.6.dev2", "0.6.dev3", "0.6.dev4", "0.6rc0", "0.6")
#: 0.6 plus RFC-3/RFC-4 (ngff-zarr's opt-in ``0.9.dev1``): read like 0.6,
#: without the 0.6 axis-model limits; axis ``orientation`` is carried as is.
RFC3_VERSIONS = ("0.9.dev1",)
#: Versions whose transformation ``input``/``output`` are plain strings.
STRING_REF_VERSIONS = ("0.6.dev1", "0.6.dev2", "0.6.dev3")


def is_v06(version: Any) -> bool:
    """Whether ``version`` is a 0.6 draft/release or ``0.9.dev1`` (read by the 0.6 readers)."""
    return version in V06_VERSIONS or version in RFC3_VERSIONS


# --- reading context ------------------------------------------------------------


@dataclass
class ReadContext:
    """Reading state shared by every document of one dataset."""

    root: Path
    strict: bool
    warnings: list[str]
    images: dict[str, Image06] = field(default_factory=dict)

    def invalid(self, file: Path, problems: list[str]) -> None:
        """Invalid 0.6 metadata that can still be carried verbatim: an error
        in strict mode, warnings with ``--lenient``."""
        if not problems:
            return
        if self.strict:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise MigrateError(file, f"invalid OME-Zarr 0.6 metadata: {problems[0]}{more} "
                                     "(use --lenient to migrate anyway)")
        self.warnings.extend(f"{file}: invalid OME-Zarr 0.6 metadata: {p}" for p in problems)


def open_group06(directory: Path, what: str, version: str
                 ) -> tuple[ZarrNode, dict[str, Any], dict[str, Any], str]:
    """Read a 0.6 group: ``(node, ome without version, other attributes,
    the document's version)``.

    Raises
    ------
    MigrateError
        If ``directory`` is not a Zarr v3 group with ``ome`` attributes, or
        its ``version`` is not a 0.6 version (see :func:`document_version`).
    """
    node = read_node(directory)
    if node is None or node.node_type != "group" or node.zarr_format != 3:
        raise MigrateError(directory, f"expected a Zarr v3 group holding {what}")
    attrs = dict(node.attributes)
    ome = attrs.pop("ome", None)
    if not isinstance(ome, dict):
        raise MigrateError(node.attributes_file, f"no 'ome' attributes: not {what}")
    ome = dict(ome)
    version = document_version(ome, node.attributes_file, version)
    ome.pop("version", None)
    return node, ome, attrs, version


def document_version(ome: dict[str, Any], file: Path, fallback: str) -> str:
    """The document's own ``version`` (``fallback`` when absent).

    Raises ``MigrateError`` if it is not a version this module reads."""
    version = ome.get("version", fallback)
    if not is_v06(version):
        raise MigrateError(file, f"OME-Zarr version {version!r} inside a {fallback} dataset "
                                 f"(expected one of {', '.join(V06_VERSIONS + RFC3_VERSIONS)})")
    return str(version)


def child_path(base_rel: str, path: Any, file: Path, where: str, root: Path | None = None) -> str:
    """Root-relative POSIX path of ``path`` given relative to ``base_rel``
    (a leading ``/`` is the root of the Zarr hierarchy, i.e. the dataset).

    With ``root`` (the dataset directory) the result is also checked like
    :func:`~ngff_migrate.zarr.node.member_path` (NUL bytes, length,
    symbolic links leaving the run's sandbox).

    Raises
    ------
    MigrateError
        If ``path`` is not a relative path string.
    OutsideRootError
        If it climbs out of the dataset with ``..`` (never followed: the
        RFC-8 output could not point there), or (``root``) resolves outside it
        through a symbolic link without ``allow_outside``.
    """
    if not isinstance(path, str) or not path or "://" in path or path.startswith("file:") or "\x00" in path:
        raise MigrateError(file, f"{str(path)[:80]!r} is not a relative path inside the dataset at {where}")
    if path.startswith("/"):
        base_rel, path = "", path.lstrip("/") or "."
    joined = posixpath.normpath(posixpath.join(base_rel or ".", path))
    if joined == ".." or joined.startswith("../"):
        raise OutsideRootError(file, f"path {path[:80]!r} leaves the dataset (through '..') at {where}")
    joined = "" if joined == "." else joined
    if root is not None and joined:
        member_path(root, joined, file=file, where=where)
    return joined


# --- references -------------------------------------------------------------------


def ref_parts(value: Any, version: str, *, level: bool) -> tuple[str | None, str | None] | None:
    """``(name, path)`` of a transformation ``input``/``output``; ``None`` if malformed.

    Up to 0.6.dev3 a reference is a string: a level's ``input`` names its
    dataset path (``level=True`` for that position), everything else a
    coordinate system. From 0.6.dev4 it is ``{"name"?, "path"?}``.
    """
    if version in STRING_REF_VERSIONS:
        if not isinstance(value, str) or not value:
            return None
        return (None, value) if level else (value, None)
    if not isinstance(value, dict) or set(value) - {"name", "path"}:
        return None
    name, path = value.get("name"), value.get("path")
    if (name is not None and not isinstance(name, str)) or (path is not None and not isinstance(path, str)):
        return None
    return name, path


def ref_form(version: str) -> str:
    """The reference form ``version`` uses, for messages."""
    return ("a string" if version in STRING_REF_VERSIONS else "an object {\"name\", \"path\"}") + \
        f" at OME-Zarr {version}"


# --- graphs -------------------------------------------------------------------------


def system_of(image: Image06, name: str) -> CoordinateSystem06 | None:
    """The first coordinate system called ``name`` in ``image``'s multiscales."""
    for ms in image.multiscales:
        for cs in ms.coordinate_systems:
            if cs.name == name:
                return cs
    return None


def components(nodes: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Connected components of an undirected graph, each in ``nodes`` order
    (edges with an end outside ``nodes`` are ignored)."""
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for n in nodes:
        groups.setdefault(find(n), []).append(n)
    return list(groups.values())
