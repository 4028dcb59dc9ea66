"""HCS plates at NGFF 0.4 / 0.5: plate, wells, fields of view, acquisitions.

Detection: :mod:`.detect`; reading: :mod:`.read`; translation and the
reverse map beside them."""

from ..base import Format, Layout
from .detect import detect

FORMAT = Format(
    family="hcs",
    detect=detect,
    layouts=(
        Layout("hcs-plate", f"{__name__}.read:read_plate", f"{__name__}.translate:translate_plate",
               reverse=f"{__name__}.reverse:reverse_map"),
    ),
)
