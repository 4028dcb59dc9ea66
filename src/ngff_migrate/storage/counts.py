"""Request counts of the report's ``storage`` section (docs/storage.md, "Request counts").

One process-wide tally, fed by the S3 file system (:mod:`.s3`, botocore's
``before-send`` hook) and the HTTP one (:mod:`.http`, every request it sends):
requests by kind (``GET``, ``PUT``, ``LIST``, ``HEAD``, ``DELETE``, ``COPY``,
``POST``), ``bytes_read`` (response bodies of ``GET``) and ``bytes_written``
(``PUT`` bodies). A retried request counts once per attempt. Standard library only.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_counts: dict[str, int] = {}


def add(kind: str, *, read: int = 0, written: int = 0) -> None:
    """Count one request of ``kind`` (``""``: bytes only), with the bytes it read and wrote."""
    with _lock:
        if kind:
            _counts[kind] = _counts.get(kind, 0) + 1
        if read:
            _counts["bytes_read"] = _counts.get("bytes_read", 0) + int(read)
        if written:
            _counts["bytes_written"] = _counts.get("bytes_written", 0) + int(written)


def snapshot() -> dict[str, int]:
    """The counts so far in this process."""
    with _lock:
        return dict(_counts)


def since(before: dict[str, int]) -> dict[str, Any]:
    """The requests and bytes since ``before`` (:func:`snapshot`): the report's ``storage``."""
    now = snapshot()
    delta = {k: v - before.get(k, 0) for k, v in now.items()}
    bytes_read, bytes_written = delta.pop("bytes_read", 0), delta.pop("bytes_written", 0)
    requests = {k: v for k, v in sorted(delta.items()) if v}
    return {"requests": requests, "requests_total": sum(requests.values()),
            "bytes_read": bytes_read, "bytes_written": bytes_written}


__all__ = ["add", "since", "snapshot"]
