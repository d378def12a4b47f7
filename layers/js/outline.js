// The offline outline map (L.OutlineLayer): land, state and county borders on one canvas, and,
// with options.places (a URL of us-places.json, or the document), the names of cities and towns
// (L.PlaceLabels, in a pane of their own under the data).
// Needs polyline.js and places.js.  Served by the app as a file; see layers/outline.py.
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
      style: {},
      places: null,
      placeOptions: {}
    },

    initialize: function (source, options) {
      L.LayerGroup.prototype.initialize.call(this, [], options);
      L.setOptions(this, options);
      this._source = source;
      this._parts = null;
      this._loading = false;
      this._labels = null;
      this._placesLoading = false;
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
      this._loadPlaces();
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

    // The place names: fetched once (the browser caches the file), kept in the group.
    _loadPlaces: function () {
      var src = this.options.places, self = this;
      if (!src || this._labels || this._placesLoading) { return; }
      function build(doc) {
        self._labels = new L.PlaceLabels(doc, self.options.placeOptions);
        self.addLayer(self._labels);
        self.fire("placesload");
      }
      if (typeof src !== "string") { build(src); return; }
      this._placesLoading = true;
      fetch(src, { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (doc) { self._placesLoading = false; build(doc); })
        .catch(function (err) {
          self._placesLoading = false;
          if (window.console) { console.warn("outline map: " + src + ": " + err); }
        });
    },

    // The place names drawn now (see L.PlaceLabels.drawnLabels); [] before they load.
    drawnLabels: function () {
      return this._labels && this.hasLayer(this._labels) ? this._labels.drawnLabels() : [];
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
        } else if (layer.kind === "neighbours") {
          // Mexico, Central America, the Caribbean (Natural Earth): land like the US's, under it.
          parts.neighbours = L.polygon(latlngs, L.extend({}, base, {
            color: s.coast, weight: 1, fillColor: s.land, fillOpacity: 1 }));
        } else if (layer.kind === "state") {
          parts.state = L.polyline(latlngs, L.extend({}, base, { color: s.state, weight: 1.2 }));
        } else if (layer.kind === "county") {
          parts.county = L.polyline(latlngs, L.extend({}, base, { color: s.county, weight: 0.7 }));
        }
      }
      this._parts = parts;
      if (parts.neighbours) { this.addLayer(parts.neighbours); }
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

    // Which parts are drawn now: "neighbours", "land", "state", "county".
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
