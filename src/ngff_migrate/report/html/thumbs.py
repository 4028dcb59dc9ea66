"""Thumbnails: the lowest-resolution level of an image rendered to an embedded PNG.

The rules (``docs/reports.md`` states them for the reader of a report):

* **level**: the singlescale whose array has the fewest elements (the last
  one on a tie);
* **plane**: index 0 of every ``time`` axis (and of axes of unknown type),
  the middle index of every ``space`` axis but the last two, which are the
  plane (``y``, ``x``); every ``channel`` axis index up to
  :data:`MAX_CHANNELS`;
* **size**: the plane is subsampled by the integer stride
  ``ceil(max(h, w) / THUMB_PX)`` (nearest neighbour, no smoothing);
* **intensity images**: each channel ``v`` becomes
  ``clip((v - start) / (end - start), 0, 1) * colour`` and the channels
  are added and clipped (additive blending, as OMERO and napari do). The
  colour, window and ``active`` flag come from the carried ``omero``
  metadata where present; otherwise (and for channels it does not list)
  the colours are :data:`DEFAULT_COLOURS` (white for a single channel) and
  the window is the minimum and maximum of the channel's subsampled plane;
  ``inverted`` channels are rendered ``1 - x``. NaN and infinities render
  as 0 and do not count for the window;
* **label images**: 0 is transparent; a value with a ``labelAttributes``
  colour gets that colour, any other value ``v`` gets
  ``LABEL_PALETTE[(v - 1) mod len(LABEL_PALETTE)]``.

A thumbnail that cannot be rendered is a :class:`Thumb` with a ``reason``
(an unusual dtype, a smallest level larger than :data:`MAX_PLANE_PIXELS`,
a missing or undecodable chunk); the page shows a placeholder with it.
numpy, zarr and Pillow are imported here only, when a page is rendered.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import exception_line as _one_line
from ...storage.location import is_remote
from ...storage.zarrstore import zarr_store

#: longest side of a thumbnail, in pixels
THUMB_PX = 128
#: a smallest level whose plane has more pixels than this is not read
MAX_PLANE_PIXELS = 4096 * 4096
#: channels rendered at most (the first ones that are active)
MAX_CHANNELS = 8
#: default channel colours (RGB hex) without omero metadata: red, green, blue, cyan, magenta, yellow, white
DEFAULT_COLOURS = ("FF0000", "00FF00", "0000FF", "00FFFF", "FF00FF", "FFFF00", "FFFFFF")
#: single-channel images without omero metadata are grey
SINGLE_CHANNEL_COLOUR = "FFFFFF"
#: categorical colours of label values without a labelAttributes colour (RGB)
LABEL_PALETTE = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255),
    (170, 110, 40), (255, 250, 200), (128, 0, 0), (170, 255, 195), (128, 128, 0), (255, 215, 180),
    (0, 0, 128), (128, 128, 128),
)


@dataclass
class Thumb:
    """A rendered thumbnail (``png``) or the ``reason`` it could not be rendered."""

    level: str = ""
    shape: tuple[int, ...] = ()
    dtype: str = ""
    png: bytes | None = None
    width: int = 0
    height: int = 0
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    #: the name of the image it shows (set by the page)
    title: str = ""

    @property
    def scale(self) -> int:
        """The integer factor a page draws the thumbnail at (small levels are enlarged
        to about :data:`THUMB_PX`, pixels kept sharp)."""
        return max(1, THUMB_PX // max(self.width, self.height, 1))

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI (empty without one)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode() if self.png else ""


@dataclass(frozen=True)
class Level:
    """One singlescale of a multiscale: its name and its array directory."""

    name: str
    directory: Path


def _hex_rgb(value: Any) -> tuple[int, int, int] | None:
    text = str(value or "").lstrip("#")
    if len(text) != 6:
        return None
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


def omero_of(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The carried ``omero`` object of a multiscale (``<prefix>:omero``), if any."""
    for key, value in attributes.items():
        if (key == "omero" or key.endswith(":omero")) and isinstance(value, dict):
            return value
    return None


def axes_of(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """The axes of the first coordinate system of a multiscale's attributes."""
    systems = attributes.get("coordinateSystems")
    if isinstance(systems, list) and systems and isinstance(systems[0], dict):
        axes = systems[0].get("axes")
        if isinstance(axes, list):
            return [a if isinstance(a, dict) else {} for a in axes]
    return []


def smallest_level(levels: Sequence[Level]) -> tuple[Level, Any] | None:
    """The level whose array has the fewest elements, opened with zarr (last on a tie)."""
    import zarr

    best = None
    for level in levels:
        directory = level.directory
        array = zarr.open_array(zarr_store(directory) if is_remote(directory) else str(directory), mode="r")
        size = math.prod(array.shape)
        if best is None or size <= best[0]:
            best = (size, level, array)
    return None if best is None else (best[1], best[2])


def plane_selection(shape: tuple[int, ...], axes: list[dict[str, Any]]) -> tuple[list[Any], list[int], str]:
    """The index per dimension (``slice(None)`` for the plane and channels), the
    channel dimensions, and a text saying what was taken (e.g. ``z 4 of 8``)."""
    ndim = len(shape)
    types = [str(a.get("type", "")) for a in axes] if len(axes) == ndim else [""] * ndim
    names = [str(a.get("name", f"dim{i}")) for i, a in enumerate(axes)] if len(axes) == ndim else \
        [f"dim{i}" for i in range(ndim)]
    space = [i for i, t in enumerate(types) if t == "space"]
    if len(space) < 2:
        space = list(range(ndim))[-2:] if not any(types) else space
    if len(space) < 2:
        raise ValueError(f"{len(space)} spatial axis (a thumbnail needs two)")
    plane = space[-2:]
    index: list[Any] = []
    taken = []
    channels = []
    for i, n in enumerate(shape):
        if i in plane:
            index.append(slice(None))
        elif types[i] == "channel" and not channels:
            index.append(slice(0, min(n, MAX_CHANNELS)))
            channels.append(i)
            if n > MAX_CHANNELS:
                taken.append(f"{names[i]} 0-{MAX_CHANNELS - 1} of {n}")
        elif types[i] == "space":
            index.append(n // 2)
            taken.append(f"{names[i]} {n // 2} of {n}")
        else:
            index.append(0)
            if n > 1:
                taken.append(f"{names[i]} 0 of {n}")
    return index, channels, ", ".join(taken)


def _check_chunks(array: Any, directory: Path, index: list[Any]) -> None:
    """Raise if a stored chunk (or shard) the selection needs is missing."""
    import itertools

    outer = array.shards or array.chunks
    ranges = []
    for sel, n, c in zip(index, array.shape, outer, strict=True):
        if isinstance(sel, slice):
            start, stop, _ = sel.indices(n)
            ranges.append(range(start // c, max(start, stop - 1) // c + 1))
        else:
            ranges.append(range(sel // c, sel // c + 1))
    for coords in itertools.product(*ranges):
        key = array.metadata.encode_chunk_key(coords)
        if not (directory / key).is_file():
            raise LookupError(f"chunk {key} of level {directory.name} is missing (it would read as the fill value)")


def render_levels(levels: Sequence[Level], attributes: dict[str, Any], *, label: bool = False,
                  label_colours: dict[int, tuple[int, ...]] | None = None) -> Thumb:
    """Render the thumbnail of a multiscale with these singlescale ``levels`` and
    ``attributes`` (coordinate systems, carried omero). Never raises: a problem
    is the returned thumbnail's ``reason``."""
    thumb = Thumb()
    try:
        found = smallest_level(levels)
        if found is None:
            thumb.reason = "the image has no levels"
            return thumb
        level, array = found
        thumb.level, thumb.shape, thumb.dtype = level.name, tuple(array.shape), str(array.dtype)
        _render(thumb, level, array, attributes, label, label_colours or {})
    except Exception as exc:  # a thumbnail never stops the report
        thumb.png = None
        thumb.reason = _one_line(exc)
    return thumb



def _render(thumb: Thumb, level: Level, array: Any, attributes: dict[str, Any], label: bool,
            label_colours: dict[int, tuple[int, ...]]) -> None:
    import numpy as np

    kind = array.dtype.kind
    if kind not in "biuf" or (label and kind not in "biu"):
        allowed = "bool or integer" if label else "bool, integer or float"
        thumb.reason = f"dtype {array.dtype} of level {level.name} cannot be rendered (only {allowed})"
        return
    index, channel_dims, taken = plane_selection(tuple(array.shape), axes_of(attributes))
    h, w = (array.shape[i] for i, s in enumerate(index) if s == slice(None))
    if h * w > MAX_PLANE_PIXELS:
        thumb.reason = (f"smallest level {level.name} is {h}x{w} pixels, more than the "
                        f"{MAX_PLANE_PIXELS / 1e6:.1f} Mpx a thumbnail reads (the image has no smaller level)")
        return
    step = max(1, math.ceil(max(h, w) / THUMB_PX))
    index = [slice(None, None, step) if s == slice(None) else s for s in index]
    _check_chunks(array, level.directory, [slice(None) if s == slice(None, None, step) else s for s in index])
    data = np.asarray(array[tuple(index)])
    # put the channel axis first (or add one), then the plane
    if channel_dims:
        kept = [i for i, s in enumerate(index) if isinstance(s, slice)]
        data = np.moveaxis(data, kept.index(channel_dims[0]), 0)
    else:
        data = data[np.newaxis]
    if taken:
        thumb.notes.append(f"plane: {taken}")
    if step > 1:
        thumb.notes.append(f"every {step}th pixel")
    rgba = render_labels(data[0], label_colours) if label else render_intensity(data, omero_of(attributes), thumb.notes)
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    thumb.png, thumb.height, thumb.width = buf.getvalue(), rgba.shape[0], rgba.shape[1]


def channel_settings(n: int, omero: dict[str, Any] | None, data: Any = None) -> list[dict[str, Any]]:
    """Colour (RGB), window (start, end), inverted and active per channel (see module doc)."""
    import numpy as np

    channels = omero.get("channels") if isinstance(omero, dict) else None
    channels = channels if isinstance(channels, list) else []
    out = []
    for i in range(n):
        entry = channels[i] if i < len(channels) and isinstance(channels[i], dict) else {}
        colour = _hex_rgb(entry.get("color")) or _hex_rgb(SINGLE_CHANNEL_COLOUR if n == 1 else
                                                            DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)])
        window = entry.get("window") if isinstance(entry.get("window"), dict) else {}
        start, end = _number(window.get("start")), _number(window.get("end"))
        source = "omero" if entry else "default"
        if start is None or end is None:
            finite = data[i][np.isfinite(data[i])] if data is not None else np.zeros(0)
            start = float(finite.min()) if finite.size else 0.0
            end = float(finite.max()) if finite.size else 0.0
        out.append({"colour": colour, "start": start, "end": end, "source": source,
                    "inverted": entry.get("inverted") is True, "active": entry.get("active", True) is not False})
    if not any(c["active"] for c in out):
        for c in out:
            c["active"] = True
    return out


def render_intensity(data: Any, omero: dict[str, Any] | None, notes: list[str] | None = None) -> Any:
    """``(channels, h, w)`` numeric → ``(h, w, 4)`` uint8 RGBA, additive blending (module doc)."""
    import numpy as np

    values = data.astype(np.float64)
    settings = channel_settings(values.shape[0], omero, values)
    out = np.zeros(values.shape[1:] + (3,), dtype=np.float64)
    for plane, c in zip(values, settings, strict=True):
        if not c["active"]:
            continue
        span = c["end"] - c["start"]
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.clip((plane - c["start"]) / span, 0.0, 1.0) if span > 0 else (plane > c["start"]) * 1.0
        x = np.where(np.isfinite(plane), x, 0.0)
        if c["inverted"]:
            x = 1.0 - x
        out += x[..., np.newaxis] * (np.array(c["colour"], dtype=np.float64) / 255.0)
    if notes is not None:
        used = {c["source"] for c in settings}
        notes.append("omero colours and windows" if used == {"omero"} else
                     "default colours, min-max windows" if used == {"default"} else
                     "omero colours and windows; default for unlisted channels")
    rgb = np.rint(np.clip(out, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, dtype=np.uint8)], axis=2)


def render_labels(plane: Any, colours: dict[int, tuple[int, ...]]) -> Any:
    """``(h, w)`` integer label values → ``(h, w, 4)`` uint8 RGBA (module doc)."""
    import numpy as np

    values = plane.astype(np.int64)
    palette = np.array([(*c, 255) for c in LABEL_PALETTE], dtype=np.uint8)
    out = palette[np.mod(values - 1, len(LABEL_PALETTE))]
    for value, colour in colours.items():
        rgba = (tuple(colour) + (255,))[:4]
        out[values == value] = np.array(rgba, dtype=np.uint8)
    out[values == 0] = 0
    return out


def label_colours(attributes: dict[str, Any]) -> dict[int, tuple[int, ...]]:
    """``labelValue`` → RGBA from ``attributes.labels.labelAttributes`` (integers 0-255)."""
    labels = attributes.get("labels")
    entries = labels.get("labelAttributes") if isinstance(labels, dict) else None
    out = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        value, colour = entry.get("labelValue"), entry.get("color")
        if isinstance(value, int) and isinstance(colour, list) and len(colour) in (3, 4) \
                and all(isinstance(c, int) and 0 <= c <= 255 for c in colour):
            out[value] = tuple(colour)
    return out


def render_multiscale(node: dict[str, Any], resolve: Callable[[Any], Path | None], *,
                      label: bool = False) -> Thumb:
    """The thumbnail of an RFC-8 multiscale node whose singlescale paths ``resolve``
    turns into array directories (``None``: not resolvable)."""
    attributes = node.get("attributes") if isinstance(node.get("attributes"), dict) else {}
    levels = []
    for child in node.get("nodes") or []:
        if isinstance(child, dict) and child.get("type") == "singlescale":
            directory = resolve(child.get("path"))
            if directory is None:
                return Thumb(reason=f"level {child.get('name')} has no local array path")
            levels.append(Level(str(child.get("name", "")), directory))
    return render_levels(levels, attributes, label=label, label_colours=label_colours(attributes))
