// The canvas point layer (L.CanvasPointLayer): many points drawn on one <canvas>.
// Served by the app as a file (layers/js/canvas.js) and tested in node from this file
// (tests/jsharness.py).  Everything the data can reach goes through textContent /
// createTextNode / setAttribute: no markup is ever parsed.
//
// This file draws the points (symbols, uncertainty circles, fanned-out leaders) and makes
// the layer; its parts are loaded before it (SCRIPT_NEEDS in layers/_script.py), each a
// file of layers/js/ in L.CanvasPointParts:
//   canvas-columns.js   the binary columns reader (page or points file -> typed arrays)
//   canvas-words.js     the popups' words, numbers and link hosts
//   canvas-charts.js    the popups' small charts
//   canvas-popup.js     the popup: records from the page or from fetched shards
//   canvas-pointer.js   clicks and the pointer: the hit grid, one handler per map
//   canvas-clusters.js  clusters and heat
//   canvas-filter.js    time and category filtering (setFilter, for the time bar)
(function () {
  "use strict";
  if (L.CanvasPointLayer) { return; }
  var P = L.CanvasPointParts;
  var C = P.columns, column = C.column, decodeColumns = C.decodeColumns, fetchColumns = C.fetchColumns;
  var setWords = P.words.setWords;
  var G = P.pointer, buildGrid = G.buildGrid, queryGrid = G.queryGrid, register = G.register;
  var unregister = G.unregister, now = G.now;

  // The layer's methods from this file and those its parts add (popup, clusters and heat, filter).
  function withParts(methods) {
    [P.popup.methods, P.clusters.methods, P.filter.methods].forEach(function (part) {
      for (var name in part) { methods[name] = part[name]; }
    });
    return methods;
  }

  // Metres round the equator: a pixel at zoom 0 spans EARTH / 256 m there.
  var EARTH = 40075016.686;
  var layerCount = 0;

  // Symbol outlines in units of the radius (layers/_symbols.py); null is a circle.
  var SHAPES = {"circle":null,"square":[[-0.85,-0.85],[0.85,-0.85],[0.85,0.85],[-0.85,0.85]],"diamond":[[0.0,-1.2],[1.2,0.0],[0.0,1.2],[-1.2,0.0]],"triangle":[[0.0,-1.25],[1.12,0.75],[-1.12,0.75]],"triangle_down":[[0.0,1.25],[1.12,-0.75],[-1.12,-0.75]],"cross":[[-0.36,-1.15],[0.36,-1.15],[0.36,-0.36],[1.15,-0.36],[1.15,0.36],[0.36,0.36],[0.36,1.15],[-0.36,1.15],[-0.36,0.36],[-1.15,0.36],[-1.15,-0.36],[-0.36,-0.36]],"star":[[0.0,-1.35],[0.341,-0.469],[1.284,-0.417],[0.552,0.179],[0.794,1.092],[0.0,0.58],[-0.794,1.092],[-0.552,0.179],[-1.284,-0.417],[-0.341,-0.469]]};

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

  var CanvasPointLayer = L.Layer.extend(withParts({
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
      pointsMax: 0,
      circleBatch: 256,
      polygonBatch: 24
    },

    initialize: function (data, options) {
      L.setOptions(this, options);
      if (this.options.text) { setWords(this.options.text, this.options.locale); }
      this._show = null;
      if (data.file) {
        // The columns come from their file: until then nothing is drawn, counted or clicked.
        var self = this;
        this._data = data;
        this._n = data.n;
        this._ready = false;
        this._shown = 0;
        this._loading = fetchColumns(data).then(function () { self._onLoad(); return self; }, function (err) {
          self._loadError = err;
          self._showLoadError();
          return self;
        });
      } else {
        this._data = decodeColumns(data);
        this._n = data.lon.length;
        this._ready = true;
        this._shown = this._n;
        this._loading = Promise.resolve(this);
      }
      this._shards = {};
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
      if (!this._x0 && this._ready) { this._projectAll(map); }
      this._view = null;
      register(map, this);
      this._showLoadError();
      this._reset();
    },

    // A promise of the layer once its columns are in (at once for columns in the page;
    // it resolves too when their file could not be read: then _loadError says why).
    loaded: function () { return this._loading; },

    isLoaded: function () { return this._ready; },

    _onLoad: function () {
      this._ready = true;
      this._shown = this._n;
      if (this._map && this._canvas) { this._projectAll(this._map); }
      // A filter set while the columns were on their way applies now (and redraws).
      if (this._filter) { this.setFilter(this._filter); } else { this.redraw(); }
      if (this.fire) { this.fire("load"); }
    },

    _showLoadError: function () {
      if (!this._loadError || !this._map || this._errorBox) { return; }
      this._errorBox = L.DomUtil.create("div", "cpl-load-error", this._map.getContainer());
      this._errorBox.textContent = (this.options.name || "Points") + ": the points could not be loaded (" +
        this._loadError.message + ").";
    },

    onRemove: function (map) {
      unregister(map, this);
      L.DomUtil.remove(this._canvas);
      if (this._errorBox) { L.DomUtil.remove(this._errorBox); this._errorBox = null; }
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
      // Too many to read one by one: counted instead, until zoomed in far enough.
      if (o.mode === "points" && o.pointsMax && this._inView > o.pointsMax && z < o.clusterMaxZoom) {
        return "clusters";
      }
      return "points";
    },

    _reset: function () {
      var map = this._map;
      if (!map || !this._canvas || !this._ready) { return; }
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
      this._inView = this.options.mode === "points" && this.options.pointsMax && this._shown > this.options.pointsMax ?
        this._countInView(w, h, scale, origin) : this._shown;
      var mode = this.drawMode();
      if (mode === "heat") { this._drawHeat(w, h, scale, origin); return; }
      if (mode === "clusters") { this._drawClusters(w, h, scale, origin); return; }

      var n = this._n, x0 = this._x0, y0 = this._y0, xs = this._xs, ys = this._ys, ids = this._ids;
      var dx = this._data.dx || 0, dy = this._data.dy || 0;
      var count = 0, maxR = 0, show = this._show;
      for (var i = 0; i < n; i++) {
        if (show && !show[i]) { continue; }
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
      var d = this._data, o = this.options, dx = d.dx || 0, dy = d.dy || 0, any = false, seen = {};
      ctx.beginPath();
      for (var m = 0; m < count; m++) {
        var k = sel ? sel[m] : m, i = ids[k];
        var ru = this._u0[i] * scale;
        if (!(ru >= this._radius(i) + 3)) { continue; }
        var x = xs[k] - column(dx, i), y = ys[k] - column(dy, i);
        var spot = Math.round(x) + "," + Math.round(y) + "," + Math.round(ru);
        if (seen[spot]) { continue; }
        seen[spot] = true;
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

    redraw: function () {
      this._view = null;
      if (this._map && this._canvas) {
        var t0 = now();
        this._reset();
        this._drawMs = now() - t0;
      }
      return this;
    },

    // The number of points currently drawn or counted (inside the view).
    drawnCount: function () { return this._drawn || 0; },

    // The number of clusters drawn now (0 unless drawing clusters).
    clusterCount: function () { return this._clusters ? this._clusters.n.length : 0; },

    // The number of points shown (those that pass the filter).
    pointCount: function () { return this._shown; },

    // The number of points in the layer's data, shown or not.
    totalCount: function () { return this._n; }
  }));

  // What tests and the time bar (timebar.js: decodeTyped) use, by the names they always had.
  [[P.popup, ["buildContent", "recordsFromShards"]], [P.words, ["WORDS", "hostOf"]],
   [P.columns, ["decodeColumns", "decodeTyped", "fetchColumns"]], [P.pointer, ["buildGrid", "queryGrid"]],
   [P.clusters, ["clusterGrid", "heatGrid", "blurGrid", "boxRadius", "unitPeak", "heatLevel", "heatRamp"]],
   [P.charts, ["sparkline", "sourceChart"]]].forEach(function (pair) {
    pair[1].forEach(function (name) { CanvasPointLayer[name] = pair[0][name]; });
  });
  L.CanvasPointLayer = CanvasPointLayer;
  L.canvasPointLayer = function (data, options) { return new CanvasPointLayer(data, options); };
})();