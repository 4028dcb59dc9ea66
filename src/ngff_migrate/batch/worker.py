"""The task a worker process runs for one dataset: lock, recover, convert, mark done.

:func:`migrate_task` never raises: every failure becomes an
:class:`Outcome` with ``status == "failed"``, the problem and the file, so
one failing dataset never stops the others. Steps, all under the dataset's
lock (:mod:`ngff_migrate.storage.lock`):

1. a completion marker that matches the current input and options: nothing
   to do (``done-earlier``);
2. recovery from an interrupted earlier attempt:

   * in place: a dataset journal (``.ngff-migrate/journal.json``) not in
     state ``done`` is rolled back with
     :func:`~ngff_migrate.write.rollback.rollback_journal`; one in state
     ``done`` whose options match is *adopted* (the migration finished, only
     the marker is missing); one with other options is rolled back so the
     dataset is migrated again with the new ones; a ``.ngff-migrate``
     directory without a journal (killed while taking backups, before any
     write) is removed;
   * copy: the unfinished output ``.NAME.ngff-migrate-partial`` of a dead
     run is taken over by the copy itself (emptied and rewritten), and
     ``.NAME.ngff-migrate-old`` and earlier releases' ``-partial-<pid>`` /
     ``-old-<pid>`` directories are removed; an existing output without a marker is
     replaced if it is an RFC-8 tree (an earlier, unmarked run), refused
     otherwise;

3. :func:`ngff_migrate.convert` (an input that is already RFC-8 is
   ``already-rfc8``);
4. the completion marker, written last.

Durability: a task runs under :func:`~ngff_migrate.write.atomic.deferred_fsync`.
The dataset's own ordering barriers (backups and journal before the first
document, documents before the journal says ``written``) are ``syncfs``
calls and stay; the marker and the final journal states are not flushed one
by one: the coordinator flushes the file system once when the batch ends.
A marker lost to a power cut is harmless: the dataset's journal (``done``:
adopted; otherwise rolled back) makes the next run finish it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from ..storage.lock import Busy, Lock
from ..write.atomic import deferred_fsync
from ..write.journal import JOURNAL_DIR, JOURNAL_FILE, Journal
from ..write.rollback import rollback_journal
from .fingerprint import fingerprint
from .marker import marker_matches, read_marker, remove_marker, write_marker
from .state import StateDir
from .tiffs import sources_of


@dataclass(frozen=True)
class Task:
    """One dataset to migrate (plain values only: it travels to worker processes).

    ``destination`` is ``DEST/<rel>`` (absolute) or ``None`` in place;
    ``options`` holds ``mode``, ``target_version``, ``prefix``, ``lenient``,
    ``verify`` and ``sample_chunks``; ``lock_wait`` is how long to wait for
    the dataset's lock, in seconds (``0``: report ``busy`` at once);
    ``layout``, ``version`` and ``fingerprint`` are what the coordinator's
    walk found (the worker detects and fingerprints again only after a
    recovery changed the dataset); ``members``: a TIFF dataset's files
    (:attr:`.walk.Found.members`), which make up its fingerprint.
    """

    rel: str
    source: str
    destination: str | None
    state_base: str
    options: dict[str, Any]
    options_hash: str
    run_id: str
    lock_wait: float = 0.0
    layout: str | None = None
    version: str | None = None
    fingerprint: str | None = None
    members: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What happened to one dataset.

    ``status``: ``migrated`` (by this task), ``adopted`` (an earlier attempt
    had finished; marker written now), ``done-earlier`` (a valid marker was
    there), ``already-rfc8``, ``failed``, ``busy`` (locked, not waited for)
    or ``locked`` (still locked after waiting). ``write`` holds the
    :class:`~ngff_migrate.report.model.WriteStats` fields; ``seconds`` is wall
    time in the worker.
    """

    rel: str
    status: str = "failed"
    layout: str | None = None
    version: str | None = None
    fingerprint: str | None = None
    output_fingerprint: str | None = None
    error: str | None = None
    error_file: str | None = None
    recovered: str | None = None
    warnings: list[str] = field(default_factory=list)
    write: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    worker: str = ""
    peak_rss_bytes: int | None = None
    arrays: int | None = None
    nominal_bytes: int | None = None
    #: a task on S3 (:mod:`.remote_worker`): its requests, as ``Report.storage``
    storage: dict[str, Any] | None = None


def peak_rss_bytes() -> int | None:
    """This process's peak resident memory in bytes (Linux ``VmHWM``), or ``None``.

    Unlike ``getrusage(RUSAGE_SELF).ru_maxrss``, ``VmHWM`` starts afresh at
    ``exec``: it does not include the memory of the parent that forked us.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _is_rfc8_tree(path: Path) -> bool:
    try:
        ome = json.loads((path / "zarr.json").read_text()).get("attributes", {}).get("ome", {})
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(ome, dict) and "type" in ome


def _recover_in_place(src: Path, task: Task, out: Outcome) -> bool:
    """Undo or adopt an earlier attempt on ``src``; True if it finished and is adopted."""
    from ..write.inplace import recover_interrupted

    if (src / JOURNAL_DIR / JOURNAL_FILE).is_file():
        journal = Journal.load(src)
        same = all(journal.options.get(k) == task.options.get(k) for k in ("target_version", "prefix"))
        if journal.state == "done":
            if same and _is_rfc8_tree(src):
                out.recovered = "adopted a finished in-place migration (its completion marker was missing)"
                return True
            outcome = rollback_journal(src)
            if outcome.conflicts:
                raise MigrateError(src, f"an earlier in-place migration (other options) could not be rolled back: "
                                        f"{len(outcome.conflicts)} file(s) changed since (e.g. {outcome.conflicts[0]})")
            out.recovered = (f"rolled back an earlier (other options) in-place migration "
                             f"({len(outcome.files)} files restored or removed)")
            return False
    note = recover_interrupted(src)
    if note:
        out.recovered = note
    return False


def _recover_copy(dst: Path, out: Outcome) -> bool:
    """Remove leftovers of an interrupted copy; True if ``dst`` must be overwritten."""
    from ..write.copy import OLD_SUFFIX, partial_path

    removed = []
    if dst.parent.is_dir():
        # earlier releases named the unfinished output after the process id
        for pattern in (f".{dst.name}.ngff-migrate-partial-*", f".{dst.name}.ngff-migrate-old-*",
                        f".{dst.name}{OLD_SUFFIX}"):
            for left in dst.parent.glob(pattern):
                shutil.rmtree(left)
                removed.append(left.name)
        if partial_path(dst).is_dir():
            removed.append(partial_path(dst).name)  # taken over (and emptied) by the copy itself
    if removed:
        out.recovered = f"removed interrupted copy {', '.join(sorted(removed))}"
    if not dst.exists():
        return False
    if not _is_rfc8_tree(dst):
        raise MigrateError(dst, "exists and is not an RFC-8 tree written by ngff-migrate; "
                                "refusing to overwrite it (remove it or choose another --out)")
    return True


def _refuse_foreign_output(task: Task, state: StateDir, dst: Path) -> None:
    """Refuse ``dst`` if an earlier batch wrote it from another dataset (``x.tif``,
    then ``x.ome.tif`` next to it: both map to ``x.ome.zarr``); never write over it."""
    if not dst.exists():
        return
    out_rel = os.path.relpath(dst, Path(task.state_base)).replace(os.sep, "/")
    for other in sources_of(out_rel):
        if other == task.rel:
            continue
        marker = read_marker(state, other)
        if marker and marker.get("destination") == str(dst):
            raise MigrateError(dst, f"was written from {other} by an earlier batch; not overwritten with "
                                    f"{task.rel} (remove it, or rename one of the two sources)")


def _run(task: Task, state: StateDir, out: Outcome) -> None:
    from ..api import convert
    from ..formats.detect import detect
    from .planner import DatasetSurvey, _survey

    src = Path(task.source)
    dst = Path(task.destination) if task.destination else None
    in_place = dst is None
    marker = read_marker(state, task.rel)
    fp = task.fingerprint
    if marker is not None:  # only a marker needs the current fingerprint (another batch may have run)
        fp = fingerprint(src, task.members)
        if marker_matches(marker, current_fingerprint=fp, options_hash=task.options_hash,
                          in_place=in_place, output=dst):
            out.status = "done-earlier"
            for key in ("layout", "version", "fingerprint", "output_fingerprint"):
                setattr(out, key, marker.get(key))
            return
        remove_marker(state, task.rel)
    overwrite = False
    if in_place:
        if _recover_in_place(src, task, out):
            d = detect(src)
            out.layout, out.version = d.layout, d.version
            out.fingerprint = (marker or {}).get("fingerprint")
            out.output_fingerprint = fingerprint(src)
            _mark(task, state, out)
            out.status = "adopted"
            return
    else:
        _refuse_foreign_output(task, state, dst)  # type: ignore[arg-type]
        overwrite = _recover_copy(dst, out)  # type: ignore[arg-type]
    changed = out.recovered is not None and in_place  # a rollback changed the input
    out.fingerprint = fingerprint(src, task.members) if changed or fp is None else fp
    if changed or task.layout is None:
        d = detect(src)
        out.layout, out.version = d.layout, d.version
    else:
        out.layout, out.version = task.layout, task.version
    if out.layout == "rfc8":
        out.status = "already-rfc8"
        return
    if dst is not None:
        dst.parent.mkdir(parents=True, exist_ok=True)

    def surveyed(result) -> None:
        s = _survey(src, DatasetSurvey(task.rel, str(src)), result)
        out.arrays, out.nominal_bytes = s.arrays, s.nominal_bytes

    o = task.options
    recode = o.get("reencode") or {}
    report = convert(src, dst, in_place=in_place, link=o.get("mode") == "link",
                     target_version=o["target_version"], verify=o.get("verify", "sample"),
                     sample_chunks=o.get("sample_chunks", 8), overwrite=overwrite,
                     lenient=o.get("lenient", False), prefix=o["prefix"],
                     allow_outside=o.get("allow_outside", False), on_plan=surveyed,
                     chunks=recode.get("chunks"), shards=recode.get("shards", "keep"),
                     shard_size=recode.get("shard_size") if recode else None, codec=recode.get("codec"),
                     portable=recode.get("portable", False), jobs=o.get("reencode_threads"),
                     space_check=o.get("space_check", True), levels=recode.get("levels"),
                     downsample=recode.get("downsample") if recode.get("levels") else None)
    out.layout, out.version = report.layout, report.version
    out.warnings = list(report.warnings)
    out.write = asdict(report.write)
    out.output_fingerprint = fingerprint(src if in_place else dst)  # type: ignore[arg-type]
    try:
        _mark(task, state, out)
    except OSError as exc:
        raise MigrateError(getattr(exc, "filename", None) or state.marker(task.rel),
                           f"migrated, but the completion marker could not be written "
                           f"({exc.strerror or exc}); the next run redoes it") from None
    out.status = "migrated"


def _mark(task: Task, state: StateDir, out: Outcome) -> None:
    write_marker(state, task.rel, {
        "fingerprint": out.fingerprint, "output_fingerprint": out.output_fingerprint,
        "options_hash": task.options_hash, "options": task.options, "run_id": task.run_id,
        "worker": out.worker, "layout": out.layout, "version": out.version,
        "destination": task.destination,
    })


def migrate_task(task: Task) -> Outcome:
    """Migrate one dataset under its lock (see the module docstring). Never raises."""
    start = time.perf_counter()
    out = Outcome(task.rel, worker=f"{socket.gethostname()}:{os.getpid()}")
    state = StateDir(Path(task.state_base))
    src = Path(task.source)
    lock_path = src if task.destination is None else state.lock_file(task.rel)
    try:
        with Lock(lock_path, wait=task.lock_wait), deferred_fsync():
            _run(task, state, out)
    except Busy:
        out.status = "busy" if task.lock_wait <= 0 else "locked"
        if out.status == "locked":
            out.error = f"still locked by another process after {task.lock_wait:g} s; not migrated"
            out.error_file = str(lock_path)
    except MigrateError as exc:
        out.status, out.error, out.error_file = "failed", exc.problem, exc.path
    except OSError as exc:
        out.status, out.error = "failed", f"{exc.strerror or exc}"
        out.error_file = str(exc.filename) if exc.filename else str(src)
    except Exception as exc:  # a bug in one dataset must not stop the batch
        out.status, out.error, out.error_file = "failed", f"internal error {type(exc).__name__}: {exc}", str(src)
    out.seconds = round(time.perf_counter() - start, 6)
    out.peak_rss_bytes = peak_rss_bytes()
    return out
