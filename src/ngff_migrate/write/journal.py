"""The in-place migration journal and its backups (docs/safety.md).

Layout (inside the migrated dataset, hidden from Zarr readers)::

    <root>/.ngff-migrate/journal.json     every file the run creates or replaces
    <root>/.ngff-migrate/backup/<rel>     the original bytes of replaced files

Before the first file of the tree is written, the journal is durable and
lists, per file: its root-relative path, ``created`` or ``replaced``, the
SHA-256 of the content the run is about to write (``sha256_after``) and, for
a replaced file, the SHA-256 of its original bytes (``sha256_before``, equal
to the backup's). Every write is whole-file and atomic (:mod:`.atomic`), so
after a ``kill -9`` each listed file holds either its original content or
the content the run meant to write; :func:`~.rollback.rollback_journal`
relies on exactly that.

States: ``writing`` (documents being written), ``written`` (all written and
flushed), ``done`` (verified), ``finalizing`` (``finalize`` has started: no
rollback any more). A ``.ngff-migrate`` directory without ``journal.json``
was left by a run killed before it wrote anything to the tree (or after a
rollback or finalize had already removed the journal): it holds nothing
worth keeping.

Journal format version 1 (earlier releases: ``sha256_after`` filled only at
the end) is still read.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from ..storage.sandbox import safe_relative
from .atomic import dumps_document, flush_paths, fsync_directory, write_atomic

JOURNAL_DIR = ".ngff-migrate"
JOURNAL_FILE = "journal.json"
JOURNAL_VERSION = 2
STATES = ("writing", "written", "done", "finalizing")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (symbolic links followed).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class JournalEntry:
    """One file an in-place run creates (``created``) or replaces (``replaced``).

    ``sha256_before``: the original bytes (replaced files; also the backup's);
    ``sha256_after``: the bytes the run writes (``None`` only in version-1
    journals, where any content counts as the run's).
    """

    path: str
    action: str
    sha256_before: str | None = None
    sha256_after: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as written in ``journal.json`` (unset fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Journal:
    """The journal of one in-place migration of ``root``."""

    root: Path
    entries: list[JournalEntry] = field(default_factory=list)
    state: str = "writing"
    options: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def directory(self) -> Path:
        """``<root>/.ngff-migrate``: the journal and its backups."""
        return self.root / JOURNAL_DIR

    @property
    def file(self) -> Path:
        """The journal document itself."""
        return self.directory / JOURNAL_FILE

    def backup_path(self, rel: str) -> Path:
        """Where the original bytes of the root-relative file ``rel`` are kept."""
        return self.directory / "backup" / rel

    def save(self) -> None:
        """Write the journal atomically and durably (file and directory flushed).

        Raises
        ------
        OSError
            If it cannot be written.
        """
        write_atomic(self.file, self.to_bytes())

    def to_bytes(self) -> bytes:
        """The journal document (``journal.json``)."""
        from ..storage.location import display

        return dumps_document({
            "journal_version": JOURNAL_VERSION,
            "tool": "ngff-migrate",
            "root": display(self.root),
            "state": self.state,
            "started": self.started,
            "options": self.options,
            "entries": [e.to_json() for e in self.entries],
        })

    @classmethod
    def load(cls, root: Path) -> Journal:
        """Read and check the journal of ``root``.

        Every entry path must be a relative path that resolves inside
        ``root`` (symbolic links followed) and outside ``.ngff-migrate``; the
        ``root`` recorded in the file is ignored (the dataset may have moved).

        Raises
        ------
        MigrateError
            If there is no journal, or it is unreadable or malformed; the
            message names the journal file and the entry.
        OutsideRootError
            If an entry's path leaves the dataset.
        """
        from ..zarr.node import read_json

        file = root / JOURNAL_DIR / JOURNAL_FILE
        if not file.is_file():
            raise MigrateError(root, f"no in-place migration journal ({JOURNAL_DIR}/{JOURNAL_FILE}) to roll back")
        return cls.parse(root, file, read_json(file))

    @classmethod
    def parse(cls, root: Path, file: Path, raw: dict[str, Any]) -> Journal:
        """The journal of ``root`` from its JSON ``raw`` read from ``file`` (checked as :meth:`load` says)."""
        version = raw.get("journal_version")
        if version not in (1, JOURNAL_VERSION) or not isinstance(raw.get("entries"), list):
            raise MigrateError(file, f"not an ngff-migrate in-place journal (journal_version {version!r})")
        state = raw.get("state")
        if version == 1 and state == "planned":
            state = "writing"
        if state not in STATES:
            raise MigrateError(file, f"unknown journal state {state!r}")
        options = raw.get("options")
        journal = cls(root=root, state=state, options=options if isinstance(options, dict) else {},
                      started=raw.get("started") if isinstance(raw.get("started"), (int, float)) else 0.0)
        for i, item in enumerate(raw["entries"]):
            journal.entries.append(_entry(root, file, i, item, version))
        return journal

    def prepare(self, pending: list[tuple[str, bytes]]) -> None:
        """Back up every file of ``pending`` that exists, record all of them,
        and make the journal durable (state ``writing``).

        ``pending`` holds ``(root-relative path, bytes to write)``. Called
        before any file of the tree is written.

        Raises
        ------
        MigrateError
            If a target exists but is not a regular file (a directory, a
            symbolic link: an in-place run never replaces a link).
        OSError
            If a backup or the journal cannot be written.
        """
        self.directory.mkdir()
        fsync_directory(self.root)
        for rel, data in pending:
            target = self.root / rel
            try:
                kind = os.lstat(target).st_mode  # one call: absent, a link, or what it is
            except FileNotFoundError:
                kind = None
            if kind is not None and stat.S_ISLNK(kind):
                raise MigrateError(target, "is a symbolic link; an in-place migration never replaces a link "
                                           "(migrate a copy instead: `ngff-migrate convert SRC DST`)")
            if kind is not None and not stat.S_ISREG(kind):
                raise MigrateError(target, "exists but is not a regular file; cannot write the new document")
            after = sha256_bytes(data)
            if kind is not None:
                backup = self.backup_path(rel)
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, backup)
                self.entries.append(JournalEntry(rel, "replaced", sha256_before=sha256_file(backup),
                                                 sha256_after=after))
            else:
                self.entries.append(JournalEntry(rel, "created", sha256_after=after))
        self.state = "writing"
        self.save()
        # the backups and the journal, before the first document is written: every file, and every
        # directory whose entries changed (the root's new .ngff-migrate, the backup tree)
        backups = [self.backup_path(e.path) for e in self.entries if e.action == "replaced"]
        directories = {self.root, self.directory}
        for backup in backups:
            directories.update(p for p in backup.parents if p != self.directory and self.directory in p.parents)
        flush_paths([*backups, self.file, *sorted(directories)], tree=self.root)


def _entry(root: Path, file: Path, i: int, item: Any, version: int) -> JournalEntry:
    where = f"entries[{i}]"
    if not isinstance(item, dict):
        raise MigrateError(file, f"{where} is not an object")
    rel = item.get("path")
    safe_relative(root, rel, file=file, what=f"{where}.path")
    parts = str(rel).split("/")
    if parts[0] == JOURNAL_DIR:
        raise MigrateError(file, f"{where}.path {rel!r} points into the journal directory; refused")
    if not parts[-1].endswith(".json") or "." in parts:
        raise MigrateError(file, f"{where}.path {rel!r} is not a JSON metadata document (an in-place "
                                 "migration writes nothing else); refused")
    action = item.get("action")
    if action not in ("created", "replaced"):
        raise MigrateError(file, f"{where}.action {action!r} is neither 'created' nor 'replaced'")
    shas = {}
    for key in ("sha256_before", "sha256_after"):
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or not _HEX64.fullmatch(value)):
            raise MigrateError(file, f"{where}.{key} is not a SHA-256 hex digest")
        shas[key] = value
    if action == "replaced" and shas["sha256_before"] is None:
        raise MigrateError(file, f"{where}: a replaced file without 'sha256_before'")
    if version >= 2 and shas["sha256_after"] is None:
        raise MigrateError(file, f"{where}: no 'sha256_after'")
    return JournalEntry(rel, action, **shas)


def remove_journal(journal_dir: Path) -> None:
    """Remove a journal directory: ``journal.json`` first (made durable), then
    the backups, so that a kill part-way leaves either the whole journal or a
    directory without one (which holds nothing worth keeping).

    Raises
    ------
    MigrateError
        If ``journal_dir`` is a symbolic link.
    OSError
        If it cannot be removed.
    """
    if journal_dir.is_symlink():
        raise MigrateError(journal_dir, "is a symbolic link, not a journal directory; refused")
    try:
        os.unlink(journal_dir / JOURNAL_FILE)
        fsync_directory(journal_dir)
    except FileNotFoundError:
        pass
    shutil.rmtree(journal_dir)
