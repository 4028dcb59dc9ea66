"""Where a dataset lives: a local :class:`~pathlib.Path`, or a remote root (docs/storage.md).

:func:`open_location` is the one place that turns what a user typed (a path,
``s3://bucket/prefix``, ``http(s)://host/path``, ``file://...``) and the
store options (``--endpoint-url``, ``--anon``, ``--storage-option``) into a
root object:

* a local path stays a :class:`pathlib.Path` (every fast path is kept, and
  nothing below is imported);
* a remote one is a :class:`upath.UPath` over fsspec (s3fs for S3, fsspec's
  aiohttp-based HTTP file system for HTTP), so the readers' ``root / rel``,
  ``.name``, ``.parent`` work unchanged. Its I/O goes through
  :mod:`.remote`, which needs no listing for metadata.

Remote paths are kept *folded* (no ``..`` component; object stores take
``a/../b`` literally), and a path never leaves its store: a document's
relative path is resolved against the same scheme and host (HTTP) or bucket
(S3), and one that names another store, or climbs above the top of this one,
is refused (:func:`resolve_member`).

:func:`redact` removes credentials from any text shown to the user: the
user part of URLs, query strings (signed URLs), and the values of secret
store options (``key``, ``secret``, ``token``, ...).

This module imports only the standard library at import time: universal_pathlib,
fsspec, s3fs and aiohttp are imported when a URL is opened.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

#: URL schemes of remote roots this release reads
REMOTE_SCHEMES = ("s3", "http", "https")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
#: a collapsed URL as ``pathlib.Path`` leaves it (``s3://b/x`` -> ``s3:/b/x``)
_COLLAPSED_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)")
#: store option names whose values are secrets (matched as parts of the name)
_SECRET_NAMES = re.compile(r"key|secret|token|password|passwd|credential|signature|auth|session", re.I)
#: secret values seen in store options (and the AWS environment), replaced by :func:`redact`
_SECRETS: set[str] = set()
#: shorter values are not replaced in free text (they would hit ordinary words); URLs never carry them
_MIN_SECRET = 6
#: whether a remote location was opened in this process (then every message is redacted)
_REMOTE = [False]
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_QUERY = re.compile(r"(://[^\s?#]*)\?[^\s#'\"]*")
_SECRET_TEXT = re.compile(r"(?i)((?:aws_)?(?:secret_access_key|access_key_id|session_token|secret|token|"
                          r"password|signature)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}&]+")

Location = Any  # Path | upath.UPath (not imported here)

#: requests in flight at most per store, and objects copied at once (``--max-requests``)
DEFAULT_MAX_REQUESTS = 16
#: further attempts of a request that failed for a transient reason (``--retries``)
DEFAULT_RETRIES = 5
#: the answers that mean "no such object" besides 404 that ``--missing-chunk-status`` may name
MISSING_STATUSES = (403, 404)


def from_file_url(value: Any) -> Any:
    """A ``file://`` URL (also in pathlib's collapsed form ``file:/x``) as a local
    :class:`~pathlib.Path`, percent-decoded (``file:///d/my%20plate`` is ``/d/my plate``);
    anything else unchanged.

    Raises
    ------
    UsageError
        For a ``file://`` URL naming another host (``file://host/x``).
    """
    if isinstance(value, (str, PurePath)):
        text = os.fspath(value)
        if text.lower().startswith("file:"):
            from urllib.parse import unquote

            parts = urlsplit(text)
            if parts.netloc not in ("", "localhost"):
                from ..errors import UsageError

                raise UsageError(redact(text), "a file:// URL must name this machine (file:///path)")
            return Path(unquote(parts.path) or "/")
    return value


def as_path(value: Any) -> Any:
    """``value`` as a location: a Path or remote location as it is, a string as a :class:`~pathlib.Path`
    (internal callers; user input goes through :func:`open_location`)."""
    if isinstance(value, PurePath) or (not isinstance(value, str) and is_remote(value)):
        return value
    return Path(value)


def is_url(text: str) -> bool:
    """Whether ``text`` starts with a URL scheme (``s3://``, ``http://``, ``file://``, ...)."""
    return bool(_URL.match(text))


def is_remote(path: Any) -> bool:
    """Whether ``path`` is a remote location: a UPath that is not local, or a remote URL string."""
    if isinstance(path, PurePath):
        return False
    if isinstance(path, str):
        found = _URL.match(path)
        return bool(found) and found.group(1).lower() != "file"
    return getattr(path, "protocol", "") not in ("", "file", "local")


def looks_remote(path: Any) -> bool:
    """Whether a command-line argument names a remote URL, also after ``pathlib.Path``
    collapsed its ``//`` (``Path("s3://b/x")`` is ``s3:/b/x``)."""
    if is_remote(path):
        return True
    text = os.fspath(path) if isinstance(path, PurePath) else str(path)
    found = _COLLAPSED_URL.match(text)
    return bool(found) and found.group(1).lower() != "file" and len(found.group(1)) > 1


def protocol(path: Any) -> str:
    """``"s3"``, ``"http"``, ``"https"`` for a remote location, ``""`` for a local one."""
    if not is_remote(path):
        return ""
    text = path if isinstance(path, str) else str(path)
    return text.split("://", 1)[0].lower()


def can_list(path: Any) -> bool:
    """Whether the store of ``path`` can list its keys (local and S3: yes; HTTP: no)."""
    return protocol(path) not in ("http", "https")


def parse_storage_options(pairs: list[str] | tuple[str, ...] | None) -> dict[str, Any]:
    """``--storage-option KEY=VALUE`` pairs as a dict; a VALUE that is JSON
    (``true``, ``3``, ``{"headers": {...}}``) is parsed, anything else is a string.

    Raises
    ------
    UsageError
        For a pair without ``=`` or with an empty key.
    """
    from ..errors import UsageError

    out: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(None, f"--storage-option wants KEY=VALUE, not {redact(pair)!r}")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _remember_secrets(options: dict[str, Any], prefix: str = "") -> None:
    for key, value in options.items():
        if isinstance(value, dict):
            _remember_secrets(value, key)
        elif isinstance(value, str) and len(value) >= _MIN_SECRET and (_SECRET_NAMES.search(key) or
                                                              _SECRET_NAMES.search(prefix)):
            _SECRETS.add(value)


def robustness_options(max_requests: int | None = None, retries: int | None = None,
                       missing_chunk_status: int | None = None) -> dict[str, Any]:
    """The store options of ``--max-requests``, ``--retries`` and ``--missing-chunk-status``
    (``None``: the default), as the file systems of :mod:`.s3` and :mod:`.http` take them.

    Raises
    ------
    UsageError
        For ``max_requests < 1``, ``retries < 0`` or a status other than 403 and 404.
    """
    from ..errors import UsageError

    max_requests = DEFAULT_MAX_REQUESTS if max_requests is None else max_requests
    retries = DEFAULT_RETRIES if retries is None else retries
    if not isinstance(max_requests, int) or max_requests < 1:
        raise UsageError(None, f"--max-requests must be a whole number of at least 1, not {max_requests!r}")
    if not isinstance(retries, int) or retries < 0:
        raise UsageError(None, f"--retries must be a whole number of at least 0, not {retries!r}")
    if missing_chunk_status not in (None, *MISSING_STATUSES):
        raise UsageError(None, f"--missing-chunk-status takes 403 (or 404, the default), not {missing_chunk_status!r}")
    missing = [403] if missing_chunk_status == 403 else []
    return {"max_requests": max_requests, "retries": retries, "missing_status": missing}


def max_requests(path: Any) -> int:
    """How many objects to move at once for the store of ``path`` (its ``--max-requests``;
    the default for a local path)."""
    if not is_remote(path):
        return DEFAULT_MAX_REQUESTS
    return int(getattr(path, "storage_options", {}).get("max_requests") or DEFAULT_MAX_REQUESTS)


def open_location(source: Any, *, endpoint_url: str | None = None, anon: bool = False,
                  storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
                  retries: int | None = None, missing_chunk_status: int | None = None) -> Location:
    """The root object of ``source``: a :class:`~pathlib.Path` for a local path
    (or a ``file://`` URL), a :class:`upath.UPath` for ``s3://`` and ``http(s)://``.

    ``endpoint_url`` (an S3-compatible server) and ``anon`` (unsigned requests)
    apply to S3; ``storage_options`` are passed to the fsspec file system
    (s3fs: ``S3FileSystem(**options)``; HTTP: ``HTTPFileSystem(**options)``,
    e.g. ``{"headers": {...}}``). Credentials come from the standard AWS
    environment and configuration files (s3fs/botocore); an HTTP URL's
    ``user:password@`` becomes basic authentication, kept out of the URL.

    ``max_requests`` (requests in flight per store, objects copied at once;
    default :data:`DEFAULT_MAX_REQUESTS`), ``retries`` (further attempts of a
    request that failed with a 5xx, throttling, a timeout or a dropped
    connection, with exponential backoff and jitter; default
    :data:`DEFAULT_RETRIES`) and ``missing_chunk_status=403`` (a 403 answer
    means "no such object", as 404 does: stores such as EBI's S3 answer 403
    for absent keys, zarr-python#3617) apply to every remote store
    (docs/storage.md, "Robust remote I/O"); they are ignored for a local path.

    Raises
    ------
    UsageError
        For an unsupported scheme, a query string in the URL (pass tokens as
        store options), store options given with a local path, or a bad
        ``max_requests``/``retries``/``missing_chunk_status``.
    """
    from ..errors import UsageError

    robust = robustness_options(max_requests, retries, missing_chunk_status)
    tuned = any(v is not None for v in (max_requests, retries, missing_chunk_status))
    options = dict(storage_options or {})
    if not isinstance(source, (str, PurePath)) and is_remote(source):
        if endpoint_url or anon or options or tuned:
            source = str(source)  # re-open with the options given now
        else:
            return source
    text = os.fspath(source) if isinstance(source, PurePath) else str(source)
    if not is_url(text):
        if endpoint_url or anon or options:
            raise UsageError(text, "--endpoint-url, --anon and --storage-option apply to s3:// and "
                                   "http(s):// sources only")
        return source if isinstance(source, Path) else Path(text)
    scheme = text.split("://", 1)[0].lower()
    if scheme == "file":
        if endpoint_url or anon or options:
            raise UsageError(text, "--endpoint-url, --anon and --storage-option apply to s3:// and "
                                   "http(s):// sources only")
        return from_file_url(text)
    if scheme not in REMOTE_SCHEMES:
        raise UsageError(redact(text), f"{scheme}:// is not supported (s3://, http:// and https:// are)")
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        raise UsageError(redact(text), "a query string or fragment in a source URL is not supported "
                                       "(a signed URL names one object; pass tokens with --storage-option)")
    if not parts.netloc:
        raise UsageError(redact(text), "the URL names no bucket or host")
    if scheme == "s3":
        if endpoint_url:
            options["endpoint_url"] = endpoint_url
        if anon:
            options["anon"] = True
        _remember_secrets_env()
        from .s3 import install

        install()  # requests counted by kind for the report, retries, a connection limit (storage/s3.py)
    elif endpoint_url or anon:
        raise UsageError(redact(text), "--endpoint-url and --anon apply to s3:// sources only")
    else:
        from .http import install as install_http

        install_http()  # retries, a connection limit, counted requests (storage/http.py)
    for key, value in robust.items():
        options.setdefault(key, value)
    netloc = parts.netloc
    if "@" in netloc:  # http://user:password@host/...: basic auth, kept out of the URL (and every message)
        if scheme == "s3":
            raise UsageError(redact(text), "credentials in an s3:// URL are not supported (use the AWS "
                                           "environment or configuration files)")
        from base64 import b64encode
        from urllib.parse import unquote

        user, _, password = netloc.rpartition("@")[0].partition(":")
        token = b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
        headers = dict(options.get("headers") or {})
        headers.setdefault("Authorization", f"Basic {token}")
        options["headers"] = headers
        _SECRETS.update(v for v in (unquote(password), token) if len(v) >= _MIN_SECRET)
        netloc = netloc.rpartition("@")[2]
    _remember_secrets(options)
    _REMOTE[0] = True
    from upath import UPath

    folded = fold(parts.path or "/")
    url = f"{scheme}://{netloc}{'' if folded == '/' else folded.rstrip('/')}"
    return UPath(url, **options)


def _remember_secrets_env() -> None:
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        value = os.environ.get(name)
        if value and len(value) >= _MIN_SECRET:
            _SECRETS.add(value)


def fold(path: str, *, strict: bool = False) -> str | None:
    """Fold ``.`` and ``..`` of an absolute POSIX path (``/a/b/../c`` -> ``/a/c``).

    A ``..`` above ``/`` is dropped, unless ``strict`` (then ``None``: the
    path climbs above the top of its store)."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                if strict:
                    return None
                continue
            out.pop()
        else:
            out.append(part)
    return "/" + "/".join(out)


def _split(path: Any) -> tuple[str, str]:
    """``("s3://bucket", "/key/...")`` / ``("http://host:port", "/path")`` of a remote path."""
    parts = urlsplit(str(path))
    return f"{parts.scheme.lower()}://{parts.netloc}", parts.path or "/"


def normalize(path: Any) -> Any:
    """``path`` with ``..`` folded: ``Path(os.path.abspath(path))`` for a local
    path (symbolic links kept), the folded URL for a remote one."""
    if not is_remote(path):
        return Path(os.path.abspath(path))
    top, key = _split(path)
    folded = fold(key) or "/"
    return path.with_segments(top + ("" if folded == "/" else folded))


def resolve_member(base: Any, rel: str) -> Any | None:
    """The remote location a document's relative path ``rel`` names from the
    directory ``base``: folded, in the same store. ``None`` when ``rel`` is
    a URL (another store), or climbs above the top of the store."""
    if _URL.match(rel) or rel.startswith("\\"):
        return None
    top, key = _split(base)
    folded = fold(rel if rel.startswith("/") else f"{key}/{rel}", strict=True)
    if folded is None:
        return None
    return base.with_segments(top + ("" if folded == "/" else folded))


def remote_inside(root: Any, path: Any) -> bool:
    """Whether the remote ``path`` (folded here) is ``root`` or below it, in the same store."""
    if not is_remote(path) or protocol(path) != protocol(root):
        return False
    top, key = _split(root)
    ptop, pkey = _split(path)
    if ptop != top:
        return False
    folded, base = fold(pkey, strict=True), fold(key) or "/"
    if folded is None:
        return False
    return folded == base or folded.startswith(base.rstrip("/") + "/")


def relative_posix(path: Any, root: Any) -> str | None:
    """``path`` relative to ``root`` as a POSIX string (``""`` for the root
    itself), or ``None`` when it is not below it. Lexical, both kinds."""
    if is_remote(path) or is_remote(root):
        if not (is_remote(path) and is_remote(root)):
            return None
        top, key = _split(root)
        ptop, pkey = _split(path)
        if top != ptop:
            return None
        key, pkey = fold(key) or "/", fold(pkey) or "/"
        if pkey == key:
            return ""
        return pkey[len(key.rstrip("/")) + 1:] if pkey.startswith(key.rstrip("/") + "/") else None
    full, top = os.path.abspath(path), os.path.abspath(root)  # strings: no pathlib per call
    if full == top:
        return ""
    top = top if top.endswith("/") else top + "/"
    return full[len(top):] if full.startswith(top) else None


def is_file(path: Any) -> bool:
    """``os.path.isfile`` for a local path; for a remote one, whether the object exists (one ``HEAD``)."""
    if not is_remote(path):
        return os.path.isfile(path)
    from .remote import exists

    return exists(path)


def subdirectories(path: Any) -> list[str]:
    """The names of the directories in ``path`` (symbolic links not followed); for
    S3, the common prefixes below it (one LIST). Only for stores that can list
    (:func:`can_list`).

    Raises
    ------
    OSError
        If ``path`` cannot be listed.
    """
    if not is_remote(path):
        return [e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    try:
        entries = path.fs.ls(path.path, detail=True)
    except FileNotFoundError:
        return []
    except Exception as exc:
        raise OSError(str(exc)) from None
    return [e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "directory"]


def display(path: Any) -> str:
    """``path`` as text for messages and reports, credentials removed."""
    return redact(str(path))


def redact(text: Any) -> str:
    """``text`` without credentials: the user part of URLs (``https://u:p@h`` ->
    ``https://***@h``), query strings (``?X-Amz-Signature=...`` -> ``?<redacted>``),
    ``secret=...``-style assignments and every secret store option value seen."""
    if not isinstance(text, str):
        text = str(text)
    url = "://" in text
    if not (url or _REMOTE[0]):
        return text  # no URL, and no remote store opened in this process: nothing to hide
    if url:
        text = _USERINFO.sub("***@", text)
        text = _QUERY.sub(r"\1?<redacted>", text)
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return _SECRET_TEXT.sub(r"\1***", text)


def remote_unsupported(source: Any, what: str) -> None:
    """Refuse a remote ``source`` for a command that needs a writable, listable
    local store in this release (``what`` names it: ``"--in-place"``, ``"rollback"``, ...).

    Raises
    ------
    UsageError
        Saying why (exit code 2).
    """
    if not looks_remote(source):
        return
    from ..errors import UsageError

    if protocol_of_text(source) in ("http", "https"):
        raise UsageError(display(source), f"{what} needs a writable, listable store: an HTTP source is read-only "
                                          "and cannot be listed (copy it with `ngff-migrate convert URL DST`)")
    raise UsageError(display(source), f"{what} over an S3 prefix is not supported in this release (one dataset on "
                                      "S3 is: `convert --in-place s3://...`, `rollback`, `finalize`, "
                                      "`convert SRC s3://...`)")


def protocol_of_text(source: Any) -> str:
    """The scheme of a URL argument, also in ``pathlib``'s collapsed form."""
    text = os.fspath(source) if isinstance(source, PurePath) else str(source)
    found = _URL.match(text) or _COLLAPSED_URL.match(text)
    return found.group(1).lower() if found else ""


__all__ = ["DEFAULT_MAX_REQUESTS", "DEFAULT_RETRIES", "as_path", "can_list", "display", "fold", "is_file",
           "is_remote", "is_url", "looks_remote", "max_requests", "normalize", "open_location",
           "robustness_options", "parse_storage_options", "redact", "relative_posix", "remote_inside",
           "remote_unsupported", "resolve_member", "subdirectories"]
