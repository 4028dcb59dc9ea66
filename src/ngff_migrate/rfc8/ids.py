"""RFC-8 identifiers: the id production and a deterministic id allocator.

RFC-8 v1 (draft v1-2026-08), sections "Node" and "Reference interface": an
``id`` MUST match ``[a-zA-Z0-9-_.]+`` and ids MUST be unique within the JSON
document. Coordinate systems, plate rows, columns and acquisitions share the
same production and, in this package, the same document-wide namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ID_PATTERN", "IdAllocator", "is_valid_id", "sanitize_id"]

#: The RFC-8 id production. Use :func:`is_valid_id` (``fullmatch``) to test a
#: value: ``$`` alone would also accept a trailing newline.
ID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_.]+$")

_INVALID_CHAR = re.compile(r"[^a-zA-Z0-9\-_.]")
_FALLBACK_ID = "node"


def is_valid_id(value: object) -> bool:
    """Return whether ``value`` is a string matching the RFC-8 id production.

    Spec: RFC-8 v1, "Node" / "Reference interface" (``[a-zA-Z0-9-_.]+``).
    Never raises; non-strings are simply not valid ids.
    """
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def sanitize_id(text: str) -> str:
    """Turn arbitrary text into a valid RFC-8 id.

    Every character outside ``[a-zA-Z0-9-_.]`` is replaced by ``-`` (one
    ``-`` per character, so the mapping is predictable); an empty input gives
    ``"node"``. Spec: RFC-8 v1, "Node" (id production).

    Raises:
        TypeError: if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"sanitize_id expects a str, got {type(text).__name__}")
    return _INVALID_CHAR.sub("-", text) or _FALLBACK_ID


class IdAllocator:
    """Hand out ids that are valid and unique within one RFC-8 document.

    Spec: RFC-8 v1, "Node" (ids MUST be unique within the JSON document).
    Allocation is deterministic: the same sequence of calls always returns
    the same ids. A preferred id is sanitized with :func:`sanitize_id`; if it
    is taken, ``-2``, ``-3``, ... is appended until a free id is found.

    Cost: linear in the number of ids. The allocator remembers, per base,
    the suffix after the last one it handed out; every smaller suffix is
    taken (ids are never released), so probing starts there and N ids with
    the same base cost O(N) in all, not O(N²).
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        """Create an allocator, reserving ``reserved`` ids up front.

        Raises:
            ValueError: if a reserved id does not match the id production.
        """
        self._taken: set[str] = set()
        #: base -> the smallest suffix not yet known to be taken for that base
        self._next: dict[str, int] = {}
        for value in reserved:
            self.reserve(value)

    def reserve(self, id: str) -> bool:
        """Mark ``id`` as used; return ``False`` if it already was.

        Use this for ids fixed outside the allocator (for example the ids of
        an existing document) so that later allocations avoid them.

        Raises:
            ValueError: if ``id`` does not match the RFC-8 id production.
        """
        if not is_valid_id(id):
            raise ValueError(f"{id!r} is not a valid RFC-8 id ([a-zA-Z0-9-_.]+)")
        if id in self._taken:
            return False
        self._taken.add(id)
        return True

    def allocate(self, preferred: str) -> str:
        """Return a new id derived from ``preferred``, unique in this allocator.

        Raises:
            TypeError: if ``preferred`` is not a string.
        """
        base = sanitize_id(preferred)
        if base not in self._taken:
            self._taken.add(base)
            return base
        suffix = self._next.get(base, 2)
        while f"{base}-{suffix}" in self._taken:
            suffix += 1
        candidate = f"{base}-{suffix}"
        self._taken.add(candidate)
        self._next[base] = suffix + 1
        return candidate

    def __contains__(self, value: object) -> bool:
        return value in self._taken

    def __len__(self) -> int:
        return len(self._taken)
