"""State shared while one RFC-8 document is built: its directory, its ids, sibling names.

DESIGN §4: ids are deterministic and readable, unique across the whole
document (:class:`~ngff_migrate.rfc8.ids.IdAllocator`); names are always
written and unique among siblings, a repeated one suffixed ``-2``, ``-3``, ....
Both cost O(1) per call however many repeat.
"""

from __future__ import annotations

from ...rfc8.ids import IdAllocator


class DocumentState:
    """One document being built: ``rel`` is its directory (dataset-relative
    POSIX path, ``""`` for the root), ``ids`` its id allocator."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.ids = IdAllocator()


class UniqueNames(set):
    """Names taken among sibling nodes; remembers per name the suffix after
    the last one :func:`unique_name` gave, so N equal names cost O(N)."""

    def __init__(self, names=()) -> None:
        super().__init__(names)
        self.next: dict[str, int] = {}


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``, ... (the first free one), added to
    ``taken``. Deterministic; linear when ``taken`` is a :class:`UniqueNames`
    (every suffix below the remembered one is taken: names are never removed)."""
    if name not in taken:
        taken.add(name)
        return name
    memo = taken.next if isinstance(taken, UniqueNames) else {}
    n = memo.get(name, 2)
    while f"{name}-{n}" in taken:
        n += 1
    memo[name] = n + 1
    taken.add(f"{name}-{n}")
    return f"{name}-{n}"
