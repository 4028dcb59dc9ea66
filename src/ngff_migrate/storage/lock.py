"""Advisory locks (``fcntl.flock``) that keep two processes off one dataset.

A lock is held on an open file descriptor: on a lock file, or on a dataset
directory itself (Linux ``flock`` works on directories opened read-only, so
locking a dataset changes nothing in it). The kernel releases a lock when
its holder exits, including after ``kill -9``: a crashed run never leaves a
stale lock behind.

Locks are re-entrant within one process: a batch worker holds its dataset's
lock and calls :func:`ngff_migrate.convert`, which takes the same lock
again without blocking on itself.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

POLL_SECONDS = 0.1

#: Locks this process holds: real path -> [descriptor, depth].
_held: dict[tuple[str, int], list[int]] = {}  # (real path, thread) -> [descriptor, depth]
_held_guard = threading.Lock()


class Busy(Exception):
    """The lock is held by another process (and waiting was not asked for or timed out)."""


class Lock:
    """An exclusive ``flock`` on ``path`` (a directory, or a file created if missing).

    Use as a context manager::

        with Lock(path, wait=30.0):
            ...

    ``wait`` is the longest time to wait for the lock, in seconds; ``0`` tries
    once. Entering raises :class:`Busy` if the lock could not be had, or
    :class:`OSError` if ``path`` cannot be opened. Entering a lock this
    process already holds only counts one level deeper.
    """

    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        self.path, self.wait = Path(path), wait
        self.key: tuple[str, int] | None = None

    def __enter__(self) -> Lock:
        # re-entry counts only in the holding thread: another thread of this process (a second
        # dask task on one worker) opens its own descriptor, and flock makes it wait or fail
        key = (os.path.realpath(self.path), threading.get_ident())
        with _held_guard:
            if key in _held:
                _held[key][1] += 1
                self.key = key
                return self
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
        with _held_guard:
            _held[key] = [fd, 1]
        self.key = key
        return self

    def __exit__(self, *exc: object) -> None:
        if self.key is None:
            return
        with _held_guard:
            entry = _held[self.key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[self.key]
                os.close(entry[0])  # closing the descriptor releases the flock
        self.key = None
