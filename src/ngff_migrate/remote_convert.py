"""What :func:`ngff_migrate.convert` does differently for remote sources and
destinations (docs/storage.md): which options a remote run takes, opening an
S3 destination, and the request counts of the report."""

from __future__ import annotations

from typing import Any

from .errors import UsageError
from .storage.location import (
    display,
    from_file_url,
    looks_remote,
    open_location,
    protocol,
    protocol_of_text,
    remote_unsupported,
)


def open_destination(destination: Any, *, endpoint_url: str | None,
                     storage_options: dict[str, Any] | None, **robust: Any) -> Any:
    """The destination of a copy: a local path as it is, an ``s3://`` URL as a location
    (``robust``: ``max_requests``, ``retries``, ``missing_chunk_status`` of :func:`open_location`).

    Raises
    ------
    UsageError
        For an HTTP destination (HTTP is read-only) or another scheme.
    """
    if not looks_remote(destination):
        return from_file_url(destination)
    if protocol_of_text(destination) in ("http", "https"):
        raise UsageError(display(destination), "HTTP is read-only: a destination must be a local directory "
                                               "or an s3:// URL")
    return open_location(str(destination), endpoint_url=endpoint_url, storage_options=storage_options, **robust)


def check_remote_options(src: Any, dst: Any, *, in_place: bool, link: bool, recode, tiff: tuple,
                         scheduler: str | None = None) -> None:
    """Refuse what a remote source or destination cannot do in this release (exit code 2, saying why).

    A re-encode (``recode``) from or to a remote store runs on the local threaded scheduler; with a
    ``dask.distributed`` ``scheduler`` it is refused (docs/storage.md, "Re-encoding to or from S3")."""
    remote_src = looks_remote(src)
    remote_dst = dst is not None and looks_remote(dst)
    if in_place and protocol(src) in ("http", "https"):
        remote_unsupported(src, "--in-place")
    why = None
    if link and (remote_src or remote_dst):
        why = "--link hard-links local files; a remote source or destination is copied"
    elif recode.active and scheduler and (remote_src or remote_dst):
        why = "a re-encode from or to a remote store runs on local threads (--jobs) in this release, not on " \
              "a dask.distributed cluster (--scheduler)"
    elif remote_src and any(v not in (None, False) for v in tiff):
        why = "the TIFF options apply to local TIFF files only"
    if why:
        raise UsageError(display(dst if remote_dst and not remote_src else src), why)


def counting(src: Any, dst: Any) -> dict[str, int] | None:
    """The request counters before a run that touches a remote store (``None``: none involved)."""
    if not protocol(src) and not (dst is not None and protocol(dst)):
        return None
    from .storage.counts import snapshot

    return snapshot()


def storage_report(before: dict[str, int] | None) -> dict[str, Any] | None:
    """The report's ``storage``: requests by kind and bytes since ``before``."""
    if before is None:
        return None
    from .storage.counts import since

    return since(before)


def refuse_missing_403(missing_chunk_status: int | None, what: str) -> None:
    """``--missing-chunk-status 403`` is for read-only sources: a run that writes in place
    (``what``: ``--in-place``, ``rollback``, ``finalize``) must tell an absent object from a
    denied one (a denied document taken as absent would be journaled as created, and its
    rollback would delete the original).

    Raises
    ------
    UsageError
        For ``missing_chunk_status == 403``.
    """
    if missing_chunk_status == 403:
        raise UsageError(what, "--missing-chunk-status 403 applies to read-only sources (copies, inspect, "
                               "validate, plan); an in-place run, rollback or finalize must tell an absent "
                               "object from a denied one")

