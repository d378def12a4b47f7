"""Which of Streamlit's frontend files a page needs at once, asked for with the page itself.

Streamlit's page (``index.html``) links the files its frontend starts with; the code of each kind of
element (a radio button, a date input, a metric, a component's frame) is a separate module, imported
when the first element of that kind arrives over the websocket, and that module's own imports are
discovered only once it has arrived: on a first visit the element code comes in three or four waves
after the websocket's first message (0.5 s on this machine, 2.5 s at a phone's 150 ms round trips),
and the map's frame cannot be made before the component module is in.

:func:`module_preloads` reads the bundler's manifest Streamlit ships (``static/manifest.json``: each
module's file, hashed name and imports) and returns ``<link rel="modulepreload">`` hints for the modules
of the elements named and everything they import, but not what ``index.html`` already links: the
browser then fetches them beside the frontend's first files.  The names are source paths as the manifest
spells them (``widgets/Radio/Radio.tsx``), so a Streamlit release that renames or drops one makes
:func:`module_files` fail loudly rather than hint at a file that is not there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path

#: The files ``index.html`` links (as ``./static/js/...``): hinted already.
_LINKED = re.compile(rb'(?:href|src)="\./(static/[^"]+)"')


def streamlit_static_dir() -> Path | None:
    """Streamlit's frontend folder (``streamlit/static``), found without importing Streamlit; None if absent."""
    from importlib.util import find_spec

    spec = find_spec("streamlit")
    for root in (spec.submodule_search_locations or []) if spec else []:
        if (Path(root) / "static" / "manifest.json").is_file():
            return Path(root) / "static"
    return None


def module_files(manifest: dict, sources: Iterable[str]) -> list[str]:
    """The files (``static/js/<name>.<hash>.js``) of the modules whose source path ends with each of
    ``sources``, each after the modules it imports (statically: what the browser fetches before running it).

    Raises ``KeyError`` naming a source no module of ``manifest`` comes from.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(key: str) -> None:
        if key in seen:  # once each, whatever imports what (chunks may import each other)
            return
        seen.add(key)
        entry = manifest[key]
        for need in entry.get("imports", ()):
            if need in manifest:
                add(need)
        if entry["file"].endswith(".js"):
            out.append(entry["file"])

    for source in sources:
        keys = [k for k, v in manifest.items() if v.get("src", "").endswith("/" + source.lstrip("/"))]
        if len(keys) != 1:
            raise KeyError(f"{source}: {len(keys)} modules of Streamlit's frontend come from it, not 1")
        add(keys[0])
    return out


def module_preloads(static_dir: str | Path, sources: Iterable[str]) -> bytes:
    """``<link rel="modulepreload">`` lines (relative to the page, as ``index.html`` links its own files)
    for the modules of ``sources`` and their imports that ``static_dir/index.html`` does not link yet."""
    static_dir = Path(static_dir)
    manifest = json.loads((static_dir / "manifest.json").read_text(encoding="utf-8"))
    linked = {m.decode() for m in _LINKED.findall((static_dir / "index.html").read_bytes())}
    files = [f for f in module_files(manifest, sources) if f not in linked]
    return b"".join(b'<link rel="modulepreload" crossorigin href="./%s">\n' % f.encode() for f in files)


def resource_preloads(urls: Iterable[str]) -> bytes:
    """``<link rel="preload">`` lines for scripts (``.js``) and style sheets (``.css``) that a page's own code
    will ask for later (streamlit-folium's frame adds the map's scripts only once its own has run and the
    map's arguments have come): fetched at once, then taken from the browser's cache."""
    kinds = {".js": "script", ".css": "style"}
    out = []
    for url in urls:
        kind = kinds.get(url[url.rfind("."):])
        if kind is None:
            raise ValueError(f"{url}: only .js and .css are preloaded")
        out.append(f'<link rel="preload" as="{kind}" href="{escape(url)}">\n')
    return "".join(out).encode()
