"""The in-place migration journal, backups and rollback.

Layout (inside the migrated dataset, hidden from Zarr readers)::

    <root>/.ngff-migrate/journal.json     what the run created or replaced
    <root>/.ngff-migrate/backup/<rel>     the original bytes of replaced files

The journal lists every file *before* it is written, so a run interrupted at
any point can be rolled back; ``rollback`` restores the exact original bytes,
deletes created files and finally removes ``.ngff-migrate/`` itself, so the
tree holds exactly the original files again.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from .atomic import dumps_document, write_atomic

JOURNAL_DIR = ".ngff-migrate"
JOURNAL_FILE = "journal.json"
JOURNAL_VERSION = 1


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class JournalEntry:
    """One file an in-place run creates (``created``) or replaces (``replaced``)."""

    path: str
    action: str
    sha256_before: str | None = None
    sha256_after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Journal:
    """The journal of one in-place migration of ``root``."""

    root: Path
    entries: list[JournalEntry] = field(default_factory=list)
    state: str = "planned"
    options: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def directory(self) -> Path:
        return self.root / JOURNAL_DIR

    @property
    def file(self) -> Path:
        return self.directory / JOURNAL_FILE

    def backup_path(self, rel: str) -> Path:
        return self.directory / "backup" / rel

    def save(self) -> None:
        """Write the journal atomically."""
        self.directory.mkdir(exist_ok=True)
        write_atomic(self.file, dumps_document({
            "journal_version": JOURNAL_VERSION,
            "tool": "ngff-migrate",
            "root": str(self.root),
            "state": self.state,
            "started": self.started,
            "options": self.options,
            "entries": [e.to_json() for e in self.entries],
        }))

    @classmethod
    def load(cls, root: Path) -> Journal:
        """Read the journal of ``root``.

        Raises
        ------
        MigrateError
            If there is no journal or it is unreadable.
        """
        from ..readers.zarr_node import read_json

        file = root / JOURNAL_DIR / JOURNAL_FILE
        if not file.is_file():
            raise MigrateError(root, f"no in-place migration journal ({JOURNAL_DIR}/{JOURNAL_FILE}) to roll back")
        raw = read_json(file)
        return cls(root=root, state=raw.get("state", "unknown"), options=raw.get("options", {}),
                   started=raw.get("started", 0.0),
                   entries=[JournalEntry(**e) for e in raw.get("entries", [])])

    def prepare(self, files: list[str]) -> None:
        """Back up every existing file in ``files`` and record all of them.

        Called before any file is written: afterwards the journal on disk
        lists every file the run may touch.
        """
        for rel in files:
            target = self.root / rel
            if target.exists() and not target.is_file():
                raise MigrateError(target, "exists but is not a regular file; cannot write the new document")
            if target.exists():
                backup = self.backup_path(rel)
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, backup)
                self.entries.append(JournalEntry(rel, "replaced", sha256_before=sha256_file(backup)))
            else:
                self.entries.append(JournalEntry(rel, "created"))
        self.state = "writing"
        self.save()


def rollback_journal(root: Path) -> list[JournalEntry]:
    """Undo the in-place migration recorded in ``root``'s journal.

    Restores each replaced file from its backup (verifying its SHA-256),
    deletes each created file, then removes the journal directory.

    Returns
    -------
    list[JournalEntry]
        The entries undone.

    Raises
    ------
    MigrateError
        If there is no journal, or a backup is missing or corrupt (nothing
        is deleted in that case: the journal and backups stay for inspection).
    """
    journal = Journal.load(root)
    for entry in journal.entries:
        if entry.action == "replaced":
            backup = journal.backup_path(entry.path)
            if not backup.is_file() or sha256_file(backup) != entry.sha256_before:
                raise MigrateError(backup, "backup missing or corrupt; rollback stopped, nothing changed")
    for entry in reversed(journal.entries):
        target = root / entry.path
        if entry.action == "created":
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, journal.backup_path(entry.path).read_bytes())
            shutil.copystat(journal.backup_path(entry.path), target)
    shutil.rmtree(journal.directory)
    return journal.entries
