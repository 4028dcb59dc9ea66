"""Atomic, durable file writes: a temporary file next to the target, then a rename.

The temporary file of ``dir/name`` is always ``dir/.name.ngff-migrate.tmp``
(:func:`temporary_name`): every writer of a path holds the lock of the tree
it writes in, so the name needs no process id, and after a ``kill -9`` the
journal-driven recovery knows exactly which leftover to remove.

Durability: :func:`write_atomic` with ``fsync=True`` flushes the file before
the rename and the directory after it. Writers of many documents pass
``fsync=False`` and call :func:`flush_tree` once: one ``syncfs(2)`` of the
file system holding the tree (Linux), instead of one ``fsync`` per file in
series (about 0.33 ms each here) or ``sync(2)`` of every file system on the
host.

When the writer knows exactly what it wrote, :func:`flush_paths` is the
barrier instead: the files and directories are ``fsync``'ed concurrently
(the file system groups concurrent flushes into few journal commits), so
the cost follows what this run wrote, not what every other process on the
file system has dirty: a ``syncfs`` waits for all of it (measured here: 5.8 s
for one ``syncfs`` while another process wrote 50,000 small files, 10 ms for
the overlapped ``fsync`` of 10 files). When the host has little to write
back (:data:`SYNCFS_DIRTY_BYTES`), or there are more than
:data:`FSYNC_LIMIT` paths, one :func:`flush_tree` is cheaper and is taken.

Inside :func:`deferred_fsync` (batch workers) the per-file ``fsync`` calls
are skipped and only :func:`flush_tree` and :func:`flush_paths` flush: every
durability barrier the in-place journal needs is one of them, so the
ordering guarantees stay while one dataset costs two barriers instead of a
dozen ``fsync`` calls in series.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..zarr.jsonio import dumps_json as dumps_document  # noqa: F401  (one canonical JSON writer)

TMP_SUFFIX = ".ngff-migrate.tmp"
_deferred = contextvars.ContextVar("ngff_migrate_deferred_fsync", default=False)


@contextlib.contextmanager
def deferred_fsync() -> Iterator[None]:
    """Skip per-file ``fsync`` (:func:`write_atomic`, :func:`fsync_directory`) inside the block;
    :func:`flush_tree` still flushes, and the caller flushes before relying on durability."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def temporary_name(path: Path) -> Path:
    """The temporary file :func:`write_atomic` uses for ``path``."""
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_directory(directory: Path) -> None:
    """Make the entries of ``directory`` (a rename, a new file) durable.

    Raises
    ------
    OSError
        If the directory cannot be opened.
    """
    if not _deferred.get():
        fsync_path(directory)


def write_atomic(path: Path, data: bytes, *, fsync: bool = True, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically (readers see old or new, never half).

    The file gets ``mode``, else the mode the replaced file had, else the
    umask default (never ``mkstemp``'s 0600). ``fsync=False`` skips the
    flushes: callers writing thousands of documents call
    :func:`flush_tree` once instead.

    Raises
    ------
    OSError
        If the directory is not writable or the disk is full; no temporary
        file is left behind.
    """
    tmp = temporary_name(path)
    fsync = fsync and not _deferred.get()
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if fsync:
        fsync_directory(path.parent)


#: threads that write one tier of documents (:func:`write_tiers`): the calls wait in the kernel
#: (file creation, rename) with the GIL released, so a few overlap even on 2 cores
WRITE_THREADS = 4


def write_tiers(root: Path, tiers: list[list[tuple[str, bytes]]], *, threads: int = WRITE_THREADS) -> int:
    """Write every ``(root-relative path, bytes)`` of ``tiers`` with :func:`write_atomic`
    (``fsync=False``: the caller flushes once), tier after tier.

    The documents of one tier are written concurrently; a tier starts only
    when the one before it is complete, so a document is never written
    before the documents it points to (the writers put those in an earlier
    tier). Returns the number of bytes written.

    Raises
    ------
    OSError
        The first failed write, after the writes in flight have ended (the
        caller rolls back; no tier after it is started).
    """
    total = 0
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    try:
        for tier in tiers:
            if pool is None or len(tier) < 2 * threads:
                for rel, data in tier:
                    write_atomic(root / rel, data, fsync=False)
            else:
                for _ in pool.map(lambda item: write_atomic(root / item[0], item[1], fsync=False), tier):
                    pass
            total += sum(len(data) for _, data in tier)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return total


#: the most paths :func:`flush_paths` flushes one by one; above it one ``syncfs`` is cheaper
FSYNC_LIMIT = 2000
#: ``fsync`` calls in flight in :func:`flush_paths`
FSYNC_THREADS = 16
#: at most this much data waiting to be written back host-wide (``/proc/meminfo`` ``Dirty`` +
#: ``Writeback``), :func:`flush_paths` takes one ``syncfs``: cheaper then than a journal commit per
#: ``fsync`` (a batch of 504 small datasets: 72-79 datasets/s against 48-55 with per-path fsyncs)
SYNCFS_DIRTY_BYTES = 32 << 20


def dirty_bytes() -> int | None:
    """Bytes the host still has to write back (``Dirty`` + ``Writeback`` of ``/proc/meminfo``),
    ``None`` where that is not known (not Linux). Never raises."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    total = 0
    for line in text.splitlines():
        if line.startswith((b"Dirty:", b"Writeback:")):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                total += int(parts[1]) * 1024
    return total


def fsync_path(path: Path) -> None:
    """``fsync`` one file or directory (always, also inside :func:`deferred_fsync`).

    Raises
    ------
    OSError
        If it cannot be opened or the flush fails.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_paths(paths: list[Path], *, tree: Path) -> None:
    """Make the files and directories ``paths`` durable: their data and, for a
    directory, its entries (a rename, a new file). A durability barrier like
    :func:`flush_tree` (also inside :func:`deferred_fsync`); ``tree`` is the
    tree they belong to, flushed whole with :func:`flush_tree` when there are
    more than :data:`FSYNC_LIMIT` paths. The caller lists every file it wrote
    and every directory whose entries it changed.

    Raises
    ------
    OSError
        If a path cannot be opened or its flush fails (an I/O error).
    """
    unique = list(dict.fromkeys(paths))
    dirty = dirty_bytes()
    if len(unique) > FSYNC_LIMIT or (dirty is not None and dirty <= SYNCFS_DIRTY_BYTES):
        flush_tree(tree)  # many paths, or little for a syncfs to wait for: one call is cheaper
        return
    if len(unique) <= 2:
        for path in unique:
            fsync_path(path)
        return
    with ThreadPoolExecutor(max_workers=min(FSYNC_THREADS, len(unique))) as pool:
        for _ in pool.map(fsync_path, unique):
            pass


def remove_temporary(path: Path) -> bool:
    """Remove the leftover temporary file of ``path`` (a killed write); True if one was there."""
    try:
        os.unlink(temporary_name(path))
        return True
    except FileNotFoundError:
        return False


_libc = None


def flush_tree(path: Path) -> None:
    """Make every write to the file system holding ``path`` durable.

    ``syncfs(2)`` on Linux (one call, that file system only); elsewhere
    ``sync(2)``.

    Raises
    ------
    OSError
        If ``path`` cannot be opened or the flush fails (an I/O error).
    """
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.syncfs  # noqa: B018  (probe)
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)
