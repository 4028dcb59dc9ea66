"""In-place migration time versus image size (the claim: it stays flat).

Runs ``ngff-migrate convert --in-place SRC --verify none`` and ``--verify
sample`` on NGFF 0.4 images whose level 0 holds 16 MiB, 256 MiB and 2 GiB of
uint16 pixels in chunks of 1x256x256 (128 KiB, uncompressed), plus the 2x/4x
yx pyramid levels ome-zarr-py lays out (total chunk bytes = 1.3125 x level 0).
Input metadata is written by ome-zarr-py (``write_image(..., fmt=FormatV04(),
compute=False)`` on a ``zarr_format=2`` group), chunk bytes by zarr-python
into those arrays: see ``benchmarks/_common.py``.

Per size and mode: median whole-process wall time of >= 5 runs
(``time.perf_counter()`` around ``subprocess.run``), ratio to the 16 MiB case
of the same mode, and the files written (``write.documents_written`` of the
``--report`` JSON). Every run starts from the pristine tree: after each run
``ngff-migrate rollback`` (not timed) and a check that the tree has exactly
its original files and metadata bytes again.

Then, if ``strace`` is installed, one traced run per mode on the largest size
counts the chunk files the process opened (``openat``) and stat'ed: with
``--verify none`` no chunk file should be opened.

Usage: ``python benchmarks/bench_inplace_scaling.py [--quick] [--runs N] [--fresh]``
(``--quick`` skips the 2 GiB image; ``--fresh`` rewrites cached inputs.)

Common method (untimed sync before each run, warm bytecode cache, warm-up run):
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SIZES = [("16 MiB", 8), ("256 MiB", 128), ("2 GiB", 1024)]  # level-0 nominal size, z planes of 2 MiB
MODES = ("none", "sample")


def reset(work: Path, pristine_fp: dict) -> None:
    """Roll the in-place run back (untimed) and check the tree is pristine again."""
    c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
    if c.fingerprint(work) != pristine_fp:
        raise RuntimeError(f"{work} differs from its pristine state after rollback")


def strace_counts(work: Path, mode: str, log: Path, chunks: set[str]) -> dict:
    """Trace one run; count the chunk files (``chunks``: relative paths) opened /
    stat'ed, the metadata files opened and the directories opened for listing."""
    cmd = ["strace", "-f", "-qq", "-o", str(log),
           "-e", "trace=openat,open,newfstatat,stat,lstat,statx",
           c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", mode]
    subprocess.run(cmd, check=True, capture_output=True)
    root = str(work.resolve())
    pat = re.compile(r'^\d+\s+(\w+)\((?:AT_FDCWD|\d+)?,?\s*"([^"]*)"')
    chunk_open, chunk_stat, dir_open, meta_open = set(), set(), set(), set()
    for line in log.read_text(errors="replace").splitlines():
        m = pat.match(line)
        if not m:
            continue
        call, p = m.groups()
        p = os.path.normpath(p if os.path.isabs(p) else os.path.join(os.getcwd(), p))
        if not (p == root or p.startswith(root + os.sep)):
            continue
        rel = os.path.relpath(p, root).replace(os.sep, "/")
        if rel.startswith(".ngff-migrate") or rel == ".":
            continue
        is_chunk = rel in chunks
        if call in ("openat", "open"):
            if is_chunk:
                chunk_open.add(rel)
            elif "O_DIRECTORY" in line:
                dir_open.add(rel)
            elif rel.rsplit("/", 1)[-1] in c.METADATA_NAMES:
                meta_open.add(rel)
        elif is_chunk:
            chunk_stat.add(rel)
    return {"chunk_files_opened": len(chunk_open), "chunk_files_stated": len(chunk_stat),
            "directories_opened": len(dir_open), "metadata_files_opened": len(meta_open),
            "example_chunk_opened": sorted(chunk_open)[:3]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 2 GiB image")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per size and mode (default 5)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    args = ap.parse_args()
    if args.runs < 3:
        ap.error("--runs must be >= 3")

    info = c.machine_info()
    c.print_machine(info)
    sizes = SIZES[:2] if args.quick else SIZES
    if args.fresh:
        shutil.rmtree(c.WORK / "inputs", ignore_errors=True)
    c.warm_up()

    prepared = []
    for label, z in sizes:
        src = c.cached_image(f"inplace_z{z}", z)
        work = c.WORK / "inplace" / f"z{z}"
        c.fresh_copy(src, work)  # untimed; the cached input itself is never migrated
        stats = c.tree_stats(work)
        print(f"{label} level 0 ({z} x 1024 x 1024 uint16, chunks 1x256x256): {stats['chunk_bytes']:,} B "
              f"of chunks ({c.human(stats['chunk_bytes'])}) in {stats['chunk_files']:,} chunk files, "
              f"{stats['metadata_files']} metadata files", flush=True)
        prepared.append({"label": label, "z": z, "work": work, "stats": stats, "pristine": c.fingerprint(work),
                         "times": {m: [] for m in MODES}, "stage": {m: [] for m in MODES}, "docs": {},
                         "chunks_compared": {}})

    report = c.WORK / "inplace" / "report.json"
    for i in range(args.runs):
        # interleaved: every round runs every size and mode, so drift (other
        # processes, writeback) hits all of them alike
        for p in prepared:
            for mode in MODES:
                t, _ = c.timed([c.NGFF_MIGRATE, "convert", "--in-place", str(p["work"]), "--verify", mode,
                                "--report", str(report)])
                rep = json.loads(report.read_text())
                p["times"][mode].append(t)
                p["stage"][mode].append(rep["timings"])
                p["docs"][mode] = rep["write"]["documents_written"]
                p["chunks_compared"][mode] = (rep.get("verification") or {}).get("chunks_compared", 0)
                reset(p["work"], p["pristine"])
        print(f"  round {i + 1}/{args.runs}: " + ", ".join(
            f"{p['label']} {m} {p['times'][m][-1]:.3f} s" for p in prepared for m in MODES), flush=True)

    results = []
    for p in prepared:
        print(f"\n== {p['label']} level 0", flush=True)
        times, stage = p["times"], p["stage"]
        row = {"size": p["label"], "z": p["z"], **p["stats"], "runs": args.runs}
        for mode in MODES:
            med = c.median(times[mode])
            inner = {k: round(c.median([s.get(k, 0.0) for s in stage[mode]]), 3)
                     for k in ("read", "verify", "write", "total")}
            row[mode] = {"median_s": med, "times_s": times[mode], "documents_written": p["docs"][mode],
                         "chunks_compared": p["chunks_compared"][mode], "report_timings_median_s": inner}
            print(f"  --verify {mode:6s}: median {c.fmt_s(med)} s over {args.runs} runs "
                  f"(min {min(times[mode]):.3f}, max {max(times[mode]):.3f}); "
                  f"files written {p['docs'][mode]}; chunks compared {p['chunks_compared'][mode]}; "
                  f"in-process median {inner}", flush=True)
        results.append(row)

    base = results[0]
    print("\n== summary (ratio = median / median of the 16 MiB image, same --verify)")
    header = ["level 0", "chunk bytes", "chunk files", "files written", "--verify none s", "ratio",
              "--verify sample s", "ratio", "chunks compared (sample)"]
    rows = []
    for r in results:
        rows.append([r["size"], f"{r['chunk_bytes']:,} ({c.human(r['chunk_bytes'])})", f"{r['chunk_files']:,}",
                     str(r["none"]["documents_written"]),
                     c.fmt_s(r["none"]["median_s"]), f"{r['none']['median_s'] / base['none']['median_s']:.2f}",
                     c.fmt_s(r["sample"]["median_s"]),
                     f"{r['sample']['median_s'] / base['sample']['median_s']:.2f}",
                     str(r["sample"]["chunks_compared"])])
    print(c.markdown_table(header, rows))

    trace = {}
    if shutil.which("strace"):
        label, z = sizes[-1]
        work = c.WORK / "inplace" / f"z{z}"
        pristine = c.fingerprint(work)
        chunks = {rel for rel in pristine if not c.is_metadata(rel)}
        print(f"\n== strace -f (openat/stat family) of one run per mode on the {label} image")
        for mode in MODES:
            counts = strace_counts(work, mode, c.WORK / "inplace" / f"strace-{mode}.log", chunks)
            reset(work, pristine)
            trace[mode] = counts
            print(f"  --verify {mode:6s}: chunk files opened {counts['chunk_files_opened']}, "
                  f"chunk files stat'ed {counts['chunk_files_stated']}, directories opened "
                  f"{counts['directories_opened']}, metadata files opened {counts['metadata_files_opened']}")
        verdict = "OK" if trace["none"]["chunk_files_opened"] == 0 else "UNEXPECTED"
        print(f"  {verdict}: --verify none opened {trace['none']['chunk_files_opened']} chunk files")
    else:
        print("\nstrace not installed: skipped the check that no chunk file is opened "
              "(apt-get install -y strace)")
    out = c.save_results("bench_inplace_scaling", {"machine": info, "results": results, "strace": trace})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
