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
import os
import threading
from dataclasses import dataclass
from typing import Any

from ...errors import MigrateError, exception_line


@dataclass(frozen=True)
class TiffLevelSource:
    """Level ``level`` of series ``series`` of the TIFF file ``path``.

    ``order[j]`` is the file's axis (tifffile's ``series.axes`` position)
    that becomes output axis ``j``. For a multi-file OME-TIFF ``path`` is
    the master TIFF (tifffile follows the ``TiffData`` ``UUID`` ``FileName``
    references to the other files itself); ``companion`` the
    ``.companion.ome`` whose OME-XML tifffile is given (``omexml=``) instead
    of the master's own. ``ome=False`` opens the file with tifffile's
    ``is_ome=False`` (the IFDs, not the OME series: ``--lenient`` on OME-XML
    whose sizes disagree with the IFDs).
    """

    path: str
    series: int
    level: int
    order: tuple[int, ...]
    companion: str | None = None
    ome: bool = True

    def tiff_file(self) -> Any:
        """A new :class:`tifffile.TiffFile` of ``path`` opened as the read stage opened it.

        Raises
        ------
        MigrateError
            If the companion file cannot be read; tifffile's own exceptions
            otherwise (the callers name the file).
        """
        import tifffile

        if self.companion is not None:
            from .multifile import read_xml

            return tifffile.TiffFile(self.path, omexml=read_xml(self.companion))
        return tifffile.TiffFile(self.path, **({} if self.ome else {"is_ome": False}))

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
        try:
            with self.tiff_file() as tif:
                data = tif.series[self.series].levels[self.level].asarray()
        except MigrateError:
            raise
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
        self._lock = threading.Lock()
        self._files: list[Any] = []  # every TiffFile opened, by any thread (closed by close())
        self._busy = 0
        self._closing = False
        z = self._zarr()
        self.shape = tuple(int(z.shape[i]) for i in source.order)
        self.dtype = z.dtype
        self.chunks = tuple(int(z.chunks[i]) for i in source.order)
        self.ndim = len(self.shape)

    def _zarr(self) -> Any:
        z = getattr(self._local, "array", None)
        if z is not None:
            return z
        import zarr

        s = self.source
        try:
            tif = s.tiff_file()
            # decode in threads (asyncio.to_thread), not inline in zarr-python's one event-loop thread:
            # tifffile runs them inline when maxworkers < 2, its default on 2 cores
            store = tif.series[s.series].aszarr(level=s.level, maxworkers=max(2, os.cpu_count() or 1))
            z = zarr.open_array(store=store, mode="r")
        except MigrateError:
            raise
        except Exception as exc:
            raise MigrateError(s.path, f"cannot open series {s.series} level {s.level} through tifffile's "
                                       f"Zarr view: {exception_line(exc, 200)}") from None
        with self._lock:
            self._files.append(tif)
        self._local.tif, self._local.array = tif, z
        return z

    def close(self) -> None:
        """Close every file handle this array opened (TiffFile objects hold
        reference cycles, so dropping the array alone would keep them open
        until the cyclic garbage collector runs). A read in progress in
        another thread finishes first; a later read opens the file again."""
        with self._lock:
            self._closing = True
            if not self._busy:
                self._close_files()

    def _close_files(self) -> None:
        for tif in self._files:
            try:
                tif.close()
            except Exception:  # closing a handle never fails the run
                pass
        self._files.clear()
        self._local = threading.local()
        self._closing = False

    def _to_file(self, sel: tuple[slice, ...]) -> tuple[slice, ...]:
        out: list[slice] = [slice(None)] * self.ndim
        for j, i in enumerate(self.source.order):
            out[i] = sel[j]
        return tuple(out)

    def __getitem__(self, sel: Any) -> Any:
        """The pixels of ``sel`` (a tuple of slices in output axis order, or ``...``)."""
        if sel is Ellipsis:
            sel = tuple(slice(None) for _ in self.shape)
        with self._lock:
            self._busy += 1
        try:
            data = self._zarr()[self._to_file(tuple(sel))]
        finally:
            with self._lock:
                self._busy -= 1
                if self._closing and not self._busy:
                    self._close_files()
        return data.transpose(self.source.order)

    def failing(self, sel: tuple[slice, ...]) -> str:
        """What to name in the error for a region that does not decode: the
        file holding the first segment that fails (a member file of a
        multi-file OME-TIFF when it is there), the series and level, the page
        (IFD) and the segment's index in that page's TileOffsets/StripOffsets,
        ``<file> series <i> level <k> page <p> segment <n> (chunk [..])``;
        the tifffile chunk index (file axis order) when the segment cannot
        be placed."""
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
                return self._segment(idx, z.chunks) or f"{self.source.describe()} segment {list(idx)}"
        return self.source.describe()

    def _segment(self, idx: tuple[int, ...], chunks: tuple[int, ...]) -> str | None:
        """``<file> series <i> level <k> page <p> segment <n> (chunk [..])`` for the tifffile
        chunk ``idx``, or ``None`` when the level's shape does not end with its pages' shape."""
        s = self.source
        try:
            level = self._local.tif.series[s.series].levels[s.level]
            page0 = level.keyframe
            shape = tuple(level.shape)
            plane = tuple(page0.shape)
            if len(plane) > len(shape) or shape[len(shape) - len(plane):] != plane:
                return None
            lead = len(shape) - len(plane)
            frame = 0
            for i, n in zip(idx[:lead], shape[:lead], strict=True):
                frame = frame * n + i
            grid = [math.ceil(n / c) for n, c in zip(plane, chunks[lead:], strict=True)]
            segment = 0
            for i, n in zip(idx[lead:], grid, strict=True):
                segment = segment * n + i
            page = level.pages[frame] if frame < len(level.pages) else None
            if page is None or segment >= len(page.dataoffsets):
                return None
            file = page.parent.filehandle.path
        except Exception:
            return None
        return (f"{file} series {s.series} level {s.level} page {page.index} segment {segment} "
                f"(chunk {list(idx)})")



__all__ = ["TiffLevelArray", "TiffLevelSource"]
