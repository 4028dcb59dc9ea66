"""ngff-migrate: move OME-Zarr 0.4/0.5 images into RFC-8 collections.

Public API (the CLI is a thin layer over these):

* :func:`convert` — migrate one image (copy mode or in place), verified.
* :func:`plan` — detect, read and translate without writing.
* :func:`inspect` — what was detected and the RFC-8 documents it would give.
* :func:`validate` — check an RFC-8 tree: documents, links, arrays.
* :func:`rollback` — undo an in-place migration byte-for-byte.
* :func:`finalize` — accept an in-place migration (drop journal and backups).
"""

from typing import TYPE_CHECKING

from .errors import (
    MigrateError,
    NotRecognisedError,
    UnsupportedError,
    UsageError,
    VerificationError,
)

__version__ = "0.1.0"

_API = ("Inspection", "Progress", "convert", "finalize", "inspect", "plan", "rollback", "validate")

if TYPE_CHECKING:  # pragma: no cover
    from .api import Inspection, Progress, convert, finalize, inspect, plan, rollback, validate


def __getattr__(name: str):
    """Import the API on first use: ``ngff-migrate rollback`` and ``--help``
    need not pay for the RFC-8 models and JSON schemas."""
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "notebook_progress":  # progress bars in Jupyter (docs/reports.md)
        return __import__("ngff_migrate.report.notebook", fromlist=[name]).notebook_progress
    raise AttributeError(f"module 'ngff_migrate' has no attribute {name!r}")

__all__ = [
    "Inspection", "MigrateError", "NotRecognisedError", "Progress", "UnsupportedError", "UsageError",
    "VerificationError", "convert", "finalize", "inspect", "notebook_progress", "plan", "rollback",
    "validate", "__version__",
]
