"""Where the time goes: profiles of the CLI for issue #8's targets 1 and 2.

For each case, on a fresh copy of the cached input (rolled back afterwards):

* ``python -X importtime -m ngff_migrate convert --in-place SRC --verify none -q``:
  the import tree, top entries by cumulative and by self time (microseconds
  as Python reports them; one run, warm bytecode cache);
* ``python -m cProfile -o P -m ngff_migrate convert --in-place SRC --verify none -q``,
  then ``pstats``: the top entries by ``cumtime`` (what ``-s cumtime``
  prints) and by ``tottime``.

Cases: ``image`` = the 256 MiB NGFF 0.4 image of ``bench_vs_ngff_zarr.py``
(target 1; ``--image-z`` picks another cached size); ``plate384`` = the
384-well plate of ``bench_plate_inplace.py`` (target 2). Profiles are
written to ``benchmarks/_work/profile/``.

Usage: ``python benchmarks/profile_targets.py [--top 25] [--only image|plate384] [--image-z 128]``
"""

from __future__ import annotations

import argparse
import io
import pstats
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402

OUT = c.WORK / "profile"


def importtime(cmd: list[str], top: int) -> str:
    proc = subprocess.run([c.PY, "-X", "importtime", *cmd], capture_output=True, text=True, env=c.child_env())
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    total = sum(r[0] for r in rows)
    out = [f"{len(rows)} modules imported, {total / 1e6:.3f} s of import time in all (sum of self times)"]
    top_level = sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])[:top]
    out.append(f"\ntop {len(top_level)} top-level imports by cumulative time:")
    out.append(f"{'cumulative ms':>14} {'self ms':>9}  module")
    out += [f"{r[1] / 1e3:14.1f} {r[0] / 1e3:9.1f}  {r[3]}" for r in top_level]
    by_cum = sorted(rows, key=lambda r: -r[1])[:top]
    out.append(f"\ntop {len(by_cum)} imports (any depth) by cumulative time:")
    out.append(f"{'cumulative ms':>14} {'self ms':>9}  depth  module")
    out += [f"{r[1] / 1e3:14.1f} {r[0] / 1e3:9.1f}  {r[2]:5d}  {r[3]}" for r in by_cum]
    by_self = sorted(rows, key=lambda r: -r[0])[:top]
    out.append(f"\ntop {len(by_self)} imports by self time:")
    out += [f"{r[0] / 1e3:9.1f} ms  {r[3]}" for r in by_self]
    return "\n".join(out)


def cprofile(cmd: list[str], prof: Path, top: int) -> str:
    subprocess.run([c.PY, "-m", "cProfile", "-o", str(prof), *cmd], check=True, capture_output=True,
                   env=c.child_env())
    out = []
    for key in ("cumtime", "tottime"):
        buf = io.StringIO()
        st = pstats.Stats(str(prof), stream=buf)
        st.sort_stats(key).print_stats(top)
        text = buf.getvalue()
        text = text[text.index("   ncalls"):] if "   ncalls" in text else text
        head = buf.getvalue().split("\n")
        total = next((h.strip() for h in head if "function calls" in h), "")
        text = text.replace(str(c.HERE.parent / ".venv" / "lib") + "/python3.11/site-packages/", "")
        text = text.replace(str(c.HERE.parent / "src") + "/", "")
        out.append(f"-s {key}: {total}\n{text.rstrip()}")
    return "\n\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--quick", action="store_true", help="profile the 16 MiB image instead of the 256 MiB one")
    ap.add_argument("--only", choices=("image", "plate384"), default=None)
    ap.add_argument("--image-z", type=int, default=128, help="level-0 z planes of the image (default 128: 256 MiB)")
    args = ap.parse_args()
    if args.quick and args.image_z == 128:
        args.image_z = 8
    info = c.machine_info()
    c.print_machine(info)
    from bench_plate_inplace import cached
    from make_plate import write_plate

    cases = {}
    if args.only in (None, "image"):
        cases["image"] = c.cached_image(f"inplace_z{args.image_z}", args.image_z)
    if args.only in (None, "plate384"):
        cases["plate384"] = cached("plate384.zarr", write_plate, rows=16, columns=24)[0]
    c.warm_up()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, src in cases.items():
        work = OUT / name
        c.fresh_copy(src, work)
        pristine = c.fingerprint(work)
        cmd = ["-m", "ngff_migrate", "convert", "--in-place", str(work), "--verify", "none", "-q"]
        t, _ = c.timed([c.NGFF_MIGRATE, "convert", "--in-place", str(work), "--verify", "none", "-q"])
        c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
        print(f"\n#### {name}: {src.relative_to(c.HERE.parent)} -- ngff-migrate convert --in-place --verify none "
              f"(unprofiled whole process {t:.3f} s; commit {c.git_commit()}, load {c.loadavg()})", flush=True)
        print("\n## python -X importtime\n" + importtime(cmd, args.top), flush=True)
        c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
        print("\n## python -m cProfile\n" + cprofile(cmd, OUT / f"{name}.prof", args.top), flush=True)
        c.timed([c.NGFF_MIGRATE, "rollback", str(work)])
        if c.fingerprint(work) != pristine:
            raise RuntimeError(f"{work}: not pristine after rollback")
    print(f"\nprofiles: {OUT}/*.prof (python -m pstats FILE)")


if __name__ == "__main__":
    main()
