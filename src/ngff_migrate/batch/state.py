"""Where a batch keeps its state (documented in ``docs/batch.md``).

The state directory is ``ROOT`` for an in-place batch and ``DEST`` for a
copy batch; everything the batch records lives below it in one hidden
directory, which the dataset walk never enters::

    <state dir>/.ngff-migrate-batch/
        journal.json         snapshot: one record per dataset (written when a run ends)
        journal.log          JSON lines appended since the snapshot (one per record change)
        journal.lock         flock()ed while the log is appended to or compacted
        journal.reserve      disk room for the final compaction (while a run is on)
        done/<rel>.json      completion marker of dataset <rel>, written last
        locks/<rel>.lock     flock()ed while dataset <rel> is copied (copy batches;
                             an in-place batch locks the dataset directory itself)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".ngff-migrate-batch"
JOURNAL_FILE = "journal.json"
LOG_FILE = "journal.log"


@dataclass(frozen=True)
class StateDir:
    """The paths of one batch state directory (``base`` is ROOT or DEST)."""

    base: Path

    @property
    def directory(self) -> Path:
        """``<base>/.ngff-migrate-batch``."""
        return self.base / STATE_DIR

    @property
    def journal_file(self) -> Path:
        return self.directory / JOURNAL_FILE

    @property
    def log_file(self) -> Path:
        """The append-only record log (``journal.log``, see :mod:`.journal`)."""
        return self.directory / LOG_FILE

    @property
    def journal_lock(self) -> Path:
        return self.directory / "journal.lock"

    def marker(self, rel: str) -> Path:
        """The completion marker of dataset ``rel``."""
        return self.directory / "done" / f"{rel}.json"

    def lock_file(self, rel: str) -> Path:
        """The lock file of dataset ``rel`` (copy batches)."""
        return self.directory / "locks" / f"{rel}.lock"

    def exists(self) -> bool:
        """Whether a batch journal (snapshot or log) is here."""
        return self.journal_file.is_file() or self.log_file.is_file()
