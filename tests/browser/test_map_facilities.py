"""The app in Chromium: the facility layer shows the facilities in use in the dates shown, for a
sidebar range, each step of the time bar, and with empty facilities hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata import View, load_bundle
from geodata.view.occupancy import view_frames

NAME = "Detention facilities"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def in_use(bundle, start, end, hide_empty=False) -> int:
    fac = view_frames(bundle, View(start=start, end=end), hide_empty=hide_empty)[0]["facilities"]
    return int(fac.geometry.notna().sum())


def facilities(state) -> int | None:
    return (state or {}).get("points", {}).get(NAME, {}).get("n")


def test_time_bar_steps_show_the_facilities_in_use_in_each_step(open_page, offline_server, bundle):
    app = open_page(offline_server)
    # September and October 2019: FY2019's list, then FY2020's.
    state = app.open("?start=2019-09-01&end=2019-10-31")
    want = [in_use(bundle, "2019-09-01", "2019-10-31"), in_use(bundle, "2019-09-01", "2019-09-30"),
            in_use(bundle, "2019-10-01", "2019-10-31")]
    assert len(set(want)) == 3
    assert facilities(state) == want[0]
    frame = app.map_frame()
    frame.locator(".ice-timebar-unit").select_option("month")
    frame.get_by_role("button", name="Next step").click()
    app.page.wait_for_url("**step=2019-09-01,2019-09-30**")
    assert facilities(app.map_state(lambda s: facilities(s) == want[1])) == want[1]
    frame.get_by_role("button", name="Next step").click()
    app.page.wait_for_url("**step=2019-10-01,2019-10-31**")
    state = app.map_state(lambda s: facilities(s) == want[2])
    assert facilities(state) == want[2]
    # Zoomed out to the world, those are the facilities drawn.
    app.evaluate_on_map("map.setView([30, -100], 1, { animate: false });")
    state = app.map_state(lambda s: s["zoom"] == 1)
    assert state["points"][NAME]["drawn"] == want[2]


def test_hidden_empty_facilities_follow_the_view(open_page, offline_server, bundle):
    app = open_page(offline_server)
    state = app.open("?start=2025-06-01&end=2025-06-30")
    hollow, hidden = in_use(bundle, "2025-06-01", "2025-06-30"), in_use(bundle, "2025-06-01", "2025-06-30", True)
    assert hidden < hollow
    assert facilities(state) == hollow
    app.page.locator("[data-testid='stSidebar']").get_by_text("hidden", exact=True).click()
    app.wait_idle()
    assert facilities(app.map_state(lambda s: facilities(s) == hidden)) == hidden


TACOMA = (47.2664, -122.4015)  # Northwest ICE Processing Center: in ICE's lists, UWCHR's headcount and DDP's counts
#: Each run's screenshot (git-ignored); docs/screenshots/population-sources.png holds the README's.
SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "population-sources.png"


def test_a_facility_popup_shows_the_three_sources_side_by_side_and_fits(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?start=2015-01-01&end=2015-12-31&layer=facilities")
    frame = app.map_frame()
    app.evaluate_on_map("map.setView(arg, 9, { animate: false });", list(TACOMA))
    app.page.wait_for_timeout(300)
    x, y = app.evaluate_on_map("var p = map.latLngToContainerPoint(arg); return [p.x, p.y];", list(TACOMA))
    frame.locator(".leaflet-container").click(position={"x": x, "y": y})
    popup = frame.locator(".leaflet-popup")
    popup.wait_for()
    app.page.wait_for_timeout(500)  # it fades in and pans into view
    content = frame.locator(".leaflet-popup-content")
    assert content.locator("h3").first.inner_text() == "NORTHWEST ICE PROCESSSING CENTER"
    sources = content.locator(".cpl-spark svg path[data-source]")
    assert sorted(sources.evaluate_all("ps => ps.map(p => p.getAttribute('data-source'))")) == ["ddp", "ice", "uwchr"]
    legend = content.locator(".cpl-spark-key").all_inner_texts()
    assert [w.split(",")[0].strip() for w in legend] == ["DDP daily counts", "UWCHR daily headcount",
                                                         "ICE fiscal-year ADP"]
    # The range's figure says which source it is from.
    assert "(UWCHR daily headcount)" in content.inner_text()
    map_box = frame.locator(".leaflet-container").bounding_box()
    pb = popup.bounding_box()
    assert pb["x"] >= map_box["x"] - 1 and pb["x"] + pb["width"] <= map_box["x"] + map_box["width"] + 1, pb
    assert pb["y"] >= map_box["y"] - 1 and pb["height"] <= map_box["height"], (pb, map_box)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    app.map_frame().frame_element().screenshot(path=SCREENSHOT)
