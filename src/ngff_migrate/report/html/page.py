"""The Jinja2 environment that renders every page, and the filters the templates use.

Pages are self-contained: the stylesheet and the script are package data
included inline, images are ``data:`` URIs, and a Content-Security-Policy
meta tag forbids the browser any fetch (``default-src 'none'``), so a page
read offline or from an e-mail attachment looks the same as anywhere else.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

#: what the page's Content-Security-Policy allows: inline style and script, data: images, nothing else
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

_ENV: Any = None


def human_bytes(n: Any) -> str:
    """``1536`` → ``1.5 KiB`` (binary units); ``None`` → ``n/a``."""
    if n is None:
        return "n/a"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)  # pragma: no cover


def seconds(value: Any) -> str:
    """Seconds with a precision that suits the size (``n/a`` for none)."""
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return "n/a"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def environment() -> Any:
    """The (cached) Jinja2 environment over the package's templates, autoescaping on."""
    global _ENV
    if _ENV is None:
        import jinja2

        from ... import __version__

        env = jinja2.Environment(loader=jinja2.PackageLoader("ngff_migrate.report.html", "templates"),
                                 autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        env.filters["bytes"] = human_bytes
        env.filters["seconds"] = seconds
        env.globals["tool_version"] = __version__
        env.globals["csp"] = CSP
        _ENV = env
    return _ENV


def render(template: str, **context: Any) -> str:
    """Render ``template`` with ``context`` (plus the generation time)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return environment().get_template(template).render(generated=now, **context)
