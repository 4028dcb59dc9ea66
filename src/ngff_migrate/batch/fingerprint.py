"""What identifies one dataset's input and one batch's options.

* The **fingerprint** of a dataset is the SHA-256 over its root metadata
  documents (``zarr.json``, ``.zgroup``, ``.zattrs``, ``.zmetadata``, each
  present file's name and bytes). Reading it costs four small files per
  dataset, whatever the dataset's size. It changes when the root metadata
  changes, e.g. when an in-place migration writes ``zarr.json``; a change
  deeper in the dataset (a level's ``.zarray``) does not change it.
  A **TIFF dataset**'s fingerprint is the SHA-256 over the name, size and
  modification time (ns) of each of its files (a multi-file set's members
  and companion, a tile set's position file and tiles): one ``stat`` per
  file, no pixel and no header read.
* The **options hash** is the SHA-256 of the options that change the bytes a
  migration writes: mode (``in-place``, ``copy``, ``link``),
  ``target_version``, ``prefix`` and ``lenient``. Verification options do
  not change the output and are not part of it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The root metadata documents that make up a fingerprint, in hashing order.
ROOT_DOCUMENTS = ("zarr.json", ".zgroup", ".zattrs", ".zmetadata")

#: The options that change a migration's output (and so its options hash).
OUTPUT_OPTIONS = ("mode", "target_version", "prefix", "lenient")


def fingerprint(dataset: Path, members: Iterable[str | Path] = ()) -> str:
    """``"sha256:<hex>"`` over the dataset's root metadata documents, or, for a
    TIFF dataset (``members`` given, or ``dataset`` a file), over the name, size
    and mtime of each of its files.

    A document that cannot be read counts as absent. Raises nothing.
    """
    dataset = Path(dataset)
    files = [Path(m) for m in members]
    if files or dataset.is_file():
        return _stat_fingerprint(dataset, files or [dataset])
    h = hashlib.sha256()
    for name in ROOT_DOCUMENTS:
        try:
            data = (dataset / name).read_bytes()
        except OSError:
            continue
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return "sha256:" + h.hexdigest()


def _stat_fingerprint(dataset: Path, files: list[Path]) -> str:
    base = Path(os.path.abspath(dataset if dataset.is_dir() else dataset.parent))
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.as_posix()):
        name = os.path.relpath(os.path.abspath(path), base)
        try:
            st = path.stat()
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        h.update(f"{name}\0{stamp}\n".encode())
    return "sha256:" + h.hexdigest()


def options_hash(options: dict[str, Any]) -> str:
    """``"sha256:<first 16 hex digits>"`` of the output-changing entries of ``options``."""
    relevant = {k: options.get(k) for k in OUTPUT_OPTIONS}
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
