"""The batch coordinator: walk, decide, hand datasets to workers, journal, report.

Only this process writes the batch journal. Workers (local processes or
dask.distributed workers) run :func:`.worker.migrate_task`, which takes the
dataset's lock, recovers from interrupted attempts, converts and writes the
completion marker. The coordinator keeps about two tasks per worker in
flight and marks them ``running`` when it hands them out.

A dataset whose lock is held by another batch is put aside and retried,
waiting up to ``lock_timeout`` seconds, after every other dataset: two
batches on one tree share the work instead of queueing behind each other.

TIFF datasets (:mod:`.tiffs`): an in-place batch lists them ``skipped``
(a TIFF is always re-encoded into a new store); a copy batch converts
``a/x.ome.tif`` into ``DEST/a/x.ome.zarr`` (:func:`.tiffs.output_rel`),
and a dataset whose output would be another one's (``x.ome.tif`` and
``x.tif`` side by side, ``x.ome.zarr`` next to ``x.ome.tif``) fails, naming
the other, instead of writing over it.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import resource
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from ..api import Progress
from ..errors import MigrateError, UsageError
from ..formats.ngff_image.translate import DEFAULT_PREFIX, DEFAULT_TARGET_VERSION
from ..write.atomic import flush_tree
from .batch_report import BatchReport, DatasetResult
from .fingerprint import fingerprint, options_hash
from .journal import BatchJournal
from .marker import marker_matches, read_marker
from .pool import LocalPool, Pool, open_pool
from .state import StateDir
from .tiffs import IN_PLACE_SKIP, destination_clashes, is_tiff_layout, output_rel
from .walk import Found, find_datasets
from .worker import Outcome, Task, migrate_task, peak_rss_bytes

DEFAULT_LOCK_TIMEOUT = 600.0
_STATE_OF = {"migrated": "done", "adopted": "done", "done-earlier": "done", "already-rfc8": "skipped",
             "failed": "failed", "locked": "planned", "busy": "planned"}


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _check_paths(root: Path, destination: Path | None, in_place: bool, link: bool) -> None:
    if in_place == (destination is not None):
        raise UsageError(None, "give either --out DEST or --in-place (not both, not neither)")
    if link and in_place:
        raise UsageError(None, "--link needs --out DEST")
    if not root.is_dir():
        raise MigrateError(root, "no such directory")
    if destination is not None:
        r, d = root.resolve(), destination.resolve()
        if d == r or d.is_relative_to(r) or r.is_relative_to(d):
            raise UsageError(destination, f"the destination and ROOT {root} overlap; choose a directory outside ROOT")


class _Coordinator:
    def __init__(self, root: Path, found: list[Found], journal: BatchJournal, report: BatchReport,
                 state: StateDir, options: dict[str, Any], destination: Path | None,
                 lock_timeout: float, progress: Progress) -> None:
        self.root, self.found, self.journal, self.report = root, found, journal, report
        self.state, self.options, self.destination = state, options, destination
        self.lock_timeout, self.progress = lock_timeout, progress
        self.ohash = report.options_hash
        self.results: dict[str, DatasetResult] = {}
        self.fingerprints: dict[str, str] = {}
        self.workers_peak_rss = 0
        self.clashes = {} if destination is None else destination_clashes(found, str(destination))

    # ------------------------------------------------------------------ decisions

    def output(self, f: Found) -> Path | None:
        """``DEST/<rel>`` (a TIFF: ``DEST/<dir>/<stem>.ome.zarr``), or ``None`` in place."""
        return None if self.destination is None else self.destination / output_rel(f.rel, f.layout)

    def _result(self, f: Found, outcome: str, **values: Any) -> None:
        self.results[f.rel] = DatasetResult(f.rel, outcome, f.layout, f.version, **values)

    def datasets(self) -> list[DatasetResult]:
        """The results in path order; ``output`` set where a copy is written elsewhere than ``rel``."""
        out = []
        for f in self.found:
            result = self.results.get(f.rel)
            if result is None:
                continue
            where = output_rel(f.rel, f.layout)
            if self.destination is not None and where != f.rel:
                result.output = where
            out.append(result)
        return out

    def decide(self, retry_failed: bool) -> list[Found]:
        """Settle what needs no worker; return the datasets to run, in path order."""
        to_run = []
        for f in self.found:
            rec = self.journal.records.get(f.rel)
            if f.error is not None:
                self.journal.update(f.rel, state="failed", error=f.error, error_file=f.error_file,
                                    fingerprint=fingerprint(f.path, f.members), options_hash=self.ohash,
                                    layout=f.layout, version=f.version, finished=time.time())
                self._result(f, "failed", error=f.error, error_file=f.error_file)
                continue
            if is_tiff_layout(f.layout) and self.destination is None:
                self.journal.update(f.rel, state="skipped", layout=f.layout, version=f.version, error=None,
                                    error_file=None, options_hash=self.ohash, finished=time.time(),
                                    fingerprint=fingerprint(f.path, f.members))
                self._result(f, "skipped", reason=IN_PLACE_SKIP)
                continue
            if f.rel in self.clashes:  # decided again by every run: no fingerprint, never "failed-earlier"
                self.journal.update(f.rel, state="failed", error=self.clashes[f.rel], error_file=str(f.path),
                                    fingerprint=None, options_hash=self.ohash, layout=f.layout,
                                    version=f.version, finished=time.time())
                self._result(f, "failed", error=self.clashes[f.rel], error_file=str(f.path))
                continue
            fp = fingerprint(f.path, f.members)
            marker = read_marker(self.state, f.rel)
            if marker_matches(marker, current_fingerprint=fp, options_hash=self.ohash,
                              in_place=self.destination is None, output=self.output(f)):
                m = marker or {}
                if rec is None or rec.state != "done":
                    self.journal.update(f.rel, state="done", layout=m.get("layout"), version=m.get("version"),
                                        options_hash=self.ohash, error=None, error_file=None,
                                        output_fingerprint=fp if self.destination is None else None)
                self.results[f.rel] = DatasetResult(f.rel, "done-earlier", m.get("layout"), m.get("version"),
                                                    nominal_bytes=rec.nominal_bytes if rec else None,
                                                    arrays=rec.arrays if rec else None)
                continue
            failed = rec is not None and rec.state == "failed"
            if failed and not retry_failed and rec.options_hash == self.ohash and rec.fingerprint == fp:
                self.results[f.rel] = DatasetResult(f.rel, "failed-earlier", rec.layout, rec.version,
                                                    error=rec.error, error_file=rec.error_file)
                continue
            if retry_failed and not failed:
                self.results[f.rel] = DatasetResult(f.rel, "not-run", f.layout, f.version,
                                                    error="not retried: --retry-failed runs only failed datasets")
                continue
            self.fingerprints[f.rel] = fp
            to_run.append(f)
        return to_run

    # ------------------------------------------------------------------ migration

    def task(self, f: Found, lock_wait: float) -> Task:
        out = self.output(f)
        return Task(rel=f.rel, source=str(f.path.resolve()), destination=None if out is None else str(out.resolve()),
                    state_base=str(self.state.base.resolve()), options=self.options,
                    options_hash=self.ohash, run_id=self.report.run_id, lock_wait=lock_wait,
                    layout=f.layout, version=f.version, fingerprint=self.fingerprints.get(f.rel),
                    members=tuple(str(Path(m).resolve()) for m in f.members))

    def record(self, outcome: Outcome) -> None:
        rel = outcome.rel
        self.workers_peak_rss = max(self.workers_peak_rss, outcome.peak_rss_bytes or 0)
        rec = self.journal.records.get(rel)
        arrays = outcome.arrays if outcome.arrays is not None else (rec.arrays if rec else None)
        nominal = outcome.nominal_bytes if outcome.nominal_bytes is not None else (rec.nominal_bytes if rec else None)
        w = outcome.write
        result = DatasetResult(
            rel, outcome.status, outcome.layout, outcome.version, arrays=arrays, nominal_bytes=nominal,
            files_written=w.get("documents_written", 0) + w.get("files_copied", 0) + w.get("files_linked", 0),
            bytes_written=w.get("document_bytes", 0) + w.get("bytes_copied", 0),
            seconds=outcome.seconds, error=outcome.error, error_file=outcome.error_file,
            recovered=outcome.recovered, warnings=len(outcome.warnings), worker=outcome.worker)
        self.results[rel] = result
        values: dict[str, Any] = {"state": _STATE_OF[outcome.status], "error": outcome.error,
                                  "error_file": outcome.error_file, "worker": outcome.worker,
                                  "layout": result.layout, "version": result.version,
                                  "options_hash": self.ohash, "arrays": arrays, "nominal_bytes": nominal}
        if outcome.status != "busy":
            values["finished"] = time.time()
        if outcome.fingerprint:
            values["fingerprint"] = outcome.fingerprint
        if outcome.output_fingerprint:
            values["output_fingerprint"] = outcome.output_fingerprint
        self.journal.update(rel, **values)
        if outcome.status != "busy":
            self.progress.advance("datasets", 1)
            self.progress.advance("bytes", nominal or 0)

    def migrate(self, pool: Pool, to_run: list[Found]) -> None:
        """Hand every dataset to the workers; put locked ones aside and retry them last."""
        by_rel = {f.rel: f for f in to_run}
        queue: deque[tuple[str, float]] = deque((f.rel, 0.0) for f in to_run)
        deferred: list[str] = []
        inflight: dict[Any, tuple[str, float]] = {}
        broken: set[str] = set()
        window = 2 * pool.slots
        self.progress.start("datasets", len(to_run))
        try:
            while queue or inflight or deferred:
                if not queue and not inflight:
                    queue.extend((rel, self.lock_timeout) for rel in deferred)
                    deferred = []
                starting: list[tuple[str, float]] = []
                while queue and len(inflight) + len(starting) < window:
                    rel, wait = queue.popleft()
                    rec = self.journal.record(rel)
                    self.journal.update(rel, state="running", attempts=rec.attempts + 1, started=time.time(),
                                        error=None, error_file=None)
                    starting.append((rel, wait))
                if starting:
                    # the records must be durable before a worker may write: `rollback ROOT` after a
                    # kill -9 finds an in-place dataset only through the journal (or its marker).
                    # In place an unwritable journal stops the batch; a copy only risks its output.
                    self.journal.flush(force=True, strict=self.destination is None)
                for rel, wait in starting:
                    inflight[pool.submit(migrate_task, self.task(by_rel[rel], wait))] = (rel, wait)
                restart = False
                for fut in pool.wait(inflight, timeout=0.5):
                    rel, wait = inflight.pop(fut)
                    try:
                        outcome = pool.result(fut)
                    except cf.process.BrokenProcessPool:
                        restart = True
                        if rel not in broken:  # maybe collateral damage: try once more
                            broken.add(rel)
                            queue.appendleft((rel, wait))
                            continue
                        outcome = Outcome(rel, error="the worker process died twice while migrating it "
                                                     "(killed, or out of memory)", error_file=str(by_rel[rel].path))
                    except Exception as exc:  # dask: KilledWorker, lost futures, ...
                        outcome = Outcome(rel, error=f"worker failed: {type(exc).__name__}: {exc}",
                                          error_file=str(by_rel[rel].path))
                    if outcome.status == "busy":
                        deferred.append(rel)
                    self.record(outcome)
                if restart and isinstance(pool, LocalPool):
                    pool.restart()
                self.journal.flush()
        except KeyboardInterrupt:
            for fut in inflight:
                fut.cancel()
            for fut in inflight:  # running tasks finish (workers ignore Ctrl-C): record them
                if not fut.cancelled():
                    try:
                        self.record(pool.result(fut))
                    except Exception:  # cancelled or lost: the next run sees it
                        pass
            raise


def run_batch(root: str | Path, *, destination: str | Path | None = None, in_place: bool = False,
              jobs: int | None = None, scheduler: str | None = None, retry_failed: bool = False,
              link: bool = False, target_version: str = DEFAULT_TARGET_VERSION,
              prefix: str = DEFAULT_PREFIX, lenient: bool = False, verify: str = "sample",
              sample_chunks: int = 8, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
              allow_outside: bool = False, progress: Progress | None = None,
              chunks: str | None = None, shards: str = "keep", shard_size: str | int | None = None,
              codec: str | None = None, portable: bool = False, space_check: bool = True,
              levels: int | None = None, downsample: str | None = None, endpoint_url: str | None = None,
              anon: bool = False, storage_options: dict[str, Any] | None = None,
              max_requests: int | None = None, retries: int | None = None,
              missing_chunk_status: int | None = None) -> BatchReport:
    """Migrate every dataset under ``root``: into ``destination/<rel>``, or in place.

    ``root`` may be an ``s3://`` prefix (``endpoint_url``, ``anon``,
    ``storage_options``, ``max_requests``, ``retries``, ``missing_chunk_status`` as for
    :func:`ngff_migrate.convert`): listed once, each
    dataset migrated in place under its S3 lock or copied to a local or
    ``s3://`` destination (:mod:`.remote`, docs/batch.md "Over S3").

    Parameters
    ----------
    jobs:
        Local worker processes (default: the number of CPUs); ignored with
        ``scheduler``.
    scheduler:
        Address of a dask.distributed scheduler (``tcp://HOST:PORT``): the
        datasets are migrated on its workers, which must see the same paths.
    retry_failed:
        Run only the datasets whose last attempt failed.
    allow_outside:
        Let each dataset's migration read metadata that resolves outside it
        (see :func:`ngff_migrate.convert`).
    lock_timeout:
        Seconds to wait for a dataset locked by another batch (after every
        other dataset is done) before reporting it ``locked``.
    progress:
        Callbacks for the stages ``datasets`` and
        ``bytes`` (nominal bytes).
    chunks, shards, shard_size, codec, portable, space_check, levels, downsample:
        Re-encode every dataset (with ``destination`` only), as
        :func:`ngff_migrate.convert` does (docs/reencode.md). Each worker
        re-encodes with CPUs / ``jobs`` threads; a rerun after a kill resumes
        each unfinished dataset at shard granularity.

    Returns
    -------
    BatchReport
        One result per dataset found; ``report.ok`` tells whether all are
        migrated. Failures of single datasets never raise.

    Raises
    ------
    UsageError
        Contradictory options, overlapping ROOT and destination, ROOT itself
        a dataset, or a state directory of another batch.
    MigrateError
        ROOT missing, scheduler unreachable, journal unwritable at the start.
    KeyboardInterrupt
        After the journal recorded the interruption.
    """
    from ..storage.location import from_file_url

    root = from_file_url(root)
    destination = from_file_url(destination)
    from ..storage.location import display, looks_remote, protocol_of_text, remote_unsupported

    if in_place:
        from ..remote_convert import refuse_missing_403

        refuse_missing_403(missing_chunk_status, "batch --in-place")
    if looks_remote(root):  # an S3 prefix, listed once; per-dataset state only (batch/remote.py)
        from .remote import run_batch_s3, store_options

        recoding = any((chunks, shards != "keep", shard_size, codec, portable, levels, downsample))
        return run_batch_s3(root, destination=destination, in_place=in_place, jobs=jobs, scheduler=scheduler,
                            target_version=target_version, prefix=prefix, lenient=lenient, verify=verify,
                            sample_chunks=sample_chunks, allow_outside=allow_outside, progress=progress,
                            store=store_options(endpoint_url, anon, storage_options, max_requests, retries,
                                                missing_chunk_status), link=link,
                            retry_failed=retry_failed, reencode=recoding)
    if endpoint_url or anon or storage_options:  # store options with a local ROOT: UsageError
        from ..storage.location import open_location

        open_location(str(root), endpoint_url=endpoint_url, anon=anon, storage_options=storage_options)
    if destination is not None:  # a copy to S3 needs an s3:// ROOT in this release
        if looks_remote(destination) and protocol_of_text(destination) == "s3":
            raise UsageError(display(destination), "a batch copies to S3 from an s3:// ROOT only in this release "
                                                   "(one local dataset: `ngff-migrate convert SRC s3://...`)")
        remote_unsupported(destination, "batch --out")
    start = time.time()
    root = Path(root)
    dest = None if destination is None else Path(destination)
    _check_paths(root, dest, in_place, link)
    if verify not in ("none", "sample", "full"):
        raise UsageError(None, f"--verify must be none, sample or full, not {verify!r}")
    from ..engine.options import reencode_options

    recode = reencode_options(chunks=chunks, shards=shards, shard_size=shard_size, codec=codec,
                              portable=portable, levels=levels, downsample=downsample, in_place=in_place,
                              copy_command="batch ROOT --out DEST")
    progress = progress or Progress()
    found = find_datasets(root)
    if any(f.rel == "." for f in found):
        raise UsageError(root, "ROOT is itself a dataset; use `ngff-migrate convert`, or give the directory holding it")
    if dest is not None:
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MigrateError(dest, f"cannot create the destination: {exc.strerror or exc}") from None
    state = StateDir(root if in_place else dest)  # type: ignore[arg-type]
    mode = "in-place" if in_place else ("link" if link else "copy")
    options = {"mode": mode, "target_version": target_version, "prefix": prefix, "lenient": lenient,
               "verify": verify, "sample_chunks": sample_chunks}
    if allow_outside:  # only when set, so that earlier journals' options hashes stay valid
        options["allow_outside"] = True
    if recode.active:  # likewise: a re-encode's options are part of what a marker certifies
        options["reencode"] = recode.fingerprint()
        options["reencode_threads"] = max(1, (os.cpu_count() or 1) // max(1, jobs or default_jobs()))
        if not space_check:
            options["space_check"] = False
    ohash = options_hash(options)
    run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    header = {"root": str(root.resolve()), "destination": None if dest is None else str(dest.resolve()),
              "mode": mode, "options": options, "options_hash": ohash}
    journal = BatchJournal(state, header, run_id)
    journal.reserve(len(found))
    report = BatchReport(root=str(root), destination=None if dest is None else str(dest), mode=mode,
                         run_id=run_id, state_dir=str(state.journal_file), options=options,
                         options_hash=ohash, started=start)
    coord = _Coordinator(root, found, journal, report, state, options, dest, lock_timeout, progress)
    status = "finished"
    try:
        to_run = coord.decide(retry_failed)
        journal.flush()
        if to_run:
            with open_pool(jobs=jobs or default_jobs(), scheduler=scheduler) as pool:
                report.pool = pool.name
                coord.migrate(pool, to_run)
        else:
            report.pool = "none (nothing to run)"
    except KeyboardInterrupt:
        status = "interrupted"
        report.interrupted = True
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        try:
            flush_tree(state.directory)  # what the workers wrote without fsync (markers, journal states)
        except OSError:
            pass
        try:
            journal.close(status)
        except MigrateError as exc:
            report.journal_error = exc.one_line()
        report.datasets = coord.datasets()
        report.wall_seconds = round(time.time() - start, 3)
        report.coordinator_peak_rss_bytes = peak_rss_bytes() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        report.workers_peak_rss_bytes = coord.workers_peak_rss or None
    return report
