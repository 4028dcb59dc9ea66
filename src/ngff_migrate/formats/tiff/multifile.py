"""Which files form a multi-file OME-TIFF set (docs/tiff.md, "Multi-file OME-TIFF").

OME-TIFF specification, "Multi-file OME-TIFF" and the ``TiffData``/``UUID``
elements: the planes of one OME ``Image`` may be spread over several TIFF
files. Each ``TiffData`` element says which IFDs of which file hold which
planes; a ``TiffData`` with a ``UUID`` child names the file by its UUID and
its ``FileName`` (relative to the directory of the file holding the XML);
one without names the file holding the XML. The full OME-XML is held by

* every file of the set (older writers), or
* one master TIFF, the others carrying only ``<BinaryOnly MetadataFile=...
  UUID=...>`` that points at it, or
* a ``.companion.ome`` file (OME-XML, no pixels) that every TIFF of the set
  points at with ``BinaryOnly``.

:func:`file_set` answers from the OME-XML alone (the ImageDescription of a
TIFF's first IFD, or the companion file): no pixel is read, and only
tifffile's header/first-IFD parsing and ome-types are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import MigrateError, exception_line

#: the name ending of an OME companion file (OME-XML without pixels)
COMPANION_SUFFIX = ".companion.ome"


@dataclass(frozen=True)
class FileSet:
    """The files of one OME-TIFF dataset.

    ``master`` is the TIFF tifffile opens to read the set (the same whichever
    member was asked about); ``members`` every TIFF of the set, in the order
    the OME-XML first references them (``master`` among them), each once;
    ``companion`` the ``.companion.ome`` file holding the OME-XML, or
    ``None`` when a TIFF holds it. A single-file TIFF is
    ``FileSet(path, (path,), None)``.
    """

    master: Path
    members: tuple[Path, ...]
    companion: Path | None

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the set: the companion (if any), then the members."""
        return ((self.companion,) if self.companion else ()) + self.members

    @property
    def is_multifile(self) -> bool:
        """Whether the set is more than one file."""
        return len(self.files) > 1


def is_companion(path: Path) -> bool:
    """Whether ``path`` is named like an OME companion file (``*.companion.ome``)."""
    return Path(path).name.lower().endswith(COMPANION_SUFFIX)


def file_set(path: Path) -> FileSet:
    """The set of files that ``path`` (a TIFF of the set, or its ``.companion.ome``) belongs to.

    Cheap: reads the OME-XML of ``path`` (and, for a member carrying only
    ``BinaryOnly``, of the file it points at; for a member carrying the full
    XML that is not the first file of the set, the first file's XML, to name
    the same master from every member), never pixels. Follows the OME-TIFF
    specification, "Multi-file OME-TIFF": ``TiffData`` > ``UUID`` with
    ``FileName``, ``BinaryOnly`` ``MetadataFile``.

    Returns
    -------
    FileSet
        ``FileSet(path, (path,), None)`` for a plain, ImageJ or single-file
        OME-TIFF, and for a TIFF whose OME-XML does not parse (the reader
        reports that); otherwise the master, every member and the companion.

    Raises
    ------
    MigrateError
        If ``path`` or a file the OME-XML references (a ``FileName``, the
        ``BinaryOnly`` ``MetadataFile``) does not exist, naming the missing
        file and the file that references it; if a companion file does not
        parse as OME-XML; if a ``FileName`` leaves the directory of the
        referencing file, or a ``UUID`` of another file has no ``FileName``;
        if a ``BinaryOnly`` chain loops.
    """
    return _file_set(Path(path), ())


def _file_set(path: Path, seen: tuple[Path, ...]) -> FileSet:
    if path.resolve() in {p.resolve() for p in seen}:
        raise MigrateError(path, "the OME BinaryOnly MetadataFile references loop: "
                                 + " -> ".join(p.name for p in (*seen, path)))
    if not path.is_file():
        raise MigrateError(path, "no such file" + (f" (referenced by {seen[-1]}, OME BinaryOnly MetadataFile)"
                                                  if seen else ""))
    if is_companion(path):
        ome = parse_ome(read_xml(path), path, strict=True)
        members = _members(ome, path, None)
        if not members:
            raise MigrateError(path, "the companion OME-XML references no TIFF file (no TiffData UUID FileName)")
        return FileSet(members[0], members, path)
    xml = tiff_xml(path)
    # a set needs a TiffData UUID FileName or a BinaryOnly: without either the XML need not be parsed
    ome = parse_ome(xml, path, strict=False) if xml and ("FileName" in xml or "BinaryOnly" in xml) else None
    if ome is None:
        return FileSet(path, (path,), None)
    if ome.binary_only is not None:
        target = _resolve(ome.binary_only.metadata_file, path, "BinaryOnly MetadataFile")
        found = _file_set(target, (*seen, path))
        if path.resolve() not in {m.resolve() for m in found.members}:
            raise MigrateError(path, f"this OME-TIFF's BinaryOnly MetadataFile {target} does not reference it "
                                     "back (no TiffData UUID FileName for this file)")
        return found
    members = _members(ome, path, path)
    if len(members) == 1:
        return FileSet(path, members, None)
    master = path
    if members[0].resolve() != path.resolve():
        first = tiff_xml(members[0])
        first_ome = parse_ome(first, members[0], strict=False) if first else None
        if first_ome is not None and first_ome.binary_only is None and first_ome.images:
            master = members[0]
    return FileSet(master, members, None)


def _members(ome: Any, holder: Path, self_file: Path | None) -> tuple[Path, ...]:
    """The TIFF files the ``TiffData`` of ``ome`` (read from ``holder``) reference, in order."""
    out: list[Path] = []
    for image in ome.images:
        pixels = image.pixels
        for block in pixels.tiff_data_blocks if pixels is not None else ():
            file = block_file(block, ome, image, holder, self_file)
            if file not in out:
                out.append(file)
    if not out and self_file is not None:
        out.append(self_file)
    for file in out:
        if not file.is_file():
            raise MigrateError(file, f"missing file of a multi-file OME-TIFF, referenced by {holder} "
                                     "(OME TiffData UUID FileName)")
    return tuple(out)


def block_file(block: Any, ome: Any, image: Any, holder: Path, self_file: Path | None) -> Path:
    """The TIFF file a ``TiffData`` element (``block``, of OME ``image``) refers to: its
    ``UUID`` ``FileName`` relative to ``holder`` (the file holding the XML), or ``self_file``
    (the TIFF holding the XML, ``None`` for a companion) for a ``TiffData`` without one.

    Raises
    ------
    MigrateError
        For a ``TiffData`` of a companion without ``FileName``, a ``UUID`` of
        another file without ``FileName``, or a ``FileName`` leaving the
        directory of ``holder``.
    """
    ref = block.uuid
    if ref is None or (ref.file_name is None and self_file is not None and ref.value == ome.uuid):
        if self_file is None:
            raise MigrateError(holder, f"OME {image.id}: a TiffData without UUID FileName in a companion "
                                       "file names no TIFF")
        return self_file
    if ref.file_name is None:
        raise MigrateError(holder, f"OME {image.id}: TiffData UUID {ref.value} has no FileName")
    return _resolve(ref.file_name, holder, f"{image.id} TiffData UUID FileName")


def ifd_problems(ome: Any, holder: Path, self_file: Path | None) -> list[str]:
    """Where the OME-XML ``Pixels`` sizes disagree with the IFDs its ``TiffData`` reference.

    For each OME ``Image`` with ``TiffData``: the number of IFDs referenced
    (``IFD``/``PlaneCount``, with the OME-TIFF specification's defaults:
    one plane when ``IFD`` is given, else every IFD of the file; only IFDs
    the file has count) against ``SizeZ x SizeT x SizeC / SamplesPerPixel``,
    and the first referenced IFD of each file against ``SizeX``/``SizeY``
    (ImageWidth/ImageLength). ``holder`` is the file the XML was read from,
    ``self_file`` the TIFF holding it (``None``: a companion). The IFDs are
    read with tifffile (``is_ome=False``), never the pixels.

    Returns one line per disagreement, naming the file, the OME element and
    both sizes (empty when all agree).

    Raises
    ------
    MigrateError
        If a referenced file is not a TIFF tifffile can parse (naming it and
        ``holder``), or for a ``TiffData`` that names no file (:func:`block_file`).
    """
    import tifffile

    opened: dict[Path, Any] = {}

    def pages(file: Path) -> Any:
        if file not in opened:
            try:
                opened[file] = tifffile.TiffFile(file, is_ome=False)
            except Exception as exc:
                raise MigrateError(file, f"cannot read this TIFF file of the OME-TIFF described by {holder}: "
                                         f"{exception_line(exc, 200)}") from None
        return opened[file].pages

    problems: list[str] = []
    try:
        for image in ome.images:
            px = image.pixels
            if px is None or not px.tiff_data_blocks:
                continue
            first = px.channels[0] if px.channels else None
            spp = int(first.samples_per_pixel) if first is not None and first.samples_per_pixel else 1
            planes = int(px.size_z) * int(px.size_t) * max(1, int(px.size_c) // spp)
            found = 0
            seen: set[Path] = set()
            for block in px.tiff_data_blocks:
                file = block_file(block, ome, image, holder, self_file)
                ifds = pages(file)
                n = len(ifds)
                ifd = int(block.ifd)
                if block.plane_count is not None:
                    count = int(block.plane_count)
                else:
                    count = 1 if "ifd" in block.model_fields_set else n
                available = max(0, min(count, n - ifd))
                found += available
                if available and file not in seen:
                    seen.add(file)
                    page = ifds[ifd]
                    if (int(page.imagewidth), int(page.imagelength)) != (int(px.size_x), int(px.size_y)):
                        problems.append(f"OME {image.id} Pixels SizeX={px.size_x} SizeY={px.size_y}, but IFD {ifd} "
                                        f"of {file.name} is {page.imagewidth} x {page.imagelength} "
                                        "(ImageWidth x ImageLength)")
            if found != planes:
                problems.append(f"OME {image.id} Pixels SizeZ={px.size_z} SizeC={px.size_c} SizeT={px.size_t} "
                                f"make {planes} planes{f' of {spp} samples' if spp > 1 else ''}, but its "
                                f"TiffData elements reference {found} IFDs that exist")
    finally:
        for tif in opened.values():
            tif.close()
    return problems


def stamps(fs: FileSet, base: Path) -> list[tuple[str, int, int]]:
    """``(name, size, mtime_ns)`` of every file of ``fs``, names POSIX and relative to
    ``base`` (the directory of the dataset's file) when they are below it.

    Raises
    ------
    MigrateError
        If a file has gone (naming it).
    """
    out = []
    for file in fs.files:
        try:
            st = file.stat()
        except OSError as exc:
            raise MigrateError(file, f"cannot read the file: {exc.strerror or exc}") from None
        try:
            name = file.relative_to(base).as_posix()
        except ValueError:
            name = str(file)
        out.append((name, st.st_size, st.st_mtime_ns))
    return out


def _resolve(name: str | None, holder: Path, what: str) -> Path:
    """``name`` relative to the directory of ``holder``, refusing names that leave it."""
    if not name:
        raise MigrateError(holder, f"the OME {what} is empty")
    rel = PurePosixPath(name.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts:
        raise MigrateError(holder, f"the OME {what} {name!r} leaves the directory of this file")
    return holder.parent / Path(*rel.parts)


def read_xml(path: Path) -> str:
    """The text of an OME-XML file (a companion).

    Raises
    ------
    MigrateError
        If it cannot be read or decoded.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(path, f"cannot read this OME-XML file: {exception_line(exc, 200)}") from None


def tiff_xml(path: Path) -> str | None:
    """The OME-XML in the ImageDescription of the first IFD of the TIFF ``path``, or ``None``
    (not an OME-TIFF, or not a TIFF tifffile can parse: the reader reports that)."""
    import tifffile

    from .read import tifffile_log

    try:
        with tifffile_log([], path), tifffile.TiffFile(path) as tif:  # its log is the reader's to report
            return tif.pages.first.description if tif.is_ome else None
    except Exception:
        return None


def parse_ome(xml: str, path: Path, *, strict: bool) -> Any:
    """``xml`` parsed by ome-types (``from_xml``, not validated against the schema).

    Returns ``None`` when it does not parse and ``strict`` is false.

    Raises
    ------
    MigrateError
        When it does not parse and ``strict`` is true, naming ``path``.
    """
    try:
        from ome_types import from_xml

        return from_xml(xml, validate=False)
    except Exception as exc:
        if strict:
            raise MigrateError(path, f"the OME-XML does not parse ({exception_line(exc, 200)})") from None
        return None


__all__ = ["COMPANION_SUFFIX", "FileSet", "block_file", "file_set", "ifd_problems", "is_companion", "parse_ome",
           "read_xml", "stamps", "tiff_xml"]
