"""Batch migration of an archive of small datasets, in place: datasets per second.

The archive (default 504 datasets) mixes NGFF 0.4 and 0.5 images, images
with labels and HCS plates (2 wells x 1 field), every one written by
ome-zarr-py (``tests/test_batch_support.make_archive``), in a few levels of
plain directories. It is written once and cached under
``benchmarks/_work/batch/``; every run works on a fresh copy (untimed).

Variants, all migrating every dataset in place with the default
``--verify sample`` (``--verify MODE`` changes it), measured as whole
processes in the same run:

* ``loop``: a shell loop calling ``ngff-migrate convert --in-place`` once per
  dataset (what an archive manager scripts today), on the first
  ``--loop-sample`` datasets (default 50; 0 = all, ~12 min);
* ``batch --jobs 1`` and ``batch --jobs 2`` (local worker processes);
* ``batch --scheduler``: a dask.distributed ``LocalCluster`` with 2 worker
  processes (1 thread each), started before the timed runs, as an existing
  cluster would be;
* ``jobs2-none``: ``batch --jobs 2 --verify none`` (no pixel comparison).

The loop runs once (it is by far the slowest); the batch variants run
``--runs`` times (default 5, 3 with ``--quick``), interleaved round by round,
median reported, with the load average and commit of each round.

Target (issue #8, target 3), as a PASS/MISS line: ``batch --jobs 2`` >= 100
datasets/s on the 504-dataset archive.

Peak memory: the batch report's ``coordinator_peak_rss_bytes`` (Linux
``VmHWM`` of the batch process itself) and ``workers_peak_rss_bytes`` (the
largest worker), plus psutil sampling of the whole process tree (coordinator
+ local workers) when psutil is installed.

Usage::

    python benchmarks/bench_batch.py            # 504 datasets, ~10 min
    python benchmarks/bench_batch.py --quick    # 60 datasets, ~2 min
    python benchmarks/bench_batch.py --dir /dev/shm --loop-sample 100   # on tmpfs: no fsync cost
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _common import NGFF_MIGRATE, WORK, child_env, git_commit, loadavg, verdict  # noqa: E402

BATCH_WORK = WORK / "batch"
TARGET_RATE = 100.0  # datasets/s, batch --jobs 2 (issue #8, target 3)


def cached_archive(n: int, fresh: bool) -> Path:
    """``_work/batch/archive-<n>``, written by ome-zarr-py once."""
    from test_batch_support import make_archive

    path = BATCH_WORK / f"archive-{n}"
    marker = BATCH_WORK / f"archive-{n}.complete"
    if path.exists() and marker.exists() and not fresh:
        return path
    shutil.rmtree(path, ignore_errors=True)
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    print(f"writing the archive of {n} datasets with ome-zarr-py ...", flush=True)
    make_archive(path, n)
    marker.write_text("ok\n")
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path


def fresh(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    subprocess.run(["cp", "-r", str(src), str(dst)], check=True)
    return dst


class TreeMemory:
    """Peak RSS of a process and of the sum over it and its descendants (psutil sampling)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_self, self.peak_tree, self._stop = pid, 0, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                own = root.memory_info().rss
                tree = own + sum(c.memory_info().rss for c in root.children(recursive=True))
            except psutil.Error:
                break
            self.peak_self, self.peak_tree = max(self.peak_self, own), max(self.peak_tree, tree)
            time.sleep(0.05)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join()


def run_timed(cmd: list[str], *, shell: bool = False) -> tuple[float, subprocess.CompletedProcess, TreeMemory]:
    os.sync()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env(), shell=shell)
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if proc.returncode != 0:
        raise RuntimeError(f"failed ({proc.returncode}): {cmd}\n{out[-2000:]}\n{err[-2000:]}")
    return elapsed, done, mem


def datasets_of(root: Path) -> list[str]:
    from ngff_migrate.batch import find_datasets

    return [f.rel for f in find_datasets(root)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=504, help="datasets in the archive (default 504)")
    ap.add_argument("--quick", action="store_true", help="60 datasets")
    ap.add_argument("--loop-sample", type=int, default=50,
                    help="time the shell loop on only this many datasets (default 50; 0: all)")
    ap.add_argument("--verify", default="sample", choices=("none", "sample", "full"),
                    help="--verify of every variant but jobs2-none (default sample)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached archive")
    ap.add_argument("--runs", type=int, default=None, help="timed runs of each batch variant (median; default 5, 3 with --quick)")
    ap.add_argument("--dir", type=Path, default=None,
                    help="work on copies in this directory (default benchmarks/_work/batch; e.g. /dev/shm)")
    args = ap.parse_args()
    n = 60 if args.quick else args.n
    runs = args.runs or (3 if args.quick else 5)
    vflag = ["--verify", args.verify]
    archive = cached_archive(n, args.fresh)
    rels = datasets_of(archive)
    assert len(rels) == n, (len(rels), n)
    run_dir = (args.dir or BATCH_WORK) / "ngff-migrate-bench-batch-run"
    results: dict[str, dict] = {}
    commit0 = git_commit()
    print(f"{n} datasets; load average before: {loadavg()}; commit {commit0}", flush=True)

    # warm-up (untimed): bytecode cache and page cache for every code path
    warm = fresh(archive, run_dir)
    run_timed([NGFF_MIGRATE, "convert", "--in-place", "-q", str(warm / rels[0])])
    run_timed([NGFF_MIGRATE, "batch", str(warm), "--in-place", "--jobs", "2", "-q"])

    # 1. the shell loop
    sample = rels[: args.loop_sample] if args.loop_sample else rels
    root = fresh(archive, run_dir)
    listing = BATCH_WORK / "loop-list.txt"
    listing.write_text("".join(f"{root / r}\n" for r in sample))
    script = (f'while IFS= read -r d; do "{NGFF_MIGRATE}" convert --in-place --verify {args.verify} -q "$d" '
              f'|| exit 1; done < "{listing}"')
    secs, _, mem = run_timed(["bash", "-c", script])
    results["loop"] = {"datasets": len(sample), "seconds": secs, "datasets_per_second": len(sample) / secs,
                       "peak_rss_tree_bytes": mem.peak_tree or None}
    print(f"loop      : {len(sample)} datasets in {secs:.1f} s = {len(sample) / secs:.2f} /s", flush=True)

    # 2. batch: --jobs 1, --jobs 2, and a dask.distributed LocalCluster of 2 worker processes,
    #    interleaved round by round (median of --runs) so that load from other processes hits all alike
    from distributed import LocalCluster

    samples: dict[str, list[float]] = {"jobs1": [], "jobs2": [], "dask2": [], "jobs2-none": []}
    last: dict[str, dict] = {}
    loads, commits = [], {commit0}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        variants = {"jobs1": ["--jobs", "1", *vflag], "jobs2": ["--jobs", "2", *vflag],
                    "dask2": ["--scheduler", cluster.scheduler_address, *vflag],
                    "jobs2-none": ["--jobs", "2", "--verify", "none"]}
        for round_ in range(runs):
            loads.append(loadavg())
            commits.add(git_commit())
            for key, extra in variants.items():
                root = fresh(archive, run_dir)
                report = BATCH_WORK / f"report-{key}.json"
                secs, _, mem = run_timed([NGFF_MIGRATE, "batch", str(root), "--in-place", *extra, "-q",
                                          "--report", str(report)])
                rep = json.loads(report.read_text())
                assert rep["ok"] and rep["counts"]["outcome"] == {"migrated": n}, rep["counts"]
                samples[key].append(secs)
                last[key] = {"coordinator_peak_rss_bytes": rep["coordinator_peak_rss_bytes"],
                             "workers_peak_rss_bytes": rep["workers_peak_rss_bytes"],
                             "peak_rss_tree_bytes": mem.peak_tree or None,
                             "workers": len({d["worker"] for d in rep["datasets"]})}
                print(f"round {round_ + 1} {key:10}: {n} datasets in {secs:.1f} s = {n / secs:.2f} /s "
                      f"(load {loadavg()})", flush=True)
    for key, secs_list in samples.items():
        secs = statistics.median(secs_list)
        results[key] = {"datasets": n, "seconds": secs, "datasets_per_second": n / secs,
                        "all_seconds": [round(s, 2) for s in secs_list], **last[key]}
    shutil.rmtree(run_dir, ignore_errors=True)

    loop_rate = results["loop"]["datasets_per_second"]
    for r in results.values():
        r["ratio_vs_loop"] = r["datasets_per_second"] / loop_rate
    jobs1_rate = results["jobs1"]["datasets_per_second"]
    for r in results.values():
        r["ratio_vs_jobs1"] = r["datasets_per_second"] / jobs1_rate
    commits.add(git_commit())
    out = {"n": n, "loadavg_after": loadavg(), "cpus": os.cpu_count(), "results": results,
           "work_dir": str(run_dir.parent), "when": time.strftime("%Y-%m-%d %H:%M:%S"),
           "verify": args.verify, "runs": runs, "loadavg_rounds": loads, "commits": sorted(commits)}
    (WORK / "results").mkdir(parents=True, exist_ok=True)
    name = ("bench_batch_quick" if args.quick else "bench_batch") + ("_" + args.dir.name if args.dir else "") + ".json"
    (WORK / "results" / name).write_text(json.dumps(out, indent=2) + "\n")
    def mib(v):
        return "" if not v else f"{v / 2**20:.0f} MiB"

    print(f"\n--verify {args.verify} (jobs2-none: --verify none); load during the rounds: {'; '.join(loads)}; "
          f"commit {', '.join(sorted(commits))}")
    print("| variant | datasets | seconds | datasets/s | vs loop | vs jobs1 | peak RSS batch process | largest worker | process tree |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, r in results.items():
        print(f"| {key} | {r['datasets']} | {r['seconds']:.1f} | {r['datasets_per_second']:.2f} | "
              f"{r['ratio_vs_loop']:.1f}x | {r.get('ratio_vs_jobs1', 1.0):.2f}x | "
              f"{mib(r.get('coordinator_peak_rss_bytes'))} | "
              f"{mib(r.get('workers_peak_rss_bytes'))} | {mib(r.get('peak_rss_tree_bytes'))} |")
    print(f"load average after: {out['loadavg_after']}")
    out["verdicts"] = [verdict(f"target 3, batch --in-place --jobs 2 --verify {args.verify}, {n} datasets",
                               results["jobs2"]["datasets_per_second"], TARGET_RATE, at_most=False, unit="/s"),
                       verdict(f"(for reference) batch --in-place --jobs 2 --verify none, {n} datasets",
                               results["jobs2-none"]["datasets_per_second"], TARGET_RATE, at_most=False, unit="/s")]
    (WORK / "results" / name).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
