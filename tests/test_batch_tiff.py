"""``plan``/``batch`` over archives that mix OME-Zarr datasets and TIFFs (issue #10, items 3 and 4).

Every TIFF is written here by tifffile: single files with ``ome=True``
(64 x 64 uint16, ``PhysicalSizeX/Y`` 0.5), multi-file OME-TIFF sets whose
OME-XML (written as the ImageDescription, ``metadata=None``) names every
file by ``TiffData`` > ``UUID`` ``FileName``, a companion set whose TIFFs
carry only ``BinaryOnly``, and a tile-set folder with a Fiji
``TileConfiguration.txt``. The OME-Zarr image is ``sample_data/image_v04.ome.zarr``.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from test_batch_support import run_cli, tree_digest

import ngff_migrate
from ngff_migrate.batch import find_datasets, plan_tree
from ngff_migrate.batch.fingerprint import fingerprint
from ngff_migrate.batch.tiffs import destination_clashes, output_rel, sources_of
from ngff_migrate.batch.walk import Found

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "image_v04.ome.zarr"
OME_NS = "http://www.openmicroscopy.org/Schemas/OME/2016-06"


def _has_multifile() -> bool:
    try:
        from ngff_migrate.formats.tiff.multifile import file_set  # noqa: F401
    except ImportError:
        return False
    return True


def _tiles_convert() -> bool:
    """Whether ``convert`` takes a tile-set folder (``detect`` says ``tiff-tiles``)."""
    import tempfile

    from ngff_migrate.formats.detect import detect

    folder = Path(tempfile.mkdtemp(prefix="tiles-probe-"))
    try:
        (folder / "TileConfiguration.txt").write_text("dim = 2\n")
        return detect(folder).layout == "tiff-tiles"
    except Exception:
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


needs_multifile = pytest.mark.skipif(not _has_multifile(), reason="ngff_migrate.formats.tiff.multifile not there yet")
needs_tiles = pytest.mark.skipif(not _tiles_convert(), reason="tile-set conversion (detect -> tiff-tiles) not there yet")


def _tiff(path: Path, seed: int = 0, shape=(64, 64)) -> np.ndarray:
    data = np.random.default_rng(seed).integers(0, 4000, shape, dtype="uint16")
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, data, ome=True, metadata={"axes": "YX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5})
    return data


def _multifile(folder: Path, stem: str = "set", n: int = 3, *, companion: bool = False) -> np.ndarray:
    """``n`` files ``<stem>_<k>.ome.tif``, one z plane each. Without ``companion``
    each file holds the full OME-XML (its own ``UUID``, ``TiffData`` naming every
    file); with it the XML is in ``<stem>.companion.ome`` and each TIFF holds only
    ``BinaryOnly MetadataFile``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = np.random.default_rng(7).integers(0, 4000, (n, 64, 64), dtype="uint16")
    ids = [f"urn:uuid:{uuid.UUID(int=1000 * len(stem) + k + 1)}" for k in range(n)]
    names = [f"{stem}_{k}.ome.tif" for k in range(n)]
    comp_id = f"urn:uuid:{uuid.UUID(int=999)}"
    blocks = "".join(f'<TiffData IFD="0" FirstZ="{k}" PlaneCount="1"><UUID FileName="{names[k]}">{ids[k]}</UUID>'
                     "</TiffData>" for k in range(n))

    def full(own: str) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?><OME xmlns="{OME_NS}" UUID="{own}">'
                f'<Image ID="Image:0" Name="{stem}"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" '
                f'SizeX="64" SizeY="64" SizeZ="{n}" SizeC="1" SizeT="1" PhysicalSizeX="0.5" PhysicalSizeY="0.5">'
                f'<Channel ID="Channel:0:0" SamplesPerPixel="1"/>{blocks}</Pixels></Image></OME>')

    for k in range(n):
        xml = full(ids[k]) if not companion else (
            f'<?xml version="1.0" encoding="UTF-8"?><OME xmlns="{OME_NS}" UUID="{ids[k]}">'
            f'<BinaryOnly MetadataFile="{stem}.companion.ome" UUID="{comp_id}"/></OME>')
        tifffile.imwrite(folder / names[k], data[k], description=xml, metadata=None)
    if companion:
        (folder / f"{stem}.companion.ome").write_text(full(comp_id))
    return data


def _tiles(folder: Path) -> list[np.ndarray]:
    """Two 64 x 64 tiles side by side (x 0 and 60 pixels), placed by a TileConfiguration.txt."""
    tiles = [_tiff(folder / f"t{k}.ome.tif", seed=20 + k) for k in range(2)]
    (folder / "TileConfiguration.txt").write_text("dim = 2\nt0.ome.tif; ; (0.0, 0.0)\nt1.ome.tif; ; (60.0, 0.0)\n")
    return tiles


def _archive(root: Path) -> dict[str, object]:
    """The mixed archive of most tests; returns the pixels of each TIFF dataset by rel."""
    shutil.copytree(SAMPLE, root / "a" / "image.ome.zarr")
    pixels: dict[str, object] = {
        "a/x.ome.tif": _tiff(root / "a" / "x.ome.tif", 1),
        "a/b/plain.tif": _tiff(root / "a" / "b" / "plain.tif", 2),
        "c/set_0.ome.tif": _multifile(root / "c"),
        "tiles": _tiles(root / "tiles"),
    }
    (root / "a" / "README.txt").write_text("not a dataset\n")
    _tiff(root / "a" / ".hidden.tif", 3)  # hidden: not a dataset
    _tiff(root / "a" / "image.ome.zarr" / "attached.tif", 4)  # inside a dataset: part of it, not seen
    group = zarr.open_group(str(root / "plain-group"), mode="w", zarr_format=2)
    group.attrs["x"] = 1
    _tiff(root / "plain-group" / "in-group.tif", 5)  # inside a Zarr group: not a plain directory
    return pixels


def _found(root: Path) -> dict[str, Found]:
    return {f.rel: f for f in find_datasets(root)}


# --------------------------------------------------------------------------- discovery and mapping


def test_walk_finds_tiff_files_sets_and_tile_folders_once(tmp_path):
    _archive(tmp_path)
    found = _found(tmp_path)
    layouts = {rel: f.layout for rel, f in found.items()}
    expected = {"a/image.ome.zarr": "ngff-image", "a/x.ome.tif": "tiff", "a/b/plain.tif": "tiff", "tiles": "tiff-tiles"}
    if _has_multifile():
        expected["c/set_0.ome.tif"] = "tiff"  # three files, one dataset at the master
    else:
        expected.update({f"c/set_{k}.ome.tif": "tiff" for k in range(3)})
    assert layouts == expected
    assert all(f.error is None for f in found.values())
    assert [m.name for m in found["tiles"].members] == ["TileConfiguration.txt", "t0.ome.tif", "t1.ome.tif"]
    assert [m.name for m in found["a/x.ome.tif"].members] == ["x.ome.tif"]
    if _has_multifile():
        assert [m.name for m in found["c/set_0.ome.tif"].members] == [f"set_{k}.ome.tif" for k in range(3)]
    assert found["a/image.ome.zarr"].members == ()


@needs_multifile
def test_companion_set_is_one_dataset_at_the_companion(tmp_path):
    _multifile(tmp_path / "d", "comp", 3, companion=True)
    _tiff(tmp_path / "d" / "alone.ome.tif")
    found = _found(tmp_path)
    assert sorted(found) == ["d/alone.ome.tif", "d/comp.companion.ome"]
    assert [m.name for m in found["d/comp.companion.ome"].members] == [
        "comp.companion.ome", "comp_0.ome.tif", "comp_1.ome.tif", "comp_2.ome.tif"]
    assert output_rel("d/comp.companion.ome", "tiff") == "d/comp.ome.zarr"


@needs_multifile
def test_a_set_with_a_missing_member_is_a_failed_dataset(tmp_path):
    _multifile(tmp_path / "m", "gone", 3)
    (tmp_path / "m" / "gone_2.ome.tif").unlink()
    found = find_datasets(tmp_path)
    failed = [f for f in found if f.error]
    assert failed and all("gone_2.ome.tif" in (f.error + (f.error_file or "")) for f in failed)


def test_a_file_named_like_a_tiff_that_is_none_fails_alone(tmp_path):
    _tiff(tmp_path / "ok.tif")
    (tmp_path / "broken.tif").write_bytes(b"not a tiff at all")
    found = _found(tmp_path)
    assert found["ok.tif"].error is None
    assert "not a TIFF file" in found["broken.tif"].error and found["broken.tif"].error_file.endswith("broken.tif")


@pytest.mark.parametrize(("rel", "layout", "out"), [
    ("a/x.ome.tif", "tiff", "a/x.ome.zarr"), ("a/x.ome.tiff", "tiff", "a/x.ome.zarr"),
    ("x.tif", "tiff", "x.ome.zarr"), ("a/X.TIFF", "tiff", "a/X.ome.zarr"), ("a/s.btf", "tiff", "a/s.ome.zarr"),
    ("a/s.ome.btf", "tiff", "a/s.ome.zarr"), ("a/c.companion.ome", "tiff", "a/c.ome.zarr"),
    ("a/tiles", "tiff-tiles", "a/tiles.ome.zarr"), ("a/img.ome.zarr", "ngff-image", "a/img.ome.zarr"),
    ("a/plate", "hcs-plate", "a/plate"),
])
def test_output_rel(rel, layout, out):
    assert output_rel(rel, layout) == out
    assert rel in sources_of(out)


def test_destination_clashes_keep_the_zarr_then_path_order():
    found = [Found(Path(r), r, layout) for r, layout in (
        ("a/x.ome.tif", "tiff"), ("a/x.tif", "tiff"), ("b/y.ome.tif", "tiff"), ("b/y.ome.zarr", "ngff-image"),
        ("c/t", "tiff-tiles"), ("c/t.tif", "tiff"), ("d/ok.tif", "tiff"), ("e.tif", "tiff"))]
    found.append(Found(Path("e.ome.zarr/inner.ome.zarr"), "e.ome.zarr/inner.ome.zarr", "ngff-image"))
    found.append(Found(Path("f.tif"), "f.tif", None, error="broken"))
    clashes = destination_clashes(found, "/dest")
    assert sorted(clashes) == ["a/x.tif", "b/y.ome.tif", "c/t.tif", "e.tif"]
    assert "/dest/a/x.ome.zarr is also the output of a/x.ome.tif" in clashes["a/x.tif"]
    assert "is also the output of b/y.ome.zarr" in clashes["b/y.ome.tif"]
    assert "is also the output of c/t" in clashes["c/t.tif"]
    assert "holds the output of e.ome.zarr/inner.ome.zarr" in clashes["e.tif"]


def test_tiff_fingerprint_is_size_and_mtime_of_every_member(tmp_path):
    _multifile(tmp_path, "fp", 2)
    files = sorted(tmp_path.glob("fp_*.ome.tif"))
    first = fingerprint(files[0], files)
    assert first == fingerprint(files[0], files) and first.startswith("sha256:")
    assert first != fingerprint(files[0])  # the members are part of it
    st = files[1].stat()
    raw = bytearray(files[1].read_bytes())
    raw[-1] ^= 0xFF  # same size, other bytes, mtime restored: no pixel (or header) is read
    files[1].write_bytes(bytes(raw))
    os.utime(files[1], ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fingerprint(files[0], files) == first
    os.utime(files[1], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert fingerprint(files[0], files) != first


def test_plan_tree_describes_tiff_datasets(tmp_path):
    _archive(tmp_path)
    plan = plan_tree(tmp_path)
    by = {d.rel: d for d in plan.datasets}
    x = by["a/x.ome.tif"]
    assert (x.layout, x.arrays, x.nominal_bytes, x.metadata_only) == ("tiff", 1, 64 * 64 * 2, False)
    assert x.reasons == ["a TIFF is always re-encoded into a new store"]
    assert x.file_bytes == (tmp_path / "a" / "x.ome.tif").stat().st_size and x.files == 1
    assert x.output == "a/x.ome.zarr" and x.est_seconds_in_place == 0.0 and x.est_seconds_copy > 0
    assert by["a/image.ome.zarr"].metadata_only is True and by["a/image.ome.zarr"].file_bytes is None
    if _has_multifile():
        s = by["c/set_0.ome.tif"]
        assert s.files == 3 and s.nominal_bytes == 3 * 64 * 64 * 2
        assert s.file_bytes == sum(p.stat().st_size for p in (tmp_path / "c").glob("set_*.ome.tif"))
    t = plan.totals()
    assert t["by_layout"]["tiff-tiles"] == 1 and t["file_bytes"] > 0
    assert by["tiles"].files == 3 and by["tiles"].output == "tiles.ome.zarr"


# --------------------------------------------------------------------------- the commands


@pytest.mark.slow
def test_plan_cli_json_lists_tiffs_and_writes_nothing(tmp_path):
    root = tmp_path / "archive"
    _archive(root)
    _tiff(root / "a" / "x.tif", 9)  # DEST/a/x.ome.zarr is x.ome.tif's: a copy batch refuses it
    before = tree_digest(root)
    proc = run_cli("plan", str(root), "--json", str(tmp_path / "plan.json"))
    assert tree_digest(root) == before
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the clash
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "a/x.tif" in proc.stderr and "is also the output of a/x.ome.tif" in proc.stderr
    manifest = json.loads((tmp_path / "plan.json").read_text())
    by = {d["rel"]: d for d in manifest["datasets"]}
    assert by["a/x.ome.tif"]["layout"] == "tiff" and by["a/x.ome.tif"]["metadata_only"] is False
    assert by["a/x.ome.tif"]["reasons"] == ["a TIFF is always re-encoded into a new store"]
    assert by["a/x.ome.tif"]["file_bytes"] == (root / "a" / "x.ome.tif").stat().st_size
    assert by["a/x.tif"]["error"].startswith("in a copy batch, its output DEST/a/x.ome.zarr")
    assert by["tiles"]["layout"] == "tiff-tiles"
    assert "a TIFF is always re-encoded" in proc.stdout and "TIFF files" in proc.stdout


def _report(path: Path) -> dict:
    return json.loads(path.read_text())


def _outcomes(report: dict) -> dict[str, str]:
    return {d["path"]: d["outcome"] for d in report["datasets"]}


@pytest.mark.slow
def test_batch_out_converts_tiffs_next_to_zarr_and_resumes(tmp_path):
    root, dest = tmp_path / "archive", tmp_path / "dest"
    pixels = _archive(root)
    tiles = _tiles_convert()
    if not tiles:
        shutil.rmtree(root / "tiles")
    before = tree_digest(root)
    r = run_cli("batch", str(root), "--out", str(dest), "--jobs", "2", "--report", str(tmp_path / "r1.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree_digest(root) == before  # the input is read only
    rep = _report(tmp_path / "r1.json")
    assert set(_outcomes(rep).values()) == {"migrated"}
    outputs = {d["path"]: d["output"] for d in rep["datasets"]}
    assert outputs["a/x.ome.tif"] == "a/x.ome.zarr" and outputs["a/b/plain.tif"] == "a/b/plain.ome.zarr"
    assert outputs["a/image.ome.zarr"] is None  # kept its path
    for rel in ("a/image.ome.zarr", "a/x.ome.zarr", "a/b/plain.ome.zarr", "c/set_0.ome.zarr"):
        if rel.startswith("c/") and not _has_multifile():
            continue
        assert ngff_migrate.validate(dest / rel).ok, rel
    # pixels equal tifffile's decode, level 0 of each output
    assert np.array_equal(zarr.open_array(str(dest / "a/x.ome.zarr/0"), mode="r")[...],
                          tifffile.imread(root / "a" / "x.ome.tif"))
    assert np.array_equal(zarr.open_array(str(dest / "a/b/plain.ome.zarr/0"), mode="r")[...], pixels["a/b/plain.tif"])
    if _has_multifile():
        assert rep["counts"]["layout"]["tiff"] == 3  # the three files of the set once
        out = zarr.open_array(str(dest / "c/set_0.ome.zarr/0"), mode="r")[...]
        assert np.array_equal(out.squeeze(), pixels["c/set_0.ome.tif"])
    if tiles:
        assert outputs["tiles"] == "tiles.ome.zarr" and ngff_migrate.validate(dest / "tiles.ome.zarr").ok
        for k, tile in enumerate(pixels["tiles"]):  # type: ignore[arg-type]
            assert np.array_equal(zarr.open_array(str(dest / f"tiles.ome.zarr/t{k}/0"), mode="r")[...], tile)
    # no TIFF of the input is copied (a file inside a Zarr dataset is part of that dataset)
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*.tif")] == ["a/image.ome.zarr/attached.tif"]
    assert not (dest / "plain-group").exists()
    # the journal keys the TIFFs by their own path; their fingerprints are file stats
    journal = json.loads((dest / ".ngff-migrate-batch" / "journal.json").read_text())
    assert journal["datasets"]["a/x.ome.tif"]["state"] == "done"
    assert (dest / ".ngff-migrate-batch" / "done" / "a/x.ome.tif.json").is_file()

    # the same command again: nothing to do
    r = run_cli("batch", str(root), "--out", str(dest), "--report", str(tmp_path / "r2.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(_outcomes(_report(tmp_path / "r2.json")).values()) == {"done-earlier"}

    # a TIFF (or a member of a set) that changed is converted again, the others not
    new = _tiff(root / "a" / "x.ome.tif", 42)
    if _has_multifile():
        member = root / "c" / "set_2.ome.tif"
        os.utime(member, ns=(member.stat().st_atime_ns, member.stat().st_mtime_ns + 10**9))
    r = run_cli("batch", str(root), "--out", str(dest), "--report", str(tmp_path / "r3.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    out3 = _outcomes(_report(tmp_path / "r3.json"))
    assert out3["a/x.ome.tif"] == "migrated" and out3["a/b/plain.tif"] == "done-earlier"
    assert out3["a/image.ome.zarr"] == "done-earlier"
    if _has_multifile():
        assert out3["c/set_0.ome.tif"] == "migrated"
    assert np.array_equal(zarr.open_array(str(dest / "a/x.ome.zarr/0"), mode="r")[...], new)


@pytest.mark.slow
def test_batch_in_place_skips_tiffs_without_failing(tmp_path):
    root = tmp_path / "archive"
    _archive(root)
    tiffs = {p: p.read_bytes() for p in root.rglob("*.tif")}
    before = tree_digest(root)
    r = run_cli("batch", str(root), "--in-place", "--jobs", "2", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    rep = _report(tmp_path / "r.json")
    outcomes = _outcomes(rep)
    assert outcomes.pop("a/image.ome.zarr") == "migrated"
    assert outcomes and set(outcomes.values()) == {"skipped"} and "tiles" in outcomes
    skipped = [d for d in rep["datasets"] if d["outcome"] == "skipped"]
    assert all(d["reason"].startswith("a TIFF is always re-encoded into a new store") and d["error"] is None
               for d in skipped)
    assert rep["ok"] is True and rep["failures"] == []
    assert "skipped:" in r.stdout and "error" not in r.stderr
    assert all(p.read_bytes() == data for p, data in tiffs.items())
    assert not (root / "a" / "x.ome.zarr").exists()
    # rollback ROOT restores the whole tree, the skipped TIFFs untouched
    r = run_cli("rollback", str(root))
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree_digest(root) == before


@pytest.mark.slow
def test_batch_destination_clash_fails_the_second_never_overwrites(tmp_path):
    root, dest = tmp_path / "archive", tmp_path / "dest"
    first = _tiff(root / "a" / "x.ome.tif", 1)
    _tiff(root / "a" / "x.tif", 2)  # -> a/x.ome.zarr, like x.ome.tif
    shutil.copytree(SAMPLE, root / "b" / "img.ome.zarr")
    _tiff(root / "b" / "img.ome.tif", 3)  # -> b/img.ome.zarr, the Zarr dataset's own path
    r = run_cli("batch", str(root), "--out", str(dest), "--jobs", "2", "--report", str(tmp_path / "r1.json"))
    assert r.returncode == 1, r.stdout + r.stderr
    rep = _report(tmp_path / "r1.json")
    assert _outcomes(rep) == {"a/x.ome.tif": "migrated", "a/x.tif": "failed", "b/img.ome.tif": "failed",
                              "b/img.ome.zarr": "migrated"}
    errors = {d["path"]: d["error"] for d in rep["datasets"] if d["error"]}
    assert f"its output {dest}/a/x.ome.zarr is also the output of a/x.ome.tif" in errors["a/x.tif"]
    assert "is also the output of b/img.ome.zarr" in errors["b/img.ome.tif"]
    assert "a/x.tif" in r.stderr
    assert np.array_equal(zarr.open_array(str(dest / "a/x.ome.zarr/0"), mode="r")[...], first)
    assert ngff_migrate.validate(dest / "b/img.ome.zarr").ok
    assert (dest / "b/img.ome.zarr/s0").is_dir() and not (dest / "b/img.ome.zarr/0").exists()  # the Zarr's

    # x.ome.tif is gone: x.tif no longer clashes, but the output an earlier batch wrote from
    # x.ome.tif is not overwritten with it
    (root / "a" / "x.ome.tif").unlink()
    r = run_cli("batch", str(root), "--out", str(dest), "--report", str(tmp_path / "r2.json"))
    assert r.returncode == 1
    rep2 = _report(tmp_path / "r2.json")
    err = {d["path"]: d["error"] for d in rep2["datasets"] if d["error"]}
    assert "was written from a/x.ome.tif by an earlier batch" in err["a/x.tif"]
    assert np.array_equal(zarr.open_array(str(dest / "a/x.ome.zarr/0"), mode="r")[...], first)
