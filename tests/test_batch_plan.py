"""``ngff-migrate plan``: finds every dataset once, says what a batch would do, writes nothing."""

from __future__ import annotations

import csv
import json

import pytest
import zarr
from numcodecs import Delta, Zlib
from test_batch_support import make_archive, run_cli, tree_digest, write_image, write_plate

from ngff_migrate.batch import plan_tree


def _special_tree(root):
    """Datasets whose metadata-only migration is not plain core v3, and one broken one."""
    write_image(root / "odd" / "f-order.ome.zarr", "0.4", storage={"order": "F"})
    write_image(root / "odd" / "delta-zlib.ome.zarr", "0.4",
                storage={"filters": [Delta(dtype="<u2")], "compressor": Zlib(level=1)})
    write_plate(root / "odd" / "consolidated-plate.ome.zarr", "0.4")
    zarr.consolidate_metadata(str(root / "odd" / "consolidated-plate.ome.zarr"), zarr_format=2)
    write_image(root / "odd" / "v03.ome.zarr", "0.4")
    attrs = json.loads((root / "odd" / "v03.ome.zarr" / ".zattrs").read_text())
    attrs["multiscales"][0]["version"] = "0.3"
    (root / "odd" / "v03.ome.zarr" / ".zattrs").write_text(json.dumps(attrs))


@pytest.mark.slow
def test_plan_cli_writes_nothing_and_reports_every_dataset(tmp_path):
    root = tmp_path / "archive"
    rels = make_archive(root, 8)
    _special_tree(root)
    before = tree_digest(root)
    out_json, out_csv = tmp_path / "plan.json", tmp_path / "plan.csv"
    proc = run_cli("plan", str(root), "--json", str(out_json), "--csv", str(out_csv))
    assert tree_digest(root) == before  # a dry run
    assert proc.returncode == 1, proc.stderr  # the 0.3 dataset cannot be migrated
    assert "Traceback" not in proc.stderr + proc.stdout
    manifest = json.loads(out_json.read_text())
    by_rel = {d["rel"]: d for d in manifest["datasets"]}
    assert set(by_rel) == set(rels) | {"odd/f-order.ome.zarr", "odd/delta-zlib.ome.zarr",
                                       "odd/consolidated-plate.ome.zarr", "odd/v03.ome.zarr"}
    # counted once: labels inside images and fields inside plates are not datasets of their own
    assert not any("/labels/" in rel or rel.endswith(("/0", "/labels")) for rel in by_rel)
    img = by_rel["project-00/acquisitions/image-0.4-000.ome.zarr"]
    assert (img["layout"], img["version"], img["arrays"]) == ("ngff-image", "0.4", 2)
    assert img["nominal_bytes"] == 2 * 32 * 32 * 2 + 2 * 16 * 16 * 2  # shape x itemsize, both levels
    assert img["metadata_only"] is True and img["reasons"] == []
    assert img["est_seconds_in_place"] > 0 and img["est_seconds_copy"] >= img["est_seconds_in_place"]
    plate = by_rel["project-00/acquisitions/plate-0.5-003.ome.zarr"]
    assert (plate["layout"], plate["version"], plate["arrays"]) == ("hcs-plate", "0.5", 4)
    assert any("order F" in x for x in by_rel["odd/f-order.ome.zarr"]["reasons"])
    assert by_rel["odd/f-order.ome.zarr"]["metadata_only"] is False
    why = " ".join(by_rel["odd/delta-zlib.ome.zarr"]["reasons"])
    assert "filters delta" in why and "2 arrays" in why
    assert any("consolidated" in x for x in by_rel["odd/consolidated-plate.ome.zarr"]["reasons"])
    bad = by_rel["odd/v03.ome.zarr"]
    assert "'0.3'" in bad["error"] and bad["error_file"].endswith("v03.ome.zarr/.zattrs")
    totals = manifest["totals"]
    assert totals["datasets"] == 12 and totals["failed"] == 1
    assert totals["by_layout"] == {"hcs-plate": 3, "ngff-image": 8, "unknown": 1}
    assert "nominal" in manifest["bytes_are"]
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["rel"] for r in rows] == sorted(by_rel)
    assert {r["rel"]: r["metadata_only"] for r in rows}["odd/f-order.ome.zarr"] == "False"
    # the terminal table names the broken file and the reason
    assert "1 cannot be migrated" in proc.stdout
    assert proc.stderr.count("error:") == 1 and "v03.ome.zarr/.zattrs: unsupported OME-Zarr version '0.3'" in proc.stderr


@pytest.mark.slow
def test_plan_in_parallel_equals_serial(tmp_path):
    root = tmp_path / "archive"
    make_archive(root, 6)
    serial = plan_tree(root, jobs=1)
    parallel = plan_tree(root, jobs=2)
    assert [d.to_json() for d in parallel.datasets] == [d.to_json() for d in serial.datasets]
    assert len(serial.datasets) == 6


def test_walk_reports_unreadable_metadata_and_skips_hidden(tmp_path):
    root = tmp_path / "archive"
    make_archive(root, 2)
    (root / "broken.zarr").mkdir()
    (root / "broken.zarr" / ".zattrs").write_text('{"multiscales": [')  # truncated
    (root / ".snapshot" / "copy.ome.zarr").mkdir(parents=True)
    (root / ".snapshot" / "copy.ome.zarr" / ".zattrs").write_text("{}")
    result = plan_tree(root)
    assert [d.rel for d in result.datasets] == ["broken.zarr", *sorted(
        d.rel for d in result.datasets if d.rel != "broken.zarr")]
    bad = result.datasets[0]
    assert "not valid JSON" in bad.error and bad.error_file.endswith("broken.zarr/.zattrs")
    assert not any(d.rel.startswith(".snapshot") for d in result.datasets)
