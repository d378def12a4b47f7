"""An uploaded file whose name, column names and values carry scripts: in Chromium, none runs.

The name goes into the layer control (Leaflet inserts it as HTML), the sidebar
(Streamlit Markdown) and the popup's layer heading; the values into the popup.
Every payload makes an element with a known id if it is ever parsed as markup,
and calls ``alert`` if it runs; the page fails on any dialog.
"""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geodata import Bundle, Report, save_bundle
from geodata.core.schema import CRS, FACILITY_COLUMNS, INCIDENT_COLUMNS

IMG = "<img id=xss-img src=x onerror=alert('img')>"
SVG = "\"><svg id=xss-svg onload=alert('svg')>"
SCRIPT = "<script id=xss-script>alert('script')</script>"
MARKDOWN = "[link](javascript:alert('md')) **bold** ![pic](x.png) :red[red] $x$"
JINJA = "{{ 7*7 }}"  # folium renders its output again as a Jinja template, on the server
IDS = ("xss-img", "xss-svg", "xss-script", "xss-col-img", "xss-col-svg")
# Chromium sends a file name's '"' as "%22" and a name cannot hold "/": there the attribute is closed
# by "'" and the script is left open (innerHTML would still make the element).
NAME = f"{IMG} '><svg id=xss-svg onload=alert('name')> <script id=xss-script>alert('name') {MARKDOWN} {JINJA}.csv"
COLUMNS = ["<img id=xss-col-img src=x onerror=alert('column')>", "<svg id=xss-col-svg onload=alert('column')>"]
DATE = "2026-01-10"
AT = (-100.0, 40.0)  # a bundled incident and the uploaded one share this spot: one popup, two headings
FACILITY_AT = (-85.0, 35.0)
INJECTED = ", ".join(f"#{i}" for i in IDS) + ", img[src='x'], img[src='x.png'], svg[onload], a[href^='javascript']"


@pytest.fixture(scope="module")
def upload_server(start_app, tmp_path_factory):
    incidents = gpd.GeoDataFrame(
        [{
            "id": "i-plain", "category": "protest", "title": "A bundled protest", "date": DATE, "date_precision": "day",
            "date_start": DATE, "date_end": DATE, "city": "Town", "state": "KS", "location_precision": "address",
            "location_method": "test", "source_name": "Test", "source_urls": "https://example.org/i",
            "verification": "news_report",
        }],
        columns=list(INCIDENT_COLUMNS), geometry=[Point(*AT)], crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        [{
            "id": "fac-plain", "name": "A facility", "city": "X", "state": "TN", "zip": "37000",
            "facility_type": "IGSA", "adp": 400.0, "location_precision": "zip", "location_method": "test",
            "source_urls": "https://example.org/f",
        }],
        columns=list(FACILITY_COLUMNS), geometry=[Point(*FACILITY_AT)], crs=CRS,
    )
    folder = tmp_path_factory.mktemp("upload-bundle")
    save_bundle(Bundle(facilities, incidents, Report().to_frame()), folder)
    return start_app(ICE_MAP_DATA_DIR=str(folder), ICE_MAP_OFFLINE="1")


def hostile_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "title", "place", "latitude", "longitude", "source_url", "description", *COLUMNS])
    writer.writerow([DATE, f"{IMG} {SCRIPT}", f"{SVG} {MARKDOWN}", AT[1], AT[0],
                     "https://example.org/u", f"{SCRIPT} {JINJA}", IMG, SVG])
    return out.getvalue().encode()


def upload(app, name: str, data: bytes):
    app.page.locator("[data-testid='stSidebar'] [data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def assert_nothing_injected(app):
    app.page.wait_for_timeout(500)  # an onerror or onload would have fired by now
    frame = app.map_frame()
    for doc in (app.page, frame):
        assert doc.locator(INJECTED).count() == 0
        assert doc.locator("script[id^='xss']").count() == 0
    assert not app.dialogs


def test_hostile_upload_is_shown_as_text_and_never_runs(open_page, upload_server):
    app = open_page(upload_server)
    app.open()
    upload(app, NAME, hostile_file())
    layer = f"Your file: {NAME}"
    state = app.map_state(lambda s: layer in s["points"], timeout=90)
    assert state["points"][layer]["n"] == 1
    app.wait_idle()
    app.wait_map_still()
    frame = app.map_frame()

    # The layer control: the file name as characters, the same as the layer's own name.
    labels = [t.strip() for t in frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert layer in labels
    assert frame.locator(".leaflet-control-layers-list").locator("img, svg, script, a, strong").count() == 0

    # The sidebar: the name as it is, no link, emphasis or image from its Markdown.
    caption = app.page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']",
                               has_text="in the range shown")
    assert caption.inner_text().startswith(f"{NAME}: 1 row; 1 in the range shown")
    assert caption.locator("a, strong, em, img, svg, script, code, .katex, span[style]").count() == 0

    # The legend holds nothing of the upload.
    assert frame.locator(".map-legend").locator("#xss-img, #xss-svg, script").count() == 0

    # A click on the shared spot: one popup, a heading per layer, every value as text.
    x, y = app.evaluate_on_map("var p = map.latLngToContainerPoint([arg[1], arg[0]]); return [p.x, p.y];", list(AT))
    frame.locator(".leaflet-container").click(position={"x": x, "y": y})
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    headings = [t.strip() for t in popup.locator(".cpl-layer").all_text_contents()]
    assert layer in headings and "Incidents" in headings
    text = popup.inner_text()
    for words in (f"{IMG} {SCRIPT}", f"{SVG} {MARKDOWN}", f"{SCRIPT} {JINJA}", NAME):
        assert words in text
    assert popup.locator("img, script, svg, iframe, strong:has-text('bold')").count() == 0
    assert_nothing_injected(app)


def test_error_about_a_hostile_file_is_shown_as_text(open_page, upload_server):
    app = open_page(upload_server)
    app.open()
    upload(app, NAME, b"date,title\n")  # no rows: the sidebar says so, naming the file
    alert = app.page.locator("[data-testid='stSidebar'] [data-testid='stAlert']")
    alert.wait_for()
    app.wait_idle()
    assert NAME in alert.inner_text()
    assert alert.locator("a, strong, em, img, svg, script, code, .katex, span[style]").count() == 0
    assert_nothing_injected(app)
