// Clicks and the pointer over the canvas point layers: the screen grid that finds what is
// under the cursor, and one click and one mousemove handler per map shared by its point
// layers (the topmost answers; one popup for everything at the spot).
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.pointer.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.pointer) { return; }

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
    var map = this, clicked = now();
    var found = hitsAt(map, e.containerPoint);
    if (!found.length) { return; }
    if (found[0].ids[0] < 0) {
      found[0].layer._openCluster(-1 - found[0].ids[0]);
      return;
    }
    found = found.map(function (hit) {
      return { layer: hit.layer, ids: hit.ids.filter(function (id) { return id >= 0; }) };
    }).filter(function (hit) { return hit.ids.length; });
    var latlng = found[0].layer._latLngOf(found[0].ids[0]);
    var token = map._cplClick = (map._cplClick || 0) + 1;
    // A layer whose records list other records (a facility, its deaths) leads; the records it
    // lists are then left out of the other layers' part, so nothing is shown twice.
    var lead = found.filter(function (hit) { return hit.layer.options.lists; });
    var rest = found.filter(function (hit) { return !hit.layer.options.lists; });
    Promise.all(lead.map(function (hit) { return hit.layer.recordsFor(hit.ids); })).then(function (leadParts) {
      var listed = {};
      leadParts.forEach(function (part) { for (var c in (part.lists || {})) { listed[c] = true; } });
      rest = rest.map(function (hit) {
        return { layer: hit.layer, ids: hit.ids.filter(function (id) { return !listed[hit.layer.categoryOf(id)]; }) };
      }).filter(function (hit) { return hit.ids.length; });
      found = lead.concat(rest);
      return Promise.all(rest.map(function (hit) { return hit.layer.recordsFor(hit.ids); })).then(function (parts) {
        return leadParts.concat(parts);
      });
    }).then(function (parts) {
      if (map._cplClick !== token) { return; }  // a later click won
      var root = document.createElement("div");
      for (var k = 0; k < found.length; k++) {
        if (found.length > 1 && found[k].layer.options.name) {
          var head = document.createElement("div");
          head.className = "cpl-layer";
          head.textContent = found[k].layer.options.name;
          root.appendChild(head);
        }
        root.appendChild(parts[k]);
      }
      found[0].layer._showPopup(latlng, root);
      map._cplPopupMs = now() - clicked;
    });
  }

  function now() { return (window.performance && performance.now) ? performance.now() : Date.now(); }

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

  P.pointer = {
    buildGrid: buildGrid, queryGrid: queryGrid, register: register, unregister: unregister, hitsAt: hitsAt,
    hitAt: hitAt, onMapClick: onMapClick, onMapMove: onMapMove, setPointer: setPointer, now: now
  };
})();
