"""In-place migration of a synthetic 384-well plate (issue #3 benchmark).

Input: NGFF 0.4 plate, 16 × 24 wells, 4 fields per well, 3 levels per field
(4,608 arrays, tiny 32 × 32 uint8 chunks), written by ``make_plate.py``
(zarr-python v2 arrays, metadata as ome-zarr-py writes it), cached in
``benchmarks/_work/plate384.zarr``. Peer: one field-sized image (1 field,
3 levels) migrated the same way, so the cost per array can be compared.

For each input: whole-process wall time of ``ngff-migrate convert --in-place
SRC --verify none`` (median of ``--runs``, rollback untimed between runs),
files touched (from the JSON report), and the per-array cost; then the same
with the default ``--verify sample``. Finally: how many documents a reader
opens to load the migrated plate's layout (all wells and fields).

Run: ``python benchmarks/bench_plate_inplace.py [--runs N] [--rows R --columns C]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_plate import write_plate  # noqa: E402

BIN = Path(sys.executable).parent / "ngff-migrate"


def run(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def measure(src: Path, verify: str, runs: int) -> tuple[float, int]:
    report = src.parent / f"{src.name}.report.json"
    times = []
    for _ in range(runs):
        subprocess.run([str(BIN), "rollback", str(src)], capture_output=True)
        times.append(run([str(BIN), "convert", "--in-place", str(src), "--verify", verify, "-q",
                          "--report", str(report)]))
    files = json.loads(report.read_text())["write"]["documents_written"]
    subprocess.run([str(BIN), "rollback", str(src)], check=True, capture_output=True)
    return statistics.median(times), files


def documents_to_load_layout(root: Path) -> tuple[int, int, int]:
    """Open the root document only and count wells and fields it lists."""
    ome = json.loads((root / "zarr.json").read_text())["attributes"]["ome"]
    wells = ome["nodes"]
    return 1, len(wells), sum(len(w["nodes"]) for w in wells)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--columns", type=int, default=24)
    args = ap.parse_args()
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    plate = work / f"plate{args.rows * args.columns}.zarr"
    single = work / "plate_single_field.zarr"
    if not plate.exists():
        counts = write_plate(plate, rows=args.rows, columns=args.columns)
        (work / f"{plate.name}.counts.json").write_text(json.dumps(counts))
    counts = json.loads((work / f"{plate.name}.counts.json").read_text())
    if not single.exists():
        write_plate(single, rows=1, columns=1, fields=1)
    single_arrays = 3
    n_files = sum(1 for p in plate.rglob("*") if p.is_file())
    print(f"input: {counts['wells']} wells, {counts['fields']} fields, {counts['arrays']} arrays, "
          f"{n_files} files (plate); peer: 1 field, {single_arrays} arrays")
    for verify in ("none", "sample"):
        t_plate, f_plate = measure(plate, verify, args.runs)
        t_single, f_single = measure(single, verify, args.runs)
        per_array_plate = t_plate / counts["arrays"]
        per_array_single = t_single / single_arrays
        print(f"--verify {verify}: plate median {t_plate:.2f} s, {f_plate} files written; "
              f"single field {t_single:.2f} s, {f_single} files; "
              f"per array {per_array_plate * 1e3:.2f} ms vs {per_array_single * 1e3:.1f} ms "
              f"(ratio {per_array_plate / per_array_single:.3f}); "
              f"plate/single {t_plate / t_single:.1f}× for {counts['arrays'] / single_arrays:.0f}× the arrays")
    subprocess.run([str(BIN), "convert", "--in-place", str(plate), "--verify", "none", "-q"], check=True)
    docs, wells, fields = documents_to_load_layout(plate)
    print(f"layout: {docs} document read lists {wells} wells and {fields} fields")
    subprocess.run([str(BIN), "rollback", str(plate)], check=True, capture_output=True)
    shutil.rmtree(plate.parent / f"{plate.name}.report.json", ignore_errors=True)


if __name__ == "__main__":
    main()
