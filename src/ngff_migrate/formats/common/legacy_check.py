"""Validate legacy NGFF metadata with ome-zarr-models (a well-kept library).

Imported lazily: ``ome_zarr_models`` costs ~0.6 s to import, so only the
read step that needs it pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def legacy_problems(kind: str, version: str, attrs: dict[str, Any]) -> list[str]:
    """Check legacy attributes against the ome-zarr-models schema.

    Parameters
    ----------
    kind:
        ``"image"``, ``"image-label"``, ``"labels"``, ``"plate"`` or ``"well"``.
    version:
        ``"0.4"`` (``attrs`` = the ``.zattrs`` dict) or ``"0.5"`` (``attrs`` =
        the ``attributes.ome`` dict).

    Returns
    -------
    list[str]
        One line per problem (``location: message``); empty when valid.
        Never raises: a validator that fails on odd input (ome-zarr-models
        raises ``IndexError`` for a scale shorter than the axes) is one
        problem line.
    """
    key = (kind, version, _shape_key(attrs))
    if key not in _CACHE:
        _CACHE[key] = _validate(kind, version, attrs)
    return list(_CACHE[key])


#: Validation results by (kind, version, metadata with names blanked): the
#: fields of a plate usually share one metadata shape, and ome-zarr-models
#: builds pydantic classes per call (~5 ms), so a 1,536-field plate would
#: spend seconds re-validating identical documents.
_CACHE: dict[tuple[str, str, str], list[str]] = {}


def _shape_key(attrs: dict[str, Any]) -> str:
    import json

    def blank(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: blank(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        if key == "name" and isinstance(value, str) and value:
            return "<name>"  # validity does not depend on a non-empty name's text
        return value

    return json.dumps(blank(attrs), sort_keys=True)


def _validate(kind: str, version: str, attrs: dict[str, Any]) -> list[str]:
    from pydantic import ValidationError

    model = _model(kind, version)
    if model is None:
        return []
    try:
        model.model_validate(attrs)
    except ValidationError as exc:
        return [_one_line(f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}")
                for err in exc.errors()]
    except Exception as exc:  # a validator of the library failed on odd input (IndexError, TypeError, ...)
        return [_one_line(f"<root>: ome-zarr-models could not check this metadata ({type(exc).__name__}: {exc})")]
    return []


def _one_line(text: str, limit: int = 400) -> str:
    """A library message on one line (ome-zarr-models messages may span several)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _model(kind: str, version: str):
    if kind in ("plate", "well"):
        mod = "v04" if version == "0.4" else "v05"
        if kind == "plate":
            module = __import__(f"ome_zarr_models.{mod}.hcs", fromlist=["HCSAttrs"])
            return module.HCSAttrs
        module = __import__(f"ome_zarr_models.{mod}.well", fromlist=["WellAttrs"])
        return module.WellAttrs
    if version == "0.4":
        if kind == "image":
            from ome_zarr_models.v04.image import ImageAttrs
            return ImageAttrs
        if kind == "image-label":
            from ome_zarr_models.v04.image_label import ImageLabelAttrs
            return ImageLabelAttrs
        from ome_zarr_models.v04.labels import LabelsAttrs
        return LabelsAttrs
    if version == "0.5":
        if kind == "image":
            from ome_zarr_models.v05.image import ImageAttrs
            return ImageAttrs
        if kind == "image-label":
            from ome_zarr_models.v05.image_label import ImageLabelAttrs
            return ImageLabelAttrs
        from ome_zarr_models.v05.labels import LabelsAttrs
        return LabelsAttrs
    return None


def describe(path: Path, problems: list[str]) -> str:
    """One line summarising legacy-validation problems of ``path``."""
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"invalid NGFF metadata: {problems[0]}{more}"
