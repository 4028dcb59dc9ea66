"""The legacy NGFF versions the 0.4/0.5 families migrate, and their check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import MigrateError, UnsupportedError

#: NGFF versions whose images, plates and containers these families migrate.
SUPPORTED_IMAGE_VERSIONS = ("0.4", "0.5")


def check_legacy_version(doc: Path, version: str | None, zarr_format: int) -> None:
    """Refuse an NGFF version other than 0.4 (Zarr v2) / 0.5 (Zarr v3).

    Raises
    ------
    UnsupportedError
        For another version (0.3, 0.7, missing, ...).
    MigrateError
        For 0.4 in Zarr v3 metadata or 0.5 in Zarr v2 metadata.
    """
    if version not in SUPPORTED_IMAGE_VERSIONS:
        raise UnsupportedError(
            doc,
            f"unsupported OME-Zarr version {version!r} in Zarr v{zarr_format} metadata "
            f"(this release migrates {', '.join(SUPPORTED_IMAGE_VERSIONS)})",
        )
    if (version == "0.4") != (zarr_format == 2):
        raise MigrateError(doc, f"NGFF {version} declared in Zarr v{zarr_format} metadata")


def text(value: Any) -> str | None:
    """``None``, or the value as a string (versions are sometimes numbers)."""
    return None if value is None else str(value)
