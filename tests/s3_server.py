"""A real S3 server on loopback for the remote tests: moto's ``ThreadedMotoServer``
(tests/test_remote_read.py, tests/test_remote_write.py; the ``s3`` fixture lives in conftest.py),
and :class:`Proxy`, a small HTTP proxy in front of it that records every request and can hold
one (to kill the client while its request is in flight)."""

from __future__ import annotations

import http.client
import http.server
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

BUCKET = "ngff-test"
#: moto takes any credentials; a distinctive secret, since messages redact it for the rest of the session
SECRET = "moto-secret-for-tests"
ACCESS = "moto-key-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    """Start moto on a free port; returns ``(server, endpoint, s3fs file system, put)``."""
    import logging

    import s3fs
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID=ACCESS, AWS_SECRET_ACCESS_KEY=SECRET)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    fs = s3fs.S3FileSystem(key=ACCESS, secret=SECRET, client_kwargs={"endpoint_url": endpoint})
    fs.mkdir(BUCKET)
    done: dict[str, str] = {}

    def put(local: Path, key: str, *, fresh: bool = False) -> str:
        if fresh or key not in done:
            fs.put(str(local), f"{BUCKET}/{key}", recursive=True)
            done[key] = f"s3://{BUCKET}/{key}"
        return done[key]

    put.fs = fs  # type: ignore[attr-defined]
    return server, endpoint, fs, put


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # zarr-python's concurrent reads overflow the default backlog of 5


def serve_loopback(handler) -> tuple[LoopbackServer, str, threading.Thread]:
    """Serve ``handler`` on a free port of 127.0.0.1 in a daemon thread: ``(server, endpoint, thread)``."""
    server = LoopbackServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", thread


class Proxy:
    """A loopback HTTP proxy in front of ``upstream`` (host:port) recording ``(method, path)``.

    ``hold`` (a callable of method and path) marks the request to hold: the proxy
    sets :attr:`holding` and waits for :attr:`release`; with :attr:`drop` set
    meanwhile, the held request is never forwarded (its client was killed).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.log: list[tuple[str, str]] = []
        self.hold: Callable[[str, str], bool] | None = None
        self.holding, self.release = threading.Event(), threading.Event()
        self.drop = False
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.log.append((self.command, self.path))
                if proxy.hold is not None and proxy.hold(self.command, self.path):
                    proxy.hold = None
                    proxy.holding.set()
                    proxy.release.wait(60)
                    if proxy.drop:
                        self.close_connection = True
                        return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
                self.send_header("Content-Length", length or "0")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server, self.endpoint, self.thread = serve_loopback(Handler)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
