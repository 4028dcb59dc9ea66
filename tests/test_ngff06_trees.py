"""Builders of real OME-Zarr 0.6 trees on disk from 0.6 metadata documents.

The 0.6 conformance documents (``tests/data/v06``) are attribute documents
without arrays; these helpers write them as Zarr v3 groups with zarr-python
and add tiny real arrays wherever the metadata points (levels, parameter
arrays, label images, the images a scene references, plate fields), so the
whole migration (read, translate, write, verify) runs on them.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
from pathlib import Path
from typing import Any

import numpy as np
import zarr

DATA = Path(__file__).parent / "data" / "v06"
SPACE = [{"name": n, "type": "space", "unit": "micrometer"} for n in ("z", "y", "x")]
FIELD_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def load_doc(path: Path) -> dict[str, Any]:
    """The ``attributes`` object of a conformance document: a full
    ``zarr.json`` or a bare ``{"ome": ...}`` (JSONC ``//`` lines stripped,
    ``_conformance`` dropped)."""
    text = "\n".join(line for line in Path(path).read_text().splitlines() if not line.lstrip().startswith("//"))
    doc = json.loads(text)
    doc.pop("_conformance", None)
    return doc.get("attributes", doc) if doc.get("zarr_format") == 3 else doc


def write_group(directory: Path, attributes: dict[str, Any]) -> None:
    """A Zarr v3 group with ``attributes`` (zarr-python writes the zarr.json)."""
    group = zarr.open_group(str(directory), mode="w", zarr_format=3)
    group.attrs.update(copy.deepcopy(attributes))


def write_array(directory: Path, shape: tuple[int, ...], dtype: str = "uint16") -> np.ndarray:
    """A chunked Zarr v3 array holding distinct values; returns the data."""
    data = (np.arange(int(np.prod(shape))) % 250 + 1).astype(dtype).reshape(shape)
    arr = zarr.create_array(store=str(directory), shape=shape, dtype=dtype,
                            chunks=tuple(max(1, s // 2) for s in shape), zarr_format=3, overwrite=True)
    arr[...] = data
    return data


def _ref(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        return value.get("name"), value.get("path")
    return None, None


def _param_shape(t: dict[str, Any]) -> tuple[int, ...]:
    return {"affine": (2, 3), "rotation": (2, 2), "displacements": (4, 4, 2),
            "coordinates": (4, 4, 2)}.get(t.get("type"), (2,))


def _param_paths(t: Any):
    if not isinstance(t, dict):
        return
    if t.get("type") in ("affine", "rotation", "displacements", "coordinates") and isinstance(t.get("path"), str):
        yield t
    for key in ("forward", "inverse"):
        yield from _param_paths(t.get(key))
    for inner in t.get("transformations") or []:
        yield from _param_paths(inner.get("transformation", inner) if isinstance(inner, dict) else inner)


def simple_image(directory: Path, version: str, system: str = "physical",
                 axes: list[dict[str, Any]] | None = None, levels: int = 1, name: str | None = None,
                 label: bool = False) -> None:
    """A minimal valid 0.6 image (``levels`` scale levels ``s0``...) with one
    coordinate system ``system``."""
    axes = axes or SPACE[1:]
    n = len(axes)
    write_group(directory, {})
    datasets = []
    for i in range(levels):
        path = f"s{i}"
        write_array(directory / path, tuple(max(2, 8 >> i) for _ in range(n)), "uint8" if label else "uint16")
        ref_in: Any = path if version in ("0.6.dev1", "0.6.dev2", "0.6.dev3") else {"path": path}
        ref_out: Any = system if isinstance(ref_in, str) else {"name": system}
        datasets.append({"path": path, "coordinateTransformations": [
            {"type": "scale", "scale": [float(2 ** i)] * n, "input": ref_in, "output": ref_out}]})
    ms: dict[str, Any] = {"coordinateSystems": [{"name": system, "axes": axes}], "datasets": datasets}
    if name:
        ms["name"] = name
    ome: dict[str, Any] = {"version": version, "multiscales": [ms]}
    if label:
        ome["image-label"] = {"colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}], "source": {"image": "../../"}}
    zarr.open_group(str(directory), mode="r+", zarr_format=3).attrs.update({"ome": ome})


def build_image(directory: Path, attributes: dict[str, Any]) -> Path:
    """Write an image document with real arrays at every dataset path, every
    parameter array and every label image its transformations reference."""
    directory = Path(directory)
    ome = attributes["ome"]
    version = ome.get("version", "0.6rc0")
    write_group(directory, attributes)
    labels: dict[str, tuple[str, list]] = {}
    for ms in ome.get("multiscales") or []:
        systems = {cs.get("name"): cs.get("axes") for cs in ms.get("coordinateSystems") or [] if isinstance(cs, dict)}
        for ds in ms.get("datasets") or []:
            if not isinstance(ds, dict) or not isinstance(ds.get("path"), str):
                continue
            try:
                out = _ref(ds["coordinateTransformations"][0]["output"])[0]
            except (KeyError, IndexError, TypeError):
                out = None
            axes = systems.get(out) or next(iter(systems.values()), SPACE[1:])
            n = len(axes) if isinstance(axes, list) else 2
            level = int(ds["path"][-1]) if ds["path"][-1].isdigit() else 0
            write_array(directory / ds["path"], tuple(max(2, 8 >> level) for _ in range(n)))
        for t in ms.get("coordinateTransformations") or []:
            for p in _param_paths(t):
                write_array(directory / p["path"].lstrip("/"), _param_shape(p), "float64")
            for key in ("input", "output"):
                name, path = _ref(t.get(key) if isinstance(t, dict) else None)
                if path:
                    other = _ref(t.get("output" if key == "input" else "input"))[0]
                    labels[path] = (name, systems.get(other) or SPACE[1:])
    if labels:
        names = [posixpath.relpath(p, "labels") for p in labels]
        write_group(directory / "labels", {"ome": {"version": version, "labels": names}})
        for path, (name, axes) in labels.items():
            simple_image(directory / path, version, system=name or "physical", axes=axes, label=True)
    return directory


def build_scene(directory: Path, attributes: dict[str, Any]) -> Path:
    """Write a scene document with a real image at every referenced path
    (a coordinate system of the referenced name, with the axes of the
    transformation's other end) and every parameter array."""
    directory = Path(directory)
    ome = attributes["ome"]
    version = ome.get("version", "0.6rc0")
    scene = ome.get("scene", ome)
    write_group(directory, attributes)
    systems = {cs["name"]: cs["axes"] for cs in scene.get("coordinateSystems") or [] if isinstance(cs, dict)}
    images: dict[str, dict[str, list]] = {}
    for t in scene.get("coordinateTransformations") or []:
        ends = [_ref(t.get("input")), _ref(t.get("output"))]
        for (name, path), (other_name, other_path) in (ends, ends[::-1]):
            if path:
                axes = systems.get(other_name) if other_path is None else None
                n = len(t.get("translation") or t.get("scale") or []) or \
                    (len(t["affine"][0]) - 1 if isinstance(t.get("affine"), list) else 0) or 3
                images.setdefault(path, {})[name] = axes or SPACE[-n:]
        for p in _param_paths(t):
            write_array(directory / p["path"].lstrip("/"), _param_shape(p), "float64")
    for path, named in images.items():
        name, axes = next(iter(named.items()))
        simple_image(directory / path, version, system=name, axes=axes, levels=2)
    return directory


def build_plate(directory: Path, attributes: dict[str, Any], wells: dict[str, dict] | None = None) -> Path:
    """Write a plate document, its row and well groups and one small 0.6
    field image per well image (``wells`` maps a well path to its ``well``
    object; default: one field ``0``, acquisition of the first declared)."""
    directory = Path(directory)
    ome = attributes["ome"]
    version = ome.get("version", "0.6rc0")
    write_group(directory, attributes)
    plate = ome["plate"] if isinstance(ome.get("plate"), dict) else {}
    acquisitions = [a for a in plate.get("acquisitions") or [] if isinstance(a, dict) and "id" in a]
    wells_list = plate.get("wells") if isinstance(plate.get("wells"), list) else []
    for entry in wells_list:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path:
            continue
        row = path.split("/")[0]
        if not (directory / row / "zarr.json").exists():
            write_group(directory / row, {})
        well = (wells or {}).get(path) or {"images": [
            {"path": "0", **({"acquisition": acquisitions[0]["id"]} if acquisitions else {})}]}
        write_group(directory / path, {"ome": {"version": version, "well": well}})
        for image in well.get("images") or [] if isinstance(well, dict) else []:
            field = image.get("path") if isinstance(image, dict) else None
            if isinstance(field, str) and FIELD_NAME.fullmatch(field) and not field.startswith(("__", ".")):
                simple_image(directory / path / field, version, levels=2)
    return directory


def build_label(directory: Path, attributes: dict[str, Any]) -> Path:
    """An image with one label image ``labels/cells`` whose ``image-label``
    is the document's (a 0.6 label conformance document is an
    ``image-label`` fragment)."""
    directory = Path(directory)
    version = attributes["ome"].get("version", "0.6rc0")
    simple_image(directory, version, levels=1, name="raw")
    write_group(directory / "labels", {"ome": {"version": version, "labels": ["cells"]}})
    simple_image(directory / "labels" / "cells", version, levels=1, label=True)
    group = zarr.open_group(str(directory / "labels" / "cells"), mode="r+")
    ome = dict(group.attrs["ome"])
    ome["image-label"] = attributes["ome"]["image-label"]
    group.attrs["ome"] = ome
    return directory


def build(directory: Path, attributes: dict[str, Any]) -> Path:
    """Write any 0.6 conformance document as a tree (image, label fragment,
    scene or transformation document, plate, or a well inside a one-well plate)."""
    ome = attributes.get("ome")
    if isinstance(ome, dict) and "multiscales" in ome:
        return build_image(directory, attributes)
    if isinstance(ome, dict) and "image-label" in ome:
        return build_label(directory, attributes)
    if isinstance(ome, dict) and "plate" in ome:
        return build_plate(directory, attributes)
    if isinstance(ome, dict) and "well" in ome:
        plate = {"columns": [{"name": "1"}], "rows": [{"name": "A"}],
                 "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}]}
        well = ome["well"]
        acq = sorted({i["acquisition"] for i in well.get("images") or []
                      if isinstance(i, dict) and isinstance(i.get("acquisition"), int)})
        if acq:
            plate["acquisitions"] = [{"id": a} for a in acq]
        return build_plate(directory, {"ome": {"version": ome.get("version", "0.6rc0"), "plate": plate}},
                           wells={"A/1": well})
    return build_scene(directory, attributes)
