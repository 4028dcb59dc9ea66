"""What identifies one dataset's input and one batch's options.

* The **fingerprint** of a dataset is the SHA-256 over its root metadata
  documents (``zarr.json``, ``.zgroup``, ``.zattrs``, ``.zmetadata``, each
  present file's name and bytes). Reading it costs four small files per
  dataset, whatever the dataset's size. It changes when the root metadata
  changes, e.g. when an in-place migration writes ``zarr.json``; a change
  deeper in the dataset (a level's ``.zarray``) does not change it.
* The **options hash** is the SHA-256 of the options that change the bytes a
  migration writes: mode (``in-place``, ``copy``, ``link``),
  ``target_version``, ``prefix`` and ``lenient``. Verification options do
  not change the output and are not part of it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

#: The root metadata documents that make up a fingerprint, in hashing order.
ROOT_DOCUMENTS = ("zarr.json", ".zgroup", ".zattrs", ".zmetadata")

#: The options that change a migration's output (and so its options hash).
OUTPUT_OPTIONS = ("mode", "target_version", "prefix", "lenient")


def fingerprint(dataset: Path) -> str:
    """``"sha256:<hex>"`` over the dataset's root metadata documents.

    A document that cannot be read counts as absent. Raises nothing.
    """
    h = hashlib.sha256()
    for name in ROOT_DOCUMENTS:
        try:
            data = (dataset / name).read_bytes()
        except OSError:
            continue
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return "sha256:" + h.hexdigest()


def options_hash(options: dict[str, Any]) -> str:
    """``"sha256:<first 16 hex digits>"`` of the output-changing entries of ``options``."""
    relevant = {k: options.get(k) for k in OUTPUT_OPTIONS}
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
