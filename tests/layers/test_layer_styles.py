"""Symbols, uncertainty circles, clusters and the heat map of the canvas point layer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from jsharness import needs_node, run_js, text_of, walk
from test_layers import incidents_gdf

from geodata.core.schema import CATEGORIES
from layers import CATEGORY_COLORS, CATEGORY_SHAPES, SHAPES, UNCERTAINTY_RADIUS_M, CanvasPointLayer, incidents_layer
from layers._symbols import symbol_svg, uncertainty_radius
from layers.canvas import _CLASS_JS, CODE_ALPHABET

# --- symbols ------------------------------------------------------------------------


def test_each_category_has_its_own_shape_and_colour():
    assert tuple(CATEGORY_SHAPES) == CATEGORIES
    assert len(set(CATEGORY_SHAPES.values())) == len(CATEGORIES)
    assert set(CATEGORY_SHAPES.values()) <= set(SHAPES)
    layer = incidents_layer(incidents_gdf([{"category": c, "title": c} for c in CATEGORIES] + [{"category": "??"}]))
    shape = dict(zip(layer.field_values("Title"), layer.shapes()))
    colour = dict(zip(layer.field_values("Title"), layer.colors()))
    for cat in CATEGORIES:
        assert shape[cat] == CATEGORY_SHAPES[cat]
        assert colour[cat] == CATEGORY_COLORS[cat]
    assert shape["Arrests at a car wash"] == CATEGORY_SHAPES["other"]
    # In the page: one shape name per category, codes into that list.
    data = json.loads(layer.to_json())
    assert sorted(data["shapes"]) == sorted(CATEGORY_SHAPES.values())


def test_unknown_shape_is_refused():
    with pytest.raises(ValueError, match="unknown shape"):
        CanvasPointLayer([0], [0], shape="hexagram")


def test_shapes_in_the_script_are_the_ones_the_legend_draws():
    assert json.dumps(SHAPES, separators=(",", ":")) in _CLASS_JS
    svg = symbol_svg("star", "#d62728")
    assert svg.count("<polygon") == 1 and len(svg.split('points="')[1].split('"')[0].split()) == 10
    assert "<circle" in symbol_svg("circle", "#000") and 'stroke="#000"' in symbol_svg("circle", "#000", hollow=True)
    assert "&lt;" in symbol_svg("square", "<x>")  # a colour is escaped too


# --- where a place is only roughly known --------------------------------------------------


def test_uncertainty_radius_follows_location_precision():
    precisions = ["address", "block", "zip", "city", "county", "state", "", "planet"]
    layer = incidents_layer(incidents_gdf([{"title": p, "location_precision": p} for p in precisions]))
    metres = dict(zip(layer.field_values("Title"), layer.uncertainty_m()))
    assert metres == {
        "address": 0.0,
        "block": 531.0,
        "zip": 4_000.0,
        "city": 10_000.0,
        "county": 22_000.0,
        "state": 209_000.0,
        "Arrest or raid": 0.0,  # no title: the category's name, and no precision: no circle
        "planet": 0.0,
    }
    assert uncertainty_radius("City ") == UNCERTAINTY_RADIUS_M["city"]
    hollow = dict(zip(layer.field_values("Title"), layer.hollow()))
    assert hollow["city"] and hollow["county"] and hollow["state"]
    assert not hollow["address"] and not hollow["block"] and not hollow["zip"]


def test_one_circle_per_place_and_radius():
    # Forty deaths placed at one state's centre draw one circle, not forty stacked.
    rows = [{"title": f"d{k}", "location_precision": "state", "category": "death_in_custody"} for k in range(40)]
    rows += [{"title": "city", "location_precision": "city"}]
    gdf = incidents_gdf(rows)
    gdf.geometry = [gdf.geometry.iloc[0]] * len(gdf)
    layer = incidents_layer(gdf)
    data = json.loads(layer.to_json())
    levels = data["u_levels"]
    codes = [CODE_ALPHABET.index(ch) for ch in data["u"]]
    drawn = sorted(levels[c] for c in codes if c)
    assert drawn == [10_000, 209_000]
    assert sorted(layer.uncertainty_m()).count(209_000.0) == 40  # every point keeps its radius


def test_different_categories_at_one_place_fan_out_and_same_ones_stack():
    rows = [
        {"title": "shooting", "category": "shooting", "location_precision": "city"},
        {"title": "arrest", "category": "arrest", "location_precision": "city"},
        {"title": "protest 1", "category": "protest", "location_precision": "city"},
        {"title": "protest 2", "category": "protest", "location_precision": "city"},
        {"title": "elsewhere", "category": "protest"},
    ]
    gdf = incidents_gdf(rows)
    gdf.geometry = [gdf.geometry.iloc[0]] * 4 + [gdf.geometry.iloc[4]]
    layer = incidents_layer(gdf)
    offset = dict(zip(layer.field_values("Title"), layer.offsets()))
    assert offset["elsewhere"] == (0.0, 0.0)
    assert offset["protest 1"] == offset["protest 2"] != (0.0, 0.0)
    rings = [math.hypot(*offset[t]) for t in ("shooting", "arrest", "protest 1")]
    assert max(rings) - min(rings) < 0.2 and 8 < min(rings) < 20  # on one small ring round the place
    assert len({offset[t] for t in ("shooting", "arrest", "protest 1")}) == 3
    # The true place is still what the popup opens at and what is exported.
    assert layer.data["lon"][0] == layer.data["lon"][1]


def test_small_code_columns_are_packed_one_character_per_point():
    layer = CanvasPointLayer(
        [0, 1, 2, 3], [0, 1, 2, 3], color=["#a", "#b", "#a", "#c"], hollow=[True, False, False, True],
        shape=["star", "star", "cross", "circle"],
    )
    assert layer.data["color"] == CODE_ALPHABET[0] + CODE_ALPHABET[1] + CODE_ALPHABET[0] + CODE_ALPHABET[2]
    assert layer.colors() == ["#a", "#b", "#a", "#c"]
    assert layer.hollow() == [True, False, False, True]
    assert layer.shapes() == ["star", "star", "cross", "circle"]
    assert CanvasPointLayer([0, 1], [0, 1], shape="diamond").data["shape"] == 0  # one value: one number


def test_style_option_picks_the_drawing_mode():
    gdf = incidents_gdf([{}, {}])
    assert incidents_layer(gdf).mode == "points"
    assert incidents_layer(gdf, style="heat").mode == "heat"
    assert incidents_layer(gdf, cluster=True).mode == "clusters"
    assert incidents_layer(gdf, style="clusters").options["cluster_max_zoom"] == 10
    with pytest.raises(ValueError, match="style must be one of"):
        incidents_layer(gdf, style="hexbin")
    with pytest.raises(ValueError, match="contradict"):
        incidents_layer(gdf, style="heat", cluster=True)


# --- clusters, in node ---------------------------------------------------------------------


@needs_node
def test_cluster_grid_counts_points_per_world_cell(tmp_path):
    out = run_js(
        tmp_path,
        """
        var wx = new Float64Array(WX), wy = new Float64Array(WY);
        var g = L.CanvasPointLayer.clusterGrid(wx, wy, wx.length, 60, 0, 0, 3, 2,
                                               function (k) { return COLORS[k]; }, 2);
        console.log(JSON.stringify({ n: Array.from(g.n), first: Array.from(g.first), cellOf: Array.from(g.cellOf),
                                     mix: Array.from(g.mix), sx: Array.from(g.sx), sy: Array.from(g.sy) }));
        """,
        WX=[10, 50, 70, 130, 170, 175, 200],
        WY=[10, 50, 10, 70, 110, 100, 10],
        COLORS=[0, 1, 0, 1, 1, 0, 0],
    )
    assert out["n"] == [2, 1, 0, 0, 0, 3]
    assert out["first"] == [0, 2, -1, -1, -1, 3]
    assert out["cellOf"] == [0, 0, 1, 5, 5, 5, -1]  # the last point is in no cell of the grid
    assert out["mix"][0:2] == [1, 1] and out["mix"][10:12] == [1, 2]
    assert out["sx"][5] == 475 and out["sy"][5] == 280


@needs_node
def test_clusters_drawn_match_an_independent_count(tmp_path):
    rng = np.random.default_rng(7)
    n = 3000
    lon = np.round(rng.uniform(-124, -67, n), 5)
    lat = np.round(rng.uniform(25, 49, n), 5)
    lon[:400], lat[:400] = -93.26501, 44.97782  # a crowd at one place
    layer = CanvasPointLayer(lon, lat, mode="clusters", color=np.where(np.arange(n) % 3 == 0, "#a", "#b"))
    zoom, size = 5, 60
    w, h = 1600, 1000
    ox, oy = 1500.0, 2400.0  # world pixels of the canvas's top-left at zoom 5: Minneapolis is in view
    out = run_js(
        tmp_path,
        """
        var layer = drawAt(offlineLayer(DATA, { mode: "clusters", clusterCell: SIZE }), ZOOM, W, H, OX, OY);
        var cl = layer._clusters, members = [];
        for (var j = 0; j < cl.n.length; j++) { members.push(layer.clusterMembers(j).length); }
        console.log(JSON.stringify({ mode: layer.drawMode(), gx: cl.gx, gy: cl.gy, n: cl.n, members: members,
                                     labels: layer._ctx.calls.fillText, drawn: layer.drawnCount(),
                                     grid: layer._grid.items.length }));
        """,
        DATA=json.loads(layer.to_json()), SIZE=size, ZOOM=zoom, W=w, H=h, OX=ox, OY=oy,
    )
    assert out["mode"] == "clusters"
    # The same count in numpy: Web Mercator pixels at zoom 5, 60 px cells.
    scale = 256 * 2**zoom
    x = scale * (lon + 180) / 360
    s = np.sin(np.radians(lat))
    y = scale * (0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi))
    cx, cy = np.floor(x / size), np.floor(y / size)
    gx0, gy0 = math.floor(ox / size), math.floor(oy / size)
    gx1, gy1 = math.floor((ox + w) / size), math.floor((oy + h) / size)
    inside = (cx >= gx0) & (cx <= gx1) & (cy >= gy0) & (cy <= gy1)
    cells, counts = np.unique(np.stack([cx[inside], cy[inside]], axis=1), axis=0, return_counts=True)
    want = {(int(a), int(b)): int(c) for (a, b), c in zip(cells, counts) if c >= 2}
    got = {(a, b): c for a, b, c in zip(out["gx"], out["gy"], out["n"])}
    assert got == want
    assert out["members"] == out["n"]  # a click finds the same points the count drew
    crowd = max(out["n"])
    assert crowd >= 400 and f"{crowd:,}" in out["labels"]
    assert out["drawn"] == int(inside.sum())
    singles = sum(1 for c in counts if c == 1)
    assert out["grid"] == singles + len(want)  # clickable: each single point and each cluster


@needs_node
def test_clusters_give_way_to_points_when_zoomed_in(tmp_path):
    layer = CanvasPointLayer([-93.26, -93.25], [44.97, 44.98], mode="clusters")
    out = run_js(
        tmp_path,
        """
        var far = drawAt(offlineLayer(DATA, { mode: "clusters", clusterMaxZoom: 10 }), 4, 800, 600, 0, 0);
        var near = drawAt(offlineLayer(DATA, { mode: "clusters", clusterMaxZoom: 10 }), 10, 800, 600, 0, 0);
        console.log(JSON.stringify({ far: far.drawMode(), near: near.drawMode(), nearClusters: near.clusterCount() }));
        """,
        DATA=json.loads(layer.to_json()),
    )
    assert out == {"far": "clusters", "near": "points", "nearClusters": 0}


@needs_node
def test_cluster_labels_are_short(tmp_path):
    out = run_js(
        tmp_path,
        """
        var xs = [], ys = [];
        var layer = offlineLayer({ lon: [0], lat: [0], r: 5, color: 0, palette: ["#000"], hollow: 0, fields: [] });
        var labels = [2, 999, 1234, 9999, 10000, 123456].map(function (n) {
          var ctx = layer._ctx; ctx.calls.fillText = [];
          layer._paintCluster(ctx, 0, 0, 20, n, new Int32Array([n]), 0, ["#000"], 1);
          return ctx.calls.fillText[0];
        });
        console.log(JSON.stringify(labels));
        """,
    )
    assert out == ["2", "999", "1,234", "9,999", "10k", "123k"]


# --- heat, in node ---------------------------------------------------------------------------


@needs_node
def test_heat_grid_counts_blur_keeps_the_total_and_levels_rise(tmp_path):
    out = run_js(
        tmp_path,
        """
        var C = L.CanvasPointLayer;
        var g = C.heatGrid(new Float32Array([5, 6, 7, 40, -15, 500]), new Float32Array([5, 5, 5, 40, 10, 10]),
                           6, 60, 60, 10, 20);
        var counts = {}; for (var c = 0; c < g.n.length; c++) { if (g.n[c]) { counts[c] = g.n[c]; } }
        var grid = new Float32Array(41 * 41); grid[20 * 41 + 20] = 5;
        C.blurGrid(grid, 41, 41, 2, 3);
        var total = 0, peak = 0;
        for (var k = 0; k < grid.length; k++) { total += grid[k]; peak = Math.max(peak, grid[k]); }
        var unit = C.unitPeak(2, 3);
        console.log(JSON.stringify({ cols: g.cols, rows: g.rows, counts: counts, inside: g.count, total: total,
          peak: peak, unit: unit, radius: C.boxRadius(22 / 2 / 3, 3),
          levels: [0, 1, 2, 10, 50].map(function (v) { return C.heatLevel(v * unit, unit, 50 * unit); }),
          ramp: Array.from(C.heatRamp([[0, "#000000"], [1, "#ff8000"]]).slice(0, 8)),
          rampEnd: Array.from(C.heatRamp([[0, "#000000"], [1, "#ff8000"]]).slice(1020)) }));
        """,
    )
    # Cells of 10 px over the 60 px canvas and 20 px round it: 10 x 10 cells.
    assert (out["cols"], out["rows"]) == (10, 10)
    assert out["counts"] == {"22": 3, "66": 1, "30": 1}  # (5..7, 5) share a cell; 500 px is off the grid
    assert out["inside"] == 5
    assert out["total"] == pytest.approx(5, rel=1e-5)  # blurring moves heat, never makes or loses it
    assert out["peak"] == pytest.approx(5 * out["unit"], rel=1e-5)
    assert out["radius"] == 3
    levels = out["levels"]
    assert levels[0] == 0 and levels[-1] == pytest.approx(1) and levels == sorted(levels)
    assert 0.15 < levels[1] < 0.25  # one lone point still shows beside a crowd of fifty
    assert out["ramp"][:4] == [0, 0, 0, 255] and out["rampEnd"] == [255, 128, 0, 255]


@needs_node
def test_heat_mode_draws_one_picture_and_no_click_targets(tmp_path):
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-100, -90, 5000), rng.uniform(35, 40, 5000)
    layer = CanvasPointLayer(lon, lat, mode="heat")
    out = run_js(
        tmp_path,
        """
        var far = drawAt(offlineLayer(DATA, { mode: "heat" }), 4, 800, 600, 700, 1300);
        var near = drawAt(offlineLayer(DATA, { mode: "heat", heatMaxZoom: 11 }), 11, 800, 600, 0, 0);
        console.log(JSON.stringify({ mode: far.drawMode(), images: far._ctx.calls.drawImage, grid: far._grid,
                                     drawn: far.drawnCount(), max: far._heatMax, near: near.drawMode() }));
        """,
        DATA=json.loads(layer.to_json()),
    )
    assert out["mode"] == "heat" and out["near"] == "points"
    assert out["images"] == 1  # one scaled picture, whatever the number of points
    assert out["grid"] is None  # a heat map has nothing to click
    assert out["drawn"] == 5000 and out["max"] > 1


# --- popups: lists and charts, in node ------------------------------------------------------


@needs_node
def test_list_field_is_built_from_text_nodes(tmp_path):
    layer = CanvasPointLayer(
        [0, 1], [0, 1],
        fields=[("Name", ["a", "b"], "title"),
                ("Deaths", [["2020-01-01 \u2014 <img src=x onerror=alert(1)>"] + [f"d{k}" for k in range(14)], None],
                 "list")],
    )
    out = run_js(
        tmp_path,
        """
        console.log(JSON.stringify({ one: L.CanvasPointLayer.buildContent(DATA, [0], doc),
                                     two: L.CanvasPointLayer.buildContent(DATA, [1], doc) }));
        """,
        DATA=json.loads(layer.to_json()),
    )
    nodes = list(walk(out["one"]))
    items = [n for n in nodes if n["tag"] == "li"]
    assert len(items) == 15  # three open, then twelve folded under "12 more"
    assert text_of(items[0]) == "2020-01-01 \u2014 <img src=x onerror=alert(1)>"
    fold = next(n for n in nodes if n["tag"] == "details")
    assert text_of(next(n for n in walk(fold) if n["tag"] == "summary")) == "12 more"
    assert [text_of(n) for n in walk(fold) if n["tag"] == "li"] == [f"d{k}" for k in range(2, 14)]
    assert "Deaths: 15" in text_of(out["one"])
    assert not any(n["tag"] == "img" for n in nodes)
    assert "Deaths" not in text_of(out["two"])  # no list: no row


@needs_node
def test_sparkline_is_svg_built_without_markup(tmp_path):
    axis = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    layer = CanvasPointLayer(
        [0, 1], [0, 1],
        fields=[("Population by month", [[10, 30, None, 20, 5], None], "series", {"axis": axis, "unit": "people"})],
    )
    out = run_js(
        tmp_path,
        "console.log(JSON.stringify(L.CanvasPointLayer.buildContent(DATA, [0], doc)));",
        DATA=json.loads(layer.to_json()),
    )
    nodes = list(walk(out))
    svg = next(n for n in nodes if n["tag"] == "svg")
    assert svg["ns"] == "http://www.w3.org/2000/svg"
    assert all(n["ns"] == "http://www.w3.org/2000/svg" for n in walk(svg) if n["tag"] != "#text")
    paths = [n for n in walk(svg) if n["tag"] == "path"]
    line = paths[-1]["attrs"]["d"]
    assert line.count("M") == 2 and line.count("L") == 2  # a gap where a month is missing
    summary = "People, 2025-01 to 2025-05: peak 30 (2025-02), last 5 (2025-05)"
    assert svg["attrs"]["aria-label"] == summary
    assert summary in text_of(out)
    assert "innerHTML" not in _CLASS_JS and "createElementNS" in _CLASS_JS
