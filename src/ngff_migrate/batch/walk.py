"""Find every dataset under a root directory, without listing chunk directories.

The walk goes top-down and decides per directory, from its root metadata
files only (``zarr.json``, ``.zgroup``, ``.zarray``, ``.zattrs``):

* no Zarr metadata: a plain directory; its subdirectories are visited;
* a Zarr array: not a dataset, never entered (its children are chunks);
* a group that :func:`ngff_migrate.formats.detect.detect` recognises
  (``ngff-image``, ``hcs-plate``, ``bioformats2raw``, ``rfc8``): a dataset,
  never entered, so labels inside images, fields inside plates and series
  inside containers are counted once, as part of their dataset;
* a group without OME metadata, or with OME metadata that is not a dataset
  root on its own (a ``labels`` group, a well outside its plate): visited
  like a plain directory;
* a directory whose metadata cannot be read or names an unsupported version
  (truncated JSON, too deeply nested, a root document that is a symbolic
  link leaving the directory, unknown NGFF version, ...): a *failed*
  dataset, reported with the file and the reason, never entered. An
  unexpected exception (a bug) while classifying one directory also makes it
  a failed dataset: the walk goes on with the others.

Hidden directories (name starting with ``.``: the batch state directory,
in-place journals, copy leftovers, ``.snapshot``, ``.git``) and symbolic
links to directories are not visited.

TIFF datasets (:mod:`.tiffs`) are found next to them, in plain directories
only (not inside Zarr groups): a plain directory holding a position file is
a tile set (``tiff-tiles``, never entered); files named like a TIFF (or a
``.companion.ome``) are grouped into multi-file OME-TIFF sets, each counted
once (``tiff``). Hidden files and symbolic links to files are not datasets.

The same rules run over a key listing (:func:`find_datasets_listed`, an S3
prefix listed once): the directories are the key prefixes, and a directory
holding none of the root metadata files is a plain directory without a
request. TIFF files and tile sets are not recognised there (docs/storage.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from ..errors import MigrateError, NotRecognisedError
from ..formats.detect import detect
from ..formats.tiff.positions import position_file
from ..storage.sandbox import sandboxed
from ..zarr.node import json_policy, read_node
from .tiffs import ZARR_FILES, group_files, is_candidate, tile_set_members


@dataclass(frozen=True)
class Found:
    """One dataset (or failed dataset) found by :func:`find_datasets`.

    Attributes
    ----------
    path:
        The dataset directory (a TIFF dataset: the file, the companion of a
        multi-file set, or the tile-set folder).
    rel:
        Its POSIX path relative to the walked root (``"."`` for the root).
    layout:
        ``ngff-image``, ``hcs-plate``, ``bioformats2raw``, ``rfc8``,
        ``tiff`` (a file or multi-file set) or ``tiff-tiles`` (a tile-set
        folder); ``None`` when detection failed.
    version:
        The OME-Zarr version found (``None`` when unknown).
    zarr_format:
        2 or 3 (``None`` when unknown).
    error:
        ``None``, or the one-line problem that makes this a failed dataset.
    error_file:
        The file the problem concerns.
    members:
        TIFF datasets: every file of the dataset (a multi-file set's files
        and companion; a tile set's position file and tiles), which make up
        its fingerprint and size; empty for OME-Zarr datasets.
    """

    path: Path
    rel: str
    layout: str | None = None
    version: str | None = None
    zarr_format: int | None = None
    error: str | None = None
    error_file: str | None = None
    members: tuple[Path, ...] = ()


def classify(directory: Path, rel: str, *, allow_outside: bool = False) -> tuple[Found | None, bool]:
    """Decide what ``directory`` is: ``(found, descend)``.

    ``found`` is a dataset or failed dataset (``None`` otherwise); ``descend``
    says whether its subdirectories may hold datasets. The root metadata is
    read inside ``directory``'s sandbox (a document that is a symbolic link
    leaving it fails the dataset) and with non-standard JSON numbers read as
    null (they never decide the layout; the migration applies the policy).
    Raises nothing: a project error, or any other exception (a bug), makes a
    failed dataset.
    """
    try:
        with sandboxed(directory, allow_outside=allow_outside), json_policy(lenient=True):
            return _classify(directory, rel)
    except MigrateError as exc:
        return Found(directory, rel, error=exc.problem, error_file=exc.path), False
    except Exception as exc:  # a bug in one dataset must not stop the walk of the others
        return Found(directory, rel, error=f"internal error {type(exc).__name__}: {exc}",
                     error_file=str(directory)), False


def _classify(directory: Path, rel: str) -> tuple[Found | None, bool]:
    try:
        node = read_node(directory)
    except MigrateError as exc:
        return Found(directory, rel, error=exc.problem, error_file=exc.path), False
    if node is None:
        if isinstance(directory, PurePath) and position_file(directory) is not None:  # a tile-set folder: one dataset, never entered
            return Found(directory, rel, "tiff-tiles", None, 3, members=tile_set_members(directory)), False
        return None, True
    if node.node_type == "array":
        return None, False
    try:
        d = detect(directory)
    except NotRecognisedError:
        return None, True
    except MigrateError as exc:  # unsupported version, malformed OME metadata
        return Found(directory, rel, error=exc.problem, error_file=exc.path), False
    return Found(directory, rel, d.layout, d.version, d.zarr_format), False


#: ``entries(directory) -> (subdirectories, files)``, each ``[(name, location)]`` in sorted name
#: order: subdirectories not symbolic links, files regular files; raises ``OSError``
Entries = Callable[[Any], tuple[list[tuple[str, Any]], list[tuple[str, Any]]]]
#: ``classify(directory, rel) -> (found, descend)`` (:func:`classify`)
Classify = Callable[[Any, str], tuple["Found | None", bool]]


def _walk(root: Any, classify_dir: Classify, entries: Entries) -> tuple[list[Found], list[Any]]:
    """The top-down walk shared by a local tree and a key listing: the datasets
    found (unsorted) and the TIFF candidates of plain directories."""
    out: list[Found] = []
    tiffs: list[Any] = []
    stack: list[tuple[Any, str]] = [(root, ".")]
    while stack:
        directory, rel = stack.pop()
        found, descend = classify_dir(directory, rel)
        if found is not None:
            out.append(found)
        if not descend:
            continue
        try:
            dirs, files = entries(directory)
        except OSError as exc:
            out.append(Found(directory, rel, error=f"cannot list directory: {exc.strerror or exc}",
                             error_file=str(directory)))
            continue
        plain = not any(name in ZARR_FILES for name, _ in dirs + files)
        for name, path in reversed(dirs):  # popped in sorted order
            if not name.startswith("."):
                stack.append((path, name if rel == "." else f"{rel}/{name}"))
        if plain:
            tiffs.extend(path for name, path in files if not name.startswith(".") and is_candidate(name))
    return out, tiffs


def _local_entries(directory: Path) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    entries = sorted(os.scandir(directory), key=lambda e: e.name)
    dirs = [(e.name, Path(e.path)) for e in entries if e.is_dir(follow_symlinks=False)]
    files = [(e.name, Path(e.path)) for e in entries if not e.is_dir(follow_symlinks=False)
             and (not is_candidate(e.name) or e.is_file(follow_symlinks=False))]
    return dirs, files


def find_datasets(root: str | Path, *, allow_outside: bool = False) -> list[Found]:
    """Every dataset under ``root`` (``root`` itself included), in sorted path order.

    ``allow_outside``: a dataset's root documents may resolve outside its
    directory (symbolic links); see :func:`classify`.

    Only root metadata documents are read and only directories that are not
    datasets or arrays are listed, so the cost grows with the number of
    datasets and plain directories, not with the number of chunks. Of the
    files of plain directories only those named like a TIFF are opened (4
    bytes, and the OME-XML to group multi-file sets).

    Raises
    ------
    MigrateError
        If ``root`` is not a directory.
    """
    root = Path(root)
    if not root.is_dir():
        raise MigrateError(root, "not a directory")
    out, tiffs = _walk(root, lambda d, rel: classify(d, rel, allow_outside=allow_outside), _local_entries)
    for rel, path, members, error, error_file in group_files(root, tiffs):
        out.append(Found(path, rel, "tiff" if error is None else None, None, 3 if error is None else None,
                         error=error, error_file=error_file, members=members))
    out.sort(key=lambda f: f.rel)
    return out


def listing_index(keys: list[tuple[str, int]]) -> dict[str, tuple[set[str], set[str]]]:
    """``{directory: (subdirectory names, file names)}`` of a key listing ``[(rel key, size)]``
    (directories as root-relative POSIX paths, ``""`` for the root). Keys below a hidden
    component (state, journals, copy leftovers) are left out."""
    index: dict[str, tuple[set[str], set[str]]] = {"": (set(), set())}
    for key, _ in keys:
        parts = key.split("/")
        if any(p.startswith(".") for p in parts[:-1]) or "" in parts:
            continue
        directory = ""
        for part in parts[:-1]:
            index.setdefault(directory, (set(), set()))[0].add(part)
            directory = f"{directory}/{part}" if directory else part
        index.setdefault(directory, (set(), set()))[1].add(parts[-1])
    return index


def find_datasets_listed(root: Any, keys: list[tuple[str, int]], *, allow_outside: bool = False) -> list[Found]:
    """Every dataset below the remote ``root`` from one listing of its keys
    (:func:`ngff_migrate.storage.remote.list_files`), with the rules of :func:`find_datasets`.

    Only the root documents of directories holding a Zarr metadata key are
    read (one GET each, no listing, no ``HEAD``); a directory without one is
    a plain directory. TIFF files are not datasets here. Never raises for one
    dataset: its problem makes a failed :class:`Found`.
    """
    index = listing_index(keys)

    def rel_of(directory: Any) -> str:
        return str(directory)[len(str(root)):].strip("/")

    def entries(directory: Any) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
        dirs, files = index.get(rel_of(directory), (set(), set()))
        return ([(n, directory / n) for n in sorted(dirs)], [(n, directory / n) for n in sorted(files)])

    def classify_listed(directory: Any, rel: str) -> tuple[Found | None, bool]:
        if not index.get("" if rel == "." else rel, (set(), set()))[1] & ZARR_FILES:
            return None, True  # no metadata key: a plain directory, as read_node would say
        return classify(directory, rel, allow_outside=allow_outside)

    out, _ = _walk(root, classify_listed, entries)
    out.sort(key=lambda f: f.rel)
    return out
