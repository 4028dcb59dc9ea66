"""Relative path helpers for RFC-8 ``Path`` objects (DESIGN §4: POSIX,
``./``-prefixed, from the document's directory; ``..`` only for
back-references)."""

from __future__ import annotations

import posixpath

from ...rfc8.model import Path


def join(*parts: str) -> str:
    """Join dataset-relative POSIX parts, skipping empty ones."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def relative(from_dir: str, to: str) -> str:
    """Relative path from directory ``from_dir`` to ``to`` (both root-relative).

    >>> relative("", "s0")
    './s0'
    >>> relative("labels/cells", "")
    '../..'
    """
    rel = posixpath.relpath(to or ".", from_dir or ".")
    if rel == ".":
        return "."
    return rel if rel.startswith("..") else f"./{rel}"


def zarr_path(from_dir: str, to: str) -> Path:
    """The RFC-8 ``Path`` object of type ``zarr`` (RFC-8 §Path interface) from
    directory ``from_dir`` to ``to`` (both root-relative): a
    :class:`~ngff_migrate.rfc8.model.Path`. Never raises."""
    return Path(type="zarr", path=relative(from_dir, to))
