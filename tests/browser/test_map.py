"""The app in Chromium: the map draws, follows the sidebar, exports, and asks no one else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from conftest import DOWNLOAD_MS
from PIL import Image

from geodata import View, load_bundle
from geodata.view.occupancy import view_frames
from layers.facilities import FACILITY_GROUP_COLORS
from layers.outline import OUTLINE_STYLE

ROOT = Path(__file__).resolve().parents[2]
#: Screenshots of test runs (git-ignored).
ARTIFACTS = ROOT / "artifacts"
OSM_TILES = "tile.openstreetmap.org"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def expected_points(bundle, **view) -> dict[str, int]:
    frames, _ = view_frames(bundle, View(**view))  # the facilities in use in the range, as the app shows them
    names = {"facilities": "Detention facilities", "incidents": "Incidents"}
    return {names[k]: int(gdf.geometry.notna().sum()) for k, gdf in frames.items()}


def counts(state) -> dict[str, int]:
    return {name: p["n"] for name, p in (state or {}).get("points", {}).items()}


def test_map_draws_the_points_of_the_filter_in_the_link(open_page, app_server, bundle):
    app = open_page(app_server)
    want = expected_points(bundle, start="2026-01-01", end="2026-01-31", categories=("death_in_custody", "protest"))
    state = app.open("?start=2026-01-01&end=2026-01-31&category=death_in_custody,protest&offline=1")
    assert app.map_frame().locator(".leaflet-container").count() == 1
    assert counts(state) == want
    assert want["Incidents"] == 4 and want["Detention facilities"] > 150
    # Zoomed out to the world, every point is on the canvas.
    app.evaluate_on_map("map.setView([30, -100], 1, { animate: false });")
    state = app.map_state(lambda s: s["zoom"] == 1)
    assert {name: p["drawn"] for name, p in state["points"].items()} == want


def test_changing_the_date_range_changes_the_markers(open_page, offline_server, bundle):
    app = open_page(offline_server)
    # A link with the data's whole span (a link without parameters opens on the last twelve months).
    before = counts(app.open(f"?start={bundle.date_span[0]}&end={bundle.date_span[1]}"))
    assert before == expected_points(bundle, start=bundle.date_span[0], end=bundle.date_span[1])
    app.page.get_by_role("spinbutton", name="year, Date range start date").click()
    app.page.keyboard.type("20260101")
    app.page.get_by_role("heading", name="Filter").click()  # the range is taken when the field loses focus
    app.page.wait_for_url("**start=2026-01-01**")
    app.wait_idle()
    want = expected_points(bundle, start="2026-01-01", end=bundle.date_span[1])
    after = counts(app.map_state(lambda s: counts(s) == want))
    assert after == want
    assert after["Incidents"] < before["Incidents"]


def test_a_date_change_keeps_the_view_in_the_link_at_every_moment(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?lat=44.97782&lon=-93.26501&zoom=12")
    app.page.wait_for_function("() => /[?&]lat=/.test(location.search)")
    # Sample the page's address every few milliseconds from before the change until after the app has rerun.
    app.page.evaluate(
        "() => { window.__seen = []; window.__sampler = setInterval(() => window.__seen.push(location.search), 4); }"
    )
    app.page.get_by_role("spinbutton", name="year, Date range start date").click()
    app.page.keyboard.type("20260101")
    app.page.get_by_role("heading", name="Filter").click()  # the range is taken when the field loses focus
    app.page.wait_for_url("**start=2026-01-01**")
    app.wait_idle()
    # Past the map's one-second check of the address (layers/js/viewurl.js), which put the view back late.
    app.page.wait_for_timeout(1500)
    seen = app.page.evaluate("() => { clearInterval(window.__sampler); return window.__seen; }")
    assert len(seen) > 100 and any("start=2026-01-01" in q for q in seen)
    lost = [q for q in seen if not all(f"{k}=" in q for k in ("lat", "lon", "zoom"))]
    assert not lost, f"{len(lost)} of {len(seen)} samples without the view, e.g. {lost[0]}"
    query = parse_qs(urlsplit(app.page.url).query)
    assert query["lat"] == ["44.97782"] and query["lon"] == ["-93.26501"] and query["zoom"] == ["12"]


def test_geojson_download_equals_the_cli_export(open_page, offline_server, tmp_path):
    app = open_page(offline_server)
    app.open("?start=2025-01-01&end=2026-01-15&category=death_in_custody,shooting")
    with app.page.expect_download(timeout=DOWNLOAD_MS) as info:
        app.page.get_by_role("button", name="Download GeoJSON").click()
    download = info.value
    assert download.suggested_filename.endswith(".geojson")
    got = tmp_path / "browser.geojson"
    download.save_as(got)

    cli = tmp_path / "cli.geojson"
    subprocess.run(
        [sys.executable, "-m", "geodata", "export", "--start", "2025-01-01", "--end", "2026-01-15",
         "--category", "death_in_custody", "--category", "shooting", "-o", str(cli)],
        check=True, cwd=ROOT, capture_output=True,
    )
    assert got.read_bytes() == cli.read_bytes()
    assert b'"layer":"incident"' in got.read_bytes().replace(b" ", b"")


def test_offline_setting_makes_no_third_party_request(open_page, offline_server, tmp_path):
    app = open_page(offline_server)
    state = app.open()
    assert app.page.get_by_role("switch", name="No third-party requests").is_disabled()
    state = app.map_state(lambda s: "land" in (s["outline"] or []))
    assert state["tiles"] == [] and "land" in state["outline"]
    # Filter, then export both files.
    app.page.locator("[data-testid='stSidebar']").get_by_text("Death in custody").click()
    app.page.wait_for_url("**category=**")
    app.wait_idle()
    app.map_state(lambda s: s["points"].get("Incidents", {}).get("n", 0) < 50)
    for button in ("Download GeoJSON", "Download CSV"):
        with app.page.expect_download(timeout=DOWNLOAD_MS) as info:
            app.page.get_by_role("button", name=button).click()
        info.value.save_as(tmp_path / info.value.suggested_filename)
    assert app.hosts() == {offline_server.host}, sorted(app.hosts())
    # The map's scripts did load, from this app.
    assert any(u.endswith("/leaflet.js") for u in app.requests)
    assert any(u.endswith("/us-outline.json") for u in app.requests)
    assert not app.dialogs


def test_without_the_setting_only_the_tile_server_is_asked_and_the_outline_takes_over(open_page, app_server):
    app = open_page(app_server)
    page_errors: list[str] = []
    app.page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    app.open()
    # Tiles cannot load here (every other host is refused): the map switches to the outline map.
    state = app.map_state(lambda s: not s["tiles"] and "land" in (s["outline"] or []))
    app.page.wait_for_timeout(500)  # Leaflet prunes its tiles 250 ms after "load"
    assert not page_errors, page_errors  # such as Leaflet reading the map of a removed tile layer
    assert state["tiles"] == [] and "land" in state["outline"]
    assert app.hosts() == {app_server.host, OSM_TILES}, sorted(app.hosts())
    radios = app.map_frame().locator(".leaflet-control-layers-base input")
    assert radios.count() == 2 and radios.nth(1).is_checked()


def test_sidebar_switch_stops_tile_requests(open_page, app_server):
    app = open_page(app_server)
    app.open()
    app.map_state(lambda s: not s["tiles"])  # every tile has failed and the fallback is done
    assert OSM_TILES in app.hosts()
    app.requests.clear()
    app.page.get_by_text("No third-party requests").click()
    app.page.wait_for_url("**offline=1**")
    app.wait_idle()
    state = app.map_state(lambda s: "land" in (s["outline"] or []) and s["points"])
    assert state["tiles"] == [] and state["points"]
    assert app.hosts() == {app_server.host}, sorted(app.hosts())
    assert parse_qs(urlsplit(app.page.url).query)["offline"] == ["1"]


def test_screenshot_of_the_main_view(open_page, offline_server, bundle):
    app = open_page(offline_server)
    # The whole span's facilities and incidents (a link without parameters opens on the 287(g) agreements).
    app.open(f"?start={bundle.date_span[0]}&end={bundle.date_span[1]}")
    state = app.map_state(lambda s: "land" in (s["outline"] or []) and "state" in s["outline"])
    assert state["points"]["Detention facilities"]["drawn"] > 150
    ARTIFACTS.mkdir(exist_ok=True)
    app.page.screenshot(path=ARTIFACTS / "main-view.png")
    map_png = ARTIFACTS / "main-view-map.png"
    app.map_frame().frame_element().screenshot(path=map_png)

    # What the map shows, by colour: sea, land, and the points on them.
    rgb = np.asarray(Image.open(map_png).convert("RGB")).reshape(-1, 3).astype(int)
    share = {name: (rgb == _rgb(OUTLINE_STYLE[name])).all(axis=1).mean() for name in ("water", "land")}
    # (Dashed uncertainty circles and facility circles cover some land: 0.12 leaves room for them.)
    assert share["water"] > 0.15 and share["land"] > 0.12, share
    # Private facilities (the most) in their orange, at the layer's opacity over land.
    orange = 0.7 * np.array(_rgb(FACILITY_GROUP_COLORS["Private or contract facility"])) \
        + 0.3 * np.array(_rgb(OUTLINE_STYLE["land"]))
    assert (np.abs(rgb - orange).max(axis=1) < 40).sum() > 300, "no facility circles on the map"


def _rgb(hex_colour: str) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) for i in (0, 2, 4)]
