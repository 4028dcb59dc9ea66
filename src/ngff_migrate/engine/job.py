"""A re-encode inside a copy migration: resume, free-space check, run, clean-up.

:func:`ngff_migrate.write.copy.migrate_copy` drives the steps: it offers the
unfinished output of a killed run to :meth:`ReencodeJob.resume` (kept when
the run was started the same way), copies the files that are not
re-encoded, calls :meth:`ReencodeJob.run`, writes the documents, verifies,
publishes and calls :meth:`ReencodeJob.finish`. A failure while pixels are
being written leaves the unfinished output (and its journal) in place, so
that rerunning the same command resumes; it is never renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from ..storage.location import display, is_remote
from .journal import JOURNAL_DIR, UnitJournal, resumable
from .plan import ReencodePlan
from .run import ReencodeStats, open_sources, run_reencode


@dataclass
class ReencodeJob:
    """The re-encode of one dataset.

    ``state`` is the run's :func:`~.journal.run_state`; ``overwrite`` starts
    over instead of resuming; ``jobs``/``scheduler`` choose the dask
    scheduler; ``space_check`` refuses a run whose estimated output does not
    fit; ``progress`` is called with decoded bytes.
    """

    rplan: ReencodePlan
    state: dict[str, Any]
    overwrite: bool = False
    jobs: int | None = None
    scheduler: str | None = None
    space_check: bool = True
    progress: Callable[[int], None] | None = None
    stats: ReencodeStats | None = None
    resumed: bool = False
    #: whether a failure now leaves the unfinished output for a rerun to resume
    keep_partial: bool = False
    #: the source dataset root (a Path or a remote location); default: the state's ``source``
    source: Any = None

    def __post_init__(self) -> None:
        # the journal's unit indices only mean the same units under the same layouts: a resume
        # under another plan (another ngff-migrate version, another default codec) would mix
        # shards of two encodings in one array, so the plan is part of the state compared
        self.state = {**self.state, "plan": plan_digest(self.rplan)}

    def resume(self, partial: Path) -> bool:
        """Keep the unfinished output ``partial`` of a killed run if it was
        started the same way: remove everything in it but the journal and
        the re-encoded arrays' chunk files, and return ``True``. ``False``
        means it is to be emptied (nothing to resume, or ``overwrite``).

        Raises
        ------
        UsageError
            If the killed run was started with other options, source or
            destination (:func:`~.journal.resumable`).
        """
        if not resumable(partial, self.state, overwrite=self.overwrite):
            return False
        from ..zarr.keys import is_chunk_of

        keep = {rel: (layout.document, 3) for rel, layout in self.rplan.layouts().items()}
        for directory, _dirs, files in os.walk(partial):
            rel_dir = os.path.relpath(directory, partial).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
            if rel_dir == JOURNAL_DIR or rel_dir.startswith(JOURNAL_DIR + "/"):
                continue
            for name in files:
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not is_chunk_of(rel, keep):
                    os.unlink(os.path.join(directory, name))
        self.resumed = True
        return True

    def resume_remote(self, dst: Any, state_prefix: Any) -> bool:
        """:meth:`resume` for an S3 destination ``dst`` whose run state is under
        ``state_prefix`` (write/copy_s3.py): when the killed run was started
        the same way, delete every object below ``dst`` but the re-encoded
        arrays' chunks (one listing, batched deletes) and return ``True``.

        Raises
        ------
        UsageError
            If the killed run was started differently.
        """
        from ..storage.s3 import delete_below, list_below
        from ..zarr.keys import is_chunk_of
        from .stores import remote_resumable

        if not remote_resumable(state_prefix, self.state, overwrite=self.overwrite):
            return False
        keep = {rel: (layout.document, 3) for rel, layout in self.rplan.layouts().items()}
        delete_below(dst, [rel for rel, _ in list_below(dst) if not is_chunk_of(rel, keep)])
        self.resumed = True
        return True

    def run(self, target_root: Path, journal_root: Any = None) -> ReencodeStats:
        """Write the re-encoded arrays under ``target_root`` (the unfinished output).

        Raises
        ------
        MigrateError
            If the output would not fit (with both figures), a source chunk
            does not decode, or a file cannot be written.
        """
        from ..write.atomic import dumps_document, write_atomic

        open_sources(self.rplan, self.rplan_source)  # a codec zarr-python lacks fails before any pixel
        remote = is_remote(target_root)
        if remote and "" in self.rplan.layouts():
            raise MigrateError(display(target_root), "an array at the dataset root cannot be re-encoded to S3: "
                                                     "its zarr.json is the entry document, written last")
        self.keep_partial = True
        if remote:  # S3: the journal lives under the run's state prefix (engine/stores.py)
            from .stores import RemoteUnitJournal

            journal = RemoteUnitJournal.open(journal_root, self.state, resume=self.resumed)
        else:
            journal = UnitJournal.open(target_root, self.state, resume=self.resumed)
        try:
            if self.space_check and not remote:
                self._check_space(target_root, journal)
            for rel, layout in self.rplan.layouts().items():
                if remote:
                    from .stores import put_document

                    put_document(target_root, f"{rel}/zarr.json", dumps_document(layout.document))
                    continue
                directory = target_root / rel
                directory.mkdir(parents=True, exist_ok=True)
                write_atomic(directory / "zarr.json", dumps_document(layout.document), fsync=False)
            self.stats = run_reencode(self.rplan, self.rplan_source, target_root, journal,
                                      resume=self.resumed, jobs=self.jobs, scheduler=self.scheduler,
                                      progress=self.progress)
        finally:
            journal.close()
        return self.stats

    @property
    def rplan_source(self) -> Path:
        """The source dataset root."""
        return self.source if self.source is not None else Path(self.state["source"])

    def _check_space(self, target_root: Path, journal: UnitJournal) -> None:
        total = max(1, self.rplan.units)
        remaining = 1 - len(journal.done) / total
        need = int(self.estimate() * remaining)
        free = shutil.disk_usage(target_root).free
        if need > free:
            raise MigrateError(target_root.parent, f"not enough free space for the re-encoded output: it needs "
                                                   f"about {_human(need)}, the file system has {_human(free)} free "
                                                   "(--no-space-check skips this check)")

    def estimate(self) -> int:
        """The estimated stored bytes of the re-encoded arrays: their
        decoded size without a compressor, else the size of their source
        chunk files (compression ratios seldom differ by much more); plus
        the decoded size of the new levels."""
        total = 0
        sizes = None
        if is_remote(self.rplan_source):  # one listing (S3); HTTP cannot list: the decoded size
            from .stores import stored_sizes

            sizes = stored_sizes(self.rplan_source, [a.rel for a in self.rplan.arrays if a.reader is None]) or {}
        for array in self.rplan.arrays:
            codecs = array.target.document.get("codecs") or []
            inner = (codecs[0].get("configuration") or {}).get("codecs", []) if codecs and \
                codecs[0].get("name") == "sharding_indexed" else codecs
            if len(inner) <= 1 or array.reader is not None:  # no Zarr chunk files to measure: decoded size
                total += array.target.nbytes
            elif sizes is not None:
                size = sizes.get(array.rel)
                total += array.target.nbytes if size is None else min(array.target.nbytes, size)
            else:
                total += min(array.target.nbytes, _stored(self.rplan_source / array.rel))
        return total + sum(level.target.nbytes for level in self.rplan.levels)  # decoded: an upper bound

    def finish(self, destination: Path, journal_root: Any = None) -> None:
        """Remove the journal from the output about to be published (for S3: below ``journal_root``)."""
        if journal_root is not None:
            from .stores import clear_journal

            clear_journal(journal_root)
            return
        shutil.rmtree(destination / JOURNAL_DIR, ignore_errors=True)

    def report(self) -> dict[str, Any]:
        """The report's ``reencode`` entry: the plan per array and what was done."""
        out = self.rplan.to_json()
        out["resumed"] = self.resumed
        if self.stats is not None:
            out.update(self.stats.to_json())
        return out


def plan_digest(rplan: ReencodePlan) -> str:
    """A digest of what a re-encode writes: per array its shape, data type,
    fill value, chunk grid, chunk key encoding, codecs and write unit (new
    levels too, with how they are built), and the arrays kept byte for byte
    (``--portable``)."""
    keys = ("shape", "data_type", "fill_value", "chunk_grid", "chunk_key_encoding", "codecs")
    arrays = {rel: [{k: layout.document.get(k) for k in keys}, list(layout.unit)]
              for rel, layout in rplan.layouts().items()}
    levels = {n.rel: [n.previous, list(n.factors), n.method] for n in rplan.levels}
    text = json.dumps({"arrays": arrays, "levels": levels, "kept": sorted(rplan.kept)}, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(directory: Path) -> int:
    total = 0
    for base, _dirs, files in os.walk(directory):
        for name in files:
            try:
                total += os.stat(os.path.join(base, name)).st_size
            except OSError:
                continue
    return total


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


__all__ = ["ReencodeJob"]
