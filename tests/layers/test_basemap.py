"""The base map: tiles by xyzservices name, the offline outline map, and where Leaflet comes from."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import folium
import pytest
import xyzservices

from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE, load_boundaries
from layers import DEFAULT_TILES, LEAFLET_DIR, SCRIPTS_DIR, OutlineLayer, build_map, page_links, tile_provider
from layers.basemap import LEAFLET_VERSION
from layers.outline import _CLASS_JS as OUTLINE_JS

NODE = shutil.which("node")
OUTLINE_URL = "../app.outline/us-outline.json"


def render(m: folium.Map) -> str:
    return m.get_root().render()


def base_layers(html: str) -> list[str]:
    block = re.search(r"base_layers\s*:\s*\{(.*?)\}", html, re.S).group(1)
    return re.findall(r'"([^"]+)"\s*:', block)


# --- tiles -------------------------------------------------------------------------


def test_tile_provider_takes_xyzservices_names():
    assert tile_provider("OpenStreetMap.Mapnik").build_url().startswith("https://tile.openstreetmap.org/")
    assert tile_provider("openstreetmap").name == "OpenStreetMap.Mapnik"  # folium's old name
    assert tile_provider("Esri.WorldGrayCanvas").name == "Esri.WorldGrayCanvas"
    assert not tile_provider(DEFAULT_TILES).requires_token()


@pytest.mark.parametrize("name, message", [("Nowhere.Tiles", "unknown tile provider"), ("CartoDB.Positron", "API key")])
def test_tile_provider_refuses_unknown_names_and_providers_that_need_a_key(name, message):
    provider = xyzservices.providers.query_name(name) if message == "API key" else None
    if provider is not None and not provider.requires_token():
        pytest.skip(f"{name} needs no key in this xyzservices version")
    with pytest.raises(ValueError, match=message):
        tile_provider(name)


def test_tiles_and_outline_are_the_two_base_layers_with_a_fallback():
    html = render(build_map(tiles="Esri.WorldGrayCanvas", outline=OUTLINE_URL))
    assert "server.arcgisonline.com" in html
    assert base_layers(html) == ["Esri WorldGrayCanvas", "Outline map (no tiles)"]
    assert "L.iceTileFallback(" in html and 'tiles.on("tileerror"' in html  # layers/js/tilefallback.js, inlined
    m = build_map(tiles=DEFAULT_TILES, outline=OUTLINE_URL)
    outline = next(c for c in m._children.values() if isinstance(c, OutlineLayer))
    assert not outline.show  # tiles first; the outline waits in the control


def test_without_tiles_the_outline_is_shown_alone_and_no_tile_server_is_named():
    m = build_map(tiles=None, outline=OUTLINE_URL)
    html = render(m)
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert "L.tileLayer" not in html and "tileerror" not in html and "iceTileFallback" not in html
    assert not re.search(r"https?://", _scripts_without_attribution_links(html))
    outline = next(c for c in m._children.values() if isinstance(c, OutlineLayer))
    assert outline.show and not outline.control and outline.url == OUTLINE_URL
    assert f"{outline.get_name()}.addTo(" in html
    assert base_layers(html) == []


def _scripts_without_attribution_links(html: str) -> str:
    # Attribution strings hold <a href> links, which a browser does not fetch.
    scripts = "".join(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S))
    return re.sub(r'href=\\?"https?://[^"\\]*\\?"', "", scripts)


# --- Leaflet from the app, and nothing else ----------------------------------------


def test_map_links_leaflet_only_from_the_given_url():
    m = build_map(tiles=None, outline=OUTLINE_URL, leaflet_url="../app.leaflet/")
    assert page_links(m) == ["../app.leaflet/leaflet.js", "../app.leaflet/leaflet.css"]
    html = render(m)
    linked = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert linked == ["../app.leaflet/leaflet.js", "../app.leaflet/leaflet.css"]
    for cdn in ("jsdelivr", "jquery", "bootstrap", "cloudflare", "fontawesome"):
        assert cdn not in html


def test_without_a_url_leaflet_comes_from_folium_cdn_and_folium_is_left_alone():
    before = list(folium.Map.default_js)
    m = build_map()
    assert page_links(m) == [
        f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js",
        f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css",
    ]
    assert folium.Map.default_js == before and len(before) > 1  # class lists not mutated
    assert page_links(folium.Map()) != page_links(m)


def test_bundled_leaflet_is_the_version_folium_expects():
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    assert f"Leaflet {LEAFLET_VERSION}," in js[:300]
    assert f"leaflet@{LEAFLET_VERSION}/" in dict(folium.Map.default_js)["leaflet"]
    assert (LEAFLET_DIR / "leaflet.css").is_file()


# --- the outline layer --------------------------------------------------------------


def test_embedded_outline_is_escaped_for_a_script_element():
    doc = {"precision": 3, "layers": [{"kind": "state", "type": "MultiLineString", "counts": [2],
                                       "points": "{{x}}{%y%}</script><b>"}]}
    html = render(build_map(tiles=None, outline=doc))
    assert "</script><b>" not in html and "{{x}}" not in html and "{%y%}" not in html
    assert "\\u007b{x}}" in html and "\\u003c/script\\u003e" in html


def test_outline_layer_refuses_what_is_neither_a_url_nor_a_document():
    with pytest.raises(TypeError):
        OutlineLayer(42)
    assert OutlineLayer('{"precision": 3, "layers": []}').url is None


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_browser_decoder_reads_the_bundled_file_as_python_does(tmp_path):
    harness = tmp_path / "decode.js"
    harness.write_text(
        "function extend(p) { var C = function () {}; C.prototype = p; return C; }\n"
        "global.L = { LayerGroup: { extend: extend }, Layer: { extend: extend } };\n"
        f"eval({json.dumps(OUTLINE_JS)});\n"
        f"var doc = JSON.parse(require('fs').readFileSync({json.dumps(str(BASEMAP_DIR / BASEMAP_FILE))}, 'utf8'));\n"
        "var out = doc.layers.map(function (layer) {\n"
        "  var parts = L.OutlineLayer.decodeLayer(layer, Math.pow(10, doc.precision));\n"
        "  var flat = layer.type === 'MultiPolygon' ? [].concat.apply([], parts) : parts;\n"
        "  var n = flat.reduce(function (s, p) { return s + p.length; }, 0);\n"
        "  var last = flat[flat.length - 1];\n"
        "  return { kind: layer.kind, parts: parts.length, points: n,\n"
        "           first: flat[0][0], last: last[last.length - 1] };\n"
        "});\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    result = subprocess.run([NODE, str(harness)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    js = json.loads(result.stdout)
    py = load_boundaries()
    assert [d["kind"] for d in js] == py["kind"].tolist()
    for d, geom in zip(js, py.geometry):
        parts = list(geom.geoms)
        polygons = geom.geom_type == "MultiPolygon"  # land and the neighbours' land
        coords = [c for p in parts for c in (p.exterior.coords if polygons else p.coords)]
        assert d["parts"] == len(parts)
        if not polygons:
            assert d["points"] == len(coords)
        lat, lon = d["first"]
        assert (round(lon, 3), round(lat, 3)) == pytest.approx(coords[0])
        lat, lon = d["last"]
        last = parts[-1].interiors[-1].coords[-1] if polygons and parts[-1].interiors else coords[-1]
        assert (round(lon, 3), round(lat, 3)) == pytest.approx(last)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_map_scripts_with_tiles_and_outline_are_valid_javascript(tmp_path):
    html = render(build_map(tiles=DEFAULT_TILES, outline=OUTLINE_URL, leaflet_url="../x"))
    scripts = [s for s in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S) if s.strip()]
    assert any("L.OutlineLayer" in s for s in scripts)
    for k, script in enumerate(scripts):
        path = tmp_path / f"s{k}.js"
        path.write_text(script)
        result = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


# --- the view in the page's URL, and the initial view ---------------------------------------


def test_view_params_are_read_back_and_checked():
    from layers import VIEW_PARAMS, parse_view_params

    assert set(VIEW_PARAMS) == {"lat", "lon", "zoom"}
    assert parse_view_params({"lat": "44.97782", "lon": "-93.26501", "zoom": "11", "start": "x"}) == (
        (44.97782, -93.26501), 11)
    assert parse_view_params({"lat": "52.9", "lon": "-186.8", "zoom": "6"}) == ((52.9, -186.8), 6)  # Aleutians
    for bad in ({"lat": "44.9", "lon": "-93.2"}, {"lat": "x", "lon": "1", "zoom": "3"},
                {"lat": "95", "lon": "0", "zoom": "3"}, {"lat": "1", "lon": "0", "zoom": "3.5"},
                {"lat": "1", "lon": "0", "zoom": "30"}, {"lat": "nan", "lon": "0", "zoom": "3"}):
        assert parse_view_params(bad) is None, bad


def test_center_and_zoom_replace_the_fit_to_the_country():
    html = render(build_map(tiles=None, center=(44.97782, -93.26501), zoom=11))
    assert "fitBounds" not in html
    assert "[44.97782, -93.26501]" in html and '"zoom": 11' in html
    assert "fitBounds" in render(build_map(tiles=None))
    with pytest.raises(ValueError, match="zoom must be between"):
        build_map(tiles=None, zoom=25)


VIEW_JS = str(SCRIPTS_DIR / "viewurl.js")

# A page that holds the map's frame: its URL, its history (as Streamlit and the map call it), the map.
VIEW_PAGE = """
var handlers = {}, views = [], store = {}, calls = [];
var L = global.L = {};
global.window = { sessionStorage: { getItem: function (k) { return store[k] || null; },
  setItem: function (k, v) { store[k] = v; } }, setInterval: function (f) { window.tick = f; } };
var map = { on: function (e, f) { handlers[e] = f; },
  setView: function (c, z) { views.push([c, z]); },
  getContainer: function () { return { addEventListener: function () {}, focus: function () {} }; },
  getCenter: function () { return { lat: 44.977823, lng: -93.265011 }; },
  getZoom: function () { return 11; } };
var parentPage = { location: { pathname: "/", search: "?start=2026-01-01&category=a,b&zoom=3", hash: "" } };
parentPage.history = { state: { streamlit: 1 },
  replaceState: function (s, t, u) { calls.push(["replace", s, u]); parentPage.location.search = u.slice(1); },
  pushState: function (s, t, u) { calls.push(["push", s, u]); parentPage.location.search = u.slice(1); } };
global.window.parent = parentPage;
require(VIEW_JS);
"""


def _run_view_js(tmp_path, body: str) -> dict:
    harness = tmp_path / "view.js"
    harness.write_text(f"var VIEW_JS = {json.dumps(VIEW_JS)};\n{VIEW_PAGE}\n{body}\n")
    result = subprocess.run([NODE, str(harness)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_page_calls_the_view_script_file_with_the_map():
    html = render(build_map(tiles=None, center=(44.9, -93.2), zoom=12))
    assert re.search(r'L\.iceViewInUrl\(map_\w+, "44\.90000,-93\.20000,12"\);', html)
    assert "L.iceViewInUrl = function" in html  # inlined without script_url
    linked = render(build_map(tiles=None, script_url="../js"))
    assert '<script src="../js/viewurl.js"></script>' in linked and "L.iceViewInUrl = function" not in linked


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_view_goes_into_the_parent_url_at_once_and_after_each_move_keeping_other_params(tmp_path):
    out = _run_view_js(tmp_path, """
L.iceViewInUrl(map, "default");
var restoredFirst = views.length;  // nothing stored yet: the drawn view stays
var first = calls.slice();
handlers.moveend();  // nothing changed: no second write
var unchanged = calls.length;
L.iceViewInUrl(map, "default");
var restored = views.slice();  // the same page draws the map again: back where it was
global.window = { setInterval: function () {} };
global.window.parent = global.window;  // not in a frame: leave every URL alone
handlers.moveend();
global.window = { setInterval: function () {}, get parent() { throw new Error("cross-origin"); } };
handlers.moveend();  // another origin: no error escapes
console.log(JSON.stringify({ first: first, unchanged: unchanged, restoredFirst: restoredFirst,
  restored: restored, calls: calls.length }));
""")
    assert out["restoredFirst"] == 0
    assert out["restored"] == [[[44.977823, -93.265011], 11]]
    assert out["unchanged"] == 1 and out["calls"] == 1
    kind, state, url = out["first"][0]
    assert kind == "replace" and state == {"streamlit": 1}  # Streamlit's history state is kept
    assert url == "/?start=2026-01-01&category=a,b&lat=44.97782&lon=-93.26501&zoom=11"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_a_query_rewritten_by_the_app_keeps_the_view(tmp_path):
    # Streamlit writes the new filter with pushState or replaceState and knows nothing of the view.
    out = _run_view_js(tmp_path, """
L.iceViewInUrl(map, "default");
parentPage.history.pushState({}, "", "/?start=2026-01-05&category=a");
var pushed = parentPage.location.search;
parentPage.history.replaceState({}, "", "http://h:1/app?start=2026-01-06#top");
var absolute = calls[calls.length - 1][2];
parentPage.history.replaceState({}, "", "/?start=2026-01-07&lat=1.00000&lon=2.00000&zoom=3");
var own = calls[calls.length - 1][2];
L.iceViewInUrl(map, "default");  // the map drawn again: the page's methods are not wrapped twice
parentPage.history.pushState({}, "", "/?start=2026-01-08");
var again = calls[calls.length - 1][2];
console.log(JSON.stringify({ pushed: pushed, absolute: absolute, own: own, again: again,
  withView: L.iceViewInUrl.withView("?a=1&lat=2&zoomy=3", { lat: 1, lon: 2, zoom: 4 }) }));
""")
    assert out["pushed"] == "?start=2026-01-05&category=a&lat=44.97782&lon=-93.26501&zoom=11"
    assert out["absolute"] == "http://h:1/app?start=2026-01-06&lat=44.97782&lon=-93.26501&zoom=11#top"
    assert out["own"] == "/?start=2026-01-07&lat=1.00000&lon=2.00000&zoom=3"  # a URL with its own view keeps it
    assert out["again"] == "/?start=2026-01-08&lat=44.97782&lon=-93.26501&zoom=11"
    assert out["withView"] == "?a=1&zoomy=3&lat=1.00000&lon=2.00000&zoom=4"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_a_measure_category_set_by_the_map_survives_the_app_s_rewrites(tmp_path):
    # layers/js/measures.js keeps the model chosen in the legend in the link (model=...); the app, which
    # rewrites the query on each rerun, may write it without it, or with the one the page was opened with.
    out = _run_view_js(tmp_path, """
L.iceViewInUrl(map, "default");
L.iceViewInUrl.setParam("model", "Task Force Model");
var chosen = calls[calls.length - 1][2];
parentPage.history.pushState({}, "", "/?start=2026-01-05");
var rewritten = calls[calls.length - 1][2];
L.iceViewInUrl.setParam("model", null);  // "All" chosen: kept out, even when the app writes the old one back
parentPage.history.replaceState({}, "", "/?start=2026-01-06&model=Jail%20Enforcement%20Model");
var out = calls[calls.length - 1][2];
console.log(JSON.stringify({ chosen: chosen, rewritten: rewritten, out: out,
  plain: L.iceViewInUrl.urlWithSticky("/?a=1", {}) }));
""")
    assert out["chosen"].endswith("&model=Task%20Force%20Model") and "start=2026-01-01" in out["chosen"]
    assert out["rewritten"] == "/?start=2026-01-05&lat=44.97782&lon=-93.26501&zoom=11&model=Task%20Force%20Model"
    assert out["out"] == "/?start=2026-01-06&lat=44.97782&lon=-93.26501&zoom=11"
    assert out["plain"] == "/?a=1"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_legend_script_shows_a_part_only_while_its_layer_is_on(tmp_path):
    harness = tmp_path / "legend.js"
    harness.write_text(
        "global.L = {}; global.window = { setTimeout: function (f) { f(); } };\n"
        "var parts = { a: { style: {} }, b: { style: {} } };\n"
        "global.document = { getElementById: function (id) { return id === 'box' ? {\n"
        "  querySelector: function (q) { return parts[q.match(/'(\\w)'/)[1]]; } } : null; } };\n"
        "var on = { A: true, B: false }, handlers = {};\n"
        "var map = { on: function (e, f) { handlers[e] = f; }, hasLayer: function (l) { return on[l]; } };\n"
        f"require({json.dumps(str(SCRIPTS_DIR / 'legend.js'))});\n"
        "L.iceLegend(map, 'box', [['a', 'A'], ['b', 'B']]);\n"
        "var before = [parts.a.style.display, parts.b.style.display];\n"
        "on.A = false; on.B = true; handlers['layeradd layerremove']();\n"
        "console.log(JSON.stringify({ before: before, after: [parts.a.style.display, parts.b.style.display] }));\n"
    )
    result = subprocess.run([NODE, str(harness)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {"before": ["", "none"], "after": ["none", ""]}


# --- styles, legend -----------------------------------------------------------------------------


def test_incident_style_is_checked_and_reaches_the_layer():
    from layers import CanvasPointLayer

    with pytest.raises(ValueError, match="incident_style"):
        build_map(tiles=None, incident_style="hexbin")
    for style in ("points", "clusters", "heat"):
        m = build_map(None, _incidents(), tiles=None, incident_style=style)
        layer = next(c for c in m._children.values() if isinstance(c, CanvasPointLayer))
        assert layer.mode == style
        assert f'"mode": "{style}"' in render(m)


def test_legend_shows_shapes_and_what_each_style_means():
    html = render(build_map(None, _incidents(), tiles=None))
    assert html.count('<svg class="sym"') >= 9  # seven categories, the outline, the dashed circle
    assert "typical size of such an area, not this one's" in html
    assert "209 km" in html and "10 km" in html and "530 m" in html
    assert "Click to zoom in" not in html and "Heat map" not in html
    assert "Click to zoom in" in render(build_map(None, _incidents(), tiles=None, incident_style="clusters"))
    heat = render(build_map(None, _incidents(), tiles=None, incident_style="heat"))
    assert "Heat map" in heat and "linear-gradient" in heat
    assert "<details open>" in render(build_map(None, _incidents(), tiles=None, legend_open=True))
    assert "<details>" in heat


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_every_style_renders_valid_javascript(tmp_path):
    import pandas as pd

    from geodata import load_bundle
    from geodata.view import region_counts

    b = load_bundle()
    by_state = region_counts(b.incidents, "state")
    for style in ("points", "clusters", "heat"):
        html = render(
            build_map(
                b.facilities, b.incidents, tiles=DEFAULT_TILES, outline=OUTLINE_URL, leaflet_url="../x",
                incident_style=style, choropleth=by_state, population=b.population, deaths=b.incidents,
                facility_adp=pd.Series({"fac-ga-stewart-detention-center": 0.0}), center=(40, -90), zoom=5,
            )
        )
        scripts = [s for s in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S) if s.strip()]
        assert any("L.ChoroplethLayer" in s for s in scripts) and any("L.iceViewInUrl(" in s for s in scripts)
        for k, script in enumerate(scripts):
            path = tmp_path / f"{style}{k}.js"
            path.write_text(script)
            result = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)
            assert result.returncode == 0, (style, result.stderr)


def _incidents():
    import geopandas as gpd
    from shapely.geometry import Point

    from geodata.core.schema import INCIDENT_COLUMNS

    rows = [{c: None for c in INCIDENT_COLUMNS} | {"id": "i0", "category": "protest", "title": "t",
                                                   "location_precision": "city"}]
    return gpd.GeoDataFrame(rows, columns=list(INCIDENT_COLUMNS), geometry=[Point(-93.2, 44.9)], crs="EPSG:4326")


def test_a_map_rendered_again_under_new_names_holds_one_legend():
    # The app caches its map and streamlit-folium renames every element when it renders it again.
    from geodata import load_bundle
    from layers import build_map

    bundle = load_bundle()
    m = build_map(bundle.facilities, bundle.incidents, tiles=None)
    assert m.get_root().render().count('class="map-legend"') == 1
    (legend,) = [c for c in m._children.values() if type(c).__name__ == "Legend"]
    legend._id = "rendered-again"
    html = m.get_root().render()
    assert html.count('class="map-legend"') == 1 and "rendered-again" in html
