"""Assertions shared by the tests: rule checks of written documents, pixels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import zarr

from ngff_migrate.rfc8.rules import check_document
from ngff_migrate.rfc8.schemas import schema_errors_excluding_stubs


def ome_documents(root: Path) -> dict[str, dict]:
    """Relative path -> ``ome`` object of every zarr.json under ``root`` that has one."""
    out = {}
    for p in sorted(root.rglob("zarr.json")):
        if ".ngff-migrate" in p.relative_to(root).parts:
            continue  # in-place backups of the legacy documents
        doc = json.loads(p.read_text())
        ome = doc.get("attributes", {}).get("ome")
        if ome is not None:
            out[p.relative_to(root).as_posix()] = ome
    return out


def assert_documents_valid(root: Path) -> dict[str, dict]:
    """Every RFC-8 document under ``root`` passes our rules and the fractal schemas."""
    docs = ome_documents(root)
    assert docs, f"no RFC-8 documents under {root}"
    for rel, ome in docs.items():
        assert check_document(ome) == [], (rel, check_document(ome))
        assert schema_errors_excluding_stubs(ome) == [], (rel, schema_errors_excluding_stubs(ome))
    return docs


def arrays_under(root: Path) -> list[str]:
    """Relative paths of every Zarr array (v2 or v3) under ``root``."""
    found = set()
    for p in root.rglob(".zarray"):
        found.add(p.parent.relative_to(root).as_posix())
    for p in root.rglob("zarr.json"):
        if json.loads(p.read_text()).get("node_type") == "array":
            found.add(p.parent.relative_to(root).as_posix())
    return sorted(found)


def assert_pixels_equal(src: Path, src_format: int, dst: Path, rel: str) -> None:
    """The whole array ``rel`` decodes identically from source and output."""
    a = zarr.open_array(src / rel, mode="r", zarr_format=src_format)[...]
    b = zarr.open_array(dst / rel, mode="r", zarr_format=3)[...]
    assert a.dtype.newbyteorder("=") == b.dtype.newbyteorder("=") and a.shape == b.shape
    np.testing.assert_array_equal(a, b)
