"""Run the layers' JavaScript in node, with just enough of Leaflet and the DOM mocked.

``run_js(tmp_path, body, **values)`` loads the canvas layer's script from its
file (``layers/js/canvas.js``, and with ``scripts=`` other files of
``layers/js/``), binds each keyword as a JavaScript variable (as JSON) and runs
``body``, which must ``console.log(JSON.stringify(...))`` one result; the parsed
result is returned (``body`` may log it when a promise settles).  Setting
``innerHTML`` on a mocked element throws, so a test fails
if any code path parses markup.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from layers import SCRIPTS_DIR

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

PRELUDE = r"""
function el(tag, ns) {
  return {
    tag: tag, ns: ns || null, attrs: {}, children: [], className: "", style: {},
    setAttribute: function (k, v) { this.attrs[k] = String(v); },
    appendChild: function (c) { this.children.push(c); return c; },
    set textContent(v) { this.children = [{ tag: "#text", text: String(v) }]; },
    set innerHTML(v) { throw new Error("innerHTML used"); },
    set outerHTML(v) { throw new Error("outerHTML used"); },
    insertAdjacentHTML: function () { throw new Error("insertAdjacentHTML used"); }
  };
}
// A 2D context that records nothing but what the tests look at.
function mockContext() {
  var ctx = { calls: { fill: 0, stroke: 0, drawImage: 0, fillText: [] } };
  ["setTransform", "clearRect", "beginPath", "moveTo", "lineTo", "arc", "closePath", "setLineDash",
   "putImageData"].forEach(function (k) { ctx[k] = function () {}; });
  ctx.fill = function () { ctx.calls.fill++; };
  ctx.stroke = function () { ctx.calls.stroke++; };
  ctx.drawImage = function () { ctx.calls.drawImage++; };
  ctx.fillText = function (t) { ctx.calls.fillText.push(String(t)); };
  ctx.createImageData = function (w, h) { return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }; };
  return ctx;
}
var doc = {
  createElement: function (tag) {
    var e = el(tag);
    if (tag === "canvas") { var c = mockContext(); e.getContext = function () { return c; }; }
    return e;
  },
  createElementNS: function (ns, tag) { return el(tag, ns); },
  createTextNode: function (t) { return { tag: "#text", text: String(t) }; }
};
global.document = doc;
// Timers run only when a test calls window.tick() (the last callback set).
global.window = {
  devicePixelRatio: 1,
  setInterval: function (f) { window.tick = f; return 1; },
  clearInterval: function () { window.tick = null; }
};
function extend(p) {
  var C = function () { if (this.initialize) { this.initialize.apply(this, arguments); } };
  C.prototype = p;
  return C;
}
global.L = {
  Layer: { extend: extend },
  Control: { extend: extend },
  setOptions: function (obj, opts) {
    var o = {}, k;
    for (k in obj.options) { o[k] = obj.options[k]; }
    for (k in opts) { o[k] = opts[k]; }
    obj.options = o;
    return o;
  },
  latLng: function (lat, lng) { return { lat: lat, lng: lng }; }
};
// Web Mercator at zoom 0 (256 px), as Leaflet's L.CRS.EPSG3857.
var CRS = {
  latLngToPoint: function (ll, zoom) {
    var s = 256 * Math.pow(2, zoom), sin = Math.sin(ll.lat * Math.PI / 180);
    return { x: s * (ll.lng + 180) / 360, y: s * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) };
  }
};
// A layer drawn on a mocked canvas: no map, no DOM, just its data and options.
function offlineLayer(data, options) {
  var layer = new L.CanvasPointLayer(data, options || {});
  layer._projectAll({ options: { crs: CRS } });
  layer._canvas = { width: 0, height: 0, style: {} };
  layer._ctx = mockContext();
  return layer;
}
function drawAt(layer, zoom, w, h, originX, originY) {
  layer._zoom = zoom;
  layer._draw(w, h, Math.pow(2, zoom), { x: originX, y: originY });
  return layer;
}
"""


def load_scripts(*names: str) -> str:
    """JavaScript that runs the files ``names`` of ``layers/js/`` in order, each from its path."""
    return "".join(f"require({json.dumps(str(SCRIPTS_DIR / name))});\n" for name in names)


def run_js(tmp_path, body: str, scripts=("canvas.js",), **values) -> dict:
    if NODE is None:
        pytest.skip("node is not installed")
    binds = "".join(f"var {name} = {json.dumps(value)};\n" for name, value in values.items())
    script = f"{PRELUDE}\n{load_scripts(*scripts)}{binds}{body}\n"
    path = tmp_path / "harness.js"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([NODE, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def walk(node):
    yield node
    for child in node.get("children", []):
        yield from walk(child)


def text_of(node) -> str:
    return "".join(n.get("text", "") for n in walk(node))
