"""Archives for the batch tests and benchmark, written by ome-zarr-py.

Every dataset's metadata and chunks are written by ome-zarr-py
(``ome_zarr.writer.write_image``, ``write_labels``, ``write_plate_metadata``,
``write_well_metadata``) into zarr-python groups, as ``tests/conftest.py``
does for single images. The tests at the end check the archive itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

BIN = Path(sys.executable).parent
NGFF_MIGRATE = str(BIN / "ngff-migrate") if (BIN / "ngff-migrate").exists() else "ngff-migrate"


def _fmt(version: str):
    from ome_zarr.format import FormatV04, FormatV05

    return FormatV04() if version == "0.4" else FormatV05()


def write_image(path: Path | zarr.Group, version: str, *, seed: int = 0, labels: bool = False,
                size: int = 32, storage: dict | None = None) -> None:
    """A small ``cyx`` uint16 image (2 levels), optionally with one label image."""
    from ome_zarr.writer import write_image as omz_write_image
    from ome_zarr.writer import write_labels

    root = path if isinstance(path, zarr.Group) else zarr.open_group(
        str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 60000, size=(2, size, size), dtype=np.uint16)
    omz_write_image(data, root, axes="cyx", fmt=_fmt(version), scale_factors=(2,),
                    scale={"c": 1.0, "y": 0.5, "x": 0.5},
                    storage_options={"chunks": (1, 16, 16), **(storage or {})}, name=f"image {seed}")
    if labels:
        lab = (rng.random((size, size)) > 0.6).astype(np.uint8) * 2
        write_labels(lab, root, name="cells", axes="yx", fmt=_fmt(version), scale_factors=(2,),
                     storage_options={"chunks": (16, 16)},
                     label_metadata={"colors": [{"label-value": 2, "rgba": [0, 255, 0, 255]}]})


def write_plate(path: Path, version: str, *, seed: int = 0, wells: tuple[str, ...] = ("A/1", "B/2")) -> None:
    """A small HCS plate: the given wells, one field each."""
    from ome_zarr.writer import write_plate_metadata, write_well_metadata

    root = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    rows = sorted({w.split("/")[0] for w in wells})
    cols = sorted({w.split("/")[1] for w in wells})
    write_plate_metadata(root, rows, cols, list(wells), fmt=_fmt(version), name=f"plate {seed}")
    for i, w in enumerate(wells):
        r, c = w.split("/")
        well = root.require_group(r).require_group(c)
        write_well_metadata(well, ["0"], fmt=_fmt(version))
        write_image(well.require_group("0"), version, seed=seed * 100 + i, size=16)


KINDS = ("image-0.4", "image-0.5", "plate-0.4", "plate-0.5", "labels-0.4", "labels-0.5")


def write_dataset(path: Path, kind: str, seed: int) -> None:
    """One dataset of ``kind`` (one of :data:`KINDS`)."""
    what, version = kind.split("-")
    if what == "plate":
        write_plate(path, version, seed=seed)
    else:
        write_image(path, version, seed=seed, labels=what == "labels")


def make_archive(root: Path, n: int, *, per_dir: int = 8) -> list[str]:
    """``n`` datasets of mixed kinds under ``root`` in a few levels of plain
    directories (and one plain Zarr group); returns their relative paths."""
    rels = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        group = f"project-{i // per_dir:02d}"
        sub = "plain-zarr-group" if i % per_dir == 5 else "acquisitions"
        rel = f"{group}/{sub}/{kind}-{i:03d}.ome.zarr"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if sub == "plain-zarr-group" and not (root / group / sub / ".zgroup").exists():
            zarr.open_group(str(root / group / sub), mode="w", zarr_format=2).attrs["note"] = "not OME"
        write_dataset(root / rel, kind, seed=i)
        rels.append(rel)
    (root / "README.txt").write_text("an archive\n")
    (root / "empty-dir").mkdir(exist_ok=True)
    return sorted(rels)


def tree_digest(root: Path, *, skip_hidden_top: bool = False) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root``."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if skip_hidden_top and rel.startswith(".ngff-migrate-batch"):
            continue
        if p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def migrated_digest(dataset: Path) -> dict[str, str]:
    """Digest of an in-place migrated dataset, its journal reduced to what is
    deterministic (the entries; not the start time or absolute root)."""
    out = {}
    for p in sorted(dataset.rglob("*")):
        rel = p.relative_to(dataset).as_posix()
        if not p.is_file():
            continue
        if rel == ".ngff-migrate/journal.json":
            j = json.loads(p.read_text())
            out[rel] = json.dumps([j["state"], j["entries"]], sort_keys=True)
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_cli(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``ngff-migrate ARGS`` as a real subprocess."""
    return subprocess.run([NGFF_MIGRATE, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll ``predicate`` until it returns a true value (returned) or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


# --------------------------------------------------------------------------- tests of the archive


@pytest.mark.slow
def test_archive_datasets_are_found_once(tmp_path):
    from ngff_migrate.batch import find_datasets

    rels = make_archive(tmp_path, 12)
    found = find_datasets(tmp_path)
    assert [f.rel for f in found] == rels  # labels and plate fields are not datasets of their own
    assert {f.layout for f in found} == {"ngff-image", "hcs-plate"}
    assert {f.version for f in found} == {"0.4", "0.5"}
    assert all(f.error is None for f in found)


def cached_archive(tmp_path_factory, n: int) -> Path:
    """An archive of ``n`` datasets written once per test session (copy it before use)."""
    base = tmp_path_factory.getbasetemp() / f"batch-archive-{n}"
    done = base / ".complete"
    if not done.exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        make_archive(base / "archive", n)
        done.write_text("ok\n")
    return base / "archive"
