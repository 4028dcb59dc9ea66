"""Archive scale: ``plan`` and ``batch --in-place`` over 1,000 to 100,000 tiny datasets
(issue #8, target 4: memory and journal cost stay linear).

Input: ``N`` tiny NGFF 0.4 images under ``benchmarks/_work/archive_scale/
archive-<N>/group-<i // 1000>/ds-<i % 1000>.ome.zarr`` (1,000 datasets per
directory). How they are generated, fast:

1. one **template** is written by ome-zarr-py, once:
   ``ome_zarr.writer.write_image(np.arange(256, dtype=uint8).reshape(16, 16),
   zarr.open_group(T, mode="w", zarr_format=2), axes="yx", fmt=FormatV04(),
   scale_factors=(), storage_options={"chunks": (16, 16)})`` -- one level,
   one chunk: ``.zgroup``, ``.zattrs`` (``multiscales``), ``s0/.zarray``,
   ``s0/.zattrs``, ``s0/0/0`` (5 files, ~1.2 KiB);
2. its files are read into memory once and **replicated** with plain
   ``os.makedirs`` + ``open(...).write`` for every dataset (no zarr, no
   ome-zarr-py, no JSON encoding per dataset: the bytes are the template's).
   The datasets are therefore identical but for their paths (what a batch
   sees of them: layout, version, arrays are the same for all).

Timed, whole processes (``_common.timed_rss``: untimed ``os.sync()`` first,
warm bytecode cache; peak RSS from ``wait4``), for each ``N`` of the series
(default 1,000, 10,000, 100,000; ``--quick`` 500, 2,000, 5,000):

* ``ngff-migrate plan ROOT --json M -q`` (read-only; ``--runs`` times);
* ``ngff-migrate batch ROOT --in-place --jobs 2 --verify none -q --report R``
  (``--verify`` changes the mode; ``--batch-runs`` times, default 5 for the
  smaller ``N`` and ``--big-runs`` (default 3) for the largest: one run there
  takes many minutes). Every batch run starts from a freshly generated tree
  (untimed reset: the tree is deleted and regenerated from the template).

The CLI runs through a 10-line wrapper (``python -c``, same process, see
:data:`WRAPPER`) that, at exit, writes the coordinator's own ``getrusage``
(CPU seconds, peak RSS) and ``/proc/self/io`` (``wchar``: bytes the
coordinator wrote, i.e. the batch journal rewrites, the report and the
manifest; workers write the datasets' documents) to a JSON file. The batch
report gives the largest worker's peak RSS; the journal's final size is
measured after the run.

Per ``N``: median seconds, datasets/s, peak RSS of the coordinator (plan:
the process), coordinator bytes written per dataset, final journal bytes per
dataset. The **peer is the smallest N** of the same run: "linear" means the
per-dataset cost at the largest ``N`` stays within the limits below. Scaling
exponents ``k`` (cost ~ N^k, from the two largest N) are printed, and the
figures are extrapolated to 10 million datasets (time and write bytes with
that exponent, RSS linearly from the two largest N).

PASS/MISS (target 4), for plan and for batch:

* time: ``k_time <= 1.15`` (datasets/s does not fall as N grows);
* memory: the RSS growth per dataset between the two largest N is at most
  16 KiB (linear, a small record per dataset) and ``k_rss <= 1.15``;
* journal (batch): ``k_wchar <= 1.15`` for the coordinator's bytes written
  (a journal rewritten in full every 0.5 s grows ~N^2).

``--n N`` (default 100,000) runs the pair ``N/10, N`` (one run each unless ``--runs``);
``--sizes`` gives any series instead. After a clean batch the journal is the compacted
``journal.json`` (the append-only ``journal.log`` is removed); its largest size during the run
is the coordinator's bytes written (``wchar``), which also counts the report.

Usage: ``python benchmarks/bench_archive_scale.py [--n 100000 | --quick | --sizes 1000,10000,100000]
[--runs N] [--batch-runs N] [--big-runs N] [--verify MODE] [--no-batch] [--no-plan]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SCALE = c.WORK / "archive_scale"
PER_DIR = 1000
SIZES = [1_000, 10_000, 100_000]
QUICK_SIZES = [500, 2_000, 5_000]
EXTRAPOLATE_TO = 10_000_000
K_MAX, RSS_PER_DATASET_MAX = 1.15, 16 << 10

WRAPPER = """
import atexit, json, os, resource, sys
def _dump():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    io = dict(line.split(': ') for line in open('/proc/self/io').read().splitlines())
    with open(os.environ['NGFF_BENCH_STATS'], 'w') as f:
        json.dump({'cpu_s': ru.ru_utime + ru.ru_stime, 'maxrss_bytes': ru.ru_maxrss * 1024,
                   'wchar': int(io['wchar']), 'rchar': int(io['rchar'])}, f)
atexit.register(_dump)
sys.argv = ['ngff-migrate'] + sys.argv[1:]
from ngff_migrate.cli import main
main()
"""


# --------------------------------------------------------------------------- inputs

def template() -> dict[str, bytes]:
    """Relative path -> bytes of the tiny 0.4 image written by ome-zarr-py (cached)."""
    import numpy as np
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image

    path = c.WORK / "inputs" / "tiny_template.ome.zarr"
    if not (c.WORK / "inputs" / "tiny_template.complete").exists():
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        group = zarr.open_group(str(path), mode="w", zarr_format=2)
        write_image(np.arange(256, dtype="uint8").reshape(16, 16), group, axes="yx", fmt=FormatV04(),
                    scale_factors=(), storage_options={"chunks": (16, 16)}, name="tiny")
        (c.WORK / "inputs" / "tiny_template.complete").write_text("ok\n")
    out = {}
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, path)] = Path(full).read_bytes()
    return out


def dataset_rel(i: int) -> str:
    return f"group-{i // PER_DIR:04d}/ds-{i % PER_DIR:03d}.ome.zarr"


def generate(root: Path, n: int, files: dict[str, bytes]) -> float:
    """Write ``n`` copies of the template under ``root`` (replacing it); returns seconds."""
    t = time.perf_counter()
    if root.exists():
        shutil.rmtree(root)
    dirs = sorted({os.path.dirname(rel) for rel in files if os.path.dirname(rel)})
    items = list(files.items())
    for i in range(n):
        ds = os.path.join(root, dataset_rel(i))
        os.makedirs(ds)
        for d in dirs:
            os.makedirs(os.path.join(ds, d), exist_ok=True)
        for rel, data in items:
            with open(os.path.join(ds, rel), "wb") as f:
                f.write(data)
    (root / "README.txt").write_text(f"{n} tiny NGFF 0.4 images (bench_archive_scale.py)\n")
    return time.perf_counter() - t


# --------------------------------------------------------------------------- runs

def run_cli(args: list[str], stats_file: Path) -> dict:
    env = c.child_env()
    env["NGFF_BENCH_STATS"] = str(stats_file)
    stats_file.unlink(missing_ok=True)
    secs, _proc, tree_rss = c.timed_rss([c.PY, "-c", WRAPPER, *args], env=env)
    own = json.loads(stats_file.read_text())
    return {"seconds": secs, "tree_maxrss_bytes": tree_rss, **own}


def plan_run(root: Path, n: int) -> dict:
    manifest = SCALE / f"plan-{n}.json"
    r = run_cli(["plan", str(root), "--json", str(manifest), "-q"], SCALE / "stats.json")
    data = json.loads(manifest.read_text())
    datasets = data.get("datasets", data) if isinstance(data, dict) else data
    if len(datasets) != n:
        raise RuntimeError(f"plan listed {len(datasets)} datasets, not {n}")
    r["manifest_bytes"] = manifest.stat().st_size
    manifest.unlink()
    return r


def batch_run(root: Path, n: int, verify: str, jobs: int) -> dict:
    report = SCALE / f"batch-{n}.report.json"
    r = run_cli(["batch", str(root), "--in-place", "--jobs", str(jobs), "--verify", verify, "-q",
                 "--report", str(report)], SCALE / "stats.json")
    rep = json.loads(report.read_text())
    if not rep["ok"] or rep["counts"]["outcome"] != {"migrated": n}:
        raise RuntimeError(f"batch of {n}: {rep['counts']}")
    journal = root / ".ngff-migrate-batch" / "journal.json"
    r.update(journal_bytes=journal.stat().st_size, report_bytes=report.stat().st_size,
             coordinator_peak_rss_bytes=rep.get("coordinator_peak_rss_bytes"),
             workers_peak_rss_bytes=rep.get("workers_peak_rss_bytes"))
    report.unlink()
    return r


def summarize(runs: list[dict]) -> dict:
    """Median of every numeric field over the runs."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    out = {k: c.median([r[k] for r in runs if r.get(k) is not None]) for k in keys
           if any(r.get(k) is not None for r in runs)}
    out["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return out


def exponent(n1: int, v1: float, n2: int, v2: float) -> float:
    return math.log(v2 / v1) / math.log(n2 / n1) if v1 > 0 and v2 > 0 else float("nan")


def mib(x: float | None) -> str:
    return "" if x is None else f"{x / c.MIB:.1f}"


def report_kind(kind: str, sizes: list[int], med: dict[int, dict], loads: dict, commits: dict) -> list[dict]:
    n0, n1, n2 = sizes[0], sizes[-2], sizes[-1]
    rss_key = "maxrss_bytes"
    rows = []
    for n in sizes:
        m = med[n]
        rows.append([f"{n:,}", c.fmt_s(m["seconds"]), f"{n / m['seconds']:.1f}",
                     f"{(m['seconds'] / n) / (med[n0]['seconds'] / n0):.2f}",
                     mib(m[rss_key]), mib(m.get("workers_peak_rss_bytes")),
                     f"{m['cpu_s']:.1f}", f"{m['wchar'] / n:,.0f}",
                     "" if "journal_bytes" not in m else f"{m['journal_bytes'] / n:,.0f}",
                     ", ".join(loads[n]), ", ".join(sorted(commits[n]))])
    print(c.markdown_table(["datasets", "median s", "datasets/s", "s per dataset / smallest N's",
                            "peak RSS MiB (coordinator)", "largest worker MiB", "coordinator CPU s",
                            "coordinator bytes written / dataset", "journal bytes / dataset", "load", "commit"], rows))
    k_time = exponent(n1, med[n1]["seconds"], n2, med[n2]["seconds"])
    k_rss = exponent(n1, med[n1][rss_key], n2, med[n2][rss_key])
    rss_slope = (med[n2][rss_key] - med[n1][rss_key]) / (n2 - n1)
    k_w = exponent(n1, med[n1]["wchar"], n2, med[n2]["wchar"])
    k_cpu = exponent(n1, med[n1]["cpu_s"], n2, med[n2]["cpu_s"])
    big = EXTRAPOLATE_TO
    t_pow = med[n2]["seconds"] * (big / n2) ** k_time
    t_lin = med[n2]["seconds"] * big / n2
    rss_10m = med[n2][rss_key] + rss_slope * (big - n2)
    w_10m = med[n2]["wchar"] * (big / n2) ** k_w
    print(f"scaling exponents ({n1:,} -> {n2:,} datasets; 1 = linear): time {k_time:.2f}, coordinator CPU "
          f"{k_cpu:.2f}, peak RSS {k_rss:.2f} ({rss_slope:,.0f} B more per dataset), coordinator bytes "
          f"written {k_w:.2f}")
    print(f"extrapolated to {big:,} datasets: {t_pow / 3600:.1f} h with exponent {k_time:.2f} "
          f"({t_lin / 3600:.1f} h if linear, {big / t_lin:.1f} datasets/s); coordinator peak RSS "
          f"{rss_10m / (1 << 30):.2f} GiB; coordinator bytes written {w_10m / 1e9:,.1f} GB"
          + (f"; final journal {med[n2]['journal_bytes'] / n2 * big / 1e9:.2f} GB" if "journal_bytes" in med[n2]
             else f"; manifest {med[n2].get('manifest_bytes', 0) / n2 * big / 1e9:.2f} GB"))
    verdicts = [
        c.verdict(f"target 4, {kind}: time scaling exponent {n1:,} -> {n2:,} datasets", k_time, K_MAX),
        c.verdict(f"target 4, {kind}: peak RSS growth per dataset {n1:,} -> {n2:,}", rss_slope,
                  RSS_PER_DATASET_MAX, unit=" B"),
        c.verdict(f"target 4, {kind}: peak RSS scaling exponent", k_rss, K_MAX),
    ]
    if kind == "batch":
        verdicts.append(c.verdict(f"target 4, batch: journal (coordinator bytes written) scaling exponent "
                                  f"{n1:,} -> {n2:,}", k_w, K_MAX))
    return [{"kind": kind, "k_time": k_time, "k_cpu": k_cpu, "k_rss": k_rss, "rss_bytes_per_dataset": rss_slope,
             "k_wchar": k_w, "extrapolated": {"datasets": big, "seconds_power": t_pow, "seconds_linear": t_lin,
                                               "coordinator_rss_bytes": rss_10m, "coordinator_wchar_bytes": w_10m},
             "verdicts": verdicts}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500, 2,000, 5,000 datasets; 3 runs")
    ap.add_argument("--n", type=int, default=100_000,
                    help="datasets of the largest archive (default 100,000); the series is N/10, N")
    ap.add_argument("--sizes", default=None, help="comma-separated dataset counts (at least 2; overrides --n)")
    ap.add_argument("--runs", type=int, default=None, help="plan runs per size (default 5, 3 with --quick)")
    ap.add_argument("--batch-runs", type=int, default=None, help="batch runs per size but the largest (default = --runs)")
    ap.add_argument("--big-runs", type=int, default=3, help="batch runs at the largest size (default 3)")
    ap.add_argument("--verify", default="none", choices=("none", "sample", "full"), help="batch --verify (default none)")
    ap.add_argument("--jobs", type=int, default=2, help="batch --jobs (default 2)")
    ap.add_argument("--no-plan", action="store_true")
    ap.add_argument("--no-batch", action="store_true")
    args = ap.parse_args()
    if args.sizes:
        sizes = sorted(int(x) for x in args.sizes.split(","))
    else:
        sizes = QUICK_SIZES if args.quick else sorted({max(1, args.n // 10), args.n})
    if len(sizes) < 2:
        ap.error("--sizes needs at least two counts")
    runs = args.runs or (3 if args.quick else (5 if args.sizes else 1))
    batch_runs = args.batch_runs or runs
    big_runs = min(args.big_runs, batch_runs)
    info = c.machine_info()
    c.print_machine(info)
    files = template()
    print(f"template (ome-zarr-py, one 16x16 uint8 level, one chunk): {len(files)} files, "
          f"{sum(map(len, files.values())):,} B: {', '.join(sorted(files))}", flush=True)
    c.warm_up()
    SCALE.mkdir(parents=True, exist_ok=True)
    roots = {n: SCALE / f"archive-{n}" for n in sizes}
    gen_s = {}
    for n in sizes:
        gen_s[n] = generate(roots[n], n, files)
        print(f"generated {n:,} datasets ({n * len(files):,} files) in {gen_s[n]:.1f} s "
              f"({n / gen_s[n]:,.0f} datasets/s)", flush=True)
    results: dict = {"machine": info, "sizes": sizes, "template_files": sorted(files), "generate_seconds": gen_s,
                     "verify": args.verify, "jobs": args.jobs, "kinds": {}}
    verdicts = []

    if not args.no_plan:
        print(f"\n== plan ROOT --json M -q ({runs} runs per size, interleaved)", flush=True)
        plan_run(roots[sizes[0]], sizes[0])  # warm-up (untimed)
        per: dict[int, list[dict]] = {n: [] for n in sizes}
        loads = {n: [] for n in sizes}
        commits = {n: set() for n in sizes}
        for i in range(runs):
            for n in sizes:
                loads[n].append(c.loadavg())
                commits[n].add(c.git_commit())
                per[n].append(plan_run(roots[n], n))
            print(f"  round {i + 1}/{runs} (load {c.loadavg()}): "
                  + ", ".join(f"{n:,}: {per[n][-1]['seconds']:.2f} s" for n in sizes), flush=True)
        med = {n: summarize(per[n]) for n in sizes}
        v = report_kind("plan", sizes, med, loads, commits)
        results["kinds"]["plan"] = {"median": med, "loadavg": loads, "commits": {n: sorted(s) for n, s in commits.items()},
                                    **v[0]}
        verdicts += v[0]["verdicts"]

    if not args.no_batch:
        print(f"\n== batch ROOT --in-place --jobs {args.jobs} --verify {args.verify} -q "
              f"({batch_runs} runs per size, {big_runs} at {sizes[-1]:,}; tree regenerated before each, untimed)",
              flush=True)
        per = {n: [] for n in sizes}
        loads = {n: [] for n in sizes}
        commits = {n: set() for n in sizes}
        pristine = dict.fromkeys(sizes, True)  # generated above, only read by plan so far
        warm = SCALE / "archive-warm"
        generate(warm, 20, files)
        batch_run(warm, 20, args.verify, args.jobs)  # warm-up (untimed)
        shutil.rmtree(warm)
        for i in range(batch_runs):
            for n in sizes:
                if n == sizes[-1] and i >= big_runs:
                    continue
                if not pristine[n]:
                    generate(roots[n], n, files)
                pristine[n] = False
                loads[n].append(c.loadavg())
                commits[n].add(c.git_commit())
                per[n].append(batch_run(roots[n], n, args.verify, args.jobs))
                print(f"  round {i + 1}/{batch_runs} {n:,}: {per[n][-1]['seconds']:.2f} s = "
                      f"{n / per[n][-1]['seconds']:.1f} /s, journal {per[n][-1]['journal_bytes']:,} B, coordinator "
                      f"wrote {per[n][-1]['wchar']:,} B, peak RSS {mib(per[n][-1]['maxrss_bytes'])} MiB "
                      f"(load {c.loadavg()})", flush=True)
        med = {n: summarize(per[n]) for n in sizes}
        v = report_kind("batch", sizes, med, loads, commits)
        results["kinds"]["batch"] = {"median": med, "loadavg": loads, "commits": {n: sorted(s) for n, s in commits.items()},
                                     **v[0]}
        verdicts += v[0]["verdicts"]

    print()
    for v in verdicts:
        print(v["line"])
    results["verdicts"] = verdicts
    out = c.save_results("bench_archive_scale" + ("_quick" if args.quick else ""), results)
    print(f"\nresults: {out}")
    for root in roots.values():
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
