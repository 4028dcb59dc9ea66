"""The re-encode options and their grammar (issue #9, "CLI and API"; docs/reencode.md).

``--chunks SHAPE``
    ``z=32,y=256,x=256`` (by axis name) or ``32,256,256`` (positional: one
    number per axis of the image, right-aligned for arrays with fewer axes,
    such as labels). Axes not named keep their source chunk size; a named
    axis an array lacks is ignored for that array.
``--shards keep|auto|none|SHAPE``
    ``keep`` (default): sharded sources stay sharded, unsharded ones stay
    unsharded. SHAPE has the ``--chunks`` grammar (in elements, whole
    multiples of the chunk shape); an axis not named gets one chunk per shard.
``--shard-size BYTES``
    The target *decoded* bytes per shard of ``auto``: ``64MiB``, ``1GiB``,
    ``500MB``, ``1000000``. ``KiB``/``MiB``/``GiB`` are powers of 2^10,
    ``kB``/``MB``/``GB`` powers of 10^3.
``--codec SPEC``
    ``zstd[:LEVEL]``, ``gzip[:LEVEL]``,
    ``blosc[:CNAME[:LEVEL[:SHUFFLE]]]`` (CNAME lz4|lz4hc|zstd|zlib|blosclz;
    SHUFFLE shuffle|bitshuffle|noshuffle) or ``none`` (bytes only).

Every parser raises :class:`~ngff_migrate.errors.UsageError` (exit code 2)
naming the option and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

#: the default target decoded bytes per shard (``--shard-size``)
DEFAULT_SHARD_SIZE = 64 * 2**20
_UNITS = {"": 1, "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
BLOSC_CNAMES = ("lz4", "lz4hc", "zstd", "zlib", "blosclz")
BLOSC_SHUFFLES = ("shuffle", "bitshuffle", "noshuffle")
_AXIS = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ShapeSpec:
    """A chunk or shard shape as the user gave it: by axis name (``named``)
    or positionally (``positional``, right-aligned), in array elements."""

    named: tuple[tuple[str, int], ...] = ()
    positional: tuple[int, ...] = ()

    def text(self) -> str:
        """The spec in the CLI grammar."""
        if self.named:
            return ",".join(f"{k}={v}" for k, v in self.named)
        return ",".join(str(v) for v in self.positional)

    def resolve(self, names: list[str | None], fallback: tuple[int, ...], *, what: str,
                array: str) -> tuple[int, ...]:
        """The shape for one array whose axes are ``names`` (its dimension
        names, ``None`` where unnamed), taking ``fallback`` for axes the spec
        does not give.

        Raises
        ------
        UsageError
            For a positional spec with more numbers than the array has axes
            (``what`` and ``array`` name the option and the array).
        """
        out = list(fallback)
        if self.named:
            given = dict(self.named)
            for i, name in enumerate(names):
                if name is not None and name in given:
                    out[i] = given[name]
            return tuple(out)
        ndim = len(fallback)
        if len(self.positional) < ndim:
            raise UsageError(None, f"{what} {self.text()!r} has {len(self.positional)} numbers but the array "
                                   f"{array or '.'} has {ndim} axes ({_axes(names)}); give one number per "
                                   f"axis of the image, or name the axes (e.g. y=256,x=256)")
        return tuple(self.positional[len(self.positional) - ndim:]) if ndim else ()


def _axes(names: list[str | None]) -> str:
    return ",".join(n or "?" for n in names)


def parse_shape(text: str, option: str) -> ShapeSpec:
    """Parse ``z=32,y=256,x=256`` or ``32,256,256``.

    Raises
    ------
    UsageError
        For an empty spec, a mix of named and positional numbers, a repeated
        axis, or a number that is not a positive integer.
    """
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise UsageError(None, f"{option} {text!r}: give numbers separated by commas (32,256,256) "
                               "or axis=number pairs (z=32,y=256,x=256)")
    named = [p for p in parts if "=" in p]
    if named and len(named) != len(parts):
        raise UsageError(None, f"{option} {text!r}: name every axis (z=32,y=256,x=256) or none (32,256,256)")
    if named:
        pairs: list[tuple[str, int]] = []
        for p in parts:
            name, _, value = (s.strip() for s in p.partition("="))
            if not _AXIS.match(name):
                raise UsageError(None, f"{option} {text!r}: {name!r} is not an axis name")
            if name in dict(pairs):
                raise UsageError(None, f"{option} {text!r}: axis {name!r} is given twice")
            pairs.append((name, _positive(value, option, text)))
        return ShapeSpec(named=tuple(pairs))
    return ShapeSpec(positional=tuple(_positive(p, option, text) for p in parts))


def _positive(value: str, option: str, text: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise UsageError(None, f"{option} {text!r}: {value!r} is not a whole number") from None
    if n <= 0:
        raise UsageError(None, f"{option} {text!r}: {n} is not positive (every extent must be at least 1)")
    return n


def parse_size(text: str, option: str = "--shard-size") -> int:
    """Parse a byte count: ``64MiB``, ``1GiB``, ``500MB`` or ``1000000``.

    Raises
    ------
    UsageError
        For an unknown unit or a size that is not a positive number.
    """
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = (m.group(2) if m else "").lower()
    if not m or unit not in _UNITS:
        raise UsageError(None, f"{option} {text!r}: give a size such as 64MiB, 1GiB or 500MB "
                               "(KiB/MiB/GiB are powers of 1024, kB/MB/GB powers of 1000)")
    size = int(float(m.group(1)) * _UNITS[unit])
    if size <= 0:
        raise UsageError(None, f"{option} {text!r}: the size must be positive")
    return size


@dataclass(frozen=True)
class CodecSpec:
    """A ``--codec`` choice: ``name`` is ``zstd``, ``gzip``, ``blosc`` or
    ``none``; ``level``, ``cname`` and ``shuffle`` as given or defaulted."""

    name: str
    level: int | None = None
    cname: str | None = None
    shuffle: str | None = None

    def text(self) -> str:
        """The spec in the CLI grammar, every default spelled out."""
        if self.name == "blosc":
            return f"blosc:{self.cname}:{self.level}:{self.shuffle}"
        return self.name if self.level is None else f"{self.name}:{self.level}"


def parse_codec(text: str) -> CodecSpec:
    """Parse ``zstd[:LEVEL]``, ``gzip[:LEVEL]``, ``blosc[:CNAME[:LEVEL[:SHUFFLE]]]`` or ``none``.

    Defaults: zstd level 3, gzip level 6, blosc ``lz4:5:shuffle``.

    Raises
    ------
    UsageError
        For an unknown codec, compressor name, shuffle or a level out of
        range (zstd 1–22, gzip 0–9, blosc 0–9).
    """
    name, *rest = [p.strip() for p in text.strip().split(":")]
    name = name.lower()
    if name == "none" and not rest:
        return CodecSpec("none")
    if name in ("zstd", "gzip") and len(rest) <= 1:
        lo, hi, default = (1, 22, 3) if name == "zstd" else (0, 9, 6)
        level = _level(rest[0], lo, hi, text) if rest else default
        return CodecSpec(name, level=level)
    if name == "blosc" and len(rest) <= 3:
        cname = (rest[0] if rest else "lz4").lower()
        if cname not in BLOSC_CNAMES:
            raise UsageError(None, f"--codec {text!r}: unknown blosc compressor {cname!r} "
                                   f"(one of {', '.join(BLOSC_CNAMES)})")
        level = _level(rest[1], 0, 9, text) if len(rest) > 1 else 5
        shuffle = (rest[2] if len(rest) > 2 else "shuffle").lower()
        if shuffle not in BLOSC_SHUFFLES:
            raise UsageError(None, f"--codec {text!r}: unknown blosc shuffle {shuffle!r} "
                                   f"(one of {', '.join(BLOSC_SHUFFLES)})")
        return CodecSpec("blosc", level=level, cname=cname, shuffle=shuffle)
    raise UsageError(None, f"--codec {text!r}: unknown codec; give zstd[:LEVEL], gzip[:LEVEL], "
                           "blosc[:CNAME[:LEVEL[:SHUFFLE]]] or none")


def _level(value: str, lo: int, hi: int, text: str) -> int:
    try:
        level = int(value)
    except ValueError:
        raise UsageError(None, f"--codec {text!r}: level {value!r} is not a whole number") from None
    if not lo <= level <= hi:
        raise UsageError(None, f"--codec {text!r}: level {level} is out of range ({lo} to {hi})")
    return level


@dataclass(frozen=True)
class ReencodeOptions:
    """What a re-encode changes. With every field at its default nothing is
    re-encoded (:attr:`active` is ``False``): metadata-only in place, chunk
    bytes copied verbatim in copy mode.

    ``shards`` is ``"keep"``, ``"auto"``, ``"none"`` or a :class:`ShapeSpec`;
    ``shard_size`` is in bytes (decoded); ``portable`` limits the re-encode to
    the arrays whose codecs are not core Zarr v3.
    """

    chunks: ShapeSpec | None = None
    shards: Any = "keep"
    shard_size: int = DEFAULT_SHARD_SIZE
    codec: CodecSpec | None = None
    portable: bool = False
    #: the total number of levels wanted per multiscale (``--levels``), or ``None``
    levels: int | None = None
    #: ``mean``, ``nearest`` or ``mode`` (``--downsample``; label images always ``mode``/``nearest``)
    downsample: str = "mean"

    @property
    def active(self) -> bool:
        """Whether these options make the migration a re-encode."""
        return bool(self.rewrites_existing or self.levels)

    @property
    def rewrites_existing(self) -> bool:
        """Whether the existing arrays are re-encoded (``--levels`` alone only adds levels)."""
        return bool(self.chunks or self.shards != "keep" or self.codec or self.portable)

    def fingerprint(self) -> dict[str, Any]:
        """The options as plain JSON (the resume check compares it)."""
        shards = self.shards.text() if isinstance(self.shards, ShapeSpec) else self.shards
        out = {"chunks": self.chunks.text() if self.chunks else None, "shards": shards,
               "shard_size": self.shard_size, "codec": self.codec.text() if self.codec else None,
               "portable": self.portable}
        if self.levels:  # only when set, so that earlier journals and markers stay valid
            out.update(levels=self.levels, downsample=self.downsample)
        return out

    def describe(self) -> str:
        """The options as the CLI flags that give them."""
        fp = self.fingerprint()
        flags = [f"--chunks {fp['chunks']}"] if fp["chunks"] else []
        if fp["shards"] != "keep":
            flags.append(f"--shards {fp['shards']}")
        if self.shard_size != DEFAULT_SHARD_SIZE:
            flags.append(f"--shard-size {self.shard_size}")
        if fp["codec"]:
            flags.append(f"--codec {fp['codec']}")
        if self.portable:
            flags.append("--portable")
        if self.levels:
            flags.append(f"--levels {self.levels}")
            if self.downsample != "mean":
                flags.append(f"--downsample {self.downsample}")
        return " ".join(flags)


DOWNSAMPLE_METHODS = ("mean", "nearest", "mode")


def reencode_options(*, chunks: str | ShapeSpec | None = None, shards: str | ShapeSpec = "keep",
                     shard_size: str | int | None = None, codec: str | CodecSpec | None = None,
                     portable: bool = False, levels: int | None = None,
                     downsample: str | None = None, in_place: bool = False,
                     copy_command: str = "convert SRC DST") -> ReencodeOptions:
    """Build :class:`ReencodeOptions` from CLI-style text (or parsed values).

    Raises
    ------
    UsageError
        For any malformed value, ``shard_size`` without a re-encode that
        uses it (``--shard-size`` sets the target of ``--shards auto``), or
        a re-encode asked ``in_place`` (the message names ``copy_command``,
        the copy to run instead).
    """
    chunk_spec = parse_shape(chunks, "--chunks") if isinstance(chunks, str) else chunks
    if isinstance(shards, str) and shards.strip().lower() in ("keep", "auto", "none"):
        shard_spec: Any = shards.strip().lower()
    elif isinstance(shards, str):
        shard_spec = parse_shape(shards, "--shards")
    else:
        shard_spec = shards
    size = DEFAULT_SHARD_SIZE if shard_size is None else (
        parse_size(shard_size) if isinstance(shard_size, str) else int(shard_size))
    if size <= 0:
        raise UsageError(None, f"--shard-size {shard_size!r}: the size must be positive")
    codec_spec = parse_codec(codec) if isinstance(codec, str) else codec
    if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int) or levels < 1):
        raise UsageError(None, f"--levels {levels!r}: give the total number of levels wanted (1 or more)")
    method = (downsample or "mean").strip().lower()
    if method not in DOWNSAMPLE_METHODS:
        raise UsageError(None, f"--downsample {downsample!r}: one of {', '.join(DOWNSAMPLE_METHODS)}")
    if downsample is not None and not levels:
        raise UsageError(None, "--downsample chooses how --levels builds new levels; give it with --levels N")
    options = ReencodeOptions(chunks=chunk_spec, shards=shard_spec, shard_size=size, codec=codec_spec,
                              portable=portable, levels=levels, downsample=method)
    if in_place and options.active:
        raise UsageError(None, f"{options.describe()} re-encodes the pixels, which needs a destination: "
                               f"in place only rewrites metadata. Run `ngff-migrate {copy_command} "
                               f"{options.describe()}` instead")
    if shard_size is not None and not options.active:
        raise UsageError(None, "--shard-size sets the shard size of a re-encode; give it with --shards auto "
                               "or --chunks (alone it changes nothing)")
    return options


__all__ = ["DEFAULT_SHARD_SIZE", "DOWNSAMPLE_METHODS", "CodecSpec", "ReencodeOptions", "ShapeSpec", "parse_codec", "parse_shape",
           "parse_size", "reencode_options"]
