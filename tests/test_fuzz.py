"""Property-based fuzzing of the readers, translators, writers and verification.

Real third-party metadata is mutated, one change per example, and run through
the Python API: ``inspect``, ``validate``, then ``convert`` into a new
directory or ``convert(in_place=True)`` (then ``rollback`` when it
succeeded), with ``--lenient`` or not and ``verify`` ``none`` or ``sample``
(drawn per example, to keep the CI budget). The only
acceptable outcomes are success or a :class:`~ngff_migrate.errors.MigrateError`
(any other exception is a bug), and the source must be byte-identical
afterwards (for in place: after the failure, or after the rollback).

Sources (see the PROVENANCE.md files under ``tests/data`` and conftest.py):
ome-zarr-py 0.4 and 0.5 images with labels (``.zattrs``, ``zarr.json``,
``.zarray``), ome-zarr-models-py's 0.6.dev4 scene, a real bioformats2raw
container (``OME/.zattrs``), a real bioformats2raw HCS plate and
normanrz/ngff-rfc8-collection-examples RFC-8 trees.

Mutations (one to three per example, half of them at a key the readers
interpret: ``path``, ``shape``, ``dtype``, ``axes``, ...): a value replaced by another JSON type, a huge/negative/float
number, a ``NaN``/``Infinity`` token, nesting to and beyond the depth limit,
a long string, a NUL byte, a ``..`` path; a key or entry deleted or added;
the file truncated, emptied or made invalid UTF-8.

Budgets: ``test_fuzz`` (marked ``slow``) runs a fixed, derandomized budget of
about 300 examples in CI; ``test_fuzz_long`` (marked ``longrun``, ``pytest -m
longrun tests/test_fuzz.py``) runs 20 times as many.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import tree_digest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ngff_migrate
from ngff_migrate.errors import MigrateError

DATA = Path(__file__).parent / "data"
MAX_DEPTH = 128  # the documented nesting limit (docs/decisions.md, "JSON documents")

#: target -> (source tree: a pristine name or a path under tests/data, files to mutate)
TARGETS: dict[str, tuple[str, list[str]]] = {
    "ngff-0.4": ("pristine:v04_labels", [".zattrs", "s0/.zarray", "labels/.zattrs", "labels/nuclei/.zattrs",
                                         "labels/nuclei/s1/.zarray", ".zgroup"]),
    "ngff-0.5": ("pristine:v05_labels", ["zarr.json", "s1/zarr.json", "labels/zarr.json",
                                         "labels/nuclei/zarr.json"]),
    "ngff-0.6-scene": ("v06/real/ome-zarr-models-py/stitched_tiles_2d.zarr",
                       ["zarr.json", "tile_0/zarr.json", "tile_1/0/zarr.json"]),
    "bioformats2raw": ("bf2raw/bf2raw.zarr", ["OME/.zattrs", ".zattrs", "1/.zattrs", "0/0/.zarray"]),
    "hcs-plate": ("hcs/ome2024-hcs.zarr", [".zattrs", "A/1/.zattrs", "B/2/1/.zattrs", "A/2/0/0/.zarray"]),
    "rfc8": ("rfc8_inputs/gen_collections/basic_collection.zarr",
             ["zarr.json", "multiscale_1/zarr.json", "multiscale_2/1/zarr.json"]),
    "rfc8-distributed": ("rfc8_inputs/gen_multiscales/distributed_multiscale.zarr",
                         ["zarr.json", "0/zarr.json", "2/zarr.json"]),
    # ome-zarr-models-py 0.6.dev4 documents written as trees with tiny arrays (test_ngff06_trees.build)
    "ngff-0.6-image": ("built:image_example.json", ["zarr.json", "0/zarr.json", "2/zarr.json"]),
    "ngff-0.6-plate": ("built:plate_example_1.json", ["zarr.json", "A/1/zarr.json", "B/2/0/zarr.json",
                                                      "A/3/0/s1/zarr.json"]),
}
#: keys whose values the readers interpret: half of the mutations hit one of them
KEYS = {"path", "shape", "chunks", "dtype", "data_type", "compressor", "filters", "fill_value", "codecs",
        "chunk_grid", "chunk_key_encoding", "chunk_shape", "dimension_names", "dimension_separator", "order",
        "axes", "datasets", "coordinateTransformations", "scale", "translation", "multiscales", "labels",
        "version", "type", "nodes", "attributes", "ome", "well", "images", "plate", "wells", "rows",
        "columns", "acquisitions", "acquisition", "series", "omero", "image-label", "colors", "properties",
        "source", "input", "output", "coordinateSystems", "scene", "name", "id", "zarr_format", "node_type",
        "rowIndex", "columnIndex", "label-value", "window", "channels", "bioformats2raw.layout", "cname",
        "shuffle", "clevel", "configuration", "transformations", "unit"}

#: raw JSON text for values json.dumps cannot write (replaced after dumping)
RAW = {
    "__NAN__": "NaN", "__INF__": "Infinity", "__NINF__": "-Infinity", "__E400__": "1e400",
    "__BIGINT__": "9" * 5000, "__DEEP10000__": "[" * 10_000 + "]" * 10_000,
}
STRINGS = ["", "..", "../x", "../../victim", "../../../victim", "/abs/path", "a\x00b", "s0\x00", "x" * 5000,
           "a/" * 2500, "file:///etc/passwd", "http://example.org/x", "0", "s0", "labels", "A/1", "nuclei",
           "\u00e9\u4e2d", "NaN", "Infinity", "zarr", "json", "multiscale", "singlescale", "collection", "scale",
           "0.4", "0.5", "0.6.dev4", "0.x", "<u2", "|O", "float64", "string", "blosc", "C", "F", "/"]
NUMBERS = [0, 1, -1, 2, 3, 255, 2**31, 2**63 - 1, 2**63, 2**70, -(2**63), 10**400, 0.5, -0.0, 1.5, 1e308,
           5e-324, -1e-300]

json_leaf = st.one_of(
    st.none(), st.booleans(), st.sampled_from(NUMBERS), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(STRINGS), st.text(max_size=12),
    st.sampled_from(sorted(RAW)),
)
json_value = st.recursive(
    json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)


#: mutation kinds, weighted by repetition: mostly small changes that keep the document
#: readable, so that translation, writing and verification are reached too
KINDS = ["perturb"] * 8 + ["replace"] * 5 + ["delete"] * 3 + ["insert"] * 2 + \
    ["nest-to-limit", "nest-past-limit", "truncate", "bytes", "not-an-object"]


def _same_type(value: Any):
    """Values of ``value``'s JSON type (numbers include the non-standard tokens)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, (int, float)):
        return st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**64), 2**64), st.floats(allow_nan=False),
                         st.sampled_from(["__NAN__", "__INF__", "__NINF__", "__E400__", "__BIGINT__"]))
    if isinstance(value, str):
        return st.one_of(st.sampled_from(STRINGS), st.text(max_size=12), st.just(value + "x"),
                         st.just(value[:-1]), st.just("../" + value), st.just(value + "\x00"))
    if isinstance(value, list):
        return st.one_of(st.just(value[:-1]), st.just(value + value[-1:]), st.just(value[::-1]),
                         st.lists(json_leaf, max_size=5))
    if isinstance(value, dict):
        return st.one_of(st.just({}), st.dictionaries(st.text(max_size=8), json_leaf, max_size=3),
                         st.just({k: value[k] for k in list(value)[1:]}))
    return json_value


def _locations(doc: Any) -> list[tuple[Any, ...]]:
    """Every location in ``doc`` (root first, then document order), iteratively."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:
        value, parts = stack.pop()
        out.append(parts)
        items = list(value.items()) if isinstance(value, dict) else \
            list(enumerate(value)) if isinstance(value, list) else []
        stack.extend((v, (*parts, k)) for k, v in reversed(items))
    return out


def _get(doc: Any, parts: tuple[Any, ...]) -> Any:
    for part in parts:
        doc = doc[part]
    return doc


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _mutate(data, text: str) -> bytes:
    """One mutation of the document ``text`` (see the module docstring)."""
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    raw = text.encode("utf-8")
    if kind == "truncate":
        return raw[:data.draw(st.integers(0, max(0, len(raw) - 1)), label="cut")]
    if kind == "bytes":
        return data.draw(st.sampled_from([b"", b"\xff\xfe{}", raw[:10] + b"\x80" + raw[10:], b"   ", b"{"]))
    if kind == "not-an-object":
        return json.dumps(data.draw(json_value, label="document")).encode()
    doc = json.loads(text)
    # the document itself is replaced by "not-an-object"; insert/delete may hit it (a random index
    # from Hypothesis is often 0: without this the root would take most mutations)
    locations = _locations(doc)[0 if kind in ("insert", "delete") else 1:] or [()]
    keyed = [loc for loc in locations if loc and loc[-1] in KEYS]
    if keyed and data.draw(st.booleans(), label="a key the readers use"):
        locations = keyed
    parts = locations[data.draw(st.integers(0, len(locations) - 1), label="where")]
    if kind in ("nest-to-limit", "nest-past-limit"):  # the value at parts becomes a deep list
        depth = MAX_DEPTH - len(parts) + (1 if kind == "nest-past-limit" else 0)
        new: Any = _nested(max(depth, 1))
    elif kind == "replace":
        new = data.draw(json_value, label="value")
    elif kind == "perturb":  # a value of the same JSON type: keeps most documents readable
        new = data.draw(_same_type(_get(doc, parts)), label="value")
    if not parts:
        if kind == "delete":
            doc = {}
        elif kind == "insert" and isinstance(doc, list):
            doc.append(data.draw(json_value, label="value"))
        elif kind == "insert":
            doc = doc if isinstance(doc, dict) else {}
            doc[data.draw(st.text(max_size=8), label="key")] = data.draw(json_value, label="value")
        else:
            doc = new
    else:
        parent, key = _get(doc, parts[:-1]), parts[-1]
        if kind == "delete":
            del parent[key]
        elif kind == "insert":
            target = _get(doc, parts)
            if isinstance(target, dict):
                target[data.draw(st.text(max_size=8), label="key")] = data.draw(json_value, label="value")
            elif isinstance(target, list):
                target.insert(data.draw(st.integers(0, len(target)), label="at"), data.draw(json_value))
            else:
                parent[key] = [target, target]
        else:
            parent[key] = new
    out = json.dumps(doc, ensure_ascii=data.draw(st.booleans(), label="ascii"))
    for marker, token in RAW.items():
        out = out.replace(f'"{marker}"', token)
    return out.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """0.6 trees written from ome-zarr-models-py documents, once per session."""
    from test_ngff06_trees import build, load_doc

    base = tmp_path_factory.mktemp("fuzz-built")
    out = {}
    for name in ("image_example.json", "plate_example_1.json"):
        out[name] = build(base / name.replace(".json", ".zarr"),
                          load_doc(DATA / "v06" / "real" / "ome-zarr-models-py" / name))
    return out


def _source(sources: dict[str, dict[str, Path]], name: str, into: Path) -> Path:
    src = into / "src.zarr"
    kind, _, rest = name.partition(":")
    origin = sources[kind][rest] if rest else DATA / name
    shutil.copytree(origin, src)
    return src


def _must_succeed_or_fail_cleanly(action, src: Path, before: dict[str, str], what: str) -> bool:
    """Run ``action``; a MigrateError is fine, anything else is a bug. Returns success."""
    try:
        action()
    except MigrateError as exc:
        event(f"{what}: {type(exc).__name__}")  # --hypothesis-show-statistics shows the mix
        assert "\n" not in str(exc), f"{what}: a multi-line error: {exc!r}"
        assert tree_digest(src) == before, f"{what} failed ({exc}) and changed the source"
        return False
    event(f"{what}: ok")
    return True


def _check_one(sources, target: str, data) -> None:
    tree_name, files = TARGETS[target]
    with tempfile.TemporaryDirectory(prefix="ngff-fuzz-") as tmp:
        tmp_path = Path(tmp)
        src = _source(sources, tree_name, tmp_path)
        for _ in range(data.draw(st.sampled_from([1, 1, 1, 2, 3]), label="mutations")):
            file = src / data.draw(st.sampled_from(files), label="file")
            try:
                text = file.read_text()
            except (OSError, UnicodeDecodeError):  # an earlier mutation broke it: replace it whole
                text = "{}"
            try:
                json.loads(text)
            except (ValueError, RecursionError):  # not JSON (or too deep for json) any more
                text = "{}"
            file.write_bytes(_mutate(data, text))
        before = tree_digest(src)

        _must_succeed_or_fail_cleanly(lambda: ngff_migrate.inspect(src), src, before, "inspect")
        assert tree_digest(src) == before, "inspect changed the source"
        _must_succeed_or_fail_cleanly(lambda: ngff_migrate.validate(src), src, before, "validate")
        assert tree_digest(src) == before, "validate changed the source"
        lenient = data.draw(st.booleans(), label="lenient")
        verify = data.draw(st.sampled_from(["none", "none", "sample"]), label="verify")
        if data.draw(st.booleans(), label="in place"):
            if _must_succeed_or_fail_cleanly(
                    lambda: ngff_migrate.convert(src, in_place=True, lenient=lenient, verify=verify),
                    src, before, "convert (in place)"):
                ngff_migrate.rollback(src)
            assert tree_digest(src) == before, "in place: not byte-identical after the failure or the rollback"
        else:
            dst = tmp_path / "out.zarr"
            _must_succeed_or_fail_cleanly(lambda: ngff_migrate.convert(src, dst, lenient=lenient, verify=verify),
                                          src, before, "convert (copy)")
            assert tree_digest(src) == before, "a copy conversion changed the source"


_SETTINGS = {"deadline": None, "derandomize": True, "database": None, "print_blob": True,
             "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much]}
#: examples per target: 9 targets x 33 = 297 in CI
CI_EXAMPLES = 33


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(TARGETS))
@settings(max_examples=CI_EXAMPLES, **_SETTINGS)
@given(data=st.data())
def test_fuzz(pristine, built, target, data):
    _check_one({"pristine": pristine, "built": built}, target, data)


@pytest.mark.longrun
@pytest.mark.parametrize("target", sorted(TARGETS))
@settings(max_examples=CI_EXAMPLES * 20, **_SETTINGS)
@given(data=st.data())
def test_fuzz_long(pristine, built, target, data):
    _check_one({"pristine": pristine, "built": built}, target, data)
