"""RFC-8 documents and the RFC-8 drafts before v1 (``ref``/``$ref``/string
references, versions 0.7dev0, 0.8, 0.9.dev3): normalised to RFC-8 v1.

Detection: :mod:`.detect`; reading: :mod:`.read`; translation and the
reverse map beside them."""

from ..base import Format, Layout
from .detect import detect

FORMAT = Format(
    family="rfc8",
    detect=detect,
    layouts=(
        Layout("rfc8", f"{__name__}.read:read_rfc8_tree", f"{__name__}.normalise:translate_rfc8",
               reverse=f"{__name__}.reverse:reverse_map"),
    ),
)
