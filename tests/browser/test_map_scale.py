"""The app in Chromium with 100,000 incidents: the map draws from its points file, follows a date
change without being rebuilt, a click fetches the record with its sources, and neither the page
nor a rerun carries the points."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from geodata import Bundle, View, load_bundle, save_bundle, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_map_scale import realistic_incidents  # noqa: E402

N = 100_000
#: What the page and a rerun may weigh whatever the number of incidents: the map's fixed part (the
#: facilities with their monthly figures, the legend) is about 150 kB; the incidents' columns in the
#: page would add 12 bytes a point, 1.2 MB here.
FIXED_BYTES = 250_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A data folder of the bundled facilities and N synthetic incidents, written with save_bundle."""
    folder = tmp_path_factory.mktemp("big-data")
    bundle = load_bundle()
    placed = bundle.facilities[bundle.facilities.geometry.notna()]
    import numpy as np

    centres = np.column_stack([placed.geometry.x, placed.geometry.y])
    incidents = realistic_incidents(N, seed=7, centres=centres)
    save_bundle(Bundle(bundle.facilities, incidents, bundle.report, bundle.population), folder)
    return {"folder": folder, "bundle": load_bundle(folder)}


@pytest.fixture(scope="module")
def big_server(start_app, big):
    return start_app(ICE_MAP_DATA_DIR=str(big["folder"]), ICE_MAP_OFFLINE="1")


def shown(bundle, **view) -> int:
    return int(select(bundle.facilities, bundle.incidents, View(**view))["incidents"].geometry.notna().sum())


def test_a_date_change_redraws_the_big_map_in_the_browser_and_a_click_fetches_the_record(open_page, big_server, big):
    app = open_page(big_server)
    received: list[int] = []  # bytes of each websocket message from the app to the page
    app.page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    b = big["bundle"]
    state = app.open("?start=2024-01-01&end=2024-12-31")
    want = shown(b, start="2024-01-01", end="2024-12-31")
    assert state["points"]["Incidents"]["n"] == want > 20_000
    assert app.evaluate_on_map("return window.parent.__iceMapInits;") == 1
    # The points came as files, one per layer (the incidents, the facilities with their months), each fetched
    # once; the map's page holds only their URLs.
    files = [u for u in app.requests if u.endswith(".bin")]
    assert len(files) == 2 and all("/component/" in u for u in files)
    page = app.evaluate_on_map("return document.documentElement.outerHTML;")
    assert all(u.rsplit("/", 1)[1] in page for u in files)
    assert len(page.encode()) < FIXED_BYTES
    app.evaluate_on_map("window.__sameFrame = true;")
    # Zoomed out, that many points are counted in clusters, and facilities are drawn on top.
    modes = app.evaluate_on_map(
        "var out = {}; for (var id in map._layers) { var l = map._layers[id];"
        " if (l instanceof L.CanvasPointLayer) { out[l.options.name] = [l.drawMode(), l._zIndex]; } } return out;")
    assert modes["Incidents"][0] == "clusters"
    assert modes["Detention facilities"][1] > modes["Incidents"][1]

    # A new start date in the sidebar: the app reruns (figures, URL), the map only redraws.
    before = len(received)
    app.page.get_by_role("spinbutton", name="year, Date range start date").click()
    app.page.keyboard.type("20240701")
    app.page.get_by_role("heading", name="Filter").click()
    app.page.wait_for_url("**start=2024-07-01**")
    app.wait_idle()
    want = shown(b, start="2024-07-01", end="2024-12-31")
    state = app.map_state(lambda s: s["points"].get("Incidents", {}).get("n") == want)
    assert state["points"]["Incidents"]["n"] == want
    assert app.evaluate_on_map("return window.parent.__iceMapInits + ':' + !!window.__sameFrame;") == "1:true"
    # The rerun sent the map again (streamlit-folium sends its page each time), but not its points.
    assert 0 < sum(received[before:]) < FIXED_BYTES, received[before:]
    assert len([u for u in app.requests if u.endswith(".bin")]) == 2

    # The time bar's next step: the first week of the range, in the browser, and in the link.
    app.map_frame().get_by_role("button", name="Next step").click()
    app.page.wait_for_url("**step=2024-07-01,2024-07-07**")
    want = shown(b, start="2024-07-01", end="2024-07-07")
    state = app.map_state(lambda s: s["points"].get("Incidents", {}).get("n") == want)
    assert state["points"]["Incidents"]["n"] == want
    assert "week 1 of" in app.map_frame().locator(".ice-timebar-label").inner_text()
    assert app.evaluate_on_map("return window.parent.__iceMapInits + ':' + !!window.__sameFrame;") == "1:true"

    # Zoom in to one shown incident and click it: its record comes from its shard, with its source.
    target = app.evaluate_on_map(
        "var l = null; for (var id in map._layers) { if (map._layers[id].options &&"
        " map._layers[id].options.name === 'Incidents') { l = map._layers[id]; } }"
        " for (var i = 0; i < l._n; i++) {"
        "  if ((!l._show || l._show[i]) && !(l._data.dx && l._data.dx[i]) && l._data.hollow[i] === 0) {"
        "   map.setView([l._data.lat[i], l._data.lon[i]], 16, { animate: false });"
        "   var p = map.latLngToContainerPoint([l._data.lat[i], l._data.lon[i]]); return [p.x, p.y, i]; } }"
        " return null;")
    app.page.wait_for_timeout(300)
    box = app.map_frame().frame_element().bounding_box()
    app.page.mouse.click(box["x"] + target[0], box["y"] + target[1])
    popup = app.map_frame().locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Links: news.example.org" in text and "Source: Benchmark News" in text
    size = app.evaluate_on_map("for (var id in map._layers) { var l = map._layers[id];"
                               " if (l.options && l.options.name === 'Incidents') { return l._data.records.size; } }")
    assert any(u.endswith(f"/{target[2] // size}.json") for u in app.requests)
    assert app.evaluate_on_map("return map._cplPopupMs;") < 3000
