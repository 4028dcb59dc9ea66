"""Reads from remote roots (S3, HTTP) through their fsspec file system (docs/storage.md).

Imported only when a remote location is read. Every function takes a
folded remote location (:func:`.location.open_location`, :func:`.location.resolve_member`)
and does one thing with as few requests as the store allows:

* :func:`read_bytes` - one GET (ranged: at most ``limit + 1`` bytes where the
  server honours ``Range``), ``None`` for an absent object (S3 ``NoSuchKey``,
  HTTP 404). Never a listing or a ``HEAD`` first.
* :func:`exists` - one ``HEAD`` (HTTP, S3); :func:`exists_all` for many at once.
* :func:`list_files` - every object below a prefix with its size, one LIST per
  1,000 keys (S3 only; HTTP cannot list).
* :func:`get_file` - an object streamed into a local file (bounded memory:
  s3fs and fsspec's HTTP file system write it in blocks), ``None`` when absent.

Errors name the object (redacted) and are :class:`~ngff_migrate.errors.MigrateError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import MigrateError
from ..errors import exception_line as _one_line
from .location import display, protocol, redact

#: objects read from another key while a copy to S3 is verified (``str(location)`` -> location):
#: the entry document, written under the partial prefix until the output passed (write/copy_s3.py)
_REDIRECTS: dict[str, Any] = {}


@contextmanager
def redirected(mapping: dict[Any, Any]) -> Iterator[None]:
    """Within the block, reads of the objects ``mapping`` names go to the objects it maps them to."""
    _REDIRECTS.update({str(k): v for k, v in mapping.items()})
    try:
        yield
    finally:
        for k in mapping:
            _REDIRECTS.pop(str(k), None)


def _redirect(path: Any) -> Any:
    return _REDIRECTS.get(str(path), path) if _REDIRECTS else path


def _key(path: Any) -> str:
    """The fsspec path of a remote location (``bucket/key`` for S3, the URL for HTTP)."""
    return path.path


def _absent(exc: BaseException) -> bool:
    return isinstance(exc, FileNotFoundError)


def read_error(path: Any, exc: BaseException) -> MigrateError:
    """A read failure of the object at ``path`` as a project error (credentials redacted); after
    retries it says how many attempts failed (``gave up after N attempts``)."""
    text = redact(_one_line(exc))
    if protocol(path) == "s3":
        from .s3 import attempts_note

        text += attempts_note(path)
    if isinstance(exc, PermissionError) or "403" in text or "AccessDenied" in text or "Forbidden" in text:
        text = (f"access denied ({text}); check the credentials, or --anon for a public bucket, or "
                "--missing-chunk-status 403 for a store that answers 403 for absent keys")
    return MigrateError(display(path), f"cannot read: {text}")


def read_bytes(path: Any, limit: int) -> bytes | None:
    """At most ``limit + 1`` bytes of the object at ``path``; ``None`` if it does not exist.

    Raises
    ------
    MigrateError
        For any other failure (access denied, a connection error), naming the object.
    """
    path = _redirect(path)
    fs = path.fs
    try:
        if protocol(path) == "s3":
            return fs.cat_file(_key(path), start=0, end=limit + 1)
        # HTTP: one GET; a server that ignores Range sends the whole body (the caller checks the size)
        return fs.cat_file(_key(path))
    except Exception as exc:
        if _absent(exc):
            return None
        if isinstance(exc, IsADirectoryError):
            return None
        raise read_error(path, exc) from None


def exists(path: Any) -> bool:
    """Whether an object exists at ``path`` (one ``HEAD``; a "directory" prefix is not an object).

    Raises
    ------
    MigrateError
        For a failure other than "not found".
    """
    path = _redirect(path)
    fs = path.fs
    try:
        if protocol(path) == "s3":
            bucket, _, key = _key(path).partition("/")
            fs.call_s3("head_object", Bucket=bucket, Key=key)
            return True
        fs.info(_key(path))
        return True
    except Exception as exc:
        if _absent(exc):
            return False
        raise read_error(path, exc) from None


def exists_all(root: Any, keys: list[str]) -> list[bool]:
    """Whether each object ``root / key`` exists (one ``HEAD`` each), asked together through the
    connections zarr-python reads ``root``'s store with (:func:`.location.zarr_fs`), so that
    ``--max-requests`` bounds a verification's reads and checks together.

    Raises
    ------
    MigrateError
        For a failure other than "not found", naming the object.
    """
    import asyncio

    from zarr.core.sync import sync

    from .location import zarr_fs

    fs = zarr_fs(root)

    async def one(key: str) -> bool:
        path = root / key
        try:
            if protocol(path) == "s3":
                bucket, _, name = _key(path).partition("/")
                await fs._call_s3("head_object", Bucket=bucket, Key=name)
            else:
                await fs._info(_key(path))
            return True
        except Exception as exc:
            if _absent(exc):
                return False
            raise read_error(path, exc) from None

    async def every() -> list[bool]:
        return list(await asyncio.gather(*(one(k) for k in keys)))

    return sync(every())


def list_files(root: Any) -> list[tuple[str, int]]:
    """Every object below ``root`` as ``(POSIX path relative to root, size)``, sorted.

    Raises
    ------
    MigrateError
        For a store that cannot list (HTTP) or a failed listing.
    """
    if protocol(root) not in ("s3",):
        raise MigrateError(display(root), "an HTTP source cannot be listed")
    fs = root.fs
    prefix = _key(root).rstrip("/")
    try:
        found = fs.find(prefix, detail=True)
    except Exception as exc:
        raise MigrateError(display(root), f"cannot list the source: {redact(_one_line(exc))}") from None
    out = []
    for name, info in found.items():
        if info.get("type") == "directory" or name.endswith("/"):
            continue  # a "directory marker" object holds nothing
        rel = name[len(prefix) + 1:] if name.startswith(prefix + "/") else None
        if rel:
            out.append((rel, int(info.get("size") or 0)))
    out.sort()
    return out


def get_file(path: Any, target: Path) -> int | None:
    """Stream the object at ``path`` into the new local file ``target``; its
    size, or ``None`` when the object does not exist (nothing is written).

    Raises
    ------
    MigrateError
        If the object cannot be read (names the object).
    OSError
        If ``target`` cannot be written (``filename`` is ``target``).
    """
    try:
        path.fs.get_file(_key(path), str(target))
    except OSError as exc:
        if getattr(exc, "filename", None) is not None and str(exc.filename) == str(target):
            raise OSError(exc.errno, exc.strerror, str(target)) from None  # the local side
        if isinstance(exc, FileNotFoundError):  # the object does not exist (HTTP 404, NoSuchKey)
            target.unlink(missing_ok=True)
            return None
        raise read_error(path, exc) from None
    except Exception as exc:
        raise read_error(path, exc) from None
    return target.stat().st_size


__all__ = ["exists", "exists_all", "get_file", "list_files", "read_bytes", "read_error", "redirected"]
