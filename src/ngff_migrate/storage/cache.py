"""The remote read cache of one stage, for the stages that may touch a remote store
(docs/storage.md, "The metadata walk: a read cache and concurrent prefetch").

Both functions do nothing for a local location and import nothing remote then.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from .location import is_remote


def stage_cache(location: Any) -> AbstractContextManager[None]:
    """:func:`ngff_migrate.storage.remote.read_cache` for a remote ``location``, else a no-op."""
    if not is_remote(location):
        return nullcontext()
    from .remote import read_cache

    return read_cache()


def prefetch_output(plan: Any, target_root: Any) -> None:
    """Fetch at once every document the verification of a remote output re-reads:
    the documents ``plan`` (a :class:`~ngff_migrate.formats.plan.MigrationPlan`)
    wrote and its inputs' paths, below ``target_root``. Only inside :func:`stage_cache`."""
    if not is_remote(target_root):
        return
    from ..zarr.jsonio import MAX_DOCUMENT_BYTES
    from .remote import prefetch

    # inputs read outside the root (--allow-outside) are keyed by their absolute path or URL:
    # they are not part of the output
    files = {d.file for d in plan.documents} | {f for f in plan.inputs if not f.startswith("/") and "://" not in f}
    try:
        paths = [target_root / f for f in sorted(files)]
    except ValueError:  # a key that does not combine with the output's location: nothing to prefetch
        return
    prefetch(paths, MAX_DOCUMENT_BYTES)


__all__ = ["prefetch_output", "stage_cache"]
