"""Resume after a kill: the time to finish a re-encode killed with ``-9`` at 50 %, against an
uninterrupted run of the same command (issue #9, "Benchmarks", Resume).

Input: the 0.4 image ``benchmarks/bench_reencode.py`` generates (zyx uint16, chunks
1 x 1024 x 1024, blosc lz4; level 0 of ``--size``, default 256 MiB), reused from
``benchmarks/_work/inputs/`` when it is there (run ``bench_reencode.py --sizes 256MiB`` first
otherwise).

Per round, interleaved:

* **uninterrupted**: ``ngff-migrate convert SRC DST --chunks z=32,y=256,x=256 --shards
  32,1024,1024 --codec blosc:zstd:1:shuffle --verify none``, whole process;
* **killed + resumed**: the same command, killed with SIGKILL once its unit journal holds half
  of the write units, then the same command again; the second run is timed (``resume``), and
  the time of the first run up to the kill is printed too.

Printed: input size, the medians, ``resume / uninterrupted`` (the ideal is about 0.5 plus
start-up), and the share of units the resumed run skipped. No pass/fail target is set by the
issue; the figure goes in docs/performance.md.

Usage: ``python benchmarks/bench_resume.py [--size 256MiB] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
NM = [sys.executable, "-m", "ngff_migrate"]
ARGS = ["--chunks", "z=32,y=256,x=256", "--shards", "32,1024,1024", "--codec", "blosc:zstd:1:shuffle",
        "--verify", "none"]


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="256MiB")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    src = WORK / "inputs" / f"reencode_zyx_{args.size}_c1x1024x1024"
    if not (src.parent / f"{src.name}.complete").exists():
        sys.exit(f"{src} is missing: run `python benchmarks/bench_reencode.py --sizes {args.size}` first")
    dst = WORK / "resume" / "dst.zarr"
    dst.parent.mkdir(parents=True, exist_ok=True)
    partial = dst.parent / f".{dst.name}.ngff-migrate-partial"
    journal = partial / ".ngff-migrate-reencode" / "units.log"
    raw = sum(f.stat().st_size for f in src.rglob("*") if f.is_file())
    print(f"input {args.size}: {src.relative_to(HERE.parent)} ({raw:,} B stored); load {os.getloadavg()}")
    full, resumed, before_kill, skipped = [], [], [], []
    for round_ in range(args.runs):
        for what in ("uninterrupted", "killed"):
            shutil.rmtree(dst, ignore_errors=True)
            shutil.rmtree(partial, ignore_errors=True)
            subprocess.run(["sync"], check=True)
            cmd = [*NM, "convert", str(src), str(dst), *ARGS]
            if what == "uninterrupted":
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                full.append(time.perf_counter() - t)
                continue
            t = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            total = None
            while child.poll() is None:
                state = partial / ".ngff-migrate-reencode" / "state.json"
                if total is None and state.is_file():
                    total = _units(src)
                if total and _lines(journal) >= total // 2:
                    os.kill(child.pid, signal.SIGKILL)
                    break
                time.sleep(0.01)
            child.wait()
            before_kill.append(time.perf_counter() - t)
            report = dst.parent / "resume-report.json"
            t = time.perf_counter()
            subprocess.run([*cmd, "--report", str(report)], check=True, capture_output=True)
            resumed.append(time.perf_counter() - t)
            r = json.loads(report.read_text())["reencode"]
            skipped.append(r["units_resumed"] / max(1, r["write_units"]))
        print(f"  round {round_ + 1}: uninterrupted {full[-1]:.2f} s; killed after {before_kill[-1]:.2f} s, "
              f"resumed in {resumed[-1]:.2f} s ({skipped[-1]:.0%} of the units skipped)")
    f, r = statistics.median(full), statistics.median(resumed)
    print(f"median: uninterrupted {f:.2f} s, resume after a kill at 50 % {r:.2f} s: {r / f:.2f}x "
          f"(units skipped: median {statistics.median(skipped):.0%}); load {os.getloadavg()}")


def _units(src: Path) -> int:
    """Write units of the run (from ``inspect --json`` with the same options)."""
    out = subprocess.run([*NM, "inspect", str(src), "--json", *ARGS[:-2]], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)["reencode"]["write_units"]


if __name__ == "__main__":
    main()
