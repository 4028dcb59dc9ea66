"""In-place migration of HCS plates: the cost per array (issues #3 and #8, target 2).

Inputs (``make_plate.py``: zarr-python v2 arrays, metadata as ome-zarr-py
writes it; tiny 64 x 64 uint8 fields in 32 x 32 chunks), cached in
``benchmarks/_work/inputs/``:

* **one image**: one field written as a standalone NGFF 0.4 image (3 levels,
  3 arrays) -- the peer;
* **96-well plate**: 8 x 12 wells, 4 fields per well, 3 levels per field
  (1,152 arrays);
* **384-well plate**: 16 x 24 wells, 4 fields, 3 levels (4,608 arrays).

Timed, each a whole process (``_common.timed``: untimed ``os.sync()`` first,
warm bytecode cache), interleaved round by round, median of ``--runs``
(default 5; 3 with ``--quick``):
``ngff-migrate convert --in-place SRC --verify none`` and the default
``--verify sample`` on the image and the 96-well plate, ``--verify none`` on
the 384-well plate (``--all``: also ``sample`` there, ~30 s a run). Every run
starts from the pristine tree: ``ngff-migrate rollback`` (untimed) and a check
against the pristine fingerprint (metadata bytes + chunk sizes).

Targets (issue #8, target 2), as PASS/MISS lines: 96-well plate <= 2x the
image with ``--verify none`` and <= 3x with ``--verify sample``; 384-well
plate with ``--verify none`` <= 1.5 s.

Then, untimed: files written (``write.documents_written`` of one ``--report``
run) and how many documents a reader opens to load the migrated plate's
layout (all wells and fields).

Usage: ``python benchmarks/bench_plate_inplace.py [--quick] [--runs N] [--fresh] [--all]``
(``--quick``: 3 runs, no 384-well plate.)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402
from make_plate import write_field_image, write_plate  # noqa: E402

TARGET_96_NONE, TARGET_96_SAMPLE, TARGET_384_NONE_S = 2.0, 3.0, 1.5


def cached(name: str, writer, **kw) -> tuple[Path, dict]:
    path = c.WORK / "inputs" / name
    marker = c.WORK / "inputs" / f"{name}.complete"
    key = json.dumps({"writer": writer.__name__, **kw}, sort_keys=True)
    if path.exists() and marker.exists() and json.loads(marker.read_text())["key"] == key:
        return path, json.loads(marker.read_text())["counts"]
    shutil.rmtree(path, ignore_errors=True)
    marker.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    print(f"  writing input {path.relative_to(HERE.parent)} ...", flush=True)
    counts = writer(path, **kw)
    marker.write_text(json.dumps({"key": key, "counts": counts}))
    print(f"  ... {time.perf_counter() - t:.1f} s", flush=True)
    return path, counts


def reset(work: Path, pristine: dict) -> None:
    c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
    if c.fingerprint(work) != pristine:
        raise RuntimeError(f"{work}: not pristine after ngff-migrate rollback")


def documents_to_load_layout(root: Path) -> tuple[int, int, int]:
    """Open the root document only and count wells and fields it lists."""
    ome = json.loads((root / "zarr.json").read_text())["attributes"]["ome"]
    wells = ome["nodes"]
    return 1, len(wells), sum(len(w["nodes"]) for w in wells)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 runs, no 384-well plate")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per variant (default 5, 3 with --quick)")
    ap.add_argument("--fresh", action="store_true", help="rewrite the cached plates")
    ap.add_argument("--all", action="store_true", help="also --verify sample on the 384-well plate")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    info = c.machine_info()
    c.print_machine(info)
    if args.fresh:
        for name in ("plate_field_image.zarr", "plate96.zarr", "plate384.zarr"):
            (c.WORK / "inputs" / f"{name}.complete").unlink(missing_ok=True)
    inputs = {"image": cached("plate_field_image.zarr", write_field_image),
              "plate96": cached("plate96.zarr", write_plate, rows=8, columns=12)}
    if not args.quick:
        inputs["plate384"] = cached("plate384.zarr", write_plate, rows=16, columns=24)
    c.warm_up()

    prepared = {}
    for key, (src, counts) in inputs.items():
        work = c.WORK / "plate_inplace" / src.name
        c.fresh_copy(src, work)
        stats = c.tree_stats(work)
        prepared[key] = {"work": work, "counts": counts, "stats": stats, "pristine": c.fingerprint(work)}
        print(f"input {key}: {counts['wells']} wells, {counts['fields']} fields, {counts['arrays']:,} arrays; "
              f"{stats['metadata_files']:,} metadata files, {stats['chunk_files']:,} chunk files "
              f"({stats['chunk_bytes']:,} B)", flush=True)
    variants = [("image", "none"), ("image", "sample"), ("plate96", "none"), ("plate96", "sample")]
    if "plate384" in prepared:
        variants.append(("plate384", "none"))
        if args.all:
            variants.append(("plate384", "sample"))
    times: dict[tuple[str, str], list[float]] = {v: [] for v in variants}
    loads, commits = [], set()
    for i in range(runs):
        loads.append(c.loadavg())
        commits.add(c.git_commit())
        for key, verify in variants:
            p = prepared[key]
            t, _ = c.timed([c.NGFF_MIGRATE, "convert", "--in-place", str(p["work"]), "--verify", verify, "-q"])
            times[(key, verify)].append(t)
            reset(p["work"], p["pristine"])
        print(f"  round {i + 1}/{runs} (load {loads[-1]}): "
              + ", ".join(f"{k} {v} {times[(k, v)][-1]:.3f}" for k, v in variants) + " s", flush=True)

    # untimed: documents written, and the layout read of the migrated 96/384-well plate
    written = {}
    for key, p in prepared.items():
        rep = c.WORK / "plate_inplace" / f"{key}.report.json"
        c.timed([c.NGFF_MIGRATE, "convert", "--in-place", str(p["work"]), "--verify", "none", "-q",
                 "--report", str(rep)])
        written[key] = json.loads(rep.read_text())["write"]["documents_written"]
        if key != "image":
            docs, wells, fields = documents_to_load_layout(p["work"])
            print(f"layout of {key}: {docs} document read lists {wells} wells and {fields} fields")
        reset(p["work"], p["pristine"])
        rep.unlink()

    print(f"\n== summary ({runs} runs each; ratio = median / the image's median with the same --verify; "
          f"load during the rounds: {'; '.join(loads)}; commit {', '.join(sorted(commits))})")
    rows, results = [], {}
    for key, verify in variants:
        med = c.median(times[(key, verify)])
        peer = c.median(times[("image", verify)])
        per_round = c.median([t / q for t, q in zip(times[(key, verify)], times[("image", verify)], strict=True)])
        arrays = prepared[key]["counts"]["arrays"]
        marginal = (med - peer) / (arrays - 3) * 1e3 if arrays > 3 else None
        results[f"{key}/{verify}"] = {"median_s": med, "times_s": times[(key, verify)], "ratio_to_image": med / peer,
                                      "median_round_ratio_to_image": per_round, "arrays": arrays,
                                      "documents_written": written[key], "marginal_ms_per_array": marginal}
        rows.append([key, f"{arrays:,}", f"{written[key]:,}", verify, c.fmt_s(med), c.fmt_s(peer),
                     f"{med / peer:.2f}", f"{per_round:.2f}", "" if marginal is None else f"{marginal:.2f}"])
    print(c.markdown_table(["input", "arrays", "documents written", "--verify", "median s", "image median s",
                            "ratio", "median of per-round ratios", "marginal ms / array"], rows))
    verdicts = [
        c.verdict("target 2, 96-well plate / one image, --verify none", results["plate96/none"]["ratio_to_image"],
                  TARGET_96_NONE, unit="x"),
        c.verdict("target 2, 96-well plate / one image, --verify sample",
                  results["plate96/sample"]["ratio_to_image"], TARGET_96_SAMPLE, unit="x"),
    ]
    if "plate384/none" in results:
        verdicts.append(c.verdict("target 2, 384-well plate, --verify none", results["plate384/none"]["median_s"],
                                  TARGET_384_NONE_S, unit=" s"))
    out = c.save_results("bench_plate_inplace" + ("_quick" if args.quick else ""),
                         {"machine": info, "inputs": {k: {**p["counts"], **p["stats"]} for k, p in prepared.items()},
                          "runs": runs, "loadavg": loads, "commits": sorted(commits), "results": results,
                          "verdicts": verdicts})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
