"""The canvas layer's points as a file: packed in Python, fetched and decoded from an ArrayBuffer
in node, and a page whose size does not grow with the number of points."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from jsharness import needs_node, run_js
from test_layer_time import mixed_incidents

from geodata.core.schema import CATEGORIES
from geodata.view.selection import filter_incidents
from layers import base_map, compose_map, incidents_layer
from layers._compact import ALIGN, decode_column, pack_columns, quantised_column, typed_column

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_map_scale import realistic_incidents  # noqa: E402

KEYS = ["lon", "lat", "color", "shape", "hollow", "u", "day0", "day1", "dx", "dy", "category"]

# A fetch that serves FILES ({url: base64}) as ArrayBuffers, and says 404 for anything else.
FETCH = """
var asked = [];
global.fetch = function (url) {
  asked.push(url);
  if (!(url in FILES)) { return Promise.resolve({ ok: false, status: 404 }); }
  var bytes = Uint8Array.from(Buffer.from(FILES[url], "base64"));
  return Promise.resolve({ ok: true, status: 200, arrayBuffer: function () { return Promise.resolve(bytes.buffer); } });
};
function columns(l) { var o = {}; KEYS.forEach(function (k) { o[k] = Array.from(l._data[k]); }); return o; }
"""


def files_of(layer) -> dict:
    name, data = layer.points_file()
    return {f"points/{name}": base64.b64encode(data).decode("ascii")}


def test_pack_columns_moves_every_typed_column_into_one_aligned_buffer():
    data = {"lon": quantised_column([-93.2, -93.1, -70.0]), "day0": typed_column([1, 2, 3], "u2"),
            "r": 5.0, "palette": ["#000"],
            "sparse": [{"name": "day1", "index": typed_column([2], "u4"), "values": typed_column([9], "u2"),
                        "scale": 1, "like": "day0"}]}
    head, buffer = pack_columns(data)
    assert "b64" not in json.dumps(head) and head["r"] == 5.0 and head["palette"] == ["#000"]
    moved = [head["lon"], head["day0"], head["sparse"][0]["index"], head["sparse"][0]["values"]]
    assert all(col["at"] % ALIGN == 0 for col in moved)
    assert [col["len"] for col in moved] == [3, 3, 1, 1]
    np.testing.assert_allclose(decode_column(head["lon"], buffer), [-93.2, -93.1, -70.0], atol=1e-5)
    assert decode_column(head["sparse"][0]["values"], buffer).tolist() == [9]
    with pytest.raises(ValueError, match="packed file"):
        decode_column(head["day0"])


@needs_node
def test_the_browser_decodes_the_points_file_to_what_python_drew(tmp_path):
    gdf = mixed_incidents()
    inline = incidents_layer(gdf, records_url="r")
    layer = incidents_layer(gdf, records_url="r", points_url="points/")
    name, data = layer.points_file()
    assert layer.data["file"] == {"url": f"points/{name}", "bytes": len(data)} and layer.data["n"] == len(gdf)
    assert "b64" not in layer.to_json()
    out = run_js(
        tmp_path,
        FETCH + "var l = new L.CanvasPointLayer(DATA, {}), before = [l.isLoaded(), l.pointCount()];"
        "l.loaded().then(function () {"
        "  console.log(JSON.stringify({ before: before, after: [l.isLoaded(), l.pointCount(), l.totalCount()],"
        "    asked: asked, columns: columns(l) })); });",
        DATA=json.loads(layer.to_json()), FILES=files_of(layer), KEYS=KEYS,
    )
    assert out["before"] == [False, 0] and out["after"] == [True, len(gdf), len(gdf)]
    assert out["asked"] == [f"points/{name}"]
    # The same columns, from the page.
    want = run_js(tmp_path, FETCH + "console.log(JSON.stringify(columns(new L.CanvasPointLayer(DATA, {}))));",
                  DATA=json.loads(inline.to_json()), KEYS=KEYS, FILES={})
    assert out["columns"] == want
    assert any(out["columns"]["dx"]) and any(np.subtract(out["columns"]["day1"], out["columns"]["day0"]))
    for key in ("color", "shape", "hollow", "u", "day0", "day1", "category"):
        assert out["columns"][key] == layer.column(key).astype(int).tolist(), key


@needs_node
def test_a_filter_set_before_the_points_arrive_applies_when_they_do(tmp_path):
    gdf = mixed_incidents()
    layer = incidents_layer(gdf, records_url="r", points_url="points")
    out = run_js(
        tmp_path,
        FETCH + "var l = new L.CanvasPointLayer(DATA, {});"
        "var t = new L.IceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: CATS,"
        "  bar: false, poll: false, search: '?start=2025-12-10&end=2026-01-05&category=arrest,protest' });"
        "var before = [t.shown, l.pointCount()];"
        "l.loaded().then(function () { return Promise.resolve(); }).then(function () {"  # after the time bar's turn
        "  console.log(JSON.stringify({ before: before, after: [t.shown, l.pointCount()] })); });",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()), FILES=files_of(layer), KEYS=KEYS,
        CATS=list(CATEGORIES),
    )
    want = len(filter_incidents(gdf, "2025-12-10", "2026-01-05", ["arrest", "protest"]))
    assert out["before"] == [0, 0]
    assert out["after"] == [want, want] and 0 < want < len(gdf)


@needs_node
@pytest.mark.parametrize("files, message", [({}, "HTTP 404"), ("short", "bytes, not")])
def test_a_points_file_that_cannot_be_read_says_so_and_draws_nothing(tmp_path, files, message):
    layer = incidents_layer(mixed_incidents(), records_url="r", points_url="points")
    if files == "short":
        name, data = layer.points_file()
        files = {f"points/{name}": base64.b64encode(data[:-3]).decode("ascii")}
    out = run_js(
        tmp_path,
        FETCH + "var l = new L.CanvasPointLayer(DATA, { name: 'Incidents' });"
        "l.loaded().then(function () { console.log(JSON.stringify({ error: l._loadError.message,"
        "  ready: l.isLoaded(), n: l.setFilter({ start: 0, end: 99999 }), count: l.pointCount() })); });",
        DATA=json.loads(layer.to_json()), FILES=files, KEYS=KEYS,
    )
    assert message in out["error"] and out["ready"] is False and out["n"] == out["count"] == 0


def _page_bytes(n: int, **urls) -> int:
    layer = incidents_layer(realistic_incidents(n), **urls)
    m = base_map(tiles=None, leaflet_url="leaflet", script_url="js")
    compose_map(m, [layer], time_range=("2022-10-01", "2026-03-10"))
    return len(m.get_root().render().encode("utf-8"))


def test_the_page_does_not_grow_with_the_points_when_they_are_a_file():
    small, large = (_page_bytes(n, records_url="r", points_url="p") for n in (1_000, 10_000))
    assert abs(large - small) < 200, (small, large)  # a few digits (n, the file's size) differ
    # The columns in the page (the fallback without points_url) grow with every point.
    inline_small, inline_large = (_page_bytes(n, records_url="r") for n in (1_000, 10_000))
    assert inline_large - inline_small > 9_000 * 9


def _facilities(**urls):
    from test_layer_time import _map_layer

    from geodata import load_bundle

    return _map_layer(load_bundle(), "hollow", **urls)


# The facility layer under a time filter: its sizes and how many it shows once its columns are in.
_RANGE_JS = FETCH + """
var l = new L.CanvasPointLayer(DATA, {});
var t = new L.IceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: [], bar: false,
                                 poll: false, search: '?start=2023-03-15&end=2024-02-10' });
var before = l.isLoaded() ? null : [t.shown, l.pointCount()];
l.loaded().then(function () { return Promise.resolve(); }).then(function () {
  console.log(JSON.stringify({ before: before, asked: asked, r: Array.from(l._data.r), shown: l.pointCount(),
                               hollow: Array.from(l._data.hollow) })); });
"""


@needs_node
def test_a_facility_layers_months_come_in_its_file_and_size_it_as_in_the_page(tmp_path):
    inline, layer = _facilities(), _facilities(points_url="points")
    page, inline_page = layer.to_json(), inline.to_json()
    # The months (several hundred kB of base64) travel once, as a file the browser caches, not in every page.
    assert "b64" not in page and len(page) < len(inline_page) / 5, (len(page), len(inline_page))
    name, data = layer.points_file()
    assert json.loads(page)["range"]["series"]["at"] % ALIGN == 0 and len(data) > 100_000
    out = run_js(tmp_path, _RANGE_JS, scripts=("canvas.js", "timebar.js"), DATA=json.loads(page),
                 FILES=files_of(layer), KEYS=KEYS)
    want = run_js(tmp_path, _RANGE_JS, scripts=("canvas.js", "timebar.js"), DATA=json.loads(inline_page),
                  FILES={}, KEYS=KEYS)
    assert out["before"] == [0, 0] and out["asked"] == [f"points/{name}"]
    assert out["shown"] == want["shown"] and 0 < want["shown"] < len(inline)
    assert out["r"] == want["r"] and out["hollow"] == want["hollow"]
