"""Reads from remote roots (S3, HTTP) through their fsspec file system (docs/storage.md).

Imported only when a remote location is read. Every function takes a
folded remote location (:func:`.location.open_location`, :func:`.location.resolve_member`)
and does one thing with as few requests as the store allows:

* :func:`read_bytes` - one GET (ranged: at most ``limit + 1`` bytes where the
  server honours ``Range``), ``None`` for an absent object (S3 ``NoSuchKey``,
  HTTP 404). Never a listing or a ``HEAD`` first.
* :func:`exists` - one ``HEAD`` (HTTP, S3); :func:`exists_all` for many at once.
* :func:`list_files` - every object below a prefix with its size, one LIST per
  1,000 keys (S3 only; HTTP cannot list).
* :func:`get_file` - an object streamed into a local file (bounded memory:
  s3fs and fsspec's HTTP file system write it in blocks), ``None`` when absent.

Errors name the object (redacted) and are :class:`~ngff_migrate.errors.MigrateError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from ..errors import exception_line as _one_line
from .location import display, protocol, redact

#: objects read from another key while a copy to S3 is verified (``str(location)`` -> location):
#: the entry document, written under the partial prefix until the output passed (write/copy_s3.py)
_REDIRECTS: dict[str, Any] = {}


@contextmanager
def redirected(mapping: dict[Any, Any]) -> Iterator[None]:
    """Within the block, reads of the objects ``mapping`` names go to the objects it maps them to."""
    _REDIRECTS.update({str(k): v for k, v in mapping.items()})
    try:
        yield
    finally:
        for k in mapping:
            _REDIRECTS.pop(str(k), None)


def _redirect(path: Any) -> Any:
    return _REDIRECTS.get(str(path), path) if _REDIRECTS else path


def _key(path: Any) -> str:
    """The fsspec path of a remote location (``bucket/key`` for S3, the URL for HTTP)."""
    return path.path


def _absent(exc: BaseException) -> bool:
    return isinstance(exc, FileNotFoundError)


def read_error(path: Any, exc: BaseException) -> MigrateError:
    """A read failure of the object at ``path`` as a project error (credentials redacted); after
    retries it says how many attempts failed (``gave up after N attempts``)."""
    text = redact(_one_line(exc))
    if protocol(path) == "s3":
        from .s3 import attempts_note

        text += attempts_note(path)
    if isinstance(exc, PermissionError) or "403" in text or "AccessDenied" in text or "Forbidden" in text:
        text = (f"access denied ({text}); check the credentials, or --anon for a public bucket, or "
                "--missing-chunk-status 403 for a store that answers 403 for absent keys")
    return MigrateError(display(path), f"cannot read: {text}")


def read_bytes(path: Any, limit: int) -> bytes | None:
    """At most ``limit + 1`` bytes of the object at ``path``; ``None`` if it does not exist.

    Raises
    ------
    MigrateError
        For any other failure (access denied, a connection error), naming the object.
    """
    path = _redirect(path)
    cached = _cached(path, limit)
    if cached is not _MISS:
        return cached  # type: ignore[return-value]
    fs = path.fs
    try:
        if protocol(path) == "s3":
            return _remember(path, fs.cat_file(_key(path), start=0, end=limit + 1), limit)
        # HTTP: one GET; a server that ignores Range sends the whole body (the caller checks the size)
        return _remember(path, fs.cat_file(_key(path)), None)
    except Exception as exc:
        if _absent(exc):
            return _remember(path, None, None)
        if isinstance(exc, IsADirectoryError):
            return None
        raise read_error(path, exc) from None


def exists(path: Any) -> bool:
    """Whether an object exists at ``path`` (one ``HEAD``; a "directory" prefix is not an object).

    Raises
    ------
    MigrateError
        For a failure other than "not found".
    """
    path = _redirect(path)
    known = cached_presence(path)
    if known is not None:
        return known
    fs = path.fs
    try:
        if protocol(path) == "s3":
            bucket, _, key = _key(path).partition("/")
            fs.call_s3("head_object", Bucket=bucket, Key=key)
            return True
        fs.info(_key(path))
        return True
    except Exception as exc:
        if _absent(exc):
            return False
        raise read_error(path, exc) from None


def exists_all(root: Any, keys: list[str]) -> list[bool]:
    """Whether each object ``root / key`` exists (one ``HEAD`` each), asked together through the
    connections zarr-python reads ``root``'s store with (:func:`.location.zarr_fs`), so that
    ``--max-requests`` bounds a verification's reads and checks together.

    Raises
    ------
    MigrateError
        For a failure other than "not found", naming the object.
    """
    import asyncio

    from zarr.core.sync import sync

    from .zarrstore import zarr_fs

    fs = zarr_fs(root)

    async def one(key: str) -> bool:
        path = root / key
        try:
            if protocol(path) == "s3":
                bucket, _, name = _key(path).partition("/")
                await fs._call_s3("head_object", Bucket=bucket, Key=name)
            else:
                await fs._info(_key(path))
            return True
        except Exception as exc:
            if _absent(exc):
                return False
            raise read_error(path, exc) from None

    async def every() -> list[bool]:
        return list(await asyncio.gather(*(one(k) for k in keys)))

    return sync(every())


def list_files(root: Any) -> list[tuple[str, int]]:
    """Every object below ``root`` as ``(POSIX path relative to root, size)``, sorted.

    Raises
    ------
    MigrateError
        For a store that cannot list (HTTP) or a failed listing.
    """
    if protocol(root) not in ("s3",):
        raise MigrateError(display(root), "an HTTP source cannot be listed")
    fs = root.fs
    prefix = _key(root).rstrip("/")
    try:
        found = fs.find(prefix, detail=True)
    except Exception as exc:
        raise MigrateError(display(root), f"cannot list the source: {redact(_one_line(exc))}") from None
    out = []
    for name, info in found.items():
        if info.get("type") == "directory" or name.endswith("/"):
            continue  # a "directory marker" object holds nothing
        rel = name[len(prefix) + 1:] if name.startswith(prefix + "/") else None
        if rel:
            out.append((rel, int(info.get("size") or 0)))
    out.sort()
    return out


def get_file(path: Any, target: Path) -> int | None:
    """Stream the object at ``path`` into the new local file ``target``; its
    size, or ``None`` when the object does not exist (nothing is written).

    Raises
    ------
    MigrateError
        If the object cannot be read (names the object).
    OSError
        If ``target`` cannot be written (``filename`` is ``target``).
    """
    try:
        path.fs.get_file(_key(path), str(target))
    except OSError as exc:
        if getattr(exc, "filename", None) is not None and str(exc.filename) == str(target):
            raise OSError(exc.errno, exc.strerror, str(target)) from None  # the local side
        if isinstance(exc, FileNotFoundError):  # the object does not exist (HTTP 404, NoSuchKey)
            target.unlink(missing_ok=True)
            return None
        raise read_error(path, exc) from None
    except Exception as exc:
        raise read_error(path, exc) from None
    return target.stat().st_size


# --------------------------------------------------------------------------- the read cache

#: the documents of one stage, while :func:`read_cache` is active: ``str(location)`` ->
#: ``(bytes or None for absent, the byte limit they were read with or None for whole)``
_CACHE: list[dict[str, tuple[bytes | None, int | None]] | None] = [None]
_MISS = object()
#: requests :func:`prefetch` keeps in flight at once
PREFETCH_CONCURRENCY = 32


@contextmanager
def read_cache() -> Iterator[None]:
    """Within the block, every remote document read is kept in memory and read
    once, and :func:`prefetch` fetches many documents concurrently (the metadata
    walk of a plate over S3 is latency-bound: one request at a time is ~10 ms
    each; docs/storage.md, "Request counts"). A nested block shares the outer
    cache. Writes through :mod:`.s3` drop what they overwrite (:func:`forget`)."""
    if _CACHE[0] is not None:
        yield
        return
    _CACHE[0] = {}
    try:
        yield
    finally:
        _CACHE[0] = None


def _cached(path: Any, limit: int | None) -> Any:
    cache = _CACHE[0]
    entry = cache.get(str(path)) if cache is not None else None
    if entry is None:
        return _MISS
    data, read_limit = entry
    if data is None or read_limit is None or len(data) <= read_limit or (limit is not None and limit <= read_limit):
        return data  # absent, whole, or enough for this read (an over-long one is refused by the caller)
    return _MISS


def _remember(path: Any, data: bytes | None, limit: int | None) -> bytes | None:
    cache = _CACHE[0]
    if cache is not None:
        cache[str(path)] = (data, limit)
    return data


def forget(path: Any) -> None:
    """Drop ``path`` from the read cache (it is being written or deleted)."""
    cache = _CACHE[0]
    if cache is not None:
        cache.pop(str(path), None)


def cached_presence(path: Any) -> bool | None:
    """Whether the read cache knows ``path`` exists (``True``), is absent (``False``), or nothing (``None``)."""
    cache = _CACHE[0]
    entry = cache.get(str(_redirect(path))) if cache is not None else None
    return None if entry is None else entry[0] is not None


def prefetch(paths: Iterable[Any], limit: int) -> None:
    """Read the documents at ``paths`` (remote locations, already inside the root:
    the caller checked them) concurrently into the read cache, at most
    ``limit + 1`` bytes each on S3 (a ranged GET) and whole over HTTP, as
    :func:`read_bytes` does; :data:`PREFETCH_CONCURRENCY` requests at a time
    (fsspec's own batching of coroutines on the file system's event loop).

    Outside :func:`read_cache` nothing happens. An absent document is cached as
    absent; any other failure is not cached, so that the reader's own read
    raises it, naming the object. Never raises.
    """
    cache = _CACHE[0]
    if cache is None:
        return
    todo: dict[str, Any] = {}
    for path in paths:
        path = _redirect(path)
        if str(path) not in cache and _cached(path, limit) is _MISS:
            todo.setdefault(str(path), path)
    by_fs: dict[int, list[Any]] = {}
    for path in todo.values():
        by_fs.setdefault(id(path.fs), []).append(path)
    from fsspec.asyn import _run_coros_in_chunks, sync

    for group in by_fs.values():
        fs = group[0].fs
        s3 = protocol(group[0]) == "s3"
        coros = [fs._cat_file(_key(p), start=0, end=limit + 1) if s3 else fs._cat_file(_key(p)) for p in group]
        try:
            results = sync(fs.loop, _run_coros_in_chunks, coros, batch_size=PREFETCH_CONCURRENCY,
                           return_exceptions=True)
        except Exception:  # a prefetch only saves time; the readers raise what matters
            continue
        for path, result in zip(group, results, strict=True):
            if isinstance(result, bytes):
                cache[str(path)] = (result, limit if s3 else None)
            elif isinstance(result, BaseException) and _absent(result):
                cache[str(path)] = (None, None)


__all__ = ["cached_presence", "exists", "exists_all", "forget", "get_file", "list_files", "prefetch", "read_bytes",
           "read_cache", "read_error", "redirected"]
