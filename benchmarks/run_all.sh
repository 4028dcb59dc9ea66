#!/usr/bin/env bash
# Run every benchmark in sequence and keep the whole log in
# benchmarks/_work/results/run_all.log (the run recorded in docs/performance.md).
#   bash benchmarks/run_all.sh [--quick]        (PYTHON=/path/to/python to choose the interpreter)
# Full run: ~3-4 h on the recorded machine, most of it bench_archive_scale.py (100,000 datasets);
# --quick: ~25 min.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
mkdir -p benchmarks/_work/results
LOG=benchmarks/_work/results/run_all.log
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc=$(nproc)  $($PY -V 2>&1)  commit $(git log -1 --format=%h)  args: $*"
  df -T benchmarks/_work | tail -1
  start=$(date +%s)
  $PY benchmarks/bench_inplace_scaling.py "$@"
  echo; $PY benchmarks/bench_vs_ngff_zarr.py "$@"        # issue #8 target 1
  echo; $PY benchmarks/bench_plate_inplace.py "$@"       # target 2
  echo; $PY benchmarks/bench_batch.py "$@"               # target 3
  echo; $PY benchmarks/bench_copy_throughput.py "$@"     # target 5
  if [ -d /dev/shm ]; then
    echo; $PY benchmarks/bench_copy_throughput.py "$@" --dst-dir /dev/shm/ngff-migrate-bench
    rm -rf /dev/shm/ngff-migrate-bench
  fi
  echo; $PY benchmarks/profile_targets.py "$@"           # where the time goes (targets 1 and 2)
  echo; $PY benchmarks/bench_archive_scale.py "$@"       # target 4 (the long one)
  echo; echo "# total wall time: $(( $(date +%s) - start )) s"
} 2>&1 | tee "$LOG"
