"""The reverse map RFC-8 → OME-Zarr 0.6, used by verification (DESIGN §6).

After a 0.6 input has been written, every legacy document the read stage
recorded (``MigrationPlan.inputs``: image, label image, ``labels`` group,
scene, plate, well, and every other group and array document) is rebuilt
from the RFC-8 documents *read back from storage* and compared with the
recorded input, whole ``zarr.json`` documents. Only the RFC-8 output, the
carried ``<prefix>:`` keys and the source version are used, so a mapping
that loses anything fails the run. Array documents and groups without OME
metadata (row groups, parameter groups) are left unchanged by the migration
and compare with the output document at the same path
(:func:`~ngff_migrate.formats.common.reverse_zarr.fallback`).

Semantic equality (what "equal" means here), beyond the shared rules of
:mod:`ngff_migrate.formats.common.reverse` (objects without key order,
numbers by value; booleans are not numbers):

* path strings (``path``, ``source.image``) compare after POSIX
  normalisation (``./s0`` = ``s0``, ``../../`` = ``../..``; a leading ``/``
  is the dataset root);
* the ``coordinateSystems`` of a ``multiscales`` entry compare as a set
  keyed by name (0.6 gives their order no meaning; the output lists the
  intrinsic system first);
* a well's ``version`` compares as one value whether it sat in
  ``ome.version``, in ``well.version`` or both (the plate translation keeps
  one value);
* a ``zarr.json``'s ``consolidated_metadata`` is not compared (a cache of
  the legacy documents, not rewritten: ``docs/ngff06.md``).
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

from ..common.reverse import Output, Rebuilt, Trace, compare, norm_path, parse_input, target_of
from ..common.reverse_zarr import canon_v3, fallback
from .read import STRING_REF_VERSIONS

#: Carried keys the 0.6 translation uses for its own bookkeeping (not legacy keys).
_SPECIAL = ("absent", "legacyTransform", "coordinateSystems", "image-label", "role", "version",
            "layout", "scene")
_OME = ("attributes", "ome")


def _norm(path: str) -> str:
    return norm_path(path)


def _target(doc_dir: str, path_obj: Any) -> str:
    """Dataset-relative directory a ``Path`` object of the document in ``doc_dir`` names."""
    return target_of(doc_dir, path_obj)


class _Reverse:
    """Rebuilds legacy documents from one output tree."""

    def __init__(self, out: Output, version: str | None, prefix: str) -> None:
        self.out = out
        self.version = version
        self.prefix = prefix

    def p(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def unprefix(self, key: str) -> str | None:
        head = f"{self.prefix}:"
        return key[len(head):] if key.startswith(head) else None

    def attrs(self, rel_dir: str) -> dict[str, Any]:
        """The ``attributes`` of the output document in ``rel_dir`` (strict:
        a missing or unreadable document is a ``VerificationError``)."""
        return self.out.attributes(rel_dir)

    def strings(self, version: str | None) -> bool:
        return version in STRING_REF_VERSIONS

    def axes(self, axes: Any) -> Any:
        """Axes with a custom ``type`` the translation prefixed turned back."""
        if not isinstance(axes, list):
            return axes
        return [{**a, "type": self.unprefix(a["type"])} if isinstance(a, dict) and isinstance(a.get("type"), str)
                and self.unprefix(a["type"]) else a for a in axes]

    # -- references ---------------------------------------------------------------
    def system_name(self, doc_dir: str, cs_id: str, local: list[dict[str, Any]] | None) -> str:
        """Legacy name of the coordinate system ``cs_id`` (``local`` systems,
        else those of the document in ``doc_dir``)."""
        systems = local if local is not None else _systems_in(self.attrs(doc_dir).get("ome"))
        for cs in systems:
            if cs.get("id") == cs_id:
                return cs.get("name", cs_id)
        return cs_id

    def unref(self, ref: Any, doc_dir: str, local: list[dict[str, Any]], version: str | None) -> Any:
        if not isinstance(ref, dict) or "id" not in ref:
            return ref
        if isinstance(ref.get("path"), dict):
            target = _target(doc_dir, ref["path"])
            name = self.system_name(target, ref["id"], None)
            path = posixpath.relpath(target or ".", doc_dir or ".")
            return name if self.strings(version) else {"name": name, "path": path}
        name = self.system_name(doc_dir, ref["id"], local)
        return name if self.strings(version) else {"name": name}

    def untransform(self, t: Any, doc_dir: str, local: list[dict[str, Any]], version: str | None) -> Any:
        if not isinstance(t, dict):
            return t
        out: dict[str, Any] = {}
        for key, value in t.items():
            if key in ("input", "output"):
                out[key] = self.unref(value, doc_dir, local, version)
            elif key in ("forward", "inverse"):
                out[key] = self.untransform(value, doc_dir, local, version)
            elif key == "transformations" and isinstance(value, list):
                out[key] = [{**i, "transformation": self.untransform(i["transformation"], doc_dir, local, version)}
                            if isinstance(i, dict) and "transformation" in i
                            else self.untransform(i, doc_dir, local, version) for i in value]
            else:
                out[key] = value
        return out

    # -- images ---------------------------------------------------------------------
    def image(self, rel_dir: str, trace: Trace | None = None) -> dict[str, Any]:
        """The legacy ``attributes`` of the image group at ``rel_dir``
        (``trace``: where its multiscales came from, as ``attributes.ome.multiscales[i]``)."""
        attrs = self.attrs(rel_dir)
        root = attrs.get("ome") or {}
        other = {k: v for k, v in attrs.items() if k != "ome"}
        if root.get("type") == "multiscale":
            nodes, holder, places = [root], root, [_OME]
        else:
            found = [(i, n) for i, n in enumerate(root.get("nodes") or [])
                     if n.get("type") == "multiscale" and "nodes" in n]
            nodes, places = [n for _, n in found], [(*_OME, "nodes", i) for i, _ in found]
            holder = nodes[0] if len(nodes) == 1 else root
        if trace is not None:
            file = posixpath.join(rel_dir, "zarr.json").lstrip("/")
            for i, at in enumerate(places):
                loc = (*_OME, "multiscales", i)
                trace.add(loc, file, at)
                trace.add((*loc, "coordinateTransformations"), file, (*at, "attributes", "coordinateTransformations"),
                          True)
                trace.add((*loc, "coordinateSystems"), file, (*at, "attributes", "coordinateSystems"))
                for j in range(len(nodes[i].get("nodes") or [])):
                    trace.add((*loc, "datasets", j), file, (*at, "nodes", j))
            trace.add((*_OME, "omero"), file, (*(places[0] if len(nodes) == 1 else _OME), "attributes",
                                               self.p("omero")), True)
        carried = holder.get("attributes") or {}
        version = carried.get(self.p("version"), self.version)
        image_keys = {"omero", "ome"}
        ome: dict[str, Any] = {"version": version}
        ome["multiscales"] = [self.multiscale(n, rel_dir, version, image_keys) for n in nodes]
        if self.p("omero") in carried:
            ome["omero"] = carried[self.p("omero")]
        ome.update(carried.get(self.p("ome"), {}))
        label = next((n for n in nodes if "labels" in (n.get("attributes") or {})), None)
        if label is not None:
            image_label = self.image_label(label["attributes"])
            if image_label is not None:
                ome["image-label"] = image_label
        return {"ome": ome, **other}

    def multiscale(self, node: dict[str, Any], rel_dir: str, version: str | None,
                   image_keys: set[str]) -> dict[str, Any]:
        a = node.get("attributes") or {}
        absent = a.get(self.p("absent"), [])
        systems = a.get("coordinateSystems") or []
        extras = a.get(self.p("coordinateSystems"), {})
        entry: dict[str, Any] = {}
        if "name" not in absent:
            entry["name"] = node.get("name")
        entry["coordinateSystems"] = [
            {"name": cs.get("name", cs.get("id")), "axes": self.axes(cs.get("axes")),
             **extras.get(cs.get("name", cs.get("id")), {})} for cs in systems]
        datasets = []
        for level in node.get("nodes") or []:
            la = level.get("attributes") or {}
            path = _norm(posixpath.relpath(_target(rel_dir, level.get("path")), rel_dir or "."))
            if self.p("legacyTransform") in la:
                legacy = la[self.p("legacyTransform")]
            else:
                t = (la.get("coordinateTransformations") or [{}])[0]
                legacy = {k: v for k, v in t.items() if k not in ("input", "output")}
                legacy["input"] = path if self.strings(version) else {"path": path}
                legacy["output"] = self.unref(t.get("output"), rel_dir, systems, version)
            ds: dict[str, Any] = {"path": path, "coordinateTransformations": [legacy]}
            for key, value in la.items():
                name = self.unprefix(key)
                if name is not None and name != "legacyTransform":
                    ds[name] = value
            datasets.append(ds)
        entry["datasets"] = datasets
        if "coordinateTransformations" in a:
            entry["coordinateTransformations"] = [self.untransform(t, rel_dir, systems, version)
                                                  for t in a["coordinateTransformations"]]
        for key, value in a.items():
            name = self.unprefix(key)
            if name is not None and name not in _SPECIAL and name not in image_keys:
                entry[name] = value
        return entry

    def image_label(self, a: dict[str, Any]) -> dict[str, Any] | None:
        absent = a.get(self.p("absent"), [])
        if "image-label" in absent:
            return None
        labels = a.get("labels") or {}
        carried = dict(a.get(self.p("image-label"), {}))
        props = carried.pop("properties", None)
        extra_colors = {c.get("label-value"): c for c in carried.pop("colors", [])}
        source = carried.pop("source", {})
        values = {p.get("label-value") for p in props or []}
        colors = []
        for e in labels.get("labelAttributes") or []:
            if "color" in e or e.get("labelValue") not in values:
                c = {"label-value": e.get("labelValue")}
                if "color" in e:
                    c["rgba"] = e["color"]
                c.update({k: v for k, v in extra_colors.get(e.get("labelValue"), {}).items() if k != "label-value"})
                colors.append(c)
        out: dict[str, Any] = {}
        if colors:
            out["colors"] = colors
        if props is not None:
            out["properties"] = props
        if "image-label.source" not in absent:
            src = dict(source)
            refs = labels.get("source") or []
            if "image" not in src and refs and isinstance(refs[0], dict) and isinstance(refs[0].get("path"), dict):
                src = {"image": refs[0]["path"]["path"], **src}
            out["source"] = src
        out.update(carried)
        return out

    def labels_group(self, rel_dir: str) -> dict[str, Any]:
        """The legacy ``attributes`` of the ``labels`` group at ``rel_dir``."""
        parent = posixpath.dirname(rel_dir)
        root = self.attrs(parent).get("ome") or {}
        names = [_norm(posixpath.relpath(_target(parent, n["path"]), rel_dir or "."))
                 for n in root.get("nodes") or []
                 if isinstance(n.get("path"), dict) and "labels" in (n.get("attributes") or {})]
        attrs = self.attrs(rel_dir)
        ome: dict[str, Any] = {"version": self.version, "labels": names}
        other = {}
        for key, value in attrs.items():
            name = self.unprefix(key)
            if name is not None:
                ome[name] = value
            elif key != "ome":
                other[key] = value
        return {"ome": ome, **other}

    # -- scenes -----------------------------------------------------------------------
    def scene(self) -> dict[str, Any]:
        attrs = self.attrs("")
        root = attrs.get("ome") or {}
        a = root.get("attributes") or {}
        scene = a.get("scene") or {}
        systems = scene.get("coordinateSystems") or []
        extras = a.get(self.p("coordinateSystems"), {})
        out: dict[str, Any] = {}
        if "coordinateSystems" in scene:
            out["coordinateSystems"] = [
                {"name": cs.get("name", cs.get("id")), "axes": self.axes(cs.get("axes")),
                 **extras.get(cs.get("name", cs.get("id")), {})} for cs in systems]
        out["coordinateTransformations"] = [self.untransform(t, "", systems, self.version)
                                            for t in scene.get("coordinateTransformations") or []]
        ome: dict[str, Any] = {"version": self.version}
        if a.get(self.p("layout")) == "transformations":
            ome.update(out)
        else:
            ome["scene"] = {**out, **a.get(self.p("scene"), {})}
        for key, value in a.items():
            name = self.unprefix(key)
            if name is not None and name not in _SPECIAL:
                ome[name] = value
        return {"ome": ome, **{k: v for k, v in attrs.items() if k != "ome"}}

    # -- plates -----------------------------------------------------------------------
    def plate(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The plate's legacy ``attributes`` and each well's (by well path)."""
        attrs = self.attrs("")
        root = attrs.get("ome") or {}
        a = root.get("attributes") or {}
        plate_attr = a.get("plate") or {}
        row_names = {r["id"]: r.get("name", r["id"]) for r in plate_attr.get("rows") or []}
        col_names = {c["id"]: c.get("name", c["id"]) for c in plate_attr.get("columns") or []}
        plate: dict[str, Any] = {}
        for key in ("rows", "columns"):
            extras = {e["name"]: e for e in a.get(self.p(key), [])}
            plate[key] = [{**extras.get(e.get("name"), {}), "name": e.get("name", e["id"])}
                          for e in plate_attr.get(key) or []]
        acq_ids = [x["id"] for x in plate_attr.get("acquisitions") or []]
        carried_acq = a.get(self.p("acquisitions"))
        if carried_acq is not None:
            plate["acquisitions"] = carried_acq
        elif "acquisitions" in plate_attr:
            plate["acquisitions"] = plate_attr["acquisitions"]
        legacy_acq = {i: (carried_acq[n]["id"] if carried_acq and n < len(carried_acq) else i)
                      for n, i in enumerate(acq_ids)}
        wells, well_docs = [], {}
        for node in root.get("nodes") or []:
            wa = node.get("attributes") or {}
            well = wa.get("well") or {}
            w = dict(wa.get(self.p("well"), {}))
            e = dict(wa.get(self.p("plate-well"), {}))
            path = e.pop("path", f"{row_names.get(well.get('row', {}).get('id'))}/"
                                 f"{col_names.get(well.get('column', {}).get('id'))}")
            entry = {"path": path, **e}
            wells.append(entry)
            images = []
            for stub in node.get("nodes") or []:
                sa = stub.get("attributes") or {}
                image: dict[str, Any] = {"path": stub.get("name")}
                if isinstance(sa.get("acquisition"), dict):
                    image["acquisition"] = legacy_acq.get(sa["acquisition"].get("id"), sa["acquisition"].get("id"))
                for key, value in sa.items():
                    name = self.unprefix(key)
                    if name is not None:
                        image[name] = value
                images.append(image)
            version = w.pop("version", self.version)
            well_attrs = self.attrs(path)
            well_docs[path] = {"ome": {"version": version, "well": {"images": images, **w}},
                               **{k: v for k, v in well_attrs.items() if k != "ome"}}
        plate["wells"] = wells
        plate.update(a.get(self.p("plate"), {}))
        ome: dict[str, Any] = {"version": self.version, "plate": plate}
        for key, value in a.items():
            name = self.unprefix(key)
            if name is not None and name not in ("plate", "acquisitions", "rows", "columns", "well"):
                ome[name] = value
        return {"ome": ome, **{k: v for k, v in attrs.items() if k != "ome"}}, well_docs


def _systems_in(ome: Any) -> list[dict[str, Any]]:
    """Every coordinate system declared in an ``ome`` node tree."""
    found: list[dict[str, Any]] = []
    if isinstance(ome, dict):
        a = ome.get("attributes") or {}
        found += [cs for cs in a.get("coordinateSystems") or [] if isinstance(cs, dict)]
        found += [cs for cs in (a.get("scene") or {}).get("coordinateSystems") or [] if isinstance(cs, dict)]
        for child in ome.get("nodes") or []:
            found += _systems_in(child)
    return found


def reconstruct(plan, out: Output, inputs: dict[str, Any]) -> dict[str, Rebuilt]:
    """Legacy documents rebuilt from the output, by input file (``<dir>/zarr.json``),
    for every recorded 0.6 document with OME metadata; the others (arrays,
    plain groups) are left to the shared fallback."""
    rev = _Reverse(out, plan.version, plan.prefix)
    special: dict[str, dict[str, Any]] = {}
    wells: dict[str, dict[str, Any]] = {}
    if plan.layout == "ngff06-plate":
        special["zarr.json"], wells = rev.plate()
    elif plan.layout == "ngff06-scene":
        special["zarr.json"] = rev.scene()
    found: dict[str, Rebuilt] = {}
    for file, doc in inputs.items():
        if file.rsplit("/", 1)[-1] != "zarr.json" or not isinstance(doc, dict):
            continue
        rel_dir = posixpath.dirname(file)
        attrs = doc.get("attributes") if isinstance(doc.get("attributes"), dict) else {}
        trace = Trace(file, _OME if out.has(rel_dir) and "ome" in out.attributes(rel_dir) else ("attributes",))
        if file in special:
            legacy = special[file]
        elif rel_dir in wells:
            legacy = wells[rel_dir]
            trace = Trace("zarr.json", _OME)
        elif doc.get("node_type") != "group" or "ome" not in attrs:
            continue
        elif posixpath.basename(rel_dir) == "labels" and "ome" not in rev.attrs(rel_dir):
            legacy = rev.labels_group(rel_dir)
            trace = Trace(posixpath.join(posixpath.dirname(rel_dir), "zarr.json").lstrip("/"), _OME)
        else:
            legacy = rev.image(rel_dir, trace)
        document = {"zarr_format": 3, "node_type": "group", "attributes": legacy}
        found[file] = Rebuilt(document, trace, _canon(rel_dir), ome=True)
    return found


def _canon(doc_dir: str):
    def canon(doc: Any) -> Any:
        doc = canon_v3(doc)
        if isinstance(doc, dict) and isinstance(doc.get("attributes"), dict):
            return {**doc, "attributes": canonical(doc["attributes"], doc_dir)}
        return doc

    return canon


def canonical(attrs: Any, doc_dir: str = "") -> Any:
    """The comparison form of a legacy ``attributes`` object of the document
    in ``doc_dir`` (see the module docstring; a path with a leading ``/`` is
    taken from the dataset root)."""
    def walk(value: Any, key: str | None = None, multiscale: bool = False) -> Any:
        if isinstance(value, dict):
            out = {k: walk(v, k, multiscale or key == "multiscales") for k, v in value.items()}
            if key == "ome" and isinstance(out.get("well"), dict) and "version" in out["well"]:
                well = dict(out["well"])
                out.setdefault("version", well["version"])
                if well["version"] == out["version"]:
                    del well["version"]
                out["well"] = well
            return out
        if isinstance(value, list):
            items = [walk(v, None, multiscale or key == "multiscales") for v in value]
            if key == "coordinateSystems" and multiscale and all(isinstance(i, dict) for i in items):
                items.sort(key=lambda cs: json.dumps(cs.get("name")))
            return items
        if key in ("path", "image") and isinstance(value, str):
            if value.startswith("/"):
                value = posixpath.relpath(value.lstrip("/") or ".", doc_dir or ".")
            return norm_path(value)
        return value

    return walk(attrs)


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild every legacy 0.6 document of ``plan.inputs`` from the output at
    ``target_root`` and compare (module docstring).

    Returns the report entry ``{"documents", "equal", "mismatches",
    "compared"}`` of :func:`~ngff_migrate.formats.common.reverse.compare`.

    Raises
    ------
    VerificationError
        If an output document the reconstruction needs is missing or
        unreadable (naming it).
    """
    out = Output(target_root)
    inputs = {f: parse_input(f, data) for f, data in plan.inputs.items() if not f.startswith("/")}
    return compare(plan, reconstruct(plan, out, inputs), fallback(out, set(plan.inputs), plan.prefix))


__all__ = ["canonical", "reconstruct", "reverse_map"]
