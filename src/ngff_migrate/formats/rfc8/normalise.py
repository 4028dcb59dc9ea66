"""Normalise documents already in the RFC-8 node model to RFC-8 v1.

Input: an :class:`~ngff_migrate.formats.rfc8.read.Rfc8Tree` — RFC-8 v1
documents (ours or another writer's) or documents of earlier drafts. What
changes (RFC-8 v1, draft v1-2026-08):

* **References** (RFC-8 v1, "Reference interface") at every position where
  the spec expects one — a coordinate transformation's ``input``/``output``
  (node ``attributes.coordinateTransformations``, ``attributes.scene``, and
  transformations nested in ``sequence``/``bijection``/``byDimension``),
  ``labels.source`` items, ``well.row``/``well.column`` and ``acquisition``:
  ``{"ref": x}`` and ``{"$ref": x}`` become ``{"id": x}`` (a ``path`` is
  kept; the draft's ``type`` hint, e.g. ``"type": "singlescale"``, is
  removed because the reference schema allows no other key and the id's
  declaration already says what it names); a plain string ``"x"`` becomes
  ``{"id": "x"}``.
* **Paths** given as plain strings (early drafts) become ``Path`` objects:
  ``json`` when the string ends with ``.json``, ``zarr`` otherwise (node
  ``path`` and reference ``path`` only).
* **Version**: the root node's ``version`` becomes the target version; a
  ``version`` on any other node is removed (RFC-8 v1, "Field: version").
* **Distributed multiscales** (earlier drafts): a multiscale without
  ``coordinateSystems`` whose levels are path-only stubs pointing to
  singlescale documents gets a copy of the coordinate systems those level
  documents declare (RFC-8 v1 requires them on a multiscale defined inline).
  Nothing is removed from the level documents.

Every change is a :class:`~ngff_migrate.formats.plan.KeyRecord` with
disposition ``mapped``. Everything else is kept verbatim — in particular the
values of prefixed (extension) attributes, which belong to their extension:
a draft-style reference found inside one is left alone and reported as a
warning. The result goes through the RFC-8 model
(``dump_document(parse_document(...))``) for the canonical key order.

A document whose normalised ``ome`` equals the input (same JSON value) is not
part of the plan, so converting our own output again with the same options
changes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError
from ...rfc8.rules import check_document
from ...rfc8.schemas import schema_errors_excluding_stubs
from ...rfc8.serialize import dump_document, parse_document
from ...rfc8.walk import iter_nodes
from ...zarr.v2_to_v3 import MetadataConversionError, v2_array_to_v3
from ..common.paths import join
from ..ngff_image.translate import TranslateOptions
from ..plan import ArrayPlan, DocumentPlan, KeyRecord, MigrationPlan
from .read import Rfc8Document, Rfc8Tree, path_object

__all__ = ["JsonDocumentPlan", "normalise_ome", "translate_rfc8"]

_REF_KEYS = ("ref", "$ref")


@dataclass
class JsonDocumentPlan(DocumentPlan):
    """A standalone ``*.json`` RFC-8 document to write at ``rel/filename``.

    ``document`` is the whole file (``{"ome": ...}`` plus any other keys).
    """

    filename: str = "zarr.json"

    @property
    def file(self) -> str:
        """Relative path of the JSON file."""
        return join(self.rel, self.filename)

    @property
    def ome(self) -> dict[str, Any] | None:
        """The top-level ``ome`` object of the file (RFC-8 "Metadata storage")."""
        ome = self.document.get("ome")
        return ome.to_json() if hasattr(ome, "to_json") else ome

    @property
    def model(self) -> Any:
        ome = self.document.get("ome")
        return ome if hasattr(ome, "to_json") else None

    def json(self) -> dict[str, Any]:
        ome = self.document.get("ome")
        return {**self.document, "ome": ome.to_json()} if hasattr(ome, "to_json") else self.document


class _Normaliser:
    """Normalises one ``ome`` object in place, recording every change."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.keys: list[KeyRecord] = []
        self.warnings: list[str] = []

    def mapped(self, key: str, target: str) -> None:
        self.keys.append(KeyRecord(self.file, key, "mapped", target))

    # -- nodes ---------------------------------------------------------------
    def node(self, node: Any, loc: str, *, is_root: bool) -> None:
        if not isinstance(node, dict):
            return
        if not is_root and "version" in node:
            del node["version"]
            self.mapped(f"{loc}.version", "ome.version (only the root node carries a version)")
        if isinstance(node.get("path"), str):
            node["path"] = path_object(node["path"])
            self.mapped(f"{loc}.path", f"{loc}.path (Path object of type {node['path']['type']!r})")
        if isinstance(node.get("attributes"), dict):
            self.attributes(node["attributes"], f"{loc}.attributes")
        children = node.get("nodes")
        if isinstance(children, list):
            for i, child in enumerate(children):
                self.node(child, f"{loc}.nodes[{i}]", is_root=False)

    def attributes(self, attrs: dict[str, Any], loc: str) -> None:
        self.transformations(attrs.get("coordinateTransformations"), f"{loc}.coordinateTransformations")
        scene = attrs.get("scene")
        if isinstance(scene, dict):
            self.transformations(scene.get("coordinateTransformations"),
                                 f"{loc}.scene.coordinateTransformations")
        labels = attrs.get("labels")
        if isinstance(labels, dict) and isinstance(labels.get("source"), list):
            for i in range(len(labels["source"])):
                self.reference(labels["source"], i, f"{loc}.labels.source[{i}]")
        well = attrs.get("well")
        if isinstance(well, dict):
            for key in ("row", "column"):
                if key in well:
                    self.reference(well, key, f"{loc}.well.{key}")
        if "acquisition" in attrs:
            self.reference(attrs, "acquisition", f"{loc}.acquisition")
        for key, value in attrs.items():
            if ":" in key and _has_draft_reference(value):
                self.warnings.append(
                    f"{self.file} {loc}[{key!r}]: extension attribute kept verbatim although it holds a "
                    f"draft-style reference ({{'ref': ...}}/{{'$ref': ...}}); extension values are "
                    f"not RFC-8 reference positions")

    def transformations(self, value: Any, loc: str) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                self.transformation(item, f"{loc}[{i}]")

    def transformation(self, t: Any, loc: str) -> None:
        if not isinstance(t, dict):
            return
        if "transformation" in t and "type" not in t:  # a byDimension entry
            self.transformation(t["transformation"], f"{loc}.transformation")
            return
        for key in ("input", "output"):
            if key in t:
                self.reference(t, key, f"{loc}.{key}")
        self.transformations(t.get("transformations"), f"{loc}.transformations")
        for key in ("forward", "inverse"):
            self.transformation(t.get(key), f"{loc}.{key}")

    # -- references ------------------------------------------------------------
    def reference(self, container: dict[str, Any] | list[Any], key: str | int, loc: str) -> None:
        """Normalise the reference at ``container[key]`` (RFC-8 v1, "Reference interface")."""
        value = container[key]  # type: ignore[index]
        if isinstance(value, str):
            container[key] = {"id": value}  # type: ignore[index]
            self.mapped(loc, f"{loc}.id (plain string reference)")
            return
        if not isinstance(value, dict):
            return
        if "id" not in value:
            present = [k for k in _REF_KEYS if isinstance(value.get(k), str)]
            if len(present) != 1 or any(k in value for k in _REF_KEYS if k != present[0]):
                return
            ref_key = present[0]
            new: dict[str, Any] = {"id": value[ref_key]}
            self.mapped(f"{loc}.{ref_key}", f"{loc}.id")
            for k, v in value.items():
                if k == ref_key:
                    continue
                if k == "type" and isinstance(v, str):
                    self.mapped(f"{loc}.type", f"{loc}.id (the declaration of id {value[ref_key]!r} "
                                               f"says what it names: {v!r})")
                    continue
                new[k] = v
            value = new
            container[key] = value  # type: ignore[index]
        if isinstance(value.get("path"), str):
            value["path"] = path_object(value["path"])
            self.mapped(f"{loc}.path", f"{loc}.path (Path object of type {value['path']['type']!r})")


def _has_draft_reference(value: Any) -> bool:
    if isinstance(value, dict):
        if "id" not in value and any(isinstance(value.get(k), str) for k in _REF_KEYS):
            return True
        return any(_has_draft_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_draft_reference(v) for v in value)
    return False


def normalise_ome(ome: dict[str, Any], target_version: str, *,
                  file: str = "zarr.json") -> tuple[dict[str, Any], list[KeyRecord], list[str]]:
    """Normalise one RFC-8 (or draft) ``ome`` object to RFC-8 v1.

    Spec: RFC-8 v1 (draft v1-2026-08), "Reference interface", "Path
    interface" and "Field: version"; see the module docstring for exactly
    what changes. The input is not modified.

    Returns
    -------
    tuple
        ``(ome, keys, warnings)``: the normalised object (not yet in
        canonical key order), a ``mapped`` record per change, and warnings
        (draft-style references left inside extension attributes).

    Raises
    ------
    TypeError
        If ``ome`` is not a dict.
    """
    if not isinstance(ome, dict):
        raise TypeError(f"the 'ome' object must be a dict, got {type(ome).__name__}")
    out = copy.deepcopy(ome)
    worker = _Normaliser(file)
    old = out.get("version", None)
    if old != target_version or "version" not in out:
        was = "absent" if "version" not in out else repr(old)
        out["version"] = target_version
        worker.mapped("ome.version", f"ome.version = {target_version!r} (target version; was {was})")
    worker.node(out, "ome", is_root=True)
    return out, worker.keys, worker.warnings


def _hoist_coordinate_systems(tree: Rfc8Tree, normalised: dict[str, dict[str, Any]],
                              plan: MigrationPlan) -> None:
    """Give a distributed multiscale (levels are stubs pointing to singlescale
    documents) the coordinate systems its level documents declare."""
    for doc in tree.documents:
        for site in iter_nodes(normalised[doc.file]):
            node, loc = site.node, site.location
            if node.get("type") != "multiscale" or "path" in node or not isinstance(node.get("nodes"), list):
                continue
            attrs = node.get("attributes")
            if attrs is not None and not isinstance(attrs, dict):
                continue
            if isinstance(attrs, dict) and attrs.get("coordinateSystems") not in (None, []):
                continue
            found: list[dict[str, Any]] = []
            sources: list[str] = []
            conflict = None
            for i in range(len(node["nodes"])):
                target = doc.links.get(f"{loc}.nodes[{i}]")
                level = normalised.get(target) if target else None
                if not isinstance(level, dict) or level.get("type") != "singlescale":
                    continue
                level_attrs = level.get("attributes")
                systems = level_attrs.get("coordinateSystems") if isinstance(level_attrs, dict) else None
                if not isinstance(systems, list):
                    continue
                sources.append(target)  # type: ignore[arg-type]
                for system in systems:
                    if not isinstance(system, dict) or any(s == system for s in found):
                        continue
                    if any(s.get("id") == system.get("id") for s in found):
                        conflict = system.get("id")
                    found.append(system)
            if conflict is not None:
                plan.warnings.append(
                    f"{doc.file} {loc}: the level documents declare different coordinate systems with "
                    f"id {conflict!r}; the multiscale keeps none (not RFC-8 v1)")
                continue
            if not found:
                continue
            if attrs is None:
                attrs = node["attributes"] = {}
            attrs["coordinateSystems"] = copy.deepcopy(found)
            for source in sources:
                plan.keys.append(KeyRecord(source, "ome.attributes.coordinateSystems", "mapped",
                                           f"{doc.file} {loc}.attributes.coordinateSystems "
                                           f"(copied onto the multiscale)"))


def _problems(ome: dict[str, Any]) -> list[str]:
    found = [str(v) for v in check_document(ome)]
    found.extend(f"[json-schema] {message}" for message in schema_errors_excluding_stubs(ome))
    return found


def _document_plan(doc: Rfc8Document, ome: dict[str, Any]) -> DocumentPlan:
    raw = dict(doc.raw)
    if doc.kind == "json":
        raw["ome"] = ome
        name = doc.file.rsplit("/", 1)[-1]
        return JsonDocumentPlan(rel=doc.rel, node_type="group", document=raw, filename=name)
    attributes = dict(raw["attributes"])
    attributes["ome"] = ome
    raw["attributes"] = attributes
    node_type = "array" if doc.node is not None and doc.node.node_type == "array" else "group"
    return DocumentPlan(rel=doc.rel, node_type=node_type, document=raw)  # type: ignore[arg-type]


def translate_rfc8(tree: Rfc8Tree, options: TranslateOptions | None = None) -> MigrationPlan:
    """Normalise an RFC-8 / draft tree to RFC-8 v1 and plan the changed documents.

    Spec: RFC-8 v1 (draft v1-2026-08); what is normalised is listed in the
    module docstring. Changed documents keep every other key of their file
    (``zarr_format``, ``consolidated_metadata``, non-OME ``attributes``,
    array metadata) as it was; unchanged documents are not planned. Every
    array becomes an :class:`ArrayPlan`; a Zarr v2 array (no ``zarr.json``)
    also gets a v3 ``zarr.json`` describing its existing chunks.

    Raises
    ------
    MigrateError
        If, after normalisation, a document still breaks an RFC-8 v1 rule or
        the JSON schemas and ``tree.strict`` is set (otherwise the problems
        are warnings, and verification will reject the output), or if a v2
        array's metadata has no byte-identical v3 expression.
    """
    options = options or TranslateOptions()
    plan = MigrationPlan(root=tree.root, layout="rfc8", version=tree.version, zarr_format=3, entry=tree.entry)
    plan.warnings.extend(w for w in tree.warnings if w not in plan.warnings)
    plan.escaping_paths = list(tree.escaping)
    normalised: dict[str, dict[str, Any]] = {}
    for doc in tree.documents:
        ome, keys, warnings = normalise_ome(doc.ome, options.target_version, file=doc.file)
        normalised[doc.file] = ome
        plan.keys.extend(keys)
        plan.warnings.extend(warnings)
    _hoist_coordinate_systems(tree, normalised, plan)

    documents: list[DocumentPlan] = []
    for doc in tree.documents:
        ome = dump_document(parse_document(normalised[doc.file]))
        problems = _problems(ome)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            if tree.strict:
                raise MigrateError(tree.root / doc.file,
                                   f"not valid RFC-8 v1 after normalisation: {problems[0]}{more}")
            plan.warnings.extend(f"{doc.file}: not valid RFC-8 v1 after normalisation: {p}" for p in problems)
        if ome == doc.ome:
            continue
        documents.append(_document_plan(doc, ome))

    for array in tree.arrays:
        node = array.node
        entry = ArrayPlan(rel=array.rel, source=node)
        if not plan.add_array(entry):
            continue
        if node.zarr_format == 3:
            continue
        try:
            conv = v2_array_to_v3(node.metadata, node.attributes or None, dimension_names=array.axis_names)
        except MetadataConversionError as exc:
            raise MigrateError(node.directory / ".zarray", str(exc)) from None
        entry.notes.extend(conv.notes)
        plan.warnings.extend(f"{join(array.rel, '.zarray')}: {note}" for note in conv.notes)
        documents.append(DocumentPlan(rel=array.rel, node_type="array", document=conv.metadata,
                                      replaces=[join(array.rel, f) for f in node.files]))

    plan.documents = documents
    plan.order_documents()
    return plan
