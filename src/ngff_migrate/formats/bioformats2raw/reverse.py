"""The reverse map RFC-8 → ``bioformats2raw.layout`` containers (DESIGN §6).

Rebuilt from the output re-read from storage, and compared with the
recorded input:

* the container root: ``bioformats2raw.layout`` from
  ``<prefix>:bioformats2raw.layout``, every other carried key, the non-OME
  attributes, 0.5 ``ome.version``; a container that is a plate is rebuilt as
  the plate (:mod:`ngff_migrate.formats.hcs.reverse`) plus its layout key;
* the ``OME`` group: ``series`` from ``<prefix>:bioformats2raw.series``, its
  carried keys (``<prefix>:<key>`` on the group's document) and non-OME
  attributes;
* every series image (the stubs carrying ``<prefix>:series``, in order) with
  its labels and arrays (:mod:`ngff_migrate.formats.ngff_image.reverse`);
* a 0.6 container: every series image, label image and ``labels`` group (or
  the plate, its wells and fields) by the 0.6 reverse map
  (:func:`ngff_migrate.formats.ngff06.reverse.reconstruct`, with its
  comparison rules), the root and the ``OME`` group as above.

What "equal" means, beyond the image and plate rules: ``omeXml`` is the
translation's own pointer (not a legacy key) and is not compared; the
``OME/series`` list of a container that is a plate is not written by the
translation, so it compares equal only when it lists the plate's fields in
plate order (wells in order, fields in well order), as bioformats2raw writes
it; the ``OME`` group's 0.5 ``ome.version`` is the dataset's version.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..common.reverse import (
    Output,
    Trace,
    compare,
    join,
    norm_path,
    parse_input,
    plain,
    target_of,
    unprefixed,
)
from ..common.reverse_zarr import fallback, group_documents
from ..hcs.reverse import PlateReverse
from ..ngff06.common import is_v06
from ..ngff06.reverse import reconstruct
from ..ngff_image.reverse import ImageReverse

KEY = "bioformats2raw"


def reverse_map(plan, target_root: Path) -> dict[str, Any]:
    """Rebuild every legacy document of a bioformats2raw container (root,
    ``OME`` group, series images or the plate) from the output at
    ``target_root`` and compare it with the input (module docstring).

    Returns the report entry of
    :func:`~ngff_migrate.formats.common.reverse.compare`.

    Raises
    ------
    VerificationError
        If an output document the reconstruction needs is missing or unreadable.
    """
    out = Output(target_root)
    images = ImageReverse(out, plan)
    prefix = plan.prefix
    attrs = out.attributes("")
    root = out.ome("")
    a = root.get("attributes") or {}
    info = a.get(f"{prefix}:{KEY}") if isinstance(a.get(f"{prefix}:{KEY}"), dict) else {}
    fields: list[str] = []
    plate = isinstance(a.get("plate"), dict)
    if plate:
        for well in root.get("nodes") or []:
            fields.extend(target_of("", stub.get("path")) for stub in well.get("nodes") or [])
    if is_v06(plan.version):
        _reverse06(plan, out, images, info, plate)
        if not plate:
            _series_root(images, attrs, root, info, plan.version, series=False)
    elif plate:
        PlateReverse(out, plan, images).plate(layout=info.get("layout"), skip=(KEY,))
    else:
        _series_root(images, attrs, root, info, plan.version)
    _ome_group(images, info, fields, plan.version)
    return compare(plan, images.files, fallback(out, images.wanted, prefix))


def _reverse06(plan, out: Output, images: ImageReverse, info: dict[str, Any], plate: bool) -> None:
    """The legacy 0.6 documents below the root of a 0.6 container (series
    images with their labels, or the plate with its wells and fields, the
    plate's root document included), by the 0.6 reverse map; the root of a
    series container and the ``OME`` group are left to the callers."""
    skip = {"OME/zarr.json"} if plate else {"zarr.json", "OME/zarr.json"}
    inputs = {f: parse_input(f, data) for f, data in plan.inputs.items() if not f.startswith("/") and f not in skip}
    view = dataclasses.replace(plan, layout="ngff06-plate" if plate else plan.layout)
    found = reconstruct(view, out, inputs)
    root = found.get("zarr.json")
    if root is not None:  # the plate: its container keys back as the container wrote them
        ome = root.document["attributes"]["ome"]
        ome.pop(KEY, None)
        ome["bioformats2raw.layout"] = info.get("layout")
        root.trace.add(("attributes", "ome", "bioformats2raw.layout"), "zarr.json",
                       ("attributes", "ome", "attributes", f"{plan.prefix}:{KEY}", "layout"))
    images.files.update(found)


def _series_root(images: ImageReverse, attrs: dict[str, Any], root: dict[str, Any], info: dict[str, Any],
                 version: str | None, *, series: bool = True) -> None:
    """The container root of a series container, and (``series``) every
    series image (0.4/0.5)."""
    prefix, file, top = images.prefix, "zarr.json", ("attributes", "ome")
    a = root.get("attributes") or {}
    trace = Trace(file, top)
    content: dict[str, Any] = {"bioformats2raw.layout": info.get("layout")}
    trace.add(("bioformats2raw.layout",), file, (*top, "attributes", f"{prefix}:{KEY}", "layout"))
    for key, value in unprefixed(a, prefix, (KEY,)).items():
        content[key] = value
        trace.add((key,), file, (*top, "attributes", f"{prefix}:{key}"), True)
    for stub in (root.get("nodes") or []) if series else []:
        if f"{prefix}:series" in (stub.get("attributes") or {}):
            images.image(target_of("", stub.get("path")))
    other = {k: v for k, v in attrs.items() if k != "ome"}
    images.files.update(group_documents("", images.wanted, ome=content, other=other, version=version,
                                        trace=trace))


def _ome_group(images: ImageReverse, info: dict[str, Any], fields: list[str], version: str | None) -> None:
    """The ``OME`` group (its ``series`` list and its own keys)."""
    rel = "OME"
    if not any(f.startswith(f"{rel}/") for f in images.wanted):
        return
    attrs = images.out.attributes(rel)
    prefix = images.prefix
    trace = Trace(join(rel, "zarr.json"), ("attributes",))
    content: dict[str, Any] = {}
    if "series" in info:
        content["series"] = info["series"]
        trace.add(("series",), "zarr.json", ("attributes", "ome", "attributes", f"{prefix}:{KEY}", "series"), True)
    for key, value in unprefixed(attrs, prefix).items():
        content[key] = value
        trace.add((key,), join(rel, "zarr.json"), ("attributes", f"{prefix}:{key}"), True)
    other = plain(attrs, prefix)  # Zarr v2: the same keys as the carried ones (OME/.zattrs is one object)

    def canon(content: Any, v3: bool) -> Any:
        if isinstance(content, dict) and fields and isinstance(content.get("series"), list) \
                and [norm_path(s, strip=True) for s in content["series"]] == fields:
            return {k: v for k, v in content.items() if k != "series"}
        return content

    images.files.update(group_documents(rel, images.wanted, ome=content, other=other, version=version,
                                        trace=trace, canon_ome=canon))


__all__ = ["reverse_map"]
