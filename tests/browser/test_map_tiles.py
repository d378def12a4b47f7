"""The app in Chromium when the tile server never answers: the outline map takes over within 5 s, says so,
and no view of the map raises an error."""

from __future__ import annotations

import re
import time

OSM_TILES = "tile.openstreetmap.org"
#: The main views: the default map, clusters, heat, regions, ICE's areas, and a range with a time bar step.
VIEWS = ("", "?style=clusters", "?style=heat", "?regions=state", "?aor_map=areas&layer=facilities,incidents,offices",
         "?start=2026-01-01&end=2026-01-31&step=2026-01-05,2026-01-11")


def hang_tiles(app) -> list[float]:
    """Tile requests that never get an answer (a firewall that drops packets); later routes win in Playwright.

    Returns the list of times (``time.monotonic()``) the tile requests were made.
    """
    asked: list[float] = []
    app.page.route(re.compile(rf"^https?://([a-z]\.)?{re.escape(OSM_TILES)}/.*"),
                   lambda route: asked.append(time.monotonic()))
    return asked


def collect_errors(app) -> list[str]:
    errors: list[str] = []
    app.page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    app.page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    return errors


def test_hanging_tiles_give_way_to_the_outline_map_within_5_s_with_a_notice(open_page, app_server):
    app = open_page(app_server)
    asked = hang_tiles(app)
    errors = collect_errors(app)
    app.page.goto(app_server.url + "/")
    frame = None
    while frame is None or not asked:
        app.page.wait_for_timeout(50)  # poll interval
        frame = app.map_frame()
    notice = frame.locator(".ice-tile-notice")
    notice.wait_for(state="visible", timeout=15_000)
    # From the map's first tile request (the map is on the page) to the notice.
    seconds = time.monotonic() - asked[0]
    print(f"outline map {seconds:.2f} s after the first tile request")
    assert seconds <= 5.0, seconds
    assert "outline map" in notice.inner_text()
    state = app.map_state(lambda s: "land" in (s["outline"] or []))
    assert state["tiles"] == [] and "land" in state["outline"]
    assert OSM_TILES in app.hosts()
    radios = frame.locator(".leaflet-control-layers-base input")
    assert radios.nth(1).is_checked()
    # The notice sits inside the map.
    box, map_box = notice.bounding_box(), frame.locator(".leaflet-container").bounding_box()
    assert map_box["x"] <= box["x"] and box["x"] + box["width"] <= map_box["x"] + map_box["width"]
    assert not errors, errors


def test_main_views_raise_no_page_or_console_error(open_page, app_server):
    app = open_page(app_server)
    hang_tiles(app)
    errors = collect_errors(app)
    for query in VIEWS:
        app.page.goto(app_server.url + "/" + query)
        app.wait_idle()
        app.map_state(lambda s: s.get("points"))
        app.map_frame().locator(".ice-tile-notice").wait_for(state="visible", timeout=15_000)
        app.page.wait_for_timeout(500)  # let the redraws after the switch run
        assert not errors, (query, errors)


LABELS_JS = """
var outline = null, data = [];
function zOf(pane) { return Number(pane.style.zIndex || getComputedStyle(pane).zIndex); }
map.eachLayer(function (l) {
  if (L.OutlineLayer && l instanceof L.OutlineLayer) { outline = l; }
  if (l instanceof L.CanvasPointLayer) { data.push(zOf(map.getPane(l.options.pane))); }
});
if (!outline) { return null; }
var panes = map.getPanes(), z = {};
for (var name in panes) { z[name] = zOf(panes[name]); }
return { labels: outline.drawnLabels(), z: z, data: data,
         attribution: document.querySelector(".leaflet-control-attribution").textContent };
"""


def test_the_outline_map_names_places_under_the_data_without_overlaps(open_page, offline_server):
    app = open_page(offline_server)
    errors = collect_errors(app)
    app.open("?lat=44.97&lon=-93.26&zoom=13")
    deadline = time.monotonic() + 15
    while True:
        state = app.evaluate_on_map(LABELS_JS)
        if (state and state["labels"]) or time.monotonic() > deadline:
            break
        app.page.wait_for_timeout(100)  # poll interval
    names = [label["name"] for label in state["labels"]]
    assert "Minneapolis" in names, names
    boxes = [label["box"] for label in state["labels"]]
    for a, p in enumerate(boxes):
        for q in boxes[a + 1:]:
            assert not (p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]), (p, q)
    z = state["z"]
    data_panes = state["data"]  # the points' panes
    assert data_panes and z["outlinePane"] < z["placeLabelPane"] < min([z["overlayPane"], *data_panes])
    assert "GeoNames" in state["attribution"] and "CC BY 4.0" in state["attribution"]
    # Zoomed out to the country: only the largest cities are named, and still none overlap.
    app.evaluate_on_map("map.setView([39.5, -98.35], 4, { animate: false });")
    app.page.wait_for_timeout(300)  # the labels are drawn on the map's moveend
    state = app.evaluate_on_map(LABELS_JS)
    names = [label["name"] for label in state["labels"]]
    assert "Minneapolis" not in names and "Chicago" in names
    assert not errors, errors
