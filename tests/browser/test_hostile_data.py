"""Records whose text holds HTML or a script: shown as text in Chromium, never run."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geodata import Bundle, Report, save_bundle
from geodata.core.schema import CRS, FACILITY_COLUMNS, INCIDENT_COLUMNS

IMG = "<img src=x onerror=alert('img')>"
SCRIPT = "<script>alert('script')</script>"
# Far apart, so that a click finds one record each.
INCIDENT_AT = (-100.0, 40.0)
FACILITY_AT = (-85.0, 35.0)


@pytest.fixture(scope="module")
def hostile_server(start_app, tmp_path_factory):
    incidents = gpd.GeoDataFrame(
        [{
            "id": "i-hostile", "category": "protest", "title": IMG + " " + SCRIPT, "date": "2026-01-10",
            "date_precision": "day", "date_start": "2026-01-10", "date_end": "2026-01-10",
            "place": SCRIPT, "city": "<b>Town</b>", "state": "KS", "location_precision": "city",
            "location_method": IMG, "description": "<svg onload=alert('svg')></svg>", "source_name": IMG,
            "source_urls": "javascript:alert('link') https://example.org/ok", "verification": "news_report",
        }],
        columns=list(INCIDENT_COLUMNS), geometry=[Point(*INCIDENT_AT)], crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        [{
            "id": "fac-hostile", "name": SCRIPT + IMG, "address": "<iframe src=javascript:alert('iframe')>",
            "city": "X", "state": "TN", "zip": "37000", "facility_type": "IGSA", "adp": 400.0,
            "location_precision": "zip", "location_method": "test", "source_urls": "https://example.org/f",
        }],
        columns=list(FACILITY_COLUMNS), geometry=[Point(*FACILITY_AT)], crs=CRS,
    )
    folder = tmp_path_factory.mktemp("hostile-bundle")
    save_bundle(Bundle(facilities, incidents, Report().to_frame()), folder)
    return start_app(ICE_MAP_DATA_DIR=str(folder), ICE_MAP_OFFLINE="1")


@pytest.mark.parametrize("layer, where, words", [
    ("Incidents", INCIDENT_AT, [IMG, SCRIPT, "<svg onload=alert('svg')></svg>", "javascript:alert('link')"]),
    ("Detention facilities", FACILITY_AT, [SCRIPT + IMG, "<iframe src=javascript:alert('iframe')>"]),
])
def test_html_in_a_record_is_shown_as_text_and_never_runs(open_page, hostile_server, layer, where, words):
    app = open_page(hostile_server)
    state = app.open()
    assert state["points"][layer]["n"] == 1
    frame = app.map_frame()
    x, y = app.evaluate_on_map(
        "var p = map.latLngToContainerPoint([arg[1], arg[0]]); return [p.x, p.y];", list(where)
    )
    # Relative to the map's own container, measured by Playwright at the moment of the click:
    # the page above the map still settles (figures, charts) after it draws.
    frame.locator(".leaflet-container").click(position={"x": x, "y": y})
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    for word in words:
        assert word in text  # the markup is there, as characters
    # Nothing from the record became an element, a link to a script, or ran.
    assert popup.locator("img, script, svg, iframe, b").count() == 0
    assert popup.locator("a[href^='javascript']").count() == 0
    assert popup.locator("a[href='https://example.org/ok']").count() == (1 if layer == "Incidents" else 0)
    for doc in (frame, app.page):
        assert doc.locator("img[src='x'], iframe[src^='javascript'], svg[onload]").count() == 0
    assert not app.dialogs
