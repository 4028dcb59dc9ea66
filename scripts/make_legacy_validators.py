"""Regenerate the compiled legacy-metadata validators from the shipped JSON schemas.

Run: ``python scripts/make_legacy_validators.py`` (writes
``src/ngff_migrate/formats/common/legacy_validators/v0_*.py``), or
``python scripts/make_legacy_validators.py --check`` (exit 1 when a shipped
module differs from what the schemas generate). ``tests/test_legacy_schemas.py``
runs the same check.

Needs ``fastjsonschema`` (the ``test`` extra); the generated modules do not:
they import only ``re``, ``decimal`` and the package's two exception classes.

How the code is generated: ``fastjsonschema``'s draft-07 code generator (the
newest it has) with three changes, all made here and nowhere at run time:

* ``minContains`` / ``maxContains`` (JSON Schema 2019-09 and 2020-12, used by
  the NGFF ``axes`` and ``coordinateTransformations`` definitions) are
  implemented: fastjsonschema ignores them, which would accept three ``scale``
  transformations or four ``space`` axes;
* an error records the value, location and keyword but not the whole schema
  definition (fastjsonschema embeds a copy of the definition in every raise,
  which makes the modules several times larger and slower to import);
* remote ``$ref`` (``https://ngff.openmicroscopy.org/0.5/schemas/_version.schema``)
  is resolved from the shipped files by ``$id``, never from the network.

A schema keyword the generator does not implement stops the generation (so a
future schema cannot be silently half-checked).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import fastjsonschema
from fastjsonschema.draft07 import CodeGeneratorDraft07
from fastjsonschema.ref_resolver import RefResolver

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ngff_migrate" / "formats" / "common"
SCHEMAS = PACKAGE / "schemas"
OUT = PACKAGE / "legacy_validators"

#: (version, kind) -> schema file (relative to SCHEMAS). ``labels`` has no
#: schema in the spec; ngff-migrate's own is under ``ngff-migrate/``.
TARGETS: dict[tuple[str, str], str] = {
    ("0.4", "image"): "0.4/image.schema",
    ("0.4", "image-label"): "0.4/label.schema",
    ("0.4", "labels"): "ngff-migrate/0.4/labels.schema",
    ("0.4", "plate"): "0.4/plate.schema",
    ("0.4", "well"): "0.4/well.schema",
    ("0.5", "image"): "0.5/image.schema",
    ("0.5", "image-label"): "0.5/label.schema",
    ("0.5", "labels"): "ngff-migrate/0.5/labels.schema",
    ("0.5", "plate"): "0.5/plate.schema",
    ("0.5", "well"): "0.5/well.schema",
}

#: Keywords that only annotate (nothing to check).
ANNOTATIONS = {"$schema", "$id", "$defs", "definitions", "title", "description", "$comment",
               "examples", "default"}

VALIDATION_EXCEPTIONS = "(JsonSchemaValueException, JsonSchemaValuesException)"


def module_name(version: str, kind: str) -> str:
    """``("0.4", "image-label")`` -> ``"v0_4_image_label"``."""
    return f"v{version.replace('.', '_')}_{kind.replace('-', '_')}"


def _all_schemas() -> dict[str, tuple[Path, dict]]:
    """$id -> (file, parsed schema) of every shipped schema."""
    out = {}
    for path in sorted(SCHEMAS.rglob("*.schema")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[doc["$id"]] = (path, doc)
    return out


class Generator(CodeGeneratorDraft07):
    """fastjsonschema's draft-07 generator plus minContains/maxContains, lean errors."""

    def __init__(self, definition, resolver):
        super().__init__(definition, resolver=resolver, formats={}, use_default=False,
                         use_formats=True, detailed_exceptions=True, fast_fail=False)
        self.supported = set(self._json_keywords_to_function) | ANNOTATIONS | {
            "$ref", "minContains", "maxContains"}

    def _generate_func_code_block(self, definition):
        if isinstance(definition, dict):
            unknown = set(definition) - self.supported
            if unknown:
                raise fastjsonschema.JsonSchemaDefinitionException(
                    f"keywords not implemented by the generator: {sorted(unknown)}")
        return super()._generate_func_code_block(definition)

    def exc(self, msg, *args, append_to_msg=None, rule=None):
        arg = '"' + msg + '"'
        if append_to_msg:
            arg += " + (" + append_to_msg + ")"
        call = "JsonSchemaValueException(" + arg + ', value={variable}, name="{name}", rule={rule})'
        line = ("raise " + call) if self._fast_fail else ("errors.append(" + call + ")")
        definition = self._definition
        definition_rule = self.e(definition.get(rule) if isinstance(definition, dict) else None)
        self.l(line, *args, rule=repr(rule), definition_rule=definition_rule)

    def generate_contains(self):
        definition = self._definition
        if ("minContains" not in definition and "maxContains" not in definition) or isinstance(
                definition["contains"], bool):
            return super().generate_contains()
        low = definition.get("minContains", 1)
        high = definition.get("maxContains")
        self.create_variable_is_list()
        with self.l("if {variable}_is_list:"):
            self.l("{variable}_contains = 0")
            with self.l("for {variable}_key in {variable}:"):
                with self.l("try:"):
                    with self.trial_validation():
                        self.generate_func_code_block(
                            definition["contains"], f"{self._variable}_key", self._variable_name,
                            clear_variables=True)
                    self.l("{variable}_contains += 1")
                self.l("except {}: pass", VALIDATION_EXCEPTIONS)
            with self.l("if {variable}_contains < {}:", low):
                self.exc("{name} must contain at least {} items matching the contains definition",
                         low, rule="minContains")
            if high is not None:
                with self.l("if {variable}_contains > {}:", high):
                    self.exc("{name} must contain at most {} items matching the contains definition",
                             high, rule="maxContains")


def render(version: str, kind: str) -> str:
    """The source text of the generated module for (version, kind)."""
    schemas = _all_schemas()
    rel = TARGETS[(version, kind)]
    path = SCHEMAS / rel
    definition = json.loads(path.read_text(encoding="utf-8"))

    def local(uri: str):
        if uri not in schemas:
            raise fastjsonschema.JsonSchemaDefinitionException(f"$ref to {uri}: not a shipped schema")
        return schemas[uri][1]

    handlers = {"https": local, "http": local, "urn": local}
    resolver = RefResolver.from_schema(definition, handlers=handlers, store={})
    gen = Generator(definition, resolver)
    body = gen.func_code
    state = gen.global_state_code.replace(
        "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException",
        "from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException")
    main = resolver.get_scope_name()
    # the schema itself and every schema its $refs reached (the resolver's store)
    used = sorted(uri for uri, (p, _) in schemas.items() if p == path or uri in resolver.store)
    sources = "\n".join(
        f"#   {schemas[u][0].relative_to(SCHEMAS).as_posix()}  sha256 "
        f"{hashlib.sha256(schemas[u][0].read_bytes()).hexdigest()}" for u in used)
    header = (
        f'"""NGFF {version} {kind!r} validator, GENERATED from schemas/{rel}: do not edit.\n\n'
        f"Regenerate with ``python scripts/make_legacy_validators.py``.\n"
        f'"""\n'
        f"# generator: scripts/make_legacy_validators.py with fastjsonschema {fastjsonschema.VERSION}\n"
        f"# schemas:\n{sources}\n"
        f"# ruff: noqa\n"
        f"# fmt: off\n"
    )
    return (header + state + "\n" + body + "\n\n" + f"validate = {main}\n")


def render_all() -> dict[str, str]:
    """File name -> text of every generated module."""
    return {f"{module_name(v, k)}.py": render(v, k) for v, k in TARGETS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped modules instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render_all().items():
        target = OUT / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)} (run python scripts/make_legacy_validators.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
