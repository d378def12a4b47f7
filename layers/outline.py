"""The offline base map: land, state and county borders drawn in the browser.

No tile server is asked for anything.  The outlines come from
``geodata/data/basemap/us-outline.json`` (see :mod:`geodata.boundaries`), either
fetched from a URL of the app's own server (cached by the browser, so filtering
does not send them again) or embedded in the page.  They are drawn on one
canvas in their own pane under the points; county borders appear from zoom 6.
"""

from __future__ import annotations

import json

from layers._polyline import POLYLINE_JS
from layers.canvas import ScriptLayer, to_script_json

OUTLINE_NAME = "Outline map (no tiles)"
OUTLINE_ATTRIBUTION = "Outlines: US Census Bureau 2010 (public domain)"

#: Colours of the outline map: pale land on a blue-grey sea, borders in greys.
OUTLINE_STYLE = {
    "water": "#d6e4ee",
    "land": "#f6f4ef",
    "coast": "#7d93a8",
    "state": "#8f8a99",
    "county": "#d4cfc4",
}

# Defined once per page.
_CLASS_JS = POLYLINE_JS + r"""
(function () {
  "use strict";
  if (L.OutlineLayer) { return; }

  var decodePoints = L.cplDecodePoints;

  // counts: points per line, or a list of ring sizes per polygon.
  function decodeLayer(layer, factor) {
    var pts = decodePoints(layer.points, factor), at = 0, out = [];
    function take(n) { var part = pts.slice(at, at + n); at += n; return part; }
    for (var k = 0; k < layer.counts.length; k++) {
      var c = layer.counts[k];
      out.push(typeof c === "number" ? take(c) : c.map(take));
    }
    return out;
  }

  var OutlineLayer = L.LayerGroup.extend({
    options: {
      pane: "outlinePane",
      countyMinZoom: 6,
      attribution: null,
      style: {}
    },

    initialize: function (source, options) {
      L.LayerGroup.prototype.initialize.call(this, [], options);
      L.setOptions(this, options);
      this._source = source;
      this._parts = null;
      this._loading = false;
    },

    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        // Where tiles would be: under every vector and point layer.
        map.createPane(this.options.pane).style.zIndex = 200;
      }
      if (!this._renderer) {
        this._renderer = L.canvas({ pane: this.options.pane, padding: 0.3 });
      }
      var box = map.getContainer();
      this._oldBackground = box.style.background;
      box.style.background = this.options.style.water;
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on("zoomend", this._showCounties, this);
      this._load();
    },

    onRemove: function (map) {
      map.off("zoomend", this._showCounties, this);
      map.getContainer().style.background = this._oldBackground || "";
      L.LayerGroup.prototype.onRemove.call(this, map);
    },

    _load: function () {
      if (this._parts) { this._showCounties(); return; }
      if (this._loading) { return; }
      if (typeof this._source !== "string") { this._build(this._source); return; }
      var self = this;
      this._loading = true;
      fetch(this._source, { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (doc) { self._loading = false; self._build(doc); })
        .catch(function (err) {
          self._loading = false;
          if (window.console) { console.warn("outline map: " + self._source + ": " + err); }
          self.fire("error", { error: err });
        });
    },

    _build: function (doc) {
      var s = this.options.style, r = this._renderer, factor = Math.pow(10, doc.precision);
      var base = { renderer: r, interactive: false, smoothFactor: 0.5 };
      var parts = {};
      for (var k = 0; k < doc.layers.length; k++) {
        var layer = doc.layers[k], latlngs = decodeLayer(layer, factor);
        if (layer.kind === "land") {
          parts.land = L.polygon(latlngs, L.extend({}, base, {
            color: s.coast, weight: 1, fillColor: s.land, fillOpacity: 1 }));
        } else if (layer.kind === "state") {
          parts.state = L.polyline(latlngs, L.extend({}, base, { color: s.state, weight: 1.2 }));
        } else if (layer.kind === "county") {
          parts.county = L.polyline(latlngs, L.extend({}, base, { color: s.county, weight: 0.7 }));
        }
      }
      this._parts = parts;
      if (parts.land) { this.addLayer(parts.land); }
      if (parts.state) { this.addLayer(parts.state); }
      this._showCounties();
      this.fire("load");
    },

    // County borders only when zoomed in; kept under the state borders.
    _showCounties: function () {
      var p = this._parts, map = this._map;
      if (!p || !p.county || !map) { return; }
      var want = map.getZoom() >= this.options.countyMinZoom;
      if (want === this.hasLayer(p.county)) { return; }
      if (want) {
        if (p.state) { this.removeLayer(p.state); }
        this.addLayer(p.county);
        if (p.state) { this.addLayer(p.state); }
      } else {
        this.removeLayer(p.county);
      }
    },

    // Which parts are drawn now: "land", "state", "county".
    drawnParts: function () {
      var out = [], p = this._parts || {};
      for (var key in p) { if (this.hasLayer(p[key])) { out.push(key); } }
      return out;
    }
  });

  OutlineLayer.decodeLayer = decodeLayer;
  L.OutlineLayer = OutlineLayer;
  L.outlineLayer = function (source, options) { return new OutlineLayer(source, options); };
})();
"""


class OutlineLayer(ScriptLayer):
    """The offline base map as a Folium layer (a base layer by default).

    Parameters
    ----------
    source : str or dict
        A URL to fetch ``us-outline.json`` from (best from the app's own
        server), or that document itself (a dict, or its JSON text) to embed.
    name : str
        The name in the layer control.
    overlay, control, show : bool
        As for any folium layer.  A base layer (``overlay=False``) by default,
        the alternative to a tile layer.
    county_min_zoom : int
        County borders are drawn from this zoom on.
    """

    _js_class = "OutlineLayer"
    _class_js = _CLASS_JS

    def __init__(
        self,
        source: str | dict,
        *,
        name: str = OUTLINE_NAME,
        overlay: bool = False,
        control: bool = True,
        show: bool = True,
        county_min_zoom: int = 6,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "OutlineLayer"
        if isinstance(source, str) and source.lstrip().startswith("{"):
            source = json.loads(source)
        if not isinstance(source, (str, dict)):
            raise TypeError(f"source must be a URL or the outline document, got {type(source).__name__}")
        self.source = source
        self.options = {
            "pane": "outlinePane",
            "county_min_zoom": int(county_min_zoom),
            "attribution": OUTLINE_ATTRIBUTION,
            "style": dict(OUTLINE_STYLE),
        }

    @property
    def url(self) -> str | None:
        """The URL the browser fetches the outlines from, or None when they are embedded."""
        return self.source if isinstance(self.source, str) else None

    def source_js(self) -> str:
        return to_script_json(self.source)

    def js_data(self) -> str:
        return self.source_js()
