"""Documentation that is generated from code stays current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rules_doc_is_current():
    spec = importlib.util.spec_from_file_location("make_rules_doc", ROOT / "scripts" / "make_rules_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "rules.md").read_text() == module.render(), \
        "docs/rules.md is stale: run python scripts/make_rules_doc.py"


def test_readme_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "ngff-migrate convert sample_data/image_v04.ome.zarr" in readme
    assert 'pip install -e ".[test]" && python -m pytest' in readme
