"""A Folium layer that draws many points on one canvas.

Folium's own markers become one Leaflet object (and one block of JavaScript)
per point, which makes a 100,000-point page tens of megabytes and slow to open.
:class:`CanvasPointLayer` instead embeds one columnar JSON object and draws it
with a small ``L.Layer`` subclass on its own ``<canvas>``.  Popups are built with
DOM calls (``textContent``, ``createElementNS``), so text from the data is never
parsed as HTML.

The same data can be drawn three ways (``mode``):

* ``points``: one symbol per point (a shape and a colour), with a dashed
  circle in metres around a point whose place is only roughly known;
* ``clusters``: below ``cluster_max_zoom``, points that share a screen cell of
  ``cluster_cell`` pixels (aligned on the world's pixel grid, so clusters stay
  put while the map pans) become one numbered circle whose ring shows the mix
  of colours; a click zooms in (or lists the records when they all share one
  spot).  A cell with one point shows the point;
* ``heat``: below ``heat_max_zoom``, a kernel density of the points on screen
  (counted on a grid of 3 px, blurred to about a Gaussian of ``heat_radius``
  / 2 pixels, coloured by :data:`HEAT_RAMP` on a log scale from one lone
  point's worth to the densest spot in view); from that zoom on, the points
  themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from branca.element import Element
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template

from layers._prepare import clean_values
from layers._symbols import SHAPES

#: Decimal places kept for longitude and latitude: 1e-5 degrees is about a metre.
COORD_DECIMALS = 5

FIELD_KINDS = ("text", "title", "links", "list", "series")

MODES = ("points", "clusters", "heat")

#: The heat map's colours from the faintest to the densest spot (ColorBrewer YlOrRd).
HEAT_RAMP: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffcc"),
    (0.25, "#fed976"),
    (0.45, "#fd8d3c"),
    (0.7, "#e31a1c"),
    (1.0, "#800026"),
)

#: Digits of the packed dictionary codes: printable ASCII that needs no escape
#: in JSON or in a <script> (no quote, backslash, <, > or &), and no "{" that
#: could start a Jinja tag.
CODE_ALPHABET = "".join(chr(c) for c in range(35, 127) if chr(c) not in "&<>\\{")

_CSS = """
<style>
.cpl-popup { font: 12px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
.cpl-popup .cpl-title { font-size: 13px; margin-bottom: 3px; }
.cpl-popup .cpl-label { color: #555; }
.cpl-popup .cpl-row { overflow-wrap: anywhere; }
.cpl-popup .cpl-record + .cpl-record { border-top: 1px solid #ccc; margin-top: 6px; padding-top: 6px; }
.cpl-popup .cpl-note { font-style: italic; color: #555; margin-bottom: 4px; }
.cpl-popup .cpl-list { margin: 1px 0 3px; padding-left: 16px; }
.cpl-popup .cpl-list li { overflow-wrap: anywhere; }
.cpl-popup .cpl-spark { margin: 2px 0 4px; }
.cpl-popup .cpl-spark svg { display: block; }
.cpl-popup .cpl-spark-caption { color: #555; font-size: 11px; }
.cpl-layer { font: 600 11px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; text-transform: uppercase;
  letter-spacing: .04em; color: #333; border-bottom: 2px solid #bbb; margin: 8px 0 4px; }
.cpl-layer:first-child { margin-top: 0; }
</style>
"""

# Defined once per page, whatever the number of layers.  Everything the data
# can reach goes through textContent / createTextNode / setAttribute.
_CLASS_JS = r"""
(function () {
  "use strict";
  if (L.CanvasPointLayer) { return; }

  var WEB_URL = /^https?:\/\//i;
  var MAX_RECORDS = 25;
  var MAX_LIST = 12;
  var SVG_NS = "http://www.w3.org/2000/svg";
  // Metres round the equator: a pixel at zoom 0 spans EARTH / 256 m there.
  var EARTH = 40075016.686;
  var layerCount = 0;

  // Dictionary-coded fields keep their codes in one string, `width`
  // characters of CODE_ALPHABET per point (base 88, 0 meaning missing).
  var CODE_ALPHABET = __CODE_ALPHABET__;
  var DIGIT = new Int16Array(128);
  for (var a = 0; a < CODE_ALPHABET.length; a++) { DIGIT[CODE_ALPHABET.charCodeAt(a)] = a; }

  // Symbol outlines in units of the radius (layers/_symbols.py); null is a circle.
  var SHAPES = __SHAPES__;
  var HEAT_RAMP = __HEAT_RAMP__;

  function valueAt(field, i) {
    if (!field.levels) { return field.values[i]; }
    var w = field.width, code = 0;
    for (var j = 0; j < w; j++) {
      code = code * CODE_ALPHABET.length + DIGIT[field.codes.charCodeAt(i * w + j)];
    }
    return code === 0 ? null : field.levels[code - 1];
  }

  // A column is one number for every point, a list, or a string of codes
  // (one CODE_ALPHABET character per point).
  function column(value, i) {
    if (typeof value === "number") { return value; }
    return typeof value === "string" ? DIGIT[value.charCodeAt(i)] : value[i];
  }

  function hostOf(url) {
    var host = url.replace(WEB_URL, "").split(/[\/?#]/)[0].replace(/^www\./i, "");
    return host || url;
  }

  // Only http(s) URLs become links; anything else (javascript:, data:) is text.
  function appendLinks(parent, text, doc) {
    var first = true;
    text.split(/\s+/).forEach(function (url) {
      if (!url) { return; }
      if (!first) { parent.appendChild(doc.createTextNode(" ")); }
      first = false;
      if (WEB_URL.test(url)) {
        var a = doc.createElement("a");
        a.setAttribute("href", url);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        a.setAttribute("title", url);
        a.textContent = hostOf(url);
        parent.appendChild(a);
      } else {
        parent.appendChild(doc.createTextNode(url));
      }
    });
  }

  function appendList(parent, items, doc) {
    var ul = doc.createElement("ul");
    ul.className = "cpl-list";
    var shown = Math.min(items.length, MAX_LIST);
    for (var k = 0; k < shown; k++) {
      var li = doc.createElement("li");
      li.textContent = String(items[k]);
      ul.appendChild(li);
    }
    if (items.length > shown) {
      var more = doc.createElement("li");
      more.className = "cpl-note";
      more.textContent = "\u2026 and " + (items.length - shown) + " more";
      ul.appendChild(more);
    }
    parent.appendChild(ul);
  }

  function formatNumber(v) {
    var rounded = v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
    return rounded.toLocaleString("en-US");
  }

  function svgEl(doc, tag, attrs) {
    var el = doc.createElementNS(SVG_NS, tag);
    for (var k in attrs) { el.setAttribute(k, String(attrs[k])); }
    return el;
  }

  // A small line chart of a series along `axis` (months), built with DOM calls
  // only.  null values are gaps; the caption says the span, peak and last value.
  function sparkline(doc, axis, values, unit) {
    var W = 240, H = 52, TOP = 5, BOTTOM = 3, SIDE = 2;
    var n = Math.min(axis.length, values.length), max = 0, peak = -1, last = -1, i, v;
    for (i = 0; i < n; i++) {
      v = values[i];
      if (v === null || v === undefined) { continue; }
      if (peak < 0 || v > max) { max = v; peak = i; }
      last = i;
    }
    var summary = last < 0 ? "no figures" :
      (unit ? unit.charAt(0).toUpperCase() + unit.slice(1) + ", " : "") + axis[0] + " to " + axis[n - 1] +
      ": peak " + formatNumber(max) + " (" + axis[peak] + "), last " + formatNumber(values[last]) +
      " (" + axis[last] + ")";
    var wrap = doc.createElement("div");
    wrap.className = "cpl-spark";
    var svg = svgEl(doc, "svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                                   "aria-label": summary });
    var title = svgEl(doc, "title", {});
    title.textContent = summary;
    svg.appendChild(title);
    function px(k) { return (SIDE + (n > 1 ? k * (W - 2 * SIDE) / (n - 1) : (W - 2 * SIDE) / 2)).toFixed(1); }
    function py(val) { return (H - BOTTOM - (max > 0 ? val / max : 0) * (H - TOP - BOTTOM)).toFixed(1); }
    var floor = (H - BOTTOM).toFixed(1), line = "", area = "", open = false, startX = "0", prevX = "0";
    for (i = 0; i < n; i++) {
      v = values[i];
      if (v === null || v === undefined) {
        if (open) { area += "L" + prevX + "," + floor + "L" + startX + "," + floor + "Z"; open = false; }
        continue;
      }
      var x = px(i), y = py(v);
      if (!open) {
        line += "M" + x + "," + y;
        area += "M" + x + "," + floor + "L" + x + "," + y;
        startX = x; open = true;
      } else {
        line += "L" + x + "," + y;
        area += "L" + x + "," + y;
      }
      prevX = x;
    }
    if (open) { area += "L" + prevX + "," + floor + "Z"; }
    svg.appendChild(svgEl(doc, "line", { x1: SIDE, y1: floor, x2: W - SIDE, y2: floor, stroke: "#bbbbbb",
                                         "stroke-width": 1 }));
    if (line) {
      svg.appendChild(svgEl(doc, "path", { d: area, fill: "#2171b5", "fill-opacity": 0.18, stroke: "none" }));
      svg.appendChild(svgEl(doc, "path", { d: line, fill: "none", stroke: "#2171b5", "stroke-width": 1.4,
                                           "stroke-linejoin": "round" }));
      svg.appendChild(svgEl(doc, "circle", { cx: px(peak), cy: py(max), r: 2.2, fill: "#08306b" }));
    }
    wrap.appendChild(svg);
    var caption = doc.createElement("div");
    caption.className = "cpl-spark-caption";
    caption.textContent = summary;
    wrap.appendChild(caption);
    return wrap;
  }

  function buildContent(data, ids, doc) {
    var root = doc.createElement("div");
    root.className = "cpl-popup";
    var shown = Math.min(ids.length, MAX_RECORDS);
    if (ids.length > 1) {
      var head = doc.createElement("div");
      head.className = "cpl-note";
      head.textContent = ids.length + " records at this spot";
      root.appendChild(head);
    }
    for (var k = 0; k < shown; k++) {
      var rec = doc.createElement("div");
      rec.className = "cpl-record";
      for (var f = 0; f < data.fields.length; f++) {
        var field = data.fields[f];
        var v = valueAt(field, ids[k]);
        if (v === null || v === undefined || v === "" || (field.kind === "list" && !v.length)) { continue; }
        if (field.kind === "title") {
          var title = doc.createElement("div");
          title.className = "cpl-title";
          var strong = doc.createElement("strong");
          strong.textContent = String(v);
          title.appendChild(strong);
          rec.appendChild(title);
          continue;
        }
        var row = doc.createElement("div");
        row.className = "cpl-row";
        var label = doc.createElement("span");
        label.className = "cpl-label";
        label.textContent = field.label + ": ";
        row.appendChild(label);
        if (field.kind === "links") {
          appendLinks(row, String(v), doc);
        } else if (field.kind === "list") {
          row.appendChild(doc.createTextNode(String(v.length)));
        } else if (field.kind !== "series") {
          row.appendChild(doc.createTextNode(String(v)));
        }
        rec.appendChild(row);
        if (field.kind === "list") { appendList(rec, v, doc); }
        if (field.kind === "series") { rec.appendChild(sparkline(doc, field.axis, v, field.unit)); }
      }
      root.appendChild(rec);
    }
    if (ids.length > shown) {
      var more = doc.createElement("div");
      more.className = "cpl-note";
      more.textContent = "\u2026 and " + (ids.length - shown) + " more; zoom in to separate them";
      root.appendChild(more);
    }
    return root;
  }

  // Bucket the drawn items by screen cell (a counting sort), so that a click
  // looks at the 3x3 cells around it instead of every point.
  function buildGrid(xs, ys, ids, count, width, height, cell) {
    var cols = Math.max(1, Math.ceil(width / cell));
    var rows = Math.max(1, Math.ceil(height / cell));
    var cells = cols * rows;
    var start = new Int32Array(cells + 1);
    var cellOf = new Int32Array(count);
    var k, c;
    for (k = 0; k < count; k++) {
      var cx = Math.min(cols - 1, Math.max(0, Math.floor(xs[k] / cell)));
      var cy = Math.min(rows - 1, Math.max(0, Math.floor(ys[k] / cell)));
      c = cy * cols + cx;
      cellOf[k] = c;
      start[c + 1]++;
    }
    for (c = 0; c < cells; c++) { start[c + 1] += start[c]; }
    var next = start.slice(0, cells);
    var items = new Int32Array(count);
    for (k = 0; k < count; k++) { items[next[cellOf[k]]++] = k; }
    return { cols: cols, rows: rows, cell: cell, start: start, items: items,
             xs: xs, ys: ys, ids: ids };
  }

  // Ids of the items under (x, y): the topmost whose disc holds the spot, else
  // the one whose edge is nearest (within `tol` px), followed by any others
  // drawn at the same spot.  Null when nothing is there.
  function queryGrid(grid, x, y, radius, tol) {
    var cx = Math.floor(x / grid.cell), cy = Math.floor(y / grid.cell);
    var hits = [], gaps = [];
    for (var gy = cy - 1; gy <= cy + 1; gy++) {
      if (gy < 0 || gy >= grid.rows) { continue; }
      for (var gx = cx - 1; gx <= cx + 1; gx++) {
        if (gx < 0 || gx >= grid.cols) { continue; }
        var c = gy * grid.cols + gx;
        for (var p = grid.start[c]; p < grid.start[c + 1]; p++) {
          var k = grid.items[p];
          var dx = grid.xs[k] - x, dy = grid.ys[k] - y;
          var gap = Math.sqrt(dx * dx + dy * dy) - radius(grid.ids[k]);
          if (gap <= tol) { hits.push(k); gaps.push(gap); }
        }
      }
    }
    if (!hits.length) { return null; }
    var best = -1, bestGap = Infinity, inside = false;
    for (var h = 0; h < hits.length; h++) {
      if (gaps[h] <= 0) {
        // Later-drawn items are on top.
        if (!inside || hits[h] > best) { best = hits[h]; inside = true; }
      } else if (!inside && gaps[h] < bestGap) {
        best = hits[h]; bestGap = gaps[h];
      }
    }
    var bx = grid.xs[best], by = grid.ys[best];
    var same = hits.filter(function (k) {
      return k !== best && Math.abs(grid.xs[k] - bx) < 1 && Math.abs(grid.ys[k] - by) < 1;
    }).sort(function (a, b) { return b - a; });
    return [best].concat(same).map(function (k) { return grid.ids[k]; });
  }

  // Points (world pixel coordinates wx, wy at the current zoom) counted in
  // square cells of `size` px of the world's pixel grid, cells gx0.. and gy0..
  // (cols x rows).  Per cell: the number of points, the sum of their
  // coordinates, the first point, and how many have each colour.
  function clusterGrid(wx, wy, count, size, gx0, gy0, cols, rows, colorOf, nColors) {
    var cells = cols * rows;
    var n = new Int32Array(cells), first = new Int32Array(cells).fill(-1), cellOf = new Int32Array(count);
    var sx = new Float64Array(cells), sy = new Float64Array(cells), mix = new Int32Array(cells * nColors);
    for (var k = 0; k < count; k++) {
      var cx = Math.floor(wx[k] / size) - gx0, cy = Math.floor(wy[k] / size) - gy0;
      if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) { cellOf[k] = -1; continue; }
      var c = cy * cols + cx;
      cellOf[k] = c;
      if (!n[c]) { first[c] = k; }
      n[c]++;
      sx[c] += wx[k];
      sy[c] += wy[k];
      mix[c * nColors + colorOf(k)]++;
    }
    return { size: size, gx0: gx0, gy0: gy0, cols: cols, rows: rows, n: n, first: first, cellOf: cellOf,
             sx: sx, sy: sy, mix: mix, nColors: nColors };
  }

  // Screen points (xs, ys) counted in cells of `cell` px over the canvas and a
  // margin round it: the heat map's grid, before blurring.
  function heatGrid(xs, ys, count, width, height, cell, margin) {
    var cols = Math.max(1, Math.ceil((width + 2 * margin) / cell));
    var rows = Math.max(1, Math.ceil((height + 2 * margin) / cell));
    var n = new Float32Array(cols * rows), inside = 0;
    for (var k = 0; k < count; k++) {
      var cx = Math.floor((xs[k] + margin) / cell), cy = Math.floor((ys[k] + margin) / cell);
      if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) { continue; }
      n[cy * cols + cx]++;
      inside++;
    }
    return { cols: cols, rows: rows, cell: cell, margin: margin, n: n, count: inside };
  }

  // Box radius whose `passes` repeated box blurs come close to a Gaussian of
  // standard deviation `sigma` (in cells).
  function boxRadius(sigma, passes) {
    return Math.max(1, Math.round((Math.sqrt(12 * sigma * sigma / passes + 1) - 1) / 2));
  }

  // Blur a cols x rows grid in place with `passes` box blurs of `radius` each
  // way (running sums: the cost does not depend on the radius).  What falls
  // off the edge is lost; everything else keeps its total.
  function blurGrid(grid, cols, rows, radius, passes) {
    var tmp = new Float32Array(grid.length), size = 2 * radius + 1, x, y, acc, row;
    for (var p = 0; p < passes; p++) {
      for (y = 0; y < rows; y++) {
        row = y * cols; acc = 0;
        for (x = -radius; x < cols + radius; x++) {
          if (x + radius < cols) { acc += grid[row + x + radius]; }
          if (x - radius - 1 >= 0) { acc -= grid[row + x - radius - 1]; }
          if (x >= 0 && x < cols) { tmp[row + x] = acc / size; }
        }
      }
      for (x = 0; x < cols; x++) {
        acc = 0;
        for (y = -radius; y < rows + radius; y++) {
          if (y + radius < rows) { acc += tmp[(y + radius) * cols + x]; }
          if (y - radius - 1 >= 0) { acc -= tmp[(y - radius - 1) * cols + x]; }
          if (y >= 0 && y < rows) { grid[y * cols + x] = acc / size; }
        }
      }
    }
    return grid;
  }

  // The density at a lone point after blurring: one point's worth of heat.
  function unitPeak(radius, passes) {
    var side = 2 * radius * passes + 3, g = new Float32Array(side * side), mid = (side - 1) / 2;
    g[mid * side + mid] = 1;
    blurGrid(g, side, side, radius, passes);
    return g[mid * side + mid];
  }

  // Where a density `v` falls on the colour ramp (0..1): on a log scale from a
  // lone point's worth (`unit`) to the densest spot in view (`max`).
  function heatLevel(v, unit, max) {
    if (!(v > 0) || !(max > 0)) { return 0; }
    var top = Math.log(1 + max / unit);
    return top > 0 ? Math.min(1, Math.log(1 + v / unit) / top) : 1;
  }

  // 256 RGBA colours interpolated along [[position, "#rrggbb"], ...].
  function heatRamp(stops) {
    var out = new Uint8ClampedArray(256 * 4);
    function rgb(hex) { return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); }); }
    for (var i = 0; i < 256; i++) {
      var t = i / 255, s = 0;
      while (s < stops.length - 2 && t > stops[s + 1][0]) { s++; }
      var a = stops[s], b = stops[s + 1], span = b[0] - a[0];
      var f = span > 0 ? Math.min(1, Math.max(0, (t - a[0]) / span)) : 0;
      var ca = rgb(a[1]), cb = rgb(b[1]);
      for (var j = 0; j < 3; j++) { out[i * 4 + j] = Math.round(ca[j] + (cb[j] - ca[j]) * f); }
      out[i * 4 + 3] = 255;
    }
    return out;
  }

  function clusterLabel(n) {
    return n < 10000 ? n.toLocaleString("en-US") : Math.round(n / 1000) + "k";
  }

  function clusterRadius(n) { return Math.min(30, 11 + 4.5 * Math.log(n) / Math.LN10); }

  function tracePoint(ctx, verts, x, y, r) {
    if (!verts) {
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      return;
    }
    ctx.moveTo(x + verts[0][0] * r, y + verts[0][1] * r);
    for (var k = 1; k < verts.length; k++) { ctx.lineTo(x + verts[k][0] * r, y + verts[k][1] * r); }
    ctx.closePath();
  }

  // One click and one mousemove handler per map, shared by its point layers,
  // so the topmost layer answers and two layers never open two popups.
  function register(map, layer) {
    if (!map._cplLayers) {
      map._cplLayers = [];
      map.on("click", onMapClick, map);
      map.on("mousemove", onMapMove, map);
      map.on("mouseout", function () { setPointer(map, false); });
    }
    map._cplLayers.push(layer);
  }

  function unregister(map, layer) {
    var at = map._cplLayers ? map._cplLayers.indexOf(layer) : -1;
    if (at >= 0) { map._cplLayers.splice(at, 1); }
    setPointer(map, false);
  }

  // Every layer's items under the cursor, topmost layer first.  A cluster's id
  // is negative (-1 - its index).
  function hitsAt(map, containerPoint) {
    var layers = map._cplLayers.slice().sort(function (a, b) {
      return (b._zIndex - a._zIndex) || (b._order - a._order);
    });
    var found = [];
    for (var k = 0; k < layers.length; k++) {
      var ids = layers[k]._hitTest(containerPoint);
      if (ids) { found.push({ layer: layers[k], ids: ids }); }
    }
    return found;
  }

  function hitAt(map, containerPoint) {
    return hitsAt(map, containerPoint)[0] || null;
  }

  // One popup for everything at the spot: deaths drawn on a facility must not
  // hide the facility's own record, so each layer's records get a heading.
  // A click on a cluster zooms in to it instead.
  function onMapClick(e) {
    var found = hitsAt(this, e.containerPoint);
    if (!found.length) { return; }
    if (found[0].ids[0] < 0) {
      found[0].layer._openCluster(-1 - found[0].ids[0]);
      return;
    }
    found = found.map(function (hit) {
      return { layer: hit.layer, ids: hit.ids.filter(function (id) { return id >= 0; }) };
    }).filter(function (hit) { return hit.ids.length; });
    var root = document.createElement("div");
    for (var k = 0; k < found.length; k++) {
      if (found.length > 1 && found[k].layer.options.name) {
        var head = document.createElement("div");
        head.className = "cpl-layer";
        head.textContent = found[k].layer.options.name;
        root.appendChild(head);
      }
      root.appendChild(buildContent(found[k].layer._data, found[k].ids, document));
    }
    found[0].layer._openPopup(found[0].ids, root);
  }

  function onMapMove(e) {
    var map = this;
    map._cplLastPoint = e.containerPoint;
    if (map._cplFrame) { return; }
    map._cplFrame = L.Util.requestAnimFrame(function () {
      map._cplFrame = null;
      var busy = map.dragging && map.dragging.moving && map.dragging.moving();
      setPointer(map, !busy && !!hitAt(map, map._cplLastPoint));
    });
  }

  function setPointer(map, on) {
    if (map._cplPointer === on) { return; }
    map._cplPointer = on;
    map.getContainer().style.cursor = on ? "pointer" : "";
  }

  var CanvasPointLayer = L.Layer.extend({
    options: {
      pane: null,
      zIndex: null,
      fillOpacity: 0.8,
      strokeColor: "#ffffff",
      strokeWidth: 1,
      ringWidth: 2,
      tolerance: 4,
      padding: 0.1,
      popupMaxWidth: 320,
      popupMaxHeight: 320,
      mode: "points",
      clusterCell: 60,
      clusterMaxZoom: 10,
      clusterMin: 2,
      heatRadius: 22,
      heatCell: 3,
      heatMaxZoom: 11,
      heatOpacity: 0.85,
      uncertaintyOpacity: 0,
      uncertaintyColor: "#4d4d4d",
      circleBatch: 256,
      polygonBatch: 24
    },

    initialize: function (data, options) {
      L.setOptions(this, options);
      this._data = data;
      this._n = data.lon.length;
      this._order = ++layerCount;
      this._zIndex = this.options.zIndex !== null ? this.options.zIndex : 450 + this._order;
      if (!this.options.pane) { this.options.pane = "canvasPoints" + this._order; }
    },

    onAdd: function (map) {
      var pane = map.getPane(this.options.pane) || map.createPane(this.options.pane);
      pane.style.zIndex = this._zIndex;
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "leaflet-cpl-canvas", pane);
      this._canvas.style.pointerEvents = "none";
      if (map._zoomAnimated) { L.DomUtil.addClass(this._canvas, "leaflet-zoom-animated"); }
      this._ctx = this._canvas.getContext("2d");
      if (!this._x0) { this._projectAll(map); }
      this._view = null;
      register(map, this);
      this._reset();
    },

    onRemove: function (map) {
      unregister(map, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = this._ctx = this._grid = this._clusters = null;
    },

    getEvents: function () {
      var events = { viewreset: this._reset, zoomend: this._reset,
                     moveend: this._reset, resize: this._reset };
      if (this._map._zoomAnimated) { events.zoomanim = this._onZoomAnim; }
      return events;
    },

    // Pixel coordinates at zoom 0, once; any zoom is a multiple of them.  The
    // same for the uncertainty circles: metres to zoom-0 pixels at the point's
    // latitude (Web Mercator stretches by 1 / cos(latitude)).
    _projectAll: function (map) {
      var n = this._n, lon = this._data.lon, lat = this._data.lat, u = this._data.u;
      var crs = map.options.crs, ll = L.latLng(0, 0);
      this._x0 = new Float64Array(n);
      this._y0 = new Float64Array(n);
      this._u0 = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        ll.lat = lat[i]; ll.lng = lon[i];
        var p = crs.latLngToPoint(ll, 0);
        this._x0[i] = p.x; this._y0[i] = p.y;
        var metres = u ? this._data.u_levels[column(u, i)] : 0;
        if (metres > 0) { this._u0[i] = metres * 256 / (EARTH * Math.max(0.01, Math.cos(lat[i] * Math.PI / 180))); }
      }
      this._xs = new Float32Array(n);
      this._ys = new Float32Array(n);
      this._ids = new Int32Array(n);
      this._wx = new Float64Array(n);
      this._wy = new Float64Array(n);
      this._hx = new Float32Array(n);
      this._hy = new Float32Array(n);
      this._hid = new Int32Array(n);
    },

    _radius: function (i) { return column(this._data.r, i); },

    _itemRadius: function (id) {
      return id < 0 ? this._clusters.r[-1 - id] : this._radius(id);
    },

    // What is drawn at the current zoom: "points", "clusters" or "heat".
    drawMode: function () {
      var o = this.options, z = this._zoom;
      if (o.mode === "clusters" && z < o.clusterMaxZoom) { return "clusters"; }
      if (o.mode === "heat" && z < o.heatMaxZoom) { return "heat"; }
      return "points";
    },

    _reset: function () {
      var map = this._map;
      if (!map || !this._canvas) { return; }
      var size = map.getSize();
      var min = size.multiplyBy(-this.options.padding).round();
      var w = size.x - 2 * min.x, h = size.y - 2 * min.y;
      var topLeft = map.containerPointToLayerPoint(min).round();
      var zoom = map.getZoom(), origin = map.getPixelOrigin();
      L.DomUtil.setPosition(this._canvas, topLeft);
      var view = [w, h, zoom, topLeft.x, topLeft.y, origin.x, origin.y].join(",");
      if (view === this._view) { return; }
      this._view = view;
      this._zoom = zoom;
      this._topLeft = topLeft;
      this._topLeftLatLng = map.layerPointToLatLng(topLeft);
      this._draw(w, h, map.getZoomScale(zoom, 0), origin.add(topLeft));
    },

    _draw: function (w, h, scale, origin) {
      var canvas = this._canvas, ctx = this._ctx;
      var dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      this._grid = this._clusters = null;
      this._scale = scale;
      var mode = this.drawMode();
      if (mode === "heat") { this._drawHeat(w, h, scale, origin); return; }
      if (mode === "clusters") { this._drawClusters(w, h, scale, origin); return; }

      var n = this._n, x0 = this._x0, y0 = this._y0, xs = this._xs, ys = this._ys, ids = this._ids;
      var dx = this._data.dx || 0, dy = this._data.dy || 0;
      var count = 0, maxR = 0;
      for (var i = 0; i < n; i++) {
        var r = this._radius(i), ru = this._u0[i] * scale;
        var reach = (ru > r ? ru : r) + 30;
        var x = x0[i] * scale - origin.x, y = y0[i] * scale - origin.y;
        if (x < -reach || y < -reach || x > w + reach || y > h + reach) { continue; }
        xs[count] = x + column(dx, i); ys[count] = y + column(dy, i); ids[count] = i; count++;
        if (r > maxR) { maxR = r; }
      }
      this._paintUncertainty(ctx, xs, ys, ids, null, count, scale);
      this._paintLeaders(ctx, xs, ys, ids, null, count);
      this._paintSymbols(ctx, xs, ys, ids, null, count);
      this._drawn = count;
      var cell = Math.max(24, Math.ceil(maxR + this.options.tolerance));
      this._grid = buildGrid(xs, ys, ids, count, w, h, cell);
    },

    // Dashed circles in metres round the points whose place is only roughly
    // known, under every symbol; only where the circle is larger than its
    // symbol.  One neutral colour and one path: overlaps are not darker.  No
    // fill by default: the base map and the choropleth stay readable under them.
    _paintUncertainty: function (ctx, xs, ys, ids, sel, count, scale) {
      var d = this._data, o = this.options, dx = d.dx || 0, dy = d.dy || 0, any = false;
      ctx.beginPath();
      for (var m = 0; m < count; m++) {
        var k = sel ? sel[m] : m, i = ids[k];
        var ru = this._u0[i] * scale;
        if (!(ru >= this._radius(i) + 3)) { continue; }
        var x = xs[k] - column(dx, i), y = ys[k] - column(dy, i);
        ctx.moveTo(x + ru, y);
        ctx.arc(x, y, ru, 0, 2 * Math.PI);
        any = true;
      }
      if (!any) { return; }
      if (o.uncertaintyOpacity > 0) {
        ctx.globalAlpha = o.uncertaintyOpacity; ctx.fillStyle = o.uncertaintyColor; ctx.fill();
      }
      ctx.setLineDash([4, 3]);
      ctx.globalAlpha = 0.6; ctx.strokeStyle = o.uncertaintyColor; ctx.lineWidth = 1; ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    },

    // Points of different kinds at one place are drawn fanned out round it
    // (data.dx, data.dy: pixels); a thin line ties each to the true place.
    _paintLeaders: function (ctx, xs, ys, ids, sel, count) {
      var d = this._data;
      if (!d.dx || typeof d.dx === "number") { return; }
      ctx.beginPath();
      var any = false;
      for (var m = 0; m < count; m++) {
        var k = sel ? sel[m] : m, i = ids[k], ox = d.dx[i], oy = d.dy[i];
        if (!ox && !oy) { continue; }
        ctx.moveTo(xs[k] - ox, ys[k] - oy);
        ctx.lineTo(xs[k], ys[k]);
        ctx.moveTo(xs[k] - ox + 1.8, ys[k] - oy);
        ctx.arc(xs[k] - ox, ys[k] - oy, 1.8, 0, 2 * Math.PI);
        any = true;
      }
      if (any) {
        ctx.globalAlpha = 0.8; ctx.strokeStyle = "#444444"; ctx.lineWidth = 1; ctx.stroke();
        ctx.globalAlpha = 1;
      }
    },

    // Consecutive points of one style (colour, ring, shape) share a path: far
    // fewer fill() calls.  Not too many: Chromium fills a path of many
    // overlapping polygons slowly (100,000 stars: 60 ms in paths of 24, 370 ms
    // in paths of 512, 600 ms one by one).
    _paintSymbols: function (ctx, xs, ys, ids, sel, count) {
      var d = this._data, o = this.options, palette = d.palette;
      var shapes = d.shapes || ["circle"], nShapes = shapes.length;
      var verts = shapes.map(function (name) { return SHAPES[name] || null; });
      var style = -1, batch = 0;
      function flush() {
        if (batch) {
          var rest = (style - style % nShapes) / nShapes, color = palette[rest >> 1];
          if (rest & 1) {
            ctx.globalAlpha = 0.35; ctx.fillStyle = "#ffffff"; ctx.fill();
            ctx.globalAlpha = 1; ctx.strokeStyle = color; ctx.lineWidth = o.ringWidth; ctx.stroke();
          } else {
            ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = color; ctx.fill();
            ctx.globalAlpha = 1; ctx.strokeStyle = o.strokeColor; ctx.lineWidth = o.strokeWidth; ctx.stroke();
          }
        }
        ctx.beginPath();
        batch = 0;
      }
      ctx.lineJoin = "miter";
      ctx.beginPath();
      for (var m = 0; m < count; m++) {
        var k = sel ? sel[m] : m, i = ids[k];
        var shape = d.shape === undefined ? 0 : column(d.shape, i);
        var s = ((column(d.color, i) * 2 + (d.hollow ? column(d.hollow, i) : 0)) * nShapes) + shape;
        if (s !== style || batch >= (verts[shape] ? o.polygonBatch : o.circleBatch)) { flush(); style = s; }
        tracePoint(ctx, verts[shape], xs[k], ys[k], this._radius(i));
        batch++;
      }
      flush();
    },

    _drawClusters: function (w, h, scale, origin) {
      var o = this.options, d = this._data, ctx = this._ctx, size = o.clusterCell;
      var n = this._n, x0 = this._x0, y0 = this._y0;
      var xs = this._xs, ys = this._ys, ids = this._ids, wx = this._wx, wy = this._wy;
      // Every point of a cell that touches the canvas, so counts do not depend
      // on where the canvas edge cuts a cell.
      var gx0 = Math.floor(origin.x / size), gy0 = Math.floor(origin.y / size);
      var gx1 = Math.floor((origin.x + w) / size), gy1 = Math.floor((origin.y + h) / size);
      var count = 0;
      for (var i = 0; i < n; i++) {
        var X = x0[i] * scale, Y = y0[i] * scale;
        var cx = Math.floor(X / size), cy = Math.floor(Y / size);
        if (cx < gx0 || cx > gx1 || cy < gy0 || cy > gy1) { continue; }
        wx[count] = X; wy[count] = Y; xs[count] = X - origin.x; ys[count] = Y - origin.y; ids[count] = i;
        count++;
      }
      var colors = d.color, nColors = d.palette.length;
      var g = clusterGrid(wx, wy, count, size, gx0, gy0, gx1 - gx0 + 1, gy1 - gy0 + 1,
                          function (k) { return column(colors, ids[k]); }, nColors);
      var singles = new Int32Array(count), nSingles = 0, k;
      var dx = d.dx || 0, dy = d.dy || 0;
      for (k = 0; k < count; k++) {
        if (g.cellOf[k] >= 0 && g.n[g.cellOf[k]] < o.clusterMin) {
          singles[nSingles++] = k;
          xs[k] += column(dx, ids[k]); ys[k] += column(dy, ids[k]);
        }
      }
      this._paintUncertainty(ctx, xs, ys, ids, singles, nSingles, scale);
      this._paintLeaders(ctx, xs, ys, ids, singles, nSingles);
      this._paintSymbols(ctx, xs, ys, ids, singles, nSingles);

      var hx = this._hx, hy = this._hy, hid = this._hid, items = 0, maxR = 0;
      for (k = 0; k < nSingles; k++) {
        var s = singles[k];
        hx[items] = xs[s]; hy[items] = ys[s]; hid[items] = ids[s]; items++;
        maxR = Math.max(maxR, this._radius(ids[s]));
      }
      var clusters = { size: size, scale: scale, gx: [], gy: [], n: [], r: [] };
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = "600 11px system-ui, -apple-system, 'Segoe UI', sans-serif";
      for (var c = 0; c < g.n.length; c++) {
        var count_c = g.n[c];
        if (count_c < o.clusterMin) { continue; }
        var x = g.sx[c] / count_c - origin.x, y = g.sy[c] / count_c - origin.y, r = clusterRadius(count_c);
        this._paintCluster(ctx, x, y, r, count_c, g.mix, c * nColors, d.palette, nColors);
        var j = clusters.n.length;
        clusters.gx.push(g.gx0 + c % g.cols);
        clusters.gy.push(g.gy0 + Math.floor(c / g.cols));
        clusters.n.push(count_c);
        clusters.r.push(r);
        hx[items] = x; hy[items] = y; hid[items] = -1 - j; items++;
        maxR = Math.max(maxR, r);
      }
      this._clusters = clusters;
      this._drawn = count;
      this._grid = buildGrid(hx, hy, hid, items, w, h, Math.max(24, Math.ceil(maxR + o.tolerance)));
    },

    // A numbered disc; its ring is split by the share of each colour.
    _paintCluster: function (ctx, x, y, r, count, mix, base, palette, nColors) {
      var a0 = -Math.PI / 2;
      ctx.globalAlpha = 0.92;
      for (var c = 0; c < nColors; c++) {
        var m = mix[base + c];
        if (!m) { continue; }
        var a1 = a0 + 2 * Math.PI * m / count;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.arc(x, y, r, a0, a1);
        ctx.closePath();
        ctx.fillStyle = palette[c];
        ctx.fill();
        a0 = a1;
      }
      ctx.globalAlpha = 0.95;
      ctx.beginPath();
      ctx.arc(x, y, r - 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.fillStyle = "#1a1a1a";
      ctx.fillText(clusterLabel(count), x, y + 0.5);
    },

    // Zoom in to a cluster's points, or list them when they share one spot.
    _openCluster: function (j) {
      var cl = this._clusters, map = this._map;
      if (!cl || !map) { return; }
      var members = this.clusterMembers(j);
      if (!members.length) { return; }
      var d = this._data, s = Infinity, wst = Infinity, nth = -Infinity, e = -Infinity;
      for (var k = 0; k < members.length; k++) {
        var i = members[k];
        s = Math.min(s, d.lat[i]); nth = Math.max(nth, d.lat[i]);
        wst = Math.min(wst, d.lon[i]); e = Math.max(e, d.lon[i]);
      }
      if (nth - s < 1e-5 && e - wst < 1e-5) {
        this._openPopup(members.slice().reverse(), null);
        return;
      }
      var bounds = L.latLngBounds([s, wst], [nth, e]), zoom = map.getZoom();
      var target = Math.min(map.getBoundsZoom(bounds, false, L.point(40, 40)), this.options.clusterMaxZoom);
      map.setView(bounds.getCenter(), Math.min(Math.max(target, zoom + 1), map.getMaxZoom()));
    },

    // The points of cluster j as drawn now.
    clusterMembers: function (j) {
      var cl = this._clusters, out = [];
      if (!cl || j >= cl.n.length) { return out; }
      var gx = cl.gx[j], gy = cl.gy[j], size = cl.size, scale = cl.scale;
      for (var i = 0; i < this._n; i++) {
        if (Math.floor(this._x0[i] * scale / size) === gx && Math.floor(this._y0[i] * scale / size) === gy) {
          out.push(i);
        }
      }
      return out;
    },

    // A kernel density: points counted on a grid of heatCell px, blurred
    // (about a Gaussian of heatRadius / 2), coloured on a small canvas and
    // drawn scaled up with smoothing.  The cost hardly depends on the points.
    _drawHeat: function (w, h, scale, origin) {
      var o = this.options, ctx = this._ctx, R = o.heatRadius, cell = o.heatCell;
      var n = this._n, x0 = this._x0, y0 = this._y0, xs = this._xs, ys = this._ys, ids = this._ids;
      var count = 0;
      for (var i = 0; i < n; i++) {
        var x = x0[i] * scale - origin.x, y = y0[i] * scale - origin.y;
        if (x < -R || y < -R || x > w + R || y > h + R) { continue; }
        xs[count] = x; ys[count] = y; ids[count] = i; count++;
      }
      this._drawn = count;
      this._heatMax = 0;
      if (!count) { return; }
      var g = heatGrid(xs, ys, count, w, h, cell, R), passes = 3;
      var radius = boxRadius(R / 2 / cell, passes);
      blurGrid(g.n, g.cols, g.rows, radius, passes);
      var unit = unitPeak(radius, passes), max = 0, c;
      for (c = 0; c < g.n.length; c++) { if (g.n[c] > max) { max = g.n[c]; } }
      this._heatMax = max / unit;
      var ramp = this._ramp || (this._ramp = heatRamp(HEAT_RAMP));
      var small = this._heatCanvas || (this._heatCanvas = document.createElement("canvas"));
      small.width = g.cols; small.height = g.rows;
      var sctx = small.getContext("2d"), image = sctx.createImageData(g.cols, g.rows), px = image.data;
      var top = 255 * o.heatOpacity, faint = unit * 0.02;
      for (c = 0; c < g.n.length; c++) {
        var v = g.n[c];
        if (v < faint) { continue; }
        var t = heatLevel(v, unit, max), j = Math.round(t * 255) * 4, edge = Math.min(1, v / (unit * 0.5));
        px[c * 4] = ramp[j]; px[c * 4 + 1] = ramp[j + 1]; px[c * 4 + 2] = ramp[j + 2];
        px[c * 4 + 3] = Math.round(top * edge * (0.45 + 0.55 * t));
      }
      sctx.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(small, -R, -R, g.cols * cell, g.rows * cell);
    },

    _onZoomAnim: function (e) {
      var map = this._map;
      if (!this._topLeftLatLng || !map._latLngToNewLayerPoint) { return; }
      var scale = map.getZoomScale(e.zoom, this._zoom);
      var offset = map._latLngToNewLayerPoint(this._topLeftLatLng, e.zoom, e.center);
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },

    _hitTest: function (containerPoint) {
      var map = this._map;
      if (!map || !this._grid || map._animatingZoom || map.getZoom() !== this._zoom) { return null; }
      var p = map.containerPointToLayerPoint(containerPoint);
      var self = this;
      return queryGrid(this._grid, p.x - this._topLeft.x, p.y - this._topLeft.y,
                       function (id) { return self._itemRadius(id); }, this.options.tolerance);
    },

    _openPopup: function (ids, content) {
      var d = this._data, i = ids[0];
      L.popup({ maxWidth: this.options.popupMaxWidth, maxHeight: this.options.popupMaxHeight })
        .setLatLng([d.lat[i], d.lon[i]])
        .setContent(content || buildContent(d, ids, document))
        .openOn(this._map);
    },

    // The number of points currently drawn or counted (inside the view).
    drawnCount: function () { return this._drawn || 0; },

    // The number of clusters drawn now (0 unless drawing clusters).
    clusterCount: function () { return this._clusters ? this._clusters.n.length : 0; },

    // The number of points in the layer's data.
    pointCount: function () { return this._n; }
  });

  CanvasPointLayer.buildContent = buildContent;
  CanvasPointLayer.buildGrid = buildGrid;
  CanvasPointLayer.queryGrid = queryGrid;
  CanvasPointLayer.clusterGrid = clusterGrid;
  CanvasPointLayer.heatGrid = heatGrid;
  CanvasPointLayer.blurGrid = blurGrid;
  CanvasPointLayer.boxRadius = boxRadius;
  CanvasPointLayer.unitPeak = unitPeak;
  CanvasPointLayer.heatLevel = heatLevel;
  CanvasPointLayer.heatRamp = heatRamp;
  CanvasPointLayer.sparkline = sparkline;
  L.CanvasPointLayer = CanvasPointLayer;
  L.canvasPointLayer = function (data, options) { return new CanvasPointLayer(data, options); };
})();
"""


_CLASS_JS = (
    _CLASS_JS.replace("__CODE_ALPHABET__", json.dumps(CODE_ALPHABET))
    .replace("__SHAPES__", json.dumps(SHAPES, separators=(",", ":")))
    .replace("__HEAT_RAMP__", json.dumps([list(s) for s in HEAT_RAMP], separators=(",", ":")))
)

# "{{", "{%" and "{#" can only occur inside JSON strings; escaping their brace
# keeps a Jinja pass (folium re-templates rendered output) from running them.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def to_script_json(obj) -> str:
    """JSON that is safe to paste inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes (as folium does), so
    no ``</script>`` or ``<!--`` can appear; U+2028/2029 are escaped because
    older JavaScript treats them as line ends inside strings, and the brace of
    a Jinja opener (``{{``, ``{%``, ``{#``) becomes ``\\u007b``.
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _JINJA_OPENER.sub(r"\\u007b", text)


class _Raw(Element):
    """Text put into the page as it is, not parsed again as a Jinja template."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class ScriptLayer(Layer):
    """A folium layer made in the page by ``new L.<js_class>(data, options)``.

    Its JavaScript class is defined once per page (``_class_js``, guarded), and its
    data goes into the page as it is: folium would otherwise parse the rendered
    script again as a Jinja template, which costs time on megabytes of JSON and
    would run any ``{{ }}`` in the data.  Subclasses set ``_class_js``, ``_js_class``
    and ``options``, and return their data as JavaScript from :meth:`js_data`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._class_js }}
            var {{ this.get_name() }} = new L.{{ this._js_class }}(
                {{ this.js_data() }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )
    _class_js = ""
    _js_class = ""

    def js_data(self) -> str:
        raise NotImplementedError

    def _render_header(self, figure) -> None:
        """Add what the page's head needs (styles); nothing by default."""

    def render(self, **kwargs):
        figure = self.get_root()
        self._render_header(figure)
        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        figure.script.add_child(_Raw(self._template.module.script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class CanvasPointLayer(ScriptLayer):
    """Many points drawn on one canvas from one embedded JSON object.

    Parameters
    ----------
    lon, lat : sequence of float
        WGS84 coordinates, one per point.  Rounded to 5 decimals (about 1 m).
    radius : float or sequence of float, default 5
        Symbol radius in screen pixels.
    color : str or sequence of str, default "#3388ff"
        CSS colour, one for all or one per point (stored as a palette and
        indices into it).
    hollow : bool or sequence of bool, default False
        Draw an outline (coloured edge, pale fill) instead of a filled symbol.
    shape : str or sequence of str, default "circle"
        A name of :data:`layers._symbols.SHAPES` (circle, square, diamond,
        triangle, triangle_down, cross, star), one for all or one per point.
    uncertainty_m : float or sequence of float, default 0
        Radius in metres of a dashed circle round the point: where a
        place known only roughly may be.  Drawn under every symbol, only when
        it is larger on screen than the symbol; 0 for none.
    fan_out : sequence, optional
        A key per point (such as its category).  Where points with different
        keys share one place, each key's symbol is drawn a few pixels off it,
        round the place, tied to it by a thin line; points with the same key
        stay stacked (and a click lists them all).
    fields : iterable of ``(label, values)``, ``(label, values, kind)`` or ``(label, values, kind, extra)``
        Popup content, in order.  ``kind`` is ``"text"`` (default, shown as
        ``label: value``), ``"title"`` (bold, no label), ``"links"`` (URLs
        separated by spaces; only ``http(s)://`` ones become links), ``"list"``
        (a list of strings per point: ``label: count`` and the items) or
        ``"series"`` (a list of numbers per point, drawn as a small SVG line
        chart; ``extra`` holds ``axis``, the labels of the positions, and
        optionally ``unit``).  Missing, NaN and blank values are left out.
    name : str, optional
        The name in the layer control.
    overlay, control, show : bool
        As for any folium layer.
    fill_opacity : float, default 0.8
    stroke_color : str, default "#ffffff"
        Outline of filled symbols.
    tolerance : int, default 4
        How many pixels outside a symbol a click still selects it.
    mode : {"points", "clusters", "heat"}
        How the points are drawn (see the module docstring).
    cluster_max_zoom, heat_max_zoom : int
        From this zoom on, points are drawn one by one.
    cluster_cell, heat_radius : int
        Cluster cell and heat kernel radius in screen pixels.

    Attributes
    ----------
    data : dict
        The columns that will be embedded: ``lon``, ``lat``, ``r``, ``color``
        (indices into ``palette``), ``palette``, ``hollow`` (0/1), ``shape``
        (indices into ``shapes``), ``shapes``, ``u`` (metres; 0 where another
        point with the same place and radius already draws the circle), ``dx``
        and ``dy`` (pixels, with ``fan_out``)
        and ``fields`` (a list of ``{"label", "kind", "values"}``, or with
        ``"levels"`` and ``"codes"`` when few values repeat).  A column that is
        the same for every point is one number; small codes are packed one
        character of :data:`CODE_ALPHABET` per point.
    dropped : int
        Rows the caller left out (missing or empty geometry); 0 here.
    """

    _js_class = "CanvasPointLayer"
    _class_js = _CLASS_JS

    def __init__(
        self,
        lon: Sequence[float],
        lat: Sequence[float],
        *,
        radius: float | Sequence[float] = 5.0,
        color: str | Sequence[str] = "#3388ff",
        hollow: bool | Sequence[bool] = False,
        shape: str | Sequence[str] = "circle",
        uncertainty_m: float | Sequence[float] = 0.0,
        fan_out: Sequence | None = None,
        fields: Iterable[tuple] = (),
        name: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
        fill_opacity: float = 0.8,
        stroke_color: str = "#ffffff",
        tolerance: int = 4,
        mode: str = "points",
        cluster_max_zoom: int = 10,
        cluster_cell: int = 60,
        heat_max_zoom: int = 11,
        heat_radius: int = 22,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "CanvasPointLayer"
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        lon = np.asarray(lon, dtype=float).ravel()
        lat = np.asarray(lat, dtype=float).ravel()
        n = len(lon)
        if len(lat) != n:
            raise ValueError(f"lon has {n} values but lat has {len(lat)}")
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise ValueError("coordinates must be finite; drop missing points first")

        radii = np.broadcast_to(np.asarray(radius, dtype=float), (n,))
        radii = np.round(np.where(np.isfinite(radii) & (radii > 0), radii, 1.0), 1)
        codes, palette = pd.factorize(
            pd.Series(np.broadcast_to(np.asarray(color, dtype=object), (n,)), dtype=object)
        )
        rings = np.broadcast_to(np.asarray(hollow, dtype=bool), (n,)).astype(int)
        shape_names = pd.Series(np.broadcast_to(np.asarray(shape, dtype=object), (n,)), dtype=object)
        unknown = set(shape_names) - set(SHAPES)
        if unknown:
            raise ValueError(f"unknown shape(s) {sorted(map(str, unknown))}; use one of {list(SHAPES)}")
        shape_codes, shapes = pd.factorize(shape_names)
        metres = np.broadcast_to(np.asarray(uncertainty_m, dtype=float), (n,))
        metres = np.round(np.where(np.isfinite(metres) & (metres > 0), metres, 0.0))
        self._uncertainty = metres.copy()
        lon_r, lat_r = np.round(lon, COORD_DECIMALS), np.round(lat, COORD_DECIMALS)

        self.data = {
            "lon": lon_r.tolist(),
            "lat": lat_r.tolist(),
            # A column that is the same for every point is stored as one number.
            "r": _column_or_scalar(radii, float),
            "color": _small_ints(codes),
            "palette": [str(c) for c in palette],
            "hollow": _small_ints(rings),
            "shape": _small_ints(shape_codes),
            "shapes": [str(s) for s in shapes] or ["circle"],
            **_uncertainty_columns(_first_circle_only(lon_r, lat_r, metres)),
            "fields": [_encode_field(field, n) for field in fields],
        }
        if fan_out is not None and n:
            dx, dy = _fan_out_offsets(lon_r, lat_r, np.asarray(list(fan_out), dtype=object), radii)
            if dx.any() or dy.any():
                self.data["dx"], self.data["dy"] = dx.tolist(), dy.tolist()
        self.dropped = 0
        self.options = {
            "name": self.layer_name,
            "pane": f"{self.get_name()}_pane",
            "fill_opacity": float(fill_opacity),
            "stroke_color": stroke_color,
            "tolerance": int(tolerance),
            "mode": mode,
            "cluster_max_zoom": int(cluster_max_zoom),
            "cluster_cell": int(cluster_cell),
            "heat_max_zoom": int(heat_max_zoom),
            "heat_radius": int(heat_radius),
        }

    @property
    def mode(self) -> str:
        """``"points"``, ``"clusters"`` or ``"heat"``."""
        return self.options["mode"]

    def __len__(self) -> int:
        return len(self.data["lon"])

    def radii(self) -> list[float]:
        """Each point's radius in pixels."""
        return _expand(self.data["r"], len(self))

    def colors(self) -> list[str]:
        """Each point's CSS colour."""
        palette = self.data["palette"]
        return [palette[i] for i in _expand_ints(self.data["color"], len(self))]

    def hollow(self) -> list[bool]:
        """Whether each point is drawn as an outline."""
        return [bool(v) for v in _expand_ints(self.data["hollow"], len(self))]

    def shapes(self) -> list[str]:
        """Each point's symbol shape."""
        names = self.data["shapes"]
        return [names[i] for i in _expand_ints(self.data["shape"], len(self))]

    def offsets(self) -> list[tuple[float, float]]:
        """Each point's drawing offset in pixels from its place (see ``fan_out``)."""
        n = len(self)
        return list(zip(self.data.get("dx", [0.0] * n), self.data.get("dy", [0.0] * n)))

    def uncertainty_m(self) -> list[float]:
        """Each point's uncertainty radius in metres (0 for none)."""
        return [float(v) for v in self._uncertainty]

    def field_values(self, label: str) -> list:
        """The popup values of the field ``label``, one per point (None when left out)."""
        for field in self.data["fields"]:
            if field["label"] == label:
                return _decode_field(field, len(self))
        raise KeyError(label)

    def to_json(self) -> str:
        """The embedded data object, escaped for a ``<script>`` element."""
        return to_script_json(self.data)

    def _get_self_bounds(self):
        if not len(self):
            return [[None, None], [None, None]]
        lon, lat = self.data["lon"], self.data["lat"]
        return [[min(lat), min(lon)], [max(lat), max(lon)]]

    def js_data(self) -> str:
        return self.to_json()

    def _render_header(self, figure) -> None:
        figure.header.add_child(_Raw(_CSS), name="canvas_point_layer_css")


def _column_or_scalar(values: np.ndarray, kind: type):
    if len(values) and (values == values[0]).all():
        return kind(values[0])
    return [kind(v) for v in values.tolist()]


def _expand(column, n: int) -> list:
    return [column] * n if isinstance(column, (int, float)) else list(column)


def _uncertainty_columns(metres: np.ndarray) -> dict:
    """``u``: codes into ``u_levels``, the distinct radii in metres (0 first: no circle)."""
    levels = np.unique(np.concatenate([[0], metres])).astype(int)
    return {"u": _small_ints(np.searchsorted(levels, metres)), "u_levels": levels.tolist()}


def _first_circle_only(lon, lat, metres) -> np.ndarray:
    """Keep the uncertainty circle of the first point at each (place, radius).

    Forty deaths placed at one state's centre would otherwise draw forty
    dashed circles over one another.
    """
    out = metres.astype(int)
    has = out > 0
    if has.any():
        key = pd.DataFrame({"lon": lon, "lat": lat, "u": out})
        out[(key.duplicated() & has).to_numpy()] = 0
    return out


def _fan_out_offsets(lon, lat, keys, radii) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets that set the different keys at one place round a small ring."""
    n = len(lon)
    dx, dy = np.zeros(n), np.zeros(n)
    frame = pd.DataFrame({"lon": lon, "lat": lat, "key": pd.Series(keys, dtype=object).astype(str), "r": radii})
    frame = frame[frame.duplicated(["lon", "lat"], keep=False)]
    if frame.empty:
        return dx, dy
    frame = frame.assign(pos=frame.groupby(["lon", "lat"], sort=False).ngroup())
    kinds = frame[["pos", "key"]].drop_duplicates()
    kinds = kinds.assign(j=kinds.groupby("pos").cumcount(), k=kinds.groupby("pos")["key"].transform("size"))
    frame = frame.reset_index().merge(kinds, on=["pos", "key"], how="left").set_index("index")
    frame = frame[frame["k"] >= 2]
    if frame.empty:
        return dx, dy
    r = frame.groupby("pos")["r"].transform("max").to_numpy(dtype=float)
    k = frame["k"].to_numpy(dtype=float)
    ring = np.maximum(1.8 * r + 1.0, (2.0 * r + 2.0) * k / (2.0 * np.pi))
    angle = -np.pi / 2 + 2 * np.pi * frame["j"].to_numpy(dtype=float) / k
    rows = frame.index.to_numpy()
    dx[rows] = np.round(ring * np.cos(angle), 1)
    dy[rows] = np.round(ring * np.sin(angle), 1)
    return dx, dy


def _small_ints(values: np.ndarray):
    """A column of small codes: one number when all are equal, else one character of
    :data:`CODE_ALPHABET` per point (a tenth of the size of a JSON list), else a list."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return 0
    if (values == values[0]).all():
        return int(values[0])
    if values.min() >= 0 and values.max() < len(CODE_ALPHABET):
        alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
        return alphabet[values].tobytes().decode("ascii")
    return values.tolist()


def _expand_ints(column, n: int) -> list[int]:
    if isinstance(column, (int, float)):
        return [int(column)] * n
    if isinstance(column, str):
        return [CODE_ALPHABET.index(ch) for ch in column]
    return [int(v) for v in column]


def _pack_codes(codes: np.ndarray, width: int) -> str:
    base = len(CODE_ALPHABET)
    digits = np.empty((len(codes), width), dtype=np.int64)
    rest = codes.astype(np.int64) + 1  # 0 is "missing"
    for j in range(width - 1, -1, -1):
        digits[:, j] = rest % base
        rest //= base
    alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
    return alphabet[digits].tobytes().decode("ascii")


def _decode_field(field: dict, n: int) -> list:
    if "values" in field:
        return list(field["values"])
    base, width, packed = len(CODE_ALPHABET), field["width"], field["codes"]
    out = []
    for i in range(n):
        code = 0
        for ch in packed[i * width : (i + 1) * width]:
            code = code * base + CODE_ALPHABET.index(ch)
        out.append(field["levels"][code - 1] if code else None)
    return out


def _encode_field(field: tuple, n: int) -> dict:
    extra: dict = {}
    if len(field) == 2:
        (label, values), kind = field, "text"
    elif len(field) == 3:
        label, values, kind = field
    elif len(field) == 4:
        label, values, kind, extra = field
    else:
        raise ValueError(f"a field is (label, values[, kind[, extra]]), got {field!r}")
    if kind not in FIELD_KINDS:
        raise ValueError(f"field kind must be one of {FIELD_KINDS}, got {kind!r}")
    values = list(values)
    if len(values) != n:
        raise ValueError(f"field {label!r} has {len(values)} values for {n} points")
    out = {"label": str(label), "kind": kind}
    if kind == "list":
        out["values"] = [_clean_list(v) for v in values]
        return out
    if kind == "series":
        if "axis" not in extra:
            raise ValueError(f"series field {label!r} needs extra={{'axis': [...]}}")
        axis = [str(a) for a in extra["axis"]]
        out["axis"] = axis
        if extra.get("unit"):
            out["unit"] = str(extra["unit"])
        out["values"] = [_clean_series(v, len(axis), label) for v in values]
        return out
    values = clean_values(values)
    codes, levels = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    # Repeated strings (a category, a state) are stored once, and each point
    # holds a 1-3 character code instead.
    if n >= 4 and len(levels) * 2 <= n:
        width = 1
        while len(CODE_ALPHABET) ** width <= len(levels):
            width += 1
        out.update(levels=levels.tolist(), width=width, codes=_pack_codes(codes, width))
    else:
        out["values"] = values
    return out


def _clean_list(v) -> list[str] | None:
    if v is None or isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, str):
        v = [v]
    items = [x for x in clean_values(list(v)) if x is not None]
    return [str(x) for x in items] or None


def _clean_series(v, length: int, label: str) -> list | None:
    if v is None or isinstance(v, float) and not np.isfinite(v):
        return None
    v = list(v)
    if len(v) != length:
        raise ValueError(f"series field {label!r}: a value has {len(v)} numbers for an axis of {length}")
    out = []
    for x in v:
        x = None if x is None else float(x)
        out.append(round(x, 1) if x is not None and np.isfinite(x) else None)
    return out if any(x is not None for x in out) else None
