"""The tile fallback (layers/js/tilefallback.js) in node: when it switches, and that it never switches inside
Leaflet's own event handler."""

from __future__ import annotations

from jsharness import needs_node, run_js

# A map and a tile layer with just the events the script listens to; timers run when the test says.
SETUP = r"""
var timers = [];
window.setTimeout = function (f, ms) { timers.push({ f: f, ms: ms }); return timers.length; };
window.clearTimeout = function (id) { if (timers[id - 1]) { timers[id - 1].f = null; } };
function runTimers(maxMs) {
  timers.forEach(function (t) { if (t.f && t.ms <= maxMs) { var f = t.f; t.f = null; f(); } });
}
function evented() {
  var handlers = {};
  return {
    on: function (name, f) { (handlers[name] = handlers[name] || []).push(f); return this; },
    fire: function (name, e) { (handlers[name] || []).forEach(function (f) { f(e || {}); }); }
  };
}
var tiles = evented(), outline = {}, inHandler = false, log = [];
var map = evented();
map.layers = [tiles];
map.controls = [];
map.hasLayer = function (l) { return map.layers.indexOf(l) >= 0; };
map.removeLayer = function (l) {
  log.push(inHandler ? "removed-inside-handler" : "removed");
  map.layers.splice(map.layers.indexOf(l), 1);
};
map.addLayer = function (l) { map.layers.push(l); };
map.addControl = function (c) { map.controls.push(c.onAdd(map)); };
map.removeControl = function () { map.controls.pop(); };
function fireInside(name) { inHandler = true; tiles.fire(name); inHandler = false; }
function state() {
  return { log: log.slice(), outline: map.hasLayer(outline), tiles: map.hasLayer(tiles),
           notice: map.controls.map(function (c) { return c.children[0].text; }) };
}
"""


@needs_node
def test_tiles_that_hang_give_way_to_the_outline_map_after_the_wait(tmp_path):
    out = run_js(tmp_path, SETUP + r"""
    L.iceTileFallback(map, tiles, outline, { wait: 5000 });
    var before = state();
    runTimers(5000);
    console.log(JSON.stringify({ before: before, after: state() }));
    """, scripts=("tilefallback.js",))
    assert out["before"]["tiles"] and not out["before"]["outline"] and out["before"]["notice"] == []
    assert out["after"]["outline"] and not out["after"]["tiles"]
    assert out["after"]["notice"] == ["Map tiles did not load: showing the outline map."]


@needs_node
def test_failed_tiles_switch_after_leaflets_handler_returns(tmp_path):
    out = run_js(tmp_path, SETUP + r"""
    L.iceTileFallback(map, tiles, outline, { wait: 5000 });
    fireInside("tileerror"); fireInside("tileerror"); fireInside("load");
    var during = state();
    runTimers(0);
    console.log(JSON.stringify({ during: during, after: state() }));
    """, scripts=("tilefallback.js",))
    assert out["during"]["tiles"] and out["during"]["log"] == []
    assert out["after"]["log"] == ["removed"] and out["after"]["outline"]


@needs_node
def test_one_loaded_tile_keeps_the_tiles(tmp_path):
    out = run_js(tmp_path, SETUP + r"""
    L.iceTileFallback(map, tiles, outline, { wait: 5000 });
    tiles.fire("tileload"); tiles.fire("tileerror"); tiles.fire("load");
    runTimers(10000);
    console.log(JSON.stringify(state()));
    """, scripts=("tilefallback.js",))
    assert out["tiles"] and not out["outline"] and out["notice"] == [] and out["log"] == []
