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

* **zarr-python's CLI** (second peer, if the installed zarr has it):
  ``zarr migrate v3 SRC`` (``zarr._cli.cli:app``, the ``zarr`` console
  script of zarr >= 3.1): writes a ``zarr.json`` for every group and array
  (attributes copied as they are, so the OME metadata stays 0.4) and leaves
  the v2 files; no journal, no verification. Reset: its ``zarr.json`` files
  are removed.

Targets (issue #8, target 1), checked on every image with PASS/MISS lines:
ngff-migrate ``--verify none`` <= 0.25x and ``--verify sample`` <= 0.6x the
ngff-zarr median of the same run.

All are whole processes (interpreter start + imports + work), timed with
``time.perf_counter()`` around ``subprocess.run``, interleaved round by round,
median of >= 5 runs (ratios: median / peer median, and the median of the
per-round ratios). Every run starts from the pristine tree, reset untimed:
ngff-migrate with ``ngff-migrate rollback``; ngff-zarr and zarr by deleting
the files they created and restoring the legacy metadata files ngff-zarr
deleted, byte for byte.
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

Usage: ``python benchmarks/bench_vs_ngff_zarr.py [--quick] [--runs N] [--fresh] [--no-imports]``
(``--quick``: 3 runs by default)

Common method (untimed sync before each run, warm bytecode cache, warm-up run):
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SIZES = [("256 MiB", 128), ("2 GiB", 1024)]
QUICK_SIZES = [("16 MiB", 8), ("256 MiB", 128)]
IMPORTS = ["zarr", "dask.array", "ome_zarr", "ngff_zarr", "ome_zarr_models", "ngff_migrate",
           "ngff_migrate.cli"]
NGFF_ZARR_CODE = "from ngff_zarr import upgrade_ome_zarr; upgrade_ome_zarr({path!r}, version='0.5')"
TARGET_NONE, TARGET_SAMPLE = 0.25, 0.6  # issue #8, target 1: ratio to ngff-zarr


def zarr_cli() -> list[str] | None:
    """The command that runs zarr-python's CLI (``zarr migrate v3 ...``), or None."""
    exe = c.BIN / "zarr"
    cmd = [str(exe)] if exe.exists() else [c.PY, "-c", "import sys; from zarr._cli.cli import app; sys.exit(app())"]
    probe = subprocess.run([*cmd, "migrate", "--help"], capture_output=True, text=True)
    return cmd if probe.returncode == 0 and "v3" in probe.stdout else None


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


def check_zarr_result(work: Path) -> None:
    root = json.loads((work / "zarr.json").read_text())
    if root.get("zarr_format") != 3 or not (work / "s0" / "zarr.json").exists():
        raise RuntimeError("zarr migrate v3 did not write the v3 metadata")


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
    ap.add_argument("--quick", action="store_true", help="16 MiB and 256 MiB images, 3 runs")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per tool and size (default 5, 3 with --quick)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached inputs")
    ap.add_argument("--no-imports", action="store_true", help="skip the import-time table")
    ap.add_argument("--sizes", default=None, help="comma-separated level-0 z planes (e.g. 128 or 128,1024)")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    if runs < 3:
        ap.error("--runs must be >= 3")
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
    if args.sizes:
        sizes = [(c.human(int(z) * 2 * c.MIB).replace(".00", "").replace(".0", ""), int(z))
                 for z in args.sizes.split(",")]
    zcli = zarr_cli()
    NZ, NONE, SAMPLE, ZM = ("ngff-zarr upgrade_ome_zarr (0.4 -> 0.5, in place)",
                            "ngff-migrate --in-place --verify none",
                            "ngff-migrate --in-place --verify sample",
                            "zarr migrate v3 (zarr-python CLI)")
    variants = [NZ, NONE, SAMPLE] + ([ZM] if zcli else [])
    if not zcli:
        print("zarr-python has no `zarr migrate` CLI here: second peer skipped", flush=True)
    else:
        c.timed([*zcli, "--help"], check=False)  # warm its bytecode cache
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
            NZ: [c.PY, "-c", NGFF_ZARR_CODE.format(path=str(work))],
            NONE: [c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", "none"],
            SAMPLE: [c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", "sample"],
        }
        if zcli:
            cmds[ZM] = [*zcli, "migrate", "v3", str(work)]
        prepared.append({"label": label, "z": z, "work": work, "stats": stats, "cmds": cmds,
                         "pristine": c.fingerprint(work), "meta": metadata_snapshot(work),
                         "times": {v: [] for v in variants}, "load": [], "commits": set()})
    for i in range(runs):
        # interleaved: each round runs every tool on every size, so drift hits all alike
        for p in prepared:
            p["load"].append(c.loadavg())
            p["commits"].add(c.git_commit())
            for v, cmd in p["cmds"].items():
                t, _ = c.timed(cmd)
                p["times"][v].append(t)
                if v == NZ:
                    check_ngff_zarr_result(p["work"])
                    reset_ngff_zarr(p["work"], p["meta"], p["pristine"])
                elif v == ZM:
                    check_zarr_result(p["work"])
                    reset_ngff_zarr(p["work"], p["meta"], p["pristine"])
                else:
                    reset_ngff_migrate(p["work"], p["pristine"])
        print(f"  round {i + 1}/{runs} (load {c.loadavg()}): " + "; ".join(
            p["label"] + " " + ", ".join(f"{p['times'][v][-1]:.3f}" for v in variants) for p in prepared)
            + " s (" + ", ".join(["ngff-zarr", "ngff-migrate none", "ngff-migrate sample"]
                                  + (["zarr migrate"] if zcli else [])) + ")", flush=True)

    results, verdicts = [], []
    for p in prepared:
        times = p["times"]
        print(f"\n== {p['label']} level 0 ({p['stats']['chunk_files']:,} chunk files; load during the rounds: "
              f"{', '.join(p['load'])}; commit {', '.join(sorted(p['commits']))})", flush=True)
        peer = c.median(times[NZ])
        zpeer = c.median(times[ZM]) if zcli else None
        row = {"size": p["label"], "z": p["z"], **p["stats"], "runs": runs, "loadavg": p["load"],
               "commits": sorted(p["commits"]), "tools": {}}
        for v in variants:
            med = c.median(times[v])
            per_round = c.median([t / q for t, q in zip(times[v], times[NZ], strict=True)])
            row["tools"][v] = {"median_s": med, "times_s": times[v], "ratio_to_ngff_zarr": med / peer,
                               "median_round_ratio_to_ngff_zarr": per_round,
                               "ratio_to_zarr_migrate": med / zpeer if zpeer else None}
            extra = f", ratio to zarr migrate {med / zpeer:.2f}" if zpeer else ""
            print(f"  {v}: median {med:.3f} s (min {min(times[v]):.3f}, max {max(times[v]):.3f}), "
                  f"ratio to ngff-zarr {med / peer:.2f} (median of per-round ratios {per_round:.2f}){extra}")
        row["verdicts"] = [
            c.verdict(f"target 1, {p['label']} image: ngff-migrate --verify none / ngff-zarr",
                      row["tools"][NONE]["ratio_to_ngff_zarr"], TARGET_NONE, unit="x"),
            c.verdict(f"target 1, {p['label']} image: ngff-migrate --verify sample / ngff-zarr",
                      row["tools"][SAMPLE]["ratio_to_ngff_zarr"], TARGET_SAMPLE, unit="x"),
        ]
        verdicts += row["verdicts"]
        results.append(row)

    print("\n== summary (ratio = median / ngff-zarr median on the same image)")
    rows = []
    for r in results:
        for v in variants:
            t = r["tools"][v]
            rows.append([r["size"], f"{r['chunk_files']:,}", v, c.fmt_s(t["median_s"]),
                         f"{t['ratio_to_ngff_zarr']:.2f}",
                         "" if t["ratio_to_zarr_migrate"] is None else f"{t['ratio_to_zarr_migrate']:.2f}"])
    print(c.markdown_table(["image (level 0)", "chunk files", "command", "median s", "ratio to ngff-zarr",
                            "ratio to zarr migrate"], rows))
    for v in verdicts:
        print(v["line"])

    imports = []
    if not args.no_imports:
        print("\n== import times (median of 5 fresh interpreters)")
        imports = import_times()
        print(c.markdown_table(["module", "import statement s", "python -c 'import X' s"],
                               [[f"`{r['module']}`", c.fmt_s(r["in_process_s"]), c.fmt_s(r["process_s"])]
                                for r in imports]))
    name = "bench_vs_ngff_zarr" + ("_quick" if args.quick else "")
    out = c.save_results(name, {"machine": info, "results": results, "imports": imports,
                                "verdicts": verdicts})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
