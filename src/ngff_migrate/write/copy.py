"""Copy migration (DESIGN §5): a new Zarr v3 store; the input is read-only.

Chunk files (and any other file that is not replaced legacy metadata) are
copied verbatim, or hard-linked with ``link=True`` where the filesystem
allows. Everything is written into the hidden sibling directory
``.<DST name>.ngff-migrate-partial`` (:func:`partial_path`: a name derived
from the destination alone, so a rerun after a kill finds it), which the
run holds locked, and which is renamed to the destination only after
verification succeeded: a failed run leaves no output that looks complete,
and a later run of the same command removes what a killed one left.

Symbolic links (docs/safety.md): a link whose target stays inside the
source is followed (its content is copied); a link leaving the source, a
dangling link and a directory loop are refused with an error naming the
link, unless ``allow_outside`` (then the content is copied). No file is
ever silently left out.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from ..errors import MigrateError, UsageError
from ..formats.plan import MigrationPlan
from ..report.model import WriteStats
from ..storage.location import is_remote
from ..storage.lock import Busy, Lock
from ..storage.sandbox import inside
from ..zarr.keys import is_chunk_of
from .atomic import dumps_document, flush_tree, fsync_directory, write_atomic
from .files import copy_file
from .journal import JOURNAL_DIR

#: a re-encode's unit journal (ngff_migrate.engine.journal.JOURNAL_DIR), never part of a dataset
REENCODE_DIR = ".ngff-migrate-reencode"

PARTIAL_SUFFIX = ".ngff-migrate-partial"
OLD_SUFFIX = ".ngff-migrate-old"


def partial_path(dst: Path) -> Path:
    """The unfinished output of a copy to ``dst``."""
    return dst.parent / f".{dst.name}{PARTIAL_SUFFIX}"


def check_destination(src: Path, dst: Path, *, overwrite: bool) -> None:
    """Refuse destinations that could damage the input or existing data.

    Raises
    ------
    UsageError
        If ``dst`` equals or lies inside ``src``, ``src`` lies inside ``dst``
        while overwriting, or ``dst`` exists without ``overwrite``.
    """
    if is_remote(src):  # a remote source and a local destination cannot hold each other
        if dst.exists() and not overwrite:
            raise UsageError(dst, "destination already exists (use --overwrite to replace it)")
        return
    s, d = src.resolve(), dst.resolve()
    if d == s or d.is_relative_to(s):
        raise UsageError(dst, f"destination is inside the source {src}; use --in-place to migrate in place")
    if overwrite and s.is_relative_to(d):
        raise UsageError(dst, f"destination contains the source {src}; refusing to overwrite it")
    if dst.exists() and not overwrite:
        raise UsageError(dst, "destination already exists (use --overwrite to replace it)")


def files_to_copy(plan: MigrationPlan, *, allow_outside: bool = False) -> list[tuple[str, int]]:
    """Every source file to copy verbatim, as ``(relative path, size in bytes)``.

    Skips the legacy metadata files replaced by a planned document, the
    ``zarr.json`` files that are rewritten and the journal directory.
    Symbolic links are followed by the rules of the module docstring.

    Raises
    ------
    OutsideRootError
        For a link leaving the source without ``allow_outside``.
    MigrateError
        For a dangling link, a directory loop or an unlistable directory.
    """
    from ..storage.sandbox import OutsideRootError

    if is_remote(plan.root):  # listed once (S3) or named by the metadata (HTTP): write/copy_remote.py
        from .copy_remote import remote_files_to_copy

        return remote_files_to_copy(plan) if plan.copy_source else []
    if not plan.copy_source or plan.root.is_file():  # a TIFF file or tile set: the engine writes every array
        return []
    skip = {d.file for d in plan.documents}
    for d in plan.documents:
        skip.update(d.replaces)
    # a re-encoded array's chunk files are written anew, not copied (other files in its directory are)
    reencoded = {a.rel: (a.source.metadata, a.source.zarr_format) for a in plan.arrays if a.target is not None}
    root = plan.root
    real_root = Path(os.path.realpath(root))
    out: list[tuple[str, int]] = []
    # depth-first, sorted; each directory carries the real paths of its ancestors (loop check)
    stack: list[tuple[Path, str, frozenset[str]]] = [(root, "", frozenset({str(real_root)}))]
    while stack:
        directory, rel_dir, ancestors = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise MigrateError(directory, f"cannot list the source directory: {exc.strerror or exc}") from None
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if not rel_dir and entry.name in (JOURNAL_DIR, REENCODE_DIR):  # another run's bookkeeping
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not os.path.exists(real):
                    raise MigrateError(path, f"dangling symbolic link (to {os.readlink(path)!r}); cannot read it")
                if not allow_outside and not inside(real_root, path):
                    raise OutsideRootError(path, f"symbolic link to {real} leaves the dataset; not copied "
                                                 "without --allow-outside")
            try:
                st = path.stat()
            except OSError as exc:
                raise MigrateError(path, f"cannot read source file: {exc.strerror or exc}") from None
            if stat.S_ISDIR(st.st_mode):
                real = os.path.realpath(path)
                if real in ancestors:
                    raise MigrateError(path, f"symbolic link loop (back to {real}); not copied")
                subdirs.append((path, rel, ancestors | {real}))
            elif stat.S_ISREG(st.st_mode):
                if rel not in skip and not (reencoded and is_chunk_of(rel, reencoded)):
                    out.append((rel, st.st_size))
            else:
                raise MigrateError(path, "not a regular file or directory (a device, socket or FIFO); not copied")
        stack.extend(reversed(subdirs))
    return out


def _public(path, tmp: Path, dst: Path):
    """``path`` with the temporary output directory replaced by ``dst``."""
    if path is None:
        return None
    text = str(path)
    return text.replace(str(tmp), str(dst), 1) if text.startswith(str(tmp)) else text


def _claim_partial(dst: Path, notes: list[str] | None, reencode=None) -> tuple[Path, Lock]:
    """Create (or take over from a dead run) the partial output directory, locked.

    A dead run's leftovers are removed, unless ``reencode`` (an
    :class:`ngff_migrate.engine.job.ReencodeJob`) resumes them.

    Raises
    ------
    MigrateError
        If a live run is writing the same destination.
    UsageError
        If a killed re-encode of the destination was started differently.
    """
    tmp = partial_path(dst)
    try:
        tmp.mkdir()
        fresh = True
    except FileExistsError:
        fresh = False
    if tmp.is_symlink() or not tmp.is_dir():
        raise MigrateError(tmp, "is in the way of the unfinished output (not a directory); remove it")
    lock = Lock(tmp)
    try:
        lock.__enter__()
    except Busy:
        raise MigrateError(dst, "another ngff-migrate run is writing this destination "
                                f"({tmp.name} is locked); try again when it has finished") from None
    if not fresh and reencode is not None:
        try:
            resumed = reencode.resume(tmp)
        except BaseException:
            lock.__exit__(None, None, None)
            raise
        if resumed:
            if notes is not None:
                notes.append(f"resumed the re-encode of an interrupted run ({tmp.name})")
            return tmp, lock
    if not fresh:
        for child in list(tmp.iterdir()):  # left by a killed run: start afresh
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        if notes is not None:
            notes.append(f"removed the unfinished output of an interrupted run ({tmp.name})")
    return tmp, lock


def migrate_copy(plan: MigrationPlan, dst: Path, *, link: bool, overwrite: bool,
                 verify: Callable[[Path], object], stats: WriteStats,
                 progress: Callable[[int], None] | None = None,
                 files: list[tuple[str, int]] | None = None, allow_outside: bool = False,
                 notes: list[str] | None = None, reencode=None) -> None:
    """Write the migrated dataset to ``dst``.

    Parameters
    ----------
    link:
        Hard-link chunk files instead of copying them where possible.
    verify:
        Called with the temporary output root before it is renamed into
        place; raises to reject the output.
    progress:
        Called with the number of bytes copied, per file.
    files:
        The result of :func:`files_to_copy` when the caller already has it.
    allow_outside:
        Follow symbolic links that leave the source (their content is copied).
    notes:
        Receives a line when leftovers of an interrupted run were removed
        (or resumed).
    reencode:
        An :class:`ngff_migrate.engine.job.ReencodeJob` writing the arrays
        that have a ``target`` layout (their chunk files are not copied). A
        failure while it runs keeps the unfinished output for a rerun of
        the same command to resume.

    Raises
    ------
    UsageError
        For a bad destination (see :func:`check_destination`).
    MigrateError
        If reading, writing or verification fails, or another run writes
        the same destination; the partial output is removed.
    """
    src = plan.root
    check_destination(src, dst, overwrite=overwrite)
    parent = dst.resolve().parent
    if not parent.is_dir():
        raise MigrateError(parent, "destination's parent directory does not exist")
    dst = parent / dst.name
    for file in [d.file for d in plan.documents] + list(plan.files):
        if ".." in file.split("/") or file.startswith("/"):
            raise MigrateError(src / file, "would be written outside the destination; refused")
    try:
        tmp, lock = _claim_partial(dst, notes, reencode)
    except OSError as exc:
        raise MigrateError(exc.filename or dst, f"cannot create the output: {exc.strerror or exc}") from None
    try:
        files = files_to_copy(plan, allow_outside=allow_outside) if files is None else files
        if is_remote(src):
            from .copy_remote import copy_remote

            copy_remote(src, files, tmp, stats, progress)
        else:
            for directory in sorted({rel.rpartition("/")[0] for rel, _ in files} - {""}):
                (tmp / directory).mkdir(parents=True, exist_ok=True)
            for rel, size in files:
                stats.files_linked += copy_file(src / rel, tmp / rel, link=link)
                stats.bytes_copied += size
                if progress is not None:
                    progress(size)
            stats.files_copied = len(files) - stats.files_linked
        if reencode is not None:
            reencode.run(tmp)
        for rel, data in plan.files.items():  # e.g. a TIFF's OME-XML, copied whole
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(tmp / rel, data, fsync=False)
            stats.document_bytes += len(data)
        for doc in plan.documents:
            target = tmp / doc.file
            target.parent.mkdir(parents=True, exist_ok=True)
            data = dumps_document(doc.document)
            write_atomic(target, data, fsync=False)
            stats.documents_written += 1
            stats.document_bytes += len(data)
        flush_tree(tmp)
        if reencode is not None:
            reencode.keep_partial = False  # the pixels are written: a verification failure discards them
        verify(tmp)
        if reencode is not None:  # before the rename: a kill now only means the rerun starts over
            reencode.finish(tmp)
        _publish(tmp, dst, overwrite=overwrite)
    except OSError as exc:
        kept = _discard(tmp, reencode)
        raise MigrateError(_public(exc.filename, tmp, dst) or dst,
                           f"write failed: {exc.strerror or exc}{kept}") from None
    except MigrateError as exc:
        kept = _discard(tmp, reencode)
        if exc.path:  # name the file as it would have been in DST, not the removed temporary dir
            exc.path = _public(exc.path, tmp, dst)
            exc.problem += kept or " (output not kept)"
            exc.args = (exc.one_line(),)
        raise
    except BaseException:
        _discard(tmp, reencode)
        raise
    finally:
        lock.__exit__(None, None, None)


def _discard(tmp: Path, reencode) -> str:
    """Remove the unfinished output after a failure, unless a re-encode was
    writing pixels (then it stays for a rerun to resume); returns the note
    for the error message."""
    if reencode is not None and reencode.keep_partial:
        return f" (the unfinished output {tmp.name} is kept: rerun the same command to resume)"
    shutil.rmtree(tmp, ignore_errors=True)
    return ""


def _publish(tmp: Path, dst: Path, *, overwrite: bool = True) -> None:
    """Rename the finished output into place, swapping out an old one (``--overwrite``).

    The old output is first renamed to ``.<DST name>.ngff-migrate-old`` and
    removed after the new one is in place; one left by a run killed between
    the two renames is removed here too.

    Raises
    ------
    MigrateError
        If ``dst`` appeared while this run was writing and ``overwrite`` was
        not given (another run published it): it is left alone.
    """
    old = dst.parent / f".{dst.name}{OLD_SUFFIX}"
    if (dst.exists() or dst.is_symlink()) and not overwrite:
        raise MigrateError(dst, "appeared while this run was writing (another run finished first); "
                                "left as it is (use --overwrite to replace it)")
    if dst.exists() or dst.is_symlink():
        if old.exists():
            shutil.rmtree(old)
        os.replace(dst, old)
    os.replace(tmp, dst)
    fsync_directory(dst.parent)
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["check_destination", "files_to_copy", "migrate_copy", "partial_path"]
