// Just enough of Leaflet and the DOM for the layers' scripts to run in node (tests/jsharness.py).
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
