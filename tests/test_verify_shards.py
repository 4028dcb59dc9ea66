"""The shard-index check of ``--verify full`` (issue #9, item 6): shards written by the
engine pass; damaged copies (a flipped checksum byte, an offset past the end, a truncated
file, overlapping chunks) fail with a VerificationError naming the shard file."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import zarr

import ngff_migrate
from ngff_migrate.errors import VerificationError
from ngff_migrate.verify.shards import EMPTY, check_shard_file, check_shards


def _image(path: Path) -> Path:
    """A 0.4 zyx uint16 image whose plane 1 is all zero (the fill value)."""
    group = zarr.open_group(path, mode="w", zarr_format=2)
    data = np.random.default_rng(5).integers(1, 4000, size=(3, 40, 36), dtype=np.uint16)
    data[1] = 0
    group.create_array("0", shape=data.shape, chunks=(1, 16, 16), dtype="uint16")[:] = data
    group.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space"} for n in "zyx"],
                                   "datasets": [{"path": "0", "coordinateTransformations": [
                                       {"type": "scale", "scale": [1.0, 1.0, 1.0]}]}]}]
    return path


@pytest.fixture
def written(tmp_path):
    """A re-encoded, sharded output and the plan that wrote it (every shard holds 1x2x3 inner
    chunks of 1x8x8; the edge shards are partly outside the array)."""
    src = _image(tmp_path / "src.zarr")
    dst = tmp_path / "out.zarr"
    seen = {}
    ngff_migrate.convert(src, dst, chunks="1,8,8", shards="1,16,24", verify="full",
                         on_plan=lambda plan: seen.setdefault("plan", plan))
    return seen["plan"], dst


def _shards(dst: Path) -> list[Path]:
    return sorted(p for p in (dst / "0" / "c").rglob("*") if p.is_file())


def test_shards_written_by_the_engine_pass(written):
    plan, dst = written
    result = check_shards(plan, dst)
    files = _shards(dst)
    # shards of 1x16x24 over 3x40x36: 3 x 3 x 2 = 18, less the 6 of the all-zero plane (not written)
    assert len(files) == 12 and result.shards_checked == 12
    assert result.arrays == ["0"]
    assert result.chunks_indexed + result.empty_chunks == 12 * 6
    # the edge shards (y 32..40, x 24..36) index inner chunks outside the array as empty
    assert result.empty_chunks > 0
    assert result.chunks_indexed == 3 * 5 * 5 - 25  # every inner chunk of planes 0 and 2


def _index(path: Path, n: int = 6) -> tuple[bytes, int]:
    data = path.read_bytes()
    return data, len(data) - n * 16 - 4


def _with_crc(data: bytearray, start: int, n: int = 6) -> bytes:
    import google_crc32c

    data[-4:] = struct.pack("<I", google_crc32c.value(bytes(data[start:start + n * 16])))
    return bytes(data)


def _damage(written, tmp_path, how: str) -> tuple[Path, Path]:
    plan, dst = written
    copy = tmp_path / "damaged.zarr"
    shutil.copytree(dst, copy)
    victim = _shards(copy)[0]
    data, start = _index(victim)
    buf = bytearray(data)
    if how == "checksum":
        buf[-2] ^= 0x01
        out = bytes(buf)
    elif how == "offset":
        offset, nbytes = struct.unpack_from("<QQ", buf, start)
        struct.pack_into("<QQ", buf, start, len(data), nbytes)  # past the end, checksum made to match
        out = _with_crc(buf, start)
    elif how == "half-empty":
        struct.pack_into("<QQ", buf, start, EMPTY, 10)
        out = _with_crc(buf, start)
    elif how == "overlap":
        first = struct.unpack_from("<QQ", buf, start)
        struct.pack_into("<QQ", buf, start + 16, first[0] + 1, first[1])
        out = _with_crc(buf, start)
    elif how == "truncated":
        out = data[: len(data) // 2]
    else:  # "tiny": shorter than the index itself
        out = data[:50]
    victim.write_bytes(out)
    return copy, victim


@pytest.mark.parametrize(("how", "words"), [
    ("checksum", "checksum mismatch"),
    ("truncated", "checksum mismatch"),
    ("tiny", "too short for its index"),
    ("offset", "outside the shard"),
    ("half-empty", "outside the shard"),
    ("overlap", "overlap"),
])
def test_a_damaged_shard_is_named(written, tmp_path, how, words):
    plan, _dst = written
    copy, victim = _damage(written, tmp_path, how)
    with pytest.raises(VerificationError) as info:
        check_shards(plan, copy)
    assert info.value.path == str(victim)
    assert words in info.value.problem
    assert "\n" not in str(info.value)


def test_the_number_of_entries_must_match_the_chunks_per_shard(written):
    """Read as a shard of 12 inner chunks, a 6-chunk shard's index does not check out."""
    _plan, dst = written
    victim = _shards(dst)[0]
    assert check_shard_file(victim, 6)[0] + check_shard_file(victim, 6)[1] == 6
    with pytest.raises(VerificationError, match="checksum mismatch|too short"):
        check_shard_file(victim, 12)


def test_an_array_not_sharded_as_planned_is_refused(written, tmp_path):
    import json

    plan, dst = written
    meta = dst / "0" / "zarr.json"
    doc = json.loads(meta.read_text())
    doc["codecs"][0]["configuration"]["index_location"] = "start"
    meta.write_text(json.dumps(doc))
    with pytest.raises(VerificationError, match="index layout"):
        check_shards(plan, dst)


def test_unsharded_and_carried_arrays_are_not_checked(tmp_path):
    src = _image(tmp_path / "src.zarr")
    seen = {}
    ngff_migrate.convert(src, tmp_path / "out.zarr", chunks="1,8,8", shards="none", verify="none",
                         on_plan=lambda plan: seen.setdefault("plan", plan))
    result = check_shards(seen["plan"], tmp_path / "out.zarr")
    assert (result.shards_checked, result.arrays) == (0, [])
