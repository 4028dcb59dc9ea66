"""The re-encode grammar and the per-level shard planner (issue #9, items 1-2).

Pure functions on metadata: no store is written here (the end-to-end tests
are in test_reencode.py).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngff_migrate.engine.layout import auto_shape, plan_layout
from ngff_migrate.engine.options import parse_codec, parse_shape, parse_size, reencode_options
from ngff_migrate.errors import MigrateError, UsageError


def _doc(shape, chunks, dtype="uint16", names=("z", "y", "x")):
    return {"zarr_format": 3, "node_type": "array", "shape": list(shape), "data_type": dtype,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
            "chunk_key_encoding": {"name": "v2", "configuration": {"separator": "/"}},
            "fill_value": 0,
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                       {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle",
                                                           "typesize": 2, "blocksize": 0}}],
            "attributes": {}, "dimension_names": list(names)}


@pytest.mark.parametrize(("text", "expected"), [
    ("64MiB", 64 * 2**20), ("1GiB", 2**30), ("500MB", 500 * 10**6), ("1000000", 10**6), ("2 kB", 2000),
    ("1.5GiB", int(1.5 * 2**30)),
])
def test_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "64XB", "-1MiB", "0", "MiB", "1e6"])
def test_bad_sizes(text):
    with pytest.raises(UsageError, match="--shard-size"):
        parse_size(text)


def test_codec_grammar_and_defaults():
    assert parse_codec("zstd").text() == "zstd:3"
    assert parse_codec("gzip:9").text() == "gzip:9"
    assert parse_codec("blosc").text() == "blosc:lz4:5:shuffle"
    assert parse_codec("blosc:zstd:5:bitshuffle").text() == "blosc:zstd:5:bitshuffle"
    assert parse_codec("none").text() == "none"


@pytest.mark.parametrize(("text", "words"), [
    ("lzma", "unknown codec"), ("zstd:23", "out of range"), ("zstd:0", "out of range"),
    ("gzip:10", "out of range"), ("blosc:snappy", "unknown blosc compressor"),
    ("blosc:lz4:5:byteshuffle", "unknown blosc shuffle"), ("blosc:lz4:x", "not a whole number"),
    ("zstd:3:1", "unknown codec"),
])
def test_bad_codecs(text, words):
    with pytest.raises(UsageError, match=words):
        parse_codec(text)


@pytest.mark.parametrize(("text", "words"), [
    ("32,0,256", "not positive"), ("32,-1,256", "not positive"), ("z=32,256", "name every axis"),
    ("z=1,z=2", "twice"), ("", "separated by commas"), ("32,,2", "separated by commas"),
    ("a b=3", "not an axis name"), ("x=1.5", "not a whole number"),
])
def test_bad_shapes(text, words):
    with pytest.raises(UsageError, match=words):
        parse_shape(text, "--chunks")


def test_shard_size_alone_is_a_usage_error():
    with pytest.raises(UsageError, match="--shard-size"):
        reencode_options(shard_size="64MiB")
    assert not reencode_options().active
    assert reencode_options(shards="auto").active


def test_the_issue_example_gives_32x1024x1024_shards():
    """chunks 32x256x256 uint16 under 64 MiB: doubling x, y, x, y ... gives 32x1024x1024 (64 MiB)."""
    layout = plan_layout(_doc((64, 4096, 4096), (1, 512, 512)),
                         reencode_options(chunks="z=32,y=256,x=256", shards="auto"), array="0")
    assert layout.chunks == (32, 256, 256)
    assert layout.shards == (32, 1024, 1024)
    assert layout.unit_bytes == 64 * 2**20
    assert layout.unit_count == 2 * 4 * 4
    codec = layout.document["codecs"][0]
    assert codec["name"] == "sharding_indexed"
    assert codec["configuration"]["chunk_shape"] == [32, 256, 256]
    assert layout.document["chunk_grid"]["configuration"]["chunk_shape"] == [32, 1024, 1024]
    assert layout.document["chunk_key_encoding"] == {"name": "default", "configuration": {"separator": "/"}}
    # the source's core codec (blosc lz4) is kept, its typesize set to the item size
    assert codec["configuration"]["codecs"][1]["name"] == "blosc"


def test_small_levels_get_one_shard_covering_them():
    layout = plan_layout(_doc((4, 100, 70), (4, 64, 64)),
                         reencode_options(chunks="z=32,y=256,x=256", shards="auto"), array="2")
    assert layout.chunks == (4, 100, 70)  # clipped to the level
    assert layout.shards == (4, 100, 70)
    assert layout.unit_count == 1


def test_shard_shape_checks_whole_multiples_against_the_chunks_asked_for():
    options = reencode_options(chunks="z=32,y=256,x=256", shards="z=32,y=1024,x=1024")
    big = plan_layout(_doc((64, 2048, 3000), (1, 512, 512)), options, array="0")
    assert big.shards == (32, 1024, 1024)
    # on a small level the clipped chunk axis holds one chunk per shard
    small = plan_layout(_doc((8, 300, 300), (1, 512, 512)), options, array="3")
    assert small.chunks == (8, 256, 256) and small.shards == (8, 512, 512)
    with pytest.raises(UsageError, match="not a whole multiple"):
        plan_layout(_doc((64, 2048, 3000), (1, 512, 512)),
                    reencode_options(chunks="y=256,x=256", shards="y=1000"), array="0")


def test_wrong_rank_and_shard_size_under_one_chunk():
    with pytest.raises(UsageError, match="has 2 numbers but the array 0 has 3 axes"):
        plan_layout(_doc((8, 64, 64), (1, 64, 64)), reencode_options(chunks="32,32"), array="0")
    # right-aligned for arrays with fewer axes (labels)
    layout = plan_layout(_doc((64, 64), (64, 64), names=("y", "x")), reencode_options(chunks="1,16,32"),
                         array="labels/0")
    assert layout.chunks == (16, 32)
    with pytest.raises(UsageError, match="under one chunk"):
        plan_layout(_doc((8, 512, 512), (1, 64, 64)),
                    reencode_options(chunks="y=512,x=512", shards="auto", shard_size="100kB"), array="0")


def test_named_axes_an_array_lacks_are_ignored_and_unsharded_units_are_chunk_blocks():
    layout = plan_layout(_doc((8, 64, 64), (2, 32, 32)), reencode_options(chunks="t=4,x=16", shards="none"),
                         array="0")
    assert layout.chunks == (2, 32, 16) and layout.shards is None
    assert layout.unit == (8, 64, 64)  # the whole small array is one write unit
    assert len(layout.keys((0, 0, 0))) == 4 * 2 * 4


def test_a_non_numeric_type_is_refused():
    with pytest.raises(MigrateError, match="cannot be re-encoded"):
        plan_layout(_doc((4,), (4,), dtype="string", names=("x",)), reencode_options(codec="zstd"), array="t")


@settings(max_examples=200, deadline=None)
@given(shape=st.lists(st.integers(0, 5000), min_size=1, max_size=5),
       data=st.data(), itemsize=st.sampled_from([1, 2, 4, 8]), target=st.integers(1, 2**28))
def test_auto_shape_properties(shape, data, itemsize, target):
    """auto: whole multiples of the chunk, never beyond the array in whole
    chunks, at or under the target (or one chunk), and maximal: no axis can
    grow by one chunk and still fit."""
    chunks = tuple(data.draw(st.integers(1, max(1, s))) for s in shape)
    block = auto_shape(tuple(shape), chunks, itemsize, target)
    cover = [max(1, math.ceil(s / c)) * c for s, c in zip(shape, chunks, strict=True)]
    for b, c, v in zip(block, chunks, cover, strict=True):
        assert b % c == 0 and c <= b <= v
    if block != chunks:
        assert math.prod(block) * itemsize <= target
    for axis in range(len(block)):
        if block[axis] < cover[axis]:
            grown = list(block)
            grown[axis] = min(cover[axis], block[axis] + chunks[axis])
            assert math.prod(grown) * itemsize > target
