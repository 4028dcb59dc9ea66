"""The RFC-8 collection tree shown on a page: documents followed, nodes merged with
the documents their path-only stubs point to, legacy origins, thumbnails.

The tree is read from storage (a written or validated tree) or from the
documents a plan holds in memory (``inspect``; arrays are then read from the
source, where a migration leaves them). Nothing here raises on a bad tree: a
document that cannot be read, a path that leaves the root or is remote, is
a node with a ``note``. Documents are read only inside ``root``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...storage.location import (
    as_path,
    display,
    is_remote,
    normalize,
    relative_posix,
    remote_inside,
)
from .thumbs import Thumb, render_multiscale

#: nodes shown at most (the rest of a huge tree is summarised)
MAX_TREE_NODES = 5000
#: thumbnails rendered at most per page (plates: one per well)
MAX_THUMBNAILS = 300
#: largest document read, in bytes
MAX_DOCUMENT_BYTES = 64 << 20

_NODE_LOCATION = re.compile(r"ome(?:\.nodes\[\d+\])*")
_LEGACY_KINDS = {"plate": "plate", "well": "well", "multiscales": "image", "image-label": "label image",
                 "labels": "labels group", "bioformats2raw.layout": "bioformats2raw container",
                 "series": "bioformats2raw series"}


@dataclass
class TreeNode:
    """One node of the displayed tree (stubs merged with the document they point to)."""

    type: str
    name: str
    id: str | None
    path: str | None
    document: str
    location: str
    children: list[TreeNode] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    legacy: list[str] = field(default_factory=list)
    note: str | None = None
    thumb: Thumb | None = None
    label: bool = False
    #: the directory of the node (a stub's target or its document's), relative to the root
    directory: str = ""
    #: the multiscale JSON and its document directory, for a thumbnail
    image: tuple[dict[str, Any], Path] | None = None
    #: for a stub merged with its document: the referring document's directory and the stub's location
    stub_of: tuple[str, str] | None = None

    @property
    def anchor(self) -> str:
        """An HTML id for the node."""
        return "n-" + re.sub(r"[^A-Za-z0-9_-]", "-", f"{self.document}-{self.location}")

    def walk(self):
        """This node and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Tree:
    """The displayed tree: its root node, the documents read, what was left out."""

    root: TreeNode | None
    documents: list[str] = field(default_factory=list)
    truncated: int = 0
    error: str | None = None
    thumbnails: int = 0
    thumbnails_skipped: int = 0

    def nodes(self) -> list[TreeNode]:
        """Every node shown, depth first."""
        return list(self.root.walk()) if self.root else []


class _Loader:
    def __init__(self, root: Path, memory: dict[str, Any] | None) -> None:
        self.root = root
        self.real_root = normalize(root) if is_remote(root) else root.resolve()
        self.memory = memory or {}
        self.count = 0
        self.truncated = 0
        self.documents: list[str] = []

    def rel(self, path: Path) -> str:
        if is_remote(self.root):  # a remote source (docs/storage.md)
            found = relative_posix(path, self.root)
            return display(path) if found is None else found
        rel = os.path.relpath(path, self.root)
        return "" if rel == "." else PurePosixPath(Path(rel).as_posix()).as_posix()

    def inside(self, path: Path) -> bool:
        if is_remote(self.root):
            return remote_inside(self.real_root, path)
        try:
            path.resolve().relative_to(self.real_root)
            return True
        except (ValueError, OSError):
            return False

    def load(self, file: Path) -> tuple[dict[str, Any] | None, str | None]:
        """The ``ome`` node of a document, or why not."""
        rel = self.rel(file)
        if rel in self.memory:
            doc = self.memory[rel]
        else:
            if not self.inside(file):
                return None, "not read: outside the dataset"
            try:
                if not is_remote(file) and file.stat().st_size > MAX_DOCUMENT_BYTES:
                    return None, f"not read: larger than {MAX_DOCUMENT_BYTES >> 20} MiB"
                doc = json.loads(file.read_bytes())
            except FileNotFoundError:
                return None, "document not found"
            except (OSError, ValueError) as exc:
                return None, f"document cannot be read: {exc}"
        self.documents.append(rel)
        if not isinstance(doc, dict):
            return None, "document is not a JSON object"
        ome = doc.get("ome") if file.name != "zarr.json" else (doc.get("attributes") or {}).get("ome")
        if not isinstance(ome, dict):
            return None, "document has no RFC-8 'ome' node"
        return ome, None

    def target(self, doc_dir: Path, path: Any) -> tuple[Path | None, str | None]:
        """The document a node ``path`` points to, or why it is not followed."""
        if not isinstance(path, dict) or not isinstance(path.get("path"), str):
            return None, None
        text, kind = path["path"], path.get("type")
        if "://" in text or text.startswith("file:"):
            return None, "not followed: a URL"
        target = _normpath(doc_dir / text)
        if not self.inside(target):
            return None, "not followed: outside the dataset"
        if kind == "zarr":
            return target / "zarr.json", None
        if kind == "json":
            return target, None
        return None, f"not followed: path type {kind!r}"


def _normpath(path: Any) -> Any:
    """``..`` folded: ``os.path.normpath`` for a local path, the folded URL for a remote one."""
    return normalize(path) if is_remote(path) else Path(os.path.normpath(path))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value) if value is not None else ""


def build_tree(root: str | Path, entry: str = "zarr.json", *, memory: dict[str, Any] | None = None,
               thumbnails: bool = True) -> Tree:
    """Read the tree whose entry document is ``root/entry`` (``memory``: documents by
    root-relative file, read instead of storage) and render its thumbnails."""
    loader = _Loader(as_path(root), memory)
    file = as_path(root) / entry
    ome, error = loader.load(file)
    if ome is None:
        return Tree(None, loader.documents, error=f"{entry}: {error}")
    node = _build(loader, ome, file, "ome", depth=0)
    tree = Tree(node, loader.documents, truncated=loader.truncated)
    if thumbnails:
        _thumbnails(tree)
    return tree


def _build(loader: _Loader, ome: dict[str, Any], file: Path, location: str, depth: int,
           stub: dict[str, Any] | None = None, stub_doc: str = "", stub_loc: str = "") -> TreeNode:
    loader.count += 1
    shown = stub or ome
    attrs = {**(ome.get("attributes") or {}), **((stub or {}).get("attributes") or {})} \
        if isinstance(ome.get("attributes") or {}, dict) else {}
    path = shown.get("path")
    node = TreeNode(type=_text(shown.get("type")), name=_text(shown.get("name")), id=shown.get("id"),
                    path=path.get("path") if isinstance(path, dict) else None,
                    document=stub_doc or loader.rel(file), location=stub_loc or location,
                    attributes=attrs, label="labels" in attrs, directory=loader.rel(file.parent))
    if node.type == "multiscale":
        node.image = (ome, file.parent)
    if depth > 64:
        node.note = "nested too deeply: not shown"
        return node
    for index, child in enumerate(ome.get("nodes") or []):
        if not isinstance(child, dict):
            continue
        if loader.count >= MAX_TREE_NODES:
            loader.truncated += 1
            continue
        child_loc = f"{location}.nodes[{index}]"
        target, why = loader.target(file.parent, child.get("path"))
        if child.get("type") == "singlescale" or (target is None and why is None):
            leaf = _build(loader, child, file, child_loc, depth + 1)
            if child.get("type") == "singlescale" and leaf.path:
                leaf.directory = loader.rel(_normpath(file.parent / leaf.path))
            node.children.append(leaf)
            continue
        if target is None:
            leaf = _build(loader, child, file, child_loc, depth + 1)
            leaf.note = why
            node.children.append(leaf)
            continue
        child_ome, error = loader.load(target)
        if child_ome is None:
            leaf = _build(loader, child, file, child_loc, depth + 1)
            leaf.note = f"{loader.rel(target)}: {error}"
            node.children.append(leaf)
            continue
        merged = _build(loader, child_ome, target, "ome", depth + 1, stub=child,
                        stub_doc=loader.rel(file), stub_loc=child_loc)
        merged.document = loader.rel(target)
        merged.location = "ome"
        merged.stub_of = (loader.rel(file.parent), child_loc)
        node.children.append(merged)
    return node


def _directory(file: str) -> str:
    """The root-relative directory of a root-relative file (``""`` for the root)."""
    parent = PurePosixPath(file).parent.as_posix()
    return "" if parent == "." else parent


def assign_legacy(tree: Tree, keys: list[Any]) -> None:
    """Set each node's ``legacy`` (the legacy files it came from, with their kind)
    from the report's key records (``file``, ``key``, ``target``)."""
    if tree.root is None:
        return
    doc_dirs = {_directory(d) for d in tree.documents}
    by_site: dict[tuple[str, str], dict[str, set[str]]] = {}
    for record in keys:
        file = str(record.file)
        doc_dir = _directory(file)
        while doc_dir and doc_dir not in doc_dirs:
            doc_dir = "" if "/" not in doc_dir else doc_dir.rsplit("/", 1)[0]
        match = _NODE_LOCATION.match(str(record.target or "ome"))
        location = match.group(0) if match else "ome"
        kind = _LEGACY_KINDS.get(re.split(r"[.\[]", str(record.key), maxsplit=1)[0])
        kinds = by_site.setdefault((doc_dir, location), {}).setdefault(file, set())
        if kind:
            kinds.add(kind)
    for node in tree.nodes():
        sites = [(_directory(node.document), node.location)]
        if node.stub_of:
            sites.append(node.stub_of)
        files: dict[str, set[str]] = {}
        for site in sites:
            for file, kinds in by_site.get(site, {}).items():
                files.setdefault(file, set()).update(kinds)
        node.legacy = [f"{file} ({', '.join(sorted(k))})" if k else file for file, k in sorted(files.items())]


def _thumbnails(tree: Tree) -> None:
    """Render thumbnails within :data:`MAX_THUMBNAILS`: for a plate the first field of
    every well, otherwise every image and label image."""
    budget = {"left": MAX_THUMBNAILS}
    plates = [n for n in tree.nodes() if isinstance(n.attributes.get("plate"), dict)]
    in_plate: set[int] = set()
    for plate in plates:
        for well in plate.children:
            in_plate.update(id(n) for n in well.walk())
            images = [next((n for n in f.walk() if n.image is not None), None) for f in well.children]
            images = [i for i in images if i is not None]
            if images:
                _render(tree, images[0], budget)
                tree.thumbnails_skipped += len(images) - 1
    for node in tree.nodes():
        if node.image is not None and id(node) not in in_plate:
            _render(tree, node, budget)


def _render(tree: Tree, node: TreeNode, budget: dict[str, int]) -> None:
    if budget["left"] <= 0:
        tree.thumbnails_skipped += 1
        return
    budget["left"] -= 1
    ome, doc_dir = node.image  # type: ignore[misc]

    def resolve(path: Any) -> Path | None:
        if not isinstance(path, dict) or path.get("type") != "zarr" or not isinstance(path.get("path"), str):
            return None
        text = path["path"]
        return None if "://" in text else _normpath(doc_dir / text)

    node.thumb = render_multiscale(ome, resolve, label=node.label)
    node.thumb.title = node.name
    tree.thumbnails += 1


def first_thumbnail(root: Path, entry: str = "zarr.json") -> Thumb | None:
    """The thumbnail of the first image of the tree at ``root`` (a batch page shows
    one per dataset); ``None`` when the tree has no image or cannot be read."""
    tree = build_tree(root, entry, thumbnails=False)
    node = next((n for n in tree.nodes() if n.image is not None), None)
    if node is None:
        return None
    _render(tree, node, {"left": 1})
    return node.thumb
