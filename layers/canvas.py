"""A Folium layer that draws many points on one canvas.

Folium's own markers become one Leaflet object (and one block of JavaScript)
per point, which makes a 100,000-point page tens of megabytes and slow to open.
:class:`CanvasPointLayer` instead embeds one columnar JSON object and draws it
with a small ``L.Layer`` subclass on its own ``<canvas>``.  Popups are built with
DOM calls (``textContent``), so text from the data is never parsed as HTML.
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

#: Decimal places kept for longitude and latitude: 1e-5 degrees is about a metre.
COORD_DECIMALS = 5

FIELD_KINDS = ("text", "title", "links")

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
  var layerCount = 0;

  // Dictionary-coded fields keep their codes in one string, `width`
  // characters of CODE_ALPHABET per point (base 88, 0 meaning missing).
  var CODE_ALPHABET = __CODE_ALPHABET__;
  var DIGIT = new Int16Array(128);
  for (var a = 0; a < CODE_ALPHABET.length; a++) { DIGIT[CODE_ALPHABET.charCodeAt(a)] = a; }

  function valueAt(field, i) {
    if (!field.levels) { return field.values[i]; }
    var w = field.width, code = 0;
    for (var j = 0; j < w; j++) {
      code = code * CODE_ALPHABET.length + DIGIT[field.codes.charCodeAt(i * w + j)];
    }
    return code === 0 ? null : field.levels[code - 1];
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
        if (v === null || v === undefined || v === "") { continue; }
        var text = String(v);
        if (field.kind === "title") {
          var title = doc.createElement("div");
          title.className = "cpl-title";
          var strong = doc.createElement("strong");
          strong.textContent = text;
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
          appendLinks(row, text, doc);
        } else {
          row.appendChild(doc.createTextNode(text));
        }
        rec.appendChild(row);
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

  // Bucket the drawn points by screen cell (a counting sort), so that a click
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

  // Ids of the points under (x, y): the topmost point whose disc holds the
  // spot, else the one whose edge is nearest (within `tol` px), followed by
  // any other points drawn at the same spot.  Null when nothing is there.
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
        // Later-drawn points are on top.
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

  // Every layer's points under the cursor, topmost layer first.
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
  function onMapClick(e) {
    var found = hitsAt(this, e.containerPoint);
    if (!found.length) { return; }
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
      popupMaxHeight: 320
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
      this._canvas = this._ctx = this._grid = null;
    },

    getEvents: function () {
      var events = { viewreset: this._reset, zoomend: this._reset,
                     moveend: this._reset, resize: this._reset };
      if (this._map._zoomAnimated) { events.zoomanim = this._onZoomAnim; }
      return events;
    },

    // Pixel coordinates at zoom 0, once; any zoom is a multiple of them.
    _projectAll: function (map) {
      var n = this._n, lon = this._data.lon, lat = this._data.lat;
      var crs = map.options.crs, ll = L.latLng(0, 0);
      this._x0 = new Float64Array(n);
      this._y0 = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        ll.lat = lat[i]; ll.lng = lon[i];
        var p = crs.latLngToPoint(ll, 0);
        this._x0[i] = p.x; this._y0[i] = p.y;
      }
      this._xs = new Float32Array(n);
      this._ys = new Float32Array(n);
      this._ids = new Int32Array(n);
    },

    _radius: function (i) {
      var r = this._data.r;
      return typeof r === "number" ? r : r[i];
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
      var canvas = this._canvas, ctx = this._ctx, o = this.options;
      var dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);

      var d = this._data, n = this._n, x0 = this._x0, y0 = this._y0;
      var colors = d.color, hollow = d.hollow, palette = d.palette;
      var xs = this._xs, ys = this._ys, ids = this._ids;
      var count = 0, maxR = 0, style = -1, batch = 0;

      // Consecutive points of one style share a path: far fewer fill() calls.
      function flush() {
        if (!batch) { return; }
        var color = palette[style >> 1];
        if (style & 1) {
          ctx.globalAlpha = 0.35; ctx.fillStyle = "#ffffff"; ctx.fill();
          ctx.globalAlpha = 1; ctx.strokeStyle = color; ctx.lineWidth = o.ringWidth; ctx.stroke();
        } else {
          ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = color; ctx.fill();
          ctx.globalAlpha = 1; ctx.strokeStyle = o.strokeColor; ctx.lineWidth = o.strokeWidth;
          ctx.stroke();
        }
        ctx.beginPath();
        batch = 0;
      }

      ctx.beginPath();
      for (var i = 0; i < n; i++) {
        var r = this._radius(i);
        var x = x0[i] * scale - origin.x, y = y0[i] * scale - origin.y;
        if (x < -r || y < -r || x > w + r || y > h + r) { continue; }
        xs[count] = x; ys[count] = y; ids[count] = i; count++;
        if (r > maxR) { maxR = r; }
        var s = (typeof colors === "number" ? colors : colors[i]) * 2 +
                (hollow ? (typeof hollow === "number" ? hollow : hollow[i]) : 0);
        if (s !== style || batch >= 512) { flush(); style = s; }
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        batch++;
      }
      flush();
      this._drawn = count;
      var cell = Math.max(24, Math.ceil(maxR + o.tolerance));
      this._grid = buildGrid(xs, ys, ids, count, w, h, cell);
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
                       function (i) { return self._radius(i); }, this.options.tolerance);
    },

    _openPopup: function (ids, content) {
      var d = this._data, i = ids[0];
      L.popup({ maxWidth: this.options.popupMaxWidth, maxHeight: this.options.popupMaxHeight })
        .setLatLng([d.lat[i], d.lon[i]])
        .setContent(content || buildContent(d, ids, document))
        .openOn(this._map);
    },

    // The number of points currently drawn (inside the view).
    drawnCount: function () { return this._drawn || 0; },

    // The number of points in the layer's data.
    pointCount: function () { return this._n; }
  });

  CanvasPointLayer.buildContent = buildContent;
  CanvasPointLayer.buildGrid = buildGrid;
  CanvasPointLayer.queryGrid = queryGrid;
  L.CanvasPointLayer = CanvasPointLayer;
  L.canvasPointLayer = function (data, options) { return new CanvasPointLayer(data, options); };
})();
"""


_CLASS_JS = _CLASS_JS.replace("__CODE_ALPHABET__", json.dumps(CODE_ALPHABET))

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


class CanvasPointLayer(Layer):
    """Many points drawn on one canvas from one embedded JSON object.

    Parameters
    ----------
    lon, lat : sequence of float
        WGS84 coordinates, one per point.  Rounded to 5 decimals (about 1 m).
    radius : float or sequence of float, default 5
        Circle radius in screen pixels.
    color : str or sequence of str, default "#3388ff"
        CSS colour, one for all or one per point (stored as a palette and
        indices into it).
    hollow : bool or sequence of bool, default False
        Draw a ring (coloured outline, pale fill) instead of a filled disc.
    fields : iterable of ``(label, values)`` or ``(label, values, kind)``
        Popup content, in order.  ``kind`` is ``"text"`` (default, shown as
        ``label: value``), ``"title"`` (bold, no label) or ``"links"`` (URLs
        separated by spaces; only ``http(s)://`` ones become links).  Missing,
        NaN and blank values are left out of the popup.
    name : str, optional
        The name in the layer control.
    overlay, control, show : bool
        As for any folium layer.
    fill_opacity : float, default 0.8
    stroke_color : str, default "#ffffff"
        Outline of filled discs.
    tolerance : int, default 4
        How many pixels outside a disc a click still selects it.

    Attributes
    ----------
    data : dict
        The columns that will be embedded: ``lon``, ``lat``, ``r``, ``color``
        (indices into ``palette``), ``palette``, ``hollow`` (0/1) and
        ``fields`` (a list of ``{"label", "kind", "values"}``, or with
        ``"levels"`` and ``"codes"`` (-1 for missing) when few values repeat).
    dropped : int
        Rows the caller left out (missing or empty geometry); 0 here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._class_js }}
            var {{ this.get_name() }} = new L.CanvasPointLayer(
                {{ this.to_json() }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )

    _class_js = _CLASS_JS

    def __init__(
        self,
        lon: Sequence[float],
        lat: Sequence[float],
        *,
        radius: float | Sequence[float] = 5.0,
        color: str | Sequence[str] = "#3388ff",
        hollow: bool | Sequence[bool] = False,
        fields: Iterable[tuple] = (),
        name: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
        fill_opacity: float = 0.8,
        stroke_color: str = "#ffffff",
        tolerance: int = 4,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "CanvasPointLayer"
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

        self.data = {
            "lon": np.round(lon, COORD_DECIMALS).tolist(),
            "lat": np.round(lat, COORD_DECIMALS).tolist(),
            # A column that is the same for every point is stored as one number.
            "r": _column_or_scalar(radii, float),
            "color": codes.tolist(),
            "palette": [str(c) for c in palette],
            "hollow": _column_or_scalar(rings, int),
            "fields": [_encode_field(field, n) for field in fields],
        }
        self.dropped = 0
        self.options = {
            "name": self.layer_name,
            "pane": f"{self.get_name()}_pane",
            "fill_opacity": float(fill_opacity),
            "stroke_color": stroke_color,
            "tolerance": int(tolerance),
        }

    def __len__(self) -> int:
        return len(self.data["lon"])

    def radii(self) -> list[float]:
        """Each point's radius in pixels."""
        return _expand(self.data["r"], len(self))

    def colors(self) -> list[str]:
        """Each point's CSS colour."""
        palette = self.data["palette"]
        return [palette[i] for i in self.data["color"]]

    def hollow(self) -> list[bool]:
        """Whether each point is drawn as a ring."""
        return [bool(v) for v in _expand(self.data["hollow"], len(self))]

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

    def render(self, **kwargs):
        # As Layer.render and MacroElement.render do, except that the script
        # (megabytes of JSON) goes into the page as it is instead of being
        # parsed again as a Jinja template.
        figure = self.get_root()
        figure.header.add_child(_Raw(_CSS), name="canvas_point_layer_css")
        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        figure.script.add_child(_Raw(self._template.module.script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


def _column_or_scalar(values: np.ndarray, kind: type):
    if len(values) and (values == values[0]).all():
        return kind(values[0])
    return [kind(v) for v in values.tolist()]


def _expand(column, n: int) -> list:
    return [column] * n if isinstance(column, (int, float)) else list(column)


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
    if len(field) == 2:
        (label, values), kind = field, "text"
    elif len(field) == 3:
        label, values, kind = field
    else:
        raise ValueError(f"a field is (label, values) or (label, values, kind), got {field!r}")
    if kind not in FIELD_KINDS:
        raise ValueError(f"field kind must be one of {FIELD_KINDS}, got {kind!r}")
    values = clean_values(values)
    if len(values) != n:
        raise ValueError(f"field {label!r} has {len(values)} values for {n} points")
    out = {"label": str(label), "kind": kind}
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
