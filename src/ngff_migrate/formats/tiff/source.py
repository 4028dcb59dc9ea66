"""A TIFF level as a pixel source of the engine (``ArrayPlan.reader``; docs/tiff.md, "Pixels").

The engine (:mod:`ngff_migrate.engine.run`) reads a source that is not a
Zarr array through a picklable descriptor with an ``open()`` method. For a
TIFF level that is :class:`TiffLevelSource`: ``open()`` gives a
:class:`TiffLevelArray`, which reads regions through tifffile's own Zarr
view (``TiffFile.series[i].aszarr(level=k)``, a zarr-python 3 store), so
that only the tiles or strips a region overlaps are decoded, each by
tifffile and imagecodecs. Regions are given, and returned, in the output's
axis order (``t, c, z, y, x``); ``order`` maps them to the file's.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError, exception_line


@dataclass(frozen=True)
class TiffLevelSource:
    """Level ``level`` of series ``series`` of the TIFF file ``path``.

    ``order[j]`` is the file's axis (tifffile's ``series.axes`` position)
    that becomes output axis ``j``.
    """

    path: str
    series: int
    level: int
    order: tuple[int, ...]

    def open(self) -> TiffLevelArray:
        """The level as an array in output axis order.

        Raises
        ------
        MigrateError
            Naming the file when tifffile or zarr-python cannot open it.
        """
        return TiffLevelArray(self)

    def decode(self) -> Any:
        """The whole level decoded by tifffile itself (``series.levels[k].asarray()``,
        not through the Zarr view), in output axis order (a numpy array).

        Raises
        ------
        MigrateError
            Naming the file when a segment does not decode.
        """
        import tifffile

        try:
            with tifffile.TiffFile(self.path) as tif:
                data = tif.series[self.series].levels[self.level].asarray()
        except Exception as exc:
            raise MigrateError(self.path, f"tifffile cannot decode series {self.series} level {self.level}: "
                                          f"{exception_line(exc, 200)}") from None
        return data.transpose(self.order)

    def describe(self) -> str:
        """``<file> series <i> level <k>``."""
        return f"{self.path} series {self.series} level {self.level}"


class TiffLevelArray:
    """A TIFF level read through tifffile's Zarr view (one per thread: each
    thread opens its own file handle). ``shape``, ``dtype`` and ``chunks``
    are in output axis order; ``chunks`` is tifffile's segment shape."""

    def __init__(self, source: TiffLevelSource) -> None:
        self.source = source
        self._local = threading.local()
        z = self._zarr()
        self.shape = tuple(int(z.shape[i]) for i in source.order)
        self.dtype = z.dtype
        self.chunks = tuple(int(z.chunks[i]) for i in source.order)
        self.ndim = len(self.shape)

    def _zarr(self) -> Any:
        z = getattr(self._local, "array", None)
        if z is not None:
            return z
        import tifffile
        import zarr

        s = self.source
        try:
            tif = tifffile.TiffFile(s.path)
            store = tif.series[s.series].aszarr(level=s.level)
            z = zarr.open_array(store=store, mode="r")
        except Exception as exc:
            raise MigrateError(s.path, f"cannot open series {s.series} level {s.level} through tifffile's "
                                       f"Zarr view: {exception_line(exc, 200)}") from None
        self._local.tif, self._local.array = tif, z
        return z

    def _to_file(self, sel: tuple[slice, ...]) -> tuple[slice, ...]:
        out: list[slice] = [slice(None)] * self.ndim
        for j, i in enumerate(self.source.order):
            out[i] = sel[j]
        return tuple(out)

    def __getitem__(self, sel: Any) -> Any:
        """The pixels of ``sel`` (a tuple of slices in output axis order, or ``...``)."""
        if sel is Ellipsis:
            sel = tuple(slice(None) for _ in self.shape)
        data = self._zarr()[self._to_file(tuple(sel))]
        return data.transpose(self.source.order)

    def failing(self, sel: tuple[slice, ...]) -> str:
        """What to name in the error for a region that does not decode: the
        file, series, level and the first segment (tifffile chunk index, in
        the file's axis order) that fails."""
        z = self._zarr()
        file_sel = self._to_file(sel)
        ranges = []
        for s, c, n in zip(file_sel, z.chunks, z.shape, strict=True):
            start, stop, _ = s.indices(n)
            ranges.append(range(start // c, math.ceil(stop / c)))
        for idx in itertools.product(*ranges):
            region = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(idx, z.chunks, z.shape, strict=True))
            try:
                z[region]
            except Exception:
                return f"{self.source.describe()} segment {list(idx)}"
        return self.source.describe()



__all__ = ["TiffLevelArray", "TiffLevelSource"]
