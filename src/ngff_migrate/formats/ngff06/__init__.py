"""OME-Zarr 0.6 (RFC-5 coordinate systems and transformations): images,
scenes and plates, drafts 0.6.dev1 to 0.6rc0, 0.6 and 0.9.dev1.

Detection: :mod:`.detect`; reading: :mod:`.read`; translation and the
reverse map beside them."""

from ..base import Format, Layout
from .detect import detect

FORMAT = Format(
    family="ngff06",
    detect=detect,
    layouts=(
        Layout("ngff06-image", f"{__name__}.read:read_image06", f"{__name__}.translate:translate_image06",
               reverse=f"{__name__}.reverse:reverse_map"),
        Layout("ngff06-scene", f"{__name__}.read_scene:read_scene06", f"{__name__}.translate_scene:translate_scene06",
               reverse=f"{__name__}.reverse:reverse_map"),
        Layout("ngff06-plate", f"{__name__}.read_plate:read_plate06", f"{__name__}.translate:translate_plate06",
               reverse=f"{__name__}.reverse:reverse_map"),
    ),
)
