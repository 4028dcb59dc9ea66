"""Measure the quick subset and list its slow tests in ``tests/slow_tests.txt``.

``pytest -m "not slow"`` is the subset for day-to-day work (under a minute, issue #8
item 7); CI runs everything but ``longrun``. A test whose setup + call + teardown takes
at least ``--threshold`` seconds in the quick subset is added to ``tests/slow_tests.txt``,
and ``tests/conftest.py`` marks every test listed there ``slow`` (it keeps running in
CI). Entries already listed stay; remove a line to bring a test back.

Usage: ``python scripts/measure_slow_tests.py [--threshold 0.3]`` (runs the quick subset
once, with ``--durations=0``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "tests" / "slow_tests.txt"
LINE = re.compile(r"^([0-9.]+)s (?:call|setup|teardown)\s+(\S+)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threshold", type=float, default=0.3, help="seconds per test (default 0.3)")
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not slow", "--durations=0",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True).stdout
    seconds: dict[str, float] = defaultdict(float)
    for line in out.splitlines():
        found = LINE.match(line.strip())
        if found:
            seconds[found.group(2)] += float(found.group(1))
    slow = {t for t, s in seconds.items() if s >= args.threshold}
    old = LIST.read_text().splitlines() if LIST.exists() else []
    listed = {line.strip() for line in old if line.strip() and not line.startswith("#")}
    new = sorted(slow - listed)
    with LIST.open("a") as fh:
        if not old:
            fh.write("# tests marked slow by tests/conftest.py (measured by scripts/measure_slow_tests.py)\n")
        fh.writelines(f"{t}\n" for t in new)
    print(f"{len(new)} test(s) added to {LIST.relative_to(ROOT)}; the quick subset took "
          f"{sum(seconds.values()):.0f} s of test time")


if __name__ == "__main__":
    main()
