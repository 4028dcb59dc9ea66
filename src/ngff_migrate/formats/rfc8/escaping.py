"""Relative RFC-8 paths that leave the dataset, in a copy (RFC-8 v1 §Security; docs/safety.md).

An RFC-8 input may hold a node ``path`` such as ``../outside_labels``: it
names something next to the dataset, which the reader never follows
(:class:`~ngff_migrate.formats.plan.EscapingPath`). Migrated in place, the
path keeps naming the same target. Copied unchanged, it would name whatever
sits next to the *destination*: a different target, chosen by whoever owns
that directory. So a copy:

* refuses such a path without ``--allow-outside``
  (:class:`~ngff_migrate.storage.sandbox.OutsideRootError`, naming the
  document and the JSON location, before anything is written);
* with ``--allow-outside``, rewrites it to the relative path that names the
  same target from the destination (``os.path.relpath`` of the lexically
  resolved target, both sides local, or both keys of the same bucket or
  host), records the rewrite in ``plan.path_rewrites`` (the reverse map
  applies it to the input before comparing) and warns. Across stores (a
  local source copied to S3) no relative path can name the target: refused.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any

from ...errors import MigrateError
from ...storage.location import display, is_remote
from ..plan import DocumentPlan, MigrationPlan

_TOKEN = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _steps(location: str) -> list[str | int]:
    """``ome.nodes[0]["a b"].path`` -> ``["nodes", 0, "a b", "path"]`` (below ``ome``)."""
    if not location.startswith("ome"):
        raise ValueError(location)
    steps: list[str | int] = []
    rest = location[3:]
    while rest:
        found = _TOKEN.match(rest)
        if found is None:
            raise ValueError(location)
        name, index, quoted = found.groups()
        steps.append(name if name is not None else int(index) if index is not None else json.loads(quoted))
        rest = rest[found.end():]
    return steps


def set_path(ome: Any, location: str, new: str, *, only_if: str | None = None) -> bool:
    """Set the node path at ``location`` (below ``ome``) to ``new``: the
    ``path`` string of a Path object, or a plain-string path (early drafts);
    with ``only_if``, only when the path is that string now. Returns whether
    the location was found (and matched)."""
    *parents, last = _steps(location)
    node = ome
    for step in parents:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, dict) or last not in node:
        return False
    current = node[last].get("path") if isinstance(node[last], dict) else node[last]
    if only_if is not None and current != only_if:
        return False
    if isinstance(node[last], dict):
        node[last]["path"] = new
    else:
        node[last] = new
    return True


def ome_of(file: str, document: dict[str, Any]) -> Any:
    """The ``ome`` object of a whole document file (``zarr.json`` or a standalone ``*.json``)."""
    if posixpath.basename(file) == "zarr.json":
        return (document.get("attributes") or {}).get("ome")
    return document.get("ome")


def _same_store(a: Any, b: Any) -> bool:
    if is_remote(a) != is_remote(b):
        return False
    if not is_remote(a):
        return True
    return str(a).split("://", 1)[0] == str(b).split("://", 1)[0] and a.path.split("/")[0] == b.path.split("/")[0]


def _rewritten(plan: MigrationPlan, destination: Any, file: str, target: str) -> str:
    doc_dir = posixpath.dirname(file)
    if is_remote(plan.root):
        src = posixpath.normpath(posixpath.join(plan.root.path, doc_dir, target))
        here = posixpath.normpath(posixpath.join(destination.path, doc_dir))
        return posixpath.relpath(src, here)
    src = os.path.normpath(os.path.join(os.path.abspath(plan.root), doc_dir, target))
    here = os.path.normpath(os.path.join(os.path.abspath(destination), doc_dir))
    return Path(os.path.relpath(src, here)).as_posix()


def _document(plan: MigrationPlan, file: str) -> DocumentPlan:
    """The planned document written at ``file``; planned now (from the input's bytes) if the
    migration left it unchanged."""
    from .normalise import JsonDocumentPlan

    for doc in plan.documents:
        if doc.file == file:
            return doc
    raw = json.loads(plan.inputs[file])
    rel, name = posixpath.dirname(file), posixpath.basename(file)
    if name == "zarr.json":
        node_type = "array" if raw.get("node_type") == "array" else "group"
        doc = DocumentPlan(rel=rel, node_type=node_type, document=raw)
    else:
        doc = JsonDocumentPlan(rel=rel, node_type="group", document=raw, filename=name)
    plan.documents.append(doc)
    plan.order_documents()
    return doc


def rewrite_escaping_paths(plan: MigrationPlan, destination: Any, *, allow_outside: bool) -> None:
    """Refuse, or rewrite (``allow_outside``), every path of ``plan.escaping_paths``
    for a copy to ``destination`` (module docstring). Nothing is written here.

    Raises
    ------
    OutsideRootError
        Without ``allow_outside``, for the first escaping path (naming the
        document and the JSON location); with it, when source and
        destination are in different stores.
    """
    from ...storage.sandbox import OutsideRootError

    if not plan.escaping_paths:
        return
    for esc in plan.escaping_paths:
        where = plan.root / esc.file
        if not allow_outside:
            raise OutsideRootError(where, f"{esc.location}: path {esc.target!r} leaves the dataset; copied "
                                          f"unchanged to {display(destination)} it would name another target; "
                                          "refused (--allow-outside rewrites it to name the same target)")
        if not _same_store(plan.root, destination):
            raise OutsideRootError(where, f"{esc.location}: path {esc.target!r} leaves the dataset and the "
                                          "destination is in another store: no relative path names the same "
                                          "target from there; refused")
        new = _rewritten(plan, destination, esc.file, esc.target)
        doc = _document(plan, esc.file)
        if doc.model is not None or not set_path(ome_of(esc.file, doc.document), esc.location, new):
            raise MigrateError(where, f"{esc.location}: the path to rewrite is not in the planned document")
        plan.path_rewrites[(esc.file, esc.location)] = (esc.target, new)
        plan.warnings.append(f"{esc.file} {esc.location}: path {esc.target!r} leaves the dataset; rewritten to "
                             f"{new!r}, which names the same target from the destination (--allow-outside)")


__all__ = ["ome_of", "rewrite_escaping_paths", "set_path"]
