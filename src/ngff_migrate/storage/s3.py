"""Writes to S3, and the request counts of the report (docs/storage.md, "Writing to S3").

Imported only when an ``s3://`` location is opened. Every write is one whole
object: a ``PUT`` of the bytes (documents, journals, backups), a streamed
upload of a local file (s3fs: multipart above its block size, completed in
one call, so a reader never sees part of an object), a server-side
``CopyObject`` between two keys of the same server, or a streamed copy
between two servers (read in blocks, written as one multipart upload).
Nothing here is an S3 client: s3fs (aiobotocore) makes the requests.

**Request counts.** :func:`install` registers a subclass of
``s3fs.S3FileSystem`` for ``s3://`` that hooks botocore's ``before-send``
event of every client it creates (the readers' file system, zarr-python's
``FsspecStore`` in verification, the writers here): each HTTP request is
counted by kind (``GET``, ``PUT``, ``LIST``, ``HEAD``, ``DELETE``, ``COPY``,
``POST``), with the bytes sent (``PUT`` bodies) and received (``GET``
bodies). :func:`snapshot` and :func:`since` give one run's share
(``Report.storage``; the tally is :mod:`.counts`, shared with HTTP).

**Retries and concurrency** (docs/storage.md, "Robust remote I/O"). The same
subclass takes ``retries``, ``max_requests`` and ``missing_status`` (what
:func:`~.location.open_location` passes): botocore's ``standard`` retry mode
with ``retries + 1`` attempts in all (5xx, throttling such as ``503 SlowDown``
and ``429``, timeouts, dropped connections; exponential backoff with jitter, at
most 20 s) and ``max_requests`` pooled connections. s3fs's own retries are
turned off (``retries = 1``): they wrap botocore's, twice over for a read, and
would multiply its attempts (a body that breaks off mid-read is therefore not
retried on S3: the run fails cleanly; docs/storage.md). Failed attempts are recorded per object, so that a final error says how
many there were (:func:`failed_attempts`). With ``missing_status=(403,)``, a
``403`` for a ``GET`` or ``HEAD`` of an object means "absent" (stores that
answer 403 for a key that does not exist; zarr-python#3617).
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import MigrateError
from ..errors import exception_line as _one_line
from . import counts
from .counts import since, snapshot
from .location import display, redact

_installed = [False]
#: failed attempts per object (the URL path: ``/bucket/key`` or ``/key``), until an error reports them
_failed: dict[str, int] = {}
_failed_lock = threading.Lock()
#: objects below this size are copied server-side with one CopyObject (S3's limit is 5 GiB);
#: larger ones by s3fs's multipart copy
SINGLE_COPY_BYTES = 4 * 1024**3
#: local files up to this size are uploaded with one PUT; larger ones are streamed (multipart)
SINGLE_PUT_BYTES = 16 * 1024**2
#: objects deleted per DeleteObjects request (the S3 maximum)
DELETE_BATCH = 1000


def _kind(request: Any) -> str:
    method = request.method.upper()
    url = request.url
    if method == "GET" and ("list-type=" in url or "delimiter=" in url or "prefix=" in url):
        return "LIST"
    if method == "PUT" and any(k.lower() == "x-amz-copy-source" for k in request.headers):
        return "COPY"
    return method


def _on_send(request: Any, **_: Any) -> None:
    kind = _kind(request)
    sent = 0
    if kind == "PUT":
        try:
            sent = int(request.headers.get("Content-Length") or 0)
        except (TypeError, ValueError):
            sent = 0
    counts.add(kind, written=sent)


def _on_get(http_response: Any = None, parsed: Any = None, **_: Any) -> None:
    counts.add("", read=(parsed or {}).get("ContentLength") or 0)


def _on_retry_check(request_dict: Any = None, response: Any = None, caught_exception: Any = None,
                    **_: Any) -> None:
    """botocore's ``needs-retry`` event, after every attempt: record a failed one (never decides)."""
    status = getattr(response[0], "status_code", 0) if response else 0
    if caught_exception is None and not (status >= 500 or status == 429):
        return
    key = unquote(urlsplit((request_dict or {}).get("url", "")).path)
    with _failed_lock:
        _failed[key] = _failed.get(key, 0) + 1


def failed_attempts(path: Any) -> int:
    """How many attempts at the object ``path`` failed (and forget them): for a final error message."""
    try:
        bucket, key = _bucket_key(path)
    except AttributeError:
        return 0
    with _failed_lock:  # the object's own requests, else those below it (an array's chunks), else a
        found = max(_failed.pop(f"/{bucket}/{key}", 0), _failed.pop(f"/{key}", 0))  # listing of its bucket
        if not found:
            below = [k for k in _failed if k.startswith((f"/{bucket}/{key}/", f"/{key}/"))]
            found = max([_failed.pop(k) for k in below], default=0)
        return found or max(_failed.pop(f"/{bucket}", 0), _failed.pop("/", 0))


def attempts_note(path: Any) -> str:
    """``"; gave up after N attempts"`` when attempts at ``path`` failed, else ``""``."""
    n = failed_attempts(path)
    return f"; gave up after {n} attempts" if n > 1 else ""


#: the calls whose 403 means "absent" with ``missing_status=(403,)``
_READS = frozenset({"get_object", "head_object"})


def install() -> None:
    """Count the requests of every S3 file system created from now on (idempotent)."""
    if _installed[0]:
        return
    import fsspec
    import s3fs
    from fsspec.asyn import sync_wrapper

    class CountingS3FileSystem(s3fs.S3FileSystem):
        """s3fs, with botocore's request events counted, retries, a connection limit and
        configurable "absent" statuses (:mod:`ngff_migrate.storage.s3`)."""

        def __init__(self, *args: Any, retries: int | None = None, max_requests: int | None = None,
                     missing_status: tuple[int, ...] | list[int] = (), **kwargs: Any) -> None:
            config = dict(kwargs.get("config_kwargs") or {})
            if retries is not None:
                config.setdefault("retries", {"mode": "standard", "total_max_attempts": int(retries) + 1})
            if max_requests is not None:
                config.setdefault("max_pool_connections", int(max_requests))
            if config:
                kwargs["config_kwargs"] = config
            super().__init__(*args, **kwargs)
            if retries is not None:
                self.retries = 1  # s3fs's attempts per call: botocore's alone (s3fs's nest and multiply them)
            self.max_requests = max_requests
            self.missing_status = frozenset(int(s) for s in missing_status)

        async def set_session(self, refresh=False, kwargs={}):  # noqa: B006 (s3fs's signature)
            client = await super().set_session(refresh, kwargs)
            if not getattr(client, "_ngff_migrate_counted", False):
                client.meta.events.register("before-send.s3", _on_send)
                client.meta.events.register("after-call.s3.GetObject", _on_get)
                client.meta.events.register("needs-retry.s3", _on_retry_check)
                client._ngff_migrate_counted = True
            return client

        async def _call_s3(self, method, *akwarglist, **kwargs):
            try:
                return await super()._call_s3(method, *akwarglist, **kwargs)
            except PermissionError as exc:
                if 403 in self.missing_status and method in _READS:
                    raise FileNotFoundError(f"{kwargs.get('Bucket')}/{kwargs.get('Key')}") from exc
                raise

        call_s3 = sync_wrapper(_call_s3)  # s3fs's own wrapper calls s3fs's function, not this one

    for name in ("s3", "s3a"):
        fsspec.register_implementation(name, CountingS3FileSystem, clobber=True)
    _installed[0] = True


# --------------------------------------------------------------------------- writes


def _bucket_key(path: Any) -> tuple[str, str]:
    bucket, _, key = path.path.partition("/")
    return bucket, key


def write_error(path: Any, exc: BaseException, what: str = "write failed") -> MigrateError:
    """A failed write of the object at ``path`` as a project error (credentials redacted)."""
    text = redact(_one_line(exc)) + attempts_note(path)
    if isinstance(exc, PermissionError) or "AccessDenied" in text or "403" in text:
        text = f"access denied ({text}); check the credentials and the bucket policy"
    return MigrateError(display(path), f"{what}: {text}")


def precondition_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is S3's ``412 PreconditionFailed`` (a conditional write that did not apply)."""
    cause = exc.__cause__ or exc.__context__
    code = getattr(cause, "response", {}).get("Error", {}).get("Code") if cause is not None else None
    return code in ("PreconditionFailed", "412", "ConditionalRequestConflict") or \
        "pre-conditions you specified" in str(exc)


def put_bytes(path: Any, data: bytes, **conditions: str) -> str:
    """Write ``data`` as the whole object at ``path`` (one ``PUT``); returns its ETag.

    ``conditions`` are S3's conditional-write parameters (``IfNoneMatch="*"``:
    only if there is no object; ``IfMatch=etag``: only if it is unchanged).

    Raises
    ------
    MigrateError
        If the write fails; for a condition that did not hold, the error's
        ``precondition`` attribute is ``True``.
    """
    from .remote import forget

    forget(path)
    bucket, key = _bucket_key(path)
    try:
        out = path.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, **conditions)
    except Exception as exc:
        error = write_error(path, exc)
        error.precondition = bool(conditions) and precondition_failed(exc)  # type: ignore[attr-defined]
        raise error from None
    return str(out.get("ETag", ""))


#: PUTs :func:`put_many` keeps in flight at once
PUT_CONCURRENCY = 16


def put_many(items: list[tuple[Any, bytes]]) -> None:
    """Write each ``(path, data)`` as a whole object, :data:`PUT_CONCURRENCY` requests
    at a time (fsspec's coroutine batching on the file system's event loop): the
    documents of one in-place step, whose order within the step does not matter.

    Raises
    ------
    MigrateError
        For the first write that failed (naming its object), after every request of
        the batch has ended; the others may have been written (the journal, written
        before, lets a rollback undo them). An interruption (``KeyboardInterrupt``)
        is re-raised only after every request in flight has ended, too.
    """
    if not items:
        return
    import asyncio
    import concurrent.futures

    from fsspec.asyn import _run_coros_in_chunks

    from .remote import forget

    fs = items[0][0].fs
    for path, _ in items:
        forget(path)
    coros = [fs._call_s3("put_object", Bucket=_bucket_key(p)[0], Key=_bucket_key(p)[1], Body=d) for p, d in items]
    future = asyncio.run_coroutine_threadsafe(
        _run_coros_in_chunks(coros, batch_size=PUT_CONCURRENCY, return_exceptions=True), fs.loop)
    try:
        results = future.result()
    except BaseException:
        # Ctrl-C (or any interruption of this thread): the requests keep running on fsspec's
        # loop, so let every one of them end before the caller rolls back what they wrote
        concurrent.futures.wait([future])
        raise
    for (path, _), result in zip(items, results, strict=True):
        if isinstance(result, BaseException):
            raise write_error(path, result) from None


def get_with_etag(path: Any) -> tuple[bytes, str] | None:
    """The bytes and ETag of the object at ``path`` (one ``GET``), or ``None`` if absent.

    Raises
    ------
    MigrateError
        For a failure other than "not found".
    """
    from fsspec.asyn import sync

    bucket, key = _bucket_key(path)
    fs = path.fs

    async def get() -> tuple[bytes, str]:
        out = await fs._call_s3("get_object", Bucket=bucket, Key=key)
        async with out["Body"] as body:
            return await body.read(), str(out.get("ETag", ""))

    try:
        return sync(fs.loop, get)
    except FileNotFoundError:
        return None
    except Exception as exc:
        from .remote import read_error

        raise read_error(path, exc) from None


def delete(path: Any) -> None:
    """Remove the object at ``path`` (one ``DELETE``; an absent object is no error).

    Raises
    ------
    MigrateError
        If the request fails.
    """
    from .remote import forget

    forget(path)
    bucket, key = _bucket_key(path)
    try:
        path.fs.call_s3("delete_object", Bucket=bucket, Key=key)
    except FileNotFoundError:
        return
    except Exception as exc:
        raise write_error(path, exc, "delete failed") from None


def delete_below(root: Any, rels: list[str]) -> None:
    """Remove the objects ``rels`` (relative to ``root``), 1,000 per request.

    Raises
    ------
    MigrateError
        If a request fails or an object could not be removed.
    """
    from .remote import forget

    for rel in rels:
        forget(root / rel)
    bucket, key = _bucket_key(root)
    base = key.rstrip("/")
    for i in range(0, len(rels), DELETE_BATCH):
        batch = [{"Key": f"{base}/{rel}" if base else rel} for rel in rels[i:i + DELETE_BATCH]]
        try:
            out = root.fs.call_s3("delete_objects", Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        except Exception as exc:
            raise write_error(root, exc, "delete failed") from None
        errors = out.get("Errors") or []
        if errors:
            raise MigrateError(display(root / errors[0].get("Key", "")[len(base) + 1:]),
                               f"delete failed: {errors[0].get('Code')} {errors[0].get('Message', '')}")


def list_below(root: Any) -> list[tuple[str, int]]:
    """Every object below ``root`` as ``(relative path, size)`` (one LIST per 1,000 keys)."""
    from .remote import list_files

    root.fs.invalidate_cache()  # this run writes here: never a cached listing
    return list_files(root)


def upload_file(local: Any, path: Any) -> None:
    """Stream the local file ``local`` into the object at ``path`` (bounded memory).

    Raises
    ------
    MigrateError
        If the upload fails (naming the object).
    OSError
        If the local file cannot be read.
    """
    size = os.stat(local).st_size
    if size <= SINGLE_PUT_BYTES:  # one PUT of at most SINGLE_PUT_BYTES in memory
        with open(local, "rb") as fh:
            put_bytes(path, fh.read())
        return
    try:
        path.fs.put_file(str(local), path.path)
    except FileNotFoundError:
        raise
    except PermissionError as exc:
        if getattr(exc, "filename", None) == str(local):
            raise
        raise write_error(path, exc) from None
    except Exception as exc:
        raise write_error(path, exc) from None


def same_server(a: Any, b: Any) -> bool:
    """Whether the S3 locations ``a`` and ``b`` share one file system (endpoint and
    credentials): then an object is copied server-side."""
    return a.fs is b.fs


def copy_object(src: Any, dst: Any, size: int | None = None) -> int | None:
    """Copy the object ``src`` to ``dst``: server-side when they share a server
    (``CopyObject``), else streamed in blocks into one upload. Returns its size,
    or ``None`` when ``src`` does not exist (HTTP 404: an absent chunk). ``size``,
    when the caller knows it (a listing), saves a ``HEAD`` after a server-side copy.

    Raises
    ------
    MigrateError
        If the source cannot be read or the destination written (naming it).
    """
    if getattr(src, "protocol", "") in ("s3", "s3a") and same_server(src, dst):
        if size is not None and size < SINGLE_COPY_BYTES:  # one CopyObject, no HEAD first
            sb, sk = _bucket_key(src)
            db, dk = _bucket_key(dst)
            try:
                dst.fs.call_s3("copy_object", Bucket=db, Key=dk, CopySource={"Bucket": sb, "Key": sk})
            except FileNotFoundError:
                return None
            except Exception as exc:
                raise write_error(dst, exc, f"server-side copy from {display(src)} failed") from None
            return size
        try:
            src.fs.copy(src.path, dst.path)
        except FileNotFoundError:
            return None
        except Exception as exc:
            raise write_error(dst, exc, f"server-side copy from {display(src)} failed") from None
        return size if size is not None else _size_of(dst)
    return _stream(src, dst)


def _size_of(path: Any) -> int:
    try:
        return int(path.fs.info(path.path).get("size") or 0)
    except Exception:
        return 0


#: bytes read and written per step of a streamed copy between two servers
STREAM_BLOCK = 8 * 1024 * 1024


def _stream(src: Any, dst: Any) -> int | None:
    from .remote import read_error

    try:
        reader = src.fs.open(src.path, "rb", block_size=STREAM_BLOCK)
    except FileNotFoundError:
        return None
    except Exception as exc:
        raise read_error(src, exc) from None
    size = 0
    try:
        with reader, dst.fs.open(dst.path, "wb", block_size=max(STREAM_BLOCK, 5 * 1024 * 1024)) as writer:
            while True:
                try:
                    block = reader.read(STREAM_BLOCK)
                except FileNotFoundError:
                    return None
                except Exception as exc:
                    raise read_error(src, exc) from None
                if not block:
                    break
                writer.write(block)
                size += len(block)
    except MigrateError:
        raise
    except Exception as exc:
        raise write_error(dst, exc) from None
    return size


__all__ = ["attempts_note", "copy_object", "failed_attempts", "delete", "delete_below", "get_with_etag", "install", "list_below", "put_bytes",
           "same_server", "since", "snapshot", "upload_file"]
