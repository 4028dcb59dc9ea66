"""The tasks a worker process runs for one dataset of a batch over an S3 prefix (docs/batch.md, "Over S3").

:func:`s3_task` never raises: every failure becomes an
:class:`~.worker.Outcome` with ``status == "failed"``. In place, all under
the dataset's S3 lock (:class:`~ngff_migrate.storage.s3lock.S3Lock`, the
object ``<dataset>/.ngff-migrate.lock`` that ``convert --in-place`` takes):

1. the lock is taken without waiting; held by another live run, the
   dataset is left to that run (``busy``: the batch reports it ``skipped``,
   not failed), so two batches on one prefix migrate each dataset once;
2. a dataset journal in state ``done`` with the same options: migrated
   earlier, by another run or this batch's earlier attempt
   (``done-earlier``); with other options it is rolled back and the dataset
   migrated again;
3. no journal and an RFC-8 root: ``already-rfc8``; otherwise
   :func:`ngff_migrate.convert` in place (it re-enters the lock, rolls back
   an interrupted run's journal first, and journals its own writes).

A copy runs :func:`ngff_migrate.convert` from the dataset's URL into its
destination (a local directory or ``s3://``), which protects its own output.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from .worker import Outcome, peak_rss_bytes


@dataclass(frozen=True)
class S3Task:
    """One dataset of an S3 batch (plain values only: it travels to worker processes).

    ``url`` is the dataset's ``s3://`` URL; ``destination`` its output (a
    local path or ``s3://`` URL) or ``None`` in place; ``store`` the keyword
    arguments of :func:`~ngff_migrate.storage.location.open_location`
    (``endpoint_url``, ``anon``, ``storage_options``), ``dest_store`` those
    of an ``s3://`` destination; ``options`` as :attr:`.worker.Task.options`.
    """

    rel: str
    url: str
    destination: str | None
    store: dict[str, Any]
    options: dict[str, Any]
    layout: str | None = None
    version: str | None = None
    dest_store: dict[str, Any] = field(default_factory=dict)


def _same_options(journal: Any, options: dict[str, Any]) -> bool:
    return all(journal.options.get(k) == options.get(k) for k in ("target_version", "prefix"))


def _convert(task: S3Task, out: Outcome) -> None:
    from ..api import convert
    from .planner import DatasetSurvey, _survey

    def surveyed(result) -> None:
        s = _survey(result.root, DatasetSurvey(task.rel, task.url), result)
        out.arrays, out.nominal_bytes = s.arrays, s.nominal_bytes

    o, store = task.options, task.store
    from .remote import robust_options

    kwargs: dict[str, Any] = {"storage_options": store.get("storage_options"), **robust_options(**store)}
    if task.destination is not None and task.dest_store:
        kwargs.update(source_endpoint_url=store.get("endpoint_url"),
                      dest_endpoint_url=task.dest_store.get("endpoint_url"))
    else:
        kwargs["endpoint_url"] = store.get("endpoint_url")
    report = convert(task.url, task.destination, in_place=task.destination is None,
                     target_version=o["target_version"], verify=o.get("verify", "sample"),
                     sample_chunks=o.get("sample_chunks", 8), lenient=o.get("lenient", False),
                     prefix=o["prefix"], allow_outside=o.get("allow_outside", False), on_plan=surveyed,
                     anon=bool(store.get("anon")), **kwargs)
    out.layout, out.version = report.layout, report.version
    out.warnings = list(report.warnings)
    notes = [w.removeprefix("recovered: ") for w in report.warnings if w.startswith("recovered: ")]
    out.recovered = "; ".join(([out.recovered] if out.recovered else []) + notes) or None
    out.write = asdict(report.write)
    out.status = "migrated"


def _copy(task: S3Task, out: Outcome) -> None:
    """A copy, unless another batch finished this dataset's output since the listing (``done-earlier``)."""
    from .remote import _complete_output

    destination = task.destination
    if isinstance(destination, str):
        from ..storage.location import looks_remote, open_location

        # the destination's store: its own options, or the source's (never anonymous, never 403-as-absent)
        store = task.dest_store or {k: v for k, v in task.store.items() if k not in ("anon", "missing_chunk_status")}
        destination = open_location(destination, **store) if looks_remote(destination) else Path(destination)
    if _complete_output(destination):
        out.status = "done-earlier"
        return
    _convert(task, out)


def _in_place(task: S3Task, root: Any, out: Outcome) -> None:
    from ..formats.detect import detect
    from ..storage.lock import Busy
    from ..storage.s3lock import S3Lock
    from ..write.inplace_s3 import LOCK_NAME, load_journal, rollback_journal

    lock = S3Lock(root / LOCK_NAME)
    try:
        lock.__enter__()
    except Busy as exc:
        out.status = "busy"
        out.error = f"locked by another run ({exc}), which migrates it"
        return
    try:
        journal = load_journal(root)
        if journal is not None and journal.state == "done":
            if _same_options(journal, task.options):
                out.status = "done-earlier"
                out.layout, out.version = "rfc8", None
                return
            undone = rollback_journal(root)
            if undone.conflicts:
                raise MigrateError(str(root), f"an earlier in-place migration (other options) could not be rolled "
                                              f"back: {len(undone.conflicts)} object(s) changed since (e.g. "
                                              f"{undone.conflicts[0]})")
            out.recovered = (f"rolled back an earlier (other options) in-place migration "
                             f"({len(undone.files)} objects restored or removed)")
            journal = None
        if journal is None:
            d = detect(root)
            out.layout, out.version = d.layout, d.version
            if d.layout == "rfc8":
                out.status = "already-rfc8"
                return
        _convert(task, out)
    finally:
        lock.__exit__(None, None, None)


def s3_task(task: S3Task) -> Outcome:
    """Migrate one dataset of an S3 batch (see the module docstring). Never raises.

    The outcome's ``storage`` holds this task's S3 requests (``report.storage`` form).
    """
    from ..storage.location import open_location

    start = time.perf_counter()
    out = Outcome(task.rel, worker=f"{socket.gethostname()}:{os.getpid()}", layout=task.layout,
                  version=task.version)
    before = None
    try:
        root = open_location(task.url, **task.store)
        from ..storage.s3 import since, snapshot

        before = snapshot()
        if task.destination is None:
            _in_place(task, root, out)
        else:
            from ..storage.location import looks_remote

            if not looks_remote(task.destination):
                Path(task.destination).parent.mkdir(parents=True, exist_ok=True)
            _copy(task, out)
    except MigrateError as exc:
        busy = getattr(exc, "busy", False)  # another batch copies it right now: left to that run
        out.status, out.error, out.error_file = "busy" if busy else "failed", exc.problem, exc.path
    except OSError as exc:  # the local destination
        out.status, out.error = "failed", f"{exc.strerror or exc}"
        out.error_file = str(exc.filename) if exc.filename else task.url
    except Exception as exc:  # a bug in one dataset must not stop the batch
        from ..storage.location import redact

        out.status, out.error, out.error_file = "failed", redact(f"internal error {type(exc).__name__}: {exc}"), task.url
    if before is not None:
        out.storage = since(before)
    out.seconds = round(time.perf_counter() - start, 6)
    out.peak_rss_bytes = peak_rss_bytes()
    return out


def survey_task(items: list[tuple[str, str, str | None, bool, dict[str, Any]]]) -> list[Any]:
    """Survey ``[(url, rel, layout, allow_outside, store)]`` of an S3 prefix in one worker
    task (:func:`.planner.survey_dataset`, read-only). Never raises."""
    from ..storage.location import open_location
    from .planner import survey_dataset

    out = []
    for url, rel, layout, allow_outside, store in items:
        try:
            path = open_location(url, **store)
        except MigrateError as exc:
            from .planner import DatasetSurvey

            out.append(DatasetSurvey(rel, url, layout=layout, error=exc.problem, error_file=exc.path))
            continue
        out.append(survey_dataset(path, rel, allow_outside=allow_outside, layout=layout))
    return out
