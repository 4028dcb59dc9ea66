"""Re-encoding through convert (issue #9): rechunk, shard, change codecs.

Inputs are written by ome-zarr-py (conftest) and zarr-python; every output
is checked for pixel equality with the source, rule-checked, and opened by
zarr-python with the chunk and shard shapes asked for.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr
from checks import arrays_under, assert_documents_valid, assert_pixels_equal
from conftest import tree_digest
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def _inner(doc):
    codecs = doc["codecs"]
    if codecs[0]["name"] == "sharding_indexed":
        return codecs[0]["configuration"]["chunk_shape"], doc["chunk_grid"]["configuration"]["chunk_shape"], \
            codecs[0]["configuration"]["codecs"]
    return doc["chunk_grid"]["configuration"]["chunk_shape"], None, codecs


@pytest.mark.parametrize("name", ["v04_labels", "v05_labels"])
def test_rechunk_and_shard_gives_a_valid_pixel_equal_sharded_tree(tree, tmp_path, name):
    src = tree(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report_file = tmp_path / "report.json"
    result = run("convert", src, dst, "--chunks", "z=2,y=8,x=8", "--shards", "auto", "--codec", "zstd:5",
                 "--verify", "full", "--report", report_file)
    assert result.exit_code == 0, result.output
    assert tree_digest(src) == before  # the input is read only
    assert_documents_valid(dst)
    fmt = 2 if name.startswith("v04") else 3
    arrays = arrays_under(dst)
    assert "s0" in arrays and "labels/nuclei/s0" in arrays
    for rel in arrays:
        assert_pixels_equal(src, fmt, dst, rel)
        doc = json.loads((dst / rel / "zarr.json").read_text())
        chunks, shards, inner = _inner(doc)
        assert shards is not None, rel  # every array is sharded
        assert [c["name"] for c in inner] == ["bytes", "zstd"] and inner[1]["configuration"]["level"] == 5
        names = doc["dimension_names"]
        want = {"z": 2, "y": 8, "x": 8}
        for axis, c, s in zip(names, chunks, doc["shape"], strict=True):
            assert c == min(want.get(axis, c), s), (rel, names, chunks)
        arr = zarr.open_array(dst / rel, mode="r")
        assert tuple(arr.chunks) == tuple(chunks) and tuple(arr.shards) == tuple(shards)
        # no source chunk file was copied: keys are the default v3 encoding
        assert not any(p.name.isdigit() and p.parent == dst / rel for p in (dst / rel).iterdir())
    report = json.loads(report_file.read_text())
    assert report["reencode"]["units_written"] == report["reencode"]["write_units"] > 0
    assert report["reencode"]["compression_ratio"] > 0
    assert report["verification"]["reverse_map"]["equal"] is True
    assert report["verification"]["chunks_compared"] == report["verification"]["chunks_total"]
    assert not list(dst.rglob(".ngff-migrate-reencode"))  # no bookkeeping left in the output
    assert run("validate", dst).exit_code == 0


def test_codec_none_and_unsharded_and_portable(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "plain.zarr"
    report = ngff_migrate.convert(src, dst, codec="none", shards="none", chunks="8,16,16,16", verify="full")
    assert report.status == "done"
    doc = json.loads((dst / "s0" / "zarr.json").read_text())
    assert doc["codecs"] == [{"name": "bytes", "configuration": {"endian": "little"}}]
    assert doc["chunk_grid"]["configuration"]["chunk_shape"] == [2, 8, 16, 16]
    assert_pixels_equal(src, 2, dst, "s0")
    # --portable: blosc is core Zarr v3, so nothing is re-encoded and chunk files are carried
    dst2 = tmp_path / "portable.zarr"
    report = ngff_migrate.convert(src, dst2, portable=True, verify="none")
    assert report.reencode["arrays"] == {} and set(report.reencode["kept"]) == set(arrays_under(src))
    assert (dst2 / "s0" / "0" / "0" / "0" / "0").read_bytes() == (src / "s0" / "0" / "0" / "0" / "0").read_bytes()


def test_portable_reencodes_only_non_core_codecs(tmp_path):
    """A v2 array compressed with zlib (numcodecs only) becomes a core v3 array; a blosc one is carried."""
    from numcodecs import Blosc, Zlib

    src = tmp_path / "img.zarr"
    group = zarr.open_group(src, mode="w", zarr_format=2)
    data = np.arange(64 * 48, dtype="uint16").reshape(64, 48)
    for path, compressor in (("0", Zlib(level=1)), ("1", Blosc())):
        arr = group.create_array(path, shape=data.shape, chunks=(32, 16), dtype="uint16", compressor=compressor)
        arr[:] = data
    group.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": "y", "type": "space"},
                                                             {"name": "x", "type": "space"}],
                                   "datasets": [{"path": p, "coordinateTransformations": [
                                       {"type": "scale", "scale": [1.0, 1.0]}]} for p in ("0", "1")]}]
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--portable", "--verify", "full")
    assert result.exit_code == 0, result.output
    zero = json.loads((dst / "0" / "zarr.json").read_text())
    assert all(not c["name"].startswith("numcodecs.") for c in zero["codecs"])
    one = json.loads((dst / "1" / "zarr.json").read_text())
    assert one["chunk_key_encoding"]["name"] == "v2"  # carried byte for byte
    for rel in ("0", "1"):
        assert_pixels_equal(src, 2, dst, rel)


def test_extra_files_in_an_array_directory_are_copied_not_lost(tree, tmp_path):
    src = tree("v04_plain")
    (src / "s0" / "README.txt").write_text("scanned on the old microscope\n")
    dst = tmp_path / "out.zarr"
    assert run("convert", src, dst, "--chunks", "y=16,x=16").exit_code == 0
    assert (dst / "s0" / "README.txt").read_text() == "scanned on the old microscope\n"


@pytest.mark.parametrize(("args", "words"), [
    (["--chunks", "0,1,2,3"], "not positive"),
    (["--chunks", "1,-2,3,4"], "not positive"),
    (["--chunks", "16,16"], "has 2 numbers but the array"),
    (["--chunks", "x=16", "--shards", "x=24"], "not a whole multiple"),
    (["--codec", "lzw"], "unknown codec"),
    (["--codec", "zstd:99"], "out of range"),
    (["--shards", "auto", "--chunks", "y=48,x=40", "--shard-size", "1kB"], "under one chunk"),
    (["--shard-size", "64MiB"], "--shard-size"),
])
def test_bad_reencode_options_are_usage_errors(tree, tmp_path, args, words):
    src = tree("v04_labels")
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, *args)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())
    assert len(result.output.strip().splitlines()) <= 3
    assert not dst.exists() and not list(tmp_path.glob(".out.zarr*"))


def test_in_place_with_a_reencode_option_says_what_to_run(tree):
    src = tree("v04_plain")
    before = tree_digest(src)
    result = run("convert", src, "--in-place", "--chunks", "y=16,x=16")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "needs a destination" in text and "ngff-migrate convert SRC DST --chunks y=16,x=16" in text
    assert tree_digest(src) == before


def test_a_source_chunk_that_does_not_decode_is_named(tree, tmp_path):
    src = tree("v04_plain")
    victim = src / "s0" / "0" / "0" / "0" / "0"
    victim.write_bytes(b"not a blosc frame at all")
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--chunks", "y=16,x=16", "--verify", "none")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "source chunk cannot be decoded" in text and str(victim) in text.replace(" ", "") or \
        "0/0/0/0/0" in text
    assert not dst.exists()  # nothing marked complete


def test_rerun_with_different_options_after_a_failure_names_the_difference(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "out.zarr"
    bad = src / "s0" / "0" / "0" / "0" / "0"
    good = bad.read_bytes()
    bad.write_bytes(b"garbage")
    assert run("convert", src, dst, "--chunks", "y=16,x=16", "--verify", "none").exit_code == 1
    partial = tmp_path / ".out.zarr.ngff-migrate-partial"
    assert partial.is_dir()  # kept for a resume
    bad.write_bytes(good)
    result = run("convert", src, dst, "--chunks", "y=8,x=8")
    assert result.exit_code == 2
    assert "chunks was 'y=16,x=16', now 'y=8,x=8'" in " ".join(result.output.split())
    # the same command resumes and finishes; --overwrite would start over
    result = run("convert", src, dst, "--chunks", "y=16,x=16", "--verify", "full")
    assert result.exit_code == 0, result.output
    assert not partial.exists()
    assert_pixels_equal(src, 2, dst, "s0")


def test_big_endian_and_float_sources(tmp_path):
    src = tmp_path / "be.zarr"
    group = zarr.open_group(src, mode="w", zarr_format=2)
    data = (np.arange(40 * 30, dtype=">f4").reshape(40, 30) / 3).astype(">f4")
    data[3, 4] = np.nan
    arr = group.create_array("0", shape=data.shape, chunks=(16, 16), dtype=">f4", fill_value=np.nan)
    arr[:] = data
    group.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": "y", "type": "space"},
                                                             {"name": "x", "type": "space"}],
                                   "datasets": [{"path": "0", "coordinateTransformations": [
                                       {"type": "scale", "scale": [1.0, 1.0]}]}]}]
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--chunks", "8,8", "--shards", "16,16", "--codec", "blosc:zstd:3:bitshuffle",
                 "--verify", "full")
    assert result.exit_code == 0, result.output
    out = zarr.open_array(dst / "0", mode="r")[...]
    np.testing.assert_array_equal(out, data)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_plate_fields_are_reencoded(tmp_path, version):
    """An HCS plate written by ome-zarr-py: every field's levels (and labels) are re-encoded."""
    from test_hcs import _write_ome_zarr_py as write_plate

    src = tmp_path / "plate.zarr"
    write_plate(src, version)
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--chunks", "y=8,x=8", "--shards", "auto", "--codec", "gzip:1",
                 "--verify", "full")
    assert result.exit_code == 0, result.output
    arrays = arrays_under(src)
    assert len(arrays) >= 12
    for rel in arrays:
        assert_pixels_equal(src, 2 if version == "0.4" else 3, dst, rel)
        doc = json.loads((dst / rel / "zarr.json").read_text())
        assert doc["codecs"][0]["name"] == "sharding_indexed", rel
    assert_documents_valid(dst)


def test_inspect_shows_the_shard_plan_and_writes_nothing(tree):
    src = tree("v04_labels")
    before = tree_digest(src)
    result = run("inspect", src, "--json", "--chunks", "z=2,y=8,x=8", "--shards", "auto", "--shard-size", "4KiB")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)["reencode"]
    s0 = plan["arrays"]["s0"]
    assert s0["chunks"] == [1, 2, 8, 8]
    # the largest whole-chunk block at or under 4 KiB of uint16: 2048 elements
    assert s0["shard_bytes"] <= 4096 and s0["shard_bytes"] * 2 > 4096
    assert all(s % c == 0 for s, c in zip(s0["shards"], s0["chunks"], strict=True))
    assert s0["shard_count"] == plan["arrays"]["s0"]["write_units"] > 1
    assert any("auto" in r for r in s0["reasons"])
    assert tree_digest(src) == before
    table = run("inspect", src, "--chunks", "z=2,y=8,x=8")
    assert table.exit_code == 0 and "re-encode plan" in table.output


@pytest.mark.slow
def test_batch_reencodes_every_dataset_and_a_rerun_is_done_earlier(tmp_path):
    root = tmp_path / "archive"
    (root / "lab").mkdir(parents=True)
    shutil.copytree("sample_data/image_v04.ome.zarr", root / "a.ome.zarr")
    shutil.copytree("sample_data/image_v05.ome.zarr", root / "lab" / "b.ome.zarr")
    out = tmp_path / "out"
    args = ["batch", root, "--out", out, "--chunks", "y=32,x=32", "--shards", "auto", "--codec", "zstd:1",
            "--jobs", "2", "--report", tmp_path / "batch.json"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    for rel, fmt in (("a.ome.zarr", 2), ("lab/b.ome.zarr", 3)):
        for array in arrays_under(root / rel):
            assert_pixels_equal(root / rel, fmt, out / rel, array)
            doc = json.loads((out / rel / array / "zarr.json").read_text())
            assert doc["codecs"][0]["name"] == "sharding_indexed"
            inner = doc["codecs"][0]["configuration"]
            assert inner["codecs"][-1] == {"name": "zstd", "configuration": {"level": 1, "checksum": False}}
        assert_documents_valid(out / rel)
    again = run(*args)
    assert again.exit_code == 0
    outcomes = {d["path"]: d["outcome"] for d in json.loads((tmp_path / "batch.json").read_text())["datasets"]}
    assert set(outcomes.values()) == {"done-earlier"}, outcomes
    # other options are another batch: the journal refuses or redoes, never mixes
    in_place = run("batch", root, "--in-place", "--chunks", "y=32,x=32")
    assert in_place.exit_code == 2 and "needs a destination" in " ".join(in_place.output.split())


def _block_mean(a, factors):
    shape = [n // f * f for n, f in zip(a.shape, factors, strict=True)]
    a = a[tuple(slice(0, n) for n in shape)].astype(np.float64)
    split = []
    for n, f in zip(shape, factors, strict=True):
        split += [n // f, f]
    return a.reshape(split).mean(axis=tuple(range(1, 2 * len(factors), 2)))


def test_levels_builds_the_missing_levels_with_half_pixel_translations(tmp_path):
    src = Path("sample_data/image_v04.ome.zarr")
    dst = tmp_path / "out.zarr"
    report_file = tmp_path / "r.json"
    result = run("convert", src, dst, "--levels", "5", "--verify", "full", "--report", report_file)
    assert result.exit_code == 0, result.output
    docs = assert_documents_valid(dst)
    image = next(n for n in docs["zarr.json"]["nodes"] if n["id"] == "sample-0.4-image")
    levels = [n for n in image["nodes"] if n["type"] == "singlescale"]
    assert [n["path"]["path"] for n in levels] == ["./s0", "./s1", "./s2", "./s3", "./s4"]
    s2 = zarr.open_array(src / "s2", mode="r", zarr_format=2)[...]
    s3 = zarr.open_array(dst / "s3", mode="r")[...]
    s4 = zarr.open_array(dst / "s4", mode="r")[...]
    # c kept; z (2.0 um) is finer than the new y/x (4.0 um): halved with them
    np.testing.assert_array_equal(s3, np.rint(_block_mean(s2, (1, 2, 2, 2))).astype(s2.dtype))
    np.testing.assert_array_equal(s4, np.rint(_block_mean(s3, (1, 2, 2, 2))).astype(s2.dtype))
    seq = levels[3]["attributes"]["coordinateTransformations"][0]["transformations"]
    assert seq[0]["scale"] == [1.0, 4.0, 4.0, 4.0]
    # translation moves by half a previous pixel on each halved axis: 0.75 + 0.5 * 2.0
    assert seq[1]["translation"] == [0.0, 1.0, 1.75, 1.75]
    # the existing levels were carried byte for byte
    assert (dst / "s0" / "0" / "0" / "0" / "0").read_bytes() == (src / "s0" / "0" / "0" / "0" / "0").read_bytes()
    report = json.loads(report_file.read_text())
    assert set(report["reencode"]["new_levels"]) == {"s3", "s4"}
    assert report["verification"]["new_levels"]["levels"] == 2
    assert report["verification"]["reverse_map"]["equal"] is True


def test_label_levels_use_the_mode_and_never_invent_values(tmp_path):
    src = tmp_path / "img.zarr"
    group = zarr.open_group(src, mode="w", zarr_format=2)
    rng = np.random.default_rng(5)
    image = group.create_array("0", shape=(64, 64), chunks=(32, 32), dtype="uint16")
    image[:] = rng.integers(0, 1000, size=(64, 64))
    axes = [{"name": "y", "type": "space", "unit": "micrometer"}, {"name": "x", "type": "space",
                                                                  "unit": "micrometer"}]
    ms = [{"version": "0.4", "axes": axes, "datasets": [
        {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [0.5, 0.5]}]}]}]
    group.attrs["multiscales"] = ms
    labels = group.create_group("labels")
    labels.attrs["labels"] = ["cells"]
    cells = labels.create_group("cells")
    lab = cells.create_array("0", shape=(64, 64), chunks=(32, 32), dtype="uint8")
    values = np.zeros((64, 64), np.uint8)
    values[::2, ::2] = 7  # each 2x2 block holds 7, 0, 0, 9: mode 0, mean 4 (a value no label has)
    values[1::2, 1::2] = 9
    lab[:] = values
    cells.attrs["multiscales"] = ms
    cells.attrs["image-label"] = {"version": "0.4", "source": {"image": "../../"}}
    dst = tmp_path / "out.zarr"
    result = run("convert", src, dst, "--levels", "3", "--downsample", "mean", "--verify", "sample")
    assert result.exit_code == 0, result.output
    one = zarr.open_array(dst / "labels" / "cells" / "1", mode="r")[...]
    assert one.shape == (32, 32) and set(np.unique(one)) == {0}
    image1 = zarr.open_array(dst / "1", mode="r")[...]
    np.testing.assert_array_equal(image1, np.rint(_block_mean(image[...], (2, 2))).astype("uint16"))
    assert_documents_valid(dst)


@pytest.mark.parametrize(("args", "words"), [
    (["--levels", "0"], "--levels"), (["--downsample", "mode"], "give it with --levels"),
    (["--levels", "4", "--downsample", "median"], "one of mean, nearest, mode"),
])
def test_bad_level_options(tmp_path, args, words):
    result = run("convert", "sample_data/image_v04.ome.zarr", tmp_path / "o.zarr", *args)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())


def test_plan_root_shows_the_reencode_plan_and_refuses_bad_options(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    shutil.copytree("sample_data/image_v04.ome.zarr", root / "a.ome.zarr")
    shutil.copytree("sample_data/image_v05.ome.zarr", root / "b.ome.zarr")
    manifest = tmp_path / "m.json"
    result = run("plan", root, "--chunks", "y=32,x=32", "--shards", "auto", "--json", manifest)
    assert result.exit_code == 0, result.output
    assert "re-encode units" in result.output
    data = json.loads(manifest.read_text())
    for d in data["datasets"]:
        plan = d["reencode"]
        assert plan["write_units"] == sum(a["write_units"] for a in plan["arrays"].values()) > 0
        for a in plan["arrays"].values():
            assert a["chunks"][-2:] == [min(32, a["shape"][-2]), min(32, a["shape"][-1])]
    bad = run("plan", root, "--codec", "lzma")
    assert bad.exit_code == 2 and "unknown codec" in bad.output
    # a shape that does not fit a dataset makes that dataset unmigratable, not the whole plan
    wrong = run("plan", root, "--chunks", "7,7", "--json", manifest)
    assert wrong.exit_code == 1
    errors = [d["error"] for d in json.loads(manifest.read_text())["datasets"]]
    assert all("has 2 numbers but the array" in e for e in errors), errors
