"""Cost of the OME-Zarr 0.6 metadata checks (``ngff_migrate.formats.ngff06.check``).

Measures, for one 0.6 image document (the spec example
``multiscales_strict/multiscales_example.json``: 5 axes, 3 levels, omero;
and ``multiscales_transformations.json``: 2 systems, a multiscale scale):

* ``import``: importing the check module in a fresh interpreter (after
  ``import ngff_migrate.formats.ngff06``, so only the module's own cost,
  with ``check_schema``), and whether that imported ``jsonschema``;
* ``first``: the first check of a document in that interpreter (with the
  schema-based checks: the lazy ``jsonschema`` import, loading the schemas
  and building the validators);
* ``steady``: the median time of checking the document again (with the
  module's result cache, if it has one; ``--no-cache`` clears it between
  calls, so every call runs the validators).

The document is checked the way the 0.6 image reader checks it: the
coordinate systems of each multiscale, each level transformation (with the
system's dimension), each multiscale transformation, ``omero``.

Run: ``python benchmarks/bench_ngff06_checks.py [--module-file OLD_CHECK.py]
[--runs 7] [--calls 2000] [--no-cache]``. ``--module-file`` loads another
version of ``check.py`` (e.g. the hand-written one from before the schemas:
``git show <commit>:src/ngff_migrate/formats/ngff06/check.py > /tmp/old.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "tests/data/v06/examples/multiscales_strict/multiscales_example.json",
        ROOT / "tests/data/v06/examples/multiscales_strict/multiscales_transformations.json"]

CHILD = r"""
import importlib.util, json, statistics, sys, time
import ngff_migrate.formats.ngff06  # noqa: F401  (the packages' own import is not counted)
module_file, calls, no_cache = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
for name in ("ngff_migrate.formats.ngff06.check", "ngff_migrate.formats.ngff06.check_schema"):
    sys.modules.pop(name, None)  # executed again below, whoever imported them
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("ngff_migrate.formats.ngff06._bench_check", module_file)
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)
t_import = time.perf_counter() - t0
imported_jsonschema = "jsonschema" in sys.modules
def load(p):  # the spec examples are JSONC (// comment lines)
    text = "\n".join(l for l in open(p).read().splitlines() if not l.lstrip().startswith("//"))
    return json.loads(text)["attributes"]["ome"]
docs = [load(p) for p in sys.argv[4:]]

def check_image(ome):
    problems = []
    for i, ms in enumerate(ome["multiscales"]):
        where = f"multiscales[{i}]"
        systems = ms["coordinateSystems"]
        problems += check.check_coordinate_systems(systems, f"{where}.coordinateSystems")
        dims = {cs["name"]: len(cs["axes"]) for cs in systems}
        for j, ds in enumerate(ms["datasets"]):
            t = ds["coordinateTransformations"][0]
            n = dims[t["output"]["name"]]
            problems += check.check_transform({k: v for k, v in t.items() if k not in ("input", "output")},
                                              f"{where}.datasets[{j}].coordinateTransformations[0]",
                                              n_in=n, n_out=n)
        for j, t in enumerate(ms.get("coordinateTransformations", [])):
            problems += check.check_transform({k: v for k, v in t.items() if k not in ("input", "output")},
                                              f"{where}.coordinateTransformations[{j}]",
                                              n_in=dims[t["input"]["name"]], n_out=dims[t["output"]["name"]])
    if "omero" in ome:
        problems += check.check_omero(ome["omero"])
    return problems

def clear():
    schema = sys.modules.get("ngff_migrate.formats.ngff06.check_schema")
    if no_cache and schema is not None:
        schema._CACHE.clear()  # the results; the validators stay built

out = {"import_ms": t_import * 1e3, "imports_jsonschema": imported_jsonschema}
for k, doc in enumerate(docs):
    t0 = time.perf_counter()
    problems = check_image(doc)
    first = time.perf_counter() - t0
    assert problems == [], problems
    times = []
    for _ in range(calls):
        clear()
        t0 = time.perf_counter()
        check_image(doc)
        times.append(time.perf_counter() - t0)
    out[f"doc{k}"] = {"first_ms": first * 1e3, "steady_us": statistics.median(times) * 1e6}
print(json.dumps(out))
"""


def main() -> None:
    """Run the measurement ``--runs`` times in fresh interpreters and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module-file", default=str(ROOT / "src/ngff_migrate/formats/ngff06/check.py"),
                        help="the check.py to measure (default: this tree's)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-cache", action="store_true", help="clear the module's result cache between calls")
    args = parser.parse_args()
    results = []
    for _ in range(args.runs + 1):  # the first run warms the byte-code cache; not counted
        proc = subprocess.run([sys.executable, "-c", CHILD, args.module_file, str(args.calls),
                               "1" if args.no_cache else "0", *map(str, DOCS)],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout))
    results = results[1:]
    med = statistics.median
    print(f"module: {args.module_file}"
          f"{' (cache cleared between calls)' if args.no_cache else ''}")
    print(f"import: {med(r['import_ms'] for r in results):.2f} ms "
          f"(imports jsonschema: {results[0]['imports_jsonschema']})")
    for k, doc in enumerate(DOCS):
        first = med(r[f"doc{k}"]["first_ms"] for r in results)
        steady = med(r[f"doc{k}"]["steady_us"] for r in results)
        print(f"{doc.name}: first check {first:.2f} ms, then {steady:.1f} us per document")


if __name__ == "__main__":
    main()
