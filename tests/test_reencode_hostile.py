"""Hostile inputs for the re-encode engine (issue #9): odd shapes and types,
unusual sources, kills at chosen points, stale journals.

Every case runs a real conversion on a store on disk and checks the output
pixel for pixel (or that the failure is one of our one-line errors).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngff_migrate
from ngff_migrate.errors import MigrateError, UsageError

# the whole hostile suite runs in CI (`-m slow` included); the quick subset keeps the core cases
pytestmark = pytest.mark.slow

AXES = {2: "yx", 3: "zyx", 4: "czyx", 5: "tczyx"}
DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16",
          "float32", "float64", "complex64", "complex128"]


def _image(path: Path, data: np.ndarray, chunks, *, fmt: int = 2, fill=0, **kw) -> Path:
    """A one-level OME-Zarr image (0.4 on Zarr v2, 0.5 on Zarr v3) holding ``data`` at ``0``."""
    names = AXES[data.ndim]
    group = zarr.open_group(path, mode="w", zarr_format=fmt)
    arr = group.create_array("0", shape=data.shape, chunks=chunks, dtype=data.dtype, fill_value=fill,
                             **({"dimension_names": list(names)} if fmt == 3 else {}), **kw)
    if data.size:
        arr[...] = data
    axes = [{"name": n, "type": {"t": "time", "c": "channel"}.get(n, "space")} for n in names]
    ms = {"axes": axes, "datasets": [{"path": "0", "coordinateTransformations": [
        {"type": "scale", "scale": [1.0] * data.ndim}]}]}
    if fmt == 2:
        group.attrs["multiscales"] = [{"version": "0.4", **ms}]
    else:
        group.attrs["ome"] = {"version": "0.5", "multiscales": [ms]}
    return path


def _same(src: Path, fmt: int, dst: Path, rel: str = "0") -> zarr.Array:
    a = zarr.open_array(src / rel, mode="r", zarr_format=fmt)[...]
    out = zarr.open_array(dst / rel, mode="r", zarr_format=3)
    b = out[...]
    assert a.shape == b.shape and a.dtype.newbyteorder("=") == b.dtype.newbyteorder("=")
    np.testing.assert_array_equal(a, b)
    return out


# ---------------------------------------------------------------- property test

@st.composite
def _case(draw):
    fmt = draw(st.sampled_from([2, 3]))
    ndim = draw(st.integers(2, 4))
    shape = tuple(draw(st.lists(st.integers(0, 7), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from(DTYPES))
    chunks = tuple(draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    shards = None
    if fmt == 3 and draw(st.booleans()):
        shards = tuple(c * draw(st.integers(1, 2)) for c in chunks)
    new_chunks = draw(st.none() | st.lists(st.integers(1, 6), min_size=ndim, max_size=ndim))
    base = new_chunks or list(chunks)
    mode = draw(st.sampled_from(["keep", "none", "auto", "shape", "bad-shape"]))
    if mode == "shape":
        shard_opt = ",".join(str(c * draw(st.integers(1, 3))) for c in base)
    elif mode == "bad-shape":
        shard_opt = ",".join(str(draw(st.integers(1, 9))) for _ in base)
    else:
        shard_opt = mode
    shard_size = draw(st.none() | st.integers(1, 4096)) if mode == "auto" else None
    codec = draw(st.sampled_from([None, "none", "zstd:1", "gzip:1", "blosc:lz4:1:bitshuffle", "blosc:zstd:1:shuffle"]))
    if new_chunks is None and shard_opt == "keep" and codec is None:
        codec = "none"
    return fmt, shape, dtype, chunks, shards, new_chunks, shard_opt, shard_size, codec


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_case(), seed=st.integers(0, 2**16))
def test_any_small_array_reencodes_pixel_equal_or_fails_with_our_error(tmp_path_factory, case, seed):
    fmt, shape, dtype, chunks, shards, new_chunks, shard_opt, shard_size, codec = case
    base = tmp_path_factory.mktemp("prop")
    rng = np.random.default_rng(seed)
    data = (rng.integers(0, 3, size=shape) * rng.integers(-100, 100, size=shape)).astype(dtype)
    kw = {"shards": shards} if shards else {}
    src = _image(base / "src.zarr", data, chunks, fmt=fmt, fill=0, **kw)
    dst = base / "out.zarr"
    try:
        ngff_migrate.convert(src, dst, chunks=",".join(map(str, new_chunks)) if new_chunks else None,
                             shards=shard_opt, shard_size=shard_size, codec=codec, verify="full")
    except MigrateError as exc:
        assert "\n" not in str(exc)
        assert not dst.exists()
        return
    out = _same(src, fmt, dst)
    want = tuple(min(c, max(s, 1)) for c, s in zip(new_chunks or (), shape, strict=False))
    if new_chunks:
        assert tuple(out.chunks) == want
    if out.shards is not None:
        assert all(s % c == 0 for s, c in zip(out.shards, out.chunks, strict=True))


# ---------------------------------------------------------------- sources and dtypes

@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_with_odd_chunks_and_shards(tmp_path, fmt, dtype):
    data = (np.arange(7 * 9 * 11) % 7).reshape(7, 9, 11).astype(dtype)
    src = _image(tmp_path / "src.zarr", data, (4, 4, 4), fmt=fmt)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, chunks="3,5,2", shards="6,5,4", codec="blosc:zstd:1:bitshuffle", verify="full")
    out = _same(src, fmt, dst)
    assert (out.chunks, out.shards) == ((3, 5, 2), (6, 5, 4))


@pytest.mark.parametrize("shape", [(0, 5, 6), (3, 0, 0), (1, 1)])
def test_zero_length_and_single_element_arrays(tmp_path, shape):
    data = np.ones(shape, "uint16")
    src = _image(tmp_path / "src.zarr", data, (2,) * len(shape))
    for i, shards in enumerate(["auto", "none", ",".join(["4"] * len(shape))]):
        dst = tmp_path / f"out{i}.zarr"
        ngff_migrate.convert(src, dst, chunks=",".join(["2"] * len(shape)), shards=shards, verify="full")
        _same(src, 2, dst)


def test_five_d_chunks_larger_than_the_array_and_missing_chunks(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(1, 100, (2, 3, 4, 5, 6)).astype("int16")
    src = _image(tmp_path / "src.zarr", data, (1, 2, 3, 4, 5), fill=-7)
    for name in ("0.0.0.0.0", "1.1.1.1.1"):  # legal Zarr: missing chunks read as the fill value
        os.unlink(src / "0" / name)
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, chunks="1,1,10,10,10", shards="auto", shard_size="1KiB", verify="full")
    out = _same(src, 2, dst)
    assert out.chunks == (1, 1, 4, 5, 6) and out.fill_value == -7
    assert (out[0, :2, :3, :4, :5] == -7).all()


@pytest.mark.parametrize("kind", ["F", "delta", "crc32", "zlib", "lz4", "bz2", "delta+zlib+F"])
@pytest.mark.parametrize("portable", [True, False])
def test_big_endian_v2_with_order_filters_and_numcodecs_compressors(tmp_path, kind, portable):
    from numcodecs import BZ2, CRC32, LZ4, Delta, Zlib

    kw: dict = {}
    if "F" in kind.split("+"):
        kw["order"] = "F"
    if "delta" in kind:
        kw["filters"] = [Delta(dtype=">u2")]
    if kind == "crc32":
        kw["filters"] = [CRC32()]
    compressor = {"zlib": Zlib(level=1), "lz4": LZ4(), "bz2": BZ2()}
    for name, codec in compressor.items():
        if name in kind:
            kw["compressors"] = codec
    data = (np.arange(20 * 30).reshape(20, 30) * 37 % 1000).astype(">u2")
    src = _image(tmp_path / "src.zarr", data, (7, 8), fill=3, **kw)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, portable=portable, chunks=None if portable else "5,5",
                                  verify="full")
    _same(src, 2, dst)
    doc = json.loads((dst / "0" / "zarr.json").read_text())
    names = [c["name"] for c in (doc["codecs"][0]["configuration"]["codecs"]
                                 if doc["codecs"][0]["name"] == "sharding_indexed" else doc["codecs"])]
    if portable and kind == "F":
        assert report.reencode["kept"] == ["0"]  # blosc + transpose are core: carried byte for byte
    else:
        assert report.reencode["arrays"] and names[0] == "bytes"
        assert not any(n.startswith("numcodecs.") for n in names)


@pytest.mark.parametrize("shards", ["keep", "none", "auto"])
def test_v3_sharded_source(tmp_path, shards):
    data = np.random.default_rng(1).integers(0, 5000, (3, 50, 70)).astype("uint16")
    src = _image(tmp_path / "src.zarr", data, (1, 8, 8), fmt=3, shards=(2, 16, 24))
    os.unlink(src / "0" / "c" / "0" / "1" / "1")  # a missing shard reads as the fill value
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, shards=shards, codec="gzip:1", verify="full")
    out = _same(src, 3, dst)
    assert out.chunks == (1, 8, 8)
    assert out.shards == {"keep": (2, 16, 24), "none": None, "auto": (3, 56, 72)}[shards]


def test_labels_with_fewer_axes_take_the_last_positional_numbers(tree, tmp_path):
    src = tree("v05_labels")
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, chunks="1,2,8,8", shards="1,4,16,16", verify="full")
    arrays = report.reencode["arrays"]
    assert (arrays["s0"]["chunks"], arrays["s0"]["shards"]) == ([1, 2, 8, 8], [1, 4, 16, 16])
    assert (arrays["labels/nuclei/s0"]["chunks"], arrays["labels/nuclei/s0"]["shards"]) == ([2, 8, 8], [4, 16, 16])
    for rel in arrays:
        _same(src, 3, dst, rel)


# ---------------------------------------------------------------- bugs found (regressions)

def test_a_source_codec_zarr_python_cannot_load_is_our_error_and_leaves_no_partial(tmp_path):
    """A v2 array compressed with a codec numcodecs does not have (imagecodecs not installed)
    must not end in a traceback, and must not leave an unfinished output that then refuses a
    rerun with other options ("started differently")."""
    data = np.arange(20 * 30, dtype="uint16").reshape(20, 30)
    src = _image(tmp_path / "src.zarr", data, (10, 10))
    meta = json.loads((src / "0" / ".zarray").read_text())
    meta["compressor"] = {"id": "imagecodecs_jpeg2k", "level": 5}
    (src / "0" / ".zarray").write_text(json.dumps(meta))
    dst = tmp_path / "out.zarr"
    with pytest.raises(MigrateError) as info:
        ngff_migrate.convert(src, dst, portable=True)
    assert "imagecodecs_jpeg2k" in str(info.value) and str(src / "0") in str(info.value)
    assert not dst.exists() and not list(tmp_path.glob(".out.zarr*"))
    with pytest.raises(MigrateError) as again:  # the same error, not a refused resume
        ngff_migrate.convert(src, dst, chunks="5,5")
    assert not isinstance(again.value, UsageError)


def _corrupt_then_fail(src: Path, dst: Path, chunk: str, **options) -> bytes:
    """Run a re-encode that fails on the source chunk ``chunk`` (kept for a resume); returns its bytes."""
    good = (src / "0" / chunk).read_bytes()
    (src / "0" / chunk).write_bytes(b"not a blosc frame")
    with pytest.raises(MigrateError, match="source chunk cannot be decoded"):
        ngff_migrate.convert(src, dst, jobs=1, verify="none", **options)
    assert (dst.parent / f".{dst.name}.ngff-migrate-partial").is_dir()
    return good


def _stale_source(tmp_path: Path) -> Path:
    """A source that is itself the output of a re-encode killed after it was published: its
    journal (listing every unit of array ``0`` under chunks 8,8 / shards 8,8) is still in it."""
    data = np.arange(1, 16 * 16 + 1, dtype="uint16").reshape(16, 16)
    src = _image(tmp_path / "src.zarr", data, (4, 4))
    stale = src / ".ngff-migrate-reencode"
    stale.mkdir()
    (stale / "state.json").write_text("{}\n")
    (stale / "units.log").write_text("".join(json.dumps({"a": "0", "u": [i, j]}) + "\n"
                                             for i in range(2) for j in range(2)))
    return src


def test_a_stale_unit_journal_inside_the_source_is_not_taken_for_this_runs(tmp_path):
    """The stale journal is copied with the other files; this run's journal must not keep its
    lines, or a resume skips units that were never written (they read as the fill value)."""
    src = _stale_source(tmp_path)
    dst = tmp_path / "out.zarr"
    _corrupt_then_fail(src, dst, "0.0", chunks="8,8", shards="8,8")  # unit (0, 0) is never written
    log = tmp_path / ".out.zarr.ngff-migrate-partial" / ".ngff-migrate-reencode" / "units.log"
    recorded = [json.loads(line)["u"] for line in log.read_text().splitlines()]
    assert [0, 0] not in recorded
    assert len(recorded) <= 3


def test_a_source_holding_a_stale_unit_journal_resumes(tmp_path):
    src = _stale_source(tmp_path)
    dst = tmp_path / "out.zarr"
    good = _corrupt_then_fail(src, dst, "0.0", chunks="8,8", shards="8,8")
    (src / "0" / "0.0").write_bytes(good)
    report = ngff_migrate.convert(src, dst, chunks="8,8", shards="8,8", verify="none")
    assert report.reencode["resumed"] is True
    _same(src, 2, dst)
    assert not (dst / ".ngff-migrate-reencode").exists()


def test_a_resume_whose_plan_differs_refuses(tmp_path, monkeypatch):
    """Same command, same source, but the re-encode plan differs (here: a newer ngff-migrate
    with another default codec). Resuming would mix shards of two encodings in one array."""
    from numcodecs import Zlib

    import ngff_migrate.engine.codecs as codecs

    data = np.arange(1, 16 * 16 + 1, dtype="uint16").reshape(16, 16)
    src = _image(tmp_path / "src.zarr", data, (4, 4), compressors=Zlib(level=1))
    dst = tmp_path / "out.zarr"
    good = _corrupt_then_fail(src, dst, "3.3", chunks="8,8", shards="8,8")
    (src / "0" / "3.3").write_bytes(good)
    monkeypatch.setattr(codecs, "DEFAULT_CODEC", "gzip:1")
    with pytest.raises(UsageError, match="plan"):
        ngff_migrate.convert(src, dst, chunks="8,8", shards="8,8", verify="none")
    ngff_migrate.convert(src, dst, chunks="8,8", shards="8,8", verify="none", overwrite=True)
    _same(src, 2, dst)


def test_a_blosc_chunk_over_its_2_gib_limit_is_refused_at_planning(tmp_path):
    """Blosc cannot compress a buffer over 2 GiB - 17 bytes; a chunk that large would fail
    every write unit after the decode, with a numcodecs ValueError."""
    from ngff_migrate.engine.layout import plan_layout
    from ngff_migrate.engine.options import reencode_options

    doc = {"zarr_format": 3, "node_type": "array", "shape": [4, 40000, 40000], "data_type": "uint16",
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 1024, 1024]}},
           "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
           "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "blosc", "configuration": {
               "cname": "zstd", "clevel": 5, "shuffle": "shuffle", "typesize": 2, "blocksize": 0}}],
           "dimension_names": ["z", "y", "x"]}
    with pytest.raises(UsageError, match="blosc"):
        plan_layout(doc, reencode_options(chunks="y=40000,x=40000", shards="none"), array="0")
    with pytest.raises(UsageError, match="blosc"):
        plan_layout(doc, reencode_options(chunks="y=40000,x=40000", shards="none", codec="blosc"), array="0")
    ok = plan_layout(doc, reencode_options(chunks="y=40000,x=40000", shards="none", codec="zstd"), array="0")
    assert ok.chunks == (1, 40000, 40000)
    assert plan_layout(doc, reencode_options(chunks="y=16384,x=16384", shards="none"), array="0").chunks[1] == 16384


# ---------------------------------------------------------------- kills at chosen points

_KILLER = textwrap.dedent('''
    import os, signal, sys
    where, argv = sys.argv[1], sys.argv[2:]
    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)
    import ngff_migrate.write.copy as copy
    import ngff_migrate.engine.job as job
    import ngff_migrate.engine.journal as journal
    import ngff_migrate.verify.pixels as pixels
    if where == "before-state":  # the journal's state.json is about to be renamed into place
        replace = journal.os.replace
        def hook(a, b, *r, **k):
            if str(a).endswith("state.json.tmp"):
                die()
            return replace(a, b, *r, **k)
        journal.os.replace = hook
    elif where == "documents":  # the second RFC-8/array document is about to be written
        dumps, calls = copy.dumps_document, []
        def hook(doc):
            calls.append(1)
            if len(calls) == 2:
                die()
            return dumps(doc)
        copy.dumps_document = hook
    elif where == "verify":
        pixels.verify_output = die
    elif where == "publish":  # the finished output is about to be renamed into place
        replace = copy.os.replace
        def hook(a, b):
            if str(a).endswith(".ngff-migrate-partial"):
                die()
            return replace(a, b)
        copy.os.replace = hook
    elif where == "finish":  # verified; the journal is about to be removed, before the rename
        job.ReencodeJob.finish = die
    sys.argv = ["ngff-migrate", *argv]
    from ngff_migrate.cli import main
    main()
''')
KILL_ARGS = ["--chunks", "z=2,y=8,x=8", "--shards", "auto", "--shard-size", "2KiB"]


def _cli(*args, killer: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    head = ["-c", _KILLER, killer] if killer else ["-m", "ngff_migrate"]
    return subprocess.run([sys.executable, *head, *map(str, args)], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def _pixels_of_tree_equal(src: Path, dst: Path) -> None:
    for rel in ("s0", "s2", "labels/nuclei/s0"):
        out = _same(src, 2, dst, rel)
        assert out.shards is not None


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before-state", "documents", "verify", "publish"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_kill_at_each_point_then_the_same_command_gives_a_complete_output(tree, tmp_path, where, overwrite):
    src = tree("v04_labels")
    dst = tmp_path / "out.zarr"
    extra = ["--overwrite"] if overwrite else []
    if overwrite:  # an older output is being replaced
        assert _cli("convert", src, dst, "--verify", "none").returncode == 0
    killed = _cli("convert", src, dst, *KILL_ARGS, *extra, killer=where)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = tmp_path / ".out.zarr.ngff-migrate-partial"
    assert partial.is_dir()
    if not overwrite:
        assert not dst.exists()  # nothing that looks complete
    report = tmp_path / "r.json"
    rerun = _cli("convert", src, dst, *KILL_ARGS, *extra, "--verify", "full", "--report", report)
    assert rerun.returncode == 0, rerun.stderr
    done = json.loads(report.read_text())["reencode"]
    # after the units were journaled (and without --overwrite) nothing is rewritten; the journal
    # is removed just before the rename, so a kill at the rename starts over
    resumes = where not in ("before-state", "publish") and not overwrite
    assert done["resumed"] is resumes
    assert done["units_written"] == (0 if resumes else done["write_units"])
    _pixels_of_tree_equal(src, dst)
    assert not partial.exists() and not (dst / ".ngff-migrate-reencode").exists()
    assert not list(tmp_path.glob(".out.zarr.ngff-migrate-old"))


@pytest.mark.slow
def test_a_kill_while_removing_the_journal_never_publishes_it(tree, tmp_path):
    """The journal is removed from the unfinished output before it is renamed into place,
    so no published output ever holds one (a later copy of it would carry it along)."""
    src = tree("v04_labels")
    dst = tmp_path / "out.zarr"
    killed = _cli("convert", src, dst, *KILL_ARGS, killer="finish")
    assert killed.returncode == -signal.SIGKILL
    assert not dst.exists()
    rerun = _cli("convert", src, dst, *KILL_ARGS, "--verify", "full")
    assert rerun.returncode == 0, rerun.stderr
    _pixels_of_tree_equal(src, dst)
    assert not (dst / ".ngff-migrate-reencode").exists()


@pytest.mark.slow
def test_three_concurrent_runs_to_one_destination(tree, tmp_path):
    src = tree("v05_labels")
    dst = tmp_path / "out.zarr"
    procs = [subprocess.Popen([sys.executable, "-m", "ngff_migrate", "convert", str(src), str(dst), *KILL_ARGS,
                               "--jobs", "1", "--verify", "full"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in results)[0] == 0 and [c for c, _ in results].count(0) == 1, results
    for code, err in results:
        if code:
            assert "another ngff-migrate run is writing" in err or "already exists" in err, err
            assert "Traceback" not in err
    for rel in ("s0", "labels/nuclei/s0"):
        _same(src, 3, dst, rel)
    assert not list(tmp_path.glob(".out.zarr.*"))


def test_symlinks_inside_the_source_are_followed(tree, tmp_path):
    src = tree("v05_labels")
    os.rename(src / "s1", src / "real_s1")
    os.symlink("real_s1", src / "s1")  # a whole level
    dst = tmp_path / "out.zarr"
    ngff_migrate.convert(src, dst, chunks="z=2,y=8,x=8", shards="auto", verify="full")
    for rel in ("s0", "s1", "s2"):
        _same(src, 3, dst, rel)
    assert not (dst / "s1").is_symlink()
    assert zarr.open_array(dst / "s1").chunks[-2:] == (8, 8)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_plate_with_positional_chunks_and_codec_none(tmp_path, version):
    from test_hcs import _write_ome_zarr_py as write_plate

    src = tmp_path / "plate.zarr"
    write_plate(src, version)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, chunks="y=4,x=4", shards="none", codec="none", verify="full")
    assert len(report.reencode["arrays"]) >= 12
    for rel in report.reencode["arrays"]:
        out = _same(src, 2 if version == "0.4" else 3, dst, rel)
        assert out.shards is None and out.chunks[-2:] == tuple(min(4, s) for s in out.shape[-2:])
