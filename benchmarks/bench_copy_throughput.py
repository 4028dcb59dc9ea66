"""Copy-mode throughput: ``ngff-migrate convert SRC DST`` versus ``cp -r SRC DST``.

Input: one NGFF 0.4 image, 96 x 1024 x 1024 uint16 at level 0 plus the
2x/4x yx pyramid levels, chunks 1x128x128 (32 KiB, uncompressed): 256 MiB of
chunk data in 8,064 chunk files. Metadata written by ome-zarr-py, chunk bytes
by zarr-python (see ``benchmarks/_common.py``).

Timed, each as a whole process (``time.perf_counter()`` around
``subprocess.run``), interleaved round by round so drift hits all alike:

* ``cp -r SRC DST`` (the peer: copying the same tree, no migration);
* ``ngff-migrate convert SRC DST --verify none`` (copy mode, byte copies);
* ``ngff-migrate convert SRC DST --verify none --link`` (hard links);
* ``ngff-migrate convert SRC DST`` (default ``--verify sample``), for reference.

DST is ``benchmarks/_work/copy/dst.zarr`` unless ``--dst-dir`` says otherwise
(e.g. ``--dst-dir /dev/shm/ngff-bench`` to take the disk filesystem out of the
picture). Before every run DST is removed and ``sync`` is called (neither timed); the
source stays in the page cache (warm-cache numbers: reading is cheap, the cost
is creating files and copying bytes). MB/s = chunk bytes / median seconds
(MB = 10^6 bytes). ``--runs`` defaults to 5. Ratios: median / ``cp -r``
median, and the median of the per-round ratios (robust to drift).

Usage: ``python benchmarks/bench_copy_throughput.py [--quick] [--runs N] [--fresh] [--dst-dir DIR]``
(``--quick``: 3 runs and skip the ``--verify sample`` variant.)

Common method (untimed sync before each run, warm bytecode cache, warm-up run):
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

Z = 96
CHUNKS = (1, 128, 128)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 runs, no --verify sample variant")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per command (default 5, 3 with --quick)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached input")
    ap.add_argument("--dst-dir", type=Path, default=c.WORK / "copy",
                    help="where DST is written (default benchmarks/_work/copy; e.g. /dev/shm/x for tmpfs)")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    if runs < 3:
        ap.error("--runs must be >= 3")

    info = c.machine_info()
    c.print_machine(info)
    name = f"copy_z{Z}_c{CHUNKS[1]}"
    if args.fresh:
        shutil.rmtree(c.WORK / "inputs" / name, ignore_errors=True)
    src = c.cached_image(name, Z, chunks=CHUNKS)
    c.warm_up()
    stats = c.tree_stats(src)
    total_files = stats["chunk_files"] + stats["metadata_files"]
    print(f"input: {src.relative_to(c.HERE.parent)}: {stats['chunk_bytes']:,} B of chunks "
          f"({c.human(stats['chunk_bytes'])}) in {stats['chunk_files']:,} chunk files "
          f"({total_files:,} files in all)", flush=True)
    dst = args.dst_dir.resolve() / "dst.zarr"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst_fs = c.filesystem_of(dst.parent)
    print(f"DST: {dst} (filesystem {dst_fs})", flush=True)

    variants = {
        "cp -r": ["cp", "-r", str(src), str(dst)],
        "convert --verify none": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--verify", "none"],
        "convert --verify none --link": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--verify", "none",
                                         "--link"],
    }
    if not args.quick:
        variants["convert (--verify sample)"] = [c.NGFF_MIGRATE, "convert", str(src), str(dst)]
    times: dict[str, list[float]] = {k: [] for k in variants}
    copied: dict[str, int] = {}
    for i in range(runs):
        for label, cmd in variants.items():
            if dst.exists():
                shutil.rmtree(dst)
            os.sync()
            t, _ = c.timed(cmd)
            times[label].append(t)
            if i == 0:
                out = c.tree_stats(dst)
                copied[label] = out["chunk_bytes"]
                if out["chunk_files"] != stats["chunk_files"] or out["chunk_bytes"] != stats["chunk_bytes"]:
                    raise RuntimeError(f"{label}: output has {out['chunk_files']} chunk files / "
                                       f"{out['chunk_bytes']} B, input {stats['chunk_files']} / "
                                       f"{stats['chunk_bytes']}")
        print(f"  round {i + 1}/{runs}: " + ", ".join(f"{k} {times[k][-1]:.3f} s" for k in variants),
              flush=True)
    if dst.exists():
        shutil.rmtree(dst)

    peer = c.median(times["cp -r"])
    header = ["command", "median s", "min s", "max s", "MB/s", "ratio to cp -r",
              "median of per-round ratios"]
    rows, results = [], {}
    for label in variants:
        med = c.median(times[label])
        mbps = stats["chunk_bytes"] / med / 1e6
        per_round = c.median([t / p for t, p in zip(times[label], times["cp -r"], strict=True)])
        results[label] = {"median_s": med, "times_s": times[label], "MB_per_s": mbps, "ratio_to_cp": med / peer,
                          "median_round_ratio_to_cp": per_round}
        rows.append([f"`{label}`", c.fmt_s(med), c.fmt_s(min(times[label])), c.fmt_s(max(times[label])),
                     f"{mbps:.0f}", f"{med / peer:.2f}", f"{per_round:.2f}"])
    print(f"\n== summary ({runs} runs each; MB/s = {stats['chunk_bytes']:,} chunk bytes / median s)")
    print(c.markdown_table(header, rows))
    tag = "" if dst_fs == info["filesystem"] else f"_{dst_fs}"
    out = c.save_results(f"bench_copy_throughput{tag}",
                         {"machine": info, "dst": str(dst), "dst_filesystem": dst_fs, "input": stats,
                          "runs": runs, "results": results})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
