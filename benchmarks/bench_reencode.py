"""Re-encode throughput and memory: ``ngff-migrate convert --chunks/--shards/--codec`` against
ome2024-ngff-challenge ``resave`` and ngff-zarr, and the codec limit (issue #9, "Benchmarks").

Input (cached in ``benchmarks/_work/inputs/reencode_*``): an NGFF 0.4 image on Zarr v2
as typical archives hold them -- metadata by ome-zarr-py (``write_image(...,
fmt=FormatV04(), compute=False)``), axes ``zyx`` (or ``czyx`` with 2 channels,
``--axes czyx``), uint16, level 0 ``Z x 1024 x 1024`` of ``--size`` bytes (default
1 GiB) plus the 2x/4x y/x pyramid levels (1.3125x level 0 in all), chunks
``1 x 1024 x 1024`` (bioformats2raw's default tiles; clipped per level; ``--input-chunks``),
compressor blosc lz4 level 5 with byte shuffle (bioformats2raw's default); pixels
from ``_fluo.py`` (a fluorescence-like scene, 12-bit camera model) written by
zarr-python, 32 planes at a time.

Timed, each as a whole process, interleaved round by round (``--runs``, default 3), DST
removed and ``os.sync()`` before every run (untimed), source in the page cache:

* ``o24``: ``ome2024-ngff-challenge resave --cc-by --silent SRC DST --output-chunks=32,256,256
  --output-shards=32,1024,1024`` (ome2024-ngff-challenge 1.0.3 in its own venv,
  ``benchmarks/_work/venv-o24``, which pins zarr 3.0.0a0; pixels via tensorstore;
  codec blosc zstd 5 with byte shuffle -- hard-coded; its default 16 shards in flight,
  ``--output-threads 16``). Both flags are needed: without a license flag
  (``--cc-by``/``--cc0``/``--rocrate-license``) or ``--rocrate-skip`` it exits with
  "No license set", and without ``--output-shards`` its shard guess is the whole array,
  which it refuses above 10^8 elements ("ValueError: no shard guess") -- so it fails
  on any level of more than 10^8 pixels (190 MiB of uint16) with its default flags.
  ``--silent`` makes it exit 0 on success: otherwise its exit status is the number of
  images converted (1), "for nextflow";
* ``ngff-zarr upgrade``: ``ngff-zarr upgrade SRC -o DST --to 0.5`` (ngff-zarr 0.50.0 in
  ``benchmarks/_work/venv-ngff-zarr``, zarr 3.1.6): a copy through its write
  pipeline with no chunk, shard or codec option -- source chunks, unsharded,
  zarr-python's default codec (zstd level 0, i.e. 3);
* ``ngff-zarr sharded``: ``ngff-zarr -i SRC -o DST --input-backend ngff_zarr
  --ome-zarr-version 0.5 --chunks-per-shard 32 1 1 --codec blosc:zstd --compression-level 5
  --no-omero -q``: the closest its CLI gets to the same layout (``--input-backend``:
  it guesses the backend from the name, and takes a folder not named ``*.zarr`` for
  an imageio file). For an OME-Zarr input it ignores
  ``--chunks`` (used only when it builds a pyramid from a plain image), so the
  chunks stay ``1 x 1024 x 1024``, and the shards come out ``32 x 1024 x 1024``;
  ``--no-omero`` skips a pass that computes display quantiles;
* ``ngff-migrate o24 codec``: ``ngff-migrate convert SRC DST --chunks z=32,y=256,x=256
  --shards 32,1024,1024 --codec blosc:zstd:5:shuffle --verify none``;
* ``ngff-migrate default codec``: the same without ``--codec`` (which keeps the source's
  codec when it is core Zarr v3 -- blosc lz4 here, as on most bioformats2raw output);
* ``ngff-migrate --codec REC``: the same with ``--codec blosc:zstd:1:shuffle``, the
  default that ``codec_study.py`` recommends (``--rec-codec``).

The ngff-migrate runs are skipped, with a message, while ``ngff-migrate convert --help``
does not offer ``--chunks`` (the re-encode engine is being written).

Codec limit (in this process, 2 threads, no zarr pipeline, no writes; interleaved with
the rounds): for every output shard of every level, the input chunk files that cover
it are read and decoded (numcodecs blosc) on a 2-thread pool, assembled, and every
32 x 256 x 256 chunk of it is
encoded with blosc zstd 5 shuffle (and with each of ``--limit-codecs``, by default the
recommended codec and the source's blosc lz4 5 shuffle) on the same pool, one shard
after the other; blosc's own threads off. MB/s are of raw (decoded) bytes of all
levels, MB = 10^6 B.

Memory: peak RSS of the process tree, by polling ``/proc`` with psutil every 20 ms (the
sum over the process and all its descendants; a peak shorter than 20 ms can be
missed). ``ru_maxrss`` from ``wait4`` is kept in the JSON only: on Linux a child's
high-water mark starts at its parent's RSS at ``fork`` (it survives ``exec``), so it
reads this script's own size (up to ~0.65 GB after a codec-limit pass) rather than
the tool's. ``--sizes
256MiB,1GiB,4GiB`` runs every size in the same rounds and prints peak RSS per size
and the ratio to the smallest (the memory-flatness figure).

The output of each command is checked once (first round): a Zarr v3 root with
``ome.version`` 0.5 or later, and level 0 read back with zarr-python equal to the
source on 4 random 32 x 256 x 256 blocks.

Usage: ``python benchmarks/bench_reencode.py [--size 1GiB | --sizes 256MiB,1GiB,4GiB] [--runs N]
[--axes zyx|czyx] [--tools o24,nz-upgrade,nz-sharded,nm-o24,nm-default,nm-rec] [--rec-codec SPEC]
[--limit-codecs LIST | --no-limit] [--fresh] [--quick]``
(``--quick``: 128 MiB, 3 runs). Results: ``benchmarks/_work/results/bench_reencode*.json``.
About 3 minutes per run of all five commands on 1 GiB on 2 cores, plus about 1 minute
the first time to write the input (4 minutes for 4 GiB).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _fluo as fluo

VENV_O24 = c.WORK / "venv-o24"
VENV_NZ = c.WORK / "venv-ngff-zarr"
CHUNKS = (32, 256, 256)
SHARDS = (32, 1024, 1024)
O24_CODEC = "blosc:zstd:5:shuffle"
THREADS = 2
YX = 1024
SLAB = 32  # planes generated and written at a time
TOOLS = {
    "o24": "o24 resave (blosc zstd 5 shuffle)",
    "nz-upgrade": "ngff-zarr upgrade -o (source chunks, zstd)",
    "nz-sharded": "ngff-zarr -i/-o sharded (blosc zstd 5)",
    "nm-o24": "ngff-migrate --codec blosc:zstd:5:shuffle",
    "nm-default": "ngff-migrate default codec",
    "nm-rec": "ngff-migrate --codec REC",
}
NM_TOOLS = ("nm-o24", "nm-default", "nm-rec")
REC_CODEC = "blosc:zstd:1:shuffle"  # codec_study.py's recommendation
SOURCE_CODEC = "blosc:lz4:5:shuffle"  # the input's codec, as a --codec label
TARGETS = {"o24_throughput_ratio": 1.1, "limit_fraction": 0.75, "default_throughput_ratio": 2.0,
           "peak_rss_gb": 0.6, "rss_flatness": 1.10}


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB|KB|MB|GB|B)?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 256MiB, 1GiB, 1.5GB)")
    unit = {"B": 1, None: 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
            "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9}[m.group(2)]
    return int(float(m.group(1)) * unit)


def size_label(n: int) -> str:
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= f and n % (f // 4) == 0:
            return f"{n / f:g}{unit}"
    return c.human(n).replace(" ", "")


# --------------------------------------------------------------------------- input

def make_input(path: Path, planes: int, channels: int, chunks: tuple[int, int, int]) -> None:
    """NGFF 0.4 image: ome-zarr-py metadata, blosc-lz4 chunks written by zarr-python (see docstring)."""
    import dask.array as da
    import numcodecs
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image

    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    lead = (channels,) if channels > 1 else ()
    lazy = da.zeros((*lead, planes, YX, YX), dtype="uint16", chunks=(*(1 for _ in lead), *chunks))
    comp = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    opts = [{"chunks": (*(1 for _ in lead), chunks[0], min(chunks[1], YX // f), min(chunks[2], YX // f)),
             "compressor": comp} for f in (1, 2, 4)]
    axes = ("c" if lead else "") + "zyx"
    write_image(lazy, root, axes=axes, fmt=FormatV04(), scale_factors=(2, 4),
                scale={**({"c": 1.0} if lead else {}), "z": 2.0, "y": 0.5, "x": 0.5},
                axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                storage_options=opts, compute=False, name="re-encode benchmark image")
    group = zarr.open_group(str(path), mode="r+", zarr_format=2)
    levels = [group[p] for p in ("s0", "s1", "s2")]
    step = max(SLAB, chunks[0])
    step -= step % chunks[0]
    for ch in range(channels):
        for z0 in range(0, planes, step):
            n = min(step, planes - z0)
            seed = 1000 * ch + z0
            block = fluo.acquire_fast(fluo.scene(n, seed=seed, z_offset=z0), **fluo.U16_12BIT, seed=seed + 1)
            for lev, f in zip(levels, (1, 2, 4), strict=True):
                sel = (ch, slice(z0, z0 + n)) if lead else (slice(z0, z0 + n),)
                lev[sel] = block[:, ::f, ::f]


def cached_input(size: int, axes: str, chunks: tuple[int, int, int], fresh: bool) -> Path:
    channels = 2 if axes == "czyx" else 1
    planes = size // (YX * YX * 2 * channels)
    if planes < 1 or size % (YX * YX * 2 * channels):
        raise SystemExit(f"--size {size}: must be a whole number of {channels} x 1024 x 1024 uint16 planes")
    name = f"reencode_{axes}_{size_label(size)}_c{'x'.join(map(str, chunks))}"
    path = c.WORK / "inputs" / name
    marker = c.WORK / "inputs" / f"{name}.complete"
    key = json.dumps({"planes": planes, "channels": channels, "chunks": list(chunks), "version": 1})
    if not fresh and path.exists() and marker.exists() and marker.read_text() == key:
        return path
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    print(f"  writing input {path.relative_to(c.HERE.parent)} ({channels} x {planes} x 1024 x 1024) ...", flush=True)
    make_input(path, planes, channels, chunks)
    marker.write_text(key)
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path


def input_stats(src: Path) -> dict:
    """Raw (decoded) bytes, stored bytes and chunk files of all levels."""
    raw = 0
    for lev in ("s0", "s1", "s2"):
        meta = json.loads((src / lev / ".zarray").read_text())
        raw += math.prod(meta["shape"]) * 2
    st = c.tree_stats(src)
    return {"raw_bytes": raw, "stored_bytes": st["chunk_bytes"], "chunk_files": st["chunk_files"]}


# --------------------------------------------------------------------------- codec limit

def blosc_for(label: str, typesize: int = 2):
    """numcodecs codec for a ``--codec`` label (blosc, zstd, gzip, none)."""
    import numcodecs

    parts = label.split(":")
    if parts[0] == "none":
        return None
    if parts[0] == "zstd":
        return numcodecs.Zstd(level=int(parts[1]) if len(parts) > 1 else 0)
    if parts[0] == "gzip":
        return numcodecs.GZip(level=int(parts[1]) if len(parts) > 1 else 5)
    shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}[parts[3] if len(parts) > 3 else "shuffle"]
    return numcodecs.Blosc(cname=parts[1] if len(parts) > 1 else "zstd", clevel=int(parts[2]) if len(parts) > 2
                           else 5, shuffle=shuffle, typesize=typesize)


def codec_limit(src: Path, label: str) -> dict:
    """Decode the input chunks + encode 32x256x256 chunks with ``label``, 2 threads, no writes."""
    import numcodecs
    import numcodecs.blosc
    import numpy as np

    numcodecs.blosc.use_threads = False
    enc = blosc_for(label)
    jobs = []
    for lev in ("s0", "s1", "s2"):
        meta = json.loads((src / lev / ".zarray").read_text())
        shape, ich = meta["shape"], meta["chunks"]
        dec = numcodecs.get_codec(meta["compressor"])
        sep = meta.get("dimension_separator", ".")
        n = len(shape)
        och = (1,) * (n - 3) + CHUNKS
        osh = (1,) * (n - 3) + SHARDS
        grid = [range(0, s, k) for s, k in zip(shape, osh, strict=True)]
        for origin in _product(grid):
            jobs.append((src / lev, shape, ich, sep, dec, origin, osh, och))

    def decode_into(buf, root, ich, sep, dec, origin, stop, idx) -> None:
        f = root / sep.join(map(str, idx))
        lo = [i * k for i, k in zip(idx, ich, strict=True)]
        chunk = np.frombuffer(dec.decode(f.read_bytes()), dtype="<u2").reshape(ich)
        src_sl = tuple(slice(max(a, o) - o, min(o + k, b) - o) for a, b, o, k in zip(origin, stop, lo, ich, strict=True))
        dst_sl = tuple(slice(max(a, o) - a, min(o + k, b) - a) for a, b, o, k in zip(origin, stop, lo, ich, strict=True))
        buf[dst_sl] = chunk[src_sl]

    def encode(block) -> int:
        return len(enc.encode(np.ascontiguousarray(block))) if enc is not None else block.nbytes

    raw = encoded = 0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        # per output shard: its input chunks decoded on the pool, then its chunks encoded on the pool
        for root, shape, ich, sep, dec, origin, osh, och in jobs:
            stop = [min(o + s, d) for o, s, d in zip(origin, osh, shape, strict=True)]
            buf = np.empty([b - a for a, b in zip(origin, stop, strict=True)], dtype="<u2")
            idxs = _product([range(a // k, -(-b // k)) for a, b, k in zip(origin, stop, ich, strict=True)])
            list(pool.map(lambda i, buf=buf, root=root, ich=ich, sep=sep, dec=dec, origin=origin, stop=stop:
                          decode_into(buf, root, ich, sep, dec, origin, stop, i), idxs))
            blocks = [buf[tuple(slice(a, a + k) for a, k in zip(cidx, och, strict=True))]
                      for cidx in _product([range(0, s, k) for s, k in zip(buf.shape, och, strict=True)])]
            encoded += sum(pool.map(encode, blocks))
            raw += buf.nbytes
    dt = time.perf_counter() - t0
    return {"seconds": dt, "raw_bytes": raw, "encoded_bytes": encoded, "MB_s": raw / dt / 1e6}


def _product(ranges):
    import itertools

    return itertools.product(*ranges)


# --------------------------------------------------------------------------- commands

def o24_bin() -> Path:
    return VENV_O24 / "bin" / "ome2024-ngff-challenge"


def nz_bin() -> Path:
    return VENV_NZ / "bin" / "ngff-zarr"


def commands(src: Path, dst: Path, axes: str, rec: str = REC_CODEC) -> dict[str, list[str]]:
    lead = axes[:-3]
    chunks = ",".join(["1"] * len(lead) + [str(k) for k in CHUNKS])
    shards = ",".join(["1"] * len(lead) + [str(k) for k in SHARDS])
    nm_chunks = ",".join(f"{a}={k}" for a, k in zip("zyx", CHUNKS, strict=True))
    return {
        "o24": [str(o24_bin()), "resave", "--cc-by", "--silent", str(src), str(dst),
                f"--output-chunks={chunks}", f"--output-shards={shards}"],
        "nz-upgrade": [str(nz_bin()), "upgrade", str(src), "-o", str(dst), "--to", "0.5"],
        "nz-sharded": [str(nz_bin()), "-i", str(src), "-o", str(dst), "--input-backend", "ngff_zarr",
                       "--ome-zarr-version", "0.5",
                       "--chunks-per-shard", *(["1"] * len(lead)), "32", "1", "1",
                       "--codec", "blosc:zstd", "--compression-level", "5", "--no-omero", "-q"],
        "nm-o24": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--chunks", nm_chunks,
                   "--shards", shards, "--codec", O24_CODEC, "--verify", "none"],
        "nm-default": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--chunks", nm_chunks,
                       "--shards", shards, "--verify", "none"],
        "nm-rec": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--chunks", nm_chunks,
                   "--shards", shards, "--codec", rec, "--verify", "none"],
    }


def clear(dst: Path) -> None:
    """Remove DST and what a killed ngff-migrate run leaves next to it (its unfinished output,
    which a rerun with other options would otherwise refuse to take over)."""
    for path in (dst, dst.parent / f".{dst.name}.ngff-migrate-partial", dst.parent / f".{dst.name}.ngff-migrate-old"):
        if path.exists():
            shutil.rmtree(path)


def o24_default_flags(src: Path, dst: Path) -> list[dict]:
    """Untimed: o24 resave with its default flags, then with a license only (both expected to fail
    on a level of more than 10^8 pixels); the exit status and last line of each."""
    out = []
    for extra in ([], ["--cc-by"]):
        clear(dst)
        cmd = [str(o24_bin()), "resave", *extra, str(src), str(dst)]
        r = subprocess.run(cmd, capture_output=True, text=True, env=c.child_env())
        lines = [x for x in (r.stderr + r.stdout).splitlines() if x.strip() and "Deprecat" not in x
                 and "from numcodecs" not in x]
        done = (dst / "s0" / "zarr.json").exists() or (dst / "0" / "s0" / "zarr.json").exists()
        last = lines[-1] if lines else ""
        if r.returncode and done and not last:
            last = "(converted: without --silent the exit status is the number of images converted)"
        out.append({"command": cmd, "returncode": r.returncode, "converted": done, "last_line": last})
    clear(dst)
    return out


def codec_label(codecs: list[dict]) -> str:
    """``--codec`` label of a v3 (inner) codec list: ``blosc:zstd:5:shuffle``, ``zstd:3``, ``none``..."""
    for cd in codecs:
        name, conf = cd.get("name"), cd.get("configuration", {})
        if name == "blosc":
            return f"blosc:{conf.get('cname')}:{conf.get('clevel')}:{conf.get('shuffle')}"
        if name in ("zstd", "gzip"):
            return f"{name}:{conf.get('level')}"
    return "none"


def ngff_migrate_supports_reencode() -> tuple[bool, str]:
    r = subprocess.run([c.NGFF_MIGRATE, "convert", "--help"], capture_output=True, text=True,
                       env={**c.child_env(), "COLUMNS": "200", "NO_COLOR": "1"})
    text = r.stdout + r.stderr
    missing = [o for o in ("--chunks", "--shards", "--codec") if o not in text]
    if r.returncode != 0 or missing:
        return False, f"`ngff-migrate convert --help` has no {', '.join(missing) or 'usable help'}"
    return True, ""


def run_tree(cmd: list[str]) -> dict:
    """Wall time, peak RSS of the process tree (psutil polling, 20 ms) and ru_maxrss."""
    import psutil

    peak = [0]

    def poll(pid: int) -> None:  # runs in a thread until the process is reaped
        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        while True:
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in procs:
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(0.02)

    t, proc, maxrss = c.timed_rss(cmd, check=False, sample=poll)
    return {"seconds": t, "peak_rss_tree": peak[0], "ru_maxrss": maxrss, "returncode": proc.returncode,
            "stdout": proc.stdout[-3000:], "stderr": proc.stderr[-3000:]}


def check_output(dst: Path, src: Path, axes: str) -> dict:
    """A Zarr v3 root with an ``ome.version`` (0.5, or RFC-8's); level 0 (the source's first
    dataset path) equal to the source on 4 random 32 x 256 x 256 blocks."""
    import numpy as np
    import zarr

    root = json.loads((dst / "zarr.json").read_text())
    version = root.get("attributes", {}).get("ome", {}).get("version")
    if root.get("zarr_format") != 3 or not version or version == "0.4":
        raise RuntimeError(f"{dst}: not an OME-Zarr >= 0.5 root (zarr_format {root.get('zarr_format')}, "
                           f"version {version!r})")
    path = json.loads((src / ".zattrs").read_text())["multiscales"][0]["datasets"][0]["path"]
    a = zarr.open_array(str(src / path), mode="r")
    b = zarr.open_array(str(dst / path), mode="r")
    if a.shape != b.shape:
        raise RuntimeError(f"{dst}: level 0 shape {b.shape} != source {a.shape}")
    block = (1,) * (a.ndim - 3) + CHUNKS
    rng = random.Random(0)
    for _ in range(4):
        o = [rng.randrange(0, max(1, s - k)) for s, k in zip(a.shape, block, strict=True)]
        sel = tuple(slice(x, x + k) for x, k in zip(o, block, strict=True))
        if not np.array_equal(a[sel], b[sel]):
            raise RuntimeError(f"{dst}: level 0 differs from the source at {sel}")
    meta = json.loads((dst / path / "zarr.json").read_text())
    codecs = meta.get("codecs", [])
    layout = {"shape": meta.get("shape"), "grid": meta.get("chunk_grid", {}).get("configuration", {}).get(
        "chunk_shape")}
    if codecs and codecs[0].get("name") == "sharding_indexed":
        conf = codecs[0]["configuration"]
        layout["inner_chunks"] = conf["chunk_shape"]
        layout["codecs"] = conf["codecs"]
    else:
        layout["codecs"] = codecs
    layout["codec"] = codec_label(layout["codecs"])
    st = c.tree_stats(dst)
    return {"version": version, "level0": layout, "stored_bytes": st["chunk_bytes"], "files": st["chunk_files"]}


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=parse_size, default=None, help="level-0 bytes (default 1GiB)")
    ap.add_argument("--sizes", default=None, help="comma-separated sizes, e.g. 256MiB,1GiB,4GiB (memory flatness)")
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--quick", action="store_true", help="128 MiB")
    ap.add_argument("--axes", choices=("zyx", "czyx"), default="zyx")
    ap.add_argument("--input-chunks", default="1,1024,1024", help="z,y,x chunks of the input (default 1,1024,1024)")
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"subset of {','.join(TOOLS)}")
    ap.add_argument("--rec-codec", default=REC_CODEC,
                    help=f"--codec of the nm-rec run (default {REC_CODEC}, codec_study.py's recommendation)")
    ap.add_argument("--limit-codecs", default=None,
                    help=f"codecs of the codec limit besides {O24_CODEC} (default: --rec-codec and the "
                         f"source's {SOURCE_CODEC})")
    ap.add_argument("--no-limit", action="store_true", help="skip the codec limit")
    ap.add_argument("--dst-dir", type=Path, default=c.WORK / "reencode", help="where DST is written")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    if args.sizes:
        sizes = [parse_size(s) for s in args.sizes.split(",")]
    else:
        sizes = [args.size or (128 * c.MIB if args.quick else 1 << 30)]
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        ap.error(f"unknown --tools {sorted(unknown)}; choose from {','.join(TOOLS)}")
    input_chunks = tuple(int(x) for x in args.input_chunks.split(","))
    extra = args.limit_codecs.split(",") if args.limit_codecs is not None else [args.rec_codec, SOURCE_CODEC]
    limit_codecs = [O24_CODEC] + [x for x in dict.fromkeys(extra) if x and x != O24_CODEC]
    TOOLS["nm-rec"] = f"ngff-migrate --codec {args.rec_codec}"

    info = c.machine_info()
    c.print_machine(info)
    for name, venv, exe in (("o24", VENV_O24, o24_bin()), ("ngff-zarr", VENV_NZ, nz_bin())):
        if not exe.exists():
            print(f"{name}: {exe} missing. Install it with: python -m venv {venv} && "
                  f"{venv}/bin/pip install {'ome2024-ngff-challenge' if name == 'o24' else 'ngff-zarr[cli] zarr'}",
                  flush=True)
            tools = [t for t in tools if not (t == "o24" if name == "o24" else t.startswith("nz-"))]
    peers = {}
    for name, venv, dist in (("ome2024-ngff-challenge", VENV_O24, "ome2024-ngff-challenge"),
                             ("ngff-zarr", VENV_NZ, "ngff-zarr")):
        py = venv / "bin" / "python"
        if py.exists():
            code = f"import importlib.metadata as m; print(m.version({dist!r}), m.version('zarr'))"
            r = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
            peers[name] = r.stdout.strip()
    info["peers"] = peers
    print("peers (version, zarr version in its venv): " + "; ".join(f"{k} {v}" for k, v in peers.items()))
    ok, why = ngff_migrate_supports_reencode()
    if not ok:
        skipped = [t for t in tools if t in NM_TOOLS]
        tools = [t for t in tools if t not in NM_TOOLS]
        if skipped:
            print(f"SKIP ngff-migrate runs ({', '.join(skipped)}): {why} -- the re-encode options are not "
                  f"there yet", flush=True)
    if not tools and args.no_limit:
        sys.exit("nothing to run")

    dst = args.dst_dir.resolve() / "dst.zarr"
    dst.parent.mkdir(parents=True, exist_ok=True)
    print(f"DST: {dst} (filesystem {c.filesystem_of(dst.parent)}); peak RSS: psutil, sum over the process "
          f"tree, polled every 20 ms", flush=True)
    inputs = []
    for size in sizes:
        src = cached_input(size, args.axes, input_chunks, args.fresh)
        st = input_stats(src)
        inputs.append({"size": size, "label": size_label(size), "src": src, **st})
        print(f"input {size_label(size)}: {src.relative_to(c.HERE.parent)}: {args.axes}, level 0 "
              f"{size:,} B; all levels {st['raw_bytes']:,} B raw ({c.human(st['raw_bytes'])}), "
              f"{st['stored_bytes']:,} B stored (blosc lz4, ratio {st['raw_bytes'] / st['stored_bytes']:.2f}) in "
              f"{st['chunk_files']:,} chunk files", flush=True)

    if "o24" in tools:
        for inp in inputs:
            inp["o24_default_flags"] = o24_default_flags(inp["src"], dst)
            for x in inp["o24_default_flags"]:
                print(f"  o24 with default flags, {inp['label']}: `{' '.join(x['command'][1:2] + x['command'][2:-2])}"
                      f" SRC DST` -> exit {x['returncode']}: {x['last_line'][:200]}", flush=True)

    # untimed warm-up: bytecode caches of every tool, on a small input
    warm = cached_input(32 * YX * YX * 2 * (2 if args.axes == "czyx" else 1), args.axes, input_chunks, False)
    for t in tools:
        clear(dst)
        r = run_tree(commands(warm, dst, args.axes, args.rec_codec)[t])
        if r["returncode"] != 0:
            raise SystemExit(f"warm-up of {TOOLS[t]} failed ({r['returncode']}):\n{r['stderr'][-2000:]}")

    times = {i["label"]: {t: [] for t in tools} for i in inputs}
    limits = {i["label"]: {lab: [] for lab in limit_codecs} for i in inputs}
    checks: dict = {i["label"]: {} for i in inputs}
    loads, commits = [], set()
    failed: dict[str, str] = {}
    for r in range(args.runs):
        loads.append(c.loadavg())
        commits.add(c.git_commit())
        for inp in inputs:
            for t in tools:
                if t in failed:
                    continue
                clear(dst)
                cmd = commands(inp["src"], dst, args.axes, args.rec_codec)[t]
                res = run_tree(cmd)
                problem = None
                if res["returncode"] != 0:
                    problem = f"exit {res['returncode']}: {res['stderr'][-1500:] or res['stdout'][-1500:]}"
                elif r == 0:
                    try:
                        checks[inp["label"]][t] = check_output(dst, inp["src"], args.axes)
                    except Exception as exc:  # reported, and the tool dropped
                        problem = f"output check failed: {exc}"
                if problem:
                    failed[t] = f"{inp['label']}, round {r + 1}: {' '.join(cmd)}: {problem}"
                    print(f"FAIL {TOOLS[t]} ({failed[t]}) -- dropped from the remaining rounds (the runs "
                          f"before stay in the results)", flush=True)
                    continue
                times[inp["label"]][t].append(res)
            if not args.no_limit:
                for lab in limit_codecs:
                    limits[inp["label"]][lab].append(codec_limit(inp["src"], lab))
            print(f"  round {r + 1}/{args.runs} {inp['label']} (load {c.loadavg()}): "
                  + ", ".join(f"{t} {times[inp['label']][t][-1]['seconds']:.2f} s "
                              f"{times[inp['label']][t][-1]['peak_rss_tree'] / 1e9:.2f} GB" for t in tools
                              if t not in failed)
                  + ("" if args.no_limit else "; limit " + ", ".join(
                      f"{lab} {limits[inp['label']][lab][-1]['MB_s']:.0f} MB/s" for lab in limit_codecs)),
                  flush=True)
    clear(dst)
    all_tools = tools

    results, verdicts = {}, []
    for inp in inputs:
        lab = inp["label"]
        raw = inp["raw_bytes"]
        lim = {k: {"median_s": c.median([x["seconds"] for x in v]),
                   "MB_s": raw / c.median([x["seconds"] for x in v]) / 1e6,
                   "encoded_bytes": v[0]["encoded_bytes"]} for k, v in limits[lab].items() if v}
        tools = [t for t in all_tools if times[lab][t]]
        o24 = c.median([x["seconds"] for x in times[lab]["o24"]]) if "o24" in tools else None
        rows, tres = [], {}
        for t in tools:
            runs = times[lab][t]
            med = c.median([x["seconds"] for x in runs])
            rss = c.median([x["peak_rss_tree"] for x in runs])
            maxrss = c.median([x["ru_maxrss"] for x in runs])
            ck = checks[lab].get(t, {})
            tres[t] = {"command": commands(inp["src"], dst, args.axes, args.rec_codec)[t], "median_s": med,
                       "times_s": [x["seconds"] for x in runs], "MB_s": raw / med / 1e6,
                       "peak_rss_tree_median": rss, "peak_rss_tree": [x["peak_rss_tree"] for x in runs],
                       "ru_maxrss_median": maxrss, "throughput_ratio_to_o24": (o24 / med) if o24 else None,
                       "fraction_of_limit": (raw / med / 1e6) / lim[O24_CODEC]["MB_s"] if O24_CODEC in lim else None,
                       "output_codec": ck.get("level0", {}).get("codec")}
            own = tres[t]["output_codec"]
            tres[t]["fraction_of_own_codec_limit"] = (raw / med / 1e6) / lim[own]["MB_s"] if own in lim else None
            tres[t].update({"output": ck})
            out_b = ck.get("stored_bytes")
            rows.append([TOOLS[t] + (f" ({len(runs)} runs)" if len(runs) != args.runs else ""), c.fmt_s(med),
                         f"{raw / med / 1e6:.0f}",
                         "" if o24 is None else f"{o24 / med:.2f}",
                         "" if tres[t]["fraction_of_limit"] is None else f"{tres[t]['fraction_of_limit']:.2f}",
                         "" if tres[t]["fraction_of_own_codec_limit"] is None else
                         f"{tres[t]['fraction_of_own_codec_limit']:.2f}",
                         f"{rss / 1e9:.2f}",
                         "" if out_b is None else f"{out_b / 1e6:.0f} ({raw / out_b:.2f})",
                         "x".join(map(str, ck.get("level0", {}).get("inner_chunks") or ck.get("level0", {}).get(
                             "grid") or [])) + (" in " + "x".join(map(str, ck["level0"]["grid"]))
                                                if ck.get("level0", {}).get("inner_chunks") else ""),
                         f"`{tres[t]['output_codec']}`" if tres[t]["output_codec"] else ""])
        for k, v in lim.items():
            rows.append([f"codec limit, {k} (in process, 2 threads)", c.fmt_s(v["median_s"]), f"{v['MB_s']:.0f}",
                         "" if o24 is None else f"{o24 / v['median_s']:.2f}", f"{v['MB_s'] / lim[O24_CODEC]['MB_s']:.2f}"
                         if O24_CODEC in lim else "", "1.00", "", f"{v['encoded_bytes'] / 1e6:.0f} "
                         f"({raw / v['encoded_bytes']:.2f})", "x".join(map(str, CHUNKS)), f"`{k}`"])
        print(f"\n== {lab} level 0 ({args.axes}; all levels {raw:,} B raw = {c.human(raw)}; {inp['chunk_files']:,} "
              f"input chunk files); {args.runs} runs; load during the rounds {'; '.join(loads)}; commit "
              f"{', '.join(sorted(commits))}")
        print(c.markdown_table(["command", "median s", "MB/s raw", "throughput / o24",
                                f"throughput / codec limit ({O24_CODEC})", "throughput / own codec's limit",
                                "peak RSS tree GB", "output MB (ratio)", "level-0 chunks",
                                "codec written"], rows))
        if "nm-o24" in tres and o24:
            verdicts.append(c.verdict(f"{lab}: ngff-migrate --codec {O24_CODEC} throughput / o24",
                                      tres["nm-o24"]["throughput_ratio_to_o24"], TARGETS["o24_throughput_ratio"],
                                      at_most=False, unit="x"))
        if "nm-o24" in tres and O24_CODEC in lim:
            verdicts.append(c.verdict(f"{lab}: ngff-migrate --codec {O24_CODEC} throughput / codec limit",
                                      tres["nm-o24"]["fraction_of_limit"], TARGETS["limit_fraction"],
                                      at_most=False, unit="x"))
        if "nm-default" in tres and o24:
            verdicts.append(c.verdict(f"{lab}: ngff-migrate default codec throughput / o24",
                                      tres["nm-default"]["throughput_ratio_to_o24"],
                                      TARGETS["default_throughput_ratio"], at_most=False, unit="x"))
        if "nm-rec" in tres and o24:
            verdicts.append(c.verdict(f"{lab}: {TOOLS['nm-rec']} (the recommended default) throughput / o24",
                                      tres["nm-rec"]["throughput_ratio_to_o24"],
                                      TARGETS["default_throughput_ratio"], at_most=False, unit="x"))
        for t in NM_TOOLS:
            if t in tres:
                verdicts.append(c.verdict(f"{lab}: {TOOLS[t]} peak RSS (tree, GB)",
                                          tres[t]["peak_rss_tree_median"] / 1e9, TARGETS["peak_rss_gb"], unit=" GB"))
        results[lab] = {"input": {k: (str(v) if isinstance(v, Path) else v) for k, v in inp.items()},
                        "tools": tres, "codec_limit": lim}
    if len(inputs) > 1:
        first = inputs[0]["label"]
        print(f"\n== memory flatness: median peak RSS of the process tree (GB) per size, ratio to {first}")
        rows = []
        flat_tools = [t for t in all_tools if all(t in results[i["label"]]["tools"] for i in inputs)]
        for t in flat_tools:
            base = results[first]["tools"][t]["peak_rss_tree_median"]
            rows.append([TOOLS[t]] + [f"{results[i['label']]['tools'][t]['peak_rss_tree_median'] / 1e9:.2f} "
                                      f"({results[i['label']]['tools'][t]['peak_rss_tree_median'] / base:.2f})"
                                      for i in inputs])
        print(c.markdown_table(["command"] + [i["label"] for i in inputs], rows))
        last = inputs[-1]["label"]
        for t in NM_TOOLS:
            if t in flat_tools:
                ratio = results[last]["tools"][t]["peak_rss_tree_median"] / \
                    results[first]["tools"][t]["peak_rss_tree_median"]
                verdicts.append(c.verdict(f"{TOOLS[t]} peak RSS at {last} / at {first}", ratio,
                                          TARGETS["rss_flatness"], unit="x"))
    print()
    for t, why in failed.items():
        print(f"FAILED: {TOOLS[t]}: {why[:300]}")
    for v in verdicts:
        print(v["line"])
    tag = ("_sizes" if len(inputs) > 1 else f"_{inputs[0]['label']}") + ("" if args.axes == "zyx" else "_czyx")
    out = c.save_results(f"bench_reencode{tag}",
                         {"machine": info, "runs": args.runs, "axes": args.axes, "input_chunks": list(input_chunks),
                          "tools": {t: TOOLS[t] for t in tools}, "failed": failed, "loadavg": loads, "commits": sorted(commits),
                          "rss_method": "psutil: sum of RSS over the process and its descendants, polled every "
                                        "20 ms; ru_maxrss from wait4 (largest single process)",
                          "results": results, "verdicts": verdicts})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
