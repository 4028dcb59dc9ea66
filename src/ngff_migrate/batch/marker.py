"""Completion markers: the last thing written for a dataset, and the proof it is done.

A marker ``<state>/.ngff-migrate-batch/done/<rel>.json`` is written
atomically after the dataset's migration (and verification) succeeded. It
records the input fingerprint, the fingerprint of the result (in place:
the root documents after the migration) and the options hash. A dataset is
*done* only while its marker matches what is on disk now, so a dataset that
was changed, rolled back on its own, or whose copy was deleted is redone.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..write.atomic import dumps_document, write_atomic
from .state import StateDir


def write_marker(state: StateDir, rel: str, record: dict[str, Any]) -> None:
    """Write the completion marker of ``rel`` (atomically, creating directories).

    Raises
    ------
    OSError
        If the state directory is not writable or the disk is full.
    """
    path = state.marker(rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dumps_document({"path": rel, "finished": time.time(), **record}))


def read_marker(state: StateDir, rel: str) -> dict[str, Any] | None:
    """The marker of ``rel``, or ``None`` if missing or unreadable. Raises nothing."""
    try:
        value = json.loads(state.marker(rel).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def marker_matches(marker: dict[str, Any] | None, *, current_fingerprint: str, options_hash: str,
                   in_place: bool, output: Path | None) -> bool:
    """Whether ``marker`` proves the dataset done for these options and this input.

    In place, the dataset's current fingerprint must equal the marker's
    ``output_fingerprint``; in copy mode, the source's fingerprint must equal
    the marker's ``fingerprint`` and ``output`` must still hold a
    ``zarr.json``.
    """
    if not marker or marker.get("options_hash") != options_hash:
        return False
    if in_place:
        return marker.get("output_fingerprint") == current_fingerprint
    return (marker.get("fingerprint") == current_fingerprint and output is not None
            and (output / "zarr.json").is_file())


def remove_marker(state: StateDir, rel: str) -> None:
    """Delete the marker of ``rel`` if there is one."""
    state.marker(rel).unlink(missing_ok=True)
