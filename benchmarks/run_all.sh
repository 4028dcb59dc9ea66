#!/usr/bin/env bash
# Run every benchmark in sequence and keep the whole log in
# benchmarks/_work/results/run_all.log (the run recorded in docs/performance.md).
#   bash benchmarks/run_all.sh [--quick]        (PYTHON=/path/to/python to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
mkdir -p benchmarks/_work/results
LOG=benchmarks/_work/results/run_all.log
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc=$(nproc)  $($PY -V 2>&1)  args: $*"
  df -T benchmarks/_work | tail -1
  start=$(date +%s)
  $PY benchmarks/bench_inplace_scaling.py "$@"
  # copies on a slow disk take ~10 s each: 3 runs there (the minimum for inputs this large)
  echo; $PY benchmarks/bench_copy_throughput.py --runs 3 "$@"
  if [ -d /dev/shm ]; then
    echo; $PY benchmarks/bench_copy_throughput.py "$@" --dst-dir /dev/shm/ngff-migrate-bench
    rm -rf /dev/shm/ngff-migrate-bench
  fi
  echo; $PY benchmarks/bench_vs_ngff_zarr.py "$@"
  echo; echo "# total wall time: $(( $(date +%s) - start )) s"
} 2>&1 | tee "$LOG"
