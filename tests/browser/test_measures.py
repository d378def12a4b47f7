"""The measure layers (287(g), ATD, USBP, arrests) in the app, in Chromium: each draws, follows the date filter
and the time bar's playback, and opens its popup.

The app runs on a copy of the bundle folder (``ICE_MAP_DATA_DIR``) to which a small 287(g) table shaped as
``geodata/data/measures/287g-monthly.csv`` and a small arrests table (as ``geodata fetch ddp-arrests`` writes
it) are added: neither is bundled in this branch.  The figures each layer shows are compared with
``geodata.view.measures.values_for_range`` on the same tables.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import unfold_legend

from geodata.core.measures import MEASURE_COLUMNS, as_runs, load_measure, validate_measure_table
from geodata.core.paths import DATA_DIR
from geodata.view.measures import values_for_range

LAYERS = "facilities,287g,atd,usbp,arrests"

# Every MeasureLayer of the map: its key, places drawn, total for the dates shown, window (days), loaded.
STATE = """() => {
  var out = {};
  for (var k of Object.keys(window)) {
    var l; try { l = window[k]; } catch (e) { continue; }
    if (!(l && window.L && L.MeasureLayer && l instanceof L.MeasureLayer)) { continue; }
    out[l.data.key] = { drawn: l.getLayers().length, total: l.total || 0, window: l.window, loaded: l.isLoaded(),
                        onMap: !!l._map, file: l.data.file ? l.data.file.url : null,
                        outlines: l.getLayers().filter(function (s) { return s._iceOutline && !s.options.fill; })
                          .map(function (s) { return l.data.places[s._icePlace].id; }) };
  }
  return out;
}"""


def _fixture_tables(folder):
    months = pd.period_range("2025-06", "2025-12", freq="M")
    rows = []
    for p in months:
        a, b = p.start_time.date().isoformat(), p.end_time.date().isoformat()
        rows.append(("287g", "state", "FL", "", a, b, 3, "https://www.ice.gov/identify-and-arrest/287g"))
        rows.append(("287g", "county", "27053", "", a, b, 1, "https://www.ice.gov/identify-and-arrest/287g"))
        if p >= pd.Period("2025-10", "M"):  # Sherburne County, MN: Jail Enforcement from October 2025
            rows.append(("287g", "county", "27141", "", a, b, 1, "https://www.ice.gov/identify-and-arrest/287g"))
            rows.append(("287g", "county", "27141", "Jail Enforcement Model", a, b, 1,
                         "https://www.ice.gov/identify-and-arrest/287g"))
    # As the bundled table: runs of months with the same value (geodata.core.measures.as_runs).
    g = as_runs(validate_measure_table(pd.DataFrame(rows, columns=list(MEASURE_COLUMNS)), "287g"))
    g.to_csv(folder / "287g-monthly.csv", index=False)
    pd.DataFrame([{"place_kind": "county", "place_id": "27141", "agency": "Sherburne County Sheriff's Office",
                   "agency_type": "County", "model": "Jail Enforcement Model", "signed": "2025-10-17",
                   "first_seen": "2025-11-01", "last_seen": "2025-12-01", "snapshots": "2"}]).to_csv(
        folder / "287g-agreements.csv", index=False)
    weeks = pd.date_range("2025-06-02", "2025-12-29", freq="7D")
    arrests = [("arrests", "county", fips, "", w.date().isoformat(), (w + pd.Timedelta(days=6)).date().isoformat(),
                10 + k % 7, "https://deportationdata.org") for k, w in enumerate(weeks) for fips in ("27053", "48201")]
    a = validate_measure_table(pd.DataFrame(arrests, columns=list(MEASURE_COLUMNS)), "arrests")
    a.to_csv(folder / "ddp-arrests-weekly.csv", index=False)
    return g, a


@pytest.fixture(scope="module")
def measures_server(start_app, tmp_path_factory):
    data = tmp_path_factory.mktemp("bundle") / "data"
    shutil.copytree(DATA_DIR, data)
    g, a = _fixture_tables(data / "measures")
    server = start_app(ICE_MAP_DATA_DIR=str(data), ICE_MAP_OFFLINE="1")
    server.tables = {"287g": g, "arrests": a, "atd": load_measure("atd"), "usbp": load_measure("usbp")}
    return server


def _open(app, query):
    app.page.goto(f"{app.server.url}/{query}")
    app.wait_idle()


def _state(app, ready):
    deadline = 60
    state = None
    for _ in range(deadline * 10):
        frame = app.map_frame()
        try:
            state = frame.evaluate(STATE) if frame is not None else None
        except Exception:  # the frame was replaced by a rerun meanwhile
            state = None
        if state is None:
            app.page.wait_for_timeout(100)
            continue
        if ready(state):
            return state
        app.page.wait_for_timeout(100)
    raise AssertionError(f"the measure layers never got ready: {state}")


def _expected(server, key, start, end):
    return values_for_range(server.tables[key], key, start, end)


def test_each_measure_layer_draws_and_follows_the_dates(measures_server, open_page):
    app = open_page(measures_server)
    app.open(f"?layer={LAYERS}&start=2025-09-01&end=2025-10-31")
    state = _state(app, lambda s: len(s) == 4 and all(v["loaded"] for v in s.values()))
    for key in ("287g", "atd", "usbp", "arrests"):
        want = _expected(measures_server, key, "2025-09-01", "2025-10-31")
        assert state[key]["onMap"], key
        assert state[key]["total"] == want.attrs["total"], key
        drawn = want[want["place_id"] != "HLG"]  # Harlingen's AOR has no boundaries here: counted, not drawn
        assert state[key]["drawn"] == len(drawn), key
    assert state["287g"]["drawn"] == 3  # FL, Hennepin, Sherburne in force in October
    # The rows came from a file named by their digest, not from the page's script.
    assert all(v["file"] and v["file"].endswith(".json") and f"measure-{k}-" in v["file"] for k, v in state.items())
    # A state agency's agreements: Florida's outline, not a fill that would hide its counties.
    assert state["287g"]["outlines"] == ["FL"] and state["arrests"]["outlines"] == []

    # The date filter in the page's link: the layers follow it without a new map.
    app.page.evaluate("() => history.replaceState(null, '', '?layer=" + LAYERS + "&start=2025-06-01&end=2025-06-30')")
    state = _state(app, lambda s: s["287g"]["drawn"] == 2)
    for key in ("287g", "arrests"):
        assert state[key]["total"] == _expected(measures_server, key, "2025-06-01", "2025-06-30").attrs["total"]
    assert state["atd"]["drawn"] == 0  # no "as of" date in June 2025
    assert state["usbp"]["drawn"] == 0  # the encounters end in November 2024


def test_playback_steps_the_measure_layers(measures_server, open_page):
    app = open_page(measures_server)
    app.open(f"?layer={LAYERS}&start=2025-09-01&end=2025-12-31")
    _state(app, lambda s: len(s) == 4 and all(v["loaded"] for v in s.values()))
    frame = app.map_frame()
    frame.select_option(".ice-timebar select", "month")
    frame.locator(".ice-timebar-button").nth(2).click()  # next step: September
    frame.locator(".ice-timebar-button").nth(2).click()  # October
    state = _state(app, lambda s: s["287g"]["drawn"] == 3)
    assert state["arrests"]["total"] == _expected(measures_server, "arrests", "2025-10-01", "2025-10-31").attrs["total"]
    assert "step=2025-10-01%2C2025-10-31" in app.page.url or "step=2025-10-01,2025-10-31" in app.page.url


def test_a_measure_popup_opens_with_value_period_chart_and_agencies(measures_server, open_page):
    app = open_page(measures_server)
    _open(app, "?layer=287g&start=2025-10-01&end=2025-12-31&lat=45.4&lon=-93.8&zoom=8")
    _state(app, lambda s: "287g" in s and s["287g"]["loaded"] and s["287g"]["drawn"] == 3)
    box = app.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    x, y = app.evaluate_on_map("var p = map.latLngToContainerPoint([45.45, -93.77]); return [p.x, p.y];")
    app.page.mouse.click(box["x"] + x, box["y"] + y)  # Sherburne County, MN
    popup = app.map_frame().locator(".ice-measure-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "Sherburne County, MN" in text and "agreements in force: 1" in text
    assert "Sherburne County Sheriff's Office" in text and "2025-10-17" in text
    assert "Source" in text and popup.locator("svg.ice-measure-chart").count() == 1

    # One model at a time, chosen in the legend: only Sherburne County has a Jail Enforcement agreement.
    frame = app.map_frame()
    unfold_legend(frame.locator(".map-legend").first)
    frame.select_option('.ice-measure-legend[data-measure="287g"] select', label="Jail Enforcement Model")
    state = _state(app, lambda s: s["287g"]["drawn"] == 1)
    assert state["287g"]["total"] == 1
    # The model chosen is in the link, and stays there when the app rewrites the query (a new date range).
    assert "model=Jail%20Enforcement%20Model" in app.page.url
    app.page.evaluate("() => history.replaceState(null, '', '?layer=287g&start=2025-11-01&end=2025-12-31')")
    assert "model=Jail%20Enforcement%20Model" in app.page.url and "start=2025-11-01" in app.page.url


def test_a_link_naming_a_model_opens_with_that_model(measures_server, open_page):
    app = open_page(measures_server)
    _open(app, "?layer=287g&start=2025-10-01&end=2025-12-31&model=Jail+Enforcement+Model")
    state = _state(app, lambda s: "287g" in s and s["287g"]["loaded"] and s["287g"]["drawn"] == 1)
    want = values_for_range(measures_server.tables["287g"], "287g", "2025-10-01", "2025-12-31",
                            category="Jail Enforcement Model")
    assert state["287g"]["total"] == want.attrs["total"] == 1
    frame = app.map_frame()
    unfold_legend(frame.locator(".map-legend").first)
    assert frame.locator('.ice-measure-legend[data-measure="287g"] select option:checked').inner_text() == (
        "Jail Enforcement Model")
    frame.select_option('.ice-measure-legend[data-measure="287g"] select', label="All")
    _state(app, lambda s: s["287g"]["drawn"] == 3)
    assert "model=" not in app.page.url


def test_sector_popup_and_legend_in_spanish(measures_server, open_page):
    app = open_page(measures_server)
    _open(app, "?layer=usbp&start=2024-10-01&end=2024-10-31&lat=32.22&lon=-110.93&zoom=8&lang=es")
    _state(app, lambda s: "usbp" in s and s["usbp"]["loaded"] and s["usbp"]["drawn"] == 20)
    box = app.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    x, y = app.evaluate_on_map("var p = map.latLngToContainerPoint([32.222, -110.926]); return [p.x, p.y];")
    app.page.mouse.click(box["x"] + x, box["y"] + y)
    popup = app.map_frame().locator(".ice-measure-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "Tucson" in text and "encuentros: 11,450" in text and "precisión: ciudad" in text
