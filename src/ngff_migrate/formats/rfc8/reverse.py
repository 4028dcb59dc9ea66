"""The reverse map of RFC-8 and RFC-8-draft inputs (DESIGN §6).

An RFC-8 input is not translated but normalised to RFC-8 v1
(:mod:`.normalise`), so its "reverse map" is a check that every document
the migration wrote (or left alone) is the input *re-expressed after
normalisation*: each input document is compared with the output file at the
same path, re-read from storage, after both went through the same
comparison form (:func:`canon_ome`, written independently of the
normaliser):

* references at every position RFC-8 v1 defines one (transformation
  ``input``/``output`` on nodes and in ``scene``, nested in ``sequence``,
  ``bijection`` and ``byDimension``; ``labels.source`` items; ``well.row``/
  ``column``; ``acquisition``): ``{"ref": x}``, ``{"$ref": x}`` and a plain
  string ``"x"`` are ``{"id": x}``; a draft reference's ``type`` hint is left
  out; a reference's or a node's plain-string ``path`` is a Path object
  (``json`` when it ends in ``.json``, else ``zarr``);
* the root node's ``version`` is re-stamped (not compared: it is the run's
  target version); ``version`` on any other node is left out;
* a multiscale without coordinate systems whose levels are documents that
  declare them (the "distributed multiscale" draft) gets theirs (identical
  declarations once);
* values under prefixed (extension) attribute keys are compared verbatim.

Everything else in the file (``zarr_format``, ``consolidated_metadata``,
non-OME attributes, array metadata) must be equal as it is. A Zarr v2 array
of the tree is compared as a rebuilt ``.zarray`` (:mod:`..common.reverse_zarr`).
"""

from __future__ import annotations

import copy
import posixpath
from pathlib import Path
from typing import Any

from ..common.reverse import Output, Rebuilt, Trace, compare, parse_input, target_of
from ..common.reverse_zarr import fallback

_REF_KEYS = ("ref", "$ref")
RESTAMPED = "<target version>"


def _path_object(value: Any) -> Any:
    if isinstance(value, str):
        return {"type": "json" if value.lower().endswith(".json") else "zarr", "path": value}
    return value


def _reference(value: Any) -> Any:
    if isinstance(value, str):
        return {"id": value}
    if not isinstance(value, dict):
        return value
    if "id" not in value:
        present = [k for k in _REF_KEYS if isinstance(value.get(k), str)]
        if len(present) != 1 or any(k in value for k in _REF_KEYS if k != present[0]):
            return value
        value = {"id": value[present[0]], **{k: v for k, v in value.items()
                                             if k != present[0] and not (k == "type" and isinstance(v, str))}}
    if isinstance(value.get("path"), str):
        value = {**value, "path": _path_object(value["path"])}
    return value


def _transformation(t: Any) -> Any:
    if not isinstance(t, dict):
        return t
    if "transformation" in t and "type" not in t:  # a byDimension entry
        return {**t, "transformation": _transformation(t["transformation"])}
    out = dict(t)
    for key in ("input", "output"):
        if key in out:
            out[key] = _reference(out[key])
    if isinstance(out.get("transformations"), list):
        out["transformations"] = [_transformation(i) for i in out["transformations"]]
    for key in ("forward", "inverse"):
        if key in out:
            out[key] = _transformation(out[key])
    return out


def _attributes(a: dict[str, Any]) -> dict[str, Any]:
    a = dict(a)
    if isinstance(a.get("coordinateTransformations"), list):
        a["coordinateTransformations"] = [_transformation(t) for t in a["coordinateTransformations"]]
    if isinstance(a.get("scene"), dict) and isinstance(a["scene"].get("coordinateTransformations"), list):
        a["scene"] = {**a["scene"], "coordinateTransformations": [
            _transformation(t) for t in a["scene"]["coordinateTransformations"]]}
    if isinstance(a.get("labels"), dict) and isinstance(a["labels"].get("source"), list):
        a["labels"] = {**a["labels"], "source": [_reference(s) for s in a["labels"]["source"]]}
    if isinstance(a.get("well"), dict):
        a["well"] = {k: _reference(v) if k in ("row", "column") else v for k, v in a["well"].items()}
    if "acquisition" in a:
        a["acquisition"] = _reference(a["acquisition"])
    return a


def canon_ome(ome: Any, doc_dir: str, documents: dict[str, Any]) -> Any:
    """The comparison form of an RFC-8 (or draft) ``ome`` object of the
    document in ``doc_dir`` (module docstring); ``documents`` are the input
    documents by root-relative file, for the coordinate systems of
    distributed multiscales. The value is not modified."""
    if not isinstance(ome, dict):
        return ome
    out = _node(copy.deepcopy(ome), doc_dir, documents, root=True)
    out["version"] = RESTAMPED
    return out


def _node(node: Any, doc_dir: str, documents: dict[str, Any], *, root: bool = False) -> Any:
    if not isinstance(node, dict):
        return node
    if not root:
        node.pop("version", None)
    if isinstance(node.get("path"), str):
        node["path"] = _path_object(node["path"])
    if isinstance(node.get("attributes"), dict):
        node["attributes"] = _attributes(node["attributes"])
    children = node.get("nodes")
    if isinstance(children, list):
        node["nodes"] = [_node(c, doc_dir, documents) for c in children]
        if node.get("type") == "multiscale" and "path" not in node:
            _hoist(node, doc_dir, documents)
    return node


def _hoist(node: dict[str, Any], doc_dir: str, documents: dict[str, Any]) -> None:
    """Coordinate systems of a distributed multiscale, from its level documents."""
    attrs = node.get("attributes")
    if attrs is not None and (not isinstance(attrs, dict) or attrs.get("coordinateSystems") not in (None, [])):
        return
    found: list[Any] = []
    for level in node["nodes"]:
        path = level.get("path") if isinstance(level, dict) else None
        if not isinstance(path, dict) or path.get("type") not in ("zarr", "json"):
            continue
        target = target_of(doc_dir, path)
        file = target if path["type"] == "json" else posixpath.join(target, "zarr.json").lstrip("/")
        doc = documents.get(file)
        ome = (doc.get("ome") if path["type"] == "json" else (doc.get("attributes") or {}).get("ome")) \
            if isinstance(doc, dict) else None
        level_attrs = ome.get("attributes") if isinstance(ome, dict) and ome.get("type") == "singlescale" else None
        systems = level_attrs.get("coordinateSystems") if isinstance(level_attrs, dict) else None
        for system in systems if isinstance(systems, list) else []:
            if isinstance(system, dict) and system not in found:
                found.append(system)
    ids = [s.get("id") for s in found]
    if found and len(set(map(repr, ids))) == len(ids):
        node["attributes"] = {**(attrs or {}), "coordinateSystems": copy.deepcopy(found)}


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Compare every document of an RFC-8 / draft input with the output at
    ``target_root``, both in normalised form (module docstring).

    Returns the report entry of
    :func:`~ngff_migrate.formats.common.reverse.compare`.

    Raises
    ------
    VerificationError
        If an output document is missing or unreadable (naming it).
    """
    out = Output(target_root)
    documents = {f: parse_input(f, data) for f, data in plan.inputs.items() if not f.startswith("/")}
    files: dict[str, Rebuilt] = {}
    for file in documents:
        name = file.rsplit("/", 1)[-1]
        if name in (".zarray", ".zattrs", ".zgroup") or not name.endswith(".json"):
            continue  # Zarr v2 documents: the fallback rebuilds them from the v3 zarr.json
        doc_dir = posixpath.dirname(file)
        trace = Trace(file)
        trace.add((), file, (), True)
        doc = documents[file]
        has_ome = isinstance(doc, dict) and isinstance(
            (doc.get("attributes") or {}).get("ome") if name == "zarr.json" else doc.get("ome"), dict)
        rewrites = {loc: paths for (f, loc), paths in plan.path_rewrites.items() if f == file}
        files[file] = Rebuilt(out.doc(file), trace, _canon_file(name, doc_dir, documents, rewrites), ome=has_ome)
    return compare(plan, files, fallback(out, set(plan.inputs), plan.prefix))


def _canon_file(name: str, doc_dir: str, documents: dict[str, Any],
                rewrites: dict[str, tuple[str, str]] | None = None):
    def canon(doc: Any) -> Any:
        if not isinstance(doc, dict):
            return doc
        if rewrites:  # a copy's rewritten escaping paths (escaping.py) compare as the input's
            from .escaping import ome_of, set_path

            doc = copy.deepcopy(doc)
            for location, (old, new) in rewrites.items():
                set_path(ome_of(name, doc), location, old, only_if=new)
        if name == "zarr.json":
            attrs = doc.get("attributes")
            if isinstance(attrs, dict) and isinstance(attrs.get("ome"), dict):
                return {**doc, "attributes": {**attrs, "ome": canon_ome(attrs["ome"], doc_dir, documents)}}
            return doc
        if isinstance(doc.get("ome"), dict):
            return {**doc, "ome": canon_ome(doc["ome"], doc_dir, documents)}
        return doc

    return canon


__all__ = ["canon_ome", "reverse_map"]
