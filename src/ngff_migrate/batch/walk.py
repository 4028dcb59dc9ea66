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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
        if position_file(directory) is not None:  # a tile-set folder: one dataset, never entered
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
    out: list[Found] = []
    tiffs: list[Path] = []
    stack: list[tuple[Path, str]] = [(root, ".")]
    while stack:
        directory, rel = stack.pop()
        found, descend = classify(directory, rel, allow_outside=allow_outside)
        if found is not None:
            out.append(found)
        if not descend:
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            out.append(Found(directory, rel, error=f"cannot list directory: {exc.strerror or exc}",
                             error_file=str(directory)))
            continue
        plain = not any(e.name in ZARR_FILES for e in entries)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                child_rel = entry.name if rel == "." else f"{rel}/{entry.name}"
                stack.append((Path(entry.path), child_rel))
            elif plain and is_candidate(entry.name) and entry.is_file(follow_symlinks=False):
                tiffs.append(Path(entry.path))
    for rel, path, members, error, error_file in group_files(root, tiffs):
        out.append(Found(path, rel, "tiff" if error is None else None, None, 3 if error is None else None,
                         error=error, error_file=error_file, members=members))
    out.sort(key=lambda f: f.rel)
    return out
