"""``ngff-migrate rollback`` and ``finalize``: undo or accept an in-place migration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..storage.location import display, looks_remote
from ._common import _fail, app, console, err
from ._remote import (
    EndpointUrl,
    MaxRequests,
    MissingChunkStatus,
    Retries,
    StorageOption,
    refuse_remote,
)


@app.command()
def rollback(
    src: Annotated[str, typer.Argument(help="A dataset migrated with --in-place (a directory or an s3:// URL), or the ROOT of an in-place batch (a directory or an s3:// prefix).")],
    force: Annotated[bool, typer.Option("--force", help="Also restore files changed by someone else since the migration.")] = False,
    endpoint_url: EndpointUrl = None,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Undo an in-place migration: restore every original file byte-for-byte.

    When SRC holds a batch journal (SRC/.ngff-migrate-batch/), every dataset
    of that in-place batch is rolled back, then the journal is removed. An
    s3:// prefix that is no dataset: every dataset below it with an in-place
    journal (<dataset>/.ngff-migrate/) is rolled back. A
    file changed since the migration wrote it is left alone and reported
    (exit 1, journal kept) unless --force.
    """
    from ..api import rollback as do_rollback
    from ..batch.rollback import is_batch_root, rollback_batch

    refuse_remote(src, "rollback", s3=True)
    if not looks_remote(src) and is_batch_root(Path(src)):
        _batch_undo(Path(src), "rolled back", lambda: rollback_batch(Path(src), force=force),
                    "files restored or removed")
        return
    if _s3_prefix(src, endpoint_url, storage_option):
        _batch_undo(src, "rolled back", lambda: _undo_prefix(src, endpoint_url, storage_option,
                                                                 (max_requests, retries, missing_chunk_status),
                                                                 force=force),
                    "objects restored or removed")
        return
    try:
        undone = do_rollback(src, force=force, **_options(endpoint_url, storage_option, max_requests, retries,
                                                          missing_chunk_status))
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    console.print(f"[green]rolled back[/green] {display(src)}: {len(undone)} files restored or removed")


def _options(endpoint_url: str | None, storage_option: list[str] | None, *robust: int | None) -> dict:
    from ._remote import remote_options

    options = remote_options(endpoint_url, False, storage_option, *robust)
    options.pop("anon")
    return options


def _s3_prefix(src: str, endpoint_url: str | None, storage_option: list[str] | None) -> bool:
    """Whether ``src`` is an ``s3://`` prefix holding datasets rather than a dataset (its root
    document is absent; a few GETs, no listing)."""
    from ..storage.location import protocol_of_text

    if protocol_of_text(src) != "s3":
        return False
    try:
        from ..batch.remote import is_dataset, open_prefix

        return not is_dataset(open_prefix(src, "rollback", _options(endpoint_url, storage_option) | {"anon": False}))
    except Exception:  # unreadable: the single-dataset command reports it
        return False


def _undo_prefix(src: str, endpoint_url: str | None, storage_option: list[str] | None,
                 robust: tuple[int | None, int | None, int | None], **kw):
    from ..batch.remote import undo_prefix
    from ..remote_convert import refuse_missing_403

    refuse_missing_403(robust[2], "finalize" if kw.get("finalize") else "rollback")
    return undo_prefix(src, store=_options(endpoint_url, storage_option, *robust) | {"anon": False}, **kw)


def _batch_undo(root: Path | str, verb: str, run, what: str) -> None:
    try:
        result = run()
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    for _rel, problem in result.failed:
        err.print(f"[red]error:[/red] {escape(problem)}")
    console.print(f"[green]{verb}[/green] batch {escape(display(root))}: {len(result.rolled_back)} datasets, "
                  f"{result.files_restored} {what}"
                  + (f"; [red]{len(result.failed)} failed[/red] (journal kept)" if result.failed else ""))
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def finalize(
    src: Annotated[str, typer.Argument(help="A dataset migrated with --in-place (a directory or an s3:// URL), or the ROOT of an in-place batch.")],
    remove_v2_metadata: Annotated[bool, typer.Option("--remove-v2-metadata", help="Also delete the .zarray/.zattrs/.zgroup/.zmetadata files the new zarr.json documents supersede.")] = False,
    endpoint_url: EndpointUrl = None,
    storage_option: StorageOption = None,
    max_requests: MaxRequests = None,
    retries: Retries = None,
    missing_chunk_status: MissingChunkStatus = None,
) -> None:
    """Accept an in-place migration: delete its journal and backups.

    SRC may be an s3:// prefix holding datasets migrated in place (every one
    below it with a journal). After this, `ngff-migrate rollback` is no longer possible. With
    --remove-v2-metadata, legacy Zarr v2 readers can no longer read the
    tree either. Chunk files are never touched.

    Examples:

      ngff-migrate finalize image.ome.zarr

      ngff-migrate finalize /archive --remove-v2-metadata      (a whole in-place batch)
    """
    from ..api import finalize as do_finalize
    from ..batch.rollback import finalize_batch, is_batch_root

    refuse_remote(src, "finalize", s3=True)
    extra = " and the legacy .zarray/.zattrs/.zgroup files" if remove_v2_metadata else ""
    err.print(f"[yellow]finalize:[/yellow] removing the rollback journal and backups{extra} of "
              f"{escape(display(src))}; after this, rollback is no longer possible")
    if not looks_remote(src) and is_batch_root(Path(src)):
        _batch_undo(Path(src), "finalized", lambda: finalize_batch(Path(src), remove_v2_metadata=remove_v2_metadata),
                    "legacy files removed")
        return
    if _s3_prefix(src, endpoint_url, storage_option):
        _batch_undo(src, "finalized", lambda: _undo_prefix(src, endpoint_url, storage_option,
                                                           (max_requests, retries, missing_chunk_status),
                                                           finalize=True, remove_v2_metadata=remove_v2_metadata),
                    "legacy objects removed")
        return
    try:
        outcome = do_finalize(src, remove_v2_metadata=remove_v2_metadata,
                              **_options(endpoint_url, storage_option, max_requests, retries, missing_chunk_status))
    except Exception as exc:  # every failure becomes one line and an exit code
        _fail(exc)
        return
    if outcome.note:
        console.print(f"[green]finalized[/green] {display(src)}: {outcome.note}")
        return
    console.print(f"[green]finalized[/green] {display(src)}: journal and {outcome.backups_removed} backups removed"
                  + (f", {len(outcome.v2_removed)} legacy metadata files removed" if remove_v2_metadata else "")
                  + "; rollback is no longer possible")
