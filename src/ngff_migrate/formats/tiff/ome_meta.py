"""The OME-XML metadata of a series that the output carries, and what it leaves to the copied XML
(docs/tiff.md, "Carried metadata").

Carried under ``<prefix>:ome`` on the series' multiscale, as ome-types
dumps it (JSON mode, only the attributes the XML sets, OME's camelCase
names turned into ome-types' snake_case):

* ``acquisition_date`` of the ``Image``;
* ``channels``: every ``Channel``'s attributes (name, colour, excitation and
  emission wavelengths with their units, fluor, illumination, contrast
  method, pinhole, ...);
* ``instrument``: the ``Instrument`` the image references (microscope,
  objectives, detectors, light sources, filters) and the image's
  ``objective_settings``.

Every other element the XML sets (experimenters, ROIs, annotations, plates,
image ``Description``, plane timings, ...) is not mapped: it is listed (the
report's keys, disposition ``preserved``, target ``OME/METADATA.ome.xml``),
and kept whole in the XML copied to the output.
"""

from __future__ import annotations

from typing import Any

#: fields of OME, Image and Pixels that are read into the output (so not listed as left to the XML)
_USED = {
    "OME": {"images", "instruments", "uuid", "creator", "binary_only"},
    "Image": {"id", "name", "pixels", "acquisition_date", "instrument_ref", "objective_settings", "stage_label"},
    "Pixels": {"id", "dimension_order", "type", "size_x", "size_y", "size_z", "size_c", "size_t",
               "physical_size_x", "physical_size_y", "physical_size_z", "physical_size_x_unit",
               "physical_size_y_unit", "physical_size_z_unit", "time_increment", "time_increment_unit",
               "channels", "tiff_data_blocks", "big_endian", "interleaved", "significant_bits", "metadata_only"},
}


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def series_metadata(ome: Any, image: Any) -> tuple[dict[str, Any], list[str]]:
    """``(carried, left)`` for the OME ``image`` of the document ``ome`` (both
    ome-types objects): what goes under ``<prefix>:ome`` (module docstring),
    and the names of the elements set in the XML that nothing maps
    (``"Image.description"``, ``"Pixels.planes"``, ``"OME.rois"``, ...), sorted.
    Raises nothing: a part that does not dump is listed as left."""
    carried: dict[str, Any] = {}
    left: list[str] = []
    if image.acquisition_date is not None:
        carried["acquisition_date"] = image.acquisition_date.isoformat()
    channels = []
    for ch in image.pixels.channels or []:
        try:
            channels.append({k: v for k, v in _dump(ch).items() if k not in ("id", "light_path")})
        except Exception:
            left.append("Pixels.channels")
    if any(channels):
        carried["channels"] = channels
    ref = getattr(image.instrument_ref, "id", None)
    instrument = next((i for i in ome.instruments or [] if i.id == ref), None) if ref else None
    if instrument is not None:
        try:
            carried["instrument"] = _dump(instrument)
        except Exception:
            left.append("OME.instruments")
    if image.objective_settings is not None:
        carried["objective_settings"] = _dump(image.objective_settings)
    for where, model in (("OME", ome), ("Image", image), ("Pixels", image.pixels)):
        for name in sorted(model.model_fields_set - _USED[where]):
            value = getattr(model, name, None)
            if value not in (None, [], "", {}):
                left.append(f"{where}.{name}")
    return carried, sorted(set(left))


__all__ = ["series_metadata"]
