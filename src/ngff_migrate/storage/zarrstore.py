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
    key = json.dumps([protocol(path), options], sort_keys=True, default=repr)
    fs = _ZARR_FS.get(key)
    if fs is None:
        fs = _ZARR_FS[key] = fsspec.filesystem(protocol(path), asynchronous=True, skip_instance_cache=True,
                                                **options)
    return fs


__all__ = ["zarr_fs", "zarr_store"]
