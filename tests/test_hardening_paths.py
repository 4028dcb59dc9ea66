"""Hardening regressions: paths that leave the tree (A2) and symbolic links (A3).

Layout of every test: the dataset is ``area/root/img.zarr``; whatever it
must not read without ``--allow-outside`` nor ever write lies next to
``root`` in ``area`` (a "victim"), and copies go to ``area/out/img.zarr``.
Each test digests the victim and checks that ``area`` gained nothing but
the output it asked for. Only the CLI and the file system are used.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr
from hardening_util import assert_clean, cli, full_digest, run, run_unless_stopped

# =========================================================================== fixtures and helpers


@pytest.fixture
def area(tmp_path) -> Path:
    a = tmp_path / "area"
    (a / "root").mkdir(parents=True)
    (a / "out").mkdir()
    return a


def _copy(pristine, name: str, dst: Path) -> Path:
    shutil.copytree(pristine[name], dst, symlinks=True)
    return dst


def _dotdot(pristine, area: Path, kind: str) -> tuple[Path, Path]:
    """A 0.4 image whose ``datasets[1].path`` (kind ``datasets``) or ``labels`` entry
    (kind ``labels``) climbs out of the image to a victim in ``area``."""
    if kind == "datasets":
        src = _copy(pristine, "v04_plain", area / "root" / "img.zarr")
        victim = area / "victim-array"
        shutil.move(src / "s1", victim)
        attrs = json.loads((src / ".zattrs").read_text())
        attrs["multiscales"][0]["datasets"][1]["path"] = "../../victim-array"
        (src / ".zattrs").write_text(json.dumps(attrs))
    else:
        src = _copy(pristine, "v04_labels", area / "root" / "img.zarr")
        victim = area / "victim-label"
        shutil.move(src / "labels" / "nuclei", victim)
        (src / "labels" / ".zattrs").write_text(json.dumps({"labels": ["../../../victim-label"]}))
    return src, victim


class Guard:
    """Digests of the dataset, the victim(s) and the list of ``area`` and ``area/out``."""

    def __init__(self, area: Path, src: Path, *victims: Path) -> None:
        self.area, self.src, self.victims = area, src, victims
        self.src_digest = full_digest(src)
        self.victim_digests = [full_digest(v) if v.is_dir() else v.read_bytes() for v in victims]
        self.area_names = sorted(os.listdir(area))

    def victims_untouched(self) -> None:
        for v, d in zip(self.victims, self.victim_digests, strict=True):
            assert (full_digest(v) if v.is_dir() else v.read_bytes()) == d, f"{v} (outside) was changed"

    def untouched(self, *, out_may_hold: tuple[str, ...] = ()) -> None:
        self.victims_untouched()
        assert full_digest(self.src) == self.src_digest, "the source changed"
        assert sorted(os.listdir(self.area)) == self.area_names, "new entries next to the dataset"
        assert set(os.listdir(self.area / "out")) <= set(out_may_hold), (
            f"written outside the destination: {sorted(os.listdir(self.area / 'out'))}")


def _no_such_option(result_output: str) -> None:
    assert "No such option" not in result_output, result_output


# =========================================================================== A2 legacy paths


@pytest.mark.parametrize("kind", ["datasets", "labels"])
def test_a2_inspect_and_plan_refuse_dotdot_paths_and_take_allow_outside(pristine, area, kind):
    src, victim = _dotdot(pristine, area, kind)
    guard = Guard(area, src, victim)
    for args in (("inspect", src), ("plan", area / "root")):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert victim.name in result.output, result.output
    result = cli("inspect", "--allow-outside", src)
    assert result.exit_code == 0, result.output
    result = cli("plan", "--allow-outside", area / "root")
    _no_such_option(result.output)
    assert result.exit_code in (0, 1), result.output
    guard.untouched()


@pytest.mark.parametrize("kind", ["datasets", "labels"])
def test_a2_in_place_never_writes_outside_the_dataset(pristine, area, tmp_path, kind):
    src, victim = _dotdot(pristine, area, kind)
    guard = Guard(area, src, victim)
    result = cli("convert", "--in-place", src, "-q")
    assert result.exit_code == 1 and victim.name in result.output, result.output
    guard.untouched()

    # a real process stopped before any rename into the victim: a write there that is
    # rolled back afterwards is still a write outside the dataset
    code, output, info = run_unless_stopped(tmp_path, ["convert", "--in-place", "--allow-outside", src, "-q"],
                                            f"{victim}/*")
    assert info is None, f"about to write {info['path']} (outside the dataset)"
    assert_clean(output)
    guard.victims_untouched()
    if code == 0:
        assert cli("rollback", src).exit_code == 0
    else:
        assert code == 1, output
    guard.untouched()


@pytest.mark.parametrize("kind", ["datasets", "labels"])
def test_a2_copy_never_writes_outside_the_destination(pristine, area, kind):
    src, victim = _dotdot(pristine, area, kind)
    guard = Guard(area, src, victim)
    dst = area / "out" / "img.zarr"
    result = cli("convert", src, dst, "-q")
    assert result.exit_code == 1 and victim.name in result.output, result.output
    guard.untouched()

    result = cli("convert", "--allow-outside", src, dst, "-q")
    assert result.exit_code in (0, 1), result.output
    guard.untouched(out_may_hold=("img.zarr",) if result.exit_code == 0 else ())


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["out", "in-place"])
def test_a2_batch_refuses_dotdot_paths_and_never_writes_outside(pristine, area, mode):
    src, victim = _dotdot(pristine, area, "datasets")
    dest = area / "bout"
    target = ["--out", dest] if mode == "out" else ["--in-place"]
    guard = Guard(area, src, victim)
    names = set(os.listdir(area))

    def contained() -> None:
        guard.victims_untouched()
        assert set(os.listdir(area)) <= names | {"bout"}
        if dest.exists():
            assert set(os.listdir(dest)) <= {"img.zarr", ".ngff-migrate-batch"}, sorted(os.listdir(dest))

    r = run("batch", area / "root", *target, "--jobs", "1", "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "victim-array" in r.stderr, r.stderr
    contained()
    assert full_digest(src) == guard.src_digest

    r = run("batch", area / "root", *target, "--allow-outside", "--jobs", "1", "-q")
    _no_such_option(r.stdout + r.stderr)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    contained()


# =========================================================================== A3 symbolic links


@pytest.mark.parametrize("how", ["relative", "absolute", "chunk", "chunk-with-link", "directory"])
def test_a3_copy_refuses_a_file_link_leaving_the_tree(pristine, area, how):
    src = _copy(pristine, "v04_plain", area / "root" / "img.zarr")
    secret = area / "secret.bin"
    if how == "directory":  # a directory link no metadata mentions: today silently left out
        secret = area / "outside-dir"
        secret.mkdir()
        (secret / "attachment.txt").write_bytes(b"TOP SECRET attachment\n")
        link = src / "attachments"
        link.symlink_to("../../outside-dir")
    elif how in ("relative", "absolute"):
        secret.write_bytes(b"TOP SECRET: must never end up in an output\n")
        link = src / "notes.txt"
        link.symlink_to("../../secret.bin" if how == "relative" else secret)
    else:
        link = sorted(p for p in (src / "s0").rglob("*") if p.is_file() and not p.name.startswith("."))[0]
        shutil.move(link, secret)
        link.symlink_to(secret)
    guard = Guard(area, src, secret)
    extra = ["--link"] if how == "chunk-with-link" else []
    result = cli("convert", src, area / "out" / "img.zarr", *extra, "-q")
    assert result.exit_code == 1, result.output
    assert link.relative_to(src).as_posix() in result.output, result.output
    guard.untouched()
    if secret.is_file():
        assert os.stat(secret).st_nlink == 1, "the outside file was hard-linked into the output"


def _rfc8_with_outside_document(pristine, area: Path, which: str) -> tuple[Path, Path]:
    rfc = area / "root" / "img.zarr"
    r = cli("convert", _copy(pristine, "v04_plain", area / "legacy.zarr"), rfc, "-q")
    assert r.exit_code == 0, r.output
    shutil.rmtree(area / "legacy.zarr")
    outside = area / "outside"
    outside.mkdir()
    doc = rfc / which
    target = outside / which.replace("/", "_")
    shutil.move(doc, target)
    doc.symlink_to(target)
    return rfc, outside


@pytest.mark.parametrize("which", ["zarr.json", "s1/zarr.json"])
def test_a3_a_document_link_leaving_the_tree_is_refused_by_every_command(pristine, area, which):
    rfc, outside = _rfc8_with_outside_document(pristine, area, which)
    guard = Guard(area, rfc, outside)
    result = cli("validate", rfc)
    assert result.exit_code == 1, result.output
    assert which in result.output, result.output
    for args in (("inspect", rfc), ("convert", rfc, area / "out" / "img.zarr", "-q"),
                 ("plan", area / "root")):
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert which in result.output, (args, result.output)
    guard.untouched()


def _chunks(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in directory.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.name != "zarr.json"}


def test_a3_copy_follows_a_level_link_inside_the_tree_and_copies_every_chunk(pristine, area):
    src = _copy(pristine, "v04_plain", area / "root" / "img.zarr")
    (src / "data").mkdir()
    shutil.move(src / "s0", src / "data" / "s0")
    (src / "s0").symlink_to("data/s0")
    chunks = _chunks(src / "data" / "s0")
    assert len(chunks) >= 4
    dst = area / "out" / "img.zarr"
    result = cli("convert", src, dst, "--verify", "none", "-q")
    assert result.exit_code == 0, result.output
    assert not (dst / "s0").is_symlink()
    copied = {k: v for k, v in _chunks(dst / "s0").items() if not (dst / "s0" / k).is_symlink()}
    assert copied == chunks, f"{len(chunks) - len(copied)} of {len(chunks)} chunk files of s0 not copied"
    assert cli("validate", dst).exit_code == 0
    old = zarr.open_array(str(src / "s0"), mode="r", zarr_format=2)
    new = zarr.open_array(str(dst / "s0"), mode="r", zarr_format=3)
    assert np.array_equal(old[...], new[...])


def test_a3_copy_of_a_level_link_leaving_the_tree_never_drops_chunks(pristine, area):
    src = _copy(pristine, "v04_plain", area / "root" / "img.zarr")
    outside = area / "outside-s0"
    shutil.move(src / "s0", outside)
    (src / "s0").symlink_to("../../outside-s0")
    chunks = _chunks(outside)
    guard = Guard(area, src, outside)
    dst = area / "out" / "img.zarr"
    result = cli("convert", src, dst, "--verify", "none", "-q")
    assert result.exit_code == 1 and "s0" in result.output, result.output
    guard.untouched()

    result = cli("convert", "--allow-outside", src, dst, "--verify", "none", "-q")
    if result.exit_code == 0:
        copied = {k: v for k, v in _chunks(dst / "s0").items() if not (dst / "s0" / k).is_symlink()}
        assert copied == chunks, f"exit 0 but {len(chunks) - len(copied)} of {len(chunks)} chunk files dropped"
        guard.untouched(out_may_hold=("img.zarr",))
    else:
        assert result.exit_code == 1, result.output
        guard.untouched()


def test_a3_in_place_with_allow_outside_never_writes_through_a_link_leaving_the_dataset(pristine, area, tmp_path):
    src = _copy(pristine, "v04_plain", area / "root" / "img.zarr")
    outside = area / "outside-s0"
    shutil.move(src / "s0", outside)
    (src / "s0").symlink_to("../../outside-s0")
    guard = Guard(area, src, outside)
    result = cli("convert", "--in-place", src, "-q")
    assert result.exit_code == 1 and "s0" in result.output, result.output
    guard.untouched()

    code, output, info = run_unless_stopped(tmp_path, ["convert", "--in-place", "--allow-outside", src, "-q"],
                                            f"{outside}/*")
    assert info is None, f"about to write {info['path']} (outside the dataset, through the link s0)"
    assert_clean(output)
    guard.victims_untouched()
    if code == 0:
        assert cli("rollback", src).exit_code == 0
    else:
        assert code == 1, output
    guard.untouched()


@pytest.mark.parametrize("which", ["zarr.json", "labels/zarr.json"])
def test_a3_in_place_never_turns_a_document_link_into_a_file(pristine, area, which):
    src = _copy(pristine, "v05_labels", area / "root" / "img.zarr")
    (src / "meta").mkdir()
    doc = src / which
    target = src / "meta" / which.replace("/", "_")
    shutil.move(doc, target)
    doc.symlink_to(os.path.relpath(target, doc.parent))
    link_target = os.readlink(doc)
    original = full_digest(src)
    result = cli("convert", "--in-place", src, "-q")
    if result.exit_code == 0:
        assert doc.is_symlink() and os.readlink(doc) == link_target, f"{which} is no longer the link it was"
        result = cli("rollback", src)
        assert result.exit_code == 0, result.output
        assert doc.is_symlink(), f"rollback turned the link {which} into a regular file"
    else:
        assert result.exit_code == 1 and which in result.output, result.output
    assert full_digest(src) == original
