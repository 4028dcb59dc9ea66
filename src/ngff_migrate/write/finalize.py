"""Accept an in-place migration for good: drop its journal and backups (docs/safety.md).

After :func:`finalize_dataset` the migration can no longer be rolled back.
With ``remove_v2_metadata`` it also removes the legacy Zarr v2 metadata that
the written ``zarr.json`` documents superseded: ``.zarray``, ``.zattrs``,
``.zgroup`` and a consolidated ``.zmetadata`` in every directory where the
migration wrote a ``zarr.json``. Chunk files and every other file stay.

Crash safety: the journal first moves to state ``finalizing`` (durable), so
that a rollback is refused from then on and a rerun of ``finalize``
continues where a killed one stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MigrateError
from .atomic import flush_tree
from .journal import JOURNAL_DIR, JOURNAL_FILE, Journal, remove_journal
from .rollback import clear_leftover

#: The Zarr v2 metadata files a ``zarr.json`` supersedes.
V2_METADATA = (".zarray", ".zattrs", ".zgroup", ".zmetadata")


@dataclass
class FinalizeOutcome:
    """What :func:`finalize_dataset` removed (root-relative paths)."""

    backups_removed: int = 0
    v2_removed: list[str] = field(default_factory=list)
    note: str | None = None


def finalize_dataset(root: Path, *, remove_v2_metadata: bool = False) -> FinalizeOutcome:
    """Finalize the in-place migration of ``root`` (the caller holds its lock).

    Raises
    ------
    MigrateError
        If ``root`` holds no finished in-place migration (no journal, or a
        run that did not finish: re-run it or roll it back first), or the
        journal is malformed.
    OSError
        If a file cannot be removed (run ``finalize`` again).
    """
    note = clear_leftover(root)
    if note is not None:
        return FinalizeOutcome(note=note)
    if not (root / JOURNAL_DIR / JOURNAL_FILE).is_file():
        raise MigrateError(root, "no in-place migration journal to finalize (nothing was migrated in place "
                                 "here, or it was already finalized or rolled back)")
    journal = Journal.load(root)
    if journal.state not in ("done", "finalizing"):
        raise MigrateError(journal.file, f"the in-place migration did not finish (state {journal.state!r}); "
                                         "run the same `convert --in-place` again, or roll it back")
    out = FinalizeOutcome(backups_removed=sum(1 for e in journal.entries if e.action == "replaced"))
    if journal.state != "finalizing":
        journal.state = "finalizing"
        journal.save()
    if remove_v2_metadata:
        directories = sorted({(root / e.path).parent for e in journal.entries if e.path.endswith("zarr.json")})
        for directory in directories:
            for name in V2_METADATA:
                legacy = directory / name
                if legacy.is_file() and not legacy.is_symlink():
                    legacy.unlink()
                    out.v2_removed.append(legacy.relative_to(root).as_posix())
        flush_tree(root)
    remove_journal(journal.directory)
    return out
