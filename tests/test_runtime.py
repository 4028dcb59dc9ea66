"""runtime.paused_gc / resumed_gc: the collector is off for metadata stages, on for pixel stages,
and a small paused block's cyclic garbage is freed when it ends."""

from __future__ import annotations

import gc
import weakref

import pytest

from ngff_migrate.runtime import paused_gc, resumed_gc


def test_paused_then_restored_also_on_error():
    assert gc.isenabled()
    with pytest.raises(ValueError), paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: changes nothing
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


def test_resumed_inside_a_pause_only():
    with paused_gc():
        with resumed_gc():
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with resumed_gc():
        assert gc.isenabled()
    assert gc.isenabled()


class _Node:
    pass


def test_cyclic_garbage_of_a_small_pause_is_freed_when_it_ends():
    with paused_gc():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # a cycle: reference counting alone cannot free it
    assert gone() is None
