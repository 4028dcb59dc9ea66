"""TIFF ingestion: ``ngff-migrate convert x.ome.tif out.zarr`` against ngff-zarr's CLI and a bare
tifffile decode, and a 100-tile set with a Fiji ``TileConfiguration.txt`` (issue #10, "Benchmarks").

Part ``single`` -- one pyramidal OME-TIFF per ``--sizes`` entry (MiB of decoded level 0; default
256 and 2048), cached in ``benchmarks/_work/inputs/tiff_<size>MiB_t<tile>.ome.tif``:

* written by tifffile (``TiffWriter(bigtiff=True, ome=True).write(...)``): axes ``CZYX``, 2
  channels (OME ``Channel`` names ``DAPI``, ``GFP``), a z-stack of ``size / 16 MiB`` planes of
  2048 x 2048 uint16, tiles 256 x 256 (``--tile``), ``compression='zlib'`` (tifffile's default
  level), no predictor, OME ``PhysicalSizeX/Y`` 0.325 µm and ``PhysicalSizeZ`` 1 µm (and the
  matching X/YResolution tags); the pyramid in SubIFDs, ``subifds=3`` (1024, 512, 256: halved
  until a level is one tile wide), each level written with ``subfiletype=1`` after level 0 --
  the layout of bioformats/QuPath/tifffile pyramidal OME-TIFFs;
* pixels: ``_fluo.py``'s fluorescence-like scene (nuclei, puncta, dark background, 12-bit
  camera noise, ``acquire_fast``), 8 planes at a time, a different seed per channel and slab;
  the levels are 2 x 2 means of the level above (rounded), as a real pyramid is. zlib ratio
  about 2.5 (the camera noise does not compress), not the 100x of zeros;
* level 0 is streamed to tifffile tile by tile (an iterator), the smaller levels held in
  ``.npy`` memory maps next to the file until they are written; the file is written to a
  temporary name and renamed, with a ``.complete`` marker of its parameters. Writing took 12 s for
  256 MiB (133 MiB on disk) and 82 s for 2 GiB (1.05 GiB on disk) on 2 shared cores.

Timed, each as a whole process, interleaved round by round (``--runs``, default 3; sizes of
1 GiB and more ``--big-runs``, default 2, when one round takes minutes), the output removed
and ``os.sync()`` before every run (untimed), the input file read once untimed before the
rounds of its size (in the page cache, as on the second conversion of a file):

* ``nm-sample``: ``ngff-migrate convert SRC DST --overwrite`` (default ``--verify sample``);
* ``nm-none``: the same with ``--verify none`` (like for like: ngff-zarr verifies nothing);
* ``nz``: ``ngff-zarr -i SRC -o DST.ome.zarr`` (ngff-zarr 0.50.0 in ``benchmarks/_work/venv-ngff-zarr``,
  the command of issue #10; it reuses the file's pyramid, ``tiff_file_to_ngff_images(...,
  reuse_existing_pyramids=True)``, computes OMERO display quantiles by default, writes
  chunks ``1 x 1 x 1024 x 1024`` zstd unsharded);
* ``bare``: ``python -c BARE SRC`` in this interpreter (same tifffile/imagecodecs as ngff-migrate):
  ``tifffile.TiffFile(SRC).series[0].levels[k].asarray(maxworkers=2)`` for every level up to
  ``--bare-whole`` bytes (default 512 MiB), page by page (``levels[k].pages[i].asarray(maxworkers=2)``)
  for larger ones so memory stays bounded; nothing written -- the physical limit of reading the file
  on 2 threads. Its mode is printed.

Printed per size: the input (bytes on disk, decoded bytes of all levels, pages, tiles), per command the
median seconds, decoded MB/s, ngff-zarr / command (how many times faster than ngff-zarr), command /
bare decode, peak RSS of the process tree, output MB and files, level-0 chunks and codec; then
``PASS``/``MISS`` lines: ngff-zarr time / ngff-migrate time >= 2 (``sample`` is the default
command, ``none`` reported alike) and ngff-migrate peak RSS < 0.6 GB.

Memory: peak RSS of the process tree, polled with psutil every 20 ms (``bench_reencode.run_tree``:
the sum over the process and its descendants); ``ru_maxrss`` of ``wait4`` kept in the JSON only.

Checks (first round, before any number is trusted): ngff-migrate's output and ngff-zarr's are read
back with zarr-python, every level's shape compared with tifffile's, and 8 seeded-random 256 x 256
tiles per level compared pixel for pixel with tifffile's decode of the same page (level 0 included).
A command that fails or mismatches is reported and dropped.

Part ``tiles`` -- 100 tiles (``--grid 10``) of 2048 x 2048 uint16, ``tile_000.tif`` ... (ImageJ
TIFFs by tifffile, uncompressed, 0.325 µm pixels; each its own ``_fluo`` scene, so the overlaps do not
match in content), and a Fiji ``TileConfiguration.txt`` (``dim = 2``, ``tile_000.tif; ; (x, y)`` in
pixels) on a 10 x 10 grid, row by row, 10 % overlap (step 1843.2 px), jitter N(0, 3 px), one
decimal. Cached in ``benchmarks/_work/inputs/tileset_<grid>x<grid>/`` (100 tiles: 800 MiB, 22 s). Timed,
interleaved:
``ngff-migrate convert TILES/ DST --positions TILES/TileConfiguration.txt --overwrite`` with and
without ``--overview``; printed: median seconds, tiles/s, decoded MB/s, peak RSS. Skipped, with
the reason, while ``ngff-migrate convert --help`` offers no ``--positions`` (or a run fails with a
usage error); a variant whose flag (``--overview``) is missing is skipped alone. Checked once: a v3
root with one ``tile_NNN`` group per tile (and ``overview/``); pixels are left to the command's own
``--verify sample``.

Usage: ``python benchmarks/bench_tiff.py [--part single|tiles|all] [--sizes 256,2048] [--runs N]
[--big-runs N] [--tile 256] [--tools nm-sample,nm-none,nz,bare] [--grid 10] [--fresh] [--quick]``
(``--quick``: 64 MiB, a 4 x 4 tile set, 3 runs). Results: ``benchmarks/_work/results/bench_tiff_*.json``.
Common method (warm bytecode cache, untimed warm-up on a 16 MiB TIFF, sync): ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _fluo as fluo
from bench_reencode import clear, run_tree

VENV_NZ = c.WORK / "venv-ngff-zarr"
YX = 2048
CHANNELS = 2
CHANNEL_NAMES = ["DAPI", "GFP"]
PIXEL_UM = 0.325
Z_UM = 1.0
SLAB = 8  # planes generated at a time
TOOLS = {
    "nm-sample": "ngff-migrate convert (default --verify sample)",
    "nm-none": "ngff-migrate convert --verify none",
    "nz": "ngff-zarr -i SRC -o DST",
    "bare": "tifffile bare decode (2 threads)",
}
NM_TOOLS = ("nm-sample", "nm-none")
TARGETS = {"speed_vs_nz": 2.0, "peak_rss_gb": 0.6}
BARE_CODE = r"""
import math, sys, time
import tifffile
path, whole_limit = sys.argv[1], int(sys.argv[2])
total, modes = 0, []
with tifffile.TiffFile(path) as tf:
    series = tf.series[0]
    for k, level in enumerate(series.levels):
        nbytes = math.prod(level.shape) * level.dtype.itemsize
        if nbytes <= whole_limit:
            total += level.asarray(maxworkers=2).nbytes
            modes.append("whole")
        else:
            for page in level.pages:
                total += page.asarray(maxworkers=2).nbytes
            modes.append("pages")
print(total, ",".join(modes))
"""


# --------------------------------------------------------------------------- single OME-TIFF input

def n_sublevels(yx: int, tile: int) -> int:
    n = 0
    while (yx >> (n + 1)) >= tile:
        n += 1
    return n


def planes_for(size_mib: int) -> int:
    per_plane = CHANNELS * YX * YX * 2
    planes = size_mib * c.MIB // per_plane
    if planes < 1 or size_mib * c.MIB % per_plane:
        raise SystemExit(f"--sizes {size_mib}: must be a multiple of {per_plane // c.MIB} MiB "
                         f"({CHANNELS} channels x 2048 x 2048 uint16 per plane)")
    return planes


def _tiles(pages, tile: int):
    """Row-major tiles of each 2-D page (tifffile's order for a tiled iterator)."""
    for page in pages:
        for y in range(0, page.shape[0], tile):
            for x in range(0, page.shape[1], tile):
                yield page[y:y + tile, x:x + tile]


def _mean2(block):
    import numpy as np

    b = block.astype(np.uint32)
    s = b[:, 0::2, 0::2] + b[:, 1::2, 0::2] + b[:, 0::2, 1::2] + b[:, 1::2, 1::2]
    return ((s + 2) // 4).astype(np.uint16)


def make_tiff(path: Path, planes: int, tile: int) -> None:
    """The pyramidal OME-TIFF of the module docstring."""
    import numpy as np
    import tifffile

    nsub = n_sublevels(YX, tile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    maps = [path.with_name(f"{path.name}.level{k}.npy") for k in range(1, nsub + 1)]
    subs = [np.lib.format.open_memmap(m, mode="w+", dtype=np.uint16, shape=(CHANNELS, planes, YX >> k, YX >> k))
            for k, m in enumerate(maps, start=1)]

    def level0():
        for ch in range(CHANNELS):
            for z0 in range(0, planes, SLAB):
                n = min(SLAB, planes - z0)
                seed = 1000 * ch + z0
                block = fluo.acquire_fast(fluo.scene(n, yx=YX, seed=seed, z_offset=z0), **fluo.U16_12BIT,
                                          seed=seed + 1)
                cur = block
                for sub in subs:
                    cur = _mean2(cur)
                    sub[ch, z0:z0 + n] = cur
                yield from _tiles(block, tile)

    common = {"tile": (tile, tile), "compression": "zlib", "photometric": "minisblack", "maxworkers": 2,
              "resolutionunit": "CENTIMETER"}
    metadata = {"axes": "CZYX", "PhysicalSizeX": PIXEL_UM, "PhysicalSizeXUnit": "µm",
                "PhysicalSizeY": PIXEL_UM, "PhysicalSizeYUnit": "µm", "PhysicalSizeZ": Z_UM,
                "PhysicalSizeZUnit": "µm", "Channel": {"Name": CHANNEL_NAMES}}
    try:
        with tifffile.TiffWriter(tmp, bigtiff=True, ome=True) as tw:
            tw.write(level0(), shape=(CHANNELS, planes, YX, YX), dtype="uint16", subifds=nsub, metadata=metadata,
                     resolution=(1e4 / PIXEL_UM, 1e4 / PIXEL_UM), **common)
            for k, sub in enumerate(subs, start=1):
                sub.flush()
                tw.write(_tiles((sub[ch, z] for ch in range(CHANNELS) for z in range(planes)), tile),
                         shape=sub.shape, dtype="uint16", subfiletype=1,
                         resolution=(1e4 / PIXEL_UM / 2 ** k, 1e4 / PIXEL_UM / 2 ** k), **common)
        os.replace(tmp, path)
    finally:
        subs.clear()  # drop the memory maps before unlinking their files
        for m in maps:
            m.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def cached_tiff(size_mib: int, tile: int, fresh: bool) -> Path:
    planes = planes_for(size_mib)
    name = f"tiff_{size_mib}MiB_t{tile}.ome.tif"
    path = c.WORK / "inputs" / name
    marker = c.WORK / "inputs" / f"{name}.complete"
    key = json.dumps({"planes": planes, "channels": CHANNELS, "yx": YX, "tile": tile, "version": 1})
    if not fresh and path.exists() and marker.exists() and marker.read_text() == key:
        return path
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    print(f"  writing input {path.relative_to(c.HERE.parent)} ({CHANNELS} x {planes} x {YX} x {YX}, "
          f"tiles {tile}) ...", flush=True)
    make_tiff(path, planes, tile)
    marker.write_text(key)
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path


def tiff_stats(path: Path) -> dict:
    import tifffile

    with tifffile.TiffFile(path) as tf:
        s = tf.series[0]
        levels = [list(lv.shape) for lv in s.levels]
        pages = sum(len(lv.pages) for lv in s.levels)
        tiles = sum(len(p.dataoffsets) for lv in s.levels for p in lv.pages)
        decoded = sum(math.prod(sh) * s.dtype.itemsize for sh in levels)
        axes = s.axes
        comp = s.levels[0].pages[0].compression.name
        tile = [s.levels[0].pages[0].tilelength, s.levels[0].pages[0].tilewidth]
    return {"file_bytes": path.stat().st_size, "decoded_bytes": decoded, "levels": levels, "pages": pages,
            "tiles": tiles, "axes": axes, "compression": comp, "tile": tile}


def warm_file(path: Path) -> None:
    """Untimed: read the file once (into the page cache)."""
    with open(path, "rb") as f:
        while f.read(16 * c.MIB):
            pass


# --------------------------------------------------------------------------- commands and checks

def nz_bin() -> Path:
    return VENV_NZ / "bin" / "ngff-zarr"


def commands(src: Path, dst_dir: Path, bare_whole: int) -> dict[str, list[str]]:
    return {
        "nm-sample": [c.NGFF_MIGRATE, "convert", str(src), str(dst_dir / "nm.zarr"), "--overwrite"],
        "nm-none": [c.NGFF_MIGRATE, "convert", str(src), str(dst_dir / "nm.zarr"), "--overwrite",
                    "--verify", "none"],
        "nz": [str(nz_bin()), "-i", str(src), "-o", str(dst_dir / "nz.ome.zarr")],
        "bare": [c.PY, "-c", BARE_CODE, str(src), str(bare_whole)],
    }


def output_of(tool: str, dst_dir: Path) -> Path | None:
    return {"nm-sample": dst_dir / "nm.zarr", "nm-none": dst_dir / "nm.zarr",
            "nz": dst_dir / "nz.ome.zarr"}.get(tool)


def level_paths(dst: Path) -> list[str]:
    """Level array paths of an RFC-8 ``multiscale`` (``nodes``) or a 0.5 ``multiscales`` root."""
    ome = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]
    if "nodes" in ome:
        return [n["path"]["path"].removeprefix("./") for n in ome["nodes"]]
    return [d["path"] for d in ome["multiscales"][0]["datasets"]]


def check_output(dst: Path, src: Path, samples: int = 8) -> dict:
    """Every level's shape equal to tifffile's; ``samples`` seeded-random 256 x 256 tiles per level
    equal to tifffile's decode of the same page. Raises on a difference."""
    import numpy as np
    import tifffile
    import zarr

    paths = level_paths(dst)
    rng = random.Random(0)
    compared = 0
    with tifffile.TiffFile(src) as tf:
        s = tf.series[0]
        if len(paths) != len(s.levels):
            raise RuntimeError(f"{dst}: {len(paths)} levels, the file has {len(s.levels)}")
        for k, (p, lv) in enumerate(zip(paths, s.levels, strict=True)):
            arr = zarr.open_array(str(dst / p), mode="r")
            if list(arr.shape) != list(lv.shape):
                raise RuntimeError(f"{dst}/{p}: shape {arr.shape} != tifffile level {k} {lv.shape}")
            nc, nz, ny, nx = lv.shape
            t = min(256, ny, nx)
            for _ in range(samples):
                ch, z = rng.randrange(nc), rng.randrange(nz)
                y0, x0 = rng.randrange(0, ny - t + 1), rng.randrange(0, nx - t + 1)
                ref = lv.pages[ch * nz + z].asarray()[y0:y0 + t, x0:x0 + t]
                got = arr[ch, z, y0:y0 + t, x0:x0 + t]
                if not np.array_equal(ref, got):
                    raise RuntimeError(f"{dst}/{p}: differs from tifffile level {k} at c={ch} z={z} "
                                       f"y={y0} x={x0}")
                compared += 1
    meta = json.loads((dst / paths[0] / "zarr.json").read_text())
    codecs = meta.get("codecs", [])
    if codecs and codecs[0].get("name") == "sharding_indexed":
        chunks = codecs[0]["configuration"]["chunk_shape"]
        codecs = codecs[0]["configuration"]["codecs"]
    else:
        chunks = meta["chunk_grid"]["configuration"]["chunk_shape"]
    codec = "+".join(x["name"] + (f":{x['configuration'].get('cname', '')}{x['configuration'].get('clevel', '')}"
                                  if x["name"] == "blosc" else f":{x['configuration'].get('level', '')}"
                                  if x["name"] in ("zstd", "gzip") else "")
                     for x in codecs if x["name"] not in ("bytes", "transpose"))
    nbytes = nfiles = 0
    for dirpath, _d, files in os.walk(dst):
        for f in files:
            nfiles += 1
            nbytes += os.stat(os.path.join(dirpath, f)).st_size
    return {"levels": len(paths), "tiles_compared": compared, "level0_chunks": chunks, "codec": codec,
            "stored_bytes": nbytes, "files": nfiles}


def clear_outputs(dst_dir: Path) -> None:
    clear(dst_dir / "nm.zarr")
    shutil.rmtree(dst_dir / "nz.ome.zarr", ignore_errors=True)


def peer_version() -> str:
    py = VENV_NZ / "bin" / "python"
    if not py.exists():
        return "missing"
    r = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('ngff-zarr'), "
                        "m.version('zarr'), m.version('tifffile'))"], capture_output=True, text=True)
    return r.stdout.strip()


# --------------------------------------------------------------------------- part 1

def part_single(args, info) -> dict:
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        raise SystemExit(f"unknown --tools {sorted(unknown)}; choose from {','.join(TOOLS)}")
    if "nz" in tools and not nz_bin().exists():
        print(f"ngff-zarr: {nz_bin()} missing (python -m venv {VENV_NZ} && {VENV_NZ}/bin/pip install "
              f"'ngff-zarr[cli,tiff]'): skipped", flush=True)
        tools.remove("nz")
    print(f"peer: ngff-zarr, zarr, tifffile in its venv: {peer_version()}", flush=True)
    dst_dir = args.dst_dir.resolve()
    dst_dir.mkdir(parents=True, exist_ok=True)
    print(f"outputs in {dst_dir} (filesystem {c.filesystem_of(dst_dir)}); peak RSS: psutil, sum over the "
          f"process tree, polled every 20 ms", flush=True)

    # untimed warm-up: bytecode caches of every tool, on a 16 MiB file
    warm = cached_tiff(16, args.tile, False)
    for t in tools:
        clear_outputs(dst_dir)
        r = run_tree(commands(warm, dst_dir, args.bare_whole)[t])
        if r["returncode"] != 0:  # once more: src/ may be mid-edit by someone else for a moment
            print(f"  warm-up of {TOOLS[t]} failed ({r['stderr'].strip()[-300:]}); again in 10 s", flush=True)
            time.sleep(10)
            clear_outputs(dst_dir)
            r = run_tree(commands(warm, dst_dir, args.bare_whole)[t])
        if r["returncode"] != 0:
            raise SystemExit(f"warm-up of {TOOLS[t]} failed ({r['returncode']}):\n{r['stderr'][-2000:]}")

    results, verdicts = {}, []
    for size in args.sizes:
        src = cached_tiff(size, args.tile, args.fresh)
        st = tiff_stats(src)
        runs = args.big_runs if size >= 1024 else args.runs
        lab = f"{size}MiB"
        print(f"\ninput {lab}: {src.relative_to(c.HERE.parent)}: {st['axes']} {st['levels'][0]} uint16, levels "
              f"{' '.join('x'.join(map(str, lv[2:])) for lv in st['levels'])} (SubIFDs), tiles "
              f"{'x'.join(map(str, st['tile']))} {st['compression']}; {st['file_bytes']:,} B on disk "
              f"({c.human(st['file_bytes'])}), {st['decoded_bytes']:,} B decoded ({c.human(st['decoded_bytes'])}, "
              f"ratio {st['decoded_bytes'] / st['file_bytes']:.2f}), {st['pages']} pages, {st['tiles']:,} tiles; "
              f"{runs} runs", flush=True)
        warm_file(src)
        cmds = commands(src, dst_dir, args.bare_whole)
        times = {t: [] for t in tools}
        checks, failed, loads, commits, bare_modes = {}, {}, [], set(), ""
        for r in range(runs):
            loads.append(c.loadavg())
            commits.add(c.git_commit())
            for t in tools:
                if t in failed:
                    continue
                clear_outputs(dst_dir)
                res = run_tree(cmds[t])
                res["loadavg_after"] = c.loadavg()
                problem = None
                if res["returncode"] != 0:
                    problem = f"exit {res['returncode']}: {res['stderr'][-1500:] or res['stdout'][-1500:]}"
                elif t == "bare":
                    bare_modes = res["stdout"].split()[-1]
                elif r == 0 and not args.no_check:
                    try:
                        checks[t] = check_output(output_of(t, dst_dir), src)
                    except Exception as exc:  # reported, and the tool dropped
                        problem = f"output check failed: {exc}"
                if problem:
                    failed[t] = f"{lab}, round {r + 1}: {' '.join(cmds[t])}: {problem}"
                    print(f"FAIL {TOOLS[t]} ({failed[t]}) -- dropped", flush=True)
                    continue
                times[t].append(res)
            print(f"  round {r + 1}/{runs} {lab} (load {c.loadavg()}): "
                  + ", ".join(f"{t} {times[t][-1]['seconds']:.2f} s {times[t][-1]['peak_rss_tree'] / 1e9:.2f} GB"
                              for t in tools if t not in failed and times[t]), flush=True)
        clear_outputs(dst_dir)

        raw = st["decoded_bytes"]
        med = {t: c.median([x["seconds"] for x in times[t]]) for t in tools if times[t]}
        rows, tres = [], {}
        for t in tools:
            if not times[t]:
                continue
            rss = c.median([x["peak_rss_tree"] for x in times[t]])
            ck = checks.get(t, {})
            tres[t] = {"command": cmds[t], "times_s": [x["seconds"] for x in times[t]], "median_s": med[t],
                       "MB_s": raw / med[t] / 1e6, "peak_rss_tree": [x["peak_rss_tree"] for x in times[t]],
                       "peak_rss_tree_median": rss, "ru_maxrss": [x["ru_maxrss"] for x in times[t]],
                       "nz_over_this": med["nz"] / med[t] if "nz" in med else None,
                       "this_over_bare": med[t] / med["bare"] if "bare" in med else None,
                       "output": ck, "loadavg_after": [x["loadavg_after"] for x in times[t]]}
            rows.append([TOOLS[t] + (f" ({len(times[t])} runs)" if len(times[t]) != runs else ""), c.fmt_s(med[t]),
                         f"{raw / med[t] / 1e6:.0f}",
                         "" if tres[t]["nz_over_this"] is None else f"{tres[t]['nz_over_this']:.2f}",
                         "" if tres[t]["this_over_bare"] is None else f"{tres[t]['this_over_bare']:.2f}",
                         f"{rss / 1e9:.2f}",
                         f"{ck['stored_bytes'] / 1e6:.0f} ({ck['files']:,})" if ck else "",
                         "x".join(map(str, ck["level0_chunks"])) if ck else "", ck.get("codec", "")])
        print(f"\n== {lab} level 0 ({st['axes']} {'x'.join(map(str, st['levels'][0]))}; all levels {raw:,} B "
              f"decoded, {st['file_bytes']:,} B on disk); {runs} runs; load at each round "
              f"{'; '.join(loads)}; commit {', '.join(sorted(commits))}"
              + (f"; bare decode per level: {bare_modes}" if bare_modes else ""))
        print(c.markdown_table(["command", "median s", "MB/s decoded", "ngff-zarr / this", "this / bare decode",
                                "peak RSS tree GB", "output MB (files)", "level-0 chunks", "codec"], rows))
        for t in NM_TOOLS:
            if t in tres and tres[t]["nz_over_this"] is not None:
                verdicts.append(c.verdict(f"{lab}: ngff-zarr time / {TOOLS[t]} time", tres[t]["nz_over_this"],
                                          TARGETS["speed_vs_nz"], at_most=False, unit="x"))
            if t in tres:
                verdicts.append(c.verdict(f"{lab}: {TOOLS[t]} peak RSS (tree)", tres[t]["peak_rss_tree_median"] / 1e9,
                                          TARGETS["peak_rss_gb"], unit=" GB"))
            if t in tres and tres[t]["this_over_bare"] is not None:
                print(f"info: {lab}: {TOOLS[t]} / bare decode: {tres[t]['this_over_bare']:.2f}x", flush=True)
        for t, why in failed.items():
            print(f"FAILED: {TOOLS[t]}: {why[:400]}", flush=True)
        results[lab] = {"input": {**st, "path": str(src)}, "runs": runs, "loadavg": loads,
                        "commits": sorted(commits), "tools": tres, "failed": failed, "bare_modes": bare_modes}
    return {"results": results, "verdicts": verdicts, "peer": peer_version(), "tile": args.tile,
            "bare_whole": args.bare_whole}


# --------------------------------------------------------------------------- part 2: tile set

def make_tileset(root: Path, grid: int, *, overlap: float = 0.1, jitter: float = 3.0, seed: int = 0) -> None:
    import numpy as np
    import tifffile

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    step = YX * (1 - overlap)
    lines = ["# Define the number of dimensions we are working on", "dim = 2", "",
             "# Define the image coordinates"]
    for i in range(grid * grid):
        row, col = divmod(i, grid)
        img = fluo.acquire_fast(fluo.scene(1, yx=YX, seed=5000 + i), **fluo.U16_12BIT, seed=6000 + i)[0]
        name = f"tile_{i:03d}.tif"
        tifffile.imwrite(root / name, img, imagej=True, resolution=(1 / PIXEL_UM, 1 / PIXEL_UM),
                         metadata={"unit": "um"})
        x = col * step + (rng.normal(0, jitter) if col else 0.0)
        y = row * step + (rng.normal(0, jitter) if row else 0.0)
        lines.append(f"{name}; ; ({x:.1f}, {y:.1f})")
    (root / "TileConfiguration.txt").write_text("\n".join(lines) + "\n")


def cached_tileset(grid: int, fresh: bool) -> Path:
    name = f"tileset_{grid}x{grid}"
    path = c.WORK / "inputs" / name
    marker = c.WORK / "inputs" / f"{name}.complete"
    key = json.dumps({"grid": grid, "yx": YX, "overlap": 0.1, "jitter": 3.0, "version": 1})
    if not fresh and path.exists() and marker.exists() and marker.read_text() == key:
        return path
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    print(f"  writing input {path.relative_to(c.HERE.parent)} ({grid * grid} tiles of {YX} x {YX}) ...", flush=True)
    make_tileset(path, grid)
    marker.write_text(key)
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path


USAGE_MARKS = ("not recognised", "not recognized", "no such option", "usage:", "unknown option",
               "unrecognized arguments", "unexpected extra argument")


def is_usage_error(res: dict) -> bool:
    text = (res["stderr"] + res["stdout"]).lower()
    return res["returncode"] == 2 or any(m in text for m in USAGE_MARKS)


def convert_help() -> str:
    env = {**c.child_env(), "COLUMNS": "250", "NO_COLOR": "1"}
    r = subprocess.run([c.NGFF_MIGRATE, "convert", "--help"], capture_output=True, text=True, env=env)
    return r.stdout + r.stderr


def part_tiles(args, info) -> dict:
    help_text = convert_help()
    if "--positions" not in help_text:
        msg = ("SKIP part tiles: `ngff-migrate convert --help` offers no --positions (the tile-set command "
               "is not there yet)")
        print(msg, flush=True)
        return {"skipped": msg}
    tiles = cached_tileset(args.grid, args.fresh)
    n = args.grid * args.grid
    raw = n * YX * YX * 2
    dst = args.dst_dir.resolve() / "tiles.zarr"
    base = [c.NGFF_MIGRATE, "convert", str(tiles), str(dst), "--positions", str(tiles / "TileConfiguration.txt"),
            "--overwrite"]
    variants = {"plain": base}
    if "--overview" in help_text:
        variants["overview"] = base + ["--overview"]
    else:
        print("SKIP variant --overview: `ngff-migrate convert --help` offers no --overview", flush=True)
    print(f"\ntile set: {tiles.relative_to(c.HERE.parent)}: {n} tiles of {YX} x {YX} uint16 ({raw:,} B, "
          f"{c.human(raw)}), {args.grid} x {args.grid} grid, 10 % overlap, TileConfiguration.txt", flush=True)
    warm_file_tree(tiles)
    # untimed warm-up (bytecode cache; also finds a usage error before any timing)
    skipped = {}
    for v, cmd in list(variants.items()):
        clear(dst)
        res = run_tree(cmd)
        if res["returncode"] != 0:
            why = (res["stderr"] or res["stdout"]).strip().splitlines()[-1:] or [f"exit {res['returncode']}"]
            kind = "usage error" if is_usage_error(res) else f"exit {res['returncode']}"
            skipped[v] = f"{kind}: {why[0][:300]}"
            print(f"SKIP tile-set variant {v} ({' '.join(cmd)}): {skipped[v]}", flush=True)
            del variants[v]
    if not variants:
        return {"skipped": "every variant failed in the warm-up", "variants_skipped": skipped}
    times = {v: [] for v in variants}
    loads, commits = [], set()
    for r in range(args.runs):
        loads.append(c.loadavg())
        commits.add(c.git_commit())
        for v, cmd in variants.items():
            clear(dst)
            res = run_tree(cmd)
            if res["returncode"] != 0:
                raise SystemExit(f"{' '.join(cmd)} failed ({res['returncode']}):\n{res['stderr'][-2000:]}")
            if r == 0:
                check_tiles_output(dst, n, overview=v == "overview")
            times[v].append(res)
        print(f"  round {r + 1}/{args.runs} (load {c.loadavg()}): "
              + ", ".join(f"{v} {times[v][-1]['seconds']:.2f} s {times[v][-1]['peak_rss_tree'] / 1e9:.2f} GB"
                          for v in variants), flush=True)
    out_stats = c.tree_stats(dst) if dst.exists() else {}
    clear(dst)
    rows, res_out = [], {}
    for v, cmd in variants.items():
        med = c.median([x["seconds"] for x in times[v]])
        rss = c.median([x["peak_rss_tree"] for x in times[v]])
        res_out[v] = {"command": cmd, "times_s": [x["seconds"] for x in times[v]], "median_s": med,
                      "tiles_per_s": n / med, "MB_s": raw / med / 1e6, "peak_rss_tree_median": rss}
        rows.append([" ".join(["ngff-migrate convert TILES/ DST --positions ..."] + cmd[len(base):]), c.fmt_s(med),
                     f"{n / med:.1f}", f"{raw / med / 1e6:.0f}", f"{rss / 1e9:.2f}"])
    print(f"\n== tile set, {n} tiles; {args.runs} runs; load at each round {'; '.join(loads)}; commit "
          f"{', '.join(sorted(commits))}")
    print(c.markdown_table(["command", "median s", "tiles/s", "MB/s decoded", "peak RSS tree GB"], rows))
    return {"tiles": n, "raw_bytes": raw, "variants": res_out, "variants_skipped": skipped, "loadavg": loads,
            "commits": sorted(commits), "last_output": out_stats}


def check_tiles_output(dst: Path, n: int, *, overview: bool) -> None:
    """A Zarr v3 root with an ``ome`` document and one ``tile_NNN`` group per tile (plus
    ``overview`` with ``--overview``); the pixels are ngff-migrate's own ``--verify sample``."""
    root = json.loads((dst / "zarr.json").read_text())
    if root.get("zarr_format") != 3 or "ome" not in root.get("attributes", {}):
        raise SystemExit(f"{dst}: not an OME-Zarr v3 root")
    tiles = [p for p in dst.iterdir() if p.name.startswith("tile_") and (p / "zarr.json").exists()]
    if len(tiles) != n:
        raise SystemExit(f"{dst}: {len(tiles)} tile groups, expected {n}")
    if overview and not (dst / "overview" / "zarr.json").exists():
        raise SystemExit(f"{dst}: no overview/ written with --overview")


def warm_file_tree(root: Path) -> None:
    for p in sorted(root.iterdir()):
        if p.is_file():
            warm_file(p)


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description="Issue #10 benchmarks: OME-TIFF conversion against ngff-zarr and a bare "
                                             "tifffile decode; a 100-tile set (see the module docstring).")
    ap.add_argument("--part", choices=("single", "tiles", "all"), default="all")
    ap.add_argument("--sizes", default=None, help="level-0 MiB of each OME-TIFF, comma-separated (default 256,2048)")
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--big-runs", type=int, default=2, help="rounds for sizes of 1024 MiB and more (default 2)")
    ap.add_argument("--tile", type=int, default=256, help="TIFF tile edge (default 256)")
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"subset of {','.join(TOOLS)}")
    ap.add_argument("--bare-whole", type=int, default=512 * c.MIB,
                    help="bare decode: levels up to this many bytes with one asarray, larger page by page")
    ap.add_argument("--grid", type=int, default=None, help="tile set: grid x grid tiles (default 10)")
    ap.add_argument("--dst-dir", type=Path, default=c.WORK / "tiff", help="where outputs are written")
    ap.add_argument("--no-check", action="store_true", help="skip the pixel check of the outputs")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    ap.add_argument("--quick", action="store_true", help="64 MiB, a 4 x 4 tile set")
    args = ap.parse_args()
    if args.runs < 1 or args.big_runs < 1:
        ap.error("--runs and --big-runs must be >= 1")
    args.sizes = [int(s) for s in (args.sizes or ("64" if args.quick else "256,2048")).split(",") if s]
    args.grid = args.grid or (4 if args.quick else 10)
    for s in args.sizes:
        planes_for(s)

    info = c.machine_info()
    c.print_machine(info)
    data = {"machine": info}
    tag = "_quick" if args.quick else ""
    if args.part in ("single", "all"):
        data["single"] = part_single(args, info)
        sizes = "_".join(f"{s}MiB" for s in args.sizes)
        out = c.save_results(f"bench_tiff_single_{sizes}{tag}", {"machine": info, "runs": args.runs,
                                                                  "big_runs": args.big_runs, **data["single"]})
        print(f"\nresults: {out}", flush=True)
    if args.part in ("tiles", "all"):
        data["tiles"] = part_tiles(args, info)
        out = c.save_results(f"bench_tiff_tiles{tag}", {"machine": info, "runs": args.runs, **data["tiles"]})
        print(f"\nresults: {out}", flush=True)
    print()
    for v in data.get("single", {}).get("verdicts", []):
        print(v["line"])


if __name__ == "__main__":
    main()
