"""Measure the ways of validating legacy NGFF 0.4/0.5 metadata (docs/performance.md,
"Legacy validation").

Variants:

a. ``ome-zarr-models`` pydantic models (what ngff-migrate used before);
b. ``jsonschema`` (Draft 2020-12) with the spec's schemas;
c. ``fastjsonschema.compile`` at run time: plain (c1, ignores ``minContains``/
   ``maxContains``: wrong on 4 suite cases per version) and with the
   generator of ``scripts/make_legacy_validators.py`` (c2, correct);
d. the code generated ahead of time (``ngff_migrate.formats.common.legacy_validators``).

For each: the import (and set-up) cost in a fresh interpreter, the first
validation, the steady per-document validation time (median over many calls,
no cache), and the whole-process wall time of ``python -c "<import; validate
one 0.4 image .zattrs>"`` against ``python -c pass``.

Run: ``python benchmarks/bench_legacy_validation.py [--runs 15] [--calls 2000]``
(needs ome-zarr-models and jsonschema installed, e.g. ``pip install -e ".[test]"``).
Byte-code caching is on (``PYTHONPYCACHEPREFIX`` in a temporary directory,
warmed up by one untimed run), as for an installed package.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "src" / "ngff_migrate" / "formats" / "common" / "schemas"
SAMPLE = ROOT / "sample_data" / "image_v04.ome.zarr" / ".zattrs"

SETUP = {
    "a": """
from ome_zarr_models.v04.image import ImageAttrs
def check(doc):
    try:
        ImageAttrs.model_validate(doc); return []
    except Exception as exc:
        return [exc]
""",
    "b": f"""
import json, jsonschema, referencing
from pathlib import Path
from referencing.jsonschema import DRAFT202012
S = Path({str(SCHEMAS)!r})
docs = [json.loads(p.read_text()) for p in (S / "0.4").glob("*.schema")]
registry = referencing.Registry().with_resources(
    (d["$id"], referencing.Resource.from_contents(d, default_specification=DRAFT202012)) for d in docs)
validator = jsonschema.Draft202012Validator(json.loads((S / "0.4" / "image.schema").read_text()), registry=registry)
def check(doc):
    return list(validator.iter_errors(doc))
""",
    "c1": f"""
import json, fastjsonschema
from pathlib import Path
S = Path({str(SCHEMAS)!r})
validate = fastjsonschema.compile(json.loads((S / "0.4" / "image.schema").read_text()), use_default=False, fast_fail=False)
def check(doc):
    try:
        validate(doc); return []
    except fastjsonschema.JsonSchemaValuesException as exc:
        return exc.errors
""",
    "c2": f"""
import json, sys
sys.path.insert(0, {str(ROOT / "scripts")!r})
import make_legacy_validators as g
from fastjsonschema.ref_resolver import RefResolver
from ngff_migrate.formats.common.legacy_validators import _exceptions as E
definition = json.loads((g.SCHEMAS / "0.4" / "image.schema").read_text())
resolver = RefResolver.from_schema(definition, store={{}})
gen = g.Generator(definition, resolver)
state = dict(gen.global_state, JsonSchemaValueException=E.JsonSchemaValueException,
             JsonSchemaValuesException=E.JsonSchemaValuesException)
exec(gen.func_code, state)
validate = state[resolver.get_scope_name()]
def check(doc):
    try:
        validate(doc); return []
    except E.JsonSchemaValuesException as exc:
        return exc.errors
""",
    "d": """
from ngff_migrate.formats.common.legacy_validators import schema_errors
def check(doc):
    return schema_errors("0.4", "image", doc)
""",
    "d+rules": """
from ngff_migrate.formats.common.legacy_check import _validate
def check(doc):
    return _validate("image", "0.4", doc)
""",
}

LABELS = {
    "a": "ome-zarr-models (pydantic)",
    "b": "jsonschema + spec schemas",
    "c1": "fastjsonschema.compile at run time (plain: wrong on minContains/maxContains)",
    "c2": "fastjsonschema.compile at run time (with the project's generator)",
    "d": "generated ahead of time (shipped module)",
    "d+rules": "generated + spec-text rules (what legacy_problems runs)",
}

IN_PROCESS = """
import json, time, statistics, sys
t0 = time.perf_counter()
{setup}
t1 = time.perf_counter()
doc = json.loads(open({sample!r}).read())
bad = json.loads(json.dumps(doc)); bad["multiscales"][0]["axes"][0]["type"] = 5
first = check(doc)
t2 = time.perf_counter()
assert not first, first
assert check(bad), "the invalid document passed"
times = []
for _ in range({calls}):
    s = time.perf_counter(); check(doc); times.append(time.perf_counter() - s)
bad_times = []
for _ in range({calls} // 4):
    s = time.perf_counter(); check(bad); bad_times.append(time.perf_counter() - s)
print(json.dumps({{"import": t1 - t0, "first": t2 - t1, "per_doc": statistics.median(times),
                  "per_bad_doc": statistics.median(bad_times),
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                    ("pydantic", "ome_zarr_models", "jsonschema", "fastjsonschema", "zarr", "numpy"))}}))
"""

WHOLE = """
import json
{setup}
check(json.loads(open({sample!r}).read()))
"""


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per variant")
    parser.add_argument("--calls", type=int, default=2000, help="validations per in-process run")
    parser.add_argument("--variants", default=",".join(SETUP))
    args = parser.parse_args()
    variants = args.variants.split(",")
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        run = lambda code: subprocess.run([sys.executable, "-c", code], env=env, check=True,  # noqa: E731
                                          capture_output=True, text=True)
        whole_code = {v: WHOLE.format(setup=SETUP[v], sample=str(SAMPLE)) for v in variants}
        whole_code["python -c pass"] = "pass"
        for code in whole_code.values():  # warm the byte-code cache
            run(code)
        inproc: dict[str, list[dict]] = {v: [] for v in variants}
        wall: dict[str, list[float]] = {k: [] for k in whole_code}
        for _ in range(args.runs):  # interleaved rounds
            for v in variants:
                out = run(IN_PROCESS.format(setup=SETUP[v], sample=str(SAMPLE), calls=args.calls))
                inproc[v].append(json.loads(out.stdout))
            for k, code in whole_code.items():
                start = time.perf_counter()
                run(code)
                wall[k].append(time.perf_counter() - start)
    med = lambda xs: statistics.median(xs)  # noqa: E731
    print(f"python {sys.version.split()[0]}, {args.runs} runs, {args.calls} calls, document {SAMPLE.relative_to(ROOT)}")
    print("| variant | import + set-up ms | first validation ms | per document µs (valid) | per document µs (invalid) "
          "| whole process s | over `python -c pass` s | heavy modules loaded |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    base = med(wall["python -c pass"])
    for v in variants:
        r = inproc[v]
        mods = sorted({m.split(".")[0] for m in r[0]["modules"]})
        print(f"| ({v}) {LABELS[v]} | {med([x['import'] for x in r]) * 1e3:.1f} | {med([x['first'] for x in r]) * 1e3:.2f} "
              f"| {med([x['per_doc'] for x in r]) * 1e6:.1f} | {med([x['per_bad_doc'] for x in r]) * 1e6:.1f} "
              f"| {med(wall[v]):.3f} | {med(wall[v]) - base:.3f} | {', '.join(mods) or '—'} |")
    print(f"| `python -c pass` | | | | | {base:.3f} | 0 | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
