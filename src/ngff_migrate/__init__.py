"""ngff-migrate: move OME-Zarr 0.4/0.5 images into RFC-8 collections.

Public API (the CLI is a thin layer over these):

* :func:`convert` — migrate one image (copy mode or in place), verified.
* :func:`plan` — detect, read and translate without writing.
* :func:`inspect` — what was detected and the RFC-8 documents it would give.
* :func:`validate` — check an RFC-8 tree: documents, links, arrays.
* :func:`rollback` — undo an in-place migration byte-for-byte.
"""

from .api import Inspection, Progress, convert, inspect, plan, rollback, validate
from .errors import (
    MigrateError,
    NotRecognisedError,
    UnsupportedError,
    UsageError,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "Inspection", "MigrateError", "NotRecognisedError", "Progress", "UnsupportedError", "UsageError",
    "VerificationError", "convert", "inspect", "plan", "rollback", "validate", "__version__",
]
