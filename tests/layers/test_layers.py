"""Tests of the Folium layers: what they draw, what the page holds, and its safety."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from jsharness import text_of, walk
from shapely.geometry import Point

import layers
from geodata.core.schema import CATEGORIES, FACILITY_COLUMNS, INCIDENT_COLUMNS
from layers import (
    CATEGORY_COLORS,
    CanvasPointLayer,
    build_map,
    facilities_layer,
    facility_radius,
    incidents_layer,
    layer_points,
)
from layers.canvas import _CLASS_JS

XSS = "<img src=x onerror=alert(1)>"
NODE = shutil.which("node")


# --- tiny frames -------------------------------------------------------------


def facilities_gdf(rows: list[dict], crs="EPSG:4326") -> gpd.GeoDataFrame:
    base = {
        "name": "Facility",
        "city": "Laredo",
        "state": "TX",
        "zip": "78040",
        "facility_type": "IGSA",
        "adp": 100.0,
        "location_precision": "address",
        "location_method": "Geocoded street address",
        "source_name": "ICE detention statistics",
        "source_urls": "https://www.ice.gov/detain/detention-management",
    }
    records, geoms = [], []
    for i, row in enumerate(rows):
        row = {**base, "id": f"f{i}", **row}
        geoms.append(row.pop("geometry", Point(-99.5 + i * 0.1, 27.5)))
        records.append({c: row.get(c) for c in FACILITY_COLUMNS})
    return gpd.GeoDataFrame(records, columns=list(FACILITY_COLUMNS), geometry=geoms, crs=crs)


def incidents_gdf(rows: list[dict], crs="EPSG:4326") -> gpd.GeoDataFrame:
    base = {
        "category": "arrest",
        "title": "Arrests at a car wash",
        "date": "2025-03-04",
        "date_precision": "day",
        "place": "Los Angeles, CA",
        "location_precision": "address",
        "location_method": "Address in the news report",
        "source_name": "Los Angeles Times",
        "source_urls": "https://www.latimes.com/story",
        "verification": "news_report",
    }
    records, geoms = [], []
    for i, row in enumerate(rows):
        row = {**base, "id": f"i{i}", **row}
        geoms.append(row.pop("geometry", Point(-118.2 + i * 0.01, 34.0)))
        records.append({c: row.get(c) for c in INCIDENT_COLUMNS})
    return gpd.GeoDataFrame(records, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs=crs)


def render(m: folium.Map) -> str:
    return m.get_root().render()


def by_title(layer: CanvasPointLayer, label: str = "Name") -> dict[str, int]:
    return {t: i for i, t in enumerate(layer.field_values(label))}


# --- the layers ---------------------------------------------------------------


def test_facilities_layer_name_and_count():
    layer = facilities_layer(facilities_gdf([{}, {}, {}]))
    assert isinstance(layer, CanvasPointLayer)
    assert layer.layer_name == "Detention facilities"
    assert len(layer) == 3
    assert layer.dropped == 0
    assert facilities_layer(facilities_gdf([{}]), name="Jails").layer_name == "Jails"


def test_facility_radius_grows_with_adp():
    layer = facilities_layer(
        facilities_gdf([{"name": "Small", "adp": 20}, {"name": "Big", "adp": 1500}, {"name": "None", "adp": None}])
    )
    r = dict(zip(layer.field_values("Name"), layer.radii()))
    assert r["Big"] > r["Small"]
    assert r["None"] == 3.0
    assert facility_radius([np.nan, -5, 0, 1e9]).tolist() == [3.0, 3.0, 3.0, 22.0]


def test_facility_popup_reads_in_words():
    layer = facilities_layer(
        facilities_gdf(
            [
                {
                    "name": "Port Isabel SPC",
                    "address": "27991 Buena Vista Blvd",
                    "facility_type": "SPC",
                    "adp": 812.456,
                    "guaranteed_minimum": 800,
                    "location_precision": "zip",
                    "location_method": "ZIP code centroid",
                    "last_inspection_type": "Annual",
                    "last_inspection_end_date": "2024-05-01",
                    "last_inspection_rating": "Acceptable",
                    "aor": None,
                }
            ]
        )
    )
    popup = {f["label"]: layer.field_values(f["label"])[0] for f in layer.data["fields"]}
    assert popup["Name"] == "Port Isabel SPC"
    assert popup["Address"] == "27991 Buena Vista Blvd, Laredo, TX 78040"
    assert popup["Type"] == "ICE service processing center (SPC)"
    assert popup["Average daily population"] == "812.5"
    assert popup["Guaranteed minimum"] == "800"
    assert popup["Location"].startswith("ZIP centroid \u2014 not the exact site")
    assert "Acceptable" in popup["Last inspection"]
    assert popup["AOR"] is None  # empty fields are left out of the popup


def test_incidents_layer_colours_by_category():
    assert tuple(CATEGORY_COLORS) == CATEGORIES
    assert len(set(CATEGORY_COLORS.values())) == len(CATEGORIES)
    layer = incidents_layer(incidents_gdf([{"category": c, "title": c} for c in CATEGORIES] + [{"category": "??"}]))
    assert layer.layer_name == "Incidents"
    colour = dict(zip(layer.field_values("Title"), layer.colors()))
    for cat in CATEGORIES:
        assert colour[cat] == CATEGORY_COLORS[cat]
    assert colour["Arrests at a car wash"] == CATEGORY_COLORS["other"]


def test_incident_at_city_center_is_a_ring():
    layer = incidents_layer(
        incidents_gdf(
            [
                {"title": "street", "location_precision": "address"},
                {"title": "city", "location_precision": "city", "location_method": "City centroid"},
                {"title": "state", "location_precision": "state"},
            ]
        )
    )
    ring = dict(zip(layer.field_values("Title"), layer.hollow()))
    assert ring == {"street": False, "city": True, "state": True}
    where = dict(zip(layer.field_values("Title"), layer.field_values("Location")))
    assert where["city"] == "City center \u2014 not the exact site (City centroid)"


def test_incident_date_says_its_precision():
    layer = incidents_layer(
        incidents_gdf(
            [
                {"title": "d", "date": "2025-03-04", "date_precision": "day"},
                {"title": "m", "date": "2025-03", "date_precision": "month"},
                {"title": "y", "date": "2025", "date_precision": "year"},
            ]
        )
    )
    dates = dict(zip(layer.field_values("Title"), layer.field_values("Date")))
    assert dates == {"d": "2025-03-04", "m": "2025-03 (month known)", "y": "2025 (year known)"}


# --- preparing the frame ------------------------------------------------------


def test_layer_reprojects_from_web_mercator():
    gdf = incidents_gdf([{"geometry": Point(-118.25, 34.05)}]).to_crs("EPSG:3857")
    assert abs(gdf.geometry.x.iloc[0]) > 1e6  # really in metres
    layer = incidents_layer(gdf)
    assert layer.data["lon"][0] == pytest.approx(-118.25, abs=1e-5)
    assert layer.data["lat"][0] == pytest.approx(34.05, abs=1e-5)


def test_empty_geometries_are_dropped_and_counted():
    gdf = facilities_gdf(
        [
            {"name": "ok"},
            {"name": "none", "geometry": None},
            {"name": "empty", "geometry": Point()},
            {"name": "nan", "geometry": Point(np.nan, np.nan)},
        ]
    )
    layer = facilities_layer(gdf)
    assert len(layer) == 1
    assert layer.dropped == 3
    assert layer.field_values("Name") == ["ok"]


def test_datetime_columns_become_iso_strings():
    gdf = incidents_gdf([{"title": "a"}, {"title": "b"}])
    gdf["date"] = pd.to_datetime(["2025-03-04", None])
    layer = incidents_layer(gdf)
    dates = dict(zip(layer.field_values("Title"), layer.field_values("Date")))
    assert dates == {"a": "2025-03-04", "b": None}
    json.loads(layer.to_json())  # no NaN or Timestamp reaches the JSON


def test_coordinates_are_rounded():
    layer = CanvasPointLayer([-98.123456789], [39.987654321])
    assert layer.data["lon"] == [-98.12346]
    assert layer.data["lat"] == [39.98765]


# --- the map ------------------------------------------------------------------


def test_layer_control_lists_both_layers():
    m = build_map(facilities_gdf([{}]), incidents_gdf([{}]))
    assert isinstance(list(m._children.values())[-1], folium.LayerControl)
    html = render(m)
    control = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    assert '"Detention facilities"' in control
    assert '"Incidents"' in control
    assert html.count("new L.CanvasPointLayer(") == 2


def test_build_map_adds_layers_for_empty_frames_and_not_for_none():
    m = build_map(facilities_gdf([]), None, tiles=None)
    assert layer_points(m) == {"Detention facilities": 0}
    assert "Incidents" not in render(m)


def test_build_map_without_tiles_has_no_tile_layer():
    m = build_map(facilities_gdf([{}]), incidents_gdf([{}]), tiles=None)
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert "L.tileLayer" not in render(m)


def test_hidden_layer_is_in_the_control_but_not_on_the_map():
    m = build_map(facilities_gdf([{}]), incidents_gdf([{}]), show_incidents=False)
    html = render(m)
    inc = next(c for c in m._children.values() if isinstance(c, CanvasPointLayer) and c.layer_name == "Incidents")
    fac = next(c for c in m._children.values() if isinstance(c, CanvasPointLayer) and c.layer_name != "Incidents")
    assert f"{fac.get_name()}.addTo({m.get_name()})" in html
    assert f"{inc.get_name()}.addTo(" not in html
    assert f'"Incidents" : {inc.get_name()}' in html


def test_map_is_centred_on_the_contiguous_us_not_on_guam():
    guam = incidents_gdf([{"geometry": Point(144.79, 13.44)}, {"geometry": Point(-66.1, 18.4)}])
    m = build_map(None, guam)
    assert m.location == [39.5, -98.35]
    html = render(m)
    assert "fitBounds" in html and "[24.4, -125.0]" in html
    assert "144.79" in html  # Guam is still drawn


def test_layer_points_counts_each_layer():
    m = build_map(facilities_gdf([{}, {}]), incidents_gdf([{}, {}, {}, {"geometry": None}]))
    assert layer_points(m) == {"Detention facilities": 2, "Incidents": 3}
    fg = folium.FeatureGroup("group").add_to(m)
    CanvasPointLayer([0, 1], [0, 1], name="nested").add_to(fg)
    assert layer_points(m)["nested"] == 2


def test_map_bounds_cover_the_points():
    m = folium.Map()
    CanvasPointLayer([-120, -70], [30, 45]).add_to(m)
    assert m.get_bounds() == [[30, -120], [45, -70]]


def test_legend_lists_categories_escaped(monkeypatch):
    monkeypatch.setitem(layers.legend.CATEGORY_LABELS, "other", "<b>Other</b> & more")
    html = render(build_map(facilities_gdf([{}]), incidents_gdf([{}]), tiles=None))
    assert "&lt;b&gt;Other&lt;/b&gt; &amp; more" in html
    assert "<b>Other</b>" not in html
    for colour in CATEGORY_COLORS.values():
        assert colour in html
    assert "average daily population" in html


# --- safety of the page ---------------------------------------------------------


def test_xss_title_is_only_in_escaped_form():
    m = build_map(None, incidents_gdf([{"title": XSS, "description": XSS}]), tiles=None)
    html = render(m)
    assert XSS not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert _CLASS_JS.strip() in html
    assert ".textContent = " in _CLASS_JS
    assert "innerHTML" not in _CLASS_JS


def test_script_end_tag_in_a_field_cannot_break_out():
    evil = "</script><script>alert(1)</script><!--"
    m = build_map(facilities_gdf([{"name": evil, "address": "a\u2028b\u2029c"}]), None, tiles=None)
    html = render(m)
    assert evil not in html
    assert "\u2028" not in html and "\u2029" not in html
    assert html.count("</script>") == html.count("<script")


def test_jinja_syntax_in_a_field_is_not_evaluated():
    m = build_map(None, incidents_gdf([{"title": "{{ 7*7 }} {% if x %} {# c #}"}]), tiles=None)
    html = render(m)
    assert "\\u007b{ 7*7 }} \\u007b% if x %} \\u007b# c #}" in html
    layer = next(c for c in m._children.values() if isinstance(c, CanvasPointLayer))
    assert json.loads(layer.to_json())["fields"][0]["values"] == ["{{ 7*7 }} {% if x %} {# c #}"]


def test_javascript_url_is_kept_as_text_data_and_guarded():
    layer = incidents_layer(incidents_gdf([{"source_urls": "javascript:alert(1) https://example.org/a"}]))
    assert layer.field_values("Links") == ["javascript:alert(1) https://example.org/a"]
    assert "var WEB_URL = /^https?:\\/\\//i;" in _CLASS_JS
    assert "if (WEB_URL.test(url))" in _CLASS_JS
    assert 'a.setAttribute("rel", "noopener noreferrer")' in _CLASS_JS


def test_layers_package_never_imports_streamlit_or_reads_files():
    for path in Path(layers.__file__).parent.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.M), path
        assert "open(" not in source and "read_file" not in source, path


# --- size and speed -------------------------------------------------------------


def test_100k_points_make_a_light_page():
    n = 100_000
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-124, -67, n), rng.uniform(25, 49, n)
    frame = pd.DataFrame(
        {
            "category": rng.choice(CATEGORIES, n),
            "title": [f"Arrest reported at site {i}" for i in range(n)],
            "date": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "date_precision": "day",
            "date_start": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "date_end": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "place": [f"City {i % 2000}, TX" for i in range(n)],
            "location_precision": rng.choice(["address", "city"], n),
            "location_method": "Geocoded from the reported address",
            "description": [f"Short description {i % 500}" for i in range(n)],
            "source_name": "AP",
            "source_urls": [f"https://apnews.com/article/{i % 5000}" for i in range(n)],
            "verification": rng.choice(["official_record", "news_report"], n),
        }
    )
    for col in INCIDENT_COLUMNS:
        if col not in frame:
            frame[col] = None
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")

    start = time.perf_counter()
    m = build_map(None, gdf, tiles=None)
    html = render(m)
    seconds = time.perf_counter() - start
    size = len(html.encode("utf-8"))
    assert layer_points(m) == {"Incidents": n}
    assert size < 8_500_000, f"{size / 1e6:.1f} MB"
    assert seconds < 10, f"{seconds:.1f} s"  # about 0.7 s on a laptop; loose for CI

    # With the popup records served as shards, the page holds compact columns only.
    layer = incidents_layer(gdf, records_url="records/x")
    m = layers.compose_map(layers.base_map(tiles=None, script_url="js"), [layer])
    page = len(render(m).encode("utf-8"))
    assert page / n <= 16, f"{page / n:.1f} bytes a point"
    assert "Arrest reported at site" not in render(m)
    shards = dict(layer.record_shards())
    assert len(shards) == n // layer.records_size
    assert json.loads(shards[3])["fields"][0]["values"][0] == layer.field_values("Title")[3 * layer.records_size]


# --- the JavaScript ---------------------------------------------------------------


def inline_scripts(html: str) -> list[str]:
    return [s for s in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S) if s.strip()]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_rendered_scripts_are_valid_javascript(tmp_path):
    m = build_map(
        facilities_gdf([{"name": XSS}, {"adp": None}]),
        incidents_gdf([{"title": "</script>"}, {"location_precision": "city"}]),
    )
    scripts = inline_scripts(render(m))
    assert scripts
    for k, script in enumerate(scripts):
        path = tmp_path / f"script{k}.js"
        path.write_text(script)
        result = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


NODE_HARNESS = r"""
function el(tag) {
  return {
    tag: tag, attrs: {}, children: [], className: "",
    setAttribute: function (k, v) { this.attrs[k] = String(v); },
    appendChild: function (c) { this.children.push(c); return c; },
    set textContent(v) { this.children = [{ tag: "#text", text: String(v) }]; },
    set innerHTML(v) { throw new Error("innerHTML used"); }
  };
}
var doc = {
  createElement: el,
  createTextNode: function (t) { return { tag: "#text", text: String(t) }; }
};
global.L = { Layer: { extend: function (p) { var C = function () {}; C.prototype = p; return C; } } };
eval(CLASS_JS);
var first = L.CanvasPointLayer;
eval(CLASS_JS);  // a second layer's copy must not redefine the class
var out = { definedOnce: first === L.CanvasPointLayer };
out.popup = L.CanvasPointLayer.buildContent(DATA, [0], doc);
out.stacked = L.CanvasPointLayer.buildContent(DATA, [0, 0, 0], doc);

var xs = new Float32Array([10, 10, 50, 90]), ys = new Float32Array([10, 10, 50, 10]);
var grid = L.CanvasPointLayer.buildGrid(xs, ys, new Int32Array([7, 8, 9, 10]), 4, 100, 100, 24);
var r = function (id) { return id === 10 ? 20 : 5; };
out.hits = {
  onStack: L.CanvasPointLayer.queryGrid(grid, 11, 11, r, 4),
  nearEdge: L.CanvasPointLayer.queryGrid(grid, 57, 50, r, 4),
  empty: L.CanvasPointLayer.queryGrid(grid, 30, 80, r, 4),
  bigDisc: L.CanvasPointLayer.queryGrid(grid, 75, 12, r, 4)
};
console.log(JSON.stringify(out));
"""


def run_node(tmp_path, layer: CanvasPointLayer) -> dict:
    script = f"var CLASS_JS = {json.dumps(_CLASS_JS)};\nvar DATA = {layer.to_json()};\n{NODE_HARNESS}"
    path = tmp_path / "harness.js"
    path.write_text(script)
    result = subprocess.run([NODE, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_popup_is_built_from_text_nodes(tmp_path):
    layer = incidents_layer(
        incidents_gdf(
            [
                {
                    "title": XSS,
                    "description": "</script><b>bold</b>",
                    "source_urls": "javascript:alert(1) https://example.org/a data:text/html,x http://www.ice.gov/b",
                }
            ]
        )
    )
    out = run_node(tmp_path, layer)
    assert out["definedOnce"]
    popup = out["popup"]
    nodes = list(walk(popup))
    assert {n["tag"] for n in nodes} <= {"div", "h3", "span", "strong", "a", "ul", "li", "details", "summary", "#text"}
    title = next(n for n in nodes if n["tag"] == "h3")
    assert text_of(title) == XSS
    assert "</script><b>bold</b>" in text_of(popup)
    links = [n for n in nodes if n["tag"] == "a"]
    assert [a["attrs"]["href"] for a in links] == ["https://example.org/a", "http://www.ice.gov/b"]
    assert all(a["attrs"]["rel"] == "noopener noreferrer" and a["attrs"]["target"] == "_blank" for a in links)
    assert [text_of(a) for a in links] == ["example.org", "ice.gov"]
    assert "javascript:alert(1)" in text_of(popup) and "data:text/html,x" in text_of(popup)
    assert "3 records at this spot" in text_of(out["stacked"])


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_click_finds_the_point_under_it(tmp_path):
    hits = run_node(tmp_path, CanvasPointLayer([0], [0], fields=[("Name", ["x"], "title")]))["hits"]
    assert hits["onStack"] == [8, 7]  # both points drawn there, the top one first
    assert hits["nearEdge"] == [9]  # 2 px outside the disc, within tolerance
    assert hits["empty"] is None
    assert hits["bigDisc"] == [10]  # inside a 20 px disc whose centre is 15 px away
