"""Read a TIFF file into the source model (docs/tiff.md, "What is read from where").

tifffile finds the series, their pyramid levels (SubIFDs, or the
reduced-resolution pages it exposes as ``series.levels``) and the TIFF
tags; the OME-XML is parsed with ome-types. Both are imported here, when a
TIFF is actually read, never at start-up. Nothing but the IFDs and the
metadata is read: the pixels are decoded later by the engine.

Physical pixel sizes, in order of precedence:

1. OME-XML ``Pixels`` ``PhysicalSizeX/Y/Z`` (+ ``...Unit``, default µm) and
   ``TimeIncrement``;
2. ImageJ metadata: X/YResolution in pixels per ``unit``, ``spacing`` (z),
   ``finterval`` (t, seconds);
3. X/YResolution with ResolutionUnit (inch, centimeter; TIFF's default is
   inch). Missing tags, 72 or 96 dpi, and 1 pixel per unit with no unit are
   placeholders: the size is left unset and the translation warns.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from ...errors import MigrateError, UnsupportedError, exception_line
from ...zarr.node import NUMERIC_DATA_TYPES
from .model import FileStamp, PhysicalSize, TiffLevel, TiffSeries, TiffSource
from .units import imagej_unit, ome_length, ome_time

#: X/YResolution values (dots per inch) that image software writes when it knows no pixel size
PLACEHOLDER_DPI = (72.0, 96.0)
_UM_PER_UNIT = {2: 25400.0, 3: 10000.0, 4: 1000.0, 5: 1.0}  # RESUNIT inch, centimeter, millimeter, micrometer
_SAMPLE_NAMES = {"RGB": ["red", "green", "blue", "alpha"]}
_SAMPLE_COLORS = ["FF0000", "00FF00", "0000FF", "FFFFFF"]


def one_line(exc: BaseException) -> str:
    """An exception's message on one line, at most 200 characters."""
    return exception_line(exc, 200)


@contextlib.contextmanager
def tifffile_log(warnings: list[str], path: Path):
    """Collect what tifffile logs (it warns through :mod:`logging`) as
    warnings naming ``path``, instead of letting it print to the terminal."""

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = " ".join(record.getMessage().split())
            warnings.append(f"{path}: tifffile: {text[:300]}")

    logger = logging.getLogger("tifffile")
    handler = _Collect(level=logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def read_tiff(root: Path, version: str, *, strict: bool, warnings: list[str]) -> TiffSource:
    """Read the TIFF file ``root`` (``version`` is unused: a TIFF has none).

    ``root`` may be any file of a multi-file OME-TIFF set, or its
    ``.companion.ome`` (OME-TIFF specification, "Multi-file OME-TIFF",
    ``TiffData``/``UUID``): the whole set is read as one dataset
    (:func:`~.multifile.file_set`), tifffile opening the master TIFF (with
    the companion's OME-XML) and following the ``UUID`` ``FileName``
    references itself.

    Returns
    -------
    TiffSource
        Every series with its levels (shapes in tifffile's axis order),
        physical sizes and channel names; for a set, the master, the
        companion and every file's size and modification time.

    Raises
    ------
    MigrateError
        If the file cannot be parsed as TIFF, is truncated (a segment lies
        beyond the end of its file), has no image series or only
        reduced-resolution (thumbnail) or mask pages, (``strict``) its
        OME-XML does not parse or its ``Pixels`` sizes disagree with the
        IFDs (naming the file, the OME element and both sizes; lenient: a
        warning, and the IFDs are read without the OME series), or a file
        of its multi-file set is missing (naming it and the file
        referencing it) or not a TIFF.
    UnsupportedError
        For a data type the engine cannot write (not numeric).
    """
    import tifffile

    from .multifile import file_set, read_xml

    fs = file_set(Path(root))
    path = fs.companion or fs.master
    master = fs.master
    companion_xml = read_xml(fs.companion) if fs.companion else None
    stat = path.stat()
    with tifffile_log(warnings, path):
        tif = _open(tifffile, master, companion_xml)
        try:
            xml = tif.ome_metadata if tif.is_ome else None
            ome = _parse_ome(xml, path, strict, warnings) if xml else None
            ifd_sizes = _ifd_sizes(ome, fs, path, strict, warnings) if ome is not None else False
            if ifd_sizes:
                tif.close()
                tif = _open(tifffile, master, None, is_ome=False)
            try:
                series = list(tif.series)
            except Exception as exc:
                raise MigrateError(path, f"cannot read the image series of this TIFF: {one_line(exc)}") from None
            if not series:
                raise MigrateError(path, "this TIFF holds no image series (no image pages)")
            _check_images(series, path)
            imagej = tif.imagej_metadata if tif.is_imagej else None
            out = [_series(tif, s, i, ome, imagej, path, ifd_sizes) for i, s in enumerate(series)]
        finally:
            tif.close()
    flavour = "ome" if xml else ("imagej" if imagej else "plain")
    source = TiffSource(path=path, flavour=flavour, series=out, ome_xml=xml, ome=ome, size=stat.st_size,
                        mtime_ns=stat.st_mtime_ns, ifd_sizes=ifd_sizes)
    if fs.is_multifile:
        from .multifile import stamps

        source.master, source.companion = master, fs.companion
        source.files = [FileStamp(*stamp) for stamp in stamps(fs, path.parent)]
    return source


def _open(tifffile: Any, path: Path, omexml: str | None, **flags: Any) -> Any:
    try:
        return tifffile.TiffFile(path, omexml=omexml, **flags)
    except Exception as exc:
        raise MigrateError(path, f"cannot read this TIFF file: {one_line(exc)}") from None


def _ifd_sizes(ome: Any, fs: Any, path: Path, strict: bool, warnings: list[str]) -> bool:
    """Whether to read the IFDs instead of the OME series: their sizes disagree with the
    OME-XML ``Pixels`` and the run is lenient (a warning); strict: an error."""
    from .multifile import ifd_problems

    problems = ifd_problems(ome, path, None if fs.companion else fs.master)
    if not problems:
        return False
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    if strict:
        raise MigrateError(path, f"the OME-XML disagrees with the IFDs: {problems[0]}{more}; "
                                 "--lenient reads the IFD sizes")
    for problem in problems:
        warnings.append(f"{path}: the OME-XML disagrees with the IFDs: {problem}; read the IFD sizes "
                        "(--lenient)")
    return True


#: NewSubfileType bits of a page that is no image of its own: reduced resolution (thumbnail), mask
_NOT_AN_IMAGE = 0x1 | 0x4


def _check_images(series: list[Any], path: Path) -> None:
    """Raise when every series starts with a reduced-resolution or mask page (NewSubfileType)."""
    kinds = {int(s.keyframe.subfiletype) & _NOT_AN_IMAGE for s in series}
    if 0 not in kinds:
        shapes = ", ".join("x".join(str(n) for n in s.shape) for s in series)
        raise MigrateError(path, f"this TIFF holds no full-resolution image: its only pages ({shapes}) are "
                                 "reduced-resolution (thumbnail) or mask pages (NewSubfileType)")


def _parse_ome(xml: str, path: Path, strict: bool, warnings: list[str]) -> Any:
    """The OME-XML parsed by ome-types, or ``None`` with a warning (``strict``: an error)."""
    try:
        from ome_types import from_xml

        return from_xml(xml, validate=False)
    except Exception as exc:
        problem = f"the OME-XML does not parse ({one_line(exc)})"
        if strict:
            raise MigrateError(path, f"{problem}; --lenient reads the TIFF tags only") from None
        warnings.append(f"{path}: {problem}; read the TIFF tags only")
        return None


def _series(tif: Any, s: Any, index: int, ome: Any, imagej: dict | None, path: Path,
            ifd_sizes: bool = False) -> TiffSeries:
    import numpy as np

    dtype = np.dtype(s.dtype).newbyteorder("=").name
    if dtype not in NUMERIC_DATA_TYPES:
        raise UnsupportedError(path, f"series {index} has data type {s.dtype}, which cannot be written to "
                                     "Zarr (numeric and boolean types only)")
    levels = []
    for k, level in enumerate(s.levels):
        if level.axes != s.axes:
            raise UnsupportedError(path, f"series {index} level {k} has axes {level.axes}, "
                                         f"level 0 has {s.axes}")
        _check_segments(level, path, index, k)
        page = level.keyframe
        tile = (int(page.tilelength), int(page.tilewidth)) if page.is_tiled else None
        levels.append(TiffLevel(index=k, shape=tuple(int(n) for n in level.shape), tile=tile,
                                rows_per_strip=None if tile else int(page.rowsperstrip or page.imagelength),
                                compression=page.compression.name.lower()))
    first = s.keyframe
    if len(levels) == 1:
        levels_from = "none"
    else:
        levels_from = "subifds" if getattr(first, "subifds", None) else "pages"
    image = _ome_image(ome, s, index)
    out = TiffSeries(index=index, name=(image.name if image is not None and image.name else s.name) or "",
                     axes=s.axes, dtype=dtype, levels=levels, levels_from=levels_from,
                     photometric=first.photometric.name)
    if image is not None:
        _from_ome(out, image)
        from .ome_meta import series_metadata

        out.ome, out.ome_left = series_metadata(ome, image)
        if ifd_sizes and out.channels and ("C" not in out.axes
                                           or len(out.channels) != out.levels[0].shape[out.axes.index("C")]):
            out.channels = []  # the OME channels do not match the IFDs read instead
    elif imagej:
        _from_imagej(out, first, imagej)
    else:
        _from_tags(out, first)
    if "S" in out.axes and not out.channels:
        n = out.levels[0].shape[out.axes.index("S")]
        names = _SAMPLE_NAMES.get(out.photometric, [])
        out.channels = [({"label": names[i], "color": _SAMPLE_COLORS[i]} if i < len(names) else
                         {"label": f"sample {i}"}) for i in range(n)]
    return out


def _check_segments(level: Any, path: Path, series: int, k: int) -> None:
    """Raise for a page whose tiles or strips lie beyond the end of its file (a truncated
    TIFF), naming that file (a member of a multi-file set when it is there)."""
    for p, page in enumerate(level.pages):
        if page is None:
            continue
        fh = page.parent.filehandle
        size = fh.size
        for t, (offset, count) in enumerate(zip(page.dataoffsets, page.databytecounts, strict=False)):
            if offset + count > size:
                blame = Path(fh.path)
                if blame.resolve() == path.resolve():
                    blame, where = path, f"page {p} (series {series}, level {k})"
                else:  # a member of a multi-file set: its own IFD, and the plane of the set's series
                    ifd = page.index if isinstance(page.index, int) else p
                    where = f"IFD {ifd} (plane {p} of series {series}, level {k}, of the OME-TIFF {path.name})"
                raise MigrateError(blame, f"truncated TIFF: segment {t} of {where} ends at byte "
                                          f"{offset + count}, the file has {size} bytes")


def _ome_image(ome: Any, s: Any, index: int) -> Any:
    """The OME ``Image`` of series ``s``: the one at its index, else the one with its name."""
    if ome is None:
        return None
    images = list(ome.images)
    if len(images) > index and (not s.name or images[index].name in (None, s.name)):
        return images[index]
    return next((im for im in images if im.name and im.name == s.name), None)


def _unit_value(unit: Any) -> str | None:
    return None if unit is None else getattr(unit, "value", str(unit))


def _from_ome(out: TiffSeries, image: Any) -> None:
    px = image.pixels
    for axis in "XYZ":
        value = getattr(px, f"physical_size_{axis.lower()}")
        if value is not None:
            v, unit = ome_length(float(value), _unit_value(getattr(px, f"physical_size_{axis.lower()}_unit")))
            out.physical[axis] = PhysicalSize(v, unit, f"OME PhysicalSize{axis}")
    if px.time_increment is not None:
        v, unit = ome_time(float(px.time_increment), _unit_value(px.time_increment_unit))
        out.physical["T"] = PhysicalSize(v, unit, "OME TimeIncrement")
    if "X" not in out.physical or "Y" not in out.physical:
        out.resolution_problem = "the OME-XML has no PhysicalSizeX/PhysicalSizeY"
    if "S" in out.axes:
        return  # one OME channel of several samples: the samples become the channels
    channels = []
    for ch in px.channels:
        entry: dict[str, Any] = {}
        if ch.name:
            entry["label"] = ch.name
        if ch.color is not None and "color" in ch.model_fields_set:
            entry["color"] = ch.color.as_hex(format="long").lstrip("#").upper()[:6]
        if ch.emission_wavelength is not None:
            entry["emissionWavelength"] = float(ch.emission_wavelength)
        channels.append(entry)
    if any(channels):
        out.channels = channels


def _resolution(page: Any) -> tuple[float, float] | None:
    """X and Y resolution (pixels per ResolutionUnit), or ``None`` when a tag is missing or zero."""
    values = []
    for name in ("XResolution", "YResolution"):
        tag = page.tags.get(name)
        if tag is None:
            return None
        num, den = tag.value if isinstance(tag.value, tuple) else (tag.value, 1)
        if not num or not den:
            return None
        values.append(num / den)
    return values[0], values[1]


def _from_tags(out: TiffSeries, page: Any) -> None:
    res = _resolution(page)
    unit_tag = page.tags.get("ResolutionUnit")
    unit = int(unit_tag.value) if unit_tag is not None else 2  # TIFF 6.0: the default is inch
    if res is None:
        out.resolution_problem = "the TIFF has no XResolution/YResolution"
        return
    if unit == 1:
        if res == (1.0, 1.0):
            out.resolution_problem = "X/YResolution are 1 pixel per unit with no unit (a placeholder)"
            return
        out.physical["X"] = PhysicalSize(1 / res[0], None, "XResolution (no ResolutionUnit)")
        out.physical["Y"] = PhysicalSize(1 / res[1], None, "YResolution (no ResolutionUnit)")
        out.resolution_problem = "X/YResolution have no ResolutionUnit"
        return
    if unit == 2 and res[0] == res[1] and res[0] in PLACEHOLDER_DPI:
        out.resolution_problem = (f"X/YResolution are {res[0]:g} dpi, a placeholder (it would mean "
                                  f"{25400 / res[0]:.1f} µm pixels)")
        return
    per = _UM_PER_UNIT.get(unit)
    if per is None:
        out.resolution_problem = f"ResolutionUnit {unit} is not inch or centimeter"
        return
    out.physical["X"] = PhysicalSize(per / res[0], "micrometer", "XResolution/ResolutionUnit")
    out.physical["Y"] = PhysicalSize(per / res[1], "micrometer", "YResolution/ResolutionUnit")


def _from_imagej(out: TiffSeries, page: Any, meta: dict[str, Any]) -> None:
    unit = imagej_unit(meta.get("unit"))
    res = _resolution(page)
    if res is None or res == (1.0, 1.0) and unit is None:
        out.resolution_problem = "the ImageJ TIFF has no calibration (X/YResolution, unit)"
    else:
        origin = "X/YResolution in the ImageJ unit"
        out.physical["X"] = PhysicalSize(1 / res[0], unit, origin)
        out.physical["Y"] = PhysicalSize(1 / res[1], unit, origin)
        if unit is None:
            out.resolution_problem = f"the ImageJ unit {meta.get('unit')!r} is not a length unit"
    if meta.get("spacing"):
        out.physical["Z"] = PhysicalSize(float(meta["spacing"]), unit, "ImageJ spacing")
    if meta.get("finterval"):
        out.physical["T"] = PhysicalSize(float(meta["finterval"]), "second", "ImageJ finterval")
    labels = meta.get("Labels") if isinstance(meta.get("Labels"), list) else None
    if labels and "C" in out.axes and len(labels) == out.levels[0].shape[out.axes.index("C")]:
        out.channels = [{"label": str(v)} for v in labels]


__all__ = ["PLACEHOLDER_DPI", "read_tiff"]
