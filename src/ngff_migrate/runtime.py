"""Process-level settings of a run: the cyclic garbage collector paused while
metadata is walked.

Reading, translating and verifying a plate's metadata builds tens of
thousands of small dicts and model objects that live until the run ends.
CPython's collector rescans every live object on each full collection (one
whenever the long-lived objects have grown by a quarter): on the 384-well
plate (4,608 arrays) that was 9 full collections and 2.1 s of a 14 s run,
for no garbage at all, since the metadata structures hold no cycles worth
freeing early. The metadata stages therefore run with the automatic
collector off; pixel stages (re-encodes, chunk comparisons) keep it on, so
that their memory stays bounded whatever the data size.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: at most this many objects made while the collector was off, :func:`paused_gc` scans them when it
#: ends (a young collection, a few ms) instead of promoting them unscanned: a long-lived process that
#: plans many small datasets (a batch coordinator, a notebook) frees their cyclic garbage at once
YOUNG_SCAN_LIMIT = 50_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the automatic cyclic garbage collector off (it is
    switched back on after it, also on error; a block nested in another, or
    entered while the collector is already off, changes nothing). Reference
    counting still frees everything that is not part of a cycle. Never raises."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] <= YOUNG_SCAN_LIMIT:
            gc.collect(0)  # a small run (one dataset of a batch): its cyclic garbage is freed now
        else:
            _promote()
        gc.enable()


def _promote() -> None:
    """Move every tracked object to the oldest generation without a scan (``freeze``
    then ``unfreeze`` merges the generation lists in constant time). Objects
    made while the collector was off would otherwise all be scanned by the
    first young collection after it is back on (0.56 s on the 384-well plate)."""
    gc.freeze()
    gc.unfreeze()


@contextmanager
def resumed_gc() -> Iterator[None]:
    """Run the block with the automatic collector on, inside a :func:`paused_gc`
    block (a pixel stage: chunk comparisons, a re-encode); restored after it.
    Never raises."""
    was = gc.isenabled()
    if not was:
        _promote()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


__all__ = ["paused_gc", "resumed_gc"]
