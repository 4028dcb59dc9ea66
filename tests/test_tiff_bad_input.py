"""Bad TIFF input (issue #10): each is a one-line error naming the file, exit code 1,
no traceback, and no output that looks complete.

Inputs are written here with tifffile (and the OME-XML with ome-types), as
each test's docstring says; multi-file sets by
:func:`test_tiff_multifile.write_set`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from ome_types import model as om
from ome_types import to_xml
from test_tiff_multifile import write_set
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.errors import MigrateError


def cli_error(tmp_path: Path, source: Path, *extra: str) -> str:
    """Convert ``source`` with the CLI (in-process); assert exit 1, no traceback, no output
    directory; return the one error line."""
    dst = tmp_path / "out.zarr"
    result = CliRunner().invoke(app, ["convert", str(source), str(dst), *extra])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert not dst.exists()
    return errors[0]


def _ome_xml(size_x: int, size_y: int, size_z: int, plane_count: int | None = None) -> str:
    """OME-XML of one uint16 ``Image:0`` with ``TiffData IFD=0 PlaneCount=plane_count (or SizeZ)``."""
    pixels = om.Pixels(id="Pixels:0", dimension_order="XYZCT", type="uint16", size_x=size_x, size_y=size_y,
                       size_z=size_z, size_c=1, size_t=1, physical_size_x=0.5, physical_size_y=0.5,
                       channels=[om.Channel(id="Channel:0:0", samples_per_pixel=1)],
                       tiff_data_blocks=[om.TiffData(ifd=0, plane_count=plane_count or size_z)])
    return to_xml(om.OME(images=[om.Image(id="Image:0", name="img", pixels=pixels)]))


def _three_pages(path: Path, xml: str) -> np.ndarray:
    """Three 64 x 80 uint16 IFDs (``TiffWriter.write`` per plane), ``xml`` in the first's ImageDescription."""
    data = np.arange(3 * 64 * 80, dtype="uint16").reshape(3, 64, 80)
    with tifffile.TiffWriter(path) as tw:
        for z in range(3):
            tw.write(data[z], description=xml if z == 0 else None, metadata=None, photometric="minisblack")
    return data


def test_corrupt_tile_in_the_middle_names_file_and_segment(tmp_path):
    """``tifffile.imwrite(tile=(64, 64), compression='zlib')`` uint16 512x512; tile 27 (row 3,
    column 3, of 8 x 8) overwritten with 0xFF bytes (``page.dataoffsets[27]``), in a real process."""
    src = tmp_path / "tiled.tif"
    data = np.random.default_rng(3).integers(0, 4000, (512, 512), dtype="uint16")
    tifffile.imwrite(src, data, tile=(64, 64), compression="zlib")
    with tifffile.TiffFile(src) as tif:
        page = tif.pages[0]
        offset, count = page.dataoffsets[27], page.databytecounts[27]
    raw = bytearray(src.read_bytes())
    raw[offset:offset + count] = b"\xff" * count
    src.write_bytes(bytes(raw))
    dst = tmp_path / "out.zarr"
    proc = subprocess.run([sys.executable, "-m", "ngff_migrate", "convert", str(src), str(dst)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(src) in lines[0] and "page 0 segment 27" in lines[0] and "cannot be decoded" in lines[0], lines[0]
    assert not dst.exists()  # the unfinished output is kept under a hidden name, to resume


def test_corrupt_tile_in_a_member_of_a_set_names_that_member(tmp_path):
    """A set (``write_set``: 32 x 32 zlib tiles, 2 x 3 per plane) whose middle file has tile 3
    (row 1, column 0) overwritten with 0xFF bytes."""
    written = write_set(tmp_path / "set")
    member = written["files"][1]
    with tifffile.TiffFile(member) as tif:
        page = tif.pages[0]
        offset, count = page.dataoffsets[3], page.databytecounts[3]
    raw = bytearray(member.read_bytes())
    raw[offset:offset + count] = b"\xff" * count
    member.write_bytes(bytes(raw))
    line = cli_error(tmp_path, written["files"][0], "--levels", "1")
    assert str(member) in line and "page 0 segment 3" in line and "cannot be decoded" in line, line


def test_truncated_member_of_a_set_names_that_member(tmp_path):
    """A set (``write_set``, master layout) whose last file is cut to half its bytes."""
    written = write_set(tmp_path / "set")
    cut = written["files"][2]
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    line = cli_error(tmp_path, written["files"][0])
    assert str(cut) in line and "truncated" in line, line


@pytest.mark.parametrize("given", [0, 2])
def test_missing_referenced_file(tmp_path, given):
    """The master's set with its second file deleted, converted from the master and from a member."""
    written = write_set(tmp_path / "set")
    written["files"][1].unlink()
    line = cli_error(tmp_path, written["files"][given])
    assert str(written["files"][1]) in line and f"referenced by {written['files'][0]}" in line, line
    assert "missing" in line


def test_missing_companion(tmp_path):
    """A companion set with its ``.companion.ome`` deleted: the TIFFs' BinaryOnly points at nothing."""
    written = write_set(tmp_path / "set", "companion")
    written["companion"].unlink()
    line = cli_error(tmp_path, written["files"][1])
    assert str(written["companion"]) in line and f"referenced by {written['files'][1]}" in line, line


def test_companion_that_is_not_xml_or_not_ome(tmp_path):
    """A ``.companion.ome`` holding text, and one holding XML that is not OME."""
    text = tmp_path / "a.companion.ome"
    text.write_text("not xml at all")
    assert str(text) in cli_error(tmp_path, text) and "not XML" in cli_error(tmp_path, text)
    other = tmp_path / "b.companion.ome"
    other.write_text("<?xml version='1.0'?><svg/>")
    line = cli_error(tmp_path, other)
    assert str(other) in line and "OME-XML does not parse" in line, line


def test_file_name_leaving_the_directory_is_refused(tmp_path):
    """A master whose second ``TiffData UUID FileName`` is ``../img_z1.ome.tif``."""
    written = write_set(tmp_path / "set")
    master = written["files"][0]
    with tifffile.TiffFile(master) as tif:
        xml, data = tif.pages.first.description, tif.pages[0].asarray()
    tifffile.imwrite(master, data, description=xml.replace('FileName="img_z1', 'FileName="../img_z1'),
                     metadata=None)
    line = cli_error(tmp_path, master)
    assert str(master) in line and "leaves the directory" in line, line


def test_binary_only_loop_and_member_not_referenced_back(tmp_path):
    """A TIFF whose ``BinaryOnly MetadataFile`` names itself; a TIFF whose ``BinaryOnly`` names
    the master of a ``write_set`` set that does not list it."""
    loop = tmp_path / "loop.ome.tif"
    xml = to_xml(om.OME(uuid="urn:uuid:00000000-0000-0000-0000-000000000001", binary_only=om.OME.BinaryOnly(
        metadata_file="loop.ome.tif", uuid="urn:uuid:00000000-0000-0000-0000-000000000001")))
    tifffile.imwrite(loop, np.zeros((8, 8), "uint8"), description=xml, metadata=None)
    line = cli_error(tmp_path, loop)
    assert str(loop) in line and "loop" in line, line
    written = write_set(tmp_path / "set")
    stray = tmp_path / "set" / "stray.ome.tif"
    xml = to_xml(om.OME(uuid="urn:uuid:00000000-0000-0000-0000-000000000002", binary_only=om.OME.BinaryOnly(
        metadata_file=written["files"][0].name, uuid=written["uuids"][0])))
    tifffile.imwrite(stray, np.zeros((8, 8), "uint8"), description=xml, metadata=None)
    line = cli_error(tmp_path, stray)
    assert str(stray) in line and "does not reference it back" in line, line


@pytest.mark.parametrize(("xml", "names"), [
    (_ome_xml(80, 64, 5), ("SizeZ=5", "3 IFDs")),
    (_ome_xml(80, 64, 2, plane_count=3), ("SizeZ=2", "3 IFDs")),
    (_ome_xml(100, 64, 3), ("SizeX=100", "80 x 64")),
], ids=["more-planes", "fewer-planes", "wider"])
def test_ome_sizes_disagreeing_with_the_ifds(tmp_path, xml, names):
    """Three 64 x 80 IFDs (``_three_pages``) under OME-XML saying otherwise: an error naming the
    file, the OME element and both sizes; ``--lenient``: a warning, and the IFDs as they are."""
    src = tmp_path / "img.ome.tif"
    data = _three_pages(src, xml)
    line = cli_error(tmp_path, src)
    assert str(src) in line and "OME Image:0 Pixels" in line and "--lenient" in line, line
    for name in names:
        assert name in line, line
    report = ngff_migrate.convert(src, tmp_path / "lenient.zarr", lenient=True, levels=1, verify="full")
    assert report.status == "done"
    assert any("disagrees with the IFDs" in w and names[0] in w for w in report.warnings), report.warnings
    import zarr

    np.testing.assert_array_equal(zarr.open_array(tmp_path / "lenient.zarr" / "0", mode="r")[...], data)


def test_agreeing_ome_sizes_are_no_problem(tmp_path):
    """The same three IFDs under OME-XML that agrees (``SizeZ=3``): no warning, z kept."""
    src = tmp_path / "img.ome.tif"
    data = _three_pages(src, _ome_xml(80, 64, 3))
    report = ngff_migrate.convert(src, tmp_path / "o.zarr", levels=1)
    assert report.status == "done" and not report.warnings, report.warnings
    import zarr

    np.testing.assert_array_equal(zarr.open_array(tmp_path / "o.zarr" / "0", mode="r")[...], data)


def test_thumbnail_only_tiff_is_not_an_image(tmp_path):
    """``tifffile.imwrite(np.zeros((16, 16)), subfiletype=1)``: one reduced-resolution page only."""
    src = tmp_path / "thumb.tif"
    tifffile.imwrite(src, np.zeros((16, 16), "uint8"), subfiletype=1)
    line = cli_error(tmp_path, src)
    assert str(src) in line and "no full-resolution image" in line, line


def test_tiff_without_pages_is_not_an_image(tmp_path):
    """``with tifffile.TiffWriter(path): pass``: a TIFF header and no IFD."""
    src = tmp_path / "empty.tif"
    with tifffile.TiffWriter(src):
        pass
    line = cli_error(tmp_path, src)
    assert str(src) in line and "no image" in line, line


def test_api_errors_are_migrate_errors(tmp_path):
    """From Python the same problems are :class:`MigrateError` naming the file."""
    written = write_set(tmp_path / "set")
    written["files"][2].unlink()
    with pytest.raises(MigrateError) as err:
        ngff_migrate.inspect(written["files"][0])
    assert err.value.path == str(written["files"][2])
