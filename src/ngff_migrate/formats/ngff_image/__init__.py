"""NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3) multiscale images with their label images.

Detection: :mod:`.detect`; reading: :mod:`.read`; translation and the
reverse map beside them."""

from ..base import Format, Layout
from .detect import detect

FORMAT = Format(
    family="ngff_image",
    detect=detect,
    layouts=(
        Layout("ngff-image", f"{__name__}.read:read_image", f"{__name__}.translate:translate_image",
               reverse=f"{__name__}.reverse:reverse_map"),
    ),
)
