"""The shard journal of an unfinished re-encode (issue #9, "Resumable at shard
granularity"; docs/reencode.md, "Resume").

The unfinished output (``.<DST name>.ngff-migrate-partial``, a name derived
from the destination alone) holds ``.ngff-migrate-reencode/``:

``state.json``
    What the run was started with: the source root, the destination, the
    re-encode options, a digest of the source's metadata documents and one
    of the re-encode plan (:func:`~.job.plan_digest`). A
    rerun with anything different refuses and names the difference
    (``--overwrite`` starts over).
``units.log``
    One JSON line per write unit (a shard, or a block of chunks) *after* its
    files were written whole and flushed (``fsync``): ``{"a": array path,
    "u": unit index}``. A rerun skips the units listed and rewrites every
    other one; nothing is decoded to find out. A torn last line (a kill
    mid-append) is ignored, so that unit is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..errors import MigrateError, UsageError
from ..write.atomic import fsync_path

JOURNAL_DIR = ".ngff-migrate-reencode"
STATE_FORMAT = 1


def inputs_digest(inputs: dict[str, bytes]) -> str:
    """A digest of the source metadata documents (path and exact bytes)."""
    h = hashlib.sha256()
    for rel in sorted(inputs):
        h.update(rel.encode() + b"\0" + hashlib.sha256(inputs[rel]).digest())
    return h.hexdigest()


def run_state(source: Path, destination: Path, options: dict[str, Any], digest: str) -> dict[str, Any]:
    """The ``state.json`` content of a run."""
    return {"format": STATE_FORMAT, "source": _where(source), "destination": _where(destination),
            "options": options, "source_metadata": digest}


def _where(location: Any) -> str:
    """A local path resolved, a remote location as its URL (credentials removed)."""
    from ..storage.location import display, is_remote

    return display(location) if is_remote(location) else str(Path(location).resolve())


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between the state of an interrupted run and this one, in words."""
    out = []
    if old.get("source") != new["source"]:
        out.append(f"the source was {old.get('source')}, now {new['source']}")
    if old.get("destination") != new["destination"]:
        out.append(f"the destination was {old.get('destination')}, now {new['destination']}")
    before, now = old.get("options") or {}, new["options"]
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key):
            out.append(f"{key} was {before.get(key)!r}, now {now.get(key)!r}")
    if old.get("source_metadata") != new["source_metadata"] and not out:
        out.append("the source's metadata changed since")
    if old.get("plan") != new.get("plan") and not out:
        out.append("the re-encode plan of the arrays differs (their chunks, shards or codecs; "
                   "another version of ngff-migrate?)")
    if old.get("format") != STATE_FORMAT:
        out.append(f"it was written by another version of ngff-migrate (state format {old.get('format')!r})")
    return out


class UnitJournal:
    """The append-only journal of finished write units in ``<partial>/.ngff-migrate-reencode``.

    Use :meth:`open` to start or resume; :attr:`done` is the set of
    ``(array path, unit index)`` already written whole.
    """

    def __init__(self, directory: Path, done: set[tuple[str, tuple[int, ...]]], fd: int) -> None:
        self.directory = directory
        self.done = done
        self._fd = fd

    @classmethod
    def open(cls, partial: Path, state: dict[str, Any], *, resume: bool) -> UnitJournal:
        """Create the journal in ``partial`` (``resume=False``), or reopen the
        one :func:`resumable` accepted.

        Raises
        ------
        OSError
            If the journal cannot be written (``filename`` names it).
        """
        directory = partial / JOURNAL_DIR
        done: set[tuple[str, tuple[int, ...]]] = set()
        if resume:
            done = _read_units(directory / "units.log")
        else:
            directory.mkdir(exist_ok=True)
            tmp = directory / "state.json.tmp"
            tmp.write_text(json.dumps(state, indent=1) + "\n")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, directory / "state.json")
        # a fresh run truncates: a units.log already there is not this run's (one copied from a
        # source that is itself an interrupted re-encode's output lists units never written here)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | (0 if resume else os.O_TRUNC)
        fd = os.open(directory / "units.log", flags, 0o644)
        fsync_path(directory)
        fsync_path(partial)
        return cls(directory, done, fd)

    def record(self, array: str, index: tuple[int, ...]) -> None:
        """Append a finished unit (its files already flushed by the task)."""
        os.write(self._fd, (json.dumps({"a": array, "u": list(index)}) + "\n").encode())
        self.done.add((array, tuple(index)))

    def flush(self) -> None:
        """Make the recorded lines durable."""
        os.fsync(self._fd)

    def close(self) -> None:
        """Flush and close the journal file."""
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1


def resumable(partial: Path, state: dict[str, Any], *, overwrite: bool) -> bool:
    """Whether the unfinished output ``partial`` left by a killed run can be
    resumed with ``state``: ``True`` when its ``state.json`` matches,
    ``False`` when there is nothing to resume (no journal, or ``overwrite``).

    Raises
    ------
    UsageError
        When the interrupted run was started with a different source,
        destination, options or source metadata (the message lists them).
    """
    file = partial / JOURNAL_DIR / "state.json"
    if overwrite or not file.is_file():
        return False
    try:
        old = json.loads(file.read_text())
    except (OSError, ValueError):
        return False  # torn before the rename could not happen; an unreadable state resumes nothing
    compare_state(partial, old if isinstance(old, dict) else {}, state)
    return True


def compare_state(partial: Any, old: dict[str, Any], state: dict[str, Any]) -> None:
    """Refuse to resume the unfinished output ``partial`` whose recorded state
    ``old`` differs from this run's ``state``.

    Raises
    ------
    UsageError
        Listing the differences (:func:`differences`).
    """
    diff = differences(old, state)
    if diff:
        raise UsageError(partial, "an interrupted re-encode of this destination was started differently: "
                                  + "; ".join(diff) + ". Rerun it exactly as before to resume, or add "
                                  "--overwrite to start over")


def _read_units(file: Path) -> set[tuple[str, tuple[int, ...]]]:
    done: set[tuple[str, tuple[int, ...]]] = set()
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return done
    except OSError as exc:
        raise MigrateError(file, f"cannot read the re-encode journal: {exc.strerror or exc}") from None
    for line in data.split(b"\n"):
        try:
            entry = json.loads(line)
            done.add((str(entry["a"]), tuple(int(i) for i in entry["u"])))
        except (ValueError, KeyError, TypeError):
            continue  # the torn last line of a killed append: that unit is rewritten
    return done


__all__ = ["JOURNAL_DIR", "UnitJournal", "compare_state", "differences", "inputs_digest", "resumable", "run_state"]
