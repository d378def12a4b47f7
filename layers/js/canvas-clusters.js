// Clusters and heat of the canvas point layer: points counted in cells of the world's pixel
// grid (numbered discs whose ring shows the mix of colours), and a kernel density coloured
// on HEAT_RAMP.  `methods` are the layer's (mixed into L.CanvasPointLayer by canvas.js).
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.clusters.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.clusters) { return; }
  var column = P.columns.column, buildGrid = P.pointer.buildGrid;

  var HEAT_RAMP = [[0.0,"#ffffcc"],[0.25,"#fed976"],[0.45,"#fd8d3c"],[0.7,"#e31a1c"],[1.0,"#800026"]];

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

  var methods = {
    _drawClusters: function (w, h, scale, origin) {
      var o = this.options, d = this._data, ctx = this._ctx, size = o.clusterCell;
      var n = this._n, x0 = this._x0, y0 = this._y0;
      var xs = this._xs, ys = this._ys, ids = this._ids, wx = this._wx, wy = this._wy;
      // Every point of a cell that touches the canvas, so counts do not depend
      // on where the canvas edge cuts a cell.
      var gx0 = Math.floor(origin.x / size), gy0 = Math.floor(origin.y / size);
      var gx1 = Math.floor((origin.x + w) / size), gy1 = Math.floor((origin.y + h) / size);
      var count = 0, show = this._show;
      for (var i = 0; i < n; i++) {
        if (show && !show[i]) { continue; }
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
        this._openPopup(members.slice().reverse());
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
      var gx = cl.gx[j], gy = cl.gy[j], size = cl.size, scale = cl.scale, show = this._show;
      for (var i = 0; i < this._n; i++) {
        if (show && !show[i]) { continue; }
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
      var count = 0, show = this._show;
      for (var i = 0; i < n; i++) {
        if (show && !show[i]) { continue; }
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
    }
  };

  P.clusters = {
    HEAT_RAMP: HEAT_RAMP, clusterGrid: clusterGrid, heatGrid: heatGrid, boxRadius: boxRadius,
    blurGrid: blurGrid, unitPeak: unitPeak, heatLevel: heatLevel, heatRamp: heatRamp,
    clusterLabel: clusterLabel, clusterRadius: clusterRadius, methods: methods
  };
})();
