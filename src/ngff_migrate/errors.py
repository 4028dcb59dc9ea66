"""Error types shared by every stage.

Every error a user can cause carries the file it concerns and a one-line
description of what is wrong; the CLI prints ``<file>: <problem>`` and exits
with :attr:`MigrateError.exit_code` (1 for conversion/validation failures,
2 for usage errors) without a traceback.
"""

from __future__ import annotations

from pathlib import Path

from .storage.location import redact


class MigrateError(Exception):
    """A conversion, reading or validation failure that names a file.

    Parameters
    ----------
    path:
        The file or directory the problem concerns (``None`` when no single
        file is to blame).
    problem:
        One line saying what is wrong.
    """

    exit_code = 1

    def __init__(self, path: str | Path | None, problem: str) -> None:
        # credentials never reach a message (docs/storage.md): URLs and store secrets are redacted
        self.path = None if path is None else redact(str(path))
        self.problem = redact(problem)
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message printed by the CLI: ``<path>: <problem>``."""
        return f"{self.path}: {self.problem}" if self.path else self.problem


class UsageError(MigrateError):
    """The command was asked for something it cannot do (exit code 2)."""

    exit_code = 2


class NotRecognisedError(MigrateError):
    """A path holds no OME-Zarr layout this tool understands."""


class UnsupportedError(MigrateError):
    """The input is recognised but uses a feature this tool cannot migrate."""


class VerificationError(MigrateError):
    """The written output failed the post-write verification."""


def exception_line(exc: BaseException, limit: int = 300) -> str:
    """A third-party exception's message on one line, at most ``limit``
    characters (its type name when the message is empty): the text our own
    errors quote when they wrap it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."
