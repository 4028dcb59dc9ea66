"""TIFF files: pyramidal OME-TIFF (SubIFDs or reduced-resolution pages),
plain tiled or striped TIFF, ImageJ hyperstacks, and tile sets: folders of
TIFF tiles placed by stage positions (docs/tiff.md).

Detection (:mod:`.detect`) reads four bytes; reading (:mod:`.read`) uses
tifffile and ome-types, imported only then; translation (:mod:`.translate`)
plans every array for the pixel engine, which reads the levels through
tifffile's Zarr view (:mod:`.source`); the reverse map (:mod:`.reverse`)
rebuilds what was read from the output."""

from ..base import Format, Layout
from .detect import detect, detect_file
from .tileset import detect_folder

FORMAT = Format(
    family="tiff",
    detect=detect,
    layouts=(
        Layout("tiff", f"{__name__}.read:read_tiff", f"{__name__}.translate:translate_tiff",
               reverse=f"{__name__}.reverse:reverse_map"),
        Layout("tiff-tiles", f"{__name__}.tileset:read_tileset", f"{__name__}.translate_tiles:translate_tileset",
               reverse=f"{__name__}.reverse_tiles:reverse_tiles", read_options=True),
    ),
    detect_file=detect_file,
    detect_folder=detect_folder,
)
