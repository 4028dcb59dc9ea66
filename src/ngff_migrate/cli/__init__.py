"""The ``ngff-migrate`` command line (typer). A thin layer over :mod:`ngff_migrate.api`.

One module per group of commands (``convert``; ``inspect``/``validate``;
``rollback``/``finalize``; ``plan``/``batch``), all registered on one
typer app. Exit codes: 0 done, 1 conversion or validation failure, 2 usage
error.
"""

from __future__ import annotations

from importlib import import_module

from ._common import app

for _module in ("convert", "inspect", "undo", "batch"):  # registers the commands, in help order
    import_module(f"{__name__}.{_module}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
