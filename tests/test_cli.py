"""The ngff-migrate CLI: commands, exit codes, and every bad input of issue #2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import zarr
from conftest import tree_digest
from typer.testing import CliRunner

from ngff_migrate.cli import app

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def test_convert_prints_tree_and_summary_then_validate_passes(tree, tmp_path):
    src = tree("v04_labels")
    dst = tmp_path / "out.zarr"
    report = tmp_path / "report.json"
    result = run("convert", src, dst, "--report", report)
    assert result.exit_code == 0, result.output
    assert "collection" in result.output and "singlescale" in result.output
    assert "legacy keys" in result.output and "pixel-equal" in result.output
    data = json.loads(report.read_text())
    assert data["status"] == "done" and data["layout"] == "ngff-image" and data["version"] == "0.4"
    carried = {(k["key"]) for k in data["keys"] if k["disposition"] == "carried"}
    assert "omero" in carried
    assert data["key_counts"]["dropped"] == 0
    assert all(k in data["timings"] for k in ("detect", "read", "translate", "write", "verify", "total"))
    result = run("validate", dst)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_reports_rule_document_and_location(tree, tmp_path):
    src = tree("v05_plain")
    dst = tmp_path / "out.zarr"
    assert run("convert", src, dst).exit_code == 0
    doc = json.loads((dst / "zarr.json").read_text())
    doc["attributes"]["ome"]["nodes"][1]["id"] = doc["attributes"]["ome"]["nodes"][0]["id"]
    (dst / "zarr.json").write_text(json.dumps(doc))
    result = run("validate", dst)
    assert result.exit_code == 1
    assert "[node-id-unique] zarr.json ome.nodes[1].id" in result.output


def test_inspect_json_shows_the_document_it_would_write(tree):
    src = tree("v04_labels")
    before = tree_digest(src)
    result = run("inspect", src, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["detected"]["version"] == "0.4"
    assert data["documents"]["zarr.json"]["attributes"]["ome"]["type"] == "collection"
    assert "labels/nuclei/zarr.json" in data["documents"]
    assert tree_digest(src) == before
    assert run("inspect", src).exit_code == 0


def test_in_place_and_rollback_via_cli(tree):
    src = tree("v04_plain")
    before = tree_digest(src)
    assert run("convert", "--in-place", src).exit_code == 0
    assert run("validate", src).exit_code == 0
    assert run("rollback", src).exit_code == 0
    assert tree_digest(src) == before


def _expect_failure(args, code, *needles, src=None, dst=None):
    before = tree_digest(src) if src is not None and src.is_dir() else None
    result = run(*args)
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for needle in needles:
        assert needle in result.output, result.output
    if before is not None:
        assert tree_digest(src) == before, "the input must be byte-identical afterwards"
    if dst is not None:
        assert not dst.exists()
        assert not list(dst.parent.glob(f".{dst.name}.ngff-migrate-partial*"))
    return result


def test_truncated_metadata(tree, tmp_path):
    src = tree("v04_plain")
    zattrs = src / ".zattrs"
    zattrs.write_text(zattrs.read_text()[:40])
    _expect_failure(("convert", src, tmp_path / "o.zarr"), 1, ".zattrs", "not valid JSON",
                    src=src, dst=tmp_path / "o.zarr")


def test_non_json_metadata(tree, tmp_path):
    src = tree("v05_plain")
    (src / "zarr.json").write_text("<html>not json</html>")
    _expect_failure(("convert", src, tmp_path / "o.zarr"), 1, "zarr.json", "not valid JSON", src=src)


def test_dataset_path_without_array(tree, tmp_path):
    src = tree("v04_plain")
    shutil.rmtree(src / "s1")
    _expect_failure(("convert", "--in-place", src), 1, "s1", "no Zarr array", src=src)


@pytest.mark.parametrize("version", ["0.3", "0.9", "banana"])
def test_unknown_or_unsupported_version(tree, tmp_path, version):
    src = tree("v04_plain")
    attrs = json.loads((src / ".zattrs").read_text())
    attrs["multiscales"][0]["version"] = version
    (src / ".zattrs").write_text(json.dumps(attrs))
    _expect_failure(("convert", src, tmp_path / "o.zarr"), 1, "unsupported OME-Zarr version", src=src)


def test_directory_without_metadata(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    _expect_failure(("convert", empty, tmp_path / "o.zarr"), 1, "no Zarr metadata", src=empty)


@pytest.mark.parametrize("fmt", [2, 3])
def test_plain_zarr_group(tmp_path, fmt):
    group = tmp_path / "plain.zarr"
    zarr.open_group(group, mode="w", zarr_format=fmt).attrs["something"] = 1
    _expect_failure(("convert", group, tmp_path / "o.zarr"), 1, "plain Zarr", "without OME metadata", src=group)


@pytest.mark.parametrize("inside", [".", "sub/out.zarr"])
def test_destination_equal_to_or_inside_source(tree, inside):
    src = tree("v04_plain")
    _expect_failure(("convert", src, src / inside), 2, "inside the source", src=src)


def test_destination_exists_without_overwrite(tree, tmp_path):
    src = tree("v04_plain")
    dst = tmp_path / "exists.zarr"
    dst.mkdir()
    (dst / "keep.txt").write_text("mine")
    _expect_failure(("convert", src, dst), 2, "already exists", "--overwrite", src=src)
    assert (dst / "keep.txt").read_text() == "mine"
    assert run("convert", src, dst, "--overwrite").exit_code == 0
    assert not (dst / "keep.txt").exists() and (dst / "zarr.json").is_file()


def test_corrupt_chunk_fails_full_verification(tree, tmp_path):
    src = tree("v04_plain")
    chunk = sorted(p for p in (src / "s0").rglob("*") if p.is_file() and not p.name.startswith("."))[0]
    chunk.write_bytes(chunk.read_bytes()[:7])
    dst = tmp_path / "o.zarr"
    _expect_failure(("convert", src, dst, "--verify", "full"), 1, "cannot be decoded", src=src, dst=dst)
    _expect_failure(("convert", "--in-place", src, "--verify", "full"), 1, "cannot be decoded", src=src)


def test_missing_chunk_is_reported_not_fatal(tree, tmp_path):
    src = tree("v04_plain")
    chunk = sorted(p for p in (src / "s0").rglob("*") if p.is_file() and not p.name.startswith("."))[0]
    chunk.unlink()
    report = tmp_path / "r.json"
    result = run("convert", src, tmp_path / "o.zarr", "--verify", "full", "--report", report)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert len(data["verification"]["missing_chunks"]) == 1
    assert any("absent from the source" in w for w in data["warnings"])


def test_unwritable_target(tree, tmp_path):
    src = tree("v04_plain")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    dst = blocker / "o.zarr"
    _expect_failure(("convert", src, dst), 1, "a-file", src=src)


def test_usage_errors_exit_2(tree):
    src = tree("v04_plain")
    assert run("convert", src).exit_code == 2
    assert run("convert", src, "--verify", "sometimes").exit_code == 2


def test_console_script_runs_without_traceback(tree, tmp_path):
    """The installed entry point itself (a real process)."""
    exe = shutil.which("ngff-migrate") or str(tmp_path / "missing")
    cmd = [exe] if shutil.which("ngff-migrate") else [sys.executable, "-m", "ngff_migrate"]
    proc = subprocess.run([*cmd, "convert", str(tmp_path / "nope"), str(tmp_path / "o.zarr")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "no such file or directory" in proc.stderr
    proc = subprocess.run([*cmd, "--debug", "convert", str(tmp_path / "nope"), str(tmp_path / "o.zarr")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" in proc.stderr


def test_inspect_on_rfc8_output_says_up_to_date(tree, tmp_path):
    dst = tmp_path / "out.zarr"
    assert run("convert", tree("v04_labels"), dst, "-q").exit_code == 0
    result = run("inspect", dst)
    assert result.exit_code == 0, result.output
    assert "rfc8" in result.output and "up to date: convert would change nothing" in result.output


def test_relative_paths_from_the_working_directory(tree, monkeypatch):
    """Users type relative paths: every command works from the dataset's parent directory."""
    src = tree("v04_labels")
    before = tree_digest(src)
    monkeypatch.chdir(src.parent)
    name = src.name
    for args in (["inspect", name], ["convert", name, "out.zarr"], ["validate", "out.zarr"],
                 ["inspect", "out.zarr"], ["convert", "out.zarr", "again.zarr"],
                 ["convert", "--in-place", name], ["validate", name], ["rollback", name]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "leaves the root" not in result.output, (args, result.output)
    assert tree_digest(src) == before
