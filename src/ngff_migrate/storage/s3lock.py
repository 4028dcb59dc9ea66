"""A lock object on S3 (docs/storage.md, "The lock"): S3 has no ``flock``.

The lock is one small JSON object created with a conditional ``PUT``
(``If-None-Match: *``): S3 (since 2024) and moto refuse it with ``412`` when
the object exists, so exactly one of two concurrent runs creates it. It
records an owner token, the host and process id of its holder, and an expiry
(``expires``); while the lock is held a background thread renews the expiry
every :data:`RENEW_SECONDS` with a conditional ``PUT`` (``If-Match`` its own
ETag), and releasing it deletes the object.

A run killed with ``kill -9`` cannot delete its lock. Another run takes it
over when it is *stale*: its expiry has passed, or its holder ran on this
host and that process no longer exists, or this process released it but
could not delete it (the store failed after its retries). A takeover is again conditional
(``If-Match`` the stale object's ETag), so two runs that both found the same
stale lock cannot both take it.

Within one process the lock is re-entrant (a batch worker holding a dataset
calls ``convert`` on it).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from typing import Any

from ..errors import MigrateError
from .lock import Busy

#: how long a lock lives without being renewed (seconds)
TTL_SECONDS = 120.0
#: how often a held lock is renewed (seconds)
RENEW_SECONDS = 30.0

#: (url, thread) -> [S3Lock, depth]: re-entry counts only in the thread that holds the lock (another
#: thread of this process, e.g. a second dask task on one worker, must meet the lock like any other run)
_held: dict[tuple[str, int], list[Any]] = {}
#: tokens of locks this process released but could not delete (the store failed): stale for this process
_abandoned: set[str] = set()
_held_guard = threading.Lock()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder(info: dict[str, Any]) -> str:
    """Who holds a lock, for messages (host, process id, since when)."""
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("created", 0)))
    return f"process {info.get('pid')} on {info.get('host')}, since {since}"


def is_stale(info: dict[str, Any] | None, now: float | None = None) -> bool:
    """Whether a lock's holder is gone: expired, or a dead process of this host (or unreadable)."""
    if not isinstance(info, dict):
        return True
    now = time.time() if now is None else now
    expires = info.get("expires")
    if not isinstance(expires, (int, float)) or expires < now:
        return True
    if info.get("token") in _abandoned:  # ours, released while the store failed: nobody holds it
        return True
    pid = info.get("pid")
    if info.get("host") == socket.gethostname() and isinstance(pid, int) and pid != os.getpid():
        return not _alive(pid)
    return False


class S3Lock:
    """An exclusive lock on the object ``path`` (a UPath); a context manager.

    Entering raises :class:`~ngff_migrate.storage.lock.Busy` (with the holder
    in its message) when a live run holds it, and
    :class:`~ngff_migrate.errors.MigrateError` when the object cannot be written.
    """

    def __init__(self, path: Any, *, ttl: float = TTL_SECONDS, renew: float = RENEW_SECONDS) -> None:
        self.path, self.ttl, self.renew = path, ttl, renew
        self.token = uuid.uuid4().hex
        self.etag: str | None = None
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.took_over: dict[str, Any] | None = None
        self._owner: S3Lock | None = None

    def _body(self) -> bytes:
        now = time.time()
        return json.dumps({"tool": "ngff-migrate", "lock_version": 1, "token": self.token,
                           "host": socket.gethostname(), "pid": os.getpid(), "created": now,
                           "expires": now + self.ttl}).encode()

    def __enter__(self) -> S3Lock:
        key = (str(self.path), threading.get_ident())
        with _held_guard:
            if key in _held:
                _held[key][1] += 1
                self._owner = _held[key][0]
                return self._owner
        self._acquire()
        with _held_guard:
            _held[key] = [self, 1]
        self._thread = threading.Thread(target=self._renew_loop, name="ngff-migrate-s3-lock", daemon=True)
        self._thread.start()
        return self

    def _acquire(self) -> None:
        from .s3 import get_with_etag, put_bytes

        for _ in range(3):
            try:
                self.etag = put_bytes(self.path, self._body(), IfNoneMatch="*")
                return
            except MigrateError as exc:
                if not getattr(exc, "precondition", False):
                    raise
            found = get_with_etag(self.path)
            if found is None:
                continue  # released meanwhile: try again
            data, etag = found
            try:
                info = json.loads(data)
            except ValueError:
                info = None
            if isinstance(info, dict) and info.get("token") == self.token:
                self.etag = etag  # our own PUT landed, its answer was lost and the retry met it
                return
            if not is_stale(info):
                raise Busy(holder(info))  # type: ignore[arg-type]
            try:
                self.etag = put_bytes(self.path, self._body(), IfMatch=etag)
                self.took_over = info if isinstance(info, dict) else {}
                return
            except MigrateError as exc:
                if not getattr(exc, "precondition", False):
                    raise
        raise Busy("another run took the lock first")

    def _renew_loop(self) -> None:
        from .s3 import put_bytes

        while not self._stop.wait(self.renew):
            try:
                self.etag = put_bytes(self.path, self._body(), IfMatch=self.etag or "*")
            except MigrateError as exc:
                if getattr(exc, "precondition", False):
                    if self._still_ours():
                        continue  # our renewal landed; its answer was lost and the retry met it
                    self.lost = True  # someone took it over (we were too slow): stop renewing
                    return

    def _still_ours(self) -> bool:
        """Whether the lock object holds this lock's token (then its ETag is taken)."""
        from .s3 import get_with_etag

        try:
            found = get_with_etag(self.path)
            info = json.loads(found[0]) if found is not None else None
        except (MigrateError, ValueError):
            return False
        if isinstance(info, dict) and info.get("token") == self.token:
            self.etag = found[1]  # type: ignore[index]
            return True
        return False

    def check(self) -> None:
        """Raise when the lock was lost (taken over after it expired) before a commit step.

        Raises
        ------
        MigrateError
            If another run took the lock over.
        """
        if self.lost:
            raise MigrateError(str(self.path), "the S3 lock was taken over by another run (it was not renewed "
                                               "in time); stopped before committing")

    def __exit__(self, *exc: object) -> None:
        key = (str(self.path), threading.get_ident())
        with _held_guard:
            entry = _held.get(key)
            if entry is None or entry[0] is not (self._owner or self):
                return
            entry[1] -= 1
            if entry[1] > 0 or self._owner is not None:
                return
            del _held[key]
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.lost:
            return
        from .s3 import delete, get_with_etag

        try:
            found = get_with_etag(self.path)
            if found is not None and found[1] == self.etag:
                delete(self.path)
        except MigrateError:  # the store failed (after its retries): the run's own error is the one to
            _abandoned.add(self.token)  # report; the lock expires, and this process may take it at once


__all__ = ["Busy", "RENEW_SECONDS", "S3Lock", "TTL_SECONDS", "holder", "is_stale"]
