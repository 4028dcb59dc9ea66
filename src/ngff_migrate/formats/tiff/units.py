"""Units of TIFF and OME-XML physical sizes as the RFC-5 / NGFF axis units.

NGFF (0.4 "axes", kept by RFC-5 and RFC-8) names axis units by their
UDUNITS-2 names (``micrometer``, ``nanometer``, ``second``, ...). OME-XML
``PhysicalSizeXUnit`` and ``TimeIncrementUnit`` use symbols (``µm``,
``nm``, ``s``); TIFF ``ResolutionUnit`` is inch or centimeter (tifffile
adds millimeter and micrometer). Lengths OME allows but NGFF does not name
(``dam``, ``pt``, ``li``, ...) are converted to micrometers.
"""

from __future__ import annotations

from ...errors import UsageError

#: NGFF space units -> meters
SPACE_UNITS: dict[str, float] = {
    "angstrom": 1e-10, "attometer": 1e-18, "centimeter": 1e-2, "decimeter": 1e-1, "exameter": 1e18,
    "femtometer": 1e-15, "foot": 0.3048, "gigameter": 1e9, "hectometer": 1e2, "inch": 0.0254,
    "kilometer": 1e3, "megameter": 1e6, "meter": 1.0, "micrometer": 1e-6, "mile": 1609.344,
    "millimeter": 1e-3, "nanometer": 1e-9, "parsec": 3.0856775814913673e16, "petameter": 1e15,
    "picometer": 1e-12, "terameter": 1e12, "yard": 0.9144, "yoctometer": 1e-24, "yottameter": 1e24,
    "zeptometer": 1e-21, "zettameter": 1e21,
}
#: NGFF time units -> seconds
TIME_UNITS: dict[str, float] = {
    "attosecond": 1e-18, "centisecond": 1e-2, "day": 86400.0, "decisecond": 1e-1, "exasecond": 1e18,
    "femtosecond": 1e-15, "gigasecond": 1e9, "hectosecond": 1e2, "hour": 3600.0, "kilosecond": 1e3,
    "megasecond": 1e6, "microsecond": 1e-6, "millisecond": 1e-3, "minute": 60.0, "nanosecond": 1e-9,
    "petasecond": 1e15, "picosecond": 1e-12, "second": 1.0, "terasecond": 1e12, "yoctosecond": 1e-24,
    "yottasecond": 1e24, "zeptosecond": 1e-21, "zettasecond": 1e21,
}
_OME_LENGTH = {
    "Å": "angstrom", "am": "attometer", "cm": "centimeter", "dm": "decimeter", "Em": "exameter",
    "fm": "femtometer", "ft": "foot", "Gm": "gigameter", "hm": "hectometer", "in": "inch", "km": "kilometer",
    "Mm": "megameter", "m": "meter", "µm": "micrometer", "um": "micrometer", "mi": "mile", "mm": "millimeter",
    "nm": "nanometer", "pc": "parsec", "Pm": "petameter", "pm": "picometer", "Tm": "terameter", "yd": "yard",
    "ym": "yoctometer", "Ym": "yottameter", "zm": "zeptometer", "Zm": "zettameter",
}
#: OME lengths with no NGFF name -> meters (converted to micrometers)
_OME_OTHER_LENGTH = {"dam": 10.0, "pt": 0.0254 / 72, "li": 0.0254 / 12, "thou": 0.0254 / 1000,
                     "ua": 1.495978707e11, "ly": 9.4607304725808e15}
_OME_TIME = {
    "as": "attosecond", "cs": "centisecond", "d": "day", "ds": "decisecond", "Es": "exasecond",
    "fs": "femtosecond", "Gs": "gigasecond", "hs": "hectosecond", "h": "hour", "ks": "kilosecond",
    "Ms": "megasecond", "µs": "microsecond", "ms": "millisecond", "min": "minute", "ns": "nanosecond",
    "Ps": "petasecond", "ps": "picosecond", "s": "second", "Ts": "terasecond", "ys": "yoctosecond",
    "Ys": "yottasecond", "zs": "zeptosecond", "Zs": "zettasecond",
}
#: ImageJ ``unit`` spellings
_IMAGEJ = {"micron": "micrometer", "microns": "micrometer", "um": "micrometer", "µm": "micrometer",
           "\\u00B5m": "micrometer", "nm": "nanometer", "mm": "millimeter", "cm": "centimeter", "m": "meter",
           "inch": "inch", "pixel": None, "pixels": None}


def ome_length(value: float, symbol: str | None) -> tuple[float, str | None]:
    """``(value, NGFF unit)`` of an OME-XML length (``symbol`` as in
    ``PhysicalSizeXUnit``; OME's default is ``µm``). ``pixel`` and
    ``reference frame`` have no physical unit: ``(value, None)``."""
    symbol = "µm" if symbol is None else symbol
    if symbol in _OME_LENGTH:
        return value, _OME_LENGTH[symbol]
    if symbol in _OME_OTHER_LENGTH:
        return float(f"{value * _OME_OTHER_LENGTH[symbol] / 1e-6:.15g}"), "micrometer"
    return value, None


def ome_time(value: float, symbol: str | None) -> tuple[float, str | None]:
    """``(value, NGFF unit)`` of an OME-XML time (``TimeIncrementUnit``; default ``s``)."""
    return value, _OME_TIME.get("s" if symbol is None else symbol)


def imagej_unit(text: str | None) -> str | None:
    """The NGFF unit of an ImageJ ``unit`` string, or ``None`` (unknown or pixel)."""
    if not text:
        return None
    if text in SPACE_UNITS:
        return text
    return _IMAGEJ.get(text.strip(), _IMAGEJ.get(text.strip().lower()))


def convert_length(value: float, unit: str, to: str) -> float:
    """``value`` in ``unit`` expressed in ``to`` (both NGFF space units), rounded
    to 15 significant digits (so 0.5 micrometer is 500 nanometer, not 499.99999999999994)."""
    return float(f"{value * SPACE_UNITS[unit] / SPACE_UNITS[to]:.15g}")


def check_space_unit(unit: str) -> str:
    """``unit`` if it is an NGFF space unit name.

    Raises
    ------
    UsageError
        Naming ``--unit`` and a few valid names.
    """
    if unit not in SPACE_UNITS:
        raise UsageError(None, f"--unit {unit!r} is not an NGFF/RFC-5 space unit; use one of micrometer, "
                               "nanometer, millimeter, centimeter, meter, angstrom, ... (UDUNITS-2 names)")
    return unit


__all__ = ["SPACE_UNITS", "TIME_UNITS", "check_space_unit", "convert_length", "imagej_unit", "ome_length",
           "ome_time"]
