"""Shared helpers for the ngff-migrate benchmarks (not a benchmark itself).

Inputs are NGFF 0.4 (Zarr v2) images made as follows:

* every metadata document (``.zgroup``, ``.zattrs`` with ``multiscales``,
  each level's ``.zarray``/``.zattrs``) is written by ome-zarr-py:
  ``ome_zarr.writer.write_image(dask_array, zarr.open_group(path, mode="w",
  zarr_format=2), fmt=FormatV04(), compute=False, ...)``. With
  ``compute=False`` ome-zarr-py creates the arrays and writes all metadata
  but no chunk;
* the chunk bytes are then written with zarr-python (Zarr v2 arrays opened
  from that group) in z-slabs of random uint16 noise: level ``s0`` gets the
  noise, ``s1``/``s2`` a 2x/4x yx-subsampling of it. Pushing gigabytes
  through ome-zarr-py's dask/skimage pyramid would take minutes without
  changing a single metadata byte.

Arrays are uncompressed (``compressor: null``) so the bytes on disk equal the
nominal size. Axes ``z, y, x``; level 0 is ``Z x 1024 x 1024`` uint16
(2 MiB per z-plane); pyramid ``scale_factors=(2, 4)`` (yx only, as
ome-zarr-py does by default for ``zyx``), so the total is 1.3125x level 0.
Chunks are the same on every level, their y/x clipped to the level's size
(``storage_options`` given per level).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
PY = sys.executable
BIN = Path(sys.executable).parent
NGFF_MIGRATE = str(BIN / "ngff-migrate") if (BIN / "ngff-migrate").exists() else "ngff-migrate"
MIB = 1 << 20
METADATA_NAMES = {".zgroup", ".zattrs", ".zarray", ".zmetadata", "zarr.json"}


# --------------------------------------------------------------------------- inputs

def make_image(path: Path, z: int, *, yx: int = 1024, chunks: tuple[int, int, int] = (1, 256, 256),
               seed: int = 0) -> None:
    """Write an NGFF 0.4 image (see module docstring) of ``z x yx x yx`` uint16 at ``path``."""
    import dask.array as da
    import numpy as np
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image

    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    lazy = da.zeros((z, yx, yx), dtype="uint16", chunks=chunks)
    # per level, y/x chunks clipped to the level's size (Zarr v2 stores whole chunks: a
    # 1024-wide chunk on a 256-wide level would take 4x the bytes on disk)
    level_opts = [{"chunks": (chunks[0], min(chunks[1], yx // f), min(chunks[2], yx // f)), "compressor": None}
                  for f in (1, 2, 4)]
    write_image(lazy, root, axes="zyx", fmt=FormatV04(), scale_factors=(2, 4),
                scale={"z": 2.0, "y": 0.5, "x": 0.5},
                axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                storage_options=level_opts,
                compute=False, name="benchmark image")
    group = zarr.open_group(str(path), mode="r+", zarr_format=2)
    levels = [group[p] for p in ("s0", "s1", "s2")]
    rng = np.random.default_rng(seed)
    step = max(32, chunks[0])  # whole chunks along z (no read-modify-write of partial chunks)
    step -= step % chunks[0]
    for z0 in range(0, z, step):
        n = min(step, z - z0)
        block = rng.integers(0, 4096, size=(n, yx, yx), dtype=np.uint16)
        levels[0][z0:z0 + n] = block
        levels[1][z0:z0 + n] = block[:, ::2, ::2]
        levels[2][z0:z0 + n] = block[:, ::4, ::4]


def cached_image(name: str, z: int, **kw) -> Path:
    """``benchmarks/_work/inputs/<name>``, written once and reused while its
    ``.complete`` marker matches the parameters (inputs are never modified by
    the benchmarks: every run works on a copy or is rolled back and checked)."""
    path = WORK / "inputs" / name
    marker = WORK / "inputs" / f"{name}.complete"
    key = json.dumps({"z": z, **{k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}},
                     sort_keys=True)
    if path.exists() and marker.exists() and marker.read_text() == key:
        return path
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    print(f"  writing input {path.relative_to(HERE.parent)} (z={z}) ...", flush=True)
    make_image(path, z, **kw)
    marker.write_text(key)
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path


def is_metadata(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1] in METADATA_NAMES


def tree_stats(root: Path) -> dict:
    """Chunk bytes/files and metadata files of a Zarr tree (journal excluded)."""
    chunk_bytes = chunk_files = meta_files = meta_bytes = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".ngff-migrate"]
        for name in filenames:
            size = os.stat(os.path.join(dirpath, name)).st_size
            if name in METADATA_NAMES:
                meta_files += 1
                meta_bytes += size
            else:
                chunk_files += 1
                chunk_bytes += size
    return {"chunk_bytes": chunk_bytes, "chunk_files": chunk_files,
            "metadata_files": meta_files, "metadata_bytes": meta_bytes}


def fingerprint(root: Path) -> dict[str, str]:
    """Relative path -> size (chunk files) or sha256 (everything else).

    Used to assert that a reset restored the pristine tree."""
    out: dict[str, str] = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if name in METADATA_NAMES or rel.startswith(".ngff-migrate"):
                out[rel] = hashlib.sha256(Path(full).read_bytes()).hexdigest()
            else:
                out[rel] = str(os.stat(full).st_size)
    return out


def fresh_copy(src: Path, dst: Path) -> None:
    """``dst`` := a byte-for-byte copy of ``src`` (untimed reset)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-r", str(src), str(dst)], check=True)


# --------------------------------------------------------------------------- timing

def child_env() -> dict[str, str]:
    """Environment of every timed process: bytecode caching on, into
    ``benchmarks/_work/pycache`` (``PYTHONPYCACHEPREFIX``).

    Some machines (this project's sandbox among them) export
    ``PYTHONDONTWRITEBYTECODE=1``; an editable install then recompiles
    ngff-migrate's sources in every process while wheels installed by pip
    come with their ``.pyc``. A user's installed copy has bytecode, so the
    benchmarks give every tool a warm bytecode cache (see :func:`warm_up`),
    written outside ``src/``.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    return env


def timed(cmd: list[str], *, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    """Whole-process wall time of ``cmd`` (output captured, as in a pipe).

    ``os.sync()`` first (untimed): dirty pages left by writing inputs or by a
    reset would otherwise be flushed inside the timed run (on ext4 an fsync
    of one small file commits the journal, waiting for other files' data).
    """
    env = child_env()
    os.sync()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                           f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}")
    return elapsed, proc


def warm_up() -> None:
    """Untimed: fill the bytecode cache and the page cache for every code
    path the benchmarks time (a migration of a tiny image with each
    ``--verify`` mode, a copy, a rollback, and the ngff-zarr import)."""
    src = cached_image("warmup_z2", 2, yx=512)
    tmp = WORK / "warmup"
    for mode in ("none", "sample", "full"):
        fresh_copy(src, tmp)
        timed([NGFF_MIGRATE, "convert", "--in-place", str(tmp), "--verify", mode])
        timed([NGFF_MIGRATE, "rollback", str(tmp)])
        shutil.rmtree(WORK / "warmup.out", ignore_errors=True)
        timed([NGFF_MIGRATE, "convert", str(tmp), str(WORK / "warmup.out"), "--verify", mode])
    shutil.rmtree(WORK / "warmup.out", ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    timed([PY, "-c", "import ngff_zarr, ngff_zarr.upgrade_ome_zarr, zarr, dask.array, ome_zarr"], check=False)


def git_commit() -> str:
    """``git log -1 --format=%h`` of the repository, ``+dirty`` when ``src/`` has
    uncommitted changes (other engineers edit it while benchmarks run)."""
    repo = HERE.parent
    try:
        h = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h"], capture_output=True,
                           text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return h + ("+dirty" if dirty else "")


def verdict(what: str, value: float, target: float, *, at_most: bool = True, unit: str = "") -> dict:
    """Print and return a ``PASS``/``MISS`` line: ``value <= target`` (or ``>=``)."""
    ok = value <= target if at_most else value >= target
    op = "<=" if at_most else ">="
    line = f"{'PASS' if ok else 'MISS'}: {what}: {value:.3g}{unit} (target {op} {target:g}{unit}; " \
           f"commit {git_commit()}, load {loadavg()})"
    print(line, flush=True)
    return {"what": what, "value": value, "target": target, "op": op, "pass": ok, "line": line,
            "commit": git_commit(), "loadavg": loadavg()}


def timed_rss(cmd: list[str], *, check: bool = True, env: dict | None = None,
              sample=None) -> tuple[float, subprocess.CompletedProcess, int]:
    """Like :func:`timed`, also returning the peak RSS (bytes) of the process, from
    ``wait4``'s ``ru_maxrss`` (the largest of the process and its waited-for
    descendants, not their sum). ``sample(pid)`` (optional) is called in a thread
    while the process runs (e.g. to sample ``/proc/PID/io``); it must return when
    the process is gone."""
    import threading

    env = env or child_env()
    os.sync()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    th = None
    if sample is not None:
        th = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        th.start()
    # drain the pipes in threads, reap with wait4 to get this child's rusage
    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def drain(stream, key):
        chunks[key].append(stream.read())

    readers = [threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True)]
    for r in readers:
        r.start()
    _pid, status, ru = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if th is not None:
        th.join(timeout=5)
    done = subprocess.CompletedProcess(cmd, proc.returncode, "".join(chunks["out"]), "".join(chunks["err"]))
    if check and proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                           f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}")
    return elapsed, done, ru.ru_maxrss * 1024


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_s(x: float) -> str:
    return f"{x:.3f}"


def human(nbytes: int) -> str:
    if nbytes >= 1 << 30:
        return f"{nbytes / (1 << 30):.2f} GiB"
    return f"{nbytes / MIB:.1f} MiB"


def filesystem_of(path: Path) -> str:
    """Filesystem type of ``path`` as ``df -T`` reports it."""
    df = subprocess.run(["df", "-T", str(path)], capture_output=True, text=True).stdout.splitlines()
    return df[-1].split()[1] if len(df) > 1 else "?"


def machine_info() -> dict:
    """nproc, Python, filesystem of ``benchmarks/_work`` and package versions."""
    WORK.mkdir(parents=True, exist_ok=True)
    fs = filesystem_of(WORK)
    versions = {}
    for mod in ("zarr", "numcodecs", "numpy", "dask", "ome_zarr", "ngff_zarr", "ngff_migrate"):
        code = f"import importlib.metadata as m; print(m.version({mod.replace('_', '-')!r}))"
        r = subprocess.run([PY, "-c", code], capture_output=True, text=True)
        versions[mod] = r.stdout.strip() if r.returncode == 0 else "not installed"
    return {"nproc": os.cpu_count(), "python": platform.python_version(), "filesystem": fs,
            "kernel": platform.release(), "versions": versions, "loadavg_start": loadavg(),
            "commit": git_commit(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def print_machine(info: dict) -> None:
    v = ", ".join(f"{k} {x}" for k, x in info["versions"].items())
    print(f"machine: nproc={info['nproc']}, Python {info['python']}, "
          f"filesystem of benchmarks/_work: {info['filesystem']}, kernel {info['kernel']}")
    print(f"versions: {v}")
    print(f"commit: {info.get('commit', git_commit())} (git log -1 --format=%h; +dirty: src/ has uncommitted changes)")
    print(f"load average at start: {info['loadavg_start']} (other processes share the "
          f"{info['nproc']} cores; compare medians, not single runs)")


def save_results(name: str, data: dict) -> Path:
    """Write ``benchmarks/_work/results/<name>.json`` (for docs/performance.md)."""
    data.setdefault("machine", {})["loadavg_end"] = loadavg()
    data["machine"]["commit_end"] = git_commit()
    out = WORK / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    return out


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
