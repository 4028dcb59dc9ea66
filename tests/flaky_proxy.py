"""A flaky loopback proxy for the robust-I/O tests (tests/test_remote_flaky.py; docs/storage.md,
"Robust remote I/O").

:class:`FlakyProxy` forwards every request to ``upstream`` (moto's S3 server or the tests' HTTP
server) and answers the first and then every Nth request *of each kind* (``GET``, ``PUT``, ``LIST``, ``HEAD``, ``COPY``,
``DELETE``, ``POST``) with a fault instead, cycling through ``faults``:

* ``"slowdown"``: ``503 SlowDown`` with S3's XML error body (throttling);
* ``"500"``: ``500 InternalError`` with S3's XML error body;
* ``"drop"``: the connection is closed without a response.

``fail_all`` faults every request; ``fail_after`` faults every request after that many have been
forwarded (a store that goes away mid-run). ``missing_as_403`` rewrites every 404 into ``403
AccessDenied`` (as EBI's S3 answers for absent keys). The proxy records every request
(:attr:`log`), every fault (:attr:`faults`) and the most requests it held at once
(:attr:`max_in_flight`).
"""

from __future__ import annotations

import http.client
import http.server
import threading

from s3_server import serve_loopback

_BODIES = {
    "slowdown": (503, "Slow Down", b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
                 b"<Message>Please reduce your request rate.</Message><RequestId>flaky</RequestId></Error>"),
    "500": (500, "Internal Server Error", b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError'
            b"</Code><Message>We encountered an internal error. Please try again.</Message></Error>"),
}
_DENIED = b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'


def kind(method: str, path: str, headers) -> str:
    """The request's kind as the report counts it (``LIST``, ``COPY`` or the method)."""
    if method == "GET" and any(q in path for q in ("list-type=", "delimiter=", "prefix=")):
        return "LIST"
    if method == "PUT" and headers.get("x-amz-copy-source"):
        return "COPY"
    return method


class FlakyProxy:
    """A threaded loopback proxy in front of ``upstream`` (``host:port``) injecting faults (module docstring)."""

    def __init__(self, upstream: str, *, every: int = 0, faults: tuple[str, ...] = ("slowdown", "500", "drop"),
                 fail_all: bool = False, fail_after: int | None = None, missing_as_403: bool = False) -> None:
        self.upstream, self.every, self.fault_kinds = upstream, every, faults
        self.fail_all, self.fail_after, self.missing_as_403 = fail_all, fail_after, missing_as_403
        self.log: list[tuple[str, str]] = []
        self.faults: list[tuple[str, str, str]] = []  # (kind, fault, path)
        self.max_in_flight = 0
        self._in_flight = 0
        self._seen: dict[str, int] = {}
        self._forwarded = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy._in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy._in_flight)
                self._counted = True
                try:
                    fault = proxy._fault(self.command, self.path, self.headers)
                    if fault == "drop":
                        self.close_connection = True  # no response at all
                        return
                    if fault is not None:
                        status, reason, data = _BODIES[fault]
                        self._answer(status, reason, [("Content-Type", "application/xml")], data)
                        return
                    self._forward(body)
                finally:
                    self._done()

            def _done(self):
                """The request is no longer in flight: called before its response is sent (once the
                client has the answer it may send its next request, which must not count as a
                third concurrent one), or after a dropped one."""
                if getattr(self, "_counted", False):
                    self._counted = False
                    with proxy._lock:
                        proxy._in_flight -= 1

            def _forward(self, body):
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                status, reason = resp.status, resp.reason
                kept = [(k, v) for k, v in resp.getheaders()
                        if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server")]
                length = resp.getheader("Content-Length") if self.command == "HEAD" else None
                if status == 404 and proxy.missing_as_403:
                    status, reason, length = 403, "Forbidden", None
                    data = _DENIED
                    kept = [("Content-Type", "application/xml")]
                self._answer(status, reason, kept, data, length)

            def _answer(self, status, reason, headers, data, length=None):
                self._done()
                self.send_response(status, reason)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", length if length is not None else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server, self.endpoint, self.thread = serve_loopback(Handler)

    def _fault(self, method: str, path: str, headers) -> str | None:
        what = kind(method, path, headers)
        with self._lock:
            self.log.append((method, path))
            n = self._seen[what] = self._seen.get(what, 0) + 1
            fault = None
            if self.fail_all or (self.fail_after is not None and self._forwarded >= self.fail_after):
                fault = self.fault_kinds[0]
            elif self.every and (n - 1) % self.every == 0:  # the first of each kind, then every Nth
                fault = self.fault_kinds[((n - 1) // self.every) % len(self.fault_kinds)]
            if fault is None:
                self._forwarded += 1
            else:
                self.faults.append((what, fault, path))
            return fault

    def injected(self) -> dict[str, set[str]]:
        """The faults injected, by request kind."""
        out: dict[str, set[str]] = {}
        for what, fault, _ in self.faults:
            out.setdefault(what, set()).add(fault)
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
