"""Undo or accept an in-place migration: :func:`rollback` and :func:`finalize`
(the same functions as ``ngff-migrate rollback`` and ``finalize``; exported by
:mod:`ngff_migrate.api`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import MigrateError
from .storage.location import is_remote


def _root(path: str | Path, what: str, options: dict[str, Any]) -> Any:
    from .api import dataset_root
    from .storage.location import open_location, protocol, remote_unsupported

    if protocol(str(path)) in ("http", "https"):
        remote_unsupported(path, what)  # HTTP is read-only
    return dataset_root(open_location(path, **options))


def rollback(path: str | Path, *, force: bool = False, endpoint_url: str | None = None,
             storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
             retries: int | None = None, missing_chunk_status: int | None = None) -> list[str]:
    """Undo an in-place migration of ``path`` (restores the exact original bytes).

    Holds the dataset's lock. ``path`` may be an ``s3://`` dataset migrated in
    place there, with ``endpoint_url``, ``storage_options``, ``max_requests``, ``retries`` and
    ``missing_chunk_status`` (docs/storage.md). A file whose content is neither the original
    nor what the migration wrote (someone changed it since) is left alone
    and reported, unless ``force``; the other files are restored.

    Returns
    -------
    list[str]
        The root-relative paths restored or removed (empty when only a
        journal directory left by a run killed before it wrote anything was
        removed).

    Raises
    ------
    MigrateError
        If there is no journal; the journal is malformed or lists a path
        outside the dataset (nothing changed); a backup is missing or
        corrupt (nothing changed); another run holds the lock; ``finalize``
        has begun; or files changed since the migration were left alone
        (the journal is kept; ``force=True`` restores them too).
    """
    from .remote_convert import refuse_missing_403
    from .storage.lock import Busy
    from .write.inplace import busy_error, dataset_lock
    from .write.rollback import rollback_journal

    refuse_missing_403(missing_chunk_status, "rollback")
    root = _root(path, "rollback", {"endpoint_url": endpoint_url, "storage_options": storage_options,
                                    "max_requests": max_requests, "retries": retries,
                                    "missing_chunk_status": missing_chunk_status})
    if is_remote(root):  # a dataset in a bucket (write/inplace_s3.py)
        from .write import inplace_s3

        with inplace_s3.dataset_lock(root):
            outcome = inplace_s3.rollback_journal(root, force=force)
    elif not root.is_dir():
        raise MigrateError(root, "no such directory")
    else:
        try:
            with dataset_lock(root):
                outcome = rollback_journal(root, force=force)
        except Busy:
            raise busy_error(root) from None
        except OSError as exc:
            raise MigrateError(exc.filename or root, f"rollback failed: {exc.strerror or exc}; "
                                                     "the journal is kept: run rollback again") from None
    if outcome.conflicts:
        listed = ", ".join(outcome.conflicts[:5]) + (" ..." if len(outcome.conflicts) > 5 else "")
        raise MigrateError(root, f"{len(outcome.conflicts)} file(s) changed since the migration wrote them "
                                 f"were left alone: {listed}; the other files were restored and the journal "
                                 "is kept (`ngff-migrate rollback --force` restores those too)")
    return outcome.files


def finalize(path: str | Path, *, remove_v2_metadata: bool = False, endpoint_url: str | None = None,
             storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
             retries: int | None = None, missing_chunk_status: int | None = None):
    """Accept the in-place migration of ``path``: remove its journal and
    backups (after this, rollback is no longer possible), and with
    ``remove_v2_metadata`` the superseded ``.zarray``/``.zattrs``/``.zgroup``/
    ``.zmetadata`` files. The store options are those of :func:`rollback`.

    Returns a :class:`~ngff_migrate.write.finalize.FinalizeOutcome`.

    Raises
    ------
    MigrateError
        If ``path`` holds no finished in-place migration, another run holds
        its lock, or a file cannot be removed (run finalize again).
    """
    from .remote_convert import refuse_missing_403
    from .storage.lock import Busy
    from .write.finalize import finalize_dataset
    from .write.inplace import busy_error, dataset_lock

    refuse_missing_403(missing_chunk_status, "finalize")
    root = _root(path, "finalize", {"endpoint_url": endpoint_url, "storage_options": storage_options,
                                    "max_requests": max_requests, "retries": retries,
                                    "missing_chunk_status": missing_chunk_status})
    if is_remote(root):  # a dataset in a bucket (write/inplace_s3.py)
        from .write import inplace_s3

        with inplace_s3.dataset_lock(root):
            return inplace_s3.finalize_s3(root, remove_v2_metadata=remove_v2_metadata)
    if not root.is_dir():
        raise MigrateError(root, "no such directory")
    try:
        with dataset_lock(root):
            return finalize_dataset(root, remove_v2_metadata=remove_v2_metadata)
    except Busy:
        raise busy_error(root) from None
    except OSError as exc:
        raise MigrateError(exc.filename or root, f"finalize failed: {exc.strerror or exc}; "
                                                 "run finalize again") from None
