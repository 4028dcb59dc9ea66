"""Start-up cost (issue #8, item 6): a metadata-only ``--verify none``
migration imports nothing heavy.

Each run is a fresh interpreter on an ome-zarr-py image (with labels), so
that what a user's process loads is what is checked: ``sys.modules`` after
the migration must hold none of numpy, zarr, dask, jsonschema (and, through
the Python API, pydantic; the CLI loads pydantic through typer's parameter
coercion, which is typer's choice, not ours).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "zarr", "dask", "distributed", "jsonschema", "pydantic", "ome_zarr_models",
         # the HTML reports' libraries load only when a page is rendered (issue #12)
         "jinja2", "PIL", "markupsafe")

_REPORT = (
    "import json, sys\n"
    "heavy = set(json.loads(sys.argv[-1]))\n"
    "def loaded(): return sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
)


def _run(code: str, *args: str) -> tuple[str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", _REPORT + code, *args, json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    *out, last = proc.stdout.strip().splitlines()
    return "\n".join(out), json.loads(last)


@pytest.mark.parametrize("name", ["v04_labels", "v05_labels"])
def test_api_in_place_verify_none_imports_nothing_heavy(tree, name):
    src = tree(name)
    out, loaded = _run("import ngff_migrate\n"
                       "r = ngff_migrate.convert(sys.argv[1], in_place=True, verify='none')\n"
                       "print(r.ok if hasattr(r, 'ok') else True)\n"
                       "print(json.dumps(loaded()))\n", str(src))
    assert loaded == [], f"a metadata-only migration imported {loaded}"
    assert (src / "zarr.json").is_file()
    doc = json.loads((src / "zarr.json").read_text())
    assert doc["attributes"]["ome"]["type"] == "multiscale" or doc["attributes"]["ome"]["nodes"]


def test_cli_in_place_verify_none_imports_nothing_heavy(tree):
    src = tree("v04_labels")
    code = ("from ngff_migrate.cli import main\n"
            "sys.argv = ['ngff-migrate', 'convert', '--in-place', sys.argv[1], '--verify', 'none', '--quiet']\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print(json.dumps(sorted(set(loaded()) - {'pydantic'})))\n")
    _, loaded = _run(code, str(src))
    assert loaded == [], f"a metadata-only migration imported {loaded}"
    assert (src / "zarr.json").is_file()


def test_sample_verification_does_load_zarr(tree):
    """The check above can fail: with pixel verification zarr is loaded."""
    src = tree("v04_plain")
    _, loaded = _run("import ngff_migrate\n"
                     "ngff_migrate.convert(sys.argv[1], in_place=True, verify='sample')\n"
                     "print(json.dumps(loaded()))\n", str(src))
    assert "zarr" in loaded and "numpy" in loaded
