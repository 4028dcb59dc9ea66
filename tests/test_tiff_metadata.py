"""OME-XML metadata of a TIFF (issue #10, "metadata"): carried under the project
prefix, listed when left to the copied XML, and the whole XML copied to
``OME/METADATA.ome.xml``.

The input's OME-XML is built with ome-types (``ome_types.model``, then
``ome_types.to_xml``) and written as the ImageDescription by
``tifffile.imwrite(..., description=xml, metadata=None)``.
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import tifffile
from ome_types import model as m
from ome_types import to_xml

import ngff_migrate


def _write(path):
    objective = m.Objective(id="Objective:0", model="Plan-Apo 40x", nominal_magnification=40.0, lens_na=0.95)
    instrument = m.Instrument(id="Instrument:0", objectives=[objective],
                              microscope=m.Microscope(manufacturer="Zeiss", model="Axio"))
    pixels = m.Pixels(id="Pixels:0", dimension_order="XYCZT", type="uint16", size_x=48, size_y=32, size_c=2,
                      size_z=1, size_t=1, physical_size_x=0.25, physical_size_y=0.25,
                      channels=[m.Channel(id="Channel:0:0", name="DAPI", emission_wavelength=461.0,
                                          excitation_wavelength=405.0, samples_per_pixel=1),
                                m.Channel(id="Channel:0:1", name="GFP", emission_wavelength=509.0,
                                          samples_per_pixel=1)],
                      tiff_data_blocks=[m.TiffData(ifd=0, plane_count=2)],
                      planes=[m.Plane(the_c=0, the_z=0, the_t=0, exposure_time=0.1),
                              m.Plane(the_c=1, the_z=0, the_t=0, exposure_time=0.2)])
    image = m.Image(id="Image:0", name="slide", pixels=pixels, description="two channels",
                    acquisition_date=datetime(2026, 11, 3, 9, 30, 0),
                    instrument_ref=m.InstrumentRef(id="Instrument:0"),
                    objective_settings=m.ObjectiveSettings(id="Objective:0", medium="Air"))
    xml = to_xml(m.OME(images=[image], instruments=[instrument], experimenters=[m.Experimenter(id="Experimenter:0",
                                                                                             first_name="Ada")]))
    data = np.arange(2 * 32 * 48, dtype="uint16").reshape(2, 32, 48)
    tifffile.imwrite(path, data, description=xml, metadata=None)
    return xml, data


def test_ome_metadata_carried_and_left_listed(tmp_path):
    src = tmp_path / "slide.ome.tif"
    xml, data = _write(src)
    dst = tmp_path / "out.zarr"
    report = ngff_migrate.convert(src, dst, levels=1)
    node = json.loads((dst / "zarr.json").read_text())["attributes"]["ome"]
    carried = node["attributes"]["ngff-migrate:ome"]
    assert carried["acquisition_date"] == "2026-11-03T09:30:00"
    assert [c["name"] for c in carried["channels"]] == ["DAPI", "GFP"]
    assert carried["channels"][0]["emission_wavelength"] == 461.0
    assert carried["channels"][0]["excitation_wavelength"] == 405.0
    assert carried["instrument"]["objectives"][0]["nominal_magnification"] == 40.0
    assert carried["instrument"]["microscope"]["manufacturer"] == "Zeiss"
    assert carried["objective_settings"]["medium"] == "Air"
    left = {k.key.removeprefix("series 0: OME ") for k in report.keys if k.disposition == "preserved"}
    assert {"Image.description", "Pixels.planes", "OME.experimenters"} <= left
    # nothing is lost: the XML is copied byte for byte and referenced from the root node
    with tifffile.TiffFile(src) as tif:
        assert (dst / "OME" / "METADATA.ome.xml").read_text() == tif.ome_metadata
    assert node["attributes"]["ngff-migrate:ome-xml"] == "OME/METADATA.ome.xml"
    import zarr

    np.testing.assert_array_equal(zarr.open_array(dst / "0", mode="r")[...], data)
