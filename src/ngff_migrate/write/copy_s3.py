"""Copy mode into S3: ``convert SRC s3://bucket/prefix/out.zarr`` (docs/storage.md, "Writing to S3").

S3 has no rename, so the local recipe (write a hidden directory, rename it
into place) becomes: **write the final keys directly, the entry document
last.** A dataset is found through its root ``zarr.json`` (or the standalone
RFC-8 document that was the source); until verification passed that one
object is not at the destination, so no reader sees a complete dataset.

Next to the destination, the hidden prefix ``.<name>.ngff-migrate-partial/``
holds the run's state:

* ``lock.json`` - the S3 lock of the run writing this destination
  (:class:`~ngff_migrate.storage.s3lock.S3Lock`);
* ``run.json`` - written before the first object at the destination: from
  then on the destination holds an unfinished output;
* the entry document, written there first, so that verification re-reads it
  from storage (reads of the destination's entry document are redirected to
  it, :func:`ngff_migrate.storage.remote.redirected`);
* for a re-encode, ``.ngff-migrate-reencode/``: the unit journal
  (:mod:`ngff_migrate.engine.stores`).

After verification: the entry document is written at the destination (the
output is complete), then ``run.json`` and the partial entry document are
removed, then the lock. A run that fails removes what it wrote. A run killed
part-way leaves ``run.json``: the next run of the same command takes the
stale lock over, removes every object below the destination and starts again
(a killed copy is cleaned up, not resumed); a killed re-encode started the
same way is resumed instead: the journaled units' shards are kept, every
other object is removed and written again. With ``--overwrite`` an existing
output is removed first, entry document first (it cannot be swapped in one
step as a local directory is).

Objects are written whole: a ``PUT`` per document, a streamed upload per
local file, a server-side ``CopyObject`` for an S3 source on the same server,
a streamed copy across servers; ``--max-requests`` at a time (the smaller
``max_requests`` of the two stores).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import MigrateError, UsageError
from ..formats.plan import MigrationPlan
from ..report.model import WriteStats
from ..storage.location import display, is_remote, max_requests, remote_inside
from .atomic import dumps_document

PARTIAL_SUFFIX = ".ngff-migrate-partial"
#: a re-encode's unit journal below the state prefix (ngff_migrate.engine.journal.JOURNAL_DIR)
REENCODE_DIR = ".ngff-migrate-reencode"


def partial_prefix(dst: Any) -> Any:
    """The state prefix of a copy to the S3 location ``dst``."""
    return dst.parent / f".{dst.name}{PARTIAL_SUFFIX}"


def _has_objects(root: Any) -> bool:
    bucket, _, key = root.path.partition("/")
    try:
        out = root.fs.call_s3("list_objects_v2", Bucket=bucket, Prefix=key.rstrip("/") + "/", MaxKeys=1)
    except Exception as exc:
        from ..storage.remote import read_error

        raise read_error(root, exc) from None
    return bool(out.get("KeyCount") or out.get("Contents"))


def check_s3_destination(src: Any, dst: Any, *, overwrite: bool) -> None:
    """Refuse destinations that could damage the input or existing data (before anything is written).

    Raises
    ------
    UsageError
        If ``dst`` is, or lies inside, the source; the source lies inside
        ``dst`` while overwriting; or ``dst`` holds objects (and is not the
        unfinished output of an interrupted run) without ``overwrite``.
    """
    from ..storage.remote import exists

    if is_remote(src) and remote_inside(src, dst):
        raise UsageError(display(dst), f"destination is inside the source {display(src)}; use --in-place "
                                       "to migrate in place")
    if overwrite and is_remote(src) and remote_inside(dst, src):
        raise UsageError(display(dst), f"destination contains the source {display(src)}; refusing to overwrite it")
    if not overwrite and _has_objects(dst) and not exists(partial_prefix(dst) / "run.json"):
        raise UsageError(display(dst), "destination already exists (use --overwrite to replace it)")


def _clear(dst: Any) -> int:
    """Remove every object below ``dst``: its root document first (it stops looking complete)."""
    from ..storage.s3 import delete, delete_below, list_below

    found = [rel for rel, _ in list_below(dst)]
    for entry in [r for r in found if "/" not in r and (r == "zarr.json" or r.endswith(".json"))]:
        delete(dst / entry)
        found.remove(entry)
    delete_below(dst, found)
    return len(found)


def _clear_journal(state: Any) -> None:
    """Remove a re-encode's unit journal below the state prefix (engine/stores.py), if any."""
    from ..storage.s3 import delete_below, list_below

    journal = state / REENCODE_DIR
    delete_below(journal, [rel for rel, _ in list_below(journal)])


def migrate_copy_s3(plan: MigrationPlan, dst: Any, *, overwrite: bool, verify: Callable[[Any], object],
                    stats: WriteStats, progress: Callable[[int], None] | None = None,
                    files: list[tuple[str, int]] | None = None, notes: list[str] | None = None,
                    reencode=None) -> None:
    """Write the migrated dataset to the S3 location ``dst`` (module docstring).

    ``reencode`` (an :class:`ngff_migrate.engine.job.ReencodeJob`) writes the
    arrays that have a ``target`` layout through the pixel engine, after the
    files are copied and before the documents; its unit journal is kept under
    the state prefix. A failure while it writes pixels keeps what was written
    (and ``run.json``): the same command run again resumes (docs/storage.md).

    Raises
    ------
    UsageError
        For a bad destination (:func:`check_s3_destination`).
    MigrateError
        If reading, writing or verification fails (what was written is
        removed), or another live run writes the same destination.
    """
    from ..storage.lock import Busy
    from ..storage.s3 import copy_object, delete, put_bytes
    from ..storage.s3lock import S3Lock, holder

    src = plan.root
    check_s3_destination(src, dst, overwrite=overwrite)
    for file in [d.file for d in plan.documents] + list(plan.files):
        if ".." in file.split("/") or file.startswith("/"):
            raise MigrateError(display(src) + "/" + file, "would be written outside the destination; refused")
    state = partial_prefix(dst)
    try:
        lock = S3Lock(state / "lock.json").__enter__()
    except Busy as exc:
        error = MigrateError(display(dst), f"another ngff-migrate run is writing this destination ({exc}); "
                                           "try again when it has finished")
        error.busy = True  # type: ignore[attr-defined]  (a batch reports the dataset skipped)
        raise error from None
    try:
        from ..storage.remote import exists

        leftover = exists(state / "run.json")
        resumed = leftover and reencode is not None and reencode.resume_remote(dst, state)
        put_bytes(state / "run.json", json.dumps({"tool": "ngff-migrate", "state": "writing",
                                                  "started": time.time()}).encode())
        if resumed and notes is not None:
            notes.append(f"resumed the re-encode of an interrupted run ({state.name})")
        elif leftover or overwrite:
            removed = _clear(dst)
            _clear_journal(state)  # a killed re-encode's unit journal, not resumed
            if leftover and notes is not None:
                notes.append(f"removed the unfinished output of an interrupted run ({removed} objects below "
                             f"{display(dst)})")
        try:
            entry = _write(plan, dst, state, stats, progress, files, reencode)
            from ..storage.remote import redirected

            if reencode is not None:
                reencode.keep_partial = False  # the pixels are written: a verification failure discards them
            with redirected({dst / entry: state / entry}):
                verify(dst)
            lock.check()
            if reencode is not None:  # before the entry: a kill from here on means the rerun starts over
                reencode.finish(dst, journal_root=state)
            copy_object(state / entry, dst / entry)  # server-side: the output is complete from here on
            delete(state / entry)
            delete(state / "run.json")
        except BaseException as exc:
            if lock.lost:  # another run took the destination over: its objects are not ours to remove
                raise
            if reencode is not None and reencode.keep_partial:  # kept (with run.json) for the rerun to resume
                if isinstance(exc, MigrateError):
                    exc.problem += f" (the unfinished output below {display(dst)} is kept: rerun the same " \
                                   "command to resume)"
                    exc.args = (exc.one_line(),)
                raise
            try:
                _clear(dst)
                if reencode is not None:
                    _clear_journal(state)
                delete(state / plan.entry)
                delete(state / "run.json")
            except Exception:  # the first error is the one to report; run.json says "unfinished"
                pass
            raise
    finally:
        lock.__exit__(None, None, None)
    if lock.took_over and notes is not None:
        notes.append(f"took over the stale lock of an interrupted run ({holder(lock.took_over)})")


def _write(plan: MigrationPlan, dst: Any, state: Any, stats: WriteStats,
           progress: Callable[[int], None] | None, files: list[tuple[str, int]] | None, reencode=None) -> str:
    """Copy the objects and write the documents; returns the entry document (written under ``state``)."""
    from ..storage.s3 import copy_object, put_bytes, upload_file
    from .copy import files_to_copy

    src = plan.root
    files = files_to_copy(plan) if files is None else files
    remote_src = is_remote(src)

    entry = plan.entry

    def one(item: tuple[str, int]) -> int | None:
        rel, size = item
        target = (state if rel == entry else dst) / rel  # an entry document carried over verbatim: last too
        if remote_src:
            return copy_object(src / rel, target, size=size or None)
        try:
            upload_file(Path(src) / rel, target)
        except OSError as exc:
            raise MigrateError(Path(src) / rel, f"cannot read source file: {exc.strerror or exc}") from None
        return size

    fan_out = min(max_requests(dst), max_requests(src)) if remote_src else max_requests(dst)
    pool = ThreadPoolExecutor(max_workers=fan_out)
    try:
        for got in pool.map(one, files):
            if got is None:
                stats.objects_absent += 1
                continue
            stats.files_copied += 1
            stats.bytes_copied += got
            if progress is not None:
                progress(got)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if reencode is not None:
        reencode.run(dst, journal_root=state)
    for rel, data in plan.files.items():  # e.g. a TIFF's OME-XML
        put_bytes(dst / rel, data)
        stats.document_bytes += len(data)
    for doc in plan.documents:
        data = dumps_document(doc.document)
        put_bytes((state if doc.file == entry else dst) / doc.file, data)
        stats.documents_written += 1
        stats.document_bytes += len(data)
    return entry


__all__ = ["check_s3_destination", "migrate_copy_s3", "partial_prefix"]
