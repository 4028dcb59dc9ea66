"""Re-encode from and to remote stores (issue #11 item 3; docs/storage.md, "Re-encoding to or from S3").

The engine (:mod:`.run`) reads and writes Zarr arrays by location. A local
array is its path (zarr-python's LocalStore, as before); a remote one (an
``s3://`` or ``http(s)://`` source, an ``s3://`` destination) is a
:class:`StoreArray`: its URL and fsspec store options, picklable, opened
through zarr-python's ``FsspecStore`` (read-only for sources, writable for
the destination). A task writes a whole shard (or a block of whole chunks)
with one ``PUT`` per object, so no two tasks write the same object, and
nothing is downloaded first: a unit reads only the source chunks it overlaps.

An S3 destination keeps the unit journal under the unfinished output's state
prefix (``.<name>.ngff-migrate-partial/.ngff-migrate-reencode/``, next to
``run.json`` and the lock of :mod:`ngff_migrate.write.copy_s3`):

``state.json``
    as locally (:func:`.journal.run_state`);
``units/NNNNNN.json``
    a JSON list of ``[array path, unit index]`` per batch of finished units,
    written at most once per :data:`~.run.FLUSH_EVERY` second (S3 objects
    cannot be appended to). A unit is listed only after the ``PUT`` of its
    objects returned (S3 publishes an object whole, so a listed unit is
    complete); a kill loses at most the last batch, whose units are
    rewritten by the rerun.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import MigrateError
from ..storage.location import display, is_remote
from .journal import JOURNAL_DIR, compare_state

#: bytes stored per (array URL, key) by the writable stores of this process, read once by the task
_SIZES: dict[tuple[str, str], int] = {}
_SIZES_LOCK = threading.Lock()
_STORE_CLASS: list[Any] = []


def _sized_store_class() -> Any:
    """``FsspecStore`` that notes the size of every object it writes (``bytes_stored`` without a ``HEAD``)."""
    if _STORE_CLASS:
        return _STORE_CLASS[0]
    from zarr.storage import FsspecStore

    class SizedFsspecStore(FsspecStore):
        """zarr-python's ``FsspecStore``; each ``set`` records the bytes it wrote."""

        async def set(self, key, value, byte_range=None) -> None:
            await super().set(key, value, byte_range)
            with _SIZES_LOCK:
                _SIZES[(self.path, key)] = len(value)

    _STORE_CLASS.append(SizedFsspecStore)
    return SizedFsspecStore


@dataclass(frozen=True)
class StoreArray:
    """A Zarr array in a remote store, as the engine opens it.

    ``url`` is the array's URL (no credentials: those are store options),
    ``options`` the fsspec store options as JSON (hashable and picklable,
    for the engine's per-run cache and distributed workers), ``zarr_format``
    2 or 3, ``writable`` whether the engine writes it (the destination).
    """

    url: str
    options: str = field(repr=False)  # may hold credentials: never shown
    zarr_format: int = 3
    writable: bool = False

    def __str__(self) -> str:
        return display(self.url)

    def open(self) -> Any:
        """The zarr-python array (``mode="r"``, or ``"r+"`` when writable).

        Raises
        ------
        MigrateError
            Naming the array's metadata object when zarr-python cannot open
            it (absent, unreadable, or a codec zarr-python lacks).
        """
        import zarr
        from zarr.storage import FsspecStore

        from ..errors import exception_line

        cls = _sized_store_class() if self.writable else FsspecStore
        try:
            store = cls.from_url(self.url, storage_options=json.loads(self.options), read_only=not self.writable)
            return zarr.open_array(store, mode="r+" if self.writable else "r", zarr_format=self.zarr_format)
        except Exception as exc:
            meta = ".zarray" if self.zarr_format == 2 else "zarr.json"
            raise MigrateError(display(f"{self.url}/{meta}"), f"zarr-python cannot open this array to re-encode "
                                                             f"it: {exception_line(exc, 200)}") from None


def array_location(root: Any, rel: str, zarr_format: int = 3, *, writable: bool = False) -> Any:
    """Where the engine opens the array ``rel`` below ``root``: its path as a
    string for a local root, a :class:`StoreArray` for a remote one."""
    if not is_remote(root):
        return str(root / rel) if rel else str(root)
    from ..storage.location import protocol

    url = str(root / rel) if rel else str(root)
    options = dict(root.storage_options)
    if protocol(root) == "s3":
        # one GET per object read: s3fs otherwise sends a HEAD before every whole-object read (to decide
        # on a concurrent ranged download), and a HEAD and a LIST for the absent shard that zarr-python's
        # sharding codec tries to read before writing it
        options.setdefault("max_concurrency", 1)
    return StoreArray(url, json.dumps(options, sort_keys=True, default=str), zarr_format, writable)


def join(location: Any, key: str) -> Any:
    """``location`` (a path string or :class:`StoreArray`) and a key below it, for messages."""
    from pathlib import Path

    return Path(location) / key if isinstance(location, str) else display(f"{location.url}/{key}")


def stored_bytes(target: Any, keys: tuple[str, ...]) -> int:
    """The bytes the writable :class:`StoreArray` store of ``target`` (an open
    zarr-python array) wrote for ``keys`` (absent: a chunk equal to the fill value)."""
    path = target.store.path
    with _SIZES_LOCK:
        return sum(_SIZES.pop((path, key), 0) for key in keys)


def put_document(target_root: Any, rel: str, data: bytes) -> None:
    """Write the document ``rel`` below the S3 location ``target_root`` (one ``PUT``)."""
    from ..storage.s3 import put_bytes

    put_bytes(target_root / rel, data)


def stored_sizes(root: Any, rels: list[str]) -> dict[str, int] | None:
    """The stored bytes of the objects below ``root / rel`` for each of ``rels``
    (one listing of ``root``, S3), ``None`` where the store cannot list (HTTP)."""
    from ..storage.location import can_list
    from ..storage.remote import list_files

    if not can_list(root):
        return None
    out = dict.fromkeys(rels, 0)
    for key, size in list_files(root):
        for rel in rels:
            if not rel or key.startswith(rel + "/"):
                out[rel] += size
    return out


class RemoteUnitJournal:
    """The unit journal of a re-encode to S3 (module docstring): the same
    interface as :class:`.journal.UnitJournal` (``done``, ``record``,
    ``flush``, ``close``)."""

    def __init__(self, directory: Any, done: set[tuple[str, tuple[int, ...]]], batch: int) -> None:
        self.directory = directory
        self.done = done
        self._batch = batch
        self._pending: list[list[Any]] = []

    @classmethod
    def open(cls, state_prefix: Any, state: dict[str, Any], *, resume: bool) -> RemoteUnitJournal:
        """Start the journal under ``state_prefix`` (removing a stale one), or reopen it to resume.

        Raises
        ------
        MigrateError
            If the journal cannot be read or written (naming the object).
        """
        from ..storage.s3 import delete_below, list_below, put_bytes

        directory = state_prefix / JOURNAL_DIR
        found = [rel for rel, _ in list_below(directory)]
        done: set[tuple[str, tuple[int, ...]]] = set()
        batches = [rel for rel in found if rel.startswith("units/") and rel.endswith(".json")]
        if resume:
            for rel in batches:
                done.update(_read_batch(directory / rel))
        else:
            delete_below(directory, found)
            put_bytes(directory / "state.json", (json.dumps(state, indent=1) + "\n").encode())
            batches = []
        last = max((_number(rel) for rel in batches), default=0)
        return cls(directory, done, last + 1)

    def record(self, array: str, index: tuple[int, ...]) -> None:
        """Note a finished unit (its objects already written); it is journaled at the next :meth:`flush`."""
        self._pending.append([array, list(index)])
        self.done.add((array, tuple(index)))

    def flush(self) -> None:
        """Write the units noted since the last flush as one batch object."""
        if not self._pending:
            return
        from ..storage.s3 import put_bytes

        put_bytes(self.directory / f"units/{self._batch:06d}.json", json.dumps(self._pending).encode())
        self._batch += 1
        self._pending = []

    def close(self) -> None:
        """Flush what is pending."""
        self.flush()


def _number(rel: str) -> int:
    try:
        return int(rel.rsplit("/", 1)[-1].removesuffix(".json"))
    except ValueError:
        return 0


def _read_batch(obj: Any) -> set[tuple[str, tuple[int, ...]]]:
    from ..storage.remote import read_bytes

    data = read_bytes(obj, 64 * 2**20)
    out: set[tuple[str, tuple[int, ...]]] = set()
    try:
        for array, index in json.loads(data or b"[]"):
            out.add((str(array), tuple(int(i) for i in index)))
    except (ValueError, TypeError):
        pass  # not one of ours: its units are rewritten
    return out


def remote_resumable(state_prefix: Any, state: dict[str, Any], *, overwrite: bool) -> bool:
    """Whether the unfinished S3 output whose state prefix is ``state_prefix``
    can be resumed with ``state`` (its ``state.json`` matches); ``False``
    when there is nothing to resume (no journal, or ``overwrite``).

    Raises
    ------
    UsageError
        When the interrupted run was started differently (:func:`.journal.compare_state`).
    """
    from ..storage.remote import read_bytes

    if overwrite:
        return False
    data = read_bytes(state_prefix / JOURNAL_DIR / "state.json", 2**20)
    if data is None:
        return False
    try:
        old = json.loads(data)
    except ValueError:
        return False
    compare_state(display(state_prefix), old if isinstance(old, dict) else {}, state)
    return True


def clear_journal(state_prefix: Any) -> None:
    """Remove the unit journal below ``state_prefix`` (the output is about to be published)."""
    from ..storage.s3 import delete_below, list_below

    directory = state_prefix / JOURNAL_DIR
    delete_below(directory, [rel for rel, _ in list_below(directory)])


__all__ = ["RemoteUnitJournal", "StoreArray", "array_location", "clear_journal", "join",
           "put_document", "remote_resumable", "stored_bytes", "stored_sizes"]
