"""Self-contained HTML pages of every result: convert reports, inspections,
validations, plans and batches (``--html FILE``, ``to_html()``, ``_repr_html_``).

Everything heavy (jinja2, numpy, zarr, Pillow) is imported only when a page
is rendered; importing this package costs nothing. What a page shows and
the rendering choices are in ``docs/reports.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def to_html(result: Any) -> str:
    """The page of ``result``: a convert ``Report``, an ``Inspection``, a
    ``TreeValidation``, a ``TreePlan`` or a ``BatchReport``."""
    from . import views

    kind = type(result).__name__
    page = {"Report": views.report_page, "Inspection": views.inspection_page,
            "TreeValidation": views.validation_page, "TreePlan": views.plan_page,
            "BatchReport": views.batch_page}.get(kind)
    if page is None:
        from ...errors import UsageError

        raise UsageError(None, f"no HTML page for a {kind}")
    return page(result)


def failure_html(command: str, source: Any, destination: Any, error: str) -> str:
    """The page of a ``convert`` or ``batch`` that failed as a whole, showing ``error``."""
    from .views import failure_page

    return failure_page(command, source, destination, error)


def write_html(path: str | Path, page: str) -> None:
    """Write ``page`` to ``path`` (UTF-8), atomically: a temporary file renamed over it."""
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_html(result: Any, height: int = 640) -> str:
    """``_repr_html_`` of a result: its page in an ``<iframe srcdoc>``, so that the
    page's styles and script stay out of the notebook's own page."""
    import html

    page = to_html(result)
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: {height}px; '
            f'border: 1px solid #d5dbe1; border-radius: 6px" sandbox="allow-scripts" '
            f'title="ngff-migrate {html.escape(type(result).__name__)}"></iframe>')
