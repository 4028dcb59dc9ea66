"""The tutorial notebook (issue #12, item 3): ``docs/tutorial.ipynb`` runs top to
bottom, headless (nbclient), on a copy of ``sample_data/``, with no cell error;
its report cells show the collection tree and the re-encode plan; it is stored
without outputs and leaves ``sample_data/`` byte-identical."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "docs" / "tutorial.ipynb"
KERNEL = "ngff-migrate-tutorial"


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _kernel_for_this_interpreter(tmp_path: Path, monkeypatch) -> str:
    """A kernelspec that runs the tests' own interpreter (a user-level ``python3``
    kernelspec could point at a Python without ngff-migrate)."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ngff-migrate tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def _html_of(cell) -> str:
    """The page inside the ``<iframe srcdoc>`` of a cell's rich output."""
    for out in cell.outputs:
        text = (out.get("data") or {}).get("text/html", "")
        match = re.search(r'<iframe srcdoc="([^"]*)"', text)
        if match:
            return html.unescape(match.group(1))
    raise AssertionError(f"no HTML page in the outputs of {cell.source!r}")


def test_tutorial_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 10
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.slow
def test_tutorial_runs_headless_on_a_copy_of_sample_data(tmp_path, monkeypatch):
    sample = REPO / "sample_data"
    before = _digest(sample)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=_kernel_for_this_interpreter(tmp_path, monkeypatch),
                                     timeout=300, resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first cell that errors
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert _digest(sample) == before, "the tutorial modified sample_data/"

    by_source = {c.source.strip(): c for c in nb.cells if c.cell_type == "code"}
    # the report's rich display: the RFC-8 collection tree of the output, with its nodes
    page = _html_of(by_source["report"])
    assert '<section class="card" id="tree">' in page and '<ul class="tree">' in page
    assert '<span class="ntype multiscale">multiscale</span>' in page and "→ ./labels/cells" in page
    # the inspection shows its tree too, and the re-encode report its plan
    assert '<ul class="tree">' in _html_of(by_source["inspection"])
    recoded = _html_of(by_source["reencode_report"])
    assert 'id="reencode"' in recoded and "labels/cells/s0" in recoded
    # the notebook progress bars drew the copy stage to its end
    convert_cell = next(c for c in nb.cells if "notebook_progress()" in c.source and "out = work" in c.source)
    bars = [o["data"]["text/html"] for o in convert_cell.outputs if o.output_type in ("display_data", "update_display_data")
            and "text/html" in o.get("data", {})]
    assert bars and "copy" in bars[-1]
    # what the cells printed: in-place rollback byte-identical, a batch of two datasets migrated
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "byte-identical to the original: True" in printed
    assert "all migrated: True - {'migrated': 2}" in printed


def test_notebook_progress_draws_rich_bars_as_html_and_is_silent_outside_a_kernel(monkeypatch):
    import ngff_migrate
    from ngff_migrate.api import Progress
    from ngff_migrate.report import notebook

    # a plain interpreter (no IPython kernel): callbacks that draw nothing
    quiet = ngff_migrate.notebook_progress()
    assert isinstance(quiet, Progress) and quiet.start == Progress().start

    drawn: list[str] = []
    clock = iter(range(0, 1000))
    monkeypatch.setattr(notebook.time, "monotonic", lambda: next(clock) * 0.01)  # 10 ms per call
    bars = notebook._Bars(drawn.append, width=100)
    bars.start("copy", 2_000_000)
    assert len(drawn) == 1 and "copy" in drawn[0] and "0 bytes/2.0 MB" in drawn[0]
    for _ in range(3):
        bars.advance("copy", 500_000)  # within REFRESH_SECONDS of the last drawing: not drawn
    assert len(drawn) == 1
    bars.advance("copy", 500_000)  # the end of the stage is always drawn
    assert len(drawn) == 2 and "2.0 MB/2.0 MB" in drawn[-1]
    bars.start("verify", 3)
    bars.advance("verify", 3)
    assert "3/3" in drawn[-1] and "copy" in drawn[-1]  # every stage stays on the display
    assert drawn[-1].startswith("<pre") and "<script" not in drawn[-1]
    bars.advance("unknown", 1)  # a stage never started is ignored
