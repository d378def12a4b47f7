"""What a first visit asks for, and from where (issue 21, first paint; ``benchmarks/bench_page.py`` prints
the seconds):

* the map's frame is hinted Leaflet and the layers' one script: the browser fetches them from those hints
  (the frame's document is their initiator), not when streamlit-folium adds them one after the other;
* the layers' scripts are one file (``layers._script.script_bundle``);
* the points draw while the outline map, place names and regions have not come (a guard: they never waited);
* the page's styles come in its ``<head>`` from the server, not as a Markdown element: no HTML-in-Markdown code
  (Streamlit's rehype-raw module) is fetched for the default page.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DRAWN_JS = (Path(__file__).resolve().parents[2] / "benchmarks" / "js" / "map_painted.js").read_text(
    encoding="utf-8")


@pytest.fixture(scope="module")
def first_visit(browser, offline_server):
    """The requests of a first visit with an empty cache, until the map has painted: ``(time sent, url, initiator
    type, url of the document that asked)``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent = []
    cdp.on("Network.requestWillBeSent", lambda e: sent.append(
        (e["timestamp"], e["request"]["url"], e["initiator"]["type"], e.get("documentURL", ""))))
    url = f"http://{offline_server.host}/"
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN_JS, timeout=120_000, polling=100)
    page.wait_for_timeout(500)
    styled = page.evaluate("""() => ({
        head: [...document.head.querySelectorAll('style')].some(s => s.textContent.includes('stMainBlockContainer')),
        body: [...document.body.querySelectorAll('style')].some(s => s.textContent.includes('stMainBlockContainer')),
        title: getComputedStyle(document.querySelector('[data-testid="stMainBlockContainer"] h1')).fontSize,
        top: getComputedStyle(document.querySelector('[data-testid="stMainBlockContainer"]')).paddingTop})""")
    sent.append((None, styled, "styles", ""))
    context.close()
    return sent


def test_the_pages_styles_are_in_its_head_and_no_html_markdown_code_is_fetched(first_visit):
    (styled,) = [u for t, u, kind, _ in first_visit if kind == "styles"]
    assert styled["head"] and not styled["body"], styled
    # 1.6rem and 2.75rem: the page's own sizes apply (Streamlit's styles, added to the <head> later, do not win)
    assert styled["title"] == "25.6px" and styled["top"] == "44px", styled
    fetched = [u for t, u, _, _ in first_visit if t is not None]
    assert not [u for u in fetched if "rehype-raw" in u], "the default page fetched Streamlit's HTML-in-Markdown code"


def test_the_map_frame_fetches_leaflet_and_the_layer_scripts_from_its_hints(first_visit):
    sent = [r for r in first_visit if r[0] is not None]
    wanted = {u: (kind, doc) for _, u, kind, doc in sent
              if urlsplit(u).path.endswith("/leaflet.js") or re.search(r"/layers-[0-9a-f]{20}\.js$", u)}
    assert len(wanted) == 2, wanted  # one layer script, not sixteen; each asked for once
    for url, (kind, doc) in wanted.items():
        # "parser": the <link rel="preload"> of the frame's page; "script" would be streamlit-folium adding it.
        assert kind == "parser" and "/streamlit_folium.st_folium/index.html" in doc, (url, kind, doc)
    scripts = [u for _, u, _, _ in sent if urlsplit(u).path.endswith(".js") and "/component/" in u
               and "/streamlit_folium.st_folium/" not in u]
    assert len(scripts) == 2, scripts


def test_the_points_are_drawn_while_the_outline_map_places_and_regions_are_held_back(open_page, offline_server):
    # A guard: the points layer fetches its own file and draws as soon as it is in, whatever the base map does
    # (the outline map and place names are 0.26 MB, the regions 0.17 MB: on a phone's network they come later).
    app = open_page(offline_server)
    held = []
    app.page.route(re.compile(r".*/us-(outline|places|regions)\.json$"), lambda route: held.append(route))
    app.page.goto(f"{offline_server.url}/")
    drawn = lambda s: bool(s.get("points")) and all(p["loaded"] and p["drawn"] > 0 for p in s["points"].values())
    state = app.map_state(drawn, timeout=60)
    assert drawn(state), state
    assert held and state["outline"] == [], (held, state)  # asked for, never answered: no outline drawn
    for route in held:
        route.abort()
