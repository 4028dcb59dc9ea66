"""The options of remote stores (docs/storage.md): ``--endpoint-url``, ``--anon``, ``--storage-option``,
and those of robust remote I/O, ``--max-requests``, ``--retries``, ``--missing-chunk-status``
(typer aliases, for every command that opens a remote store)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

EndpointUrl = Annotated[str | None, typer.Option(
    "--endpoint-url", help="An S3-compatible server for s3:// sources (e.g. http://127.0.0.1:9000).")]
SourceEndpointUrl = Annotated[str | None, typer.Option(
    "--source-endpoint-url", help="The S3-compatible server of an s3:// SRC (overrides --endpoint-url).")]
DestEndpointUrl = Annotated[str | None, typer.Option(
    "--dest-endpoint-url", help="The S3-compatible server of an s3:// DST (overrides --endpoint-url).")]
Anon = Annotated[bool, typer.Option("--anon", help="Unsigned S3 requests (a public bucket); no credentials.")]
StorageOption = Annotated[list[str] | None, typer.Option(
    "--storage-option", metavar="KEY=VALUE",
    help="Passed to the fsspec file system of a remote source (repeatable; a JSON VALUE is parsed).")]
MaxRequests = Annotated[int | None, typer.Option(
    "--max-requests", min=1, metavar="N",
    help="Remote stores: at most N requests in flight, N objects copied at once (default 16).")]
Retries = Annotated[int | None, typer.Option(
    "--retries", min=0, metavar="N",
    help="Remote stores: retry a request that failed with a 5xx, throttling (503 SlowDown, 429), a timeout "
         "or a dropped connection up to N times, with exponential backoff and jitter (default 5).")]
MissingChunkStatus = Annotated[int | None, typer.Option(
    "--missing-chunk-status", metavar="403",
    help="Remote stores: also take this HTTP status for 'no such object' (403, for stores such as EBI's S3 "
         "that answer 403 for absent keys; 404 always is).")]


def remote_options(endpoint_url: str | None, anon: bool, storage_option: list[str] | None,
                   max_requests: int | None = None, retries: int | None = None,
                   missing_chunk_status: int | None = None) -> dict[str, Any]:
    """The API keyword arguments of the remote options (:func:`ngff_migrate.storage.location.open_location`).

    Raises
    ------
    UsageError
        For a ``--storage-option`` without ``=``, or a ``--missing-chunk-status`` other than 403 or 404.
    """
    from ..storage.location import parse_storage_options, robustness_options

    robustness_options(max_requests, retries, missing_chunk_status)  # usage errors before any work
    return {"endpoint_url": endpoint_url, "anon": anon, "storage_options": parse_storage_options(storage_option),
            "max_requests": max_requests, "retries": retries, "missing_chunk_status": missing_chunk_status}


def refuse_remote(source: Any, what: str, *, s3: bool = False) -> None:
    """Exit 2 for a remote URL given to a command that needs a local store (``what``);
    with ``s3``, only for HTTP (the command works on S3)."""
    from ..storage.location import looks_remote, protocol_of_text, remote_unsupported
    from ._common import _fail

    if looks_remote(source) and not (s3 and protocol_of_text(source) == "s3"):
        try:
            remote_unsupported(source, what)
        except Exception as exc:
            _fail(exc)
