"""Copy-mode throughput: ``ngff-migrate convert SRC DST`` versus ``cp -r SRC DST`` + ``sync``
(issue #8, target 5).

Inputs: NGFF 0.4 images, level 0 ``384 x 1024 x 1024`` uint16 plus the 2x/4x
yx pyramid levels, uncompressed: 1,056,964,608 B (1.06 GB) of chunks, in

* **few chunk files**: chunks 32 x 1024 x 1024 on ``s0`` (y/x clipped to each
  level: 32 x 512 x 512, 32 x 256 x 256): 36 chunk files of 64/16/4 MiB;
* **many chunk files**: chunks 1 x 128 x 128 (32 KiB): 32,256 chunk files.

(``--quick``: the same chunkings at level 0 ``96 x 1024 x 1024``, 264 MB:
9 and 8,064 chunk files.) Metadata written by ome-zarr-py, chunk bytes by
zarr-python (see ``benchmarks/_common.py``).

Timed, each as a whole process (``time.perf_counter()`` around
``subprocess.run``), interleaved round by round (inputs and commands) so
drift hits all alike:

* ``cp -r SRC DST && sync`` (**the peer**: ``sh -c``; cp does not flush, and
  ngff-migrate does -- it ends with a ``syncfs`` of DST's file system -- so
  the peer pays for getting the bytes to disk too);
* ``cp -r SRC DST`` (no flush; for reference);
* ``ngff-migrate convert SRC DST --verify none`` (**the target**);
* ``ngff-migrate convert SRC DST --verify none --link`` (hard links; reference);
* with ``--all``: ``ngff-migrate convert SRC DST`` (default ``--verify sample``).

DST is ``benchmarks/_work/copy/dst.zarr`` unless ``--dst-dir`` says otherwise
(e.g. ``--dst-dir /dev/shm/ngff-bench`` to take the disk out of the
picture). Before every run DST is removed and ``sync`` is called (neither
timed); the source stays in the page cache. MB/s = chunk bytes / median
seconds (MB = 10^6 bytes). ``--runs`` defaults to 5 (3 with ``--quick``).
Ratios: throughput of the command / throughput of ``cp -r && sync`` (=
peer median / command median), and the median of the per-round ratios.

Target (PASS/MISS per input): ``convert --verify none`` throughput >= 0.8x
that of ``cp -r && sync``.

Usage: ``python benchmarks/bench_copy_throughput.py [--quick] [--runs N] [--fresh] [--dst-dir DIR] [--all]
[--only few|many]``

Common method (untimed sync before each run, warm bytecode cache, warm-up run):
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

Z, QUICK_Z = 384, 96
INPUTS = {"few": (32, 1024, 1024), "many": (1, 128, 128)}
TARGET = 0.8  # throughput ratio to cp -r && sync
PEER = "cp -r && sync"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="264 MB inputs, 3 runs")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per command (default 5, 3 with --quick)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    ap.add_argument("--dst-dir", type=Path, default=c.WORK / "copy",
                    help="where DST is written (default benchmarks/_work/copy; e.g. /dev/shm/x for tmpfs)")
    ap.add_argument("--all", action="store_true", help="also the default --verify sample")
    ap.add_argument("--only", choices=sorted(INPUTS), default=None, help="one input only")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    if runs < 3:
        ap.error("--runs must be >= 3")

    info = c.machine_info()
    c.print_machine(info)
    z = QUICK_Z if args.quick else Z
    dst = args.dst_dir.resolve() / "dst.zarr"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst_fs = c.filesystem_of(dst.parent)
    print(f"DST: {dst} (filesystem {dst_fs})", flush=True)
    inputs = {}
    for key, chunks in INPUTS.items():
        if args.only and key != args.only:
            continue
        name = f"copy_z{z}_c{'x'.join(map(str, chunks))}"
        if args.fresh:
            shutil.rmtree(c.WORK / "inputs" / name, ignore_errors=True)
        src = c.cached_image(name, z, chunks=chunks)
        stats = c.tree_stats(src)
        inputs[key] = {"src": src, "stats": stats, "chunks": chunks}
        print(f"input {key}: {src.relative_to(c.HERE.parent)}: {stats['chunk_bytes']:,} B of chunks "
              f"({c.human(stats['chunk_bytes'])}) in {stats['chunk_files']:,} chunk files "
              f"(chunks {'x'.join(map(str, chunks))} on s0), {stats['metadata_files']} metadata files", flush=True)
    c.warm_up()

    def commands(src: Path) -> dict[str, list[str]]:
        v = {
            PEER: ["sh", "-c", 'cp -r "$1" "$2" && sync', "sh", str(src), str(dst)],
            "cp -r": ["cp", "-r", str(src), str(dst)],
            "convert --verify none": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--verify", "none", "-q"],
            "convert --verify none --link": [c.NGFF_MIGRATE, "convert", str(src), str(dst), "--verify", "none",
                                             "--link", "-q"],
        }
        if args.all:
            v["convert (--verify sample)"] = [c.NGFF_MIGRATE, "convert", str(src), str(dst), "-q"]
        return v

    labels = list(commands(Path("x")))
    times = {k: {label: [] for label in labels} for k in inputs}
    loads, commits = [], set()
    for i in range(runs):
        loads.append(c.loadavg())
        commits.add(c.git_commit())
        for key, inp in inputs.items():
            for label, cmd in commands(inp["src"]).items():
                if dst.exists():
                    shutil.rmtree(dst)
                t, _ = c.timed(cmd)  # untimed os.sync() first
                times[key][label].append(t)
                if i == 0:
                    out = c.tree_stats(dst)
                    if out["chunk_files"] != inp["stats"]["chunk_files"] or \
                            out["chunk_bytes"] != inp["stats"]["chunk_bytes"]:
                        raise RuntimeError(f"{label}: output has {out['chunk_files']} chunk files / "
                                           f"{out['chunk_bytes']} B, input {inp['stats']['chunk_files']} / "
                                           f"{inp['stats']['chunk_bytes']}")
            print(f"  round {i + 1}/{runs} {key} (load {c.loadavg()}): "
                  + ", ".join(f"{k} {times[key][k][-1]:.2f} s" for k in labels), flush=True)
    if dst.exists():
        shutil.rmtree(dst)

    results, verdicts = {}, []
    for key, inp in inputs.items():
        t = times[key]
        nbytes = inp["stats"]["chunk_bytes"]
        peer = c.median(t[PEER])
        print(f"\n== {key} chunk files: {inp['stats']['chunk_files']:,} files, {nbytes:,} B; {runs} runs; "
              f"DST on {dst_fs}; load during the rounds {'; '.join(loads)}; commit {', '.join(sorted(commits))}")
        rows, res = [], {}
        for label in labels:
            med = c.median(t[label])
            per_round = c.median([p / x for x, p in zip(t[label], t[PEER], strict=True)])
            res[label] = {"median_s": med, "times_s": t[label], "MB_per_s": nbytes / med / 1e6,
                          "throughput_ratio_to_peer": peer / med, "median_round_throughput_ratio": per_round}
            rows.append([f"`{label}`", c.fmt_s(med), c.fmt_s(min(t[label])), c.fmt_s(max(t[label])),
                         f"{nbytes / med / 1e6:.0f}", f"{peer / med:.2f}", f"{per_round:.2f}"])
        print(c.markdown_table(["command", "median s", "min s", "max s", "MB/s",
                                "throughput / cp -r && sync", "median of per-round ratios"], rows))
        verdicts.append(c.verdict(f"target 5, {key} chunk files ({inp['stats']['chunk_files']:,}): convert "
                                  f"--verify none throughput / cp -r && sync",
                                  res["convert --verify none"]["throughput_ratio_to_peer"], TARGET, at_most=False,
                                  unit="x"))
        results[key] = {"input": inp["stats"], "chunks": inp["chunks"], "commands": res}
    print()
    for v in verdicts:
        print(v["line"])
    tag = ("_quick" if args.quick else "") + ("" if dst_fs == info["filesystem"] else f"_{dst_fs}")
    out = c.save_results(f"bench_copy_throughput{tag}",
                         {"machine": info, "dst": str(dst), "dst_filesystem": dst_fs, "runs": runs,
                          "loadavg": loads, "commits": sorted(commits), "results": results, "verdicts": verdicts})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
