"""Copy mode from a remote source (S3, HTTP) into a local output (docs/storage.md).

Which objects are carried over:

* **S3** (listable): every object below the dataset prefix, listed once, with
  the same exclusions as a local copy (the legacy documents a planned
  document replaces, the documents rewritten, another run's bookkeeping);
* **HTTP** (cannot list): what the metadata names - every metadata document
  the read stage read (``MigrationPlan.inputs``) that is not replaced, and
  every file the metadata names (``MigrationPlan.source_files``: a
  container's OME-XML), and every chunk key of every array, enumerated from its shape, chunk (or
  shard) grid and chunk key encoding (:func:`ngff_migrate.zarr.keys.chunk_keys`).
  A key the server answers 404 for is an absent chunk: nothing is written,
  and it reads as the fill value. Files no metadata names (a README next to
  the arrays) cannot be found over HTTP and are not copied.

Each object is streamed verbatim into its local file (bounded memory: the
file systems write it in blocks), ``--max-requests`` at a time (the source's
``max_requests`` store option, :func:`ngff_migrate.storage.location.max_requests`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..formats.plan import MigrationPlan
from ..report.model import WriteStats
from ..storage.location import can_list, is_url, max_requests
from ..zarr.keys import chunk_keys

#: bookkeeping directories of other runs, never part of a dataset
_STATE_DIRS = (".ngff-migrate", ".ngff-migrate-reencode")


def _skipped(plan: MigrationPlan) -> set[str]:
    skip = {d.file for d in plan.documents}
    for d in plan.documents:
        skip.update(d.replaces)
    return skip


def remote_files_to_copy(plan: MigrationPlan) -> list[tuple[str, int]]:
    """The objects of a remote source to copy, as ``(relative path, size)``;
    the size is ``0`` where it is not known before the read (HTTP).

    Raises
    ------
    MigrateError
        If the listing fails (naming the source, credentials redacted).
    """
    from ..zarr.keys import is_chunk_of

    skip = _skipped(plan)
    # a re-encoded array's chunks are written anew by the engine, not copied (other objects beside them are)
    reencoded = {a.rel: (a.source.metadata, a.source.zarr_format) for a in plan.arrays if a.target is not None}
    if can_list(plan.root):
        from ..storage.remote import list_files

        return [(rel, size) for rel, size in list_files(plan.root)
                if rel not in skip and rel.split("/", 1)[0] not in _STATE_DIRS
                and not (reencoded and is_chunk_of(rel, reencoded))]
    out: dict[str, int] = {}
    for rel in [*plan.inputs, *plan.source_files]:  # the documents read, the files the metadata names
        if not is_url(rel) and not rel.startswith("/") and rel not in skip:  # (outside the root: a URL)
            out[rel] = 0
    for array in plan.arrays:
        if array.rel in reencoded:
            continue
        base = f"{array.rel}/" if array.rel else ""
        for key in chunk_keys(array.source.metadata, array.source.zarr_format):
            out.setdefault(base + key, 0)
    return sorted(out.items())


def copy_remote(root, files: list[tuple[str, int]], tmp: Path, stats: WriteStats,
                progress: Callable[[int], None] | None = None) -> None:
    """Stream every object of ``files`` (relative to the remote ``root``) into ``tmp``.

    An object that does not exist (HTTP 404) is counted in
    ``stats.objects_absent`` and not written.

    Raises
    ------
    MigrateError
        If an object cannot be read (naming it).
    OSError
        If a local file cannot be written (``filename`` is the local file).
    """
    from ..storage.remote import get_file

    made: set[str] = set()

    def one(rel: str) -> int | None:
        parent = rel.rpartition("/")[0]
        if parent and parent not in made:  # made on demand; those of absent objects are pruned after
            (tmp / parent).mkdir(parents=True, exist_ok=True)
            made.add(parent)
        return get_file(root / rel, tmp / rel)

    absent: list[str] = []
    pool = ThreadPoolExecutor(max_workers=max_requests(root))  # objects streamed at once
    try:
        for (rel, _), got in zip(files, pool.map(one, [rel for rel, _ in files]), strict=True):
            if got is None:
                stats.objects_absent += 1
                absent.append(rel)
                continue
            stats.files_copied += 1
            stats.bytes_copied += got
            if progress is not None:
                progress(got)
    finally:  # a failure stops the copy: what is still queued is not fetched
        pool.shutdown(wait=True, cancel_futures=True)
    _prune(tmp, absent)


def _prune(tmp: Path, absent: list[str]) -> None:
    """Remove the directories made for absent objects that stayed empty (a local
    copy of the same tree has none), deepest first."""
    for rel in absent:
        parent = rel.rpartition("/")[0]
        while parent:
            try:
                (tmp / parent).rmdir()
            except OSError:  # not empty (or already gone): its parents are not empty either
                break
            parent = parent.rpartition("/")[0]


__all__ = ["copy_remote", "remote_files_to_copy"]
