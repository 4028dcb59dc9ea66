"""Where batch tasks run: a local process pool, or a dask.distributed cluster.

Both are used through the same small interface (:class:`Pool`): ``submit``
a module-level function with one picklable argument, ``wait`` for any
future to finish, ``result`` to get its value or exception. Task functions
catch their own errors, so an exception from ``result`` means the worker
process itself died.

Local workers are started with the ``spawn`` method (the coordinator runs a
progress thread; forking a threaded process is unsafe), ignore SIGINT (a
Ctrl-C stops the coordinator, which then stops handing out work) and die
with the coordinator (``PR_SET_PDEATHSIG``): a ``kill -9`` of the batch
stops everything at once, like a crash of the machine, and the next run
recovers.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import MigrateError

PR_SET_PDEATHSIG = 1


def _init_local_worker() -> None:
    """Worker start-up: ignore Ctrl-C, die with the coordinator (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the coordinator died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: workers finish their task and exit on EOF
        pass


class Pool:
    """The common interface of :class:`LocalPool` and :class:`DaskPool`."""

    #: how many tasks run at once (the coordinator keeps about twice as many in flight).
    slots: int = 1
    #: a short description for reports, e.g. ``local:2`` or ``dask:tcp://...``.
    name: str = ""

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        raise NotImplementedError

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        """The futures among ``futures`` that are finished (possibly none after ``timeout`` s)."""
        raise NotImplementedError

    def result(self, future: Any) -> Any:
        """The value of a finished future; raises if the worker died."""
        return future.result()

    def close(self) -> None:
        raise NotImplementedError

    def map_chunks(self, fn: Callable[[list[Any]], list[Any]], items: list[Any],
                   size: int = 16) -> Iterator[list[Any]]:
        """Run ``fn`` on chunks of ``items``; yield each chunk's result list as it finishes."""
        futures = {self.submit(fn, items[i:i + size]) for i in range(0, len(items), size)}
        while futures:
            done = self.wait(futures, timeout=1.0)
            for fut in done:
                futures.discard(fut)
                yield self.result(fut)


class LocalPool(Pool):
    """``jobs`` local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`)."""

    def __init__(self, jobs: int) -> None:
        self.slots, self.name = jobs, f"local:{jobs}"
        self._new()

    def _new(self) -> None:
        self.executor = cf.ProcessPoolExecutor(max_workers=self.slots,
                                               mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init_local_worker)

    def restart(self) -> None:
        """Replace the pool by a fresh one if it is broken (a worker was killed)."""
        if not getattr(self.executor, "_broken", False):
            return
        self.executor.shutdown(wait=False, cancel_futures=True)
        self._new()

    def submit(self, fn, arg):
        return self.executor.submit(fn, arg)

    def wait(self, futures, timeout):
        done, _ = cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class DaskPool(Pool):
    """Tasks on the workers of a running dask.distributed scheduler."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout=15)  # default client: distributed.wait needs one
        except (OSError, TimeoutError, ValueError) as exc:
            raise MigrateError(None, f"cannot connect to the dask scheduler {address}: {exc}") from None
        threads = sum(self.client.nthreads().values())
        self.slots, self.name = max(1, threads), f"dask:{address}"

    def submit(self, fn, arg):
        return self.client.submit(fn, arg, pure=False)

    def wait(self, futures, timeout):
        from distributed import wait

        futures = list(futures)
        try:
            done, _ = wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def close(self) -> None:
        self.client.close()


@contextmanager
def open_pool(*, jobs: int, scheduler: str | None) -> Iterator[Pool]:
    """A :class:`DaskPool` on ``scheduler`` if given, else a :class:`LocalPool` of ``jobs``.

    Raises
    ------
    MigrateError
        If the scheduler cannot be reached.
    """
    pool: Pool = DaskPool(scheduler) if scheduler else LocalPool(max(1, jobs))
    try:
        yield pool
    finally:
        pool.close()


def map_pooled(fn: Callable[[list[Any]], list[Any]], items: list[Any], *, jobs: int, scheduler: str | None,
               progress: Callable[[int, int], None] | None = None) -> Iterator[Any]:
    """Every result of ``fn`` over chunks of ``items``, run on :func:`open_pool`'s pool
    (in completion order), calling ``progress(done, total)`` after each chunk.

    Raises
    ------
    UsageError
        As :func:`open_pool`.
    """
    with open_pool(jobs=jobs, scheduler=scheduler) as pool:
        done = 0
        for chunk in pool.map_chunks(fn, items):
            yield from chunk
            done += len(chunk)
            if progress:
                progress(done, len(items))
