"""``file://`` URLs wherever a path is taken (issue #11, item 1): convert (source and
destination), inspect, validate, plan, batch, rollback."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import tree_digest
from typer.testing import CliRunner

from ngff_migrate.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_file_urls_everywhere(tmp_path):
    src = tmp_path / "in" / "img.zarr"
    shutil.copytree(SAMPLE / "image_v04.ome.zarr", src)
    before = tree_digest(src)
    url = src.as_uri()
    assert url.startswith("file:///")
    _ok("inspect", url)
    out = tmp_path / "out" / "img.zarr"
    out.parent.mkdir()
    _ok("convert", url, out.as_uri(), "-q")
    assert (out / "zarr.json").is_file()
    assert "valid" in _ok("validate", out.as_uri())
    _ok("plan", (tmp_path / "in").as_uri(), "--json", str(tmp_path / "p.json"))
    import json

    assert [d["rel"] for d in json.loads((tmp_path / "p.json").read_text())["datasets"]] == ["img.zarr"]
    _ok("batch", (tmp_path / "in").as_uri(), "--out", (tmp_path / "bout").as_uri(), "-q")
    assert (tmp_path / "bout" / "img.zarr" / "zarr.json").is_file()
    _ok("convert", "--in-place", url, "-q")
    assert tree_digest(src) != before
    _ok("rollback", url)
    assert tree_digest(src) == before


def test_a_file_url_is_percent_decoded_and_names_this_machine(tmp_path):
    from ngff_migrate.errors import UsageError
    from ngff_migrate.storage.location import from_file_url, open_location

    src = tmp_path / "my plate.zarr"
    shutil.copytree(SAMPLE / "image_v04.ome.zarr", src)
    assert src.as_uri().endswith("my%20plate.zarr")
    assert open_location(src.as_uri()) == src
    _ok("inspect", src.as_uri())
    import pytest

    with pytest.raises(UsageError, match="this machine"):
        from_file_url("file://elsewhere/x.zarr")
    result = runner.invoke(app, ["inspect", "file://elsewhere/x.zarr"])
    assert result.exit_code == 2, result.output
