"""zarr-python's view of a location: the store ``zarr.open_array`` takes (docs/storage.md).

A local path is given to zarr-python as it is (its LocalStore); a remote one gets a
read-only ``zarr.storage.FsspecStore`` over one asynchronous fsspec file system per store
and options, shared by every thread.
"""

from __future__ import annotations

import json
from typing import Any

from .location import is_remote, protocol


def zarr_store(path: Any) -> Any:
    """What ``zarr.open_array`` takes for ``path``: the path itself when local
    (zarr-python's LocalStore), a read-only ``zarr.storage.FsspecStore`` over
    the same file system options when remote (a missing key, HTTP 404,
    reads as absent: the fill value)."""
    if not is_remote(path):
        return path
    from zarr.storage import FsspecStore

    fs = zarr_fs(path)
    return FsspecStore(fs=fs, path=fs._strip_protocol(str(path)), read_only=True)


#: one asynchronous file system per store and options for zarr-python's event loop (fsspec's own
#: instance cache keys on the thread: one per verification thread, each with its own connections)
_ZARR_FS: dict[str, Any] = {}


def zarr_fs(path: Any) -> Any:
    """The asynchronous fsspec file system zarr-python reads ``path``'s store through, shared by
    every thread, so that ``--max-requests`` bounds the connections of a verification too."""
    import fsspec

    options = dict(path.storage_options)
    if protocol(path) == "s3":
        # one GET per chunk: s3fs splits a read over several requests only after a HEAD for its
        # size (``max_concurrency`` > 1), which for chunks doubles the requests (engine/stores.py)
        options.setdefault("max_concurrency", 1)
    key = json.dumps([protocol(path), options], sort_keys=True, default=repr)
    fs = _ZARR_FS.get(key)
    if fs is None:
        if not _ZARR_FS:
            import atexit

            atexit.register(_close_all)  # after zarr-python's own exit hook: its loop still runs
        fs = _ZARR_FS[key] = fsspec.filesystem(protocol(path), asynchronous=True, skip_instance_cache=True,
                                                **options)
    return fs


def _close_all() -> None:
    """Close the connections of every file system :func:`zarr_fs` made, on zarr-python's loop
    (otherwise aiohttp prints "Unclosed client session" when the process ends)."""
    async def close() -> None:
        for fs in _ZARR_FS.values():
            client = getattr(fs, "_s3", None)  # s3fs: the aiobotocore client
            session = getattr(fs, "_session", None)  # fsspec's HTTP file system
            try:
                if client is not None:
                    await client.close()
                if session is not None and not getattr(session, "closed", True):
                    await session.close()
            except Exception:  # at exit: a connection that cannot close is dropped with the process
                pass

    try:
        from zarr.core.sync import sync

        sync(close())
    except Exception:  # the loop is gone already
        pass
    _ZARR_FS.clear()


__all__ = ["zarr_fs", "zarr_store"]
