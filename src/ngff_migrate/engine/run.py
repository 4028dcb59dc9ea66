"""Move the pixels of a re-encode (issue #9, "Engine"; docs/reencode.md).

One task per write unit (:class:`~.layout.ArrayLayout`): it reads the unit's
region from the source array with zarr-python (which decodes only the
source chunks it overlaps), writes it to the target array whole, flushes the
files it wrote and returns. Because a shard (or, unsharded, a
chunk) belongs to exactly one unit, no two tasks ever write the same file,
which keeps clear of zarr-python's unsafe concurrent partial-shard writes
(zarr-python#3682). Peak memory is about ``workers × unit bytes × 2`` plus
the source chunks a unit overlaps.

The tasks run on dask: the local threaded scheduler (``jobs`` threads), or a
``dask.distributed`` cluster (``scheduler``), where the units of one array
are spread over every worker. The driver records each finished unit in the
:class:`~.journal.UnitJournal`, so that a killed run resumes where it was,
and only after the unit's files are durable: locally, finished units are
flushed together with one ``syncfs`` of the output's file system every
second or 256 MiB (while the other tasks keep running); a distributed
worker ``fsync``s its own files before it returns.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MigrateError, exception_line
from ..storage.location import is_remote
from .journal import UnitJournal
from .plan import ReencodePlan
from .stores import array_location, join, stored_bytes

#: seconds between journal flushes (a lost line only means a unit is rewritten)
FLUSH_EVERY = 1.0
#: stored bytes written locally between two flushes of the output's file system
FLUSH_BYTES = 256 * 2**20
_OPEN: OrderedDict[tuple[str, str, int, str], Any] = OrderedDict()
_OPEN_MAX = 64


@dataclass
class ReencodeStats:
    """What a re-encode did: arrays, units written and resumed (skipped
    because an interrupted run had finished them), decoded bytes read and
    stored bytes written."""

    arrays_reencoded: int = 0
    #: the processes (distributed) or threads (local) that wrote units
    workers: int = 0
    units_written: int = 0
    units_resumed: int = 0
    bytes_decoded: int = 0
    bytes_stored: int = 0

    def to_json(self) -> dict[str, Any]:
        """The report's ``reencode`` entry (with the compression ratio)."""
        ratio = round(self.bytes_decoded / self.bytes_stored, 3) if self.bytes_stored else None
        return {**self.__dict__, "compression_ratio": ratio}


def _open(run: str, path: Any, zarr_format: int, mode: str) -> Any:
    """The zarr-python array at ``path`` (a local path, or a remote
    :class:`~.stores.StoreArray`), opened once per run and process."""
    key = (run, path, zarr_format, mode)
    found = _OPEN.get(key)
    if found is None:
        import zarr

        # a remote array (engine/stores.py StoreArray) opens itself through zarr-python's FsspecStore
        found = path.open() if not isinstance(path, str) else zarr.open_array(path, mode=mode, zarr_format=zarr_format)
        _OPEN[key] = found
        while len(_OPEN) > _OPEN_MAX:
            _OPEN.popitem(last=False)
    return found


def _open_source(run: str, source_dir: str, zarr_format: int) -> Any:
    """:func:`_open` for a source array; a failure (a codec zarr-python or
    numcodecs does not have, such as an ``imagecodecs_*`` one without
    imagecodecs installed) becomes our error naming its metadata file.

    ``source_dir`` may instead be a source descriptor that is not a Zarr
    array (``ArrayPlan.reader``, e.g. a TIFF level): it opens itself
    (``open()``, raising our error), once per run and process."""
    if not isinstance(source_dir, str):
        key = (run, source_dir, zarr_format, "r")
        if key in _OPEN:
            _OPEN.move_to_end(key)
            return _OPEN[key]
        found = _OPEN[key] = source_dir.open()
        while len(_OPEN) > _OPEN_MAX:  # a tile set of thousands of files: keep the open file handles bounded
            _close(_OPEN.popitem(last=False)[1])
        return found
    try:
        return _open(run, source_dir, zarr_format, "r")
    except Exception as exc:
        meta = Path(source_dir) / (".zarray" if zarr_format == 2 else "zarr.json")
        text = exception_line(exc, 200)
        raise MigrateError(meta, f"zarr-python cannot open this array to re-encode it: {text} (is the "
                                 "package that provides its codec installed?)") from None


def _close(source: Any) -> None:
    """Release the file handles of a source that holds them (a TIFF level: its ``close()``)."""
    close = getattr(source, "close", None)
    if callable(close) and not hasattr(source, "store"):  # never a zarr-python array
        close()


def open_sources(rplan: ReencodePlan, source_root: Path) -> None:
    """Open every source array of ``rplan`` once with zarr-python, before any
    pixel is written (new levels are read from the output, not checked).

    Raises
    ------
    MigrateError
        Naming the metadata file of the first array that does not open.
    """
    run = uuid.uuid4().hex
    try:
        for array in rplan.arrays:
            _open_source(run, _array_source(array, source_root), array.source.zarr_format)
    finally:
        for key in [k for k in _OPEN if k[0] == run]:
            _close(_OPEN.pop(key))


def _array_source(array: Any, source_root: Path) -> Any:
    """Where the engine reads ``array`` (an ``ArrayPlan``): its ``reader``
    descriptor, else the Zarr array at its ``rel`` (a path, or a remote :class:`~.stores.StoreArray`)."""
    if getattr(array, "reader", None) is not None:
        return array.reader
    return array_location(source_root, array.rel, array.source.zarr_format)


def _bad_source_chunk(source: Any, source_dir: str, sel: tuple[slice, ...]) -> str:
    """The source chunk file of ``sel`` that does not decode (the key of the
    first failing one), for the error message."""
    import itertools
    import math

    grid = source.metadata.chunk_grid.chunk_shape if hasattr(source.metadata, "chunk_grid") else source.chunks
    ranges = [range(s.start // c, math.ceil(s.stop / c)) for s, c in zip(sel, grid, strict=True)]
    for idx in itertools.product(*ranges):
        region = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(idx, grid, source.shape, strict=True))
        try:
            source[region]
        except Exception:
            return str(join(source_dir, source.metadata.encode_chunk_key(idx)))
    return str(source_dir)


@dataclass(frozen=True)
class UnitTask:
    """One write unit to write (picklable, for distributed workers).

    ``region`` is the ``(start, stop)`` element range per axis in the
    target; ``keys`` the files it writes (relative to the target array).
    A new level (``--levels``) reads ``read`` from the previous level and
    downsamples it by ``factors`` with ``method``.
    """

    run: str
    #: the source array's path, or a descriptor that opens itself (``ArrayPlan.reader``)
    source: Any
    source_format: int
    target: str
    rel: str
    index: tuple[int, ...]
    region: tuple[tuple[int, int], ...]
    keys: tuple[str, ...]
    resume: bool
    read: tuple[tuple[int, int], ...] | None = None
    factors: tuple[int, ...] | None = None
    method: str | None = None
    #: flush the unit's files before returning (distributed workers: the driver cannot flush them)
    fsync: bool = True


def write_unit(task: UnitTask) -> tuple[str, tuple[int, ...], int, int]:
    """Write one unit (see :class:`UnitTask`). Returns ``(array path, unit
    index, decoded bytes, stored bytes)``.

    Raises
    ------
    MigrateError
        If a source chunk does not decode (naming its file) or the target
        cannot be written (naming the file).
    """
    sel = tuple(slice(a, b) for a, b in task.region)
    read = tuple(slice(a, b) for a, b in task.read) if task.read else sel
    source = _open_source(task.run, task.source, task.source_format)
    try:
        target = _open(task.run, task.target, 3, "r+")
    except Exception as exc:
        text = exception_line(exc, 200)
        raise MigrateError(join(task.target, "zarr.json"), f"cannot open the re-encoded array: {text}") from None
    remote = not isinstance(task.target, str)  # S3: every object is written whole by one PUT
    if task.resume and not remote:  # a killed run may have left some of these files half written
        for key in task.keys:
            try:
                os.unlink(os.path.join(task.target, key))
            except FileNotFoundError:
                pass
    try:
        data = source[read]
    except Exception as exc:
        bad = source.failing(read) if hasattr(source, "failing") else _bad_source_chunk(source, task.source, read)
        text = exception_line(exc, 200)
        raise MigrateError(bad, f"source chunk cannot be decoded: {text}") from None
    if task.factors:
        from .levels import downsample

        data = downsample(data, task.factors, task.method or "mean")
    try:
        target[sel] = data
    except OSError as exc:
        raise MigrateError(exc.filename or task.target, f"write failed: {exc.strerror or exc}") from None
    except Exception as exc:  # an encoder refusing the data: every exception leaving is ours
        text = exception_line(exc, 200)
        raise MigrateError(str(task.target), f"cannot encode write unit {list(task.index)}: {text}") from None
    if remote:  # a returned PUT is durable; its size was noted by the store
        return task.rel, tuple(task.index), int(data.nbytes), stored_bytes(target, task.keys)
    stored = 0
    dirs = set()
    for key in task.keys:
        path = os.path.join(task.target, key)
        if not task.fsync:
            try:
                stored += os.stat(path).st_size
            except FileNotFoundError:
                pass  # a chunk equal to the fill value is not written (legal Zarr)
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # a chunk equal to the fill value is not written (legal Zarr)
        try:
            os.fsync(fd)
            stored += os.fstat(fd).st_size
        finally:
            os.close(fd)
        dirs.add(os.path.dirname(path))
    for directory in dirs:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return task.rel, tuple(task.index), int(data.nbytes), stored


def _remote(task: UnitTask) -> tuple:
    """:func:`write_unit` for a distributed worker: a project error comes back as data."""
    import socket

    try:
        return ("ok", write_unit(task), f"{socket.gethostname()}:{os.getpid()}")
    except MigrateError as exc:
        return ("error", (str(exc.path) if exc.path else None, exc.problem), None)


_MALLOC: list[Any] = []


def _steady_malloc() -> None:
    """Load glibc for :func:`_trim` (a no-op elsewhere).

    Freed chunk and shard buffers (4–64 MiB) stay in glibc's per-thread
    heaps, so the resident size creeps up with the number of units;
    ``malloc_trim`` at each flush hands that memory back. (A fixed 1 MiB
    mmap threshold kept it flatter still, but made every buffer a fresh
    mapping and cost 60 % of the throughput: measured, not kept.)
    """
    if _MALLOC:
        return
    import ctypes
    import ctypes.util

    try:
        _MALLOC.append(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"))
    except OSError:
        _MALLOC.append(None)


def _trim() -> None:
    libc = _MALLOC[0] if _MALLOC else None
    if libc is not None:
        try:
            libc.malloc_trim(0)
        except AttributeError:
            pass


def run_reencode(rplan: ReencodePlan, source_root: Path, target_root: Path, journal: UnitJournal, *,
                 resume: bool, jobs: int | None = None, scheduler: str | None = None,
                 progress: Callable[[int], None] | None = None) -> ReencodeStats:
    """Write every re-encoded array of ``rplan`` under ``target_root`` (the
    unfinished output), skipping the units ``journal`` has.

    The target ``zarr.json`` documents must already be written. ``jobs`` is
    the number of local threads (default: CPUs); ``scheduler`` a
    ``dask.distributed`` address (``tcp://HOST:PORT``), which needs
    ``target_root`` on a file system every worker sees. ``progress`` is
    called with decoded bytes per finished unit.

    Raises
    ------
    MigrateError
        For the first unit that fails (see :func:`write_unit`), or a journal
        that cannot be written.
    """
    run = uuid.uuid4().hex
    _steady_malloc()
    stats = ReencodeStats(arrays_reencoded=len(rplan.arrays) + len(rplan.levels))
    phases: list[list[UnitTask]] = [[]]

    def add(phase: list[UnitTask], rel: str, layout, source: str, source_format: int, level=None) -> None:
        from .levels import level_regions

        target = array_location(target_root, rel, writable=True)
        for index in layout.units():
            if (rel, index) in journal.done:
                stats.units_resumed += 1
                if progress is not None:
                    progress(_nbytes(layout.region(index), layout.itemsize))
                continue
            read = None
            if level is not None:
                read = level_regions(level, index)[1]
            phase.append(UnitTask(run, source, source_format, target, rel, index, layout.region(index),
                                  tuple(layout.keys(index)), resume, read,
                                  level.factors if level is not None else None,
                                  level.method if level is not None else None, fsync=bool(scheduler)))

    for array in rplan.arrays:
        source = _array_source(array, source_root)
        phase = getattr(source, "phase", 0) if not isinstance(source, str) else 0
        if phase:  # a source composed of arrays this run writes first (a tile set's overview)
            source = source.bind(target_root)
            while len(phases) <= phase:
                phases.append([])
        add(phases[phase], array.rel, array.target, source, array.source.zarr_format)
    for level in rplan.levels:  # in depth order: depth d reads what depth d - 1 wrote
        while len(phases) <= level.depth:
            phases.append([])
        if level.depth == 1:
            add(phases[1], level.rel, level.target, array_location(source_root, level.previous,
                                                                   level.previous_format), level.previous_format,
                level)
        else:
            add(phases[level.depth], level.rel, level.target, array_location(target_root, level.previous), 3,
                level)
    remote_target = is_remote(target_root)
    last_flush = [time.monotonic()]
    pending: list[tuple[str, tuple[int, ...]]] = []
    pending_bytes = [0]

    def flush() -> None:
        """Locally, the units' files are made durable together (one ``syncfs`` of the
        output's file system, overlapping with the tasks still running), then journaled."""
        if pending:
            from ..write.atomic import flush_tree

            if not remote_target:
                flush_tree(target_root)
            for rel, index in pending:
                journal.record(rel, index)
            pending.clear()
            pending_bytes[0] = 0
            _trim()
        journal.flush()
        last_flush[0] = time.monotonic()

    def finished(result: tuple) -> None:
        rel, index, decoded, stored = result
        if scheduler or remote_target:  # the worker flushed the unit's files itself; an S3 PUT is durable
            journal.record(rel, index)
        else:
            pending.append((rel, index))
            pending_bytes[0] += stored
        stats.units_written += 1
        stats.bytes_decoded += decoded
        stats.bytes_stored += stored
        if progress is not None:
            progress(decoded)
        if time.monotonic() - last_flush[0] > FLUSH_EVERY or pending_bytes[0] > FLUSH_BYTES:
            flush()

    try:
        for tasks in phases:
            if not tasks:
                continue
            if scheduler:
                stats.workers = max(stats.workers, _run_distributed(tasks, scheduler, finished))
            else:
                stats.workers = max(stats.workers, min(len(tasks), jobs or os.cpu_count() or 1))
                try:
                    _run_local(tasks, jobs, finished)
                except BaseException:
                    try:  # the units that did finish are kept for the resume
                        flush()
                    except OSError:
                        pass
                    raise
            flush()
    except OSError as exc:
        raise MigrateError(exc.filename or target_root, f"write failed: {exc.strerror or exc}") from None
    finally:
        for key in [k for k in _OPEN if k[0] == run]:
            _close(_OPEN.pop(key))
    return stats


def _nbytes(region: tuple[tuple[int, int], ...], itemsize: int) -> int:
    n = itemsize
    for a, b in region:
        n *= b - a
    return n


def _run_local(tasks: list[UnitTask], jobs: int | None, finished: Callable[[tuple], None]) -> None:
    from dask.callbacks import Callback
    from dask.threaded import get

    graph = {("unit", i): (write_unit, task) for i, task in enumerate(tasks)}

    def posttask(key, result, dsk, state, worker_id) -> None:  # runs in the scheduling thread
        finished(result)

    with Callback(posttask=posttask):
        get(graph, list(graph), num_workers=jobs or os.cpu_count() or 1)


def _run_distributed(tasks: list[UnitTask], address: str, finished: Callable[[tuple], None]) -> int:
    """Run ``tasks`` on the cluster at ``address``; returns how many worker processes wrote units."""
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=30)
    except Exception as exc:
        raise MigrateError(None, f"cannot reach the dask scheduler {address}: {exc}") from None
    writers: set[str] = set()
    try:
        futures = client.map(_remote, tasks, pure=False)
        for future in as_completed(futures):
            status, value, worker = future.result()
            if status == "error":
                client.cancel(futures)
                raise MigrateError(value[0], value[1])
            writers.add(worker)
            finished(value)
    finally:
        client.close()
    return len(writers)


__all__ = ["ReencodeStats", "UnitTask", "run_reencode", "write_unit"]
