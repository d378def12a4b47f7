"""Hints that let the browser fetch at once what a page's own code will ask for later.

streamlit-folium's page (the map's frame) adds the map's scripts only once its own script has run and the
map's arguments have come from the page around it, and then one after the other, each waiting for the
last: Leaflet and the layers' scripts are fetched that late.  :func:`resource_preloads` makes the
``<link rel="preload">`` lines the middleware puts into that page's ``<head>`` (``CompressedAssets(heads=
...)``): the browser fetches them while the frame starts and takes them from its cache when asked for.

Hinting Streamlit's own element modules in its page (``<link rel="modulepreload">`` for the first screen's
widgets, resolved through Streamlit's bundle manifest) was measured and dropped: on the phone profile the
0.25 MB more before the websocket delayed its first message by about 1 s, more than the waves of element
code it saved (docs/performance-2026-12.md, section 8).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape


def resource_preloads(urls: Iterable[str]) -> bytes:
    """``<link rel="preload">`` lines for scripts (``.js``) and style sheets (``.css``), in the order given."""
    kinds = {".js": "script", ".css": "style"}
    out = []
    for url in urls:
        kind = kinds.get(url[url.rfind("."):])
        if kind is None:
            raise ValueError(f"{url}: only .js and .css are preloaded")
        out.append(f'<link rel="preload" as="{kind}" href="{escape(url)}">\n')
    return "".join(out).encode()
