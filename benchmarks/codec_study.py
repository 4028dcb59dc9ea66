"""Default-codec study for re-encoding (issue #9): encode/decode throughput and compression
ratio of the core Zarr v3 codecs, as zarr-python 3 writes them, on microscopy-like data.

What is measured, in this process, with zarr-python on **2 threads**
(``zarr.config`` ``threading.max_workers = 2``, the pool that runs every codec
call; blosc's own threads are off, ``numcodecs.blosc.use_threads = False``, so
each blosc call runs on the pool thread that makes it):

* **encode**: ``zarr.create_array(LocalStore, chunks=32x256x256, shards=32x1024x1024,
  compressors=[codec])`` then ``array[...] = data`` (whole pipeline: bytes codec,
  the compressor per inner chunk, the shard index with crc32c, the shard files
  written to ``benchmarks/_work/codec_study/stores`` -- ext4 here, page cache, no
  fsync; ``--store memory`` takes the file system out);
* **decode**: ``zarr.open_array(...)[...]`` of that array into a new numpy array
  (pixels compared with the input once);
* **ratio**: raw bytes / bytes of the shard files (metadata excluded).

MB/s are of raw (decoded) data, MB = 10^6 B; every time is the median of
``--runs`` rounds (default 3; decode: 2 reads per round), codecs and inputs
interleaved round by round so that drift from other processes hits all of them
alike. Decoding runs at 0.4-1.6 GB/s for every codec but gzip/zlib, close to
what the sharded read path costs without a compressor (``none``), so its
figures are noisy; the encode speed and the ratio are what tell codecs apart.

Inputs (``--planes`` z-planes of 1024 x 1024; default 32: 64 MiB uint16, 32 MiB
uint8: one shard each), generated once with a fixed seed and cached in
``benchmarks/_work/codec_study/``:

* ``fluo-u16``: a fluorescence-like volume, 12-bit range in uint16 (``_fluo.py``):
  a dark background (a smooth illumination gradient of 3..7 photons), sparse
  bright objects (per 64 planes ~600 soft-edged ellipsoidal "nuclei" of 200..1500
  photons and ~4,000 diffraction-limited puncta), Poisson shot noise on
  everything, 2 ADU/photon, camera offset 100 ADU, Gaussian read noise 1.5 ADU,
  clipped to 0..4095;
* ``fluo-u8``: the same scene acquired in 8 bits (offset 10 ADU, 0.25 ADU/photon,
  read noise 0.8 ADU, clipped to 0..255);
* real microscopy images that ship inside an installed package, when found (the
  network is not reachable): scikit-image's bundled ``skimage/data/cell.png``
  (660 x 550 uint8, a quantitative-phase image of a cell, from a digital hologram)
  and ``skimage/data/ihc.png`` (512 x 512 x 3 uint8, brightfield
  immunohistochemistry, stored as ``c, y, x``), chunks 256 x 256 (per channel),
  one shard. At under 1 MB their throughput is dominated by per-call overhead,
  so only their ratio is reported.

Codecs: ``none`` (bytes only: the pipeline's own cost), blosc (lz4, lz4hc, zstd,
zlib, blosclz; levels; shuffle / bitshuffle / noshuffle; ``typesize`` taken
from the data type, as zarr-python does when it is not given, and once forced
to 1 to show what a wrong typesize costs), zstd levels 1, 3, 5 (no shuffle:
zarr's ``ZstdCodec``), gzip level 1 (slower levels of zstd, gzip and zlib only
compress slower still; ``--codecs`` takes any list, e.g. ``zstd:9,gzip:5``).
Labels use the ``--codec`` grammar of ``ngff-migrate convert`` (issue #9); a
blosc ``LEVEL`` is blosc's clevel, which c-blosc turns into zstd level
2 x clevel - 1 (so o24's clevel 5 is zstd level 9) and which also sets blosc's
block size. The reference is ome2024-ngff-challenge's
codec, ``blosc:zstd:5:shuffle``; every ratio column compares with it.

Usage: ``python benchmarks/codec_study.py [--quick] [--runs N] [--planes Z] [--store local|memory]
[--only u16|u8|real] [--codecs LIST] [--fresh]`` (about 1.5 minutes with the defaults on
2 cores, 10 s more the first time to generate the inputs; ``--quick``: 11 codecs).

The default it recommends is printed last (``RECOMMENDED DEFAULT``), by the rule
printed above it: output at most 3 % larger than o24's codec on every synthetic
input, decoding at least 0.75x as fast, then the fastest encoder.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _fluo as fluo

THREADS = 2
CHUNKS = (32, 256, 256)
SHARDS = (32, 1024, 1024)
YX = 1024
REFERENCE = "blosc:zstd:5:shuffle"  # ome2024-ngff-challenge resave's codec
OUT = c.WORK / "codec_study"
RATIO_SLACK = 0.03  # a default may write at most 3 % more bytes than o24's codec ...
DECODE_FLOOR = 0.75  # ... and must decode at least 0.75x as fast (readers pay for decoding)
DECODE_READS = 2  # decoding is fast (~0.05 s): each round reads every array this many times

# (label in the --codec grammar, codec kwargs); "typesize1" forces blosc typesize 1
CODECS: list[str] = [
    "none",
    "blosc:lz4:5:shuffle", "blosc:lz4:9:shuffle", "blosc:lz4:5:bitshuffle", "blosc:lz4:5:noshuffle",
    "blosc:lz4hc:5:shuffle", "blosc:blosclz:5:shuffle",
    "blosc:zstd:1:shuffle", "blosc:zstd:1:bitshuffle", "blosc:zstd:2:shuffle",
    "blosc:zstd:3:shuffle", "blosc:zstd:3:bitshuffle",
    "blosc:zstd:5:shuffle", "blosc:zstd:5:bitshuffle", "blosc:zstd:5:noshuffle",
    "blosc:zstd:5:shuffle:typesize1",
    "blosc:zlib:1:shuffle",
    "zstd:1", "zstd:3", "zstd:5",
    "gzip:1",
]
QUICK_CODECS = ["none", "blosc:lz4:5:shuffle", "blosc:lz4:5:bitshuffle", "blosc:zstd:1:shuffle",
                "blosc:zstd:1:bitshuffle", "blosc:zstd:3:bitshuffle", "blosc:zstd:5:shuffle",
                "blosc:zstd:5:bitshuffle", "zstd:1", "zstd:3", "gzip:1"]


def make_codec(label: str):
    """zarr.codecs object for a ``--codec`` label (``none`` -> no compressor)."""
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    parts = label.split(":")
    if parts[0] == "none":
        return None
    if parts[0] == "zstd":
        return ZstdCodec(level=int(parts[1]))
    if parts[0] == "gzip":
        return GzipCodec(level=int(parts[1]))
    kw = {"cname": parts[1], "clevel": int(parts[2]), "shuffle": parts[3]}
    if parts[4:] == ["typesize1"]:
        kw["typesize"] = 1
    return BloscCodec(**kw)


# --------------------------------------------------------------------------- inputs

def synthetic_inputs(planes: int, fresh: bool) -> dict[str, object]:
    import numpy as np

    OUT.mkdir(parents=True, exist_ok=True)
    paths = {"fluo-u16": OUT / f"fluo_u16_z{planes}_v2.npy", "fluo-u8": OUT / f"fluo_u8_z{planes}_v2.npy"}
    if fresh or not all(p.exists() for p in paths.values()):
        t = time.perf_counter()
        print(f"  generating the fluorescence-like inputs ({planes} x {YX} x {YX}) ...", flush=True)
        photons = fluo.scene(planes, seed=0)
        np.save(paths["fluo-u16"], fluo.acquire(photons, **fluo.U16_12BIT, seed=1))
        np.save(paths["fluo-u8"], fluo.acquire(photons, **fluo.U8, seed=2))
        del photons
        print(f"  ... {time.perf_counter() - t:.1f} s (cached in {OUT.relative_to(c.HERE.parent)})", flush=True)
    return {k: np.load(p) for k, p in paths.items()}


def real_inputs() -> dict[str, tuple[object, str]]:
    """Real microscopy images bundled with an installed package (no download)."""
    out = {}
    try:
        import numpy as np
        import skimage
        from skimage import io
    except ImportError:
        return out
    data = Path(skimage.__file__).parent / "data"
    for name, what in (("cell.png", "quantitative-phase image of a cell (digital holography), uint8"),
                       ("ihc.png", "brightfield immunohistochemistry, RGB uint8 as c,y,x")):
        p = data / name
        if p.exists():
            a = io.imread(p)
            if a.ndim == 3:
                a = np.ascontiguousarray(np.moveaxis(a[..., :3], -1, 0))
            out[f"real:{name}"] = (a, f"{p} ({what}, {' x '.join(map(str, a.shape))})")
    return out


# --------------------------------------------------------------------------- measurement

def store_for(kind: str, path: Path):
    from zarr.storage import LocalStore, MemoryStore

    if kind == "memory":
        return MemoryStore()
    if path.exists():
        shutil.rmtree(path)
    return LocalStore(str(path))


def chunking(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Chunks 32x256x256 / shards 32x1024x1024 right-aligned, clipped to the array."""
    n = len(shape)
    if n == 2:
        ch, sh = CHUNKS[1:], SHARDS[1:]
    elif n == 3 and shape[0] <= 4:  # channels first (c, y, x): one channel per chunk
        ch, sh = (1, *CHUNKS[1:]), (shape[0], *SHARDS[1:])
    else:
        ch, sh = CHUNKS, SHARDS
    ch = tuple(min(a, b) for a, b in zip(ch, shape, strict=True))
    # a shard is a whole multiple of the chunk, rounded up to cover the array
    sh = tuple(min(s, -(-dim // k) * k) for s, k, dim in zip(sh, ch, shape, strict=True))
    return ch, sh


def stored_bytes(store, path: Path) -> int:
    if hasattr(store, "_store_dict"):
        return sum(len(v) for k, v in store._store_dict.items() if not k.endswith("zarr.json"))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.name != "zarr.json")


def encode_decode(data, label: str, kind: str, path: Path, check: bool,
                  reads: int = DECODE_READS) -> tuple[float, list[float], int]:
    """(encode s, decode s of each read, stored bytes) of one write and ``reads`` reads of ``data``."""
    import numpy as np
    import zarr

    codec = make_codec(label)
    chunks, shards = chunking(data.shape)
    store = store_for(kind, path)
    t0 = time.perf_counter()
    arr = zarr.create_array(store, shape=data.shape, dtype=data.dtype, chunks=chunks, shards=shards,
                            compressors=[codec] if codec is not None else None, filters=None,
                            fill_value=0, zarr_format=3)
    arr[...] = data
    t_enc = time.perf_counter() - t0
    nbytes = stored_bytes(store, path)
    t_dec = []
    for i in range(reads):
        t0 = time.perf_counter()
        back = zarr.open_array(store, mode="r")[...]
        t_dec.append(time.perf_counter() - t0)
        if check and i == 0 and not np.array_equal(back, data):
            raise RuntimeError(f"{label}: decoded pixels differ from the input")
        del back
    if kind != "memory":
        shutil.rmtree(path, ignore_errors=True)
    return t_enc, t_dec, nbytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="11 codecs")
    ap.add_argument("--runs", type=int, default=3, help="rounds (median; default 3)")
    ap.add_argument("--planes", type=int, default=None, help="z-planes of 1024x1024 (default 32)")
    ap.add_argument("--store", choices=("local", "memory"), default="local",
                    help="LocalStore under benchmarks/_work/codec_study/stores (default) or MemoryStore")
    ap.add_argument("--only", choices=("u16", "u8", "real"), default=None, help="one input kind only")
    ap.add_argument("--codecs", default=None, help="comma-separated codec labels (default: all)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the cached inputs")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    planes = args.planes or 32
    if planes % CHUNKS[0]:
        ap.error(f"--planes must be a multiple of {CHUNKS[0]}")
    codecs = args.codecs.split(",") if args.codecs else (QUICK_CODECS if args.quick else CODECS)
    if REFERENCE not in codecs:
        codecs.append(REFERENCE)

    import numcodecs
    import numcodecs.blosc
    import zarr

    zarr.config.set({"threading.max_workers": THREADS})
    numcodecs.blosc.use_threads = False
    info = c.machine_info()
    c.print_machine(info)
    print(f"threads: zarr threading.max_workers={THREADS}, blosc use_threads=False; store: {args.store}; "
          f"chunks {'x'.join(map(str, CHUNKS))}, shards {'x'.join(map(str, SHARDS))}", flush=True)
    t_start = time.perf_counter()

    inputs: dict[str, dict] = {}
    if args.only in (None, "u16", "u8"):
        for name, arr in synthetic_inputs(planes, args.fresh).items():
            if args.only and not name.endswith(args.only):
                continue
            inputs[name] = {"data": arr, "source": f"generated (see docstring), {' x '.join(map(str, arr.shape))} "
                                                  f"{arr.dtype}, values {int(arr.min())}..{int(arr.max())}",
                            "speed": True}
    if args.only in (None, "real"):
        for name, (arr, src) in real_inputs().items():
            inputs[name] = {"data": arr, "source": src, "speed": False}
        if not any(k.startswith("real:") for k in inputs):
            print("no real microscopy image found in the installed packages: real inputs skipped", flush=True)
    for name, inp in inputs.items():
        a = inp["data"]
        print(f"input {name}: {a.nbytes:,} B raw ({c.human(a.nbytes)}); {inp['source']}", flush=True)

    # untimed warm-up: imports, codec objects, the thread pool, the page cache of the inputs
    warm = next(iter(inputs.values()))["data"]
    for label in codecs:
        encode_decode(warm[tuple(slice(0, k) for k in CHUNKS[-warm.ndim:])], label, args.store, OUT / "stores" / "warmup", check=True)

    res = {n: {lab: {"enc": [], "dec": [], "bytes": None} for lab in codecs} for n in inputs}
    loads = []
    for r in range(args.runs):
        loads.append(c.loadavg())
        t_round = time.perf_counter()
        for label in codecs:
            for name, inp in inputs.items():
                te, td, nb = encode_decode(inp["data"], label, args.store, OUT / "stores" / "a", check=r == 0)
                res[name][label]["enc"].append(te)
                res[name][label]["dec"].extend(td)
                res[name][label]["bytes"] = nb
        print(f"  round {r + 1}/{args.runs}: {time.perf_counter() - t_round:.1f} s (load {c.loadavg()})",
              flush=True)

    summary: dict[str, dict] = {}
    for name, inp in inputs.items():
        raw = inp["data"].nbytes
        ref = res[name][REFERENCE]
        ref_enc, ref_dec = statistics.median(ref["enc"]), statistics.median(ref["dec"])
        ref_ratio = raw / ref["bytes"]
        rows, out = [], {}
        for label in codecs:
            m = res[name][label]
            enc, dec = statistics.median(m["enc"]), statistics.median(m["dec"])
            ratio = raw / m["bytes"]
            out[label] = {"encode_s": m["enc"], "decode_s": m["dec"], "encode_median_s": enc,
                          "decode_median_s": dec, "encode_MB_s": raw / enc / 1e6, "decode_MB_s": raw / dec / 1e6,
                          "stored_bytes": m["bytes"], "ratio": ratio,
                          "encode_speed_vs_reference": ref_enc / enc, "decode_speed_vs_reference": ref_dec / dec,
                          "ratio_vs_reference": ratio / ref_ratio}
        # Pareto front on (encode MB/s, ratio): no other codec is at least as fast and compresses better
        for label, o in out.items():
            o["pareto"] = not any(p["encode_MB_s"] >= o["encode_MB_s"] and p["ratio"] > o["ratio"] or
                                  p["encode_MB_s"] > o["encode_MB_s"] and p["ratio"] >= o["ratio"]
                                  for q, p in out.items() if q != label)
        order = sorted(codecs, key=lambda lab: -out[lab]["ratio"])
        for label in order:
            o = out[label]
            mark = (" (o24)" if label == REFERENCE else "") + (" *" if o["pareto"] and inp["speed"] else "")
            if inp["speed"]:
                rows.append([f"`{label}`{mark}", f"{o['ratio']:.3f}", f"{o['ratio_vs_reference']:.3f}",
                             f"{o['encode_MB_s']:.0f}", f"{o['encode_speed_vs_reference']:.2f}",
                             f"{o['decode_MB_s']:.0f}", f"{o['decode_speed_vs_reference']:.2f}"])
            else:
                rows.append([f"`{label}`{mark}", f"{o['ratio']:.3f}", f"{o['ratio_vs_reference']:.3f}"])
        print(f"\n== {name}: {raw:,} B raw ({c.human(raw)}); {inp['source']}; median of {args.runs}; "
              f"load during the rounds: {'; '.join(loads)}")
        if inp["speed"]:
            print(c.markdown_table(["codec (`--codec`)", "ratio", "ratio / o24's", "encode MB/s",
                                    "encode speed / o24's", "decode MB/s", "decode speed / o24's"], rows))
            print("(* = on the Pareto front of encode speed and ratio)")
        else:
            print("(under 1 MB: throughput is per-call overhead, ratio only)")
            print(c.markdown_table(["codec (`--codec`)", "ratio", "ratio / o24's"], rows))
        summary[name] = {"raw_bytes": raw, "source": inp["source"], "shape": list(inp["data"].shape),
                         "dtype": str(inp["data"].dtype), "chunks": list(chunking(inp["data"].shape)[0]),
                         "shards": list(chunking(inp["data"].shape)[1]), "codecs": out}

    # the default: among the compressors whose output is at most RATIO_SLACK larger than o24's on
    # every synthetic input, the fastest to encode (geometric mean over the synthetic inputs), if it
    # also decodes at least DECODE_FLOOR x as fast as o24's codec
    speed_inputs = [n for n in inputs if inputs[n]["speed"]]
    if speed_inputs:
        print(f"\n== default candidates (geometric mean over {', '.join(speed_inputs)}; relative to o24's "
              f"`{REFERENCE}`; sorted by encode speed)")
        cand = []
        for label in codecs:
            if label in ("none", REFERENCE) or label.endswith("typesize1"):
                continue
            gm = {k: math.exp(statistics.fmean(math.log(summary[n]["codecs"][label][k]) for n in speed_inputs))
                  for k in ("ratio_vs_reference", "encode_speed_vs_reference", "decode_speed_vs_reference")}
            worst = min(summary[n]["codecs"][label]["ratio_vs_reference"] for n in speed_inputs)
            ok = worst >= 1 - RATIO_SLACK and gm["decode_speed_vs_reference"] >= DECODE_FLOOR \
                and gm["encode_speed_vs_reference"] > 1
            cand.append({"codec": label, **gm, "worst_ratio_vs_reference": worst, "eligible": ok})
        cand.sort(key=lambda x: -x["encode_speed_vs_reference"])
        print(c.markdown_table(
            ["codec", "ratio / o24's (worst input)", "encode speed / o24's", "decode speed / o24's", "eligible"],
            [[f"`{x['codec']}`", f"{x['ratio_vs_reference']:.3f} ({x['worst_ratio_vs_reference']:.3f})",
              f"{x['encode_speed_vs_reference']:.2f}", f"{x['decode_speed_vs_reference']:.2f}",
              "yes" if x["eligible"] else ""] for x in cand]))
        best = next((x for x in cand if x["eligible"]), None)
        rule = (f"rule: output at most {RATIO_SLACK:.0%} larger than o24's on every synthetic input, decode at "
                f"least {DECODE_FLOOR:g}x o24's speed, then the fastest encoder")
        print(rule)
        if best:
            print(f"RECOMMENDED DEFAULT: `{best['codec']}`: ratio {best['ratio_vs_reference']:.3f}x o24's, "
                  f"encode {best['encode_speed_vs_reference']:.2f}x, decode {best['decode_speed_vs_reference']:.2f}x "
                  f"(geometric means over the synthetic inputs)")
        summary["_candidates"] = {"rule": rule, "recommended": best["codec"] if best else None, "ranking": cand}

    shutil.rmtree(OUT / "stores", ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s (load {c.loadavg()})")
    out = c.save_results("codec_study" + ("_quick" if args.quick else ""),
                         {"machine": info, "threads": THREADS, "store": args.store, "planes": planes,
                          "runs": args.runs, "loadavg": loads, "numcodecs": numcodecs.__version__,
                          "zarr": zarr.__version__, "pid": os.getpid(), "inputs": summary})
    print(f"results: {out}")


if __name__ == "__main__":
    main()
