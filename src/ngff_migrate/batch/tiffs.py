"""TIFF datasets in an archive walk: files, multi-file OME-TIFF sets, tile-set folders.

What the walk (:mod:`.walk`) counts as one TIFF dataset:

* a **tile-set folder** (layout ``tiff-tiles``): a plain directory (no Zarr
  metadata) holding a position file
  (:data:`~ngff_migrate.formats.tiff.positions.POSITION_FILES`); it is never
  entered and its TIFFs are not counted separately;
* a **multi-file OME-TIFF set** (layout ``tiff``): the files one OME-XML
  names (``TiffData`` ``UUID`` ``FileName``), and its ``.companion.ome``
  if there is one, found by
  :func:`ngff_migrate.formats.tiff.multifile.file_set`; the dataset's path
  is the companion if there is one, else the master file;
* any other **TIFF file** in a plain directory (layout ``tiff``), named
  ``.tif``, ``.tiff``, ``.btf``, ``.tf8``, ``.tf2`` (so ``.ome.tif(f)``
  too) and starting with the TIFF magic bytes (4 bytes read by
  :func:`ngff_migrate.formats.detect.detect`).

Files are chosen by name: other files of an archive (READMEs, attachments,
``.tif`` files inside Zarr groups) are never opened. A TIFF is always
re-encoded into a new store: a copy batch writes ``DEST/<dir>/<stem>.ome.zarr``
(:func:`output_rel`), an in-place batch skips it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import MigrateError
from ..formats.tiff.detect import SUFFIXES

#: the layouts of TIFF datasets found by the walk
TIFF_LAYOUTS = ("tiff", "tiff-tiles")
COMPANION_SUFFIX = ".companion.ome"
#: why a TIFF dataset is never migrated metadata-only (plan) or in place (batch)
REENCODED = "a TIFF is always re-encoded into a new store"
IN_PLACE_SKIP = f"{REENCODED}: not converted in place (run `batch ROOT --out DEST` for it)"
#: the Zarr root metadata files: a directory holding one is not a plain directory
ZARR_FILES = frozenset(("zarr.json", ".zgroup", ".zarray", ".zattrs"))


def is_tiff_layout(layout: str | None) -> bool:
    """Whether ``layout`` is one of :data:`TIFF_LAYOUTS`."""
    return layout in TIFF_LAYOUTS


def is_candidate(name: str) -> bool:
    """Whether a file named ``name`` may be a TIFF dataset (by its name only)."""
    low = name.lower()
    return not low.startswith(".") and (low.endswith(SUFFIXES) or low.endswith(COMPANION_SUFFIX))


def tile_set_members(directory: Path) -> tuple[Path, ...]:
    """The files of a tile-set folder that make up its fingerprint and size: every
    regular, non-hidden file directly in it (the position file and the tiles), sorted."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return ()
    return tuple(sorted(Path(e.path) for e in entries
                        if not e.name.startswith(".") and e.is_file(follow_symlinks=False)))


def output_rel(rel: str, layout: str | None) -> str:
    """Where a copy batch writes the dataset at ``rel``, relative to DEST.

    An OME-Zarr dataset keeps its path; a TIFF file ``a/x.ome.tif``,
    ``a/x.tif`` or a companion ``a/x.companion.ome`` becomes
    ``a/x.ome.zarr``; a tile-set folder ``a/tiles`` becomes
    ``a/tiles.ome.zarr``.
    """
    if not is_tiff_layout(layout) or rel == ".":
        return rel
    p = PurePosixPath(rel)
    if layout == "tiff-tiles":
        return str(p.with_name(p.name + ".ome.zarr"))
    name, low = p.name, p.name.lower()
    for suffix in (COMPANION_SUFFIX, *SUFFIXES):
        if low.endswith(suffix) and len(name) > len(suffix):
            name, low = name[:-len(suffix)], low[:-len(suffix)]
            break
    if low.endswith(".ome") and len(name) > 4:
        name = name[:-4]
    return str(p.with_name(name + ".ome.zarr"))


def sources_of(out: str) -> list[str]:
    """Every dataset path whose copy-batch output is ``out`` (the inverse of
    :func:`output_rel`; suffixes in lower or upper case, not mixed)."""
    names = [out]
    if out.endswith(".ome.zarr") and len(out) > len(".ome.zarr"):
        stem = out[:-len(".ome.zarr")]
        names.append(stem)  # a tile-set folder
        for suffix in (COMPANION_SUFFIX, *SUFFIXES, *(".ome" + s for s in SUFFIXES)):
            names += [stem + suffix, stem + suffix.upper()]
    return names


def destination_clashes(found: Iterable[Any], destination: str = "DEST") -> dict[str, str]:
    """``{rel: message}`` for the datasets whose copy-batch output would be the
    output of another one, or lie inside or around it.

    ``found`` holds :class:`~.walk.Found` entries (``rel``, ``layout``,
    ``error``); entries with an error are not converted and take part in
    nothing; ``destination`` is how the messages name DEST. Who keeps the destination: the datasets that keep their path (OME-Zarr)
    first, then the others in path order (``x.ome.tif`` before ``x.tif``);
    every later one is refused, never written over another's output.
    """
    items = [f for f in found if f.error is None]
    items.sort(key=lambda f: (is_tiff_layout(f.layout), f.rel))
    taken: dict[str, str] = {}  # output rel -> source rel
    around: dict[str, str] = {}  # every ancestor of a taken output -> source rel
    out: dict[str, str] = {}
    for f in items:
        dest = output_rel(f.rel, f.layout)
        parts = PurePosixPath(dest).parts
        ancestors = ["/".join(parts[:i]) for i in range(1, len(parts))]
        other = taken.get(dest)
        what = "is also the output of"
        if other is None:
            other = next((taken[a] for a in ancestors if a in taken), None)
            what = "lies inside the output of"
        if other is None and dest in around:
            other, what = around[dest], "holds the output of"
        if other is not None:
            out[f.rel] = (f"its output {destination}/{dest} {what} {other}; not converted, so as not to "
                          f"write over it "
                          f"(rename one of them, or convert it on its own with `ngff-migrate convert`)")
            continue
        taken[dest] = f.rel
        for a in ancestors:
            around.setdefault(a, f.rel)
    return out


# ---------------------------------------------------------------------- multi-file sets

def _file_set_function():
    """:func:`ngff_migrate.formats.tiff.multifile.file_set`, or ``None`` while that
    module is not there (every file is then its own set; companions are not datasets)."""
    try:
        from ..formats.tiff.multifile import file_set
    except ImportError:
        return None
    return file_set


def _norm(path: Path | str) -> Path:
    return Path(os.path.normpath(os.path.abspath(path)))


def group_files(root: Path, candidates: list[Path]) -> list[tuple[str, Path, tuple[Path, ...], str | None,
                                                                   str | None]]:
    """Group the candidate files (:func:`is_candidate`) of plain directories under
    ``root`` into TIFF datasets.

    Returns ``[(rel, path, members, error, error_file)]``: one entry per file set
    (``members``: every file of the set, its companion included, sorted), or per
    file that is no TIFF or whose set cannot be read (``error``). A file that
    belongs to a larger set is not an entry of its own. Raises nothing.
    """
    from ..formats.detect import detect

    file_set = _file_set_function()
    abs_root = _norm(root)
    # companions first: they name every file of their set
    order = sorted(candidates, key=lambda p: (not p.name.lower().endswith(COMPANION_SUFFIX), p.as_posix()))
    sets: dict[Path, tuple[Path, tuple[Path, ...]]] = {}  # key -> (path as walked, members)
    owner: dict[Path, Path] = {}  # member -> key of the largest set holding it
    errors: list[tuple[Path, str, str | None]] = []
    for path in order:
        here = _norm(path)
        if here in owner:
            continue
        companion = here.name.lower().endswith(COMPANION_SUFFIX)
        if companion and file_set is None:
            continue  # without multi-file support a companion is no dataset (its TIFFs are)
        try:
            detect(path)  # 4 bytes (a companion: 512): a file named like a TIFF that is none is refused here
            if file_set is None:
                key, members = here, (here,)
            else:
                fs = file_set(path)
                key = _norm(fs.companion or fs.master)
                members = tuple(sorted({_norm(m) for m in (*fs.members, fs.master)}
                                       | ({_norm(fs.companion)} if fs.companion else set())))
                if len(members) == 1:
                    key = here  # one file: the file as walked
        except MigrateError as exc:
            errors.append((path, exc.problem, exc.path))
            continue
        except Exception as exc:  # a bug on one file must not stop the walk
            errors.append((path, f"internal error {type(exc).__name__}: {exc}", str(path)))
            continue
        if key not in sets:
            sets[key] = (key, members)
        for m in members:
            held = owner.get(m)
            if held is None or len(sets[held][1]) < len(members):
                owner[m] = key
    out = []
    for key, (_, members) in sets.items():
        if owner.get(key, key) != key:
            continue  # a file of a larger set
        try:
            rel = key.relative_to(abs_root).as_posix()
        except ValueError:
            out.append((_rel_of(abs_root, members[0]), members[0], members,
                        f"the set's {'companion' if key.name.lower().endswith(COMPANION_SUFFIX) else 'master'} "
                        f"file {key} is outside the walked root", str(key)))
            continue
        out.append((rel, root / rel, members, None, None))
    for path, problem, file in errors:
        if _norm(path) in owner:
            continue  # a file of a set read through another of its files
        out.append((_rel_of(abs_root, _norm(path)), path, (), problem, file))
    return out


def _rel_of(abs_root: Path, path: Path) -> str:
    try:
        return path.relative_to(abs_root).as_posix()
    except ValueError:
        return path.as_posix()
