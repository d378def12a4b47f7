"""The app in Chromium: the facility layer shows the facilities in use in the dates shown, for a
sidebar range, each step of the time bar, and with empty facilities hidden."""

from __future__ import annotations

import pytest

from geodata import View, load_bundle
from geodata.occupancy import view_frames

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
