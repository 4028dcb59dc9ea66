"""Progress bars in Jupyter for the Python API (``progress=ngff_migrate.notebook_progress()``).

The CLI draws rich progress bars on a terminal (:class:`~.terminal.progress_bars`);
a notebook has no terminal. Here the same rich bars are rendered to HTML
(rich's ``Console.export_html``) and shown in one notebook output that is
updated in place through an IPython display handle. That needs neither
ipywidgets nor a background thread, and it also works in a notebook run
headless (nbclient, nbconvert), where the last state stays in the output.

Nothing is imported before :func:`notebook_progress` is called.
"""

from __future__ import annotations

import threading
import time
from typing import Any

#: stages whose totals are bytes (``copy``, ``reencode``: convert; ``bytes``: batch, nominal)
BYTE_STAGES = ("copy", "reencode", "bytes")
#: seconds between two redraws (every stage's end is drawn whatever the time)
REFRESH_SECONDS = 0.2


class _Bars:
    """rich bars that are never started as a live display: each redraw renders
    them to HTML and replaces the notebook output."""

    def __init__(self, show: Any, width: int) -> None:
        from rich.console import Console
        from rich.filesize import decimal
        from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
        from rich.text import Text

        class Count(ProgressColumn):
            """``x/y MB`` for a byte stage, ``n/total`` otherwise."""

            def render(self, task) -> Text:
                done, total = int(task.completed), int(task.total or 0)
                if task.fields.get("unit") == "bytes":
                    return Text(f"{decimal(done)}/{decimal(total)}")
                return Text(f"{done}/{total}")

        self.console = Console(record=True, width=width, force_terminal=False, force_jupyter=False,
                               color_system="truecolor", file=_Discard())
        self.bar = Progress(TextColumn("{task.description:>9}"), BarColumn(), Count(), TimeElapsedColumn(),
                            console=self.console, auto_refresh=False)
        self.show = show
        self.tasks: dict[str, Any] = {}
        #: per stage: done, total (to draw a stage's end at once)
        self.counts: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        self.last = 0.0

    def start(self, stage: str, total: int) -> None:
        with self.lock:
            unit = "bytes" if stage in BYTE_STAGES else "count"
            self.tasks[stage] = self.bar.add_task(stage, total=max(int(total), 0), unit=unit)
            self.counts[stage] = [0, max(int(total), 0)]
            self._draw(force=True)

    def advance(self, stage: str, n: int) -> None:
        with self.lock:
            task = self.tasks.get(stage)
            if task is None:
                return
            self.bar.advance(task, n)
            count = self.counts[stage]
            count[0] += n
            self._draw(force=count[0] >= count[1])

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self.last < REFRESH_SECONDS:
            return
        self.last = now
        self.console.print(self.bar.get_renderable())
        self.show(self.console.export_html(inline_styles=True, clear=True, code_format=(
            '<pre style="font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; '
            'line-height: 1.25; margin: 0">{code}</pre>')))


class _Discard:
    """A file that drops what is written (the recording console keeps it)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def notebook_progress(width: int = 100):
    """Progress callbacks for :func:`ngff_migrate.convert` and
    :func:`ngff_migrate.batch.run_batch` that draw rich progress bars in a
    Jupyter notebook, in one output updated in place (at most every
    :data:`REFRESH_SECONDS`, and at the end of every stage).

    >>> report = ngff_migrate.convert(src, dst, progress=ngff_migrate.notebook_progress())  # doctest: +SKIP

    Byte stages (``copy``, ``reencode``, a batch's nominal ``bytes``) are
    shown in bytes, the others (``verify``: arrays; ``datasets``) as counts.
    Use one object per run. Outside an IPython kernel (a plain script) the
    callbacks draw nothing.

    Parameters
    ----------
    width:
        Characters per line of the bars.
    """
    from ..api import Progress

    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return Progress()
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return Progress()
    handle = display(HTML(""), display_id=True)

    def show(html: str) -> None:
        handle.update(HTML(html))

    bars = _Bars(show, width)
    return Progress(start=bars.start, advance=bars.advance)


__all__ = ["BYTE_STAGES", "REFRESH_SECONDS", "notebook_progress"]
