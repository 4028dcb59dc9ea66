"""HTML reports (issue #12): convert, inspect, validate, plan and batch pages; offline;
thumbnails equal to a numpy rendering of the same level; placeholders; bad paths."""

from __future__ import annotations

import html
import json
import re
import shutil

import numpy as np
import pytest
import zarr
from html_checks import (
    assert_offline,
    placeholders,
    smallest_level,
    thumbnails,
    write_rfc8_image,
)
from test_batch_support import write_image, write_plate
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.report.html.thumbs import DEFAULT_COLOURS, LABEL_PALETTE, MAX_PLANE_PIXELS

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def _window(values: np.ndarray, start: float, end: float) -> np.ndarray:
    return np.clip((values.astype(np.float64) - start) / (end - start), 0, 1)


def test_convert_plate_html_shows_wells_tree_keys_and_verification(tmp_path):
    src = tmp_path / "plate.zarr"
    write_plate(src, "0.4", wells=("A/1", "A/3", "B/2"))
    out, page_file, report = tmp_path / "out.zarr", tmp_path / "plate.html", tmp_path / "r.json"
    result = run("convert", src, out, "--html", page_file, "--report", report, "--quiet")
    assert result.exit_code == 0, result.output
    page = page_file.read_text()
    assert_offline(page)
    # the plate map: every well of the plate, in its grid position, and the empty positions
    assert sorted(re.findall(r'data-well="([A-Z]\d+)"', page)) == ["A1", "A3", "B2"]
    assert page.count('<td class="empty">') == 2 * 3 - 3
    assert len(re.findall(r'<section class="well-panel" id="panel-[^"]+" hidden>', page)) == 3
    # a thumbnail per well (its field), from the field's lowest level
    thumbs = thumbnails(page)
    assert len(thumbs) >= 1 and all(t.shape[2] == 4 for t in thumbs.values())
    # the collection tree names every node with its type, id and path
    for text in ('<span class="ntype collection">collection</span>', "#A1", "→ ./A/1/0", "from .zattrs (plate)"):
        assert text in page, text
    # every legacy key is a row of the key table, with its disposition and file
    data = json.loads(report.read_text())
    rows = re.findall(r'<tr data-outcome="(mapped|carried|preserved|dropped)"><td data-sort="([^"]*)"', page)
    assert len(rows) == len(data["keys"]) > 0
    assert sorted(rows) == sorted((k["disposition"], k["file"]) for k in data["keys"])
    # verification
    v = data["verification"]
    assert f"{v['chunks_compared']} of {v['chunks_total']} pixel-equal" in page
    assert "legacy documents rebuilt from the output, equal to the input" in page


def test_thumbnails_equal_numpy_rendering_of_smallest_level(tree, tmp_path):
    """ome-zarr-py image with omero (red/green, window 0-100) and a label image (value 3 red)."""
    src, out = tree("v04_labels"), tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, out)
    page = report.to_html()
    assert_offline(page)
    assert report._repr_html_().startswith('<iframe srcdoc="')
    thumbs = thumbnails(page)
    ome = json.loads((out / "zarr.json").read_text())["attributes"]["ome"]
    image_name, label_node = ome["nodes"][0]["name"], ome["nodes"][1]
    # intensity: czyx, middle z, omero colours and windows, additive
    level, data = smallest_level(out, inline=0)
    plane = data[:, data.shape[1] // 2]
    expected = np.zeros(plane.shape[1:] + (3,))
    expected[..., 0] = _window(plane[0], 0, 100)
    expected[..., 1] = _window(plane[1], 0, 100)
    expected = np.rint(expected * 255).astype(np.uint8)
    got = thumbs[image_name]
    assert got.shape == plane.shape[1:] + (4,)
    assert np.array_equal(got[..., :3], expected) and (got[..., 3] == 255).all()
    assert f'data-level="{level}"' in page
    # labels: zyx, middle z; 0 transparent, 3 in its labelAttributes colour
    _, labels = smallest_level(out, label_node["path"]["path"][2:])
    lplane = labels[labels.shape[0] // 2]
    expected = np.zeros(lplane.shape + (4,), np.uint8)
    expected[lplane == 3] = (255, 0, 0, 255)
    assert set(np.unique(lplane)) == {0, 3}
    assert np.array_equal(thumbs[label_node["name"]], expected)


def test_default_colours_and_categorical_labels(tmp_path):
    """No omero: channels red/green/blue windowed to their own min-max (NaN → 0);
    a label image without labelAttributes colours takes the categorical palette."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(3, 40, 300)).astype("float32")
    data[0, 0, 0] = np.nan
    axes = [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    root = write_rfc8_image(tmp_path / "img.zarr", {"s0": data}, axes)
    validation = ngff_migrate.validate(root)
    assert validation.ok and "hand-made" in validation._repr_html_()
    page = validation.to_html()
    got = thumbnails(page)["hand-made"]
    step = int(np.ceil(300 / 128))
    sub = data[:, ::step, ::step].astype(np.float64)
    expected = np.zeros(sub.shape[1:] + (3,))
    for c in range(3):
        lo, hi = np.nanmin(sub[c]), np.nanmax(sub[c])
        colour = np.array([int(DEFAULT_COLOURS[c][i:i + 2], 16) for i in (0, 2, 4)]) / 255
        expected += np.nan_to_num(_window(sub[c], lo, hi), nan=0.0)[..., None] * colour
    expected = np.rint(np.clip(expected, 0, 1) * 255).astype(np.uint8)
    assert got.shape[:2] == sub.shape[1:] and np.array_equal(got[..., :3], expected)
    assert "default colours, min-max windows" in page and f"every {step}th pixel" in page

    labels = rng.integers(0, 30, size=(20, 20)).astype("uint16")
    yx = axes[1:]
    lroot = write_rfc8_image(tmp_path / "lab.zarr", {"s0": labels}, yx, attributes={"labels": {}})
    got = thumbnails(ngff_migrate.validate(lroot).to_html())["hand-made"]
    for value in (1, 7, 21, 29):
        assert tuple(got[labels == value][0]) == (*LABEL_PALETTE[(value - 1) % len(LABEL_PALETTE)], 255)
    assert (got[labels == 0] == 0).all()


def test_placeholders_dtype_huge_and_missing_chunk(tmp_path):
    yx = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    odd = write_rfc8_image(tmp_path / "complex.zarr", {"s0": np.ones((8, 8), "complex64")}, yx)
    huge = write_rfc8_image(tmp_path / "huge.zarr", {"s0": (5000, 5000)}, yx)
    assert 5000 * 5000 > MAX_PLANE_PIXELS
    for root, words in ((odd, "dtype complex64"), (huge, "5000x5000 pixels")):
        page = ngff_migrate.validate(root).to_html()
        assert_offline(page)
        reason = placeholders(page)["hand-made"]
        assert words in reason, reason
        assert not thumbnails(page)


def test_missing_chunk_gives_placeholder_and_the_report_is_still_written(tree, tmp_path):
    src, out = tree("v05_plain"), tmp_path / "out.zarr"
    ngff_migrate.convert(src, out)
    level, data = smallest_level(out)
    array = zarr.open_array(str(out / level), mode="r")  # czyx: the thumbnail reads the middle z
    z_chunk = (data.shape[1] // 2) // array.chunks[1]
    (out / level / "c" / "0" / str(z_chunk) / "0" / "0").unlink()
    page_file = tmp_path / "v.html"
    result = run("validate", out, "--html", page_file)
    assert result.exit_code == 0, result.output
    reason = next(iter(placeholders(page_file.read_text()).values()))
    assert "is missing" in reason and level in reason, reason


def test_failed_convert_writes_its_page_with_the_reason(tree, tmp_path):
    src = tree("v04_plain")
    (src / ".zattrs").write_text((src / ".zattrs").read_text()[:40])
    page_file = tmp_path / "failed.html"
    result = run("convert", src, tmp_path / "out.zarr", "--html", page_file)
    assert result.exit_code == 1
    page = page_file.read_text()
    assert_offline(page)
    assert 'id="status">failed<' in page and "not valid JSON" in page and str(src / ".zattrs") in page
    assert not (tmp_path / "out.zarr").exists()


@pytest.mark.parametrize("command", ["convert", "batch", "plan", "validate", "inspect"])
def test_unwritable_html_path_is_a_usage_error_before_any_work(tree, tmp_path, command):
    src = tree("v04_plain")
    bad = tmp_path / "no such dir" / "r.html"
    args = {"convert": (src, tmp_path / "out.zarr"), "batch": (tmp_path, "--out", tmp_path / "dest"),
            "plan": (tmp_path,), "validate": (src,), "inspect": (src,)}[command]
    result = run(command, *args, "--html", bad)
    assert result.exit_code == 2, result.output
    assert "--html" in result.output and "nothing was done" in result.output
    assert not (tmp_path / "out.zarr").exists() and not (tmp_path / "dest").exists()
    (tmp_path / "dir.html").mkdir()
    assert run(command, *args, "--html", tmp_path / "dir.html").exit_code == 2


def test_inspection_plan_and_notebook_display(tmp_path):
    src = tmp_path / "archive" / "img.zarr"
    write_image(src, "0.5", labels=True)
    found = ngff_migrate.inspect(src)
    page = found.to_html()
    assert_offline(page)
    assert "nothing was written" in page and "label image" in page
    assert set(thumbnails(page)) == {"image 0", "cells"}
    frame = found._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"") and "&lt;!DOCTYPE html&gt;" in frame and "<html" not in frame

    broken = tmp_path / "archive" / "broken.zarr"
    shutil.copytree(src, broken)
    (broken / "zarr.json").write_text("{")
    from ngff_migrate.batch.planner import plan_tree

    plan = plan_tree(tmp_path / "archive")
    page = plan.to_html()
    assert_offline(page)
    assert re.findall(r'<tr class="o-(\w+)" data-outcome="\w+">\s*<td data-sort="([^"]+)"', page) == \
        [("failed", "broken.zarr"), ("plannable", "img.zarr")]
    assert 'id="failures"' in page and "not valid JSON" in page
    assert plan._repr_html_().startswith("<iframe")


def test_batch_page_counts_table_and_failures(tmp_path):
    archive = tmp_path / "archive"
    write_image(archive / "a.zarr", "0.4")
    write_plate(archive / "p.zarr", "0.5")
    write_image(archive / "bad.zarr", "0.4")
    (archive / "bad.zarr" / ".zattrs").write_text("{")
    from ngff_migrate.batch.runner import run_batch

    report = run_batch(archive, destination=tmp_path / "out", jobs=1)
    page = report.to_html()
    assert_offline(page)
    rows = re.findall(r'<tr class="o-[\w-]+" data-outcome="([\w-]+)">\s*<td data-sort="([^"]+)"', page)
    assert sorted(rows) == [("failed", "bad.zarr"), ("migrated", "a.zarr"), ("migrated", "p.zarr")]
    failure = report.failures()[0]
    assert failure["file"] in page and "not valid JSON" in failure["reason"]
    assert re.search(r'<table id="counts-outcome">.*?<td>failed</td><td class="num">1</td>', page, re.S)
    assert re.search(r'<table id="counts-layout">.*?<td>hcs-plate</td><td class="num">1</td>', page, re.S)
    assert "datasets/s" in page
    assert len(re.findall(r'<td class="small-thumb" data-sort="1"><figure', page)) == 2  # one per migrated dataset


def test_batch_that_fails_as_a_whole_writes_its_page(tmp_path):
    page_file = tmp_path / "batch.html"
    result = run("batch", tmp_path / "no-archive", "--out", tmp_path / "dest", "--html", page_file)
    assert result.exit_code == 1, result.output
    page = page_file.read_text()
    assert_offline(page)
    assert 'id="status">failed<' in page and 'id="failure"' in page and str(tmp_path / "no-archive") in page


def _section(page: str, anchor: str) -> str:
    match = re.search(rf'<section class="card" id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"no section {anchor}"
    return match.group(1)


def test_reencode_section_shows_plan_per_array_and_outcome(tmp_path):
    from ngff_migrate.report.html.page import human_bytes

    src = tmp_path / "img.zarr"
    write_image(src, "0.4", labels=True, size=64)
    plain = ngff_migrate.convert(src, tmp_path / "plain.zarr")
    assert 'id="reencode"' not in plain.to_html()  # chunk bytes carried over: nothing to show

    report = ngff_migrate.convert(src, tmp_path / "out.zarr", chunks="y=16,x=16", shards="auto", jobs=1)
    entry = report.reencode
    section = _section(report.to_html(), "reencode")
    rows = dict(re.findall(r'<tr data-array="([^"]+)">(.*?)</tr>', section, re.S))
    assert set(rows) == set(entry["arrays"]) and len(rows) >= 4  # image levels and label levels
    for rel, a in entry["arrays"].items():
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[rel], re.S)]
        assert cells[:3] == [rel, "×".join(map(str, a["shape"])), "×".join(map(str, a["chunks"]))]
        assert cells[3] == "×".join(map(str, a["shards"])) and cells[4] == str(a["shard_count"])
        assert cells[5] == human_bytes(a["shard_bytes"]) and cells[6] == str(a["write_units"])
        assert cells[7] == "; ".join(a["reasons"]) and "shards: auto" in cells[7]
    outcome = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>",
                              re.search(r'id="reencode-outcome">(.*?)</dl>', section, re.S).group(1)))
    assert outcome["units written"] == str(entry["units_written"]) and entry["units_written"] == entry["write_units"]
    assert outcome["units resumed"] == "0" and outcome["resumed"] == "no"
    assert outcome["bytes decoded"] == human_bytes(entry["bytes_decoded"])
    assert outcome["bytes stored"] == human_bytes(entry["bytes_stored"])
    assert outcome["compression ratio"].startswith(f"{entry['compression_ratio']:.2f}")

    # inspect with the same options: the plan, marked as not run, without an outcome
    planned = _section(ngff_migrate.inspect(src, chunks="y=16,x=16", shards="auto").to_html(), "reencode")
    assert "nothing was written" in planned and 'id="reencode-outcome"' not in planned
    assert set(re.findall(r'<tr data-array="([^"]+)">', planned)) == set(entry["arrays"])


def _points(page: str) -> dict[str, list[tuple[float, float]]]:
    out = {}
    for points, tile in re.findall(r'<polygon class="tile" points="([^"]+)" data-tile="([^"]+)"', page):
        out[tile] = [tuple(float(v) for v in p.split(",")) for p in points.split()]
    return out


@pytest.mark.slow
def test_scene_map_places_one_outline_per_tile_by_its_translation(tmp_path):
    pytest.importorskip("ngff_zarr")
    from test_ngff06_scene import _ngff_zarr_scene

    src = _ngff_zarr_scene(tmp_path / "scene.ome.zarr")  # tiles 24 x 20 px at 0.5 um; t1 translated x + 10
    out = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, out)
    page = report.to_html()
    assert_offline(page)
    section = _section(page, "scenemap-0")
    assert 'data-system="world"' in section
    # pixel centres at integers: the box -0.5 .. n - 0.5, scaled by 0.5, then translated
    box = [(-0.25, -0.25), (9.75, -0.25), (9.75, 11.75), (-0.25, 11.75)]
    assert _points(section) == {"tiles/t0": box, "tiles/t1": [(x + 10, y) for x, y in box]}
    assert section.count("<image href=\"data:image/png;base64,") == 2  # each tile's thumbnail in its outline
    assert "scenemap" not in _section(page, "tree")
    assert 'id="scenemap-0"' in ngff_migrate.validate(out).to_html()

    # an affine is drawn corner by corner; a transformation the map cannot draw is named, not drawn
    doc = json.loads((out / "zarr.json").read_text())
    t0, t1 = doc["attributes"]["ome"]["attributes"]["scene"]["coordinateTransformations"]
    t1.pop("translation")
    t1.update(type="affine", affine=[[0, 1, 5], [1, 0, 30]])  # swaps y and x, then offsets y 5, x 30
    t0.pop("translation")
    t0.update(type="coordinates", path="coords")
    (out / "zarr.json").write_text(json.dumps(doc))
    page = ngff_migrate.validate(out).to_html()
    swapped = [(y + 30, x + 5) for x, y in box]
    assert _points(page) == {"tiles/t1": swapped}
    assert re.search(r'data-unplaced="tiles/t0">tiles/t0: not placed: the chain uses a transformation the map '
                     r"does not draw", page)
    assert page.count('<image href="data:') == 0  # a rotated outline gets no thumbnail
