"""HCS plates (NGFF 0.4/0.5 §plate, §well) migrated to RFC-8.

The plates come from two third-party writers and from real plate metadata:

* ome-zarr-py (``write_plate_metadata``/``write_well_metadata``/``write_image``/
  ``write_labels``) at 0.4 and 0.5: 2×3 grid with three wells (the other grid
  positions are missing), two fields per well, two acquisitions with integer
  ids and extras, ``field_count``, ``name``, one field with a label image;
* ngff-zarr (``to_hcs_zarr(HCSPlate(...))`` + ``write_hcs_well_image``) at 0.4
  and 0.5: 3×2 grid with three wells, two fields each, two acquisitions;
* real metadata from ``tests/data/hcs`` (see PROVENANCE.md there):

  - IDR plate 2551 (omero-zarr, 0.4, 96 wells): the plate, one real well (6
    fields, one per acquisition), real image and ``labels`` metadata. Every
    other listed well gets well metadata with one field (two in every fourth
    well) whose ``acquisition`` ids come from the plate; fields with real
    image metadata keep it (five levels), the others get the real metadata
    of ``A/2/2`` cut to one level; every ``labels`` group gets a label image.
  - yaozarrs 76-45 (0.5, 384 wells, ``bioformats2raw.layout``, ``_creator``,
    empty ``name``, no acquisitions): every well without metadata gets one
    field as in the real wells, fields without metadata get the real image
    metadata of ``A/1/0`` cut to one level, row groups a plain ``zarr.json``.
    By default only the first 24 ``wells`` entries are kept (columns 1-2,
    with the four real wells); the whole plate takes about 30 s and runs
    with ``NGFF_MIGRATE_FULL_PLATES=1``.
  - ome2024-ngff-challenge ``hcs.zarr`` and ome-zarr-py ``plate-rows-2.zarr``
    (bioformats2raw plates with real chunks, used as they are) and the
    ome-zarr-models-py ``hcs_example`` plate (tiny arrays instead of its
    empty 2160×5120 ones).

Every array is tiny (uint8, 32×32 pixels at most). Every source tree is
built once per session and copied for each test.
"""

from __future__ import annotations

import copy
import json
import os
import posixpath
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checks import arrays_under, assert_documents_valid, assert_pixels_equal, ome_documents
from conftest import tree_digest
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app

HCS = Path(__file__).parent / "data" / "hcs"
PREFIX = "ngff-migrate"
#: Plate keys with an RFC-8 home; every other plate key is carried.
PLATE_MAPPED = {"rows", "columns", "wells", "acquisitions"}
NO_ACQUISITION = object()


# ---------------------------------------------------------------------------
# small writers used to complete the trees
# ---------------------------------------------------------------------------

def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))


def _group(path: Path, zarr_format: int) -> None:
    """A plain group document, unless the directory already has one."""
    path.mkdir(parents=True, exist_ok=True)
    if zarr_format == 2:
        if not (path / ".zgroup").exists():
            _write_json(path / ".zgroup", {"zarr_format": 2})
    elif not (path / "zarr.json").exists():
        _write_json(path / "zarr.json", {"zarr_format": 3, "node_type": "group", "attributes": {}})


def _tiny_array(path: Path, shape: tuple[int, ...], zarr_format: int, seed: int,
                dimension_names: list[str] | None = None) -> None:
    """An uncompressed uint8 array of random pixels, two chunks along the last axis."""
    data = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    chunks = (*shape[:-1], max(1, (shape[-1] + 1) // 2))
    path.mkdir(parents=True, exist_ok=True)
    if zarr_format == 2:
        _write_json(path / ".zarray", {
            "zarr_format": 2, "shape": list(shape), "chunks": list(chunks), "dtype": "|u1",
            "compressor": None, "fill_value": 0, "filters": None, "order": "C",
            "dimension_separator": "/"})
    else:
        meta = {"zarr_format": 3, "node_type": "array", "shape": list(shape), "data_type": "uint8",
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
                "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                "fill_value": 0, "codecs": [{"name": "bytes"}], "attributes": {}}
        if dimension_names:
            meta["dimension_names"] = dimension_names
        _write_json(path / "zarr.json", meta)
    n = -(-shape[-1] // chunks[-1])
    for i in range(n):
        block = np.zeros(chunks, dtype=np.uint8)
        part = data[..., i * chunks[-1]:(i + 1) * chunks[-1]]
        block[..., :part.shape[-1]] = part
        idx = ["0"] * (len(shape) - 1) + [str(i)]
        key = "/".join(idx) if zarr_format == 2 else "/".join(["c", *idx])
        (path / key).parent.mkdir(parents=True, exist_ok=True)
        (path / key).write_bytes(block.tobytes())


def _level_shape(axes: list[dict[str, Any]], level: int, channels: int, size: int = 32) -> tuple[int, ...]:
    shape = []
    for axis in axes:
        if axis.get("type") == "channel":
            shape.append(channels)
        elif axis["name"] in ("y", "x"):
            shape.append(max(1, size >> level))
        else:
            shape.append(1)
    return tuple(shape)


def _ome_of(path: Path, zarr_format: int) -> dict[str, Any] | None:
    """The legacy OME metadata of a group directory (None if it has none)."""
    if zarr_format == 2:
        return _read_json(path / ".zattrs") if (path / ".zattrs").exists() else None
    if not (path / "zarr.json").exists():
        return None
    return _read_json(path / "zarr.json").get("attributes", {}).get("ome")


def _write_ome(path: Path, zarr_format: int, ome: dict[str, Any]) -> None:
    _group(path, zarr_format)
    if zarr_format == 2:
        _write_json(path / ".zattrs", ome)
    else:
        _write_json(path / "zarr.json", {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}})


def _image(path: Path, zarr_format: int, template: dict[str, Any], seed: int) -> None:
    """Complete the image at ``path``: its metadata (``template`` unless it has
    some) and a tiny array per dataset; label images for a ``labels`` group."""
    ome = _ome_of(path, zarr_format)
    if not ome or "multiscales" not in ome:
        ome = copy.deepcopy(template)
        _write_ome(path, zarr_format, ome)
    _group(path, zarr_format)
    ms = ome["multiscales"][0]
    channels = len((ome.get("omero") or {}).get("channels") or []) or 2
    names = [a["name"] for a in ms["axes"]]
    for level, ds in enumerate(ms["datasets"]):
        if not (path / ds["path"] / (".zarray" if zarr_format == 2 else "zarr.json")).exists():
            _tiny_array(path / ds["path"], _level_shape(ms["axes"], level, channels), zarr_format,
                        seed * 10 + level, names if zarr_format == 3 else None)
    labels = _ome_of(path / "labels", zarr_format) if (path / "labels").is_dir() else None
    if labels:
        _group(path / "labels", zarr_format)
        for k, name in enumerate(labels["labels"]):
            _label_image(path / "labels" / name, zarr_format, ms, seed * 100 + k)


def _label_image(path: Path, zarr_format: int, parent_ms: dict[str, Any], seed: int) -> None:
    """A two-level label image with the parent's axes, one channel."""
    axes = copy.deepcopy(parent_ms["axes"])
    datasets = copy.deepcopy(parent_ms["datasets"][:2])
    version = {"version": "0.4"} if zarr_format == 2 else {}
    ome = {"multiscales": [{**version, "name": path.name, "axes": axes, "datasets": datasets}],
           "image-label": {**version, "colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}],
                           "source": {"image": "../../"}}}
    if zarr_format == 3:
        ome = {"version": "0.5", **ome}
    _write_ome(path, zarr_format, ome)
    names = [a["name"] for a in axes]
    for level, ds in enumerate(datasets):
        _tiny_array(path / ds["path"], _level_shape(axes, level, 1), zarr_format, seed * 10 + level,
                    names if zarr_format == 3 else None)


# ---------------------------------------------------------------------------
# the source plates
# ---------------------------------------------------------------------------

def _write_ome_zarr_py(path: Path, version: str) -> None:
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels, write_plate_metadata, write_well_metadata

    fmt = FormatV04() if version == "0.4" else FormatV05()
    root = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    wells = ["A/1", "A/3", "B/2"]  # A/2, B/1 and B/3 are not on the plate
    acquisitions = [
        {"id": 1, "name": "first pass", "maximumfieldcount": 2, "starttime": 1343749391000},
        {"id": 2, "name": "second pass", "maximumfieldcount": 2, "description": "after drug",
         "starttime": 1343749399000, "endtime": 1343749499000},
    ]
    write_plate_metadata(root, ["A", "B"], ["1", "2", "3"], wells, fmt=fmt, acquisitions=acquisitions,
                         field_count=2, name="ome-zarr-py plate")
    rng = np.random.default_rng(7)
    for well in wells:
        row, column = well.split("/")
        group = root.require_group(row).require_group(column)
        write_well_metadata(group, [{"path": "0", "acquisition": 1}, {"path": "1", "acquisition": 2}], fmt=fmt)
        for field in ("0", "1"):
            image = group.require_group(field)
            write_image(rng.integers(0, 256, size=(2, 32, 32), dtype=np.uint8), image, axes="cyx", fmt=fmt,
                        scale_factors=(2,), storage_options={"chunks": (1, 16, 16)},
                        scale={"c": 1.0, "y": 0.65, "x": 0.65}, axes_units={"y": "micrometer", "x": "micrometer"})
            if (well, field) == ("A/1", "0"):
                write_labels((rng.random((32, 32)) > 0.6).astype(np.uint8) * 4, image, name="nuclei", axes="yx",
                             fmt=fmt, scale_factors=(2,), storage_options={"chunks": (16, 16)},
                             label_metadata={"colors": [{"label-value": 4, "rgba": [0, 255, 0, 255]}]})


def _write_ngff_zarr(path: Path, version: str) -> None:
    import ngff_zarr as nz
    from ngff_zarr.hcs import HCSPlate, to_hcs_zarr, write_hcs_well_image
    from ngff_zarr.v04.zarr_metadata import (
        Plate,
        PlateAcquisition,
        PlateColumn,
        PlateRow,
        PlateWell,
    )

    meta = Plate(columns=[PlateColumn("1"), PlateColumn("2")],
                 rows=[PlateRow("A"), PlateRow("B"), PlateRow("C")],
                 wells=[PlateWell("A/1", 0, 0), PlateWell("B/2", 1, 1), PlateWell("C/1", 2, 0)],
                 version=version,
                 acquisitions=[PlateAcquisition(id=0, name="day 0", maximumfieldcount=2, starttime=10, endtime=20),
                               PlateAcquisition(id=7, description="day 7")],
                 field_count=2, name="ngff-zarr plate")
    to_hcs_zarr(HCSPlate(str(path), meta), str(path))
    rng = np.random.default_rng(11)
    for well in meta.wells:
        row, column = well.path.split("/")
        for field, acquisition in ((0, 0), (1, 7)):
            image = nz.to_ngff_image(rng.integers(0, 256, (2, 32, 32), dtype=np.uint8), dims=["c", "y", "x"],
                                     scale={"c": 1.0, "y": 0.5, "x": 0.5})
            write_hcs_well_image(str(path), nz.to_multiscales(image, scale_factors=[2], chunks=16), meta,
                                 row, column, field_index=field, acquisition_id=acquisition, version=version)


def _build_idr_2551(path: Path) -> None:
    shutil.copytree(HCS / "idr-2551.zarr", path)
    _group(path, 2)
    plate = _read_json(path / ".zattrs")["plate"]
    acquisitions = [a["id"] for a in plate["acquisitions"]]
    template = _read_json(path / "A" / "2" / "2" / ".zattrs")
    template["multiscales"][0]["datasets"] = template["multiscales"][0]["datasets"][:1]
    for i, entry in enumerate(plate["wells"]):
        well = path / entry["path"]
        _group(well.parent, 2)
        _group(well, 2)
        if not (well / ".zattrs").exists():
            # fields: the real image directories found there, else one or two new ones
            fields = sorted(p.name for p in well.iterdir() if p.is_dir()) or (["0", "1"] if i % 4 == 1 else ["0"])
            images = [{"path": f, "acquisition": acquisitions[(i + j) % len(acquisitions)]}
                      for j, f in enumerate(fields)]
            _write_json(well / ".zattrs", {"well": {"images": images, "version": "0.4"}})
        for j, image in enumerate(_read_json(well / ".zattrs")["well"]["images"]):
            _image(well / image["path"], 2, template, seed=i * 10 + j)


def _build_yaozarrs_76_45(path: Path, wells: int | None = None) -> None:
    """The 384-well plate; with ``wells``, its ``wells`` list cut to the first ones."""
    shutil.copytree(HCS / "yaozarrs-76-45.ome.zarr", path)
    doc = _read_json(path / "zarr.json")
    plate = doc["attributes"]["ome"]["plate"]
    if wells is not None:
        plate["wells"] = plate["wells"][:wells]
        _write_json(path / "zarr.json", doc)
    template = _read_json(path / "A" / "1" / "0" / "zarr.json")["attributes"]["ome"]
    template["multiscales"][0]["datasets"] = template["multiscales"][0]["datasets"][:1]
    for i, entry in enumerate(plate["wells"]):
        well = path / entry["path"]
        _group(well.parent, 3)
        if not (well / "zarr.json").exists():  # as the real wells: one field, no acquisition
            _write_ome(well, 3, {"well": {"images": [{"path": "0"}]}, "version": "0.5"})
        for j, image in enumerate(_ome_of(well, 3)["well"]["images"]):
            field_template = copy.deepcopy(template)
            field_template["multiscales"][0]["name"] = f"Scan {entry['path'].replace('/', '')}"
            _image(well / image["path"], 3, field_template, seed=i * 10 + j)


def _build_models_hcs_example(path: Path) -> None:
    shutil.copytree(HCS / "models-hcs_example.ome.zarr", path)
    _image(path / "B" / "03" / "0", 2, {}, seed=5)


FULL_PLATES = os.environ.get("NGFF_MIGRATE_FULL_PLATES") == "1"
BUILDERS = {
    "ome-zarr-py-0.4": lambda p: _write_ome_zarr_py(p, "0.4"),
    "ome-zarr-py-0.5": lambda p: _write_ome_zarr_py(p, "0.5"),
    "ngff-zarr-0.4": lambda p: _write_ngff_zarr(p, "0.4"),
    "ngff-zarr-0.5": lambda p: _write_ngff_zarr(p, "0.5"),
    "idr-2551": _build_idr_2551,
    # the first 24 of its 384 wells (rows A-L of columns 1 and 2, with the
    # four real wells): the whole plate takes 30 s (see test below)
    "yaozarrs-76-45-first24": lambda p: _build_yaozarrs_76_45(p, wells=24),
    "ome2024-hcs": lambda p: shutil.copytree(HCS / "ome2024-hcs.zarr", p),
    "ome-zarr-py-plate-rows-2": lambda p: shutil.copytree(HCS / "ome-zarr-py-plate-rows-2.zarr", p),
    "models-hcs_example": _build_models_hcs_example,
}
PLATES = list(BUILDERS)
BUILDERS["yaozarrs-76-45"] = _build_yaozarrs_76_45


@pytest.fixture(scope="session")
def _plate_cache(tmp_path_factory) -> dict[str, Path]:
    return {"base": tmp_path_factory.mktemp("hcs-pristine")}


@pytest.fixture
def plate(_plate_cache, tmp_path):
    """Factory: a private copy of a source plate (built once per session)."""
    def make(name: str) -> Path:
        if name not in _plate_cache:
            path = _plate_cache["base"] / f"{name}.zarr"
            BUILDERS[name](path)
            _plate_cache[name] = path
        n = 1
        while (tmp_path / f"copy{n}").exists():
            n += 1
        dst = tmp_path / f"copy{n}" / f"{name}.zarr"
        shutil.copytree(_plate_cache[name], dst)
        return dst
    return make


# ---------------------------------------------------------------------------
# what the source says
# ---------------------------------------------------------------------------

def _zarr_format(src: Path) -> int:
    return 3 if (src / "zarr.json").exists() else 2


def _source_layout(src: Path) -> tuple[dict[str, Any], dict[str, list[tuple[str, Any]]]]:
    """(plate metadata, well path -> [(field path, acquisition)]) read from the source."""
    fmt = _zarr_format(src)
    plate = _ome_of(src, fmt)["plate"]
    wells = {}
    for entry in plate["wells"]:
        well = _ome_of(src / entry["path"], fmt)["well"]
        wells[entry["path"]] = [(im["path"], im.get("acquisition", NO_ACQUISITION)) for im in well["images"]]
    return plate, wells


# ---------------------------------------------------------------------------
# walking the output from its root document
# ---------------------------------------------------------------------------

def _resolve(doc_dir: str, path: Any) -> str:
    assert isinstance(path, dict) and path.get("type") == "zarr", path
    out = posixpath.normpath(posixpath.join(doc_dir, path["path"]))
    return "" if out == "." else out


def _document(dst: Path, rel: str) -> dict[str, Any]:
    return _read_json(dst / rel / "zarr.json")["attributes"]["ome"]


def _walk_document(dst: Path, rel: str, arrays: set[str], documents: list[str]) -> dict[str, Any]:
    """Collect every array reachable from the document at ``rel`` (following stubs)."""
    root = _document(dst, rel)
    documents.append(rel)

    def visit(node: dict[str, Any]) -> None:
        if node["type"] == "singlescale":
            arrays.add(_resolve(rel, node["path"]))
            return
        if "path" in node:  # a path-only stub: its document must have the stub's type
            assert "nodes" not in node, node
            target = _walk_document(dst, _resolve(rel, node["path"]), arrays, documents)
            assert target["type"] == node["type"], (node, target["type"])
            return
        for child in node.get("nodes", []):
            visit(child)

    visit(root)
    return root


# ---------------------------------------------------------------------------
# the checks every plate must pass
# ---------------------------------------------------------------------------

def _dispositions(report, file: str, key: str) -> list[str]:
    return [k.disposition for k in report.keys if (k.file, k.key) == (file, key)]


def _check_plate(src: Path, dst: Path, report) -> None:
    """Layout first (root document, wells, fields, arrays, pixels), then
    where every legacy key went."""
    _check_layout(src, dst)
    _check_keys(src, dst, report)


def _check_layout(src: Path, dst: Path) -> None:
    fmt = _zarr_format(src)
    legacy_plate, layout = _source_layout(src)
    root = _document(dst, "")

    # --- the root: a collection with attributes.plate -----------------------
    assert root["type"] == "collection" and root["version"] == "0.x"
    attrs = root["attributes"]
    plate = attrs["plate"]
    assert [(r["id"], r["name"]) for r in plate["rows"]] == [(r["name"], r["name"]) for r in legacy_plate["rows"]]
    assert [(c["id"], c["name"]) for c in plate["columns"]] == [(c["name"], c["name"])
                                                               for c in legacy_plate["columns"]]
    row_ids = {r["id"]: r["name"] for r in plate["rows"]}
    col_ids = {c["id"]: c["name"] for c in plate["columns"]}
    if legacy_plate.get("name"):
        assert root["name"] == legacy_plate["name"]

    # --- acquisitions: string ids, in order ----------------------------------
    legacy_acqs = legacy_plate.get("acquisitions") or []
    acq_map: dict[Any, str] = {}
    if legacy_acqs:
        assert len(plate["acquisitions"]) == len(legacy_acqs)
        for new, old in zip(plate["acquisitions"], legacy_acqs, strict=True):
            assert isinstance(new["id"], str) and new["id"]
            if old.get("name"):
                assert new["name"] == old["name"]
            acq_map[old["id"]] = new["id"]
        assert len(set(acq_map.values())) == len(legacy_acqs)
    else:
        assert not plate.get("acquisitions")
    declared = {a["id"] for a in plate.get("acquisitions") or []}

    # --- wells: inline collections in the root document ---------------------
    wells = root["nodes"]
    assert [w["name"] for w in wells] == [e["path"].replace("/", "") for e in legacy_plate["wells"]]
    found_fields: set[str] = set()
    arrays: set[str] = set()
    documents: list[str] = [""]
    for entry, well in zip(legacy_plate["wells"], wells, strict=True):
        row, column = entry["path"].split("/")
        assert well["type"] == "collection" and "path" not in well, well  # inline, not a stub
        assert row_ids[well["attributes"]["well"]["row"]["id"]] == row
        assert col_ids[well["attributes"]["well"]["column"]["id"]] == column
        # the well and row groups are plain group documents
        for group in (entry["path"], row):
            doc = _read_json(dst / group / "zarr.json")
            assert doc["node_type"] == "group" and "ome" not in doc["attributes"], group
        # --- fields: path-only stubs that resolve to the field documents ----
        fields = layout[entry["path"]]
        assert [s["name"] for s in well["nodes"]] == [f for f, _ in fields]
        for stub, (field, acquisition) in zip(well["nodes"], fields, strict=True):
            rel = f"{entry['path']}/{field}"
            assert set(stub) <= {"type", "id", "name", "path", "attributes"}, stub
            assert stub["type"] in ("multiscale", "collection")
            assert stub["path"] == {"type": "zarr", "path": f"./{rel}"}
            stub_attrs = stub.get("attributes", {})
            if acquisition is NO_ACQUISITION:
                assert "acquisition" not in stub_attrs
            else:
                assert stub_attrs["acquisition"] == {"id": acq_map[acquisition]}, (rel, stub_attrs)
                assert stub_attrs["acquisition"]["id"] in declared
            found_fields.add(_resolve("", stub["path"]))
            field_doc = _walk_document(dst, _resolve("", stub["path"]), arrays, documents)
            assert field_doc["type"] == stub["type"]
            assert "version" in field_doc  # a document of its own
    # every field of the source is reachable from the root, and nothing else
    assert found_fields == {f"{w}/{f}" for w, fs in layout.items() for f, _ in fs}
    # every array of the source (every level of every field and label) is reachable
    assert arrays == set(arrays_under(src)), set(arrays_under(src)) ^ arrays
    for rel in sorted(arrays):
        assert_pixels_equal(src, fmt, dst, rel)
    # every RFC-8 document of the output is reachable from the root
    assert set(ome_documents(dst)) == {posixpath.join(d, "zarr.json") for d in documents}


def _check_keys(src: Path, dst: Path, report) -> None:
    """Every legacy plate/well key is mapped, carried or preserved (listed
    once, against the file that held it), never dropped."""
    fmt = _zarr_format(src)
    root_file = ".zattrs" if fmt == 2 else "zarr.json"
    legacy_plate, _ = _source_layout(src)
    root_doc = _read_json(dst / "zarr.json")
    root = root_doc["attributes"]["ome"]
    attrs = root["attributes"]
    assert [k for k in report.keys if k.disposition == "dropped"] == []
    for key in PLATE_MAPPED & set(legacy_plate):
        assert _dispositions(report, root_file, f"plate.{key}") == ["mapped"], key

    # --- acquisitions: original ids and extras carried ----------------------
    legacy_acqs = legacy_plate.get("acquisitions") or []
    needs_carrying = [a for a in legacy_acqs if not isinstance(a["id"], str) or set(a) - {"id", "name"}]
    carried = attrs.get(f"{PREFIX}:acquisitions", [])
    for old in needs_carrying:
        assert old in carried, (old, carried)
    if needs_carrying:
        assert any(k.file == root_file and k.key.startswith("plate.acquisitions") and k.disposition == "carried"
                   for k in report.keys)

    # --- wells: plate entry keys and well keys carried on the well node -----
    for i, (entry, well) in enumerate(zip(legacy_plate["wells"], root["nodes"], strict=True)):
        carried_well = well["attributes"].get(f"{PREFIX}:plate-well", {})
        for key, value in entry.items():  # rowIndex, columnIndex, ...
            if key != "path":
                assert carried_well[key] == value, (entry, key)
                assert _dispositions(report, root_file, f"plate.wells[{i}].{key}") == ["carried"]
        wfile = f"{entry['path']}/{root_file}"
        legacy_well = _ome_of(src / entry["path"], fmt)
        well_keys = {k: v for k, v in legacy_well["well"].items() if k != "images"}
        if fmt == 3 and "version" in legacy_well:
            well_keys["version"] = legacy_well["version"]
        own = well["attributes"].get(f"{PREFIX}:well", {})
        for key, value in well_keys.items():  # version, ...
            assert own[key] == value, (entry, key)
            assert _dispositions(report, wfile, f"well.{key}") == ["carried"]

    # --- plate keys without an RFC-8 home: carried verbatim ----------------
    for key, value in legacy_plate.items():
        if key in PLATE_MAPPED:
            continue
        carried_plate = attrs.get(f"{PREFIX}:plate", {})
        assert key in carried_plate, f"plate.{key} = {value!r} is not under {PREFIX}:plate"
        assert carried_plate[key] == value, key
        assert _dispositions(report, root_file, f"plate.{key}") == ["carried"], key

    # --- other keys of the plate group: kept once, never lost ---------------
    if fmt == 2:
        others = {k: v for k, v in _read_json(src / ".zattrs").items() if k != "plate"}
    else:
        legacy_doc = _read_json(src / "zarr.json")
        others = {k: v for k, v in legacy_doc["attributes"]["ome"].items() if k not in ("plate", "version")}
        assert set(_dispositions(report, root_file, "version")) == {"mapped"}
        for key, value in legacy_doc["attributes"].items():
            if key != "ome":
                assert root_doc["attributes"][key] == value
                assert _dispositions(report, root_file, key) == ["preserved"], key
    for key, value in others.items():
        dispositions = _dispositions(report, root_file, key)
        assert len(dispositions) == 1, (key, dispositions)  # one key, one destination
        if key == "bioformats2raw.layout":  # DESIGN §4: {layout, series?, omeXml?}
            assert dispositions == ["carried"] and attrs[f"{PREFIX}:bioformats2raw"]["layout"] == value
            assert key not in root_doc["attributes"]
        elif dispositions == ["carried"]:
            assert attrs[f"{PREFIX}:{key}"] == value, key
        else:
            assert dispositions == ["preserved"] and root_doc["attributes"][key] == value, key


def _check_ome_zarr_py(src: Path, dst: Path) -> None:
    """The field with a label image is a collection stub whose label image
    keeps its source reference; the acquisitions keep order and extras."""
    root = _document(dst, "")
    a1 = root["nodes"][0]
    assert a1["name"] == "A1"
    assert [s["type"] for s in a1["nodes"]] == ["collection", "multiscale"]
    assert [s["type"] for w in root["nodes"][1:] for s in w["nodes"]] == ["multiscale"] * 4
    raw, label_stub = _document(dst, "A/1/0")["nodes"]
    assert label_stub["path"] == {"type": "zarr", "path": "./labels/nuclei"}
    label = _document(dst, "A/1/0/labels/nuclei")
    assert label["attributes"]["labels"]["source"] == [{"id": raw["id"], "path": {"type": "zarr", "path": "../.."}}]
    attrs = root["attributes"]
    assert [a["name"] for a in attrs["plate"]["acquisitions"]] == ["first pass", "second pass"]
    assert attrs[f"{PREFIX}:acquisitions"][1] == {
        "id": 2, "name": "second pass", "maximumfieldcount": 2, "description": "after drug",
        "starttime": 1343749399000, "endtime": 1343749499000}
    assert {k: v for k, v in attrs[f"{PREFIX}:plate"].items() if k != "version"} == {
        "name": "ome-zarr-py plate", "field_count": 2}
    assert root["name"] == "ome-zarr-py plate"


def _check_idr_2551(src: Path, dst: Path) -> None:
    """IDR plate 2551: six acquisitions with integer ids, the real well A/2
    (one field per acquisition), omero-zarr's ``_creator``."""
    root = _document(dst, "")
    attrs = root["attributes"]
    legacy = _read_json(src / ".zattrs")
    assert [a["id"] for a in legacy["plate"]["acquisitions"]] == [2651, 2652, 2653, 2654, 2655, 2661]
    assert attrs[f"{PREFIX}:acquisitions"] == legacy["plate"]["acquisitions"]
    ids = {old["id"]: new["id"] for old, new in zip(legacy["plate"]["acquisitions"],
                                                    attrs["plate"]["acquisitions"], strict=True)}
    a2 = next(w for w in root["nodes"] if w["name"] == "A2")
    real_well = _read_json(src / "A" / "2" / ".zattrs")["well"]["images"]
    assert [s["attributes"]["acquisition"]["id"] for s in a2["nodes"]] == [ids[i["acquisition"]] for i in real_well]
    assert attrs[f"{PREFIX}:plate"]["name"] == root["name"] == "JL_120731_S6A"
    assert len(root["nodes"]) == 96
    # fields with a labels group are collections with a label stub
    assert {s["path"]["path"] for w in root["nodes"] for s in w["nodes"] if s["type"] == "collection"} == {
        "./A/2/3", "./A/3/1"}
    # the real image metadata of A/2/2 keeps its five levels and its omero
    field = _document(dst, "A/2/2")
    assert [n["name"] for n in field["nodes"]] == ["0", "1", "2", "3", "4"]
    assert field["attributes"][f"{PREFIX}:omero"]["channels"][0]["label"] == "GFP"


def _check_yaozarrs_76_45(src: Path, dst: Path) -> None:
    """0.5 plate without acquisitions: no acquisition anywhere; ome keys
    (``bioformats2raw.layout``, ``_creator``) carried; real field images."""
    root = _document(dst, "")
    attrs = root["attributes"]
    assert "acquisitions" not in attrs["plate"] and f"{PREFIX}:acquisitions" not in attrs
    assert all("attributes" not in s for w in root["nodes"] for s in w["nodes"])
    assert attrs[f"{PREFIX}:bioformats2raw"]["layout"] == 3
    assert attrs[f"{PREFIX}:_creator"]["name"] == "ome2024-ngff-challenge"
    assert _document(dst, "A/1/0")["name"] == "Scan A01"


EXTRA_CHECKS = {
    "ome-zarr-py-0.4": _check_ome_zarr_py,
    "ome-zarr-py-0.5": _check_ome_zarr_py,
    "idr-2551": _check_idr_2551,
    "yaozarrs-76-45-first24": _check_yaozarrs_76_45,
    "yaozarrs-76-45": _check_yaozarrs_76_45,
}


def _copy_and_check(plate, tmp_path: Path, name: str) -> None:
    src = plate(name)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="full")
    assert report.status == "done"
    assert tree_digest(src) == before, "the source must not change"
    assert report.verification["chunks_compared"] > 0
    result = ngff_migrate.validate(dst)
    assert result.ok, result.violations[:5]
    assert_documents_valid(dst)
    _check_plate(src, dst, report)
    if name in EXTRA_CHECKS:
        EXTRA_CHECKS[name](src, dst)
    # files that are not legacy metadata are copied verbatim (OME/, chunks)
    out = tree_digest(dst)
    for rel, digest in before.items():
        if rel.rsplit("/", 1)[-1] not in (".zattrs", ".zgroup", ".zarray", "zarr.json"):
            assert out[rel] == digest, rel


def _in_place_and_rollback(plate, name: str) -> None:
    src = plate(name)
    before = tree_digest(src)
    _, layout = _source_layout(src)
    ngff_migrate.convert(src, in_place=True, verify="sample")
    result = ngff_migrate.validate(src)
    assert result.ok, result.violations[:5]
    root = _document(src, "")
    assert "plate" in root["attributes"]
    assert {s["path"]["path"] for w in root["nodes"] for s in w["nodes"]} == {
        f"./{w}/{f}" for w, fs in layout.items() for f, _ in fs}
    ngff_migrate.rollback(src)
    assert tree_digest(src) == before


@pytest.mark.parametrize("name", PLATES)
@pytest.mark.slow
def test_copy_plate(plate, tmp_path, name):
    """verify=full copy: valid, source untouched, whole layout in the root
    document, every field and array reachable, pixels equal, keys carried."""
    _copy_and_check(plate, tmp_path, name)


@pytest.mark.parametrize("name", PLATES)
@pytest.mark.slow
def test_in_place_and_rollback(plate, name):
    _in_place_and_rollback(plate, name)


@pytest.mark.skipif(not FULL_PLATES, reason="the whole 384-well plate takes about 30 s; "
                                           "set NGFF_MIGRATE_FULL_PLATES=1")
def test_whole_384_well_plate(plate, tmp_path):
    _copy_and_check(plate, tmp_path, "yaozarrs-76-45")
    _in_place_and_rollback(plate, "yaozarrs-76-45")


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

def _rewrite_plate(src: Path, change) -> None:
    if (src / "zarr.json").exists():
        doc = _read_json(src / "zarr.json")
        change(doc["attributes"]["ome"]["plate"])
        _write_json(src / "zarr.json", doc)
    else:
        doc = _read_json(src / ".zattrs")
        change(doc["plate"])
        _write_json(src / ".zattrs", doc)


def _assert_nothing_written(src: Path, dst: Path, before: dict[str, str]) -> None:
    assert tree_digest(src) == before, "the source must not change"
    assert not dst.exists()
    assert not list(dst.parent.glob(f".{dst.name}.ngff-migrate-partial*"))


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5"])
def test_listed_well_missing(plate, tmp_path, name):
    src = plate(name)
    shutil.rmtree(src / "A" / "3")
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, dst)
    assert Path(info.value.path) == src / "A" / "3" or "A/3" in info.value.problem, info.value
    assert "A/3" in str(info.value)
    _assert_nothing_written(src, dst, before)
    with pytest.raises(ngff_migrate.MigrateError):
        ngff_migrate.convert(src, in_place=True)
    assert tree_digest(src) == before


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5"])
def test_well_path_disagrees_with_indices(plate, tmp_path, name):
    src = plate(name)

    def change(p):
        p["wells"][1]["rowIndex"] = 1  # path A/3 but row B
    _rewrite_plate(src, change)
    before = tree_digest(src)
    dst = tmp_path / "out.zarr"
    with pytest.raises(ngff_migrate.MigrateError) as info:
        ngff_migrate.convert(src, dst)
    assert "rowIndex" in str(info.value), info.value
    _assert_nothing_written(src, dst, before)


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5"])
def test_undeclared_acquisition_is_carried_with_a_warning(plate, tmp_path, name):
    src = plate(name)
    fmt = _zarr_format(src)
    well = src / "A" / "3"
    ome = _ome_of(well, fmt)
    ome["well"]["images"][1]["acquisition"] = 99
    if fmt == 2:
        _write_json(well / ".zattrs", ome)
    else:
        _write_ome(well, 3, ome)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="none")
    assert any("99" in w and "acquisition" in w for w in report.warnings), report.warnings
    root = _document(dst, "")
    node = next(w for w in root["nodes"] if w["name"] == well.relative_to(src).as_posix().replace("/", ""))
    stub = node["nodes"][1]
    assert stub["attributes"] == {f"{PREFIX}:acquisition": 99}
    assert "acquisition" not in stub["attributes"]
    assert node["nodes"][0]["attributes"]["acquisition"]["id"] in {
        a["id"] for a in root["attributes"]["plate"]["acquisitions"]}
    assert [k for k in report.keys if k.disposition == "dropped"] == []
    result = ngff_migrate.validate(dst)
    assert result.ok, result.violations[:5]
    assert_documents_valid(dst)


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5"])
def test_extra_keys_of_plate_and_well_entries_are_carried(plate, tmp_path, name):
    """Prefixed keys on a ``rows``/``columns``/``wells`` entry of the plate and
    on a well's ``images`` entry: none is lost, each is listed as carried."""
    src = plate(name)
    fmt = _zarr_format(src)
    meta = ".zattrs" if fmt == 2 else "zarr.json"

    def change(p):
        p["wells"][0]["lab:qc"] = "well-A1-qc"
        p["rows"][0]["lab:barcode"] = "row-A-barcode"
        p["columns"][1]["lab:tip"] = "column-2-tip"
    _rewrite_plate(src, change)
    ome = _ome_of(src / "A" / "1", fmt)
    ome["well"]["images"][0]["lab:z"] = "field-A10-z"
    if fmt == 2:
        _write_json(src / "A" / "1" / ".zattrs", ome)
    else:
        _write_ome(src / "A" / "1", 3, ome)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="none")
    assert ngff_migrate.validate(dst).ok
    assert_documents_valid(dst)
    root_text = json.dumps(_document(dst, ""))
    assert "well-A1-qc" in root_text and "field-A10-z" in root_text
    assert _dispositions(report, meta, "plate.wells[0].lab:qc") == ["carried"]
    assert _dispositions(report, f"A/1/{meta}", "well.images[0].lab:z") == ["carried"]
    for value in ("row-A-barcode", "column-2-tip"):
        assert value in root_text, f"{value!r} was lost"
    assert _dispositions(report, meta, "plate.rows[0].lab:barcode") == ["carried"]
    assert _dispositions(report, meta, "plate.columns[1].lab:tip") == ["carried"]
    assert [k for k in report.keys if k.disposition == "dropped"] == []


@pytest.mark.parametrize("name", ["ome-zarr-py-0.4", "ome-zarr-py-0.5"])
def test_non_ome_attributes_of_row_and_well_groups_are_preserved(plate, tmp_path, name):
    """They stay on the plain group documents and are listed as preserved
    against the file that held them (``.zattrs`` in Zarr v2)."""
    src = plate(name)
    fmt = _zarr_format(src)
    meta = ".zattrs" if fmt == 2 else "zarr.json"
    ome = _ome_of(src / "A" / "1", fmt)
    if fmt == 2:
        _write_json(src / "A" / "1" / ".zattrs", {**ome, "lab:wellnote": "well-A1-note"})
        _write_json(src / "B" / ".zattrs", {"lab:rownote": "row-B-note"})
    else:
        _write_json(src / "A" / "1" / "zarr.json", {"zarr_format": 3, "node_type": "group",
                                                     "attributes": {"ome": ome, "lab:wellnote": "well-A1-note"}})
        _write_json(src / "B" / "zarr.json", {"zarr_format": 3, "node_type": "group",
                                               "attributes": {"lab:rownote": "row-B-note"}})
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, verify="none")
    assert ngff_migrate.validate(dst).ok
    assert _read_json(dst / "A" / "1" / "zarr.json")["attributes"] == {"lab:wellnote": "well-A1-note"}
    assert _read_json(dst / "B" / "zarr.json")["attributes"] == {"lab:rownote": "row-B-note"}
    assert _dispositions(report, f"A/1/{meta}", "lab:wellnote") == ["preserved"], [
        k for k in report.keys if k.key == "lab:wellnote"]
    assert _dispositions(report, f"B/{meta}", "lab:rownote") == ["preserved"], [
        k for k in report.keys if k.key == "lab:rownote"]


def test_report_says_where_the_wells_went(plate, tmp_path):
    """The report's target for ``plate.wells`` names where the wells are:
    the root's ``nodes`` (``attributes.plate`` has no ``nodes``)."""
    src = plate("ome-zarr-py-0.4")
    report = ngff_migrate.convert(src, tmp_path / "out.zarr", verify="none")
    record = next(k for k in report.keys if (k.file, k.key) == (".zattrs", "plate.wells"))
    assert record.disposition == "mapped"
    assert record.target.startswith("ome.nodes"), record
    assert "nodes" not in _document(tmp_path / "out.zarr", "")["attributes"]["plate"]


def test_cli_inspect_plate(plate):
    src = plate("ome-zarr-py-0.4")
    before = tree_digest(src)
    runner = CliRunner()
    result = runner.invoke(app, ["inspect", str(src)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["inspect", str(src), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["detected"]["layout"] == "hcs-plate"
    ome = data["documents"]["zarr.json"]["attributes"]["ome"]
    assert ome["type"] == "collection" and "plate" in ome["attributes"]
    assert tree_digest(src) == before
