"""The HTML reports in a real headless Chromium (issue #12).

Debian's ``chromium`` (``.ci/run`` installs it when missing), driven by
playwright's Python package through ``executable_path``: playwright's own
browser builds are never downloaded. Every request the page makes is
recorded (and anything but the page file itself is aborted and fails the
test), and so is every console message.

``NGFF_MIGRATE_SCREENSHOTS=1`` also saves the plate report's screenshot as
``docs/images/report.png`` (the picture in the README).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_batch_support import write_image, write_plate
from typer.testing import CliRunner

from ngff_migrate.cli import app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_SHOT = Path(__file__).parent.parent / "docs" / "images" / "report.png"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                                    reason="Debian package chromium not installed (.ci/run installs it)")]


def _cli(*args) -> int:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Opened:
    """A page loaded from ``file``: its playwright page, requests and console messages."""

    def __init__(self, browser, file: Path) -> None:
        self.file = file
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []

        def route(r):
            if r.request.url == file.as_uri():
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(file.as_uri(), wait_until="load")

    def check_clean(self) -> None:
        """No request but the page itself, no console error, no script error."""
        assert self.requests == [self.file.as_uri()], self.requests
        assert self.blocked == []
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.errors == []

    def images_decoded(self) -> list[int]:
        """``naturalWidth`` of every image once loaded (0: it did not decode)."""
        return self.page.evaluate(
            "() => Promise.all(Array.from(document.images).map(i => i.decode().then(() => i.naturalWidth, () => 0)))")

    def screenshot(self, path: Path, full_page: bool = True) -> np.ndarray:
        from PIL import Image

        data = self.page.screenshot(path=str(path), full_page=full_page)
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        assert pixels.shape[0] >= 300 and pixels.std() > 5  # something was drawn
        return pixels


def _cells(rng, shape: tuple[int, int], n: int) -> np.ndarray:
    """A smooth picture of ``n`` round blobs (what a field of nuclei looks like)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    out = np.zeros(shape)
    for y, x, r in zip(rng.uniform(0, shape[0], n), rng.uniform(0, shape[1], n), rng.uniform(3, 7, n), strict=True):
        out += np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * r * r))
    return (out / out.max() * 4000).astype(np.uint16)


def write_pretty_plate(path: Path) -> None:
    """A 0.4 plate written by ome-zarr-py: wells A1, A3, B2, C1, two fields each (two
    acquisitions), two channels with omero colours and windows, labels in A1 field 0."""
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image, write_labels, write_plate_metadata, write_well_metadata

    fmt, rng = FormatV04(), np.random.default_rng(12)
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    wells = ["A/1", "A/3", "B/2", "C/1"]
    write_plate_metadata(root, ["A", "B", "C"], ["1", "2", "3"], wells, fmt=fmt, name="screen 7",
                         acquisitions=[{"id": 1, "name": "day 0"}, {"id": 2, "name": "day 3"}], field_count=2)
    omero = {"channels": [{"label": "DNA", "color": "0080FF", "window": {"start": 0, "end": 3000, "min": 0, "max": 65535}},
                          {"label": "actin", "color": "FF8000", "window": {"start": 0, "end": 3500, "min": 0, "max": 65535}}]}
    for well in wells:
        r, c = well.split("/")
        group = root.require_group(r).require_group(c)
        write_well_metadata(group, [{"path": "0", "acquisition": 1}, {"path": "1", "acquisition": 2}], fmt=fmt)
        for f in ("0", "1"):
            image = group.require_group(f)
            data = np.stack([_cells(rng, (96, 96), 14), _cells(rng, (96, 96), 25)])
            write_image(data, image, axes="cyx", fmt=fmt, scale_factors=(2,), storage_options={"chunks": (1, 48, 48)})
            image.attrs["omero"] = omero
            if (well, f) == ("A/1", "0"):
                write_labels((data[0] > 1500).astype(np.uint8), image, name="nuclei", axes="yx", fmt=fmt,
                             scale_factors=(2,), label_metadata={"colors": [{"label-value": 1, "rgba": [255, 255, 0, 255]}]})


def test_plate_report_in_chromium(browser, tmp_path):
    src = tmp_path / "plate.zarr"
    write_pretty_plate(src)
    page_file = tmp_path / "plate.html"
    assert _cli("convert", src, tmp_path / "out.zarr", "--html", page_file, "--quiet") == 0
    view = Opened(browser, page_file)
    page = view.page
    wells = page.locator("button.well")
    assert sorted(wells.evaluate_all("els => els.map(e => e.dataset.well)")) == ["A1", "A3", "B2", "C1"]
    assert page.locator("td.empty").count() == 3 * 3 - 4
    assert page.locator("button.well img").count() == 4  # one thumbnail per well, A1's field has labels
    widths = view.images_decoded()
    assert widths and all(w > 0 for w in widths), widths
    # clicking a well shows its fields, and only its fields
    panel = page.locator("#" + wells.nth(0).get_attribute("data-panel"))
    assert not panel.is_visible()
    wells.nth(0).click()
    assert panel.is_visible() and panel.locator("tbody tr").count() == 2
    assert "day 0" in page.locator("#summary, .plate .legend").all_inner_texts()[1]
    wells.nth(1).click()
    assert not panel.is_visible()
    # the tree folds
    first = page.locator("ul.tree > li > details")
    assert first.get_attribute("open") is not None
    page.locator("ul.tree > li > details > summary").click()
    assert first.get_attribute("open") is None
    page.locator("ul.tree > li > details > summary").click()
    # the key table filters by disposition
    page.select_option("#keys select", "carried")
    shown = page.locator("#key-table tbody tr:visible").count()
    assert 0 < shown < page.locator("#key-table tbody tr").count()
    assert re.fullmatch(rf"{shown} of \d+ shown", page.locator("#keys .shown").inner_text())
    page.select_option("#keys select", "")
    wells.nth(0).click()
    view.screenshot(tmp_path / "plate.png")
    if os.environ.get("NGFF_MIGRATE_SCREENSHOTS") == "1":
        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 1000})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS_SHOT), full_page=False)
    view.check_clean()


def test_image_with_labels_report_in_chromium(browser, tree, tmp_path):
    src = tree("v05_labels")
    page_file = tmp_path / "image.html"
    assert _cli("convert", src, tmp_path / "out.zarr", "--html", page_file, "--quiet") == 0
    view = Opened(browser, page_file)
    names = view.page.locator("#images img").evaluate_all("els => els.map(e => e.dataset.image)")
    assert names == ["raw image", "nuclei"]
    widths = view.images_decoded()
    assert len(widths) >= 2 and all(w > 0 for w in widths), widths
    assert view.page.locator("#verification").inner_text().count("pixel-equal") == 1
    view.screenshot(tmp_path / "image.png")
    view.check_clean()


def test_batch_report_with_a_broken_dataset_in_chromium(browser, tmp_path):
    archive = tmp_path / "archive"
    write_image(archive / "a.zarr", "0.4", labels=True)
    write_plate(archive / "p.zarr", "0.5")
    write_image(archive / "broken.zarr", "0.5")
    (archive / "broken.zarr" / "zarr.json").write_text('{"zarr_format": 3, ')
    page_file = tmp_path / "batch.html"
    assert _cli("batch", archive, "--out", tmp_path / "out", "--jobs", "1", "--html", page_file, "-q") == 1
    view = Opened(browser, page_file)
    page = view.page
    failures = page.locator("#failures").inner_text()
    assert "broken.zarr" in failures and "not valid JSON" in failures
    assert str(archive / "broken.zarr" / "zarr.json") in failures
    widths = view.images_decoded()
    assert len(widths) == 2 and all(w > 0 for w in widths), widths
    rows = page.locator("#dataset-table tbody tr")
    first = lambda: rows.nth(0).locator("td").nth(0).inner_text()  # noqa: E731
    page.locator("#dataset-table th", has_text="dataset").click()
    assert first() == "a.zarr"
    page.locator("#dataset-table th", has_text="dataset").click()
    assert first() == "p.zarr"
    page.fill("#datasets input[type=search]", "broken")
    assert page.locator("#dataset-table tbody tr:visible").count() == 1
    assert page.locator("#datasets .shown").inner_text() == "1 of 3 shown"
    page.fill("#datasets input[type=search]", "")
    page.select_option("#datasets select", "migrated")
    assert page.locator("#dataset-table tbody tr:visible").count() == 2
    view.screenshot(tmp_path / "batch.png")
    view.check_clean()


def test_the_checks_catch_a_page_that_fetches(browser, tmp_path):
    """The harness itself: a page asking for a remote image and a stylesheet is caught
    (the requests are aborted here, nothing leaves the machine)."""
    from html_checks import assert_offline

    page_file = tmp_path / "bad.html"
    page_file.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" href="https://example.invalid/s.css">'
                         '</head><body><img src="https://example.invalid/x.png"></body></html>')
    view = Opened(browser, page_file)
    assert sorted(view.blocked) == ["https://example.invalid/s.css", "https://example.invalid/x.png"]
    with pytest.raises(AssertionError):
        view.check_clean()
    assert view.images_decoded() == [0]
    with pytest.raises(AssertionError):
        assert_offline(page_file.read_text())
