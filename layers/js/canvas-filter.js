// Time and category filtering of the canvas point layer: which points are shown for the
// page's date range and categories (setFilter, which the time bar calls), and how many.
// `methods` are the layer's (mixed into L.CanvasPointLayer by canvas.js).
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.filter.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.filter) { return; }

  var methods = {
    // Which points are shown: filter.start / filter.end (days since data.epoch, either
    // may be null) keep those whose [day0, day1] overlaps; filter.categories (indices
    // into data.categories, or null for all) those of the listed categories.  A layer
    // without days or categories ignores that part.  Redraws at once.
    setFilter: function (filter) {
      if (!this._ready) { this._filter = filter || {}; return 0; }  // applied once the columns are in
      var d = this._data, n = this._n, f = filter || {};
      var byDay = d.day0 && (f.start !== null && f.start !== undefined || f.end !== null && f.end !== undefined);
      var cats = d.category && f.categories ? f.categories : null;
      if (!byDay && !cats) {
        this._show = null;
        this._shown = n;
      } else {
        var show = this._show && this._show.length === n ? this._show : new Uint8Array(n);
        var lo = f.start === null || f.start === undefined ? -Infinity : f.start;
        var hi = f.end === null || f.end === undefined ? Infinity : f.end;
        var allowed = new Uint8Array(256), day0 = d.day0, day1 = d.day1 || d.day0, cat = d.category, count = 0;
        if (cats) { cats.forEach(function (c) { allowed[c] = 1; }); } else { allowed.fill(1); }
        for (var i = 0; i < n; i++) {
          var ok = (!cat || allowed[cat[i]]) && (!byDay || (day0[i] <= hi && day1[i] >= lo));
          show[i] = ok ? 1 : 0;
          count += ok ? 1 : 0;
        }
        this._show = show;
        this._shown = count;
      }
      this._filter = f;
      this.redraw();
      return this._shown;
    },

    // The shown points per category index (for the time bar's count).
    shownByCategory: function () {
      var cat = this._data.category, out = [];
      if (!cat || !this._ready) { return out; }
      for (var i = 0; i < this._n; i++) {
        if (!this._show || this._show[i]) { out[cat[i]] = (out[cat[i]] || 0) + 1; }
      }
      return out;
    },

    _countInView: function (w, h, scale, origin) {
      var n = this._n, x0 = this._x0, y0 = this._y0, show = this._show, count = 0;
      var ox = origin.x / scale, oy = origin.y / scale, ex = (origin.x + w) / scale, ey = (origin.y + h) / scale;
      for (var i = 0; i < n; i++) {
        if (show && !show[i]) { continue; }
        var x = x0[i], y = y0[i];
        if (x >= ox && x <= ex && y >= oy && y <= ey) { count++; }
      }
      return count;
    }
  };

  P.filter = {
    methods: methods
  };
})();
