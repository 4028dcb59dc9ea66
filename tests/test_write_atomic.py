"""write.atomic: tiered concurrent document writes and the durability barriers (docs/safety.md §3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ngff_migrate.write import atomic


def test_write_tiers_writes_every_tier_in_order(tmp_path, monkeypatch):
    """Every file is written with its bytes; no file of a tier starts before the tier before it is done."""
    order: list[str] = []
    original = atomic.write_atomic

    def recording(path, data, **kw):
        original(path, data, **kw)
        order.append(path.name)

    monkeypatch.setattr(atomic, "write_atomic", recording)
    tiers = [[(f"a{i}.json", b"%d" % i) for i in range(40)], [(f"g{i}.json", b"g") for i in range(3)]]
    total = atomic.write_tiers(tmp_path, tiers, threads=4)
    assert total == sum(len(d) for tier in tiers for _, d in tier)
    assert set(order[:40]) == {f"a{i}.json" for i in range(40)}  # the whole first tier first
    assert order[40:] == ["g0.json", "g1.json", "g2.json"]
    assert (tmp_path / "a7.json").read_bytes() == b"7"
    assert not list(tmp_path.glob("*.tmp"))


def test_write_tiers_stops_at_the_first_failed_tier(tmp_path):
    """A failed write raises OSError and no later tier is started."""
    (tmp_path / "sub").mkdir()
    tiers = [[("missing-dir/x.json", b"x")], [("sub/late.json", b"y")]]
    with pytest.raises(OSError):
        atomic.write_tiers(tmp_path, tiers)
    assert not (tmp_path / "sub" / "late.json").exists()


@pytest.mark.parametrize("dirty", [0, 1 << 40])
def test_flush_paths_takes_syncfs_or_fsyncs(tmp_path, monkeypatch, dirty):
    """Little to write back host-wide: one syncfs; much: an fsync of exactly the paths given."""
    files = [tmp_path / f"f{i}" for i in range(5)]
    for f in files:
        f.write_bytes(b"x")
    synced: list[Path] = []
    fsynced: list[Path] = []
    monkeypatch.setattr(atomic, "dirty_bytes", lambda: dirty)
    monkeypatch.setattr(atomic, "flush_tree", lambda tree: synced.append(tree))
    original = atomic.fsync_path
    monkeypatch.setattr(atomic, "fsync_path", lambda p: (fsynced.append(p), original(p)))
    atomic.flush_paths([*files, tmp_path, files[0]], tree=tmp_path)
    if dirty == 0:
        assert synced == [tmp_path] and not fsynced
    else:
        assert not synced and sorted(fsynced) == sorted([*files, tmp_path])  # each once


def test_flush_paths_raises_for_a_missing_path(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "dirty_bytes", lambda: 1 << 40)
    with pytest.raises(OSError):
        atomic.flush_paths([tmp_path / "gone", tmp_path, tmp_path / "x", tmp_path / "y"], tree=tmp_path)


def test_dirty_bytes_reads_meminfo():
    value = atomic.dirty_bytes()
    if os.path.exists("/proc/meminfo"):
        assert isinstance(value, int) and value >= 0
    else:
        assert value is None
