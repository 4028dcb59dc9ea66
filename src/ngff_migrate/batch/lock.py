"""Advisory locks (``fcntl.flock``) that keep two processes off one dataset.

A lock is held on an open file descriptor: on a lock file, or on a dataset
directory itself (Linux ``flock`` works on directories opened read-only, so
locking a dataset changes nothing in it). The kernel releases a lock when
its holder exits, including after ``kill -9``: a crashed batch never leaves
a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

POLL_SECONDS = 0.1


class Busy(Exception):
    """The lock is held by another process (and waiting was not asked for or timed out)."""


class Lock:
    """An exclusive ``flock`` on ``path`` (a directory, or a file created if missing).

    Use as a context manager::

        with Lock(path, wait=30.0):
            ...

    ``wait`` is the longest time to wait for the lock, in seconds; ``0`` tries
    once. Entering raises :class:`Busy` if the lock could not be had, or
    :class:`OSError` if ``path`` cannot be opened.
    """

    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        self.path, self.wait = path, wait
        self.fd: int | None = None

    def __enter__(self) -> Lock:
        if self.path.is_dir():
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Busy(str(self.path)) from None
                time.sleep(POLL_SECONDS)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None
