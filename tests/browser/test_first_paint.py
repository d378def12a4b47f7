"""What a first visit asks for, and when: the hints that let the map paint sooner (issue 21, first paint;
``benchmarks/bench_page.py`` prints the seconds).

* Streamlit's element modules the first screen draws with are hinted in the page (``layers.page.
  FIRST_SCREEN_MODULES``, resolved through Streamlit's manifest): once the websocket's first message has
  come, the only element code still fetched is the charts' (Vega, drawn below the map);
* the map's frame is hinted Leaflet and the layers' one script: the browser fetches them from those hints
  (the frame's document is their initiator), not when streamlit-folium adds them one after the other;
* the layers' scripts are one file (``layers._script.script_bundle``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from geodata.web import streamlit_static_dir  # noqa: E402

DRAWN_JS = (Path(__file__).resolve().parents[2] / "benchmarks" / "js" / "map_painted.js").read_text(
    encoding="utf-8")


def _charts_files() -> set[str]:
    """Every file the charts' module (Vega-Lite) may load: its imports and dynamic imports, all the way down."""
    manifest = json.loads((streamlit_static_dir() / "manifest.json").read_text(encoding="utf-8"))
    todo = [k for k, v in manifest.items() if v.get("src", "").endswith("/ArrowVegaLiteChart.tsx")]
    seen: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen or key not in manifest:
            continue
        seen.add(key)
        todo += manifest[key].get("imports", []) + manifest[key].get("dynamicImports", [])
    return {manifest[k]["file"] for k in seen}


@pytest.fixture(scope="module")
def first_visit(browser, offline_server):
    """``(page html, requests, time of the websocket's first message)`` of a first visit with an empty cache,
    until the map has painted; each request as ``(time sent, url, initiator type, frame url)``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent, ws = [], []
    cdp.on("Network.requestWillBeSent", lambda e: sent.append(
        (e["timestamp"], e["request"]["url"], e["initiator"]["type"], e.get("documentURL", ""))))
    cdp.on("Network.webSocketFrameReceived", lambda e: ws.append(e["timestamp"]))
    url = f"http://{offline_server.host}/"
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN_JS, timeout=120_000, polling=100)
    page.wait_for_timeout(500)
    html = page.evaluate("() => document.head.outerHTML")
    context.close()
    return html, sent, min(ws)


def test_the_first_screen_modules_come_with_the_page_and_only_the_charts_come_later(first_visit):
    html, sent, ws_first = first_visit
    hinted = set(re.findall(r'<link rel="modulepreload" crossorigin="" href="\./(static/js/[^"]+)">', html))
    assert any("/ComponentInstance." in f for f in hinted) and any("/Radio." in f for f in hinted), html[:2000]
    late = {urlsplit(u).path.lstrip("/") for t, u, _, _ in sent
            if t > ws_first and urlsplit(u).path.startswith("/static/js/")}
    assert late - _charts_files() == set(), "element code fetched after the websocket's first message"
    assert not [f for f in late if "/ComponentInstance." in f]


def test_the_map_frame_fetches_leaflet_and_the_layer_scripts_from_its_hints(first_visit):
    _, sent, _ = first_visit
    wanted = {u: (kind, doc) for _, u, kind, doc in sent
              if urlsplit(u).path.endswith("/leaflet.js") or re.search(r"/layers-[0-9a-f]{20}\.js$", u)}
    assert len(wanted) == 2, wanted  # one layer script, not sixteen; each asked for once
    for url, (kind, doc) in wanted.items():
        # "parser": the <link rel="preload"> of the frame's page; "script" would be streamlit-folium adding it.
        assert kind == "parser" and "/streamlit_folium.st_folium/index.html" in doc, (url, kind, doc)
    scripts = [u for _, u, _, _ in sent if urlsplit(u).path.endswith(".js") and "/component/" in u
               and "/streamlit_folium.st_folium/" not in u]
    assert len(scripts) == 2, scripts
