"""The reverse map RFC-8 → NGFF 0.4 / 0.5 images with labels (DESIGN §6).

After writing, every legacy document of the input is rebuilt from the
RFC-8 output *re-read from storage* (:class:`~..common.reverse.Output`) and
compared with the bytes the read stage recorded:

* the image group (``.zattrs``/``.zgroup``, or the 0.5 ``zarr.json``):
  ``multiscales`` (``name``; ``axes`` from the coordinate system; one
  ``datasets`` entry per singlescale, ``path`` from its Path object and
  ``coordinateTransformations`` = ``[scale, translation?]`` from its
  transformation; every carried ``<prefix>:<key>`` of the multiscale and its
  levels), ``omero``, ``image-label`` (``colors`` from ``labelAttributes``
  and the carried extra colour keys, ``properties`` and other keys from
  ``<prefix>:image-label``, ``source.image`` from ``labels.source``), every
  non-OME attribute, and for 0.5 ``ome.version``;
* the ``labels`` group: its ``labels`` list from the label stubs of the
  image, its carried keys and non-OME attributes;
* every array: ``.zarray``/``.zattrs`` rebuilt from the v3 ``zarr.json``
  (:mod:`..common.reverse_zarr`), or a v3 ``zarr.json`` itself (unchanged).

What "equal" means (the comparison form, applied to both sides): besides
the shared rules (objects without key order, numbers by value; see
:mod:`..common.reverse` and :mod:`..common.reverse_zarr`),

* **transforms**: the translation composes the multiscale-level transforms
  into every level, so a ``multiscales`` entry compares by the *effective*
  per-level transform: ``scale = s_level·s_global`` and ``translation =
  t_level·s_global + t_global`` per axis (absent = ones / zeros; an
  ``identity`` is no transform), within a relative 1e-12; how the input split
  it between the levels and the multiscale is not compared. Extra keys of a
  legacy transform object are kept in the comparison (the reader drops them:
  reported lost);
* **paths** (``datasets[].path``, the ``labels`` list, ``source.image``)
  compare POSIX-normalised, surrounding ``/`` removed;
* **absent = null**: keys the migration maps to "absent" because the legacy
  value was null or empty (an axis ``unit: null``, ``name: null``/``""``,
  ``colors: []``, ``properties: []``) are left out on both sides;
* **defaults the output cannot tell apart**: a missing ``name`` equals the
  name the translation derives (the group's directory name; ``<dir>-<i>``
  with several multiscales); a missing ``image-label.source`` equals a
  ``source.image`` naming the parent image; a version inside a
  ``multiscales`` entry or ``image-label`` equal to the dataset's version is
  the same as none (RFC-8 keeps one version per document);
* **one bag of carried keys**: for a 0.5 image with one multiscale, unknown
  keys of ``ome`` and of ``multiscales[0]`` are carried on the same node, so
  they compare as keys of ``multiscales[0]`` (a key present at both levels
  with different values is reported).
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from ...storage.location import as_path
from ..common.reverse import (
    Approx,
    Output,
    Rebuilt,
    Trace,
    compare,
    drop_if,
    join,
    norm_path,
    plain,
    relpath,
    target_of,
    unprefixed,
)
from ..common.reverse_zarr import array_documents, fallback, group_documents

#: Keys of an ``ome`` object (0.5) / of the image ``.zattrs`` (0.4) the reverse map rebuilds itself.
OME_KEYS = ("version", "multiscales", "omero", "image-label")
#: Carried keys of the holder node that are not ``multiscales`` keys.
_SPECIAL = ("omero", "image-label")


class ImageReverse:
    """Rebuilds legacy images (and their labels and arrays) from one output
    tree; ``files`` collects the rebuilt documents by input file. Also used
    for HCS fields and bioformats2raw series."""

    def __init__(self, out: Output, plan) -> None:
        self.out = out
        self.prefix = plan.prefix
        self.version = plan.version
        self.wanted = set(plan.inputs)
        self.root_name = as_path(plan.root).name
        self.files: dict[str, Rebuilt] = {}

    def p(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    # -- images -------------------------------------------------------------------
    def image(self, rel: str, parent: str | None = None) -> dict[str, Any]:
        """Rebuild the image group at ``rel`` (a label image of ``parent``),
        its labels and arrays; returns its root RFC-8 node.

        Raises
        ------
        VerificationError
            If an output document is missing or unreadable.
        """
        file = join(rel, "zarr.json")
        attrs = self.out.attributes(rel)
        root = self.out.ome(rel)
        top: tuple[Any, ...] = ("attributes", "ome")
        if root.get("type") == "collection":
            nodes = list(enumerate(root.get("nodes") or []))
            ms = [(n, (*top, "nodes", i)) for i, n in nodes if n.get("type") == "multiscale" and "path" not in n]
            stubs = [(i, n) for i, n in nodes if "path" in n and "labels" in (n.get("attributes") or {})]
        else:
            ms, stubs = [(root, top)], []
        holder, holder_at = ms[0] if len(ms) == 1 else (root, top)
        trace = Trace(file, top)
        single = len(ms) == 1
        content: dict[str, Any] = {}
        content["multiscales"] = [self.multiscale(n, at, rel, i, file, trace) for i, (n, at) in enumerate(ms)]
        carried = unprefixed(holder.get("attributes") or {}, self.prefix)
        if "omero" in carried:
            content["omero"] = carried["omero"]
            trace.add(("omero",), file, (*holder_at, "attributes", self.p("omero")), True)
        if not single:
            for key, value in carried.items():
                if key not in _SPECIAL:
                    content[key] = value
                    trace.add((key,), file, (*holder_at, "attributes", self.p(key)), True)
        label = next(((n, at) for n, at in ms if "labels" in (n.get("attributes") or {})), None)
        if label is not None:
            content["image-label"] = self.image_label(*label, file, trace)
            if self.version == "0.4":
                content["image-label"]["version"] = self.version
        names = []
        for i, stub in stubs:
            target = target_of(rel, stub["path"])
            names.append((relpath(target, join(rel, "labels")), i))
            self.image(target, parent=rel)
        if stubs:
            self.labels_group(rel, names)
        other = {k: v for k, v in attrs.items() if k != "ome"}
        self.files.update(group_documents(rel, self.wanted, ome=content, other=other, version=self.version,
                                          trace=trace, canon_ome=self.canon(rel, parent)))
        return root

    def multiscale(self, node: dict[str, Any], at: tuple, rel: str, i: int, file: str,
                   trace: Trace) -> dict[str, Any]:
        """One legacy ``multiscales`` entry from a multiscale node at ``at``."""
        a = node.get("attributes") or {}
        loc = ("multiscales", i)
        trace.add(loc, file, at)
        entry: dict[str, Any] = {}
        if self.version == "0.4":
            entry["version"] = self.version
        entry["name"] = node.get("name")
        trace.add((*loc, "name"), file, (*at, "name"))
        systems = a.get("coordinateSystems") or [{}]
        entry["axes"] = systems[0].get("axes") if isinstance(systems[0], dict) else None
        trace.add((*loc, "axes"), file, (*at, "attributes", "coordinateSystems", 0, "axes"), True)
        datasets = []
        for j, level in enumerate(node.get("nodes") or []):
            la = level.get("attributes") or {}
            target = target_of(rel, level.get("path"))
            ds: dict[str, Any] = {"path": relpath(target, rel),
                                  "coordinateTransformations": _legacy_transforms(la.get("coordinateTransformations"))}
            lat = (*at, "nodes", j)
            trace.add((*loc, "datasets", j), file, lat)
            trace.add((*loc, "datasets", j, "path"), file, (*lat, "path"))
            t_at = (*lat, "attributes", "coordinateTransformations", 0)
            trace.add((*loc, "datasets", j, "coordinateTransformations"), file, t_at)
            if len(ds["coordinateTransformations"]) == 2:  # a sequence [scale, translation]
                t_at = (*t_at, "transformations")
                trace.add((*loc, "datasets", j, "coordinateTransformations", 1, "translation"), file,
                          (*t_at, 1, "translation"), True)
                trace.add((*loc, "datasets", j, "coordinateTransformations", 0, "scale"), file,
                          (*t_at, 0, "scale"), True)
            else:
                trace.add((*loc, "datasets", j, "coordinateTransformations", 0, "scale"), file,
                          (*t_at, "scale"), True)
            for key, value in unprefixed(la, self.prefix).items():
                ds[key] = value
                trace.add((*loc, "datasets", j, key), file, (*lat, "attributes", self.p(key)), True)
            datasets.append(ds)
            self.files.update(array_documents(self.out, target, self.wanted))
        entry["datasets"] = datasets
        trace.add((*loc, "coordinateTransformations"), file, (*at, "nodes"))
        for key, value in unprefixed(a, self.prefix, _SPECIAL).items():
            entry[key] = value
            trace.add((*loc, key), file, (*at, "attributes", self.p(key)), True)
        return entry

    def image_label(self, node: dict[str, Any], at: tuple, file: str, trace: Trace) -> dict[str, Any]:
        """The legacy ``image-label`` of a label image's multiscale node."""
        a = node.get("attributes") or {}
        labels = a.get("labels") or {}
        carried = dict(a.get(self.p("image-label")) or {})
        props = carried.pop("properties", None)
        extra = {_key(c.get("label-value")): c for c in carried.pop("colors", []) if isinstance(c, dict)}
        source = carried.pop("source", None)
        with_props = {_key(p.get("label-value")) for p in props or [] if isinstance(p, dict)}
        colors = []
        attrs_at = (*at, "attributes", "labels", "labelAttributes")
        for n, e in enumerate(labels.get("labelAttributes") or []):
            value = e.get("labelValue")
            if "color" in e or _key(value) not in with_props or _key(value) in extra:
                color: dict[str, Any] = {"label-value": value}
                if "color" in e:
                    color["rgba"] = e["color"]
                color.update({k: v for k, v in extra.get(_key(value), {}).items() if k != "label-value"})
                where = ("image-label", "colors", len(colors))
                trace.add(where, file, (*attrs_at, n))
                trace.add((*where, "rgba"), file, (*attrs_at, n, "color"), True)
                trace.add((*where, "label-value"), file, (*attrs_at, n, "labelValue"), True)
                colors.append(color)
        out: dict[str, Any] = {}
        carried_at = (*at, "attributes", self.p("image-label"))
        trace.add(("image-label",), file, (*at, "attributes", "labels"))
        if colors:
            out["colors"] = colors
            trace.add(("image-label", "colors"), file, (*at, "attributes", "labels", "labelAttributes"))
        if props is not None:
            out["properties"] = props
            trace.add(("image-label", "properties"), file, (*carried_at, "properties"), True)
        src = dict(source) if isinstance(source, dict) else {}
        if set(src) == {"source"}:  # a source that was not an object, carried wrapped
            out["source"] = src["source"]
        else:
            refs = labels.get("source") or []
            if "image" not in src and refs and isinstance(refs[0], dict) and isinstance(refs[0].get("path"), dict):
                src = {"image": refs[0]["path"].get("path"), **src}
            if src:
                out["source"] = src
        trace.add(("image-label", "source"), file, (*at, "attributes", "labels", "source"))
        for key, value in carried.items():
            out[key] = value
            trace.add(("image-label", key), file, (*carried_at, key), True)
        return out

    def labels_group(self, rel: str, names: list[tuple[str, int]]) -> None:
        """The ``labels`` group of the image at ``rel`` (``names``: label paths
        and the index of their stub in the image's document)."""
        lrel = join(rel, "labels")
        attrs = self.out.attributes(lrel)
        trace = Trace(join(lrel, "zarr.json"), ("attributes",))
        content: dict[str, Any] = {"labels": [n for n, _ in names]}
        for k, (_, i) in enumerate(names):
            trace.add(("labels", k), join(rel, "zarr.json"), ("attributes", "ome", "nodes", i, "path"))
        for key, value in unprefixed(attrs, self.prefix).items():
            content[key] = value
            trace.add((key,), join(lrel, "zarr.json"), ("attributes", self.p(key)), True)
        self.files.update(group_documents(lrel, self.wanted, ome=content, other=plain(attrs, self.prefix),
                                          version=self.version, trace=trace, canon_ome=canon_labels_group))

    # -- comparison form -------------------------------------------------------------
    def canon(self, rel: str, parent: str | None):
        """The comparison form of the image at ``rel`` (module docstring)."""
        base = posixpath.basename(rel) if rel else self.root_name

        def canon(content: Any, v3: bool) -> Any:
            if not isinstance(content, dict):
                return content
            c = dict(content)
            ms = c.get("multiscales")
            if isinstance(ms, list):
                if v3 and len(ms) == 1 and isinstance(ms[0], dict):
                    first = dict(ms[0])
                    for key in [k for k in c if k not in OME_KEYS and k != "labels"]:
                        if key not in first or first[key] == c[key]:
                            first[key] = c.pop(key)
                    ms = [first]
                default = [base] if len(ms) == 1 else [f"{base}-{i}" for i in range(len(ms))]
                c["multiscales"] = [self._canon_multiscale(e, default[i]) for i, e in enumerate(ms)]
            if isinstance(c.get("image-label"), dict):
                il = self._canon_label(c["image-label"], rel, parent)
                if il:
                    c["image-label"] = il
                else:
                    del c["image-label"]
            return c

        return canon

    def _canon_multiscale(self, entry: Any, default_name: str) -> Any:
        if not isinstance(entry, dict):
            return entry
        e = dict(entry)
        drop_if(e, "version", self.version)
        drop_if(e, "name", None, "", default_name)
        if isinstance(e.get("axes"), list):
            e["axes"] = [{"name": a} if isinstance(a, str) else
                         {k: v for k, v in a.items() if v is not None} if isinstance(a, dict) else a
                         for a in e["axes"]]
        g_scale, g_trans, g_extra = _split(e.pop("coordinateTransformations", None))
        n = len(e["axes"]) if isinstance(e.get("axes"), list) else None
        if isinstance(e.get("datasets"), list):
            e["datasets"] = [_canon_dataset(ds, g_scale, g_trans, g_extra, n) for ds in e["datasets"]]
        return e

    def _canon_label(self, il: dict[str, Any], rel: str, parent: str | None) -> dict[str, Any]:
        il = dict(il)
        drop_if(il, "version", self.version)
        drop_if(il, "colors", None, [])
        drop_if(il, "properties", None, [])
        src = il.get("source")
        if isinstance(src, dict):
            src = dict(src)
            if parent is not None and "image" in src and norm_path(src["image"], strip=True) == relpath(parent, rel):
                del src["image"]
            if src:
                il["source"] = src
            else:
                del il["source"]
        return il


def canon_labels_group(content: Any, v3: bool) -> Any:
    """Comparison form of a ``labels`` group: label paths normalised."""
    if isinstance(content, dict) and isinstance(content.get("labels"), list):
        return {**content, "labels": [norm_path(n, strip=True) for n in content["labels"]]}
    return content


def _key(value: Any) -> Any:
    """A label value as a dict key (``1`` and ``1.0`` alike; unhashable values by their text)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def _legacy_transforms(ts: Any) -> list[Any]:
    """``[scale, translation?]`` of a singlescale's one transformation (a
    ``scale``, or a ``sequence`` of them); anything else as it is."""
    t = ts[0] if isinstance(ts, list) and ts else None
    if not isinstance(t, dict):
        return [t]
    if t.get("type") == "scale":
        return [{"type": "scale", "scale": t.get("scale")}]
    if t.get("type") == "sequence" and isinstance(t.get("transformations"), list):
        return [{k: v for k, v in s.items() if k not in ("input", "output")} if isinstance(s, dict) else s
                for s in t["transformations"]]
    return [{k: v for k, v in t.items() if k not in ("input", "output")}]


def _split(ts: Any) -> tuple[list | None, list | None, list[Any]]:
    """``(scale, translation, the rest)`` of a legacy transform list; the rest
    is what the effective form cannot express (other types, extra keys)."""
    scale = trans = None
    rest: list[Any] = []
    for t in ts if isinstance(ts, list) else ([] if ts is None else [ts]):
        kind = t.get("type") if isinstance(t, dict) else None
        if kind in ("scale", "translation") and isinstance(t.get(kind), list):
            if kind == "scale":
                scale = t["scale"]
            else:
                trans = t["translation"]
            extra = {k: v for k, v in t.items() if k not in ("type", kind)}
            if extra:
                rest.append({"type": kind, **extra})
        elif kind != "identity" or len(t) > 1:
            rest.append(t)
    return scale, trans, rest


def _canon_dataset(ds: Any, g_scale, g_trans, g_extra: list[Any], n_axes: int | None) -> Any:
    if not isinstance(ds, dict):
        return ds
    d = dict(ds)
    d["path"] = norm_path(d.get("path"), strip=True)
    scale, trans, rest = _split(d.pop("coordinateTransformations", None))
    n = n_axes or max(len(v) for v in (scale, trans, g_scale, g_trans, [0]) if isinstance(v, list))
    s_l, t_l = scale or [1.0] * n, trans or [0.0] * n
    s_g, t_g = g_scale or [1.0] * n, g_trans or [0.0] * n
    if not all(len(v) == n and all(_num(x) for x in v) for v in (s_l, t_l, s_g, t_g)):
        d["coordinateTransformations"] = [{"scale": s_l, "translation": t_l},
                                          {"scale": s_g, "translation": t_g}, *rest, *g_extra]
        return d
    eff_s = [Approx(a * b, a * b) for a, b in zip(s_l, s_g, strict=True)]
    eff_t = [Approx(a * b + c, max(abs(a * b), abs(c))) for a, b, c in zip(t_l, s_g, t_g, strict=True)]
    d["coordinateTransformations"] = [{"type": "scale", "scale": eff_s},
                                      {"type": "translation", "translation": eff_t}, *rest, *g_extra]
    return d


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild every legacy document of a 0.4/0.5 image (with labels) from the
    output at ``target_root`` and compare it with the input (module docstring).

    Returns ``{"documents", "equal", "mismatches", "compared"}``
    (:func:`~ngff_migrate.formats.common.reverse.compare`).

    Raises
    ------
    VerificationError
        If an output document the reconstruction needs is missing or
        unreadable (naming it).
    """
    out = Output(target_root)
    rev = ImageReverse(out, plan)
    rev.image("")
    return compare(plan, rev.files, fallback(out, rev.wanted, plan.prefix))


__all__ = ["ImageReverse", "canon_labels_group", "reverse_map"]
