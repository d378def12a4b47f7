/* Place names on the outline map (L.PlaceLabels): cities and towns, more of them as the map zooms in.
 *
 * The places are geodata/data/basemap/us-places.json (GeoNames, CC BY 4.0; see
 * geodata/places.py): names and populations, largest first, and their points as
 * one encoded polyline string.  A place is named from the zoom at which its
 * population reaches options.steps ([[zoom, people], ...]: from that zoom on,
 * places of that many people or more).  Larger places are placed first and a
 * label that would touch one already placed is left out, so labels never
 * overlap.  The labels are drawn on one canvas in their own pane, under every
 * data layer (options.zIndex, above the outline map's 200 and below the
 * overlay pane's 400 and the points' 450 and up): points and areas are drawn
 * over the names, never under them.  Needs polyline.js.
 */
(function () {
  "use strict";
  if (L.PlaceLabels) { return; }

  // The fewest people a place needs to be named at this zoom (Infinity: none yet).
  function minPopulation(steps, zoom) {
    var min = Infinity;
    for (var k = 0; k < steps.length; k++) {
      if (zoom >= steps[k][0]) { min = steps[k][1]; }
    }
    return min;
  }

  // The label style of a place: larger type for a place many times larger than the zoom's smallest
  // (zoomed in on a city, the city stands out among its suburbs; zoomed out, no name shouts).
  function fontOf(tiers, times) {
    for (var k = 0; k < tiers.length; k++) {
      if (times >= tiers[k][0]) { return tiers[k]; }
    }
    return tiers[tiers.length - 1];
  }

  /* The labels to draw: [{i, name, x, y, font, box: [x0, y0, x1, y1]}], largest place first.
   * places: {names, population, lat, lon}, largest first; project(lat, lon) -> {x, y} in pixels of a
   * width x height canvas; measure(text, font) -> width in pixels. */
  function chooseLabels(places, zoom, project, width, height, measure, opts) {
    var min = minPopulation(opts.steps, zoom), gap = opts.gap, cell = 64, grid = {}, out = [];
    function cells(b, add, item) {
      var hit = false;
      for (var cx = Math.floor(b[0] / cell); cx <= Math.floor(b[2] / cell); cx++) {
        for (var cy = Math.floor(b[1] / cell); cy <= Math.floor(b[3] / cell); cy++) {
          var key = cx + ":" + cy, list = grid[key];
          if (add) { (grid[key] = list || []).push(item); continue; }
          for (var k = 0; list && k < list.length; k++) {
            var o = list[k].box;
            if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) { hit = true; break; }
          }
          if (hit) { return true; }
        }
      }
      return hit;
    }
    for (var i = 0; i < places.names.length && out.length < opts.max; i++) {
      var people = places.population[i];
      if (people < min) { break; }  // largest first: the rest are smaller still
      var p = project(places.lat[i], places.lon[i]);
      if (!(p.x >= 0 && p.x <= width && p.y >= 0 && p.y <= height)) { continue; }
      var tier = fontOf(opts.tiers, people / min), name = places.names[i];
      var w = measure(name, tier[1]), h = tier[2];
      var box = [p.x - w / 2 - gap, p.y - h / 2 - gap, p.x + w / 2 + gap, p.y + h / 2 + gap];
      if (cells(box, false)) { continue; }
      var label = { i: i, name: name, x: p.x, y: p.y, font: tier[1], box: box };
      cells(box, true, label);
      out.push(label);
    }
    return out;
  }

  function decodePlaces(doc) {
    var pts = L.cplDecodePoints(doc.points, Math.pow(10, doc.precision));
    var lat = new Array(pts.length), lon = new Array(pts.length);
    for (var k = 0; k < pts.length; k++) { lat[k] = pts[k][0]; lon[k] = pts[k][1]; }
    if (pts.length !== doc.names.length || pts.length !== doc.population.length) {
      throw new Error("places: " + doc.names.length + " names for " + pts.length + " points");
    }
    return { names: doc.names, population: doc.population, lat: lat, lon: lon };
  }

  var PlaceLabels = L.Layer.extend({
    options: {
      pane: "placeLabelPane",
      zIndex: 250,
      steps: [[4, 500000], [6, 100000], [8, 20000], [10, 5000], [12, 1000]],
      // [people, as a multiple of the zoom's smallest place named, canvas font, height in pixels]
      tiers: [[100, "600 13px system-ui, sans-serif", 13], [10, "12px system-ui, sans-serif", 12],
              [0, "11px system-ui, sans-serif", 11]],
      color: "#5f594f",
      halo: "rgba(246, 244, 239, 0.92)",
      gap: 3,
      max: 400,
      padding: 0.3
    },

    initialize: function (doc, options) {
      L.setOptions(this, options);
      this._places = decodePlaces(doc);
      this._labels = [];
    },

    onAdd: function (map) {
      var pane = map.getPane(this.options.pane);
      if (!pane) {
        pane = map.createPane(this.options.pane);
        pane.style.zIndex = this.options.zIndex;
        pane.style.pointerEvents = "none";
        // Hidden while Leaflet animates a zoom, drawn again for the new zoom when it ends.
        L.DomUtil.addClass(pane, "leaflet-zoom-hide");
      }
      this._canvas = L.DomUtil.create("canvas", "ice-place-labels", pane);
      this._canvas.style.pointerEvents = "none";
      this._ctx = this._canvas.getContext("2d");
      map.on("moveend viewreset", this._redraw, this);
      this._redraw();
    },

    onRemove: function (map) {
      map.off("moveend viewreset", this._redraw, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = this._ctx = null;
      this._labels = [];
    },

    _redraw: function () {
      var map = this._map, ctx = this._ctx, o = this.options;
      if (!map || !ctx) { return; }
      var size = map.getSize(), padX = Math.round(size.x * o.padding), padY = Math.round(size.y * o.padding);
      var origin = map.containerPointToLayerPoint([-padX, -padY]).round();
      var w = size.x + 2 * padX, h = size.y + 2 * padY, ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(this._canvas, origin);
      this._canvas.width = Math.round(w * ratio);
      this._canvas.height = Math.round(h * ratio);
      this._canvas.style.width = w + "px";
      this._canvas.style.height = h + "px";
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, w, h);
      function project(lat, lon) {
        var p = map.latLngToLayerPoint([lat, lon]);
        return { x: p.x - origin.x, y: p.y - origin.y };
      }
      function measure(text, font) { ctx.font = font; return ctx.measureText(text).width; }
      var labels = chooseLabels(this._places, map.getZoom(), project, w, h, measure, o);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3;
      ctx.strokeStyle = o.halo;
      ctx.fillStyle = o.color;
      for (var k = 0; k < labels.length; k++) {
        var l = labels[k];
        ctx.font = l.font;
        ctx.strokeText(l.name, l.x, l.y);
        ctx.fillText(l.name, l.x, l.y);
        l.box = [l.box[0] + origin.x, l.box[1] + origin.y, l.box[2] + origin.x, l.box[3] + origin.y];
      }
      this._labels = labels;
    },

    // What is drawn now: [{name, box}] with boxes in layer pixels (for tests).
    drawnLabels: function () {
      return this._labels.map(function (l) { return { name: l.name, box: l.box }; });
    }
  });

  PlaceLabels.chooseLabels = chooseLabels;
  PlaceLabels.minPopulation = minPopulation;
  PlaceLabels.decodePlaces = decodePlaces;
  L.PlaceLabels = PlaceLabels;
})();
