#!/bin/bash
# Two versions of ngff-migrate side by side on one input, interleaved round by round:
# `convert --in-place SRC --verify MODE` as a whole process on a fresh copy (cp -r, then sync, untimed),
# wall seconds and the report's stage timings per run.
#
#   benchmarks/ab_commits.sh OLD_SRC NEW_SRC INPUT [MODE] [ROUNDS]
#
# OLD_SRC / NEW_SRC are the `src` folders of two worktrees (`git worktree add --detach /work/wt-old REV`);
# the interpreter is $PYTHON (default: .venv/bin/python of this checkout).
# Example (docs/performance.md, 2026-12-02):
#   benchmarks/ab_commits.sh /work/wt-old/src /work/wt-new/src benchmarks/_work/inputs/plate96.zarr none 3
set -euo pipefail
OLD=$1; NEW=$2; INPUT=$3; MODE=${4:-none}; ROUNDS=${5:-3}
PY=${PYTHON:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset PYTHONDONTWRITEBYTECODE
for i in $(seq "$ROUNDS"); do
  for side in old new; do
    if [ "$side" = old ]; then SRC=$OLD; else SRC=$NEW; fi
    rm -rf "$WORK/$side"; cp -r "$INPUT" "$WORK/$side"; sync
    s=$(date +%s.%N)
    PYTHONPATH=$SRC "$PY" -m ngff_migrate convert --in-place "$WORK/$side" --verify "$MODE" -q --report "$WORK/$side.json"
    e=$(date +%s.%N)
    printf "round %d %s %.3f s  %s\n" "$i" "$side" "$(echo "$e - $s" | bc)" \
      "$("$PY" -c "import json,sys; print({k: round(v, 3) for k, v in json.load(open(sys.argv[1]))['timings'].items()})" "$WORK/$side.json")"
  done
done
