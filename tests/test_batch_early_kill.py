"""A batch killed right after a worker's first document write can be rolled back.

Found by review of the append-only journal: without a separate survey pass,
a dataset's first journal record was its ``running`` one, flushed up to
0.5 s after the worker had been handed the dataset. A ``kill -9`` in that
window left a half-migrated dataset the journal did not name, and
``ngff-migrate rollback ROOT`` skipped it while reporting success.

A ``sitecustomize`` module (on ``PYTHONPATH`` of the batch only) wraps the
in-place writer: at every document write it notes whether the batch journal
already names the dataset, and after the first write it kills the worker and
the coordinator with SIGKILL. The test then asserts that the journal named
the dataset before its first write, and that ``rollback ROOT`` gives back
the pristine tree byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import tree_digest
from hardening_util import NGFF_MIGRATE
from test_batch_support import make_archive

HOOK = r'''
import json, os, signal
root = os.environ.get("NGFF_TEST_KILL_ROOT")
if root:
    # the in-place writer's documents go through write_tiers, which looks write_atomic up in
    # its own module (the journal and rollback hold their own imported names)
    import ngff_migrate.write.atomic as atomic
    original = atomic.write_atomic

    def write_atomic(path, data, **kw):
        d = os.path.dirname(os.path.abspath(str(path)))
        while d != "/" and not os.path.isdir(os.path.join(d, ".ngff-migrate")):
            d = os.path.dirname(d)
        rel = os.path.relpath(d, root)
        text = ""
        for name in ("journal.log", "journal.json"):
            try:
                with open(os.path.join(root, ".ngff-migrate-batch", name), "rb") as fh:
                    text += fh.read().decode()
            except FileNotFoundError:
                pass
        named = json.dumps(rel) in text
        with open(os.environ["NGFF_TEST_KILL_NOTE"], "a") as fh:
            fh.write(f"{rel}\t{named}\n")
        result = original(path, data, **kw)
        os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    atomic.write_atomic = write_atomic
'''


@pytest.mark.slow
def test_rollback_after_a_kill_at_the_first_document_write_is_byte_identical(tmp_path):
    root = tmp_path / "archive"
    make_archive(root, 4)
    pristine = tree_digest(root)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    note = tmp_path / "note.txt"
    env = {**os.environ, "PYTHONPATH": str(hook), "NGFF_TEST_KILL_ROOT": str(root),
           "NGFF_TEST_KILL_NOTE": str(note)}
    proc = subprocess.run([NGFF_MIGRATE, "batch", str(root), "--in-place", "--jobs", "1"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0, "the batch should have been killed"
    lines = note.read_text().splitlines()
    assert lines, "no document was written before the kill"
    rel, named = lines[0].split("\t")
    assert named == "True", f"the batch journal did not name {rel} before its first document write"
    assert tree_digest(root) != pristine  # something was written

    r = subprocess.run([NGFF_MIGRATE, "rollback", str(root)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.rmtree(hook)
    assert tree_digest(root) == pristine
