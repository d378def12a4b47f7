"""The map's layers in Chromium, without the app: symbols, clusters, heat, choropleth, the view in the URL.

The pages are ``build_map`` output on the bundled data, served from a local
port with Leaflet from XStatic-Leaflet and the outline map from geodata; every
other host is refused.  Screenshots go to ``artifacts/`` (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import socketserver
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from geodata import load_bundle
from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE
from geodata.geography.regions import counts_by_region
from layers import LEAFLET_DIR, build_map

#: Screenshots of test runs (git-ignored), as in test_map.py.
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
VIEWPORT = {"width": 1200, "height": 760}
MINNEAPOLIS = (44.98234, -93.29558)
STEWART = (32.0435, -84.8022)  # Stewart Detention Center, Lumpkin GA (ZIP centroid)

FIND = """
() => {
  var out = { map: null, points: {}, regions: null };
  for (var k of Object.keys(window)) {
    try {
      var v = window[k];
      if (v instanceof L.Map) { out.map = k; }
      else if (v instanceof L.CanvasPointLayer) { out.points[v.options.name] = k; }
      else if (L.ChoroplethLayer && v instanceof L.ChoroplethLayer) { out.regions = k; }
    } catch (e) {}
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("layer-pages")
    shutil.copytree(LEAFLET_DIR, root / "leaflet")
    shutil.copy(BASEMAP_DIR / BASEMAP_FILE, root / BASEMAP_FILE)
    b = load_bundle()
    kw = dict(tiles=None, outline=BASEMAP_FILE, leaflet_url="leaflet")
    pages = {
        "points": build_map(b.facilities, b.incidents, population=b.population, deaths=b.incidents, **kw),
        "clusters": build_map(b.facilities, b.incidents, incident_style="clusters", legend_open=True, **kw),
        "heat": build_map(None, b.incidents, incident_style="heat", legend_open=True, **kw),
        "choropleth": build_map(
            b.facilities, b.incidents, show_facilities=False, legend_open=True,
            choropleth=counts_by_region(b.incidents, "state"), **kw
        ),
    }
    for name, m in pages.items():
        (root / f"{name}.html").write_text(m.get_root().render(), encoding="utf-8")
    # A page that holds a map the way Streamlit does: in a same-origin frame.
    (root / "parent.html").write_text(
        '<!doctype html><html><body style="margin:0">'
        '<iframe id="map" src="points.html" style="width:1000px;height:600px;border:0"></iframe></body></html>'
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "bundle": b}
    server.shutdown()
    server.server_close()


class MapPage:
    def __init__(self, browser, site, name: str, query: str = ""):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        own = re.escape(site["url"])
        self.page.route(re.compile(rf"^(?!{own}).*"), lambda route: route.abort())
        self.page.goto(site["url"] + name + ".html" + query)
        self.frame = self.page.main_frame
        self.page.wait_for_function("() => window.L && document.querySelector('.leaflet-container')")
        self.names = self.frame.evaluate(FIND)
        self.page.wait_for_timeout(300)  # the outline map's fetch and first draw

    def js(self, body: str, arg=None):
        return self.frame.evaluate(
            "([names, body, arg]) => new Function('map', 'layers', 'regions', 'arg', body)("
            "window[names.map], Object.fromEntries(Object.entries(names.points).map(([k, v]) => [k, window[v]])),"
            " names.regions && window[names.regions], arg)",
            [self.names, body, arg],
        )

    def view(self, lat: float, lon: float, zoom: int):
        self.js("map.setView([arg[0], arg[1]], arg[2], { animate: false });", [lat, lon, zoom])
        self.page.wait_for_timeout(200)

    def screen_point(self, lat: float, lon: float) -> tuple[float, float]:
        return tuple(self.js("var p = map.latLngToContainerPoint([arg[0], arg[1]]); return [p.x, p.y];", [lat, lon]))

    def shot(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=path)
        return path

    def close(self):
        assert not self.errors, self.errors
        self.context.close()


@pytest.fixture()
def open_map(browser, site):
    pages = []

    def make(name: str, query: str = "") -> MapPage:
        page = MapPage(browser, site, name, query)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


def test_symbols_fan_out_where_categories_share_a_place(open_map):
    app = open_map("points")
    app.view(*MINNEAPOLIS, 11)
    state = app.js(
        "var l = layers['Incidents']; return { mode: l.drawMode(), drawn: l.drawnCount(),"
        " offsets: l._data.dx ? l._data.dx.filter(function (v, i) { return v || l._data.dy[i]; }).length : 0 };"
    )
    assert state["mode"] == "points" and state["drawn"] >= 5
    assert state["offsets"] == 4  # arrest, shooting and two protests at Minneapolis's centre, round it
    path = app.shot("layers-points-minneapolis.png")
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)  # the shooting star's outline
    green = (rgb[..., 1] > 130) & (rgb[..., 0] < 90) & (rgb[..., 2] < 90)  # the protest circle
    assert red.sum() > 5 and green.sum() > 5


def test_facility_popup_shows_its_population_chart_and_deaths(open_map):
    app = open_map("points")
    app.js("map.removeLayer(layers['Incidents']);")
    app.view(*STEWART, 9)
    x, y = app.screen_point(*STEWART)
    app.page.mouse.click(x, y)
    popup = app.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".cpl-spark svg path").count() == 2  # area and line
    assert "STEWART DETENTION CENTER" in popup.inner_text()
    assert "Deaths in custody recorded here:" in popup.inner_text()
    assert popup.locator("li").count() >= 5
    assert "held on an average day" in popup.locator(".cpl-spark-caption").inner_text()
    app.page.wait_for_timeout(400)  # the popup fades in
    app.shot("layers-facility-popup.png")


def test_stewart_popup_leads_with_the_facility_lists_each_death_once_and_fits_the_map(open_map):
    app = open_map("points")  # the incidents on: the deaths drawn at Stewart are under the click too
    app.view(*STEWART, 9)
    x, y = app.screen_point(*STEWART)
    app.page.mouse.click(x, y)
    popup = app.page.locator(".leaflet-popup-content")
    popup.wait_for()
    app.page.wait_for_timeout(400)  # the popup fades in and pans into view
    headings = popup.locator("h1, h2, h3, h4, h5, h6")
    assert headings.first.inner_text() == "STEWART DETENTION CENTER"
    text = popup.inner_text()
    assert text.index("Type:") < text.index("Population by month") < text.index("Links:") \
        < text.index("Deaths in custody recorded here:")
    # The deaths: a few open, the rest folded; each with a link to its record; none listed twice.
    deaths = popup.locator(".cpl-list li")
    names = [deaths.nth(k).text_content() for k in range(deaths.count())]
    assert len(names) >= 5 and len(set(names)) == len(names)
    assert popup.locator("details.cpl-fold").count() == 1 and popup.locator("details.cpl-fold[open]").count() == 0
    assert popup.locator(".cpl-list li a").count() == len(names)
    assert popup.locator(".cpl-record").count() == 1, "the incident layer's copies of the deaths are left out"
    box = app.page.locator(".leaflet-popup").bounding_box()
    map_box = app.page.locator(".leaflet-container").bounding_box()
    assert box["height"] <= map_box["height"], (box, map_box)
    app.shot("layers-stewart-popup.png")


def test_clusters_count_and_a_click_zooms_in(open_map):
    app = open_map("clusters")
    app.view(37.5, -101, 4)  # the open legend covers the left of the map
    state = app.js(
        "var l = layers['Incidents']; var cl = l._clusters; var best = 0;"
        " for (var j = 1; j < cl.n.length; j++) { if (cl.n[j] > cl.n[best]) { best = j; } }"
        " var members = l.clusterMembers(best), lat = 0, lon = 0;"
        " members.forEach(function (i) { lat += l._data.lat[i]; lon += l._data.lon[i]; });"
        " return { mode: l.drawMode(), clusters: l.clusterCount(), n: cl.n[best], members: members.length,"
        "          total: cl.n.reduce(function (a, b) { return a + b; }, 0), drawn: l.drawnCount(),"
        "          at: [lat / members.length, lon / members.length] };"
    )
    assert state["mode"] == "clusters" and state["clusters"] > 5
    assert state["members"] == state["n"] and state["total"] <= state["drawn"]
    app.shot("layers-clusters.png")
    x, y = app.screen_point(*state["at"])
    app.page.mouse.click(x, y)
    app.page.wait_for_timeout(600)
    assert app.js("return map.getZoom();") > 4


def test_heat_map_colours_the_canvas_from_pale_to_dark(open_map):
    app = open_map("heat")
    app.view(37.5, -101, 4)
    state = app.js(
        "var l = layers['Incidents'], c = l._canvas, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " var shown = 0, dark = 0; for (var p = 3; p < d.length; p += 4) { if (d[p]) { shown++;"
        " if (d[p - 1] < 80 && d[p - 2] < 60) { dark++; } } }"
        " return { mode: l.drawMode(), shown: shown, dark: dark, max: l._heatMax, grid: l._grid };"
    )
    assert state["mode"] == "heat" and state["grid"] is None
    assert state["shown"] > 20_000 and state["dark"] > 50 and state["max"] > 5
    app.shot("layers-heat.png")


def test_choropleth_tooltip_legend_and_toggle(open_map, site):
    app = open_map("choropleth")
    app.view(38, -101, 4)
    counts = counts_by_region(site["bundle"].incidents, "state")
    want = counts.loc[counts["state"] == "TX", "count"].item()
    x, y = app.screen_point(31.5, -99.5)
    app.page.mouse.move(x, y)
    tooltip = app.page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == f"Texas: {want} incidents"
    assert app.js("return regions.getLayers().length;") == int((counts["count"] > 0).sum())
    legend = app.page.locator("[data-part='choropleth']")
    assert legend.is_visible() and "Incidents by state" in legend.inner_text()
    app.shot("layers-choropleth.png")
    app.page.locator(".leaflet-control-layers-overlays label", has_text="Incidents by state").click()
    assert not legend.is_visible()  # the legend follows the layer control


def test_moving_the_map_writes_its_view_into_the_parent_url(browser, site):
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(site["url"] + "parent.html?start=2026-01-01&category=death_in_custody,protest")
        frame = page.frame_locator("#map")
        frame.locator(".leaflet-container").wait_for()
        inner = next(f for f in page.frames if f.url.endswith("points.html"))
        inner.evaluate(
            "() => { for (var k of Object.keys(window)) { try { if (window[k] instanceof L.Map) {"
            " window[k].setView([44.97782, -93.26501], 11, { animate: false }); } } catch (e) {} } }"
        )
        page.wait_for_function("() => location.search.includes('zoom=11')")
        query = parse_qs(urlsplit(page.url).query)
        assert query["lat"] == ["44.97782"] and query["lon"] == ["-93.26501"] and query["zoom"] == ["11"]
        assert query["start"] == ["2026-01-01"] and query["category"] == ["death_in_custody,protest"]
        assert "category=death_in_custody,protest" in page.url  # written as it was, not re-encoded
        assert len(page.frames) == 2  # no reload, no navigation
    finally:
        context.close()
