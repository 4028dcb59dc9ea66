"""Shared fixtures: real OME-Zarr trees written by ome-zarr-py (third-party writer).

Trees are written once per session into a cache directory and copied for
each test, so a test may modify its copy freely.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr

DATA = Path(__file__).parent / "data"


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root`` (the byte-identity oracle)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def _write_ome_zarr_py(path: Path, version: str, *, labels: bool) -> None:
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels

    fmt = FormatV04() if version == "0.4" else FormatV05()
    rng = np.random.default_rng(42)
    data = rng.integers(0, 60000, size=(2, 8, 48, 40), dtype=np.uint16)
    root = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    write_image(data, root, axes="czyx", fmt=fmt, scale_factors=(2, 4),
                scale={"c": 1.0, "z": 2.0, "y": 0.5, "x": 0.5},
                axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                storage_options={"chunks": (1, 4, 16, 16)}, name="raw image")
    # ome-zarr-py >= 0.21 takes only its own Omero class for `omero=`; the
    # rendering metadata is written next to `multiscales` as older releases did
    omero = {"channels": [{"label": "a", "color": "FF0000", "window": {"start": 0, "end": 100, "min": 0, "max": 65535}},
                          {"label": "b", "color": "00FF00", "window": {"start": 0, "end": 100, "min": 0, "max": 65535}}]}
    if version == "0.4":
        root.attrs["omero"] = omero
    else:
        root.attrs["ome"] = {**root.attrs["ome"], "omero": omero}
    root.attrs["lab:note"] = "not OME"
    if labels:
        lab = (rng.random((8, 48, 40)) > 0.7).astype(np.uint8) * 3
        write_labels(lab, root, name="nuclei", axes="zyx", fmt=fmt, scale_factors=(2,),
                     storage_options={"chunks": (4, 16, 16)},
                     label_metadata={"colors": [{"label-value": 3, "rgba": [255, 0, 0, 255]}],
                                     "properties": [{"label-value": 3, "class": "nucleus",
                                                     "lab:score": 0.9}]})


@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> dict[str, Path]:
    """Session cache of source trees, keyed by name. Never modify these."""
    base = tmp_path_factory.mktemp("pristine")
    trees = {}
    for name, version, labels in (("v04_labels", "0.4", True), ("v05_labels", "0.5", True),
                                  ("v04_plain", "0.4", False), ("v05_plain", "0.5", False)):
        path = base / f"{name}.ome.zarr"
        _write_ome_zarr_py(path, version, labels=labels)
        trees[name] = path
    trees["v04_global"] = _write_spec_example(base, "0.4")
    trees["v05_global"] = _write_spec_example(base, "0.5")
    return trees


def _write_spec_example(base: Path, version: str) -> Path:
    """The spec's multiscales_transformations example with a real array at '0'."""
    path = base / f"spec_transformations_v{version}.zarr"
    fmt = 2 if version == "0.4" else 3
    src = DATA / "legacy" / f"v0{version[-1]}_multiscales_transformations.json"
    doc = json.loads(src.read_text())
    group = zarr.open_group(str(path), mode="w", zarr_format=fmt)
    arr = group.create_array("0", shape=(30, 20), chunks=(16, 16), dtype="float32",
                             **({"dimension_names": ["y", "x"]} if fmt == 3 else {}))
    arr[:] = np.arange(600, dtype="float32").reshape(30, 20) / 7
    if fmt == 2:
        group.attrs.update(doc)
    else:
        group.attrs.update(doc["attributes"])
    return path


@pytest.fixture
def tree(pristine, tmp_path):
    """Factory: a private copy of a pristine tree."""
    def make(name: str) -> Path:
        dst = tmp_path / pristine[name].name
        shutil.copytree(pristine[name], dst)
        return dst
    return make


#: tests measured slow in the quick subset (scripts/measure_slow_tests.py): marked ``slow``
SLOW_TESTS = frozenset(line.strip() for line in (Path(__file__).parent / "slow_tests.txt").read_text().splitlines()
                       if line.strip() and not line.startswith("#"))


def pytest_collection_modifyitems(config, items):
    """A ``longrun`` test is also ``slow``: ``pytest -m "not slow"`` (which
    replaces the default ``-m 'not longrun'`` of pyproject.toml) then still
    leaves the long runs out. So is every test listed in ``tests/slow_tests.txt``."""
    for item in items:
        if item.get_closest_marker("slow") is not None:
            continue
        if item.get_closest_marker("longrun") is not None or item.nodeid in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def s3():
    """A moto S3 server on loopback (started once), the bucket, and an uploader
    (tests/s3_server.py). Yields ``(endpoint, put)``: ``put(local_dir, key)``
    uploads a tree once per session (``fresh=True``: again) and returns its
    ``s3://`` URL; ``put.fs`` is an s3fs file system on the server."""
    import os

    pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    from s3_server import start_moto

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    server, endpoint, _, put = start_moto()
    try:
        yield endpoint, put
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def proxy(s3):
    """A recording proxy (``s3_server.Proxy``) in front of the session's S3 server."""
    from s3_server import Proxy

    endpoint, _ = s3
    p = Proxy(endpoint.removeprefix("http://"))
    try:
        yield p
    finally:
        p.close()

