"""Read a tree that is already in the RFC-8 node model (v1 or an earlier draft).

Starts at ``<root>/zarr.json`` and follows every node ``path`` of type
``zarr`` or ``json`` (RFC-8 v1, "Path interface") that stays inside the root:

* a ``collection``/``multiscale`` path names another RFC-8 document
  (a group's ``zarr.json`` or a standalone ``*.json`` file);
* a ``singlescale`` path names a Zarr array; when that array's ``zarr.json``
  itself carries an RFC-8 ``ome`` node (the "distributed" layout of earlier
  drafts, or a level document of RFC-8 v1) it is a document too.

Remote URLs, ``file:`` URLs, absolute paths and relative paths that leave the
root are never followed (RFC-8 v1, "Security"); each one is noted as a
warning. Paths of extension types (``"google-sheet"``, ``"mobie:..."``) and
paths of extension node types are not followed: they are opaque to us.

Only metadata files are read; chunk files are never opened.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ...errors import MigrateError
from ...rfc8.walk import find_cycle, iter_nodes
from ...storage.location import as_path, display, is_file, normalize, relative_posix
from ...storage.location import is_remote as is_remote_location
from ...storage.sandbox import MAX_PATH_CHARS, current, inside
from ...zarr.node import MAX_NAME_BYTES, V3_DOC, ZarrNode, check_array, is_dir, read_json, read_node
from ..plan import EscapingPath

#: Node types whose ``path`` this reader follows (RFC-8 v1, "Node").
CORE_NODE_TYPES = ("collection", "multiscale", "singlescale")


def path_object(value: Any) -> dict[str, Any] | None:
    """The RFC-8 ``Path`` object a node's (or reference's) ``path`` stands for.

    A ``{"type", "path"}`` object is returned as is. A plain string (early
    drafts, e.g. ome/ome-ngff-validator's collection samples) stands for a
    ``json`` path when it ends with ``.json`` and a ``zarr`` path otherwise.
    Anything else gives ``None``. Spec: RFC-8 v1, "Path interface". Never
    raises.
    """
    if isinstance(value, str):
        return {"type": "json" if value.lower().endswith(".json") else "zarr", "path": value}
    if isinstance(value, dict) and isinstance(value.get("path"), str) and isinstance(value.get("type"), str):
        return value
    return None


def is_remote(target: str) -> bool:
    """Whether a path string is a URL or an absolute path (never followed)."""
    return "://" in target or target.startswith(("file:", "/", "\\")) or PurePosixPath(target).is_absolute()


@dataclass
class Rfc8Document:
    """One RFC-8 document of the tree.

    Attributes
    ----------
    file:
        The document file, relative to the root (``zarr.json``,
        ``sub/zarr.json`` or ``sub/child.json``).
    kind:
        ``"zarr"`` (``zarr.json`` → ``attributes.ome``) or ``"json"`` (a
        standalone file with a top-level ``ome``).
    raw:
        The whole JSON object of the file, as read.
    node:
        The Zarr node (``kind == "zarr"`` only).
    links:
        Node location in this document (``ome.nodes[0]``) → what its
        ``path`` resolved to: the target document's ``file`` for
        collection/multiscale nodes and for level documents, the array's
        directory (relative to the root) for singlescale nodes.
    """

    file: str
    kind: Literal["zarr", "json"]
    raw: dict[str, Any]
    node: ZarrNode | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def rel(self) -> str:
        """The document's directory, relative to the root (``""`` for the root)."""
        parent = PurePosixPath(self.file).parent.as_posix()
        return "" if parent == "." else parent

    @property
    def ome(self) -> dict[str, Any]:
        """The RFC-8 ``ome`` object of the document."""
        if self.kind == "zarr":
            return self.raw["attributes"]["ome"]
        return self.raw["ome"]


@dataclass
class Rfc8Array:
    """A Zarr array a singlescale points to (or a singlescale document's own array).

    ``axis_names`` are the names of the parent multiscale's coordinate system
    axes when their number equals the array's rank (used as
    ``dimension_names`` when a Zarr v2 array needs a v3 ``zarr.json``).
    """

    rel: str
    node: ZarrNode
    axis_names: list[str] | None = None


@dataclass
class Rfc8Tree:
    """Everything :func:`read_rfc8_tree` found.

    ``documents`` are in discovery order (the root first); ``groups`` are the
    plain Zarr groups (no ``ome``) between a document and what its paths
    point to, e.g. ``labels`` in ``./labels/nuclei``: they need no change.
    """

    root: Path
    version: str | None
    documents: list[Rfc8Document] = field(default_factory=list)
    #: the entry document, relative to the root: ``zarr.json`` or a standalone ``*.json``
    entry: str = V3_DOC
    arrays: list[Rfc8Array] = field(default_factory=list)
    groups: list[tuple[str, ZarrNode]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    strict: bool = True
    #: relative paths that leave the root (not followed; RFC-8 v1 §Security)
    escaping: list[EscapingPath] = field(default_factory=list)

    def document(self, file: str) -> Rfc8Document | None:
        """The document read from ``file`` (relative to the root), if any."""
        return next((d for d in self.documents if d.file == file), None)


class _Reader:
    def __init__(self, root: Path, version: str, strict: bool, warnings: list[str]) -> None:
        # paths are handled lexically (``..`` folded, links kept) so that a file keeps the
        # name it has in the tree; links are resolved only to check they stay inside
        self.root = normalize(root)
        self.resolved_root = self.root if is_remote_location(root) else Path(os.path.realpath(root))
        self.tree = Rfc8Tree(root=root, version=version or None, strict=strict)
        self.strict = strict
        self.warnings = warnings
        self.queued: set[str] = set()
        #: document -> the documents its paths name, and where (the cycle check)
        self.edges: dict[str, list[str]] = {}
        self.sites: dict[tuple[str, str], str] = {}
        self.array_rels: set[str] = set()
        self.checked_dirs: set[str] = set()

    def rel(self, path: Path) -> str:
        """``path`` (built from the root) relative to the root, lexically."""
        rel = relative_posix(path, self.root)
        return display(path) if rel is None else rel

    def problem(self, file: Path, message: str) -> None:
        """A broken link: an error in strict mode, else a warning."""
        if self.strict:
            raise MigrateError(file, message)
        self.warnings.append(f"{self.rel(file)}: {message}")

    # -- documents ---------------------------------------------------------------
    def load(self, file: Path, referrer: str | None) -> Rfc8Document | None:
        where = f" (referenced from {referrer})" if referrer else ""
        kind: Literal["zarr", "json"]
        if file.name == V3_DOC:
            node = read_node(file.parent)  # reads and checks zarr.json
            if node is None or node.zarr_format != 3:
                raise MigrateError(file, "file not found")
            raw, ome, kind = node.metadata, node.attributes.get("ome"), "zarr"
        else:
            raw = read_json(file)
            node, ome, kind = None, raw.get("ome"), "json"
        if not isinstance(ome, dict) or "type" not in ome:
            message = f"no RFC-8 'ome' node (an 'ome' object with a 'type'){where}"
            if referrer is None:
                raise MigrateError(file, message)
            self.problem(file, message)
            return None
        return Rfc8Document(file=self.rel(file), kind=kind, raw=raw, node=node)

    def run(self) -> Rfc8Tree:
        start = self.root / self.tree.entry
        if not is_file(start):
            raise MigrateError(start, "file not found: an RFC-8 tree starts at the root's zarr.json "
                                      "(or at a standalone RFC-8 .json document)")
        queue: deque[tuple[Path, str | None]] = deque([(start, None)])
        self.queued.add(self.rel(start))
        while queue:
            file, referrer = queue.popleft()
            doc = self.load(file, referrer)
            if doc is None:
                continue
            self.tree.documents.append(doc)
            queue.extend(self.follow(doc))
        self.check_acyclic()
        self.tree.warnings = self.warnings
        return self.tree

    def follow(self, doc: Rfc8Document) -> list[tuple[Path, str]]:
        """Resolve the paths of ``doc``; return the documents still to read."""
        base = self.root / doc.rel if doc.rel else self.root
        file = self.root / doc.file
        out: list[tuple[Path, str]] = []
        ome = doc.ome
        if doc.node is not None and doc.node.node_type == "array":
            # a singlescale document stored in its own array's zarr.json
            check_array(doc.node, file=file, where="ome", what="a singlescale array")
            self.add_array(doc.rel, doc.node, _axis_names(ome))
        for site in iter_nodes(ome):
            node, loc, parent = site.node, site.location, site.parent
            if node.get("type") not in CORE_NODE_TYPES or "path" not in node:
                continue
            target = self.resolve(base, node["path"], file, f"{loc}.path")
            if target is None:
                continue
            kind, path = target
            referrer = f"{doc.file} {loc}"
            if kind == "json":
                if not is_file(path):
                    self.problem(file, f"{loc}.path: json document {self.rel(path)!r} does not exist")
                    continue
                self.note_groups(path.parent)
                doc.links[loc] = self.rel(path)
                out.extend(self.enqueue(path, referrer, doc.file, loc))
                continue
            self.note_groups(path)
            if node["type"] == "singlescale":
                array = read_node(path)
                if array is None or array.node_type != "array":
                    what = "nothing" if array is None else f"a Zarr v{array.zarr_format} group"
                    self.problem(file, f"{loc}.path: singlescale points to {self.rel(path) or '.'!r}, "
                                       f"which holds {what}, not a Zarr array")
                    continue
                rel = self.rel(path)
                check_array(array, file=file, where=loc, what="a singlescale array")
                doc.links[loc] = rel
                self.add_array(rel, array, _axis_names(parent) if parent is not None else None)
                own = array.attributes.get("ome") if array.zarr_format == 3 else None
                if isinstance(own, dict) and "type" in own:
                    doc.links[loc] = self.rel(path / V3_DOC)
                    out.extend(self.enqueue(path / V3_DOC, referrer, doc.file, loc))
                continue
            if not is_file(path / V3_DOC):
                self.problem(file, f"{loc}.path: {node['type']} points to {self.rel(path) or '.'!r}, "
                                   f"which has no zarr.json")
                continue
            doc.links[loc] = self.rel(path / V3_DOC)
            out.extend(self.enqueue(path / V3_DOC, referrer, doc.file, loc))
        return out

    def enqueue(self, file: Path, referrer: str, source: str, location: str) -> list[tuple[Path, str]]:
        """Queue the document ``file`` that ``location`` of the document ``source`` names (once)."""
        rel = self.rel(file)
        self.edges.setdefault(source, []).append(rel)
        self.sites.setdefault((source, rel), location)
        if rel in self.queued:
            return []
        self.queued.add(rel)
        return [(file, referrer)]

    def check_acyclic(self) -> None:
        """RFC-8 trees have no reference cycle: one is an error naming the documents."""
        cycle = find_cycle(self.edges)
        if cycle is not None:
            where = self.sites.get((cycle[-2], cycle[-1]), "")
            raise MigrateError(self.root / cycle[-2], f"reference cycle across documents: {' -> '.join(cycle)} "
                                                      f"(at {where}.path); an RFC-8 tree has none")

    def resolve(self, base: Path, value: Any, file: Path, loc: str) -> tuple[str, Path] | None:
        """A node path → ``(kind, resolved path)``; ``None`` when not followed."""
        path = path_object(value)
        if path is None:
            self.warnings.append(f"{self.rel(file)} {loc}: not an RFC-8 Path object; not followed")
            return None
        kind, target = path["type"], path["path"]
        if kind not in ("zarr", "json"):
            return None  # extension path types are opaque
        shown = target if len(target) <= 80 else target[:77] + "..."
        if "\x00" in target or len(target) > MAX_PATH_CHARS or any(
                len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in target.split("/")):
            # not a broken link but a corrupt document: an error even with --lenient
            raise MigrateError(file, f"path {shown!r} holds a NUL byte, is longer than {MAX_PATH_CHARS} "
                                     f"characters or has a component longer than {MAX_NAME_BYTES} bytes at {loc}")
        if is_remote(target):
            self.warnings.append(f"[path-remote] {self.rel(file)} {loc}: remote or absolute path {shown!r} not followed")
            return None
        resolved = normalize(base / target)
        if relative_posix(resolved, self.root) is None:
            self.warnings.append(f"[path-leaves-root] {self.rel(file)} {loc}: path {shown!r} leaves the root; not followed")
            self.tree.escaping.append(EscapingPath(self.rel(file), loc, target))
            return None
        box = current()
        if not (box is not None and box.allow_outside) and not inside(self.resolved_root, resolved):
            self.warnings.append(f"[path-inside-root] {self.rel(file)} {loc}: path {shown!r} resolves outside the root through a "
                                 "symbolic link; not followed (--allow-outside follows it)")
            return None
        return kind, resolved

    def add_array(self, rel: str, node: ZarrNode, axis_names: list[str] | None) -> None:
        if rel in self.array_rels:
            return
        self.array_rels.add(rel)
        if axis_names is not None and len(axis_names) != len(node.shape):
            axis_names = None
        self.tree.arrays.append(Rfc8Array(rel, node, axis_names))

    def note_groups(self, target: Path) -> None:
        """Record the plain groups strictly between the root and ``target``."""
        parent = target.parent
        while relative_posix(parent, self.root):  # "" (the root) or None (outside) end it
            rel = self.rel(parent)
            if rel not in self.checked_dirs:
                self.checked_dirs.add(rel)
                node = read_node(parent) if is_dir(parent) else None
                if node is not None and node.node_type == "group" and "ome" not in node.attributes:
                    self.tree.groups.append((rel, node))
            parent = parent.parent


def _axis_names(node: Any) -> list[str] | None:
    """Axis names of the first coordinate system declared on ``node``."""
    if not isinstance(node, dict) or not isinstance(node.get("attributes"), dict):
        return None
    systems = node["attributes"].get("coordinateSystems")
    if not isinstance(systems, list) or not systems or not isinstance(systems[0], dict):
        return None
    axes = systems[0].get("axes")
    if not isinstance(axes, list):
        return None
    names = [a.get("name") if isinstance(a, dict) else None for a in axes]
    return names if all(isinstance(n, str) for n in names) else None


def read_rfc8_tree(root: Path, version: str, *, strict: bool = True,
                   warnings: list[str] | None = None) -> Rfc8Tree:
    """Read every RFC-8 document and array reachable from ``root/zarr.json``.

    Spec: RFC-8 v1 (draft v1-2026-08), "Metadata storage", "Path interface"
    and "Security"; earlier drafts are read the same way (their references
    are normalised later, by
    :func:`ngff_migrate.formats.rfc8.normalise.translate_rfc8`).

    Parameters
    ----------
    root:
        The directory holding the root ``zarr.json``, or a standalone
        RFC-8 ``*.json`` document (its directory is then the root).
    version:
        The version detected on the root node (``""`` if none).
    strict:
        When ``True`` a path that does not resolve (missing file, a
        singlescale pointing to a group, a document without ``ome``) raises;
        otherwise it is listed in ``warnings`` and skipped.
    warnings:
        A list to append warnings to (paths not followed, and broken links
        when not strict); also available as :attr:`Rfc8Tree.warnings`.

    Raises
    ------
    MigrateError
        If a document is unreadable or not valid JSON, a Zarr metadata file
        is malformed, the root holds no RFC-8 ``ome`` node, or (``strict``)
        a followed path does not resolve. The error names the file.
    """
    root = as_path(root)
    entry = V3_DOC
    if root.suffix.lower() == ".json" if is_remote_location(root) else not is_dir(root):
        # a standalone RFC-8 JSON document: the tree's root is its directory
        root, entry = root.parent, root.name
    reader = _Reader(root, version, strict, warnings if warnings is not None else [])
    reader.tree.entry = entry
    return reader.run()
