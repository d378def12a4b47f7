"""ICE areas of responsibility and ICE's offices in Chromium: the polygons, their tooltips, the legend.

The page is ``build_map`` output with the layers of ``layers.areas``, served from a
local port with Leaflet from XStatic-Leaflet; every other host is refused.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import socketserver
import threading
from pathlib import Path

import pytest

from geodata.geography.aor import counts_by_aor, load_aor_areas
from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE
from geodata.sources.ddp_offices import load_offices
from layers import LEAFLET_DIR, build_map
from layers.areas import aor_areas_layer, aor_counts_layer, offices_layer

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
MINNEAPOLIS = (44.98, -93.27)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from geodata import load_bundle

    root = tmp_path_factory.mktemp("area-pages")
    shutil.copytree(LEAFLET_DIR, root / "leaflet")
    shutil.copy(BASEMAP_DIR / BASEMAP_FILE, root / BASEMAP_FILE)
    areas = load_aor_areas()
    overlays = [aor_areas_layer(areas), aor_counts_layer(counts_by_aor(load_bundle().incidents), show=False),
                offices_layer(load_offices())]
    m = build_map(None, None, tiles=None, outline=BASEMAP_FILE, leaflet_url="leaflet", overlays=overlays,
                  legend_open=True)
    (root / "areas.html").write_text(m.get_root().render(), encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


FIND = (Path(__file__).parent / "js" / "find_layers.js").read_text(encoding="utf-8")


def test_aor_polygons_offices_tooltip_and_legend(browser, site):
    context = browser.new_context(viewport={"width": 1200, "height": 760})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(rf"^(?!{re.escape(site)}).*"), lambda route: route.abort())
    page.goto(site + "areas.html")
    page.wait_for_function("() => window.L && document.querySelector('.leaflet-container')")
    names = page.evaluate(FIND)
    assert names["map"] and len(names["regions"]) == 2 and names["offices"]
    counts = page.evaluate("(n) => [window[n.regions[0]].getLayers().length, window[n.offices].pointCount(),"
                           " window[n.map].hasLayer(window[n.regions[1]])]", names)
    assert counts == [24, 270, False]  # every AOR drawn, every office with a point; the shading starts off

    page.evaluate("([n, ll]) => window[n.map].setView(ll, 6, { animate: false })", [names, list(MINNEAPOLIS)])
    page.wait_for_timeout(300)
    x, y = page.evaluate("([n, ll]) => { var p = window[n.map].latLngToContainerPoint([ll[0] + 1.2, ll[1] - 1.5]);"
                         " return [p.x, p.y]; }", [names, list(MINNEAPOLIS)])
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == "St. Paul (SPM): IA, MN, ND, NE, SD; 398 counties"

    legend = page.locator("[data-part='overlay0']")
    assert legend.is_visible() and "GPL-3.0" in legend.inner_text()
    assert "Enforcement and Removal Operations" in page.locator("[data-part='overlay2']").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "layers-aor.png")
    page.locator(".leaflet-control-layers-overlays label", has_text="ICE areas of responsibility").click()
    assert not legend.is_visible()  # the legend follows the layer control
    assert not errors, errors
    context.close()
