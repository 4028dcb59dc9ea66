"""HTTP(S) sources with retries, bounded concurrency and request counts (docs/storage.md, "Robust remote I/O").

Imported only when an ``http(s)://`` location is opened. fsspec's
``HTTPFileSystem`` (aiohttp) sends each request once; :func:`install` registers
:class:`RobustHTTPFileSystem` for ``http`` and ``https`` instead, so the
readers, the copies and zarr-python's ``FsspecStore`` in verification all get:

* **retries** of every ``GET`` and ``HEAD`` (the session's own, so also the
  ranged reads of an open file): on ``408``, ``429``, ``500``, ``502``,
  ``503``, ``504``, a connection that fails, is reset or closed without a
  response, and a timeout; up to ``retries`` more attempts, waiting a random
  time up to 0.5 s, 1 s, 2 s, ... (at most 20 s: exponential backoff with full
  jitter, tenacity's ``wait_random_exponential``). A ``404`` is never retried
  (the object is absent), nor is any other answer.
* **absent objects**: ``404``, and with ``missing_status=(403,)`` also ``403``
  (stores that answer 403 for a key that does not exist), is ``FileNotFoundError``;
  an existence check or an ``info`` that fails for another reason raises
  (fsspec's own take any failure for "absent").
* **bounded concurrency**: at most ``max_requests`` connections (aiohttp's
  connector limit), whatever the number of threads or tasks asking.
* **counts**: every request sent, by method (aiohttp's tracing: also its own
  resend of a request on a kept-alive connection the server had closed), and the
  bytes of ``GET`` bodies received, in :mod:`.counts`.

A request that still fails after the last attempt raises :class:`GaveUp`
(an ``OSError``) with the last answer and the number of attempts; the readers'
errors name the object.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from fsspec.implementations.http import HTTPFileSystem, _file_info
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from . import counts

#: answers worth asking again (timeouts, throttling, server errors)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: the longest wait between two attempts, in seconds
MAX_BACKOFF = 20.0
_installed = [False]


class GaveUp(OSError):
    """A request that failed on every attempt: the message gives the count and the last answer
    (the readers' errors name the object, :func:`ngff_migrate.storage.remote.read_error`)."""


async def _on_sent(session: Any, context: Any, params: Any) -> None:
    counts.add(params.method.upper())


async def _on_chunk(session: Any, context: Any, params: Any) -> None:
    if params.method.upper() == "GET":
        counts.add("", read=len(params.chunk))


class _Retryable(Exception):
    """An answer in :data:`RETRY_STATUSES` (internal: tenacity retries it)."""

    def __init__(self, status: int, reason: str | None) -> None:
        super().__init__(f"HTTP {status} {reason or ''}".strip())
        self.status = status


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, (_Retryable, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError,
                            asyncio.TimeoutError))


class _Request:
    """What ``session.get(...)`` returns: awaitable and an async context manager, like aiohttp's."""

    def __init__(self, owner: _RetryingSession, method: str, url: Any, kwargs: dict[str, Any]) -> None:
        self.owner, self.method, self.url, self.kwargs = owner, method, url, kwargs
        self.response: aiohttp.ClientResponse | None = None

    def __await__(self):
        return self._send().__await__()

    async def __aenter__(self) -> aiohttp.ClientResponse:
        self.response = await self._send()
        return self.response

    async def __aexit__(self, *exc: Any) -> None:
        if self.response is not None:
            self.response.release()

    async def _send(self) -> aiohttp.ClientResponse:
        session, attempts = self.owner.session, self.owner.attempts
        retrying = AsyncRetrying(stop=stop_after_attempt(attempts), retry=retry_if_exception(_transient),
                                 wait=wait_random_exponential(multiplier=0.5, max=MAX_BACKOFF))
        try:
            async for attempt in retrying:
                with attempt:
                    response = await session.request(self.method, self.url, **self.kwargs)
                    if response.status in RETRY_STATUSES:
                        response.release()
                        raise _Retryable(response.status, response.reason)
                    return response
        except RetryError as exc:
            last = exc.last_attempt.exception()
            n = exc.last_attempt.attempt_number
            text = str(last) or type(last).__name__
            raise GaveUp(f"gave up after {n} attempt{'s' if n > 1 else ''} ({self.method}): {text}") from None
        raise AssertionError("unreachable")  # pragma: no cover


class _RetryingSession:
    """An ``aiohttp.ClientSession`` whose ``get`` and ``head`` are retried (everything else as it is)."""

    def __init__(self, session: aiohttp.ClientSession, attempts: int) -> None:
        self.session, self.attempts = session, attempts
        self._connector = session.connector  # fsspec's close_session looks for it

    def get(self, url: Any, **kwargs: Any) -> _Request:
        return _Request(self, "GET", url, kwargs)

    def head(self, url: Any, **kwargs: Any) -> _Request:
        return _Request(self, "HEAD", url, kwargs)

    async def close(self) -> None:
        await self.session.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


class RobustHTTPFileSystem(HTTPFileSystem):
    """fsspec's HTTP file system with retries, a connection limit, counted requests and
    configurable "absent" statuses (module docstring)."""

    def __init__(self, *args: Any, retries: int = 5, max_requests: int = 16,
                 missing_status: tuple[int, ...] | list[int] = (), **kwargs: Any) -> None:
        self.attempts = max(1, int(retries) + 1)
        self.max_requests = max(1, int(max_requests))
        self.missing_status = frozenset({404, *(int(s) for s in missing_status)})
        kwargs.setdefault("get_client", self._client)
        super().__init__(*args, **kwargs)

    async def _client(self, **kwargs: Any) -> _RetryingSession:
        kwargs.setdefault("connector", aiohttp.TCPConnector(limit=self.max_requests))
        trace = aiohttp.TraceConfig()  # counted on the wire: also aiohttp's own resend on a closed connection
        trace.on_request_headers_sent.append(_on_sent)
        trace.on_response_chunk_received.append(_on_chunk)
        kwargs["trace_configs"] = [*kwargs.get("trace_configs", ()), trace]
        return _RetryingSession(aiohttp.ClientSession(**kwargs), self.attempts)

    def _raise_not_found_for_status(self, response: Any, url: str) -> None:
        if response.status in self.missing_status:
            raise FileNotFoundError(url)
        response.raise_for_status()

    async def _info(self, url: str, **kwargs: Any) -> dict[str, Any]:
        """``HEAD`` (then ``GET`` when it gave no size): absent only for a missing status."""
        session = await self.set_session()
        info: dict[str, Any] = {}
        for policy in ("head", "get"):
            try:
                info.update(await _file_info(self.encode_url(url), size_policy=policy, session=session,
                                             **self.kwargs, **kwargs))
            except aiohttp.ClientResponseError as exc:
                if exc.status in self.missing_status:
                    raise FileNotFoundError(url) from None
                if policy == "head" and exc.status in (405, 501):  # HEAD not allowed: ask with GET
                    continue
                raise
            if info.get("size") is not None:
                break
        return {"name": url, "size": None, **info, "type": "file"}

    async def _exists(self, path: str, strict: bool = False, **kwargs: Any) -> bool:
        try:
            await self._info(path, **kwargs)
        except FileNotFoundError:
            return False
        return True

    async def _isfile(self, path: str, **kwargs: Any) -> bool:
        return await self._exists(path, **kwargs)


def install() -> None:
    """Register :class:`RobustHTTPFileSystem` for ``http`` and ``https`` (idempotent)."""
    if _installed[0]:
        return
    import fsspec

    for name in ("http", "https"):
        fsspec.register_implementation(name, RobustHTTPFileSystem, clobber=True)
    _installed[0] = True


__all__ = ["RETRY_STATUSES", "GaveUp", "RobustHTTPFileSystem", "install"]
