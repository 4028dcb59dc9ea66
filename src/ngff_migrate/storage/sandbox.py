"""Keep every path inside its root (RFC-8 v1 §Security; docs/safety.md).

RFC-8 asks implementations to keep resolved paths inside an expected root
and not to leave it without the user's explicit consent. The same rule
applies here to every path the tool takes from data it did not write itself
in this run: legacy dataset paths, label lists, well and field paths, RFC-8
``path`` objects, in-place journals, batch journals and completion markers.

A path is *inside* a root when, after ``..`` is folded and every symbolic
link is resolved, it names the root or something below it. Symbolic links
are therefore followed when they stay inside the root and refused when they
leave it, unless ``allow_outside`` was given (reads only: nothing is ever
written outside the destination or the dataset).

Reads check the sandbox of the current run (:func:`sandboxed`), a context
variable set by :func:`ngff_migrate.plan` for the dataset being read; with
no sandbox set, reads are not restricted (internal callers that read a path
they were given).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from ..errors import MigrateError
from .location import display, is_remote, normalize, remote_inside

#: The longest relative path taken from a document or journal (characters).
MAX_PATH_CHARS = 4096


class OutsideRootError(MigrateError):
    """A path leaves the root it must stay in (through ``..``, an absolute
    path or a symbolic link), and leaving was not allowed."""


#: Resolved directories of the current run (see :func:`resolution_cache`).
_dirs: ContextVar[dict[str, str] | None] = ContextVar("ngff_migrate_resolved_dirs", default=None)


@contextmanager
def resolution_cache() -> Iterator[None]:
    """Within this context, :func:`inside` remembers the resolved form of
    every *directory* it resolved, so that the thousands of files of a plate
    cost one ``lstat`` each instead of one per path component.

    Scope: one run over one dataset (``plan``, ``convert``, a batch
    dataset), which does not turn its own directories into symbolic links.
    Nested contexts share the outer cache.
    """
    if _dirs.get() is not None:
        yield
        return
    token = _dirs.set({})
    try:
        yield
    finally:
        _dirs.reset(token)


def _realpath(path: Path | str) -> str:
    """``os.path.realpath`` with the directory part taken from the run's
    cache; a path with ``..`` (which must be folded after symlinks are
    resolved), or whose last component is a symbolic link, is resolved whole."""
    cache = _dirs.get()
    text = os.fspath(path)
    if cache is None or ".." in text:
        return os.path.realpath(text)
    return _resolve(os.path.abspath(text), cache, 0)


def _resolve(path: str, cache: dict[str, str], depth: int) -> str:
    """The resolved ``path`` (absolute, no ``..``): its parent from the cache
    (resolved the same way, once), then one ``lstat`` of the last component."""
    parent, name = os.path.split(path)
    if not name or depth > 64:
        return os.path.realpath(path)
    real_parent = cache.get(parent)
    if real_parent is None:
        real_parent = cache[parent] = _resolve(parent, cache, depth + 1)
    joined = os.path.join(real_parent, name)
    if os.path.islink(joined):
        return os.path.realpath(joined)
    return joined


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` resolves (symlinks followed) to ``root`` or below it.

    ``root`` must already be resolved. Raises nothing: an unresolvable path
    (a NUL byte, a symlink loop) is not inside. A remote root (a UPath:
    :mod:`.location`) has no links: ``path`` is inside when, ``..`` folded,
    it is in the same store (scheme and bucket or host) at or below ``root``.
    """
    if not isinstance(root, PurePath):
        return remote_inside(root, path)
    if not isinstance(path, PurePath) and is_remote(path):
        return False
    try:
        real, top = _realpath(path), os.fspath(root)
    except (OSError, ValueError):
        return False
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Sandbox:
    """The root a run may read in, and whether it may read outside it.

    ``root`` is stored resolved (symbolic links followed).
    """

    root: Path
    allow_outside: bool = False

    @classmethod
    def of(cls, root: str | Path, allow_outside: bool = False) -> Sandbox:
        """A sandbox for ``root`` (resolved here; a remote root is folded)."""
        if is_remote(root):
            return cls(normalize(root), allow_outside)
        return cls(Path(os.path.realpath(root)), allow_outside)

    def check_read(self, path: Path) -> None:
        """Refuse to read ``path`` when it resolves outside the root.

        Raises
        ------
        OutsideRootError
            If ``path`` leaves the root and ``allow_outside`` is not set.
        """
        if self.allow_outside or inside(self.root, path):
            return
        raise OutsideRootError(path, f"leaves the dataset {display(self.root)} (through '..', an absolute path "
                                     "or a symbolic link); not read without --allow-outside")


_current: ContextVar[Sandbox | None] = ContextVar("ngff_migrate_sandbox", default=None)


@contextmanager
def sandboxed(root: str | Path, *, allow_outside: bool = False) -> Iterator[Sandbox]:
    """Make reads in this context stay inside ``root`` (see the module docstring)."""
    box = Sandbox.of(root, allow_outside)
    token = _current.set(box)
    try:
        with resolution_cache():
            yield box
    finally:
        _current.reset(token)


def current() -> Sandbox | None:
    """The sandbox of the current run, or ``None``."""
    return _current.get()


def check_read(path: Path) -> None:
    """Check ``path`` against the current sandbox (if any); see :meth:`Sandbox.check_read`."""
    box = _current.get()
    if box is not None:
        box.check_read(path)


def safe_relative(root: Path, rel: object, *, file: str | Path, what: str) -> Path:
    """Resolve a root-relative POSIX path taken from a journal, marker or document.

    ``rel`` must be a non-empty relative path string without NUL bytes,
    backslashes or ``..`` components, naming something below ``root``, at most :data:`MAX_PATH_CHARS` long,
    that names ``root`` or something below it after every symbolic link is
    resolved. Returns ``root / rel`` (not resolved, so the caller acts on the
    link itself where that matters).

    Raises
    ------
    OutsideRootError
        Naming ``file`` (where the path was read) and ``what`` it was for.
    """
    problem = None
    if not isinstance(rel, str) or not rel:
        problem = f"{what} {rel!r} is not a non-empty path"
    elif len(rel) > MAX_PATH_CHARS:
        problem = f"{what} is {len(rel)} characters long (more than {MAX_PATH_CHARS})"
    elif "\x00" in rel or "\\" in rel:
        problem = f"{what} {rel[:80]!r} holds a NUL byte or a backslash"
    else:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            problem = f"{what} {rel!r} is absolute or climbs out with '..'"
        elif not pure.parts or pure.parts == (".",):
            problem = f"{what} {rel!r} names the root itself"
    if problem is None:
        target = root / rel
        if not isinstance(root, PurePath):  # a remote root: no links, lexical checks above suffice
            if remote_inside(root, target):
                return target
            problem = f"{what} {rel!r} leaves {root}"
        elif inside(Path(os.path.realpath(root)), target):
            return target
        else:
            problem = f"{what} {rel!r} resolves outside {root} through a symbolic link"
    raise OutsideRootError(file, f"{problem}; refused (paths from journals and markers must stay inside their root)")
