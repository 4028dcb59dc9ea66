"""Post-write verification (DESIGN §6): re-read the output from storage.

* every written document passes the RFC-8 rules, the JSON schemas and the
  link checks of :func:`ngff_migrate.validate.validate_tree`;
* every array opens with zarr-python and decodes to the same pixels as the
  source array, chunk by chunk: all chunks (``full``), or every chunk of the
  smallest level plus ``sample_chunks`` seeded-random chunks of each other
  array (``sample``), or nothing (``none``: array metadata is checked
  from its ``zarr.json`` without opening the array with zarr-python).

A chunk file that is absent from the source is legal Zarr (writers skip
chunks equal to the fill value); it is counted and listed in the report, not
treated as an error. A chunk that fails to decode, or decodes to different
pixels, fails the verification.

Every :class:`~ngff_migrate.errors.VerificationError` names the *input* file
to blame (the legacy document a failing output document was written from,
the source ``.zarray``/``zarr.json`` of an array, a source chunk), never a
file of the output, which is removed (copy) or rolled back (in place) after
a failure; the problem text says what in the output was wrong.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import VerificationError
from ..errors import exception_line as _one_line
from ..formats.plan import MigrationPlan
from ..storage.location import is_remote
from ..storage.zarrstore import zarr_store

VerifyMode = Literal["none", "sample", "full"]
DEFAULT_SAMPLE_CHUNKS = 8


@dataclass
class VerifyResult:
    """What verification checked (all counts are for this dataset)."""

    mode: str
    documents: list[str] = field(default_factory=list)
    arrays_opened: int = 0
    arrays_compared: int = 0
    chunks_compared: int = 0
    chunks_total: int = 0
    missing_chunks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report's ``verification`` entry."""
        return dict(self.__dict__)


def _chunk_key(meta: dict[str, Any], zarr_format: int, idx: tuple[int, ...]) -> str:
    """Store key of chunk ``idx`` (relative to the array directory)."""
    from ..zarr.keys import chunk_key

    return chunk_key(meta, zarr_format, idx)


def _chunk_shape(meta: dict[str, Any], zarr_format: int) -> tuple[int, ...]:
    if zarr_format == 2:
        return tuple(meta["chunks"])
    return tuple(meta["chunk_grid"]["configuration"]["chunk_shape"])


def _choose_chunks(grid: tuple[int, ...], mode: str, n: int, seed: str) -> list[tuple[int, ...]]:
    total = math.prod(grid)
    if mode == "full" or total <= n:
        return list(itertools.product(*[range(g) for g in grid]))
    rng = random.Random(zlib.crc32(seed.encode()))
    picks = sorted({rng.randrange(total) for _ in range(n)})
    out = []
    for flat in picks:
        idx = []
        for g in reversed(grid):
            idx.append(flat % g)
            flat //= g
        out.append(tuple(reversed(idx)))
    return out


#: Arrays compared concurrently.
VERIFY_THREADS = 8
#: Arrays up to this many bytes are compared whole, in one read per side.
WHOLE_ARRAY_BYTES = 32 << 20


def _check_keys(source_dir: Path, meta: dict[str, Any], fmt: int, chosen: list[tuple[int, ...]],
                result: VerifyResult, label: str) -> None:
    """Record chunk files absent from the source (they read as the fill value).

    Raises
    ------
    VerificationError
        If a chunk key names something that is not a regular file (a
        directory, a socket): zarr-python would silently read it as absent.
    """
    if is_remote(source_dir):  # an object store holds objects only: absent or there (HEAD each)
        from ..storage.remote import exists_all

        keys = [_chunk_key(meta, fmt, idx) for idx in chosen]
        found = exists_all(source_dir, keys)  # zarr-python's connections: --max-requests holds for both
        result.missing_chunks.extend(f"{label}/{key}" for key, there in zip(keys, found, strict=True) if not there)
        return
    for idx in chosen:
        key = _chunk_key(meta, fmt, idx)
        path = source_dir / key
        if not path.exists():
            result.missing_chunks.append(f"{label}/{key}")
        elif not path.is_file():
            raise VerificationError(path, "source chunk is not a regular file (a directory or a special file); "
                                          "it cannot be read")


def _source_failure(exc: BaseException, where: Any = None) -> str:
    """Why a source chunk could not be compared: a read that failed (a remote store, after its
    retries: how many attempts) or bytes that do not decode."""
    if not isinstance(exc, OSError):
        return f"source chunk cannot be decoded: {_one_line(exc)}"
    note = ""
    if where is not None and is_remote(where) and str(where).startswith("s3://"):
        from ..storage.s3 import attempts_note

        note = attempts_note(where)
    return f"source chunk cannot be read: {_one_line(exc)}{note}"


def compare_array(source_dir: Path, source_format: int, source_meta: dict[str, Any],
                  target_dir: Path, mode: str, sample_chunks: int, result: VerifyResult,
                  *, label: str) -> None:
    """Compare decoded pixels of the source and target arrays chunk by chunk.

    Raises
    ------
    VerificationError
        If the target does not open, shapes/dtypes differ, a chunk fails to
        decode or the pixels differ. The error names the source array's
        metadata file (``.zarray``/``zarr.json``) the output metadata was
        written from, or the source chunk that does not decode.
    """
    if mode == "none":  # metadata was checked by the tree walk (rank, node type); no chunk is read
        return
    import numpy as np
    import zarr

    # the input to blame: the source metadata the output's zarr.json was written or copied from
    meta_file = source_dir / (".zarray" if source_format == 2 else "zarr.json")
    out = f"the output {label or '.'}/zarr.json"
    try:
        target = zarr.open_array(zarr_store(target_dir), mode="r", zarr_format=3)
    except Exception as exc:
        raise VerificationError(meta_file, f"zarr-python cannot open {out} written from it: {_one_line(exc)}") from None
    result.arrays_opened += 1
    try:
        source = zarr.open_array(zarr_store(source_dir), mode="r", zarr_format=source_format)
    except Exception as exc:
        raise VerificationError(meta_file, f"zarr-python cannot open the source array: {_one_line(exc)}") from None
    # byte order is an encoding detail (a v3 'bytes' codec endian), not a value difference
    if source.shape != target.shape or source.dtype.newbyteorder("=") != target.dtype.newbyteorder("="):
        raise VerificationError(meta_file,
                                f"shape/dtype {target.shape}/{target.dtype} of {out} differ from the source "
                                f"{source.shape}/{source.dtype}")
    chunks = _chunk_shape(source_meta, source_format)
    grid = tuple(math.ceil(s / c) for s, c in zip(source.shape, chunks, strict=False))
    result.chunks_total += math.prod(grid)
    equal_nan = source.dtype.kind in "fc"
    if source.nbytes <= WHOLE_ARRAY_BYTES:
        # small array: one read per side compares every chunk (cheaper than per-chunk calls)
        chosen = list(itertools.product(*[range(g) for g in grid]))
        _check_keys(source_dir, source_meta, source_format, chosen, result, label)
        try:
            a = source[...]
        except Exception as exc:
            raise VerificationError(source_dir, _source_failure(exc, source_dir)) from None
        try:
            b = target[...]
        except Exception as exc:
            raise VerificationError(meta_file, f"a chunk cannot be decoded through {out} written from it: "
                                               f"{_one_line(exc)}") from None
        if not np.array_equal(a, b, equal_nan=equal_nan):
            raise VerificationError(meta_file, f"pixels decoded through {out} differ from the source")
        result.chunks_compared += len(chosen)
        result.arrays_compared += 1
        return
    chosen = _choose_chunks(grid, mode, sample_chunks, label)
    _check_keys(source_dir, source_meta, source_format, chosen, result, label)
    for idx in chosen:
        key = _chunk_key(source_meta, source_format, idx)
        region = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, source.shape, strict=False))
        try:
            a = source[region]
        except Exception as exc:
            raise VerificationError(source_dir / key, _source_failure(exc, source_dir / key)) from None
        try:
            b = target[region]
        except Exception as exc:
            raise VerificationError(meta_file, f"chunk {key} cannot be decoded through {out} written from it: "
                                               f"{_one_line(exc)}") from None
        if not np.array_equal(a, b, equal_nan=equal_nan):
            raise VerificationError(meta_file, f"chunk {key}: pixels decoded through {out} differ from the source")
        result.chunks_compared += 1
    result.arrays_compared += 1


def verify_output(plan: MigrationPlan, target_root: Path, *, source_root: Path,
                  mode: VerifyMode = "sample", sample_chunks: int = DEFAULT_SAMPLE_CHUNKS,
                  progress=None) -> VerifyResult:
    """Verify a written migration (DESIGN §6).

    Parameters
    ----------
    plan:
        The plan that was written.
    target_root:
        Where the output lives (the source root itself for in-place runs).
    source_root:
        The untouched source; for in-place runs of Zarr v2 data the v2
        metadata files left next to the new ``zarr.json`` provide the
        source view.
    mode:
        ``none`` (documents and links only), ``sample`` or ``full``.
    progress:
        Optional callable ``progress(advance: int)`` called once per array.

    Raises
    ------
    VerificationError
        On the first rule violation, broken link, unopenable array or pixel
        difference; the message names the input file to blame (see
        :func:`input_document`) and says what in the output was wrong.
    """
    from ..runtime import paused_gc, resumed_gc
    from .tree import validate_tree

    result = VerifyResult(mode=mode)
    # --verify none: the rule checker on every document, no JSON-schema pass (that would
    # import jsonschema for a metadata-only run); sample: the root and sample_chunks more
    schema_documents = {"none": 0, "sample": 1 + sample_chunks, "full": None}[mode]
    start = target_root if plan.entry == "zarr.json" else target_root / plan.entry
    with paused_gc():  # metadata only (src/ngff_migrate/runtime.py); the pixel comparison below resumes it
        tree = validate_tree(start, check_arrays=False, schema_documents=schema_documents)
    result.documents = tree.documents
    result.warnings.extend(tree.warnings)
    if tree.violations:
        v = tree.violations[0]
        more = f" (+{len(tree.violations) - 1} more)" if len(tree.violations) > 1 else ""
        raise VerificationError(input_document(plan, source_root, v.file),
                                f"the output {v.file} written from it breaks [{v.rule}] at {v.location or '$'}: "
                                f"{v.message}{more}")
    written = {d.file for d in plan.documents}
    missing = written - set(tree.documents) - {f"{a.rel}/zarr.json" for a in plan.arrays}
    missing -= {d.file for d in plan.documents if not d.has_ome}
    if missing:
        raise VerificationError(source_root, f"written documents not reachable from the root of the output: "
                                             f"{sorted(missing)}")
    smallest = _smallest_levels(plan)

    def one(array) -> VerifyResult:
        part = VerifyResult(mode=mode)
        array_mode = "full" if (mode == "sample" and array.rel in smallest) else mode
        if getattr(array, "reader", None) is not None:  # not a Zarr source (a TIFF level)
            from .reader import compare_reader

            compare_reader(array.reader, target_root / array.rel, array_mode, sample_chunks, part, label=array.rel)
            return part
        compare_array(source_root / array.rel, array.source.zarr_format, array.source.metadata,
                      target_root / array.rel, array_mode, sample_chunks, part, label=array.rel)
        return part

    # zarr-python's synchronous API waits on its event loop; comparing several
    # arrays at once overlaps those waits (stdlib pool, results merged in order)
    stack = ExitStack()
    if mode == "none":  # no array is opened: nothing to overlap
        parts = map(one, plan.arrays)
    else:
        stack.enter_context(resumed_gc())  # decoded chunks: memory bounded by the collector
        pool = ThreadPoolExecutor(max_workers=VERIFY_THREADS)
        parts = pool.map(one, plan.arrays)
    try:
        for part in parts:
            for key in ("arrays_opened", "arrays_compared", "chunks_compared", "chunks_total"):
                setattr(result, key, getattr(result, key) + getattr(part, key))
            result.missing_chunks.extend(part.missing_chunks)
            if progress is not None:
                progress(1)
    finally:
        if mode != "none":
            pool.shutdown(wait=True, cancel_futures=True)
        stack.close()
    if result.missing_chunks:
        result.warnings.append(
            f"{len(result.missing_chunks)} chunk(s) checked are absent from the source and read as the "
            f"fill value (legal Zarr; e.g. {result.missing_chunks[0]})")
    return result


def input_document(plan: MigrationPlan, source_root: Path, output_file: str) -> Path:
    """The input file an output document (``output_file``, relative to the
    output root) was written from: the legacy attributes document it
    replaces (``.zattrs`` before ``.zarray``/``.zgroup``), else the same
    relative path in the source (RFC-8 inputs, documents not rewritten)."""
    doc = next((d for d in plan.documents if d.file == output_file), None)
    replaces = list(doc.replaces) if doc is not None else []
    for name in (".zattrs", ".zarray", ".zgroup", "zarr.json"):
        for rel in replaces:
            if rel.rsplit("/", 1)[-1] == name:
                return source_root / rel
    return source_root / (replaces[0] if replaces else output_file)



def _smallest_levels(plan: MigrationPlan) -> set[str]:
    """The last (smallest) level of every multiscale: the arrays whose
    chunks are all compared in ``sample`` mode."""
    by_parent: dict[str, tuple[int, str]] = {}
    for array in plan.arrays:
        parent = array.rel.rsplit("/", 1)[0] if "/" in array.rel else ""
        size = 1
        for s in array.source.shape:
            size *= s
        if parent not in by_parent or size < by_parent[parent][0]:
            by_parent[parent] = (size, array.rel)
    return {rel for _, rel in by_parent.values()}
