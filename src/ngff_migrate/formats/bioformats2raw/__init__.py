"""``bioformats2raw.layout`` containers (series, or a plate) at NGFF 0.4 / 0.5 / 0.6.

Detection: :mod:`.detect`; reading: :mod:`.read`; translation and the
reverse map beside them."""

from ..base import Format, Layout
from .detect import detect

FORMAT = Format(
    family="bioformats2raw",
    detect=detect,
    layouts=(
        Layout("bioformats2raw", f"{__name__}.read:read_bioformats2raw", f"{__name__}.translate:translate_bioformats2raw",
               reverse=f"{__name__}.reverse:reverse_map"),
    ),
)
