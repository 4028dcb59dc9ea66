"""``plan``, ``batch``, ``rollback`` and ``finalize`` over an S3 prefix (issue #11 item 3; docs/batch.md, "Over S3").

The prefix is **listed once** (:func:`ngff_migrate.storage.remote.list_files`:
one LIST per 1,000 keys) and the datasets are found in that listing with the
rules of a local walk (:func:`.walk.find_datasets_listed`): only the root
documents of key prefixes that hold Zarr metadata are read.

**State.** A batch over S3 keeps no batch journal of its own: the state is
per dataset, where ``convert --in-place`` keeps it (the journal and backups
under ``<dataset>/.ngff-migrate/``, the lock object
``<dataset>/.ngff-migrate.lock``). A rerun lists the prefix again: a dataset
whose journal says ``done`` (same options) is ``done-earlier``, a finalized
one is ``already-rfc8``, an interrupted one is rolled back and migrated
again (:mod:`.remote_worker`). Two batches on one prefix share the work:
the loser of a dataset's lock leaves it to the winner (``skipped``, with the
holder). A copy batch finds its finished outputs by their entry document
(``DEST/<rel>/zarr.json`` holding an RFC-8 root, written last by a copy).

**Rollback / finalize** of a prefix apply to every dataset below it that
has an in-place journal (found in one listing), each under its lock.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..errors import MigrateError, UsageError
from ..storage.location import display, is_remote, open_location, protocol
from .batch_report import BatchReport, DatasetResult
from .fingerprint import options_hash
from .planner import DatasetSurvey, TreePlan, survey_dataset, survey_found
from .remote_worker import S3Task, s3_task, survey_task
from .walk import Found, find_datasets_listed
from .worker import Outcome, peak_rss_bytes

JOURNAL_KEY = ".ngff-migrate/journal.json"
STATE = "none on S3: each dataset's journal <dataset>/.ngff-migrate/journal.json"


def store_options(endpoint_url: str | None = None, anon: bool = False,
                  storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
                  retries: int | None = None, missing_chunk_status: int | None = None) -> dict[str, Any]:
    """The keyword arguments of :func:`~ngff_migrate.storage.location.open_location` as one plain dict."""
    return {"endpoint_url": endpoint_url, "anon": anon, "storage_options": dict(storage_options or {}),
            **robust_options(max_requests=max_requests, retries=retries, missing_chunk_status=missing_chunk_status)}


def robust_options(**given: Any) -> dict[str, Any]:
    """``max_requests``, ``retries`` and ``missing_chunk_status`` as given (``None`` left out)."""
    return {k: v for k, v in given.items()
            if k in ("max_requests", "retries", "missing_chunk_status") and v is not None}


def open_prefix(root: Any, what: str, store: dict[str, Any]) -> Any:
    """The ``s3://`` prefix ``root`` as a location.

    Raises
    ------
    UsageError
        For an HTTP URL (it cannot be listed) or bad store options.
    """
    location = open_location(str(root), **store)
    if protocol(location) != "s3":
        from ..storage.location import remote_unsupported

        remote_unsupported(root, what)
    return location


def list_datasets(root: Any, *, allow_outside: bool = False) -> tuple[list[Found], set[str]]:
    """The datasets below the S3 prefix ``root`` from one listing, and every key (relative).

    Raises
    ------
    MigrateError
        If the prefix cannot be listed or holds no object.
    """
    from ..storage.remote import list_files

    keys = list_files(root)
    if not keys:
        raise MigrateError(display(root), "no objects below this prefix (check the bucket and the path)")
    return find_datasets_listed(root, keys, allow_outside=allow_outside), {k for k, _ in keys}


def plan_prefix(root: Any, *, jobs: int = 1, scheduler: str | None = None, progress: Any = None,
                allow_outside: bool = False, store: dict[str, Any] | None = None) -> TreePlan:
    """:func:`.planner.plan_tree` over the S3 prefix ``root``: one listing, then a
    read-only survey per dataset (in this process with ``jobs=1``, else in a pool).

    Raises
    ------
    MigrateError
        If the prefix cannot be listed, or the scheduler cannot be reached.
    """
    from .pool import map_pooled

    store = store or store_options()
    start = time.perf_counter()
    location = open_prefix(root, "plan", store)
    found, _ = list_datasets(location, allow_outside=allow_outside)
    surveys: dict[str, DatasetSurvey] = {f.rel: survey_found(f) for f in found if f.error is not None}
    todo = [f for f in found if f.error is None]
    if jobs <= 1 and scheduler is None:
        for i, f in enumerate(todo):
            surveys[f.rel] = survey_dataset(f.path, f.rel, allow_outside=allow_outside, layout=f.layout)
            if progress:
                progress(i + 1, len(todo))
    elif todo:
        items = [(str(f.path), f.rel, f.layout, allow_outside, store) for f in todo]
        for s in map_pooled(survey_task, items, jobs=jobs, scheduler=scheduler, progress=progress):
            surveys[s.rel] = s
    return TreePlan(display(location), [surveys[f.rel] for f in found], time.perf_counter() - start)


def _destination(destination: Any, root: Any, store: dict[str, Any]) -> Any:
    """The copy destination: a local directory or an ``s3://`` prefix outside ``root`` (no request)."""
    from pathlib import Path

    from ..remote_convert import open_destination
    from ..storage.location import looks_remote

    if not looks_remote(destination):
        return Path(destination)
    dest = open_destination(str(destination), endpoint_url=store["endpoint_url"],
                            storage_options=store["storage_options"],
                            **{k: v for k, v in robust_options(**store).items() if k != "missing_chunk_status"})
    a, b = dest.path.rstrip("/") + "/", root.path.rstrip("/") + "/"
    if a.startswith(b) or b.startswith(a):
        raise UsageError(display(dest), f"the destination and ROOT {display(root)} overlap; choose a prefix "
                                        "outside ROOT")
    return dest


def _complete_output(output: Any) -> bool:
    """Whether a copy's output is there and finished (its entry document holds an RFC-8 root)."""
    import json

    from ..storage.location import is_remote

    doc = output / "zarr.json"
    try:
        if is_remote(output):
            from ..storage.remote import read_bytes

            data = read_bytes(doc, 1 << 26)
        else:
            data = doc.read_bytes() if doc.is_file() else None
        ome = (json.loads(data) if data else {}).get("attributes", {}).get("ome", {})
    except (OSError, ValueError, AttributeError, MigrateError):
        return False
    return isinstance(ome, dict) and "type" in ome


def _result(f: Found, out: Outcome) -> DatasetResult:
    w = out.write
    result = DatasetResult(
        f.rel, out.status, out.layout or f.layout, out.version or f.version, arrays=out.arrays,
        nominal_bytes=out.nominal_bytes,
        files_written=w.get("documents_written", 0) + w.get("files_copied", 0) + w.get("files_linked", 0),
        bytes_written=w.get("document_bytes", 0) + w.get("bytes_copied", 0), seconds=out.seconds,
        error=out.error, error_file=out.error_file, recovered=out.recovered, warnings=len(out.warnings),
        worker=out.worker)
    if out.status == "busy":  # the other batch holding it migrates it: not a failure of this one
        result.outcome, result.reason, result.error = "skipped", out.error, None
    return result


def _add(total: dict[str, Any], part: dict[str, Any] | None) -> None:
    if not part:
        return
    for kind, n in part.get("requests", {}).items():
        total["requests"][kind] = total["requests"].get(kind, 0) + n
    for key in ("requests_total", "bytes_read", "bytes_written"):
        total[key] += part.get(key, 0)


def run_batch_s3(root: Any, *, destination: Any = None, in_place: bool = False, jobs: int | None = None,
                 scheduler: str | None = None, target_version: str, prefix: str, lenient: bool = False,
                 verify: str = "sample", sample_chunks: int = 8, allow_outside: bool = False,
                 progress: Any = None, store: dict[str, Any] | None = None, link: bool = False,
                 retry_failed: bool = False, reencode: bool = False) -> BatchReport:
    """:func:`.runner.run_batch` over the S3 prefix ``root`` (see the module docstring).

    ``store`` is the source's :func:`store_options` (an ``s3://`` destination
    uses the same endpoint and options); the other keywords as for
    :func:`.runner.run_batch`. ``jobs=1`` without a scheduler runs the
    datasets in this process. ``link``, ``retry_failed`` and ``reencode``
    (any re-encode option given) are refused: they need local stores or a
    batch journal.

    Raises
    ------
    UsageError
        Contradictory or unsupported options, ROOT itself a dataset, ROOT and
        an S3 destination overlapping, an HTTP ROOT or destination.
    MigrateError
        The prefix cannot be listed, or the destination not created.
    """
    if in_place == (destination is not None):
        raise UsageError(None, "give either --out DEST or --in-place (not both, not neither)")
    if verify not in ("none", "sample", "full"):
        raise UsageError(None, f"--verify must be none, sample or full, not {verify!r}")
    why = ("--link hard-links local files; a batch from S3 copies" if link else
           "--retry-failed needs a batch journal; a batch over S3 keeps none: run it again, every dataset not "
           "migrated yet is tried again" if retry_failed else
           "re-encoding reads a local source in this release" if reencode else None)
    if why:
        raise UsageError(display(root), why)
    options: dict[str, Any] = {"mode": "in-place" if in_place else "copy", "target_version": target_version,
                               "prefix": prefix, "lenient": lenient, "verify": verify,
                               "sample_chunks": sample_chunks}
    if allow_outside:
        options["allow_outside"] = True
    from ..api import Progress
    from ..storage.s3 import since, snapshot
    from .pool import open_pool
    from .runner import default_jobs

    store = store or store_options()
    progress = progress or Progress()
    start = time.time()
    location = open_prefix(root, "batch", store)
    dest = None if destination is None else _destination(destination, location, store)  # no request yet
    before = snapshot()
    found, keys = list_datasets(location, allow_outside=allow_outside)
    if any(f.rel == "." for f in found):
        raise UsageError(display(location), "ROOT is itself a dataset; use `ngff-migrate convert`, or give the "
                                            "prefix holding it")
    if dest is not None and not is_remote(dest):
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MigrateError(dest, f"cannot create the destination: {exc.strerror or exc}") from None
    run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    report = BatchReport(root=display(location), destination=None if dest is None else display(dest),
                         mode=options["mode"], run_id=run_id, state_dir=STATE, options=options,
                         options_hash=options_hash(options), started=start)
    results: dict[str, DatasetResult] = {}
    tasks: list[tuple[Found, S3Task]] = []
    for f in found:
        journaled = dest is None and f"{f.rel}/{JOURNAL_KEY}" in keys  # in place, a journal is there
        if f.error is not None and not journaled:  # (a journaled one may be half written: the task recovers it)
            results[f.rel] = DatasetResult(f.rel, "failed", f.layout, f.version, error=f.error,
                                           error_file=f.error_file)
            continue
        if f.layout == "rfc8" and not journaled:
            results[f.rel] = DatasetResult(f.rel, "already-rfc8", f.layout, f.version)
            continue
        if dest is not None and _complete_output(dest / f.rel):
            results[f.rel] = DatasetResult(f.rel, "done-earlier", f.layout, f.version)
            continue
        if journaled and _journal_done(f.path, options):
            results[f.rel] = DatasetResult(f.rel, "done-earlier", "rfc8", None)
            continue
        tasks.append((f, S3Task(f.rel, str(f.path), None if dest is None else str(dest / f.rel), store,
                                options, f.layout, f.version)))
    storage = {"requests": {}, "requests_total": 0, "bytes_read": 0, "bytes_written": 0}
    progress.start("datasets", len(tasks))
    by_rel = {f.rel: f for f, _ in tasks}

    jobs = jobs or default_jobs()
    here = jobs <= 1 and scheduler is None

    def record(out: Outcome) -> None:
        results[out.rel] = _result(by_rel[out.rel], out)
        if not here:  # in this process its requests are in this process's counts already
            _add(storage, out.storage)
        report.workers_peak_rss_bytes = max(report.workers_peak_rss_bytes or 0, out.peak_rss_bytes or 0) or None
        progress.advance("datasets", 1)
        progress.advance("bytes", out.nominal_bytes or 0)

    try:
        if not tasks:
            report.pool = "none (nothing to run)"
        elif here:
            report.pool = "this process"
            for _, task in tasks:
                record(s3_task(task))
        else:
            with open_pool(jobs=jobs, scheduler=scheduler) as pool:
                report.pool = pool.name
                inflight = {pool.submit(s3_task, task): f for f, task in tasks}
                while inflight:
                    for fut in pool.wait(inflight, timeout=0.5):
                        f = inflight.pop(fut)
                        try:
                            record(pool.result(fut))
                        except Exception as exc:  # a killed worker process, a lost dask future
                            record(Outcome(f.rel, error=f"worker failed: {type(exc).__name__}: {exc}",
                                           error_file=str(f.path)))
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        _add(storage, since(before))  # this process: the listing, journal reads (and the tasks with -j 1)
        report.storage = storage
        report.datasets = [results[f.rel] for f in found if f.rel in results]
        report.wall_seconds = round(time.time() - start, 3)
        report.coordinator_peak_rss_bytes = peak_rss_bytes()
    return report


def _journal_done(path: Any, options: dict[str, Any]) -> bool:
    """Whether the dataset at ``path`` holds a finished in-place journal with these options (one GET)."""
    from ..write.inplace_s3 import load_journal

    try:
        journal = load_journal(path)
    except MigrateError:
        return False  # the worker reports it, under the lock
    return journal is not None and journal.state == "done" and all(
        journal.options.get(k) == options.get(k) for k in ("target_version", "prefix"))


def is_dataset(location: Any) -> bool:
    """Whether the S3 location is one dataset rather than a prefix holding datasets: it has
    an in-place journal of its own (one ``HEAD``), or its root documents are a dataset's
    (:func:`~ngff_migrate.formats.detect.detect`; a few GETs, no listing)."""
    from ..errors import NotRecognisedError
    from ..formats.detect import detect
    from ..storage.remote import exists

    if exists(location / JOURNAL_KEY):
        return True
    try:
        detect(location)
    except NotRecognisedError:
        return False
    return True


def undo_prefix(root: Any, *, finalize: bool = False, force: bool = False, remove_v2_metadata: bool = False,
                store: dict[str, Any] | None = None) -> Any:
    """Roll back (or ``finalize``) every in-place migration below the S3 prefix ``root``:
    each dataset with a journal prefix ``<rel>/.ngff-migrate/`` in one listing, under its lock.
    One dataset that cannot be handled (locked, a changed object, a failed request) is
    listed in ``failed``; the others still are. Returns a :class:`.rollback.RollbackResult`.

    Raises
    ------
    MigrateError
        If the prefix cannot be listed or holds no in-place journal.
    """
    from ..storage.remote import list_files
    from ..write import inplace_s3
    from .rollback import RollbackResult

    location = open_prefix(root, "finalize" if finalize else "rollback", store or store_options())
    rels = sorted({key.partition("/.ngff-migrate/")[0] for key, _ in list_files(location)
                   if "/.ngff-migrate/" in key and not any(p.startswith(".") for p in
                                                           key.partition("/.ngff-migrate/")[0].split("/"))})
    if not rels:
        raise MigrateError(display(location), "no in-place migration journal (<dataset>/.ngff-migrate/) below "
                                              "this prefix: nothing to " + ("finalize" if finalize else "roll back"))
    result = RollbackResult(display(location))
    for rel in rels:
        ds = location / rel
        try:
            with inplace_s3.dataset_lock(ds):
                if finalize:
                    done = inplace_s3.finalize_s3(ds, remove_v2_metadata=remove_v2_metadata)
                    result.files_restored += len(done.v2_removed)
                else:
                    undone = inplace_s3.rollback_journal(ds, force=force)
                    if undone.conflicts:
                        raise MigrateError(display(ds), f"{len(undone.conflicts)} object(s) changed since the "
                                                        f"migration were left alone (e.g. {undone.conflicts[0]}); "
                                                        "`rollback --force` restores them")
                    result.files_restored += len(undone.files)
            result.rolled_back.append(rel)
        except MigrateError as exc:
            result.failed.append((rel, exc.one_line()))
    result.state_removed = result.ok
    return result


__all__ = ["is_dataset", "list_datasets", "plan_prefix", "run_batch_s3", "store_options", "undo_prefix"]
