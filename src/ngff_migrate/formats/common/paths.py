"""Relative path helpers for RFC-8 ``Path`` objects (DESIGN §4: POSIX,
``./``-prefixed, from the document's directory; ``..`` only for
back-references)."""

from __future__ import annotations

import posixpath

from ...rfc8.model import Path


def join(*parts: str) -> str:
    """Join dataset-relative POSIX parts, skipping empty ones."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def _parts(path: str) -> list[str]:
    """The components of a root-relative POSIX path, ``.`` dropped and ``..`` folded
    lexically (leading ``..`` kept)."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(part)
    return out


def relative(from_dir: str, to: str) -> str:
    """Relative path from directory ``from_dir`` to ``to`` (both root-relative).

    >>> relative("", "s0")
    './s0'
    >>> relative("labels/cells", "")
    '../..'
    """
    start, target = _parts(from_dir), _parts(to)
    if ".." in start:  # a directory above the root: the general (cwd-based) answer
        rel = posixpath.relpath(to or ".", from_dir or ".")
    else:  # lexical, no os.getcwd() per call (thousands per plate)
        common = 0
        while common < min(len(start), len(target)) and start[common] == target[common]:
            common += 1
        rel = "/".join([".."] * (len(start) - common) + target[common:]) or "."
    if rel == ".":
        return "."
    return rel if rel.startswith("..") else f"./{rel}"


def zarr_path(from_dir: str, to: str) -> Path:
    """The RFC-8 ``Path`` object of type ``zarr`` (RFC-8 §Path interface) from
    directory ``from_dir`` to ``to`` (both root-relative): a
    :class:`~ngff_migrate.rfc8.model.Path`. Never raises."""
    return Path(type="zarr", path=relative(from_dir, to))
