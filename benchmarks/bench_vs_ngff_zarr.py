"""In-place migration: ngff-migrate versus ngff-zarr's in-place upgrade.

What is compared, on the same NGFF 0.4 (Zarr v2) image (metadata by
ome-zarr-py, chunks by zarr-python, see ``benchmarks/_common.py``):

* **ngff-zarr** (PyPI ``ngff-zarr``, installed with the ``bench`` extra):
  ``python -c "from ngff_zarr import upgrade_ome_zarr;
  upgrade_ome_zarr(SRC, version='0.5')"``. With no ``output`` this is
  ngff-zarr's true in-place, metadata-only upgrade (``upgrade_ome_zarr.py``):
  for 0.4 -> 0.5 it writes a Zarr v3 ``zarr.json`` for every array (``v2``
  chunk-key encoding, so chunk files stay where they are) and for the root
  group (``ome.version = "0.5"``), deletes every ``.zgroup``/``.zattrs``/
  ``.zarray``/``.zmetadata`` it finds walking the whole tree, and inlines
  consolidated metadata into the root ``zarr.json`` (a second tree walk). No
  journal, no backups, no pixel verification.
* **ngff-migrate**: ``ngff-migrate convert --in-place SRC --verify none`` (the
  like-for-like comparison: no pixel verification) and the default
  ``--verify sample``. Target RFC-8 (``version "0.x"``); writes ``zarr.json``
  next to the legacy files, which stay, journaled in ``SRC/.ngff-migrate/``.

Both are whole processes (interpreter start + imports + work), timed with
``time.perf_counter()`` around ``subprocess.run``, interleaved round by round,
median of >= 5 runs. Every run starts from the pristine tree, reset untimed:
ngff-migrate with ``ngff-migrate rollback``; ngff-zarr by deleting the files
it created and restoring the legacy metadata files it deleted, byte for byte.
After every reset the tree is checked against the pristine fingerprint
(metadata bytes + every chunk file's size).

Sizes: the 256 MiB (2,688 chunk files) and 2 GiB (21,504 chunk files) images
of ``bench_inplace_scaling.py`` (cached inputs are shared); ``--quick``: the
16 MiB and 256 MiB ones.

Then import times of zarr, dask.array, ome_zarr, ngff_zarr, ome_zarr_models,
ngff_migrate and ngff_migrate.cli: median of 5 fresh interpreters each, both
the in-process time of the ``import`` statement and the whole
``python -c "import X"`` wall time (minus nothing; ``python -c pass`` is
printed as the baseline).

Usage: ``python benchmarks/bench_vs_ngff_zarr.py [--quick] [--runs N] [--fresh]``

Common method (untimed sync before each run, warm bytecode cache, warm-up run):
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SIZES = [("256 MiB", 128), ("2 GiB", 1024)]
QUICK_SIZES = [("16 MiB", 8), ("256 MiB", 128)]
IMPORTS = ["zarr", "dask.array", "ome_zarr", "ngff_zarr", "ome_zarr_models", "ngff_migrate",
           "ngff_migrate.cli"]
NGFF_ZARR_CODE = "from ngff_zarr import upgrade_ome_zarr; upgrade_ome_zarr({path!r}, version='0.5')"


def metadata_snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            if name in c.METADATA_NAMES:
                full = os.path.join(dirpath, name)
                out[os.path.relpath(full, root)] = Path(full).read_bytes()
    return out


def reset_ngff_zarr(work: Path, meta: dict[str, bytes], pristine_fp: dict) -> None:
    """Undo ngff-zarr's in-place upgrade: drop new metadata, restore deleted legacy files."""
    for dirpath, _dirnames, filenames in os.walk(work):
        for name in filenames:
            full = os.path.join(dirpath, name)
            if name in c.METADATA_NAMES and os.path.relpath(full, work) not in meta:
                os.unlink(full)
    for rel, data in meta.items():
        (work / rel).write_bytes(data)
    if c.fingerprint(work) != pristine_fp:
        raise RuntimeError(f"{work}: not pristine after undoing the ngff-zarr upgrade")


def reset_ngff_migrate(work: Path, pristine_fp: dict) -> None:
    c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
    if c.fingerprint(work) != pristine_fp:
        raise RuntimeError(f"{work}: not pristine after ngff-migrate rollback")


def check_ngff_zarr_result(work: Path) -> None:
    root = json.loads((work / "zarr.json").read_text())
    version = root["attributes"]["ome"]["version"]
    if version != "0.5" or (work / ".zattrs").exists():
        raise RuntimeError(f"ngff-zarr upgrade did not produce a 0.5 store (version {version!r})")


def import_times(runs: int = 5) -> list[dict]:
    rows = []
    base = [c.timed([c.PY, "-c", "pass"])[0] for _ in range(runs)]
    rows.append({"module": "(python -c pass)", "in_process_s": 0.0, "process_s": c.median(base)})
    for mod in IMPORTS:
        code = f"import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"
        inner, outer = [], []
        for _ in range(runs):
            t, proc = c.timed([c.PY, "-c", code])
            outer.append(t)
            inner.append(float(proc.stdout.strip()))
        rows.append({"module": mod, "in_process_s": c.median(inner), "process_s": c.median(outer)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="16 MiB and 256 MiB images only")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and size (default 5)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be >= 5")
    try:
        import ngff_zarr  # noqa: F401
    except ImportError:
        sys.exit("ngff-zarr is not installed: pip install -e '.[bench]'")

    info = c.machine_info()
    c.print_machine(info)
    if args.fresh:
        shutil.rmtree(c.WORK / "inputs", ignore_errors=True)
    c.warm_up()
    sizes = QUICK_SIZES if args.quick else SIZES
    variants = ["ngff-zarr upgrade_ome_zarr (0.4 -> 0.5, in place)",
                "ngff-migrate --in-place --verify none",
                "ngff-migrate --in-place --verify sample"]
    prepared = []
    for label, z in sizes:
        src = c.cached_image(f"inplace_z{z}", z)
        work = c.WORK / "vs_ngff_zarr" / f"z{z}"
        c.fresh_copy(src, work)
        stats = c.tree_stats(work)
        print(f"{label} level 0 ({z} x 1024 x 1024 uint16, chunks 1x256x256): {stats['chunk_bytes']:,} B of "
              f"chunks ({c.human(stats['chunk_bytes'])}) in {stats['chunk_files']:,} chunk files, "
              f"{stats['metadata_files']} metadata files", flush=True)
        cmds = {
            variants[0]: [c.PY, "-c", NGFF_ZARR_CODE.format(path=str(work))],
            variants[1]: [c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", "none"],
            variants[2]: [c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", "sample"],
        }
        prepared.append({"label": label, "z": z, "work": work, "stats": stats, "cmds": cmds,
                         "pristine": c.fingerprint(work), "meta": metadata_snapshot(work),
                         "times": {v: [] for v in variants}})
    for i in range(args.runs):
        # interleaved: each round runs every tool on every size, so drift hits all alike
        for p in prepared:
            for v, cmd in p["cmds"].items():
                t, _ = c.timed(cmd)
                p["times"][v].append(t)
                if v == variants[0]:
                    check_ngff_zarr_result(p["work"])
                    reset_ngff_zarr(p["work"], p["meta"], p["pristine"])
                else:
                    reset_ngff_migrate(p["work"], p["pristine"])
        print(f"  round {i + 1}/{args.runs}: " + "; ".join(
            p["label"] + " " + ", ".join(f"{p['times'][v][-1]:.3f}" for v in variants) for p in prepared)
            + " s (ngff-zarr, ngff-migrate none, ngff-migrate sample)", flush=True)

    results = []
    for p in prepared:
        times = p["times"]
        print(f"\n== {p['label']} level 0", flush=True)
        peer = c.median(times[variants[0]])
        row = {"size": p["label"], "z": p["z"], **p["stats"], "runs": args.runs, "tools": {}}
        for v in variants:
            med = c.median(times[v])
            row["tools"][v] = {"median_s": med, "times_s": times[v], "ratio_to_ngff_zarr": med / peer}
            print(f"  {v}: median {med:.3f} s (min {min(times[v]):.3f}, max {max(times[v]):.3f}), "
                  f"ratio to ngff-zarr {med / peer:.2f}")
        results.append(row)

    print("\n== summary (ratio = median / ngff-zarr median on the same image)")
    rows = []
    for r in results:
        for v in variants:
            t = r["tools"][v]
            rows.append([r["size"], f"{r['chunk_files']:,}", v, c.fmt_s(t["median_s"]),
                         f"{t['ratio_to_ngff_zarr']:.2f}"])
    print(c.markdown_table(["image (level 0)", "chunk files", "command", "median s", "ratio to ngff-zarr"],
                           rows))

    print("\n== import times (median of 5 fresh interpreters)")
    imports = import_times()
    print(c.markdown_table(["module", "import statement s", "python -c 'import X' s"],
                           [[f"`{r['module']}`", c.fmt_s(r["in_process_s"]), c.fmt_s(r["process_s"])]
                            for r in imports]))
    out = c.save_results("bench_vs_ngff_zarr", {"machine": info, "results": results, "imports": imports})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
