"""What the HTML report tests share: the offline check, thumbnail extraction, inputs.

Inputs are real stores: images and plates written by ome-zarr-py (through
``test_batch_support``), RFC-8 trees written with zarr-python and hand-made
``zarr.json`` documents.
"""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import zarr

#: attributes through which a page could load something
LOADING_ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "formaction", "background", "ping"}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.metas: list[dict[str, str]] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
            if name == "style":
                self.styles.append(value or "")
        if tag == "meta":
            self.metas.append({k: v or "" for k, v in attrs})
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def assert_offline(page: str) -> None:
    """The page loads nothing from the network: every src/href-like attribute is a
    ``data:`` URI or a fragment, styles import nothing and use no ``url()``,
    scripts make no requests, and the Content-Security-Policy forbids fetches."""
    parsed = _Collect()
    parsed.feed(page)
    for tag, name, value in parsed.attributes:
        if name in LOADING_ATTRIBUTES:
            assert value.startswith(("data:", "#")) or value == "", (tag, name, value[:80])
        assert not re.search(r"(?i)\b(https?|ftp|wss?):", value) or name in ("aria-label", "title"), \
            (tag, name, value[:80])
    for css in parsed.styles:
        assert "@import" not in css and not re.search(r"(?i)url\s*\(", css), css[:200]
    for js in parsed.scripts:
        for word in ("fetch(", "XMLHttpRequest", "import(", "WebSocket", "EventSource", "sendBeacon",
                     "http://", "https://", ".src =", "innerHTML"):
            assert word not in js, word
    assert not re.search(r"(?i)<(link)[^>]+rel=[\"']?stylesheet", page)
    csp = [m["content"] for m in parsed.metas if m.get("http-equiv", "").lower() == "content-security-policy"]
    assert csp and "default-src 'none'" in csp[0] and "img-src data:" in csp[0], csp


_IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*?data-image="([^"]*)"')
_PLACEHOLDER = re.compile(r'<div class="placeholder thumb-placeholder"[^>]*data-image="([^"]*)">\s*'
                          r'<strong>no thumbnail</strong><span class="reason">([^<]*)</span>')


def thumbnails(page: str) -> dict[str, np.ndarray]:
    """Image name → the decoded RGBA pixels of its thumbnail on the page."""
    from PIL import Image

    out = {}
    for data, name in _IMG.findall(page):
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        assert image.format == "PNG"
        out[name] = np.asarray(image.convert("RGBA"))
    return out


def placeholders(page: str) -> dict[str, str]:
    """Image name → the reason shown in its placeholder."""
    import html

    return {html.unescape(n): html.unescape(r) for n, r in _PLACEHOLDER.findall(page)}


def write_rfc8_image(root: Path, levels: dict[str, np.ndarray | tuple], axes: list[dict], *,
                     attributes: dict | None = None, dtype: str | None = None) -> Path:
    """An RFC-8 multiscale at ``root``: one Zarr v3 array per level (an ndarray is
    written; a shape tuple makes an array with no chunk written)."""
    zarr.open_group(str(root), mode="w", zarr_format=3)
    nodes = []
    for name, data in levels.items():
        if isinstance(data, tuple):
            zarr.create_array(str(root / name), shape=data, chunks=tuple(min(s, 1024) for s in data),
                              dtype=dtype or "uint8", zarr_format=3)
        else:
            array = zarr.create_array(str(root / name), shape=data.shape, dtype=data.dtype,
                                      chunks=tuple(min(s, 16) for s in data.shape), zarr_format=3)
            array[...] = data
        nodes.append({"type": "singlescale", "id": name, "name": name, "path": {"type": "zarr", "path": f"./{name}"},
                      "attributes": {"coordinateTransformations": [
                          {"type": "scale", "input": {"id": name}, "output": {"id": "physical"},
                           "scale": [1.0] * len(axes)}]}})
    ome = {"version": "0.x", "type": "multiscale", "id": "img", "name": "hand-made",
           "attributes": {"coordinateSystems": [{"id": "physical", "axes": axes}], **(attributes or {})},
           "nodes": nodes}
    doc = json.loads((root / "zarr.json").read_text())
    doc["attributes"] = {"ome": ome}
    (root / "zarr.json").write_text(json.dumps(doc))
    return root


def smallest_level(out: Path, doc_rel: str = "", inline: int | None = None) -> tuple[str, np.ndarray]:
    """The name and data of the level with the fewest elements of the multiscale in
    ``out/doc_rel/zarr.json`` (``inline``: the index of an inline multiscale)."""
    base = out / doc_rel if doc_rel else out
    ome = json.loads((base / "zarr.json").read_text())["attributes"]["ome"]
    if inline is not None:
        ome = ome["nodes"][inline]
    best = None
    for node in ome["nodes"]:
        array = zarr.open_array(str(base / node["path"]["path"]), mode="r")
        if best is None or array.size <= best[1].size:
            best = (node["name"], array)
    return best[0], np.asarray(best[1][...])
