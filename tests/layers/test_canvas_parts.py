"""Each part of the canvas point layer's JavaScript (layers/js/canvas-*.js) run in node on its own.

Every test loads one part and only the files it declares it needs (``SCRIPT_NEEDS``), never
``canvas.js``: a part that used something of another part without saying so fails here.  The
layer as a whole (all parts and ``canvas.js``) is tested in test_layers.py, test_layer_styles.py,
test_layer_time.py and test_canvas_file.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from jsharness import needs_node, run_js, text_of, walk

from layers import SCRIPTS_DIR, CanvasPointLayer
from layers._script import CANVAS_PARTS, SCRIPT_NEEDS, scripts_with_needs

pytestmark = needs_node

PART_KEYS = {
    "canvas-columns.js": "columns",
    "canvas-words.js": "words",
    "canvas-charts.js": "charts",
    "canvas-popup.js": "popup",
    "canvas-pointer.js": "pointer",
    "canvas-clusters.js": "clusters",
    "canvas-filter.js": "filter",
}


def run_part(tmp_path, part: str, body: str, **values):
    return run_js(tmp_path, body, scripts=(part,), **values)


# --- how the parts are loaded ---------------------------------------------------------------


def test_every_canvas_part_file_is_loaded_before_canvas_js():
    on_disk = sorted(p.name for p in SCRIPTS_DIR.glob("canvas-*.js"))
    assert sorted(CANVAS_PARTS) == on_disk == sorted(PART_KEYS)
    order = scripts_with_needs(("timebar.js",))
    assert order == [*CANVAS_PARTS, "canvas.js", "timebar.js"]
    for part in CANVAS_PARTS:
        for need in SCRIPT_NEEDS.get(part, ()):
            assert order.index(need) < order.index(part), (need, part)


@pytest.mark.parametrize("part", sorted(PART_KEYS))
def test_each_part_loads_alone_with_only_its_needs(tmp_path, part):
    out = run_part(tmp_path, part, """
        console.log(JSON.stringify({parts: Object.keys(L.CanvasPointParts).sort(),
                                    layer: typeof L.CanvasPointLayer}));""")
    loaded = [PART_KEYS[p] for p in scripts_with_needs((part,))]
    assert out == {"parts": sorted(loaded), "layer": "undefined"}


def test_a_part_loaded_twice_keeps_its_first_definition(tmp_path):
    # A map saved as one HTML file inlines each file once per layer that needs it.
    path = json.dumps(str(SCRIPTS_DIR / "canvas-columns.js"))
    out = run_part(tmp_path, "canvas-columns.js", f"""
        var first = L.CanvasPointParts.columns;
        delete require.cache[require.resolve({path})];
        require({path});
        console.log(JSON.stringify(L.CanvasPointParts.columns === first));""")
    assert out is True


def test_a_part_without_the_parts_it_needs_fails_to_load(tmp_path):
    path = json.dumps(str(SCRIPTS_DIR / "canvas-popup.js"))
    out = run_js(tmp_path, f"""
        var error = null;
        try {{ require({path}); }} catch (err) {{ error = err.message; }}
        console.log(JSON.stringify({{error: error, popup: typeof (L.CanvasPointParts || {{}}).popup}}));""", scripts=())
    assert out["error"] and out["popup"] == "undefined"


# --- canvas-columns.js: the binary columns reader -----------------------------------------


def test_columns_part_decodes_a_compact_layer_as_python_reads_it(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    layer = CanvasPointLayer(
        rng.uniform(-120, -70, n), rng.uniform(25, 48, n), compact=True,
        color=rng.choice(["#d62728", "#1f77b4", "#2ca02c"], n), shape=rng.choice(["circle", "star"], n),
        hollow=rng.random(n) < 0.3, uncertainty_m=rng.choice([0.0, 10_000.0], n),
        category=rng.choice(["a", "b"], n), categories=["a", "b"])
    keys = ["lon", "lat", "color", "shape", "hollow", "category"]
    out = run_part(tmp_path, "canvas-columns.js", """
        var d = L.CanvasPointParts.columns.decodeColumns(DATA), o = {};
        KEYS.forEach(function (k) { o[k] = Array.from(d[k]); });
        console.log(JSON.stringify(o));""", DATA=json.loads(layer.to_json()), KEYS=keys)
    for key in keys:
        np.testing.assert_allclose(out[key], layer.column(key), atol=1e-5, err_msg=key)


def test_columns_part_reads_coded_fields_and_refuses_a_column_outside_the_file(tmp_path):
    out = run_part(tmp_path, "canvas-columns.js", """
        var C = L.CanvasPointParts.columns, A = C.CODE_ALPHABET;
        var field = {levels: ["x", "y"], width: 1, codes: A[1] + A[0] + A[2]};
        var error = null;
        try { C.decodeTyped({dtype: "u4", at: 8, len: 4}, new ArrayBuffer(16)); } catch (e) { error = e.message; }
        console.log(JSON.stringify({values: [0, 1, 2].map(function (i) { return C.valueAt(field, i); }),
                                    scalar: C.column(7, 3), codes: C.column(A[4] + A[9], 1), error: error}));""")
    assert out == {"values": ["x", None, "y"], "scalar": 7, "codes": 9,
                   "error": "a column lies outside the points file"}


# --- canvas-words.js: the popups' words and link hosts --------------------------------------


def test_words_part_shows_the_real_host_of_a_link_even_without_url(tmp_path):
    urls = ["https://www.ice.gov/x", "http://user:pw@evil.example:8080/a", "https://bücher.example/b"]
    out = run_part(tmp_path, "canvas-words.js", """
        var W = L.CanvasPointParts.words, withUrl = URLS.map(W.hostOf);
        global.URL = undefined;
        console.log(JSON.stringify({withUrl: withUrl, without: URLS.map(W.hostOf)}));""", URLS=urls)
    expected = ["ice.gov", "evil.example", "xn--bcher-kva.example"]
    assert out == {"withUrl": expected, "without": expected}


def test_words_part_switches_language_and_keeps_unknown_placeholders(tmp_path):
    out = run_part(tmp_path, "canvas-words.js", """
        var W = L.CanvasPointParts.words, before = W.say().record;
        W.setWords({record: "registro", notAWord: 3}, "es-ES");
        console.log(JSON.stringify({before: before, after: W.say().record, kept: W.say().andMore,
                                    filled: W.fill("{n} of {m}", {n: 2}), number: W.formatNumber(12345.6)}));""")
    assert out == {"before": "record", "after": "registro", "kept": "\u2026 and {n} more",
                   "filled": "2 of {m}", "number": "12.346"}


# --- canvas-charts.js: the popups' small charts ---------------------------------------------


def test_charts_part_draws_a_series_with_its_gap_and_says_its_peak(tmp_path):
    out = run_part(tmp_path, "canvas-charts.js", """
        var el = L.CanvasPointParts.charts.sparkline(document, ["2025-01", "2025-02", "2025-03", "2025-04"],
                                                     [3, null, 40, 12], "people held");
        console.log(JSON.stringify(el));""")
    nodes = list(walk(out))
    line = [n for n in nodes if n.get("tag") == "path" and n["attrs"].get("fill") == "none"][0]
    assert line["attrs"]["d"].count("M") == 2  # the missing month breaks the line
    caption = text_of(nodes[-1])
    assert caption == "People held, 2025-01 to 2025-04: peak 40 (2025-03), last 12 (2025-04)"


def test_charts_part_draws_one_line_per_source_on_one_scale(tmp_path):
    sources = [{"key": "ddp", "label": "DDP", "color": "#111111"},
               {"key": "ice", "label": "ICE ADP", "color": "#222222", "dash": "3 2", "step": True},
               {"key": "none", "label": "Nothing", "color": "#333333"}]
    values = {"ddp": [0, 10, 20, None, 30], "ice": [[0, 3, 25]]}
    out = run_part(tmp_path, "canvas-charts.js", """
        console.log(JSON.stringify(L.CanvasPointParts.charts.sourceChart(document,
            ["2020-01", "2020-02", "2020-03", "2020-04"], VALUES, SOURCES, "people")));""",
        VALUES=values, SOURCES=sources)
    paths = [n for n in walk(out) if n.get("tag") == "path"]
    assert [p["attrs"]["data-source"] for p in paths] == ["ddp", "ice"]
    assert paths[1]["attrs"]["stroke-dasharray"] == "3 2"
    assert "DDP, 2020-01 to 2020-04: peak 30 (2020-04)" in text_of(out)


def _months(first: int, last: int) -> list[str]:
    return [f"{y}-{m:02d}" for y in range(first, last + 1) for m in range(1, 13)]


def _path_xs(path) -> list[float]:
    import re
    return [float(x) for x in re.findall(r"[ML]([0-9.]+),", path["attrs"]["d"])]


@pytest.mark.parametrize(("locale", "peak", "labels"), [
    ("en-US", 2870, ["0", "1,000", "2,000", "3,000"]),
    ("es-ES", 26500, ["0", "10.000", "20.000", "30.000"]),
])
def test_charts_part_spans_a_short_lived_facility_over_its_own_months_with_y_values(tmp_path, locale,
                                                                                     peak, labels):
    # Camp East Montana: figures from August 2025 to March 2026 on the page's 2010-2026 axis.
    axis = _months(2010, 2026)
    first = axis.index("2025-08")
    series = [first, 400, 1200, 2000, 2500, peak, 2700, 2600, 2500]
    out = run_part(tmp_path, "canvas-charts.js", """
        L.CanvasPointParts.words.setWords({}, LOCALE);
        console.log(JSON.stringify(L.CanvasPointParts.charts.sourceChart(document, AXIS,
            {ddp: SERIES}, [{key: "ddp", label: "DDP", color: "#111111"}], "people")));""",
        AXIS=axis, SERIES=series, LOCALE=locale)
    nodes = list(walk(out))
    svg = next(n for n in nodes if n.get("tag") == "svg")
    width = float(svg["attrs"]["viewBox"].split()[2])
    xs = _path_xs(next(n for n in nodes if n.get("tag") == "path"))
    assert max(xs) - min(xs) > width * 0.6  # not a few pixels wide
    ys = [text_of(n) for n in nodes if n.get("tag") == "text" and n["attrs"].get("data-axis") == "y"]
    assert ys == labels
    xlabels = [text_of(n) for n in nodes if n.get("tag") == "text" and n["attrs"].get("data-axis") == "x"]
    assert "2026" in xlabels and "2010" not in xlabels and "2020" not in xlabels


def test_charts_part_writes_the_source_chart_legend_in_the_page_language(tmp_path):
    from layers._text import popup_words

    out = run_part(tmp_path, "canvas-charts.js", """
        L.CanvasPointParts.words.setWords(WORDS, "es-US");
        console.log(JSON.stringify(L.CanvasPointParts.charts.sourceChart(document, ["2025-11", "2025-12"],
            {ddp: [0, 1500, 12000]}, [{key: "ddp", label: "DDP", color: "#111111"}], "personas")));""",
        WORDS=popup_words("es"))
    assert "DDP, de 2025-11 a 2025-12: máximo 12,000 (2025-12)" in text_of(out)
    assert " to " not in text_of(out) and "peak" not in text_of(out)


# --- canvas-popup.js: the popup -------------------------------------------------------------


def test_popup_part_writes_records_as_text_and_only_web_links(tmp_path):
    data = {"fields": [
        {"label": "Title", "kind": "title", "values": ["<b>Raid</b>", "Second"]},
        {"label": "Sources", "kind": "links", "values": ["javascript:alert(1) https://news.example/a", ""]},
        {"label": "Deaths", "kind": "list", "values": [[f"d{k}" for k in range(6)], []]},
    ]}
    out = run_part(tmp_path, "canvas-popup.js", """
        console.log(JSON.stringify(L.CanvasPointParts.popup.buildContent(DATA, [0, 1], document)));""", DATA=data)
    text = text_of(out)
    assert "2 records at this spot" in text and "<b>Raid</b>" in text and "javascript:alert(1)" in text
    links = [n for n in walk(out) if n.get("tag") == "a"]
    assert [a["attrs"]["href"] for a in links] == ["https://news.example/a"]
    assert links[0]["attrs"]["rel"] == "noopener noreferrer" and text_of(links[0]) == "news.example"
    assert "3 more" in text  # six items: three shown, three folded


def test_popup_part_gathers_records_from_their_shards(tmp_path):
    shards = {"0": {"fields": [{"label": "Title", "kind": "title", "values": ["a", "b"]}]},
              "1": {"fields": [{"label": "Title", "kind": "title", "values": ["c", "d"]}]}}
    out = run_part(tmp_path, "canvas-popup.js", """
        console.log(JSON.stringify(L.CanvasPointParts.popup.recordsFromShards(SHARDS, [3, 0], 2)));""",
        SHARDS=shards)
    assert out == {"fields": [{"label": "Title", "kind": "title", "values": ["d", "a"]}]}


# --- canvas-pointer.js: clicks and the pointer ----------------------------------------------


def test_pointer_part_finds_the_topmost_item_and_those_at_the_same_spot(tmp_path):
    out = run_part(tmp_path, "canvas-pointer.js", """
        var G = L.CanvasPointParts.pointer;
        var grid = G.buildGrid([10, 10, 50, 200], [10, 10, 50, 200], [7, 8, 9, 10], 4, 300, 300, 24);
        var r = function () { return 5; };
        console.log(JSON.stringify({on: G.queryGrid(grid, 11, 11, r, 4), near: G.queryGrid(grid, 57, 50, r, 4),
                                    far: G.queryGrid(grid, 120, 120, r, 4)}));""")
    assert out == {"on": [8, 7], "near": [9], "far": None}


def test_pointer_part_registers_one_handler_per_map_for_all_its_layers(tmp_path):
    out = run_part(tmp_path, "canvas-pointer.js", """
        var G = L.CanvasPointParts.pointer, on = [];
        var map = {on: function (name) { on.push(name); }, getContainer: function () { return {style: {}}; }};
        G.register(map, {name: "a"}); G.register(map, {name: "b"}); G.unregister(map, map._cplLayers[0]);
        console.log(JSON.stringify({on: on, left: map._cplLayers.map(function (l) { return l.name; })}));""")
    assert out == {"on": ["click", "mousemove", "mouseout"], "left": ["b"]}


# --- canvas-clusters.js: clusters and heat --------------------------------------------------


def test_clusters_part_counts_points_and_colours_per_cell(tmp_path):
    out = run_part(tmp_path, "canvas-clusters.js", """
        var K = L.CanvasPointParts.clusters;
        var g = K.clusterGrid([5, 20, 70, 130], [5, 30, 10, 10], 4, 60, 0, 0, 2, 1,
                              function (k) { return k % 2; }, 2);
        console.log(JSON.stringify({n: Array.from(g.n), mix: Array.from(g.mix), cellOf: Array.from(g.cellOf),
                                    label: K.clusterLabel(12345), big: K.clusterRadius(1e9)}));""")
    assert out == {"n": [2, 1], "mix": [1, 1, 1, 0], "cellOf": [0, 0, 1, -1], "label": "12k", "big": 30}


def test_clusters_part_blurs_heat_without_losing_any_and_ramps_its_colours(tmp_path):
    out = run_part(tmp_path, "canvas-clusters.js", """
        var K = L.CanvasPointParts.clusters, g = new Float32Array(41 * 41);
        g[20 * 41 + 20] = 5; g[18 * 41 + 22] = 2;
        K.blurGrid(g, 41, 41, K.boxRadius(2, 3), 3);
        var total = 0; for (var i = 0; i < g.length; i++) { total += g[i]; }
        var ramp = K.heatRamp(K.HEAT_RAMP);
        console.log(JSON.stringify({total: total, peak: g[20 * 41 + 20], first: Array.from(ramp.slice(0, 4)),
                                    last: Array.from(ramp.slice(1020)), levels: [K.heatLevel(0, 1, 9),
                                    K.heatLevel(9, 1, 9), K.heatLevel(1, 1, 9)]}));""")
    assert out["total"] == pytest.approx(7, rel=1e-4) and out["peak"] < 5
    assert out["first"] == [0xFF, 0xFF, 0xCC, 255] and out["last"] == [0x80, 0x00, 0x26, 255]
    assert out["levels"][0] == 0 and out["levels"][1] == 1 and 0 < out["levels"][2] < 1


# --- canvas-filter.js: time and category filtering ------------------------------------------


def test_filter_part_keeps_points_whose_days_overlap_and_whose_category_is_chosen(tmp_path):
    out = run_part(tmp_path, "canvas-filter.js", """
        var M = L.CanvasPointParts.filter.methods, drawn = 0;
        var layer = {_ready: true, _n: 4, redraw: function () { drawn++; },
                     _data: {day0: [10, 20, 30, 40], day1: [15, 25, 35, 45], category: [0, 1, 0, 1]}};
        for (var k in M) { layer[k] = M[k]; }
        var both = layer.setFilter({start: 22, end: 41, categories: [0]});
        var byDay = layer.setFilter({start: 22, end: 41}), all = layer.setFilter({});
        layer.setFilter({start: 22});
        console.log(JSON.stringify({both: both, byDay: byDay, all: all, shown: layer.shownByCategory(),
                                    drawn: drawn}));""")
    assert out == {"both": 1, "byDay": 3, "all": 4, "shown": [1, 2], "drawn": 4}


def test_filter_part_waits_for_the_columns_before_filtering(tmp_path):
    out = run_part(tmp_path, "canvas-filter.js", """
        var M = L.CanvasPointParts.filter.methods, layer = {_ready: false};
        for (var k in M) { layer[k] = M[k]; }
        console.log(JSON.stringify({shown: layer.setFilter({start: 3}), kept: layer._filter}));""")
    assert out == {"shown": 0, "kept": {"start": 3}}
