"""In-place mode and rollback on images written by ome-zarr-py."""

from __future__ import annotations

import json

import pytest
from checks import arrays_under, assert_documents_valid
from conftest import tree_digest

import ngff_migrate
from ngff_migrate.errors import MigrateError


@pytest.mark.parametrize("name", ["v04_labels", "v05_labels", "v04_global"])
def test_in_place_then_rollback_restores_exact_tree(tree, name):
    src = tree(name)
    before = tree_digest(src)
    report = ngff_migrate.convert(src, in_place=True, verify="full")
    assert report.status == "done"
    after = tree_digest(src)
    assert_documents_valid(src)
    assert ngff_migrate.validate(src).ok
    # only metadata changed: every file that existed is unchanged or a replaced zarr.json
    changed = {k for k in before if after.get(k) != before[k]}
    assert all(k.endswith("zarr.json") for k in changed)
    created = set(after) - set(before)
    assert all(k.endswith("zarr.json") or k.startswith(".ngff-migrate/") for k in created)
    journal = json.loads((src / ".ngff-migrate" / "journal.json").read_text())
    assert journal["state"] == "done"
    touched = {k for k in created | changed if not k.startswith(".ngff-migrate/")}
    assert {e["path"] for e in journal["entries"]} == touched
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before
    assert not (src / ".ngff-migrate").exists()


def test_in_place_v2_arrays_read_identically_through_v3(tree):
    import numpy as np
    import zarr

    src = tree("v04_labels")
    ngff_migrate.convert(src, in_place=True, verify="none")
    for rel in arrays_under(src):
        v2 = zarr.open_array(src / rel, mode="r", zarr_format=2)[...]
        v3 = zarr.open_array(src / rel, mode="r", zarr_format=3)[...]
        np.testing.assert_array_equal(v2, v3)


def test_in_place_twice_is_refused(tree):
    src = tree("v04_plain")
    ngff_migrate.convert(src, in_place=True)
    snapshot = tree_digest(src)
    with pytest.raises(MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == snapshot


def test_failure_halfway_rolls_back(tree):
    """A real write failure part-way (a directory squats on a target
    zarr.json): the run fails and the tree is byte-identical afterwards."""
    src = tree("v04_labels")
    (src / "s1" / "zarr.json").mkdir()
    before = tree_digest(src)
    with pytest.raises(MigrateError) as info:
        ngff_migrate.convert(src, in_place=True)
    assert "zarr.json" in str(info.value)
    assert tree_digest(src) == before
    assert not (src / ".ngff-migrate").exists()


def test_rollback_without_journal_is_an_error(tree):
    src = tree("v04_plain")
    with pytest.raises(MigrateError, match="journal"):
        ngff_migrate.rollback(src)


def test_written_documents_have_ordinary_permissions(tree, tmp_path):
    """New documents get the umask default (not mkstemp's 0600); replaced
    ones keep the mode the original had."""
    import os
    import stat

    src = tree("v05_plain")
    os.chmod(src / "zarr.json", 0o640)
    ngff_migrate.convert(src, in_place=True, verify="none")
    assert stat.S_IMODE((src / "zarr.json").stat().st_mode) == 0o640
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(tree("v04_plain"), dst, verify="none")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((dst / "s0" / "zarr.json").stat().st_mode) == 0o666 & ~umask
