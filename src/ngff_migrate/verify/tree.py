"""Validate an RFC-8 tree on storage: every document, every link, every array.

Starts at ``<root>/zarr.json`` (or a standalone ``*.json``), checks each
document with the RFC-8 rule checker (:mod:`ngff_migrate.rfc8.rules`) and the
fractal JSON schemas, follows every node ``path`` and every cross-document
reference, and opens every singlescale array with zarr-python.

Security (RFC-8 §Security): paths that leave the root directory, ``file:``
URLs and remote URLs are not followed unless ``allow_outside`` is set; they
are reported as warnings. Every document file read must also resolve
(symbolic links followed) inside the root unless ``allow_outside``; one that
does not is not read and is a ``path-inside-root`` violation.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MigrateError, exception_line
from ..rfc8.walk import iter_nodes
from ..storage.location import (
    as_path,
    display,
    is_file,
    is_remote,
    normalize,
    relative_posix,
    resolve_member,
)
from ..storage.sandbox import MAX_PATH_CHARS, OutsideRootError, inside
from ..storage.zarrstore import zarr_store
from ..zarr.node import MAX_NAME_BYTES, read_json

#: Rule ids added by the tree walk (document-level rules come from rfc8.rules).
TREE_RULES = {
    "document-readable": "Every referenced document exists and is a JSON object.",
    "document-has-ome": "A referenced RFC-8 document carries an 'ome' node.",
    "json-schema": "The document passes the fractal RFC-8 JSON schemas (path-only stubs exempt).",
    "path-resolves": "A node's 'zarr' path names a directory holding zarr.json; a 'json' path names a file.",
    "stub-type-matches": "A path-only stub's type equals the root type of the document it points to.",
    "array-opens": "Every singlescale path is a Zarr v3 array that zarr-python opens.",
    "array-rank-matches-axes": "A singlescale array has as many dimensions as its coordinate system has axes.",
    "reference-resolves": "A reference with a path names an id declared in the target document.",
    "path-inside-root": "Every document and array metadata file read resolves (symbolic links followed) "
                        "inside the root, unless allow_outside.",
    "path-acyclic": "No document is reachable from itself through node paths (a reference cycle).",
}

#: Rule ids of findings: paths that are legal RFC-8 but not followed for safety (RFC-8 v1
#: §Security). They are reported (``TreeValidation.findings``), not violations.
FINDING_RULES = {
    "path-remote": "A URL or absolute path is not fetched unless allow_remote (then its document is "
                   "checked like any other, and its own relative paths are not followed).",
    "path-leaves-root": "A relative path that leaves the root is not followed unless allow_outside; a path "
                        "that climbs above the top of a remote store is never followed.",
    "path-type-opaque": "A path of an extension type is opaque: not followed.",
}
#: the URL schemes ``allow_remote`` fetches
FETCHED_SCHEMES = ("s3", "http", "https")


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[]`` (the rule checker reports the wrong type)."""
    return value if isinstance(value, list) else []


def _attributes(node: Any) -> dict[str, Any]:
    """A node's ``attributes`` if they are an object, else ``{}``."""
    attrs = node.get("attributes") if isinstance(node, dict) else None
    return attrs if isinstance(attrs, dict) else {}


@dataclass(frozen=True)
class TreeViolation:
    """One violation: rule id, the document file, the JSON location, a message."""

    rule: str
    file: str
    location: str
    message: str

    def one_line(self) -> str:
        """``[rule] file JSON-location: message``, as the CLI prints it."""
        return f"[{self.rule}] {self.file} {self.location}: {self.message}"


@dataclass
class TreeValidation:
    """The result of :func:`validate_tree`."""

    root: Path
    documents: list[str] = field(default_factory=list)
    arrays: list[str] = field(default_factory=list)
    violations: list[TreeViolation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: paths not followed for safety, with their rule ids (:data:`FINDING_RULES`); each one is
    #: also a line of ``warnings``
    findings: list[TreeViolation] = field(default_factory=list)
    #: remote documents fetched because ``allow_remote`` was given (their URLs)
    fetched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no document, link or array broke a rule."""
        return not self.violations

    def to_html(self) -> str:
        """The self-contained HTML page of this validation (``--html FILE``)."""
        from ..report.html import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        from ..report.html import notebook_html

        return notebook_html(self)


def _is_remote(path: str) -> bool:
    return "://" in path or path.startswith("file:")


def _iter_references(value: Any, loc: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Yield every reference object that carries a ``path`` (cross-document)."""
    if isinstance(value, dict):
        if isinstance(value.get("id"), str) and isinstance(value.get("path"), dict) and "type" not in value:
            yield value, loc
        for key, item in value.items():
            if key == "nodes":
                continue
            yield from _iter_references(item, f"{loc}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _iter_references(item, f"{loc}[{i}]")


def declared_ids(ome: dict[str, Any]) -> set[str]:
    """Every id declared in a document: nodes, coordinate systems, plate rows,
    columns and acquisitions (RFC-8 §Node, §Coordinate System, §Plate)."""
    ids: set[str] = set()
    for site in iter_nodes(ome):
        node = site.node
        if isinstance(node.get("id"), str):
            ids.add(node["id"])
        attrs = _attributes(node)
        for cs in _list(attrs.get("coordinateSystems")):
            if isinstance(cs, dict) and isinstance(cs.get("id"), str):
                ids.add(cs["id"])
        scene = attrs.get("scene")
        if isinstance(scene, dict):
            for cs in _list(scene.get("coordinateSystems")):
                if isinstance(cs, dict) and isinstance(cs.get("id"), str):
                    ids.add(cs["id"])
        plate = attrs.get("plate")
        if isinstance(plate, dict):
            for key in ("rows", "columns", "acquisitions"):
                for item in _list(plate.get(key)):
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        ids.add(item["id"])
    return ids


class _Walker:
    def __init__(self, root: Path, check_arrays: bool, allow_outside: bool,
                 schema_documents: int | None = None, allow_remote: bool = False) -> None:
        # paths are lexical (``..`` folded, links kept: a file keeps its name in the tree);
        # links are resolved only to check that what is read stays inside the root
        self.root = normalize(root)
        self.real_root = self.root if is_remote(root) else Path(os.path.realpath(root))
        self.result = TreeValidation(root=root)
        self.check_arrays = check_arrays
        self.allow_outside = allow_outside
        self.cache: dict[Path, dict[str, Any] | None] = {}
        self.cache_raw: dict[Path, dict[str, Any]] = {}
        self.schema_documents = schema_documents
        self.queue: deque[Path] = deque()
        self.seen: set[Path] = set()
        #: document -> the documents its node paths name, and where (the cycle check)
        self.edges: dict[Path, list[Path]] = {}
        self.sites: dict[tuple[Path, Path], str] = {}
        self.allow_remote = allow_remote
        self.remote_docs: set[str] = set()

    def rel(self, path: Path) -> str:
        rel = relative_posix(path, self.root)
        return display(path) if rel is None else (rel or ".")

    def readable(self, file: Path, referrer: Path, location: str) -> bool:
        """Whether ``file`` may be read: it resolves inside the root, or
        ``allow_outside``; otherwise a ``path-inside-root`` violation."""
        if self.allow_outside or str(file) in self.remote_docs or inside(self.real_root, file):
            return True
        self.violation("path-inside-root", referrer, location,
                       f"{self.rel(file)} resolves outside the root through a symbolic link; not read "
                       "(allow_outside=False)")
        return False

    def violation(self, rule: str, file: Path, location: str, message: str) -> None:
        self.result.violations.append(TreeViolation(rule, self.rel(file), location, message))

    def finding(self, rule: str, file: Path, location: str, message: str) -> None:
        found = TreeViolation(rule, self.rel(file), location, message)
        self.result.findings.append(found)
        self.result.warnings.append(found.one_line())

    def remote_document(self, kind: str, target: str, file: Path, loc: str, shown: str) -> Path | None:
        """The document a URL path names, fetched because ``allow_remote`` was given."""
        from ..storage.location import open_location

        try:
            remote = open_location(target)
        except MigrateError as exc:
            self.finding("path-remote", file, loc, f"URL {shown!r} not fetched: {exc.problem}")
            return None
        doc = remote / "zarr.json" if kind == "zarr" else remote
        self.remote_docs.add(str(doc))
        if not is_file(doc):
            self.violation("path-resolves", file, loc, f"{kind} path {shown!r}: {display(doc)} does not exist")
            return None
        self.result.fetched.append(display(doc))
        return doc

    def load(self, file: Path) -> dict[str, Any] | None:
        """The ``ome`` object of a document file (zarr.json or standalone json)."""
        if file not in self.cache:
            if not self.readable(file, file, ""):
                self.cache[file] = None
                return None
            try:
                raw = read_json(file)
            except MigrateError as exc:
                self.violation("document-readable", file, "", exc.problem)
                self.cache[file] = None
                return None
            attributes = raw.get("attributes", {}) if file.name == "zarr.json" else raw
            if not isinstance(attributes, dict):
                self.violation("document-readable", file, "attributes",
                               f"'attributes' must be a JSON object, found {type(attributes).__name__}")
                self.cache[file] = None
                return None
            ome = attributes.get("ome") if file.name == "zarr.json" else raw.get("ome")
            self.cache[file] = ome if isinstance(ome, dict) else None
            if file.name == "zarr.json":
                self.cache_raw[file] = raw
        return self.cache[file]

    def resolve(self, base_dir: Path, path_obj: Any, file: Path, loc: str) -> Path | None:
        """Resolve a Path object to a document file; ``None`` if not followed."""
        if not isinstance(path_obj, dict) or not isinstance(path_obj.get("path"), str):
            return None
        kind, target = path_obj.get("type"), path_obj["path"]
        if kind not in ("zarr", "json"):
            self.finding("path-type-opaque", file, loc, f"path type {kind!r} not followed")
            return None
        shown = target if len(target) <= 80 else target[:77] + "..."
        if "\x00" in target or len(target) > MAX_PATH_CHARS or any(
                len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in target.split("/")):
            self.violation("path-resolves", file, loc, f"{kind} path {shown!r} holds a NUL byte, is longer than "
                                                       f"{MAX_PATH_CHARS} characters or has a component longer "
                                                       f"than {MAX_NAME_BYTES} bytes")
            return None
        if _is_remote(target):
            if str(file) in self.remote_docs:  # one hop: a fetched document never makes us fetch more
                self.finding("path-remote", file, loc, f"path {shown!r} of a fetched remote document; not followed")
                return None
            if self.allow_remote and target.split("://", 1)[0].lower() in FETCHED_SCHEMES:
                return self.remote_document(kind, target, file, loc, shown)
            self.finding("path-remote", file, loc, f"remote/absolute path {shown!r} not fetched "
                                                   "(--allow-remote fetches s3:// and http(s):// URLs)")
            return None
        if is_remote(base_dir):  # folded; never in another store, whatever allow_outside says
            resolved = resolve_member(base_dir, target)
            if resolved is None:
                self.finding("path-leaves-root", file, loc, f"path {shown!r} climbs above the top of the store; "
                                                            "never fetched")
                return None
        else:
            resolved = Path(os.path.abspath(base_dir / target))
        if str(file) in self.remote_docs and relative_posix(resolved, self.root) is None:
            self.finding("path-remote", file, loc, f"path {shown!r} of a fetched remote document; not followed")
            return None
        if not self.allow_outside and relative_posix(resolved, self.root) is None:
            self.finding("path-leaves-root", file, loc, f"path {shown!r} leaves the root; not followed "
                                                        "(allow_outside=False)")
            return None
        doc = resolved / "zarr.json" if kind == "zarr" else resolved
        if not is_file(doc):
            self.violation("path-resolves", file, loc, f"{kind} path {shown!r}: {self.rel(doc)} does not exist")
            return None
        return doc

    def run(self, start: Path) -> TreeValidation:
        self.queue.append(start)
        while self.queue:
            file = self.queue.popleft()
            if file in self.seen:
                continue
            self.seen.add(file)
            self.check_document(file)
        from ..rfc8.walk import find_cycle

        cycle = find_cycle(self.edges)
        if cycle is not None:
            self.violation("path-acyclic", cycle[-2], self.sites.get((cycle[-2], cycle[-1]), ""),
                           f"reference cycle across documents: {' -> '.join(self.rel(f) for f in cycle)}")
        return self.result

    def check_document(self, file: Path) -> None:
        from ..rfc8.rules import check_document

        ome = self.load(file)
        if ome is None:
            if not any(v.file == self.rel(file) for v in self.result.violations):
                self.violation("document-has-ome", file, "ome", "no RFC-8 'ome' node in this document")
            return
        self.result.documents.append(self.rel(file))
        for v in check_document(ome):
            self.violation(v.rule, file, v.location, v.message)
        if self.schema_documents is None or len(self.result.documents) <= self.schema_documents:
            from ..rfc8.schemas import schema_errors_excluding_stubs  # imports jsonschema

            for message in schema_errors_excluding_stubs(ome):
                self.violation("json-schema", file, "ome", message)
        base = file.parent
        for site in iter_nodes(ome):
            node, loc, parent = site.node, site.location, site.parent
            if "path" not in node:
                continue
            target = self.resolve(base, node.get("path"), file, f"{loc}.path")
            if target is None:
                continue
            if node.get("type") == "singlescale":
                self.check_array(target, file, loc, parent)
                continue
            target_ome = self.load(target)
            if target_ome is None:
                if target.name == "zarr.json" and self.cache_raw.get(target, {}).get("node_type") == "array":
                    self.violation("stub-type-matches", file, loc,
                                   f"{node.get('type')!r} node points to a Zarr array")
                else:
                    self.violation("document-has-ome", target, "ome",
                                   f"referenced from {self.rel(file)} {loc} but has no 'ome' node")
                continue
            if target_ome.get("type") != node.get("type"):
                self.violation("stub-type-matches", file, f"{loc}.type",
                               f"node type {node.get('type')!r} but {self.rel(target)} holds a "
                               f"{target_ome.get('type')!r}")
            self.edges.setdefault(file, []).append(target)
            self.sites.setdefault((file, target), f"{loc}.path")
            self.queue.append(target)
        for ref, loc in _iter_references(ome, "ome"):
            target = self.resolve(base, ref["path"], file, f"{loc}.path")
            if target is None:
                continue
            target_ome = self.load(target)
            if target_ome is None or ref["id"] not in declared_ids(target_ome):
                self.violation("reference-resolves", file, loc,
                               f"id {ref['id']!r} is not declared in {self.rel(target)}")

    def check_array(self, zarr_json: Path, file: Path, loc: str, parent: dict[str, Any] | None) -> None:
        rel = self.rel(zarr_json.parent)
        self.result.arrays.append(rel)
        if not self.readable(zarr_json, file, loc):
            return
        try:
            raw = read_json(zarr_json)
        except MigrateError as exc:
            self.violation("array-opens", file, loc, exc.problem)
            return
        if raw.get("node_type") != "array" or raw.get("zarr_format") != 3:
            self.violation("array-opens", file, loc, f"{rel} is not a Zarr v3 array")
            return
        axes = None
        systems = _list(_attributes(parent).get("coordinateSystems"))
        if systems and isinstance(systems[0], dict):
            axes = systems[0].get("axes")
        shape = raw.get("shape")
        if not isinstance(shape, list):
            self.violation("array-opens", file, loc, f"{rel}: 'shape' is not an array")
            return
        if isinstance(axes, list) and len(shape) != len(axes):
            self.violation("array-rank-matches-axes", file, loc,
                           f"{rel} has {len(shape)} dimensions, the coordinate system {len(axes)} axes")
        if self.check_arrays:
            import zarr

            try:
                zarr.open_array(zarr_store(zarr_json.parent), mode="r", zarr_format=3)
            except Exception as exc:  # zarr raises many types for bad metadata
                text = exception_line(exc)  # one line, whatever zarr-python says
                self.violation("array-opens", file, loc, f"zarr-python cannot open {rel}: {text}")


def validate_tree(path: str | Path, *, check_arrays: bool = True, allow_outside: bool = False,
                  schema_documents: int | None = None, allow_remote: bool = False) -> TreeValidation:
    """Validate the RFC-8 tree rooted at ``path``.

    Parameters
    ----------
    path:
        A directory holding a ``zarr.json`` whose attributes carry ``ome``, or
        a standalone ``*.json`` document with a top-level ``ome``.
    check_arrays:
        Open every singlescale array with zarr-python (metadata only).
    allow_outside:
        Follow relative paths that leave ``path``'s directory.
    allow_remote:
        Fetch the documents that ``s3://`` and ``http(s)://`` node and
        reference paths name, and check them like the others (RFC-8 v1
        §Security: never without the user's consent); their own relative
        paths are not followed. Without it, each URL path is a
        ``path-remote`` finding.
    schema_documents:
        Check only the first N documents (in walk order, root first) against
        the JSON schemas; ``None`` checks all. The RFC-8 rules are always
        checked on every document. (The schema check costs ~10 ms per
        document with ``jsonschema``; verification of a 1,536-field plate
        uses a sample.)

    Raises
    ------
    MigrateError
        If ``path`` holds no RFC-8 document at all, or its root document is
        unreadable (the message gives the rule id, e.g. ``[document-readable]``).
    OutsideRootError
        If the root document resolves outside ``path`` (a symbolic link) and
        ``allow_outside`` is not set.
    """
    root = as_path(path)
    if is_remote(root):  # no directories on a remote store: a *.json key is a standalone document
        document = root.suffix.lower() == ".json"
    else:
        document = os.path.isfile(root)
    start = root if document else root / "zarr.json"
    if not is_file(start):
        raise MigrateError(root, "no zarr.json here: not a Zarr v3 / RFC-8 tree")
    walker = _Walker(root.parent if document else root, check_arrays, allow_outside, schema_documents,
                     allow_remote)
    ome = walker.load(start)
    if ome is None:
        if walker.result.violations:
            first = walker.result.violations[0]
            where = f" at {first.location}" if first.location else ""
            error = OutsideRootError if first.rule == "path-inside-root" else MigrateError
            raise error(start, f"[{first.rule}] {first.message}{where}")
        raise MigrateError(start, "no RFC-8 'ome' node (attributes.ome with a 'type'): not an RFC-8 tree")
    if "type" not in ome:
        raise MigrateError(start, "the 'ome' metadata has no node 'type': legacy OME-Zarr, not RFC-8 "
                                  "(run `ngff-migrate convert` first)")
    return walker.run(start)
