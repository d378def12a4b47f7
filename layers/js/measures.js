// A measure by area through time (L.MeasureLayer): 287(g) agreements, people on ATD, Border Patrol
// encounters, ICE arrests.  Needs polyline.js.  Served by the app as a file; see layers/measures.py.
//
// The measure's rows as columns (rows per place, period, value, category), in the page or in a file it
// names (data.file: fetched, not sent again with each rerun of the page); the
// polygons of counties, states and AORs come from the bundle's own files (options.regionsUrl,
// options.aorUrl), fetched once per page and shared by every measure layer.  For the dates shown
// (setFilter, called by L.iceTime on every filter change and playback step) the layer does what
// geodata.view.measures.values_for_range does: "sum" adds the periods that meet the range; "latest"
// and "in_force" take the rows whose period holds one day (see dayCounted).  Texts are set with textContent.
(function () {
  "use strict";
  if (L.MeasureLayer) { return; }

  var DAY_MS = 86400000, EPOCH = Date.UTC(1900, 0, 1);
  var NS = "http://www.w3.org/2000/svg";
  var loading = {};  // url -> Promise of the parsed document

  function fetchJson(url) {
    if (!loading[url]) {
      loading[url] = fetch(url).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
    }
    return loading[url];
  }

  function isoOf(day) { return new Date(EPOCH + day * DAY_MS).toISOString().slice(0, 10); }

  // The rows as the page sends them (sorted by place: n rows per place, t an index into data.periods)
  // as one column each of place, first day, last day, value and category; worked out once.
  function columns(data) {
    if (data._cols) { return data._cols; }
    var W = data.rows, n = W.t.length, p = new Int32Array(n), s = new Int32Array(n), e = new Int32Array(n);
    var at = 0;
    W.n.forEach(function (count, place) { for (var j = 0; j < count; j++) { p[at++] = place; } });
    for (var k = 0; k < n; k++) { s[k] = data.periods[W.t[k]][0]; e[k] = data.periods[W.t[k]][1]; }
    data._cols = { p: p, s: s, e: e, v: W.v, c: W.c };
    return data._cols;
  }

  // The first and last day (day numbers) of the calendar month that holds day d.
  function monthOf(d) {
    var t = new Date(EPOCH + d * DAY_MS), y = t.getUTCFullYear(), m = t.getUTCMonth();
    return [(Date.UTC(y, m, 1) - EPOCH) / DAY_MS, (Date.UTC(y, m + 1, 1) - EPOCH) / DAY_MS - 1];
  }

  // The one day "latest" and "in_force" read on (geodata.view.measures.day_counted), or -1:
  // in_force: the range's end or the measure's last day if that comes first; latest: the latest
  // day inside the range that a row (of any category) counts.
  function dayCounted(data, lo, hi) {
    var R = columns(data), n = R.p.length, k, d = -1;
    if (data.summary === "in_force") {
      d = data.lastDay === null || data.lastDay === undefined ? -1 : Math.min(hi, data.lastDay);
      return d < lo ? -1 : d;
    }
    for (k = 0; k < n; k++) {
      if (R.e[k] >= lo && R.s[k] <= hi) { d = Math.max(d, Math.min(R.e[k], hi)); }
    }
    return d;
  }

  // Rows of one category (-1: the totals) summarised for [lo, hi] as the measure says: "sum" adds
  // the rows that meet it; "latest" and "in_force" take the rows whose period holds the day counted
  // (a row may be a run of months: for in_force its period shown is the month of that day).
  // Returns {values: {place index: value}, first: {}, last: {}, asOf: day or null}.
  function summarise(data, lo, hi, category) {
    var R = columns(data), n = R.p.length, k, out = { values: {}, first: {}, last: {}, asOf: null };
    var pick = data.summary !== "sum", day = -1, month = null;
    if (pick) {
      day = dayCounted(data, lo, hi);
      if (day < 0) { return out; }
      out.asOf = day;
      if (data.summary === "in_force") { month = monthOf(day); }
    }
    for (k = 0; k < n; k++) {
      if (R.c[k] !== category) { continue; }
      if (pick ? (R.s[k] > day || R.e[k] < day) : (R.e[k] < lo || R.s[k] > hi)) { continue; }
      var p = R.p[k], s = month ? Math.max(R.s[k], month[0]) : R.s[k], e = month ? Math.min(R.e[k], month[1]) : R.e[k];
      out.values[p] = (out.values[p] || 0) + R.v[k];
      out.first[p] = out.first[p] === undefined ? s : Math.min(out.first[p], s);
      out.last[p] = out.last[p] === undefined ? e : Math.max(out.last[p], e);
    }
    for (var key in out.values) { if (out.values[key] === 0) { delete out.values[key]; } }
    return out;
  }

  // Up to five classes of the positive values, lower bounds rounded to 1, 2 or 5 x 10^n.
  function nice(x) {
    if (x <= 1) { return 1; }
    var p = Math.pow(10, Math.floor(Math.log(x) / Math.LN10)), m = x / p;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
  }

  function breaks(values) {
    var v = values.filter(function (x) { return x > 0; }).sort(function (a, b) { return a - b; });
    if (!v.length) { return []; }
    var out = [];
    for (var q = 0; q < 5; q++) {
      var b = q === 0 ? v[0] : nice(v[Math.min(v.length - 1, Math.floor(q * v.length / 5))]);
      b = q === 0 ? Math.min(nice(b), b) : b;
      if (!out.length || b > out[out.length - 1]) { out.push(b); }
    }
    return out;
  }

  function classOf(bounds, v) {
    var k = 0;
    while (k + 1 < bounds.length && v >= bounds[k + 1]) { k++; }
    return k;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }

  // A small line chart of one place's series (totals), the dates shown marked.
  function sparkline(points, lo, hi) {
    var w = 240, h = 60, svg = document.createElementNS(NS, "svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("class", "ice-measure-chart");
    if (!points.length) { return svg; }
    var x0 = points[0][0], x1 = points[points.length - 1][0], vmax = 0;
    points.forEach(function (pt) { vmax = Math.max(vmax, pt[1]); });
    var sx = function (d) { return x1 === x0 ? w / 2 : 2 + (w - 4) * (d - x0) / (x1 - x0); };
    var sy = function (v) { return h - 2 - (h - 4) * (vmax ? v / (vmax * 1.15) : 0); };  // room above the top
    if (hi >= x0 && lo <= x1) {
      var band = document.createElementNS(NS, "rect");
      var a = sx(Math.max(lo, x0)), b = sx(Math.min(hi, x1));
      band.setAttribute("x", a); band.setAttribute("y", 0); band.setAttribute("width", Math.max(2, b - a));
      band.setAttribute("height", h); band.setAttribute("fill", "#fde0c5");
      svg.appendChild(band);
    }
    var line = document.createElementNS(NS, "polyline");
    line.setAttribute("points", points.map(function (pt) { return sx(pt[0]).toFixed(1) + "," + sy(pt[1]).toFixed(1); })
      .join(" "));
    line.setAttribute("fill", "none"); line.setAttribute("stroke", "#333"); line.setAttribute("stroke-width", "1.2");
    svg.appendChild(line);
    return svg;
  }

  // Decode a level of us-regions.json: {id: [[ring latlngs]...]} (ids: FIPS for counties, postal codes for states).
  function decodeLevel(level, factor, byState) {
    var pts = L.cplDecodePoints(level.points, factor), at = 0, out = {};
    level.regions.forEach(function (r) {
      var polys = r.counts.map(function (rings) {
        return rings.map(function (n) { var ring = pts.slice(at, at + n); at += n; return ring; });
      });
      out[byState ? r.state : r.id] = polys;
    });
    return out;
  }

  function decodeAors(doc) {
    var factor = Math.pow(10, doc.precision), out = {};
    doc.areas.forEach(function (a) {
      var pts = L.cplDecodePoints(a.points, factor), at = 0;
      out[a.aor] = a.counts.map(function (rings) {
        return rings.map(function (n) { var ring = pts.slice(at, at + n); at += n; return ring; });
      });
    });
    return out;
  }

  var MeasureLayer = L.FeatureGroup.extend({
    initialize: function (data, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      L.setOptions(this, options);
      this.data = data;
      this._data = {};  // for L.iceTime: neither a facility range layer nor a dated point layer
      this.W = data.text || {};
      this.category = -1;
      this.window = [0, 65534];
      this.shapes = {};  // place index -> Leaflet layer
      this.current = { values: {} };
      this._ready = this._load();
    },

    // Fetch the polygons the places need, make one Leaflet layer per place, then draw.
    _load: function () {
      var self = this;
      if (!this.data.file) { return this._loadShapes(); }
      // The page holds only the URL of the measure's rows (a file named by their digest: the browser
      // keeps it, and a rerun of the page does not send them again).
      return fetchJson(this.data.file.url).then(function (full) {
        full.file = self.data.file;  // where its rows came from
        self.data = full;
        self.W = full.text || {};
        return self._loadShapes();
      }).catch(function (err) {
        self._loaded = true;
        self.loadError = String(err);
      });
    },

    _loadShapes: function () {
      var self = this, d = this.data, o = this.options, kinds = {};
      d.places.forEach(function (p) { kinds[p.kind] = true; });
      var jobs = [];
      if ((kinds.county || kinds.state) && o.regionsUrl) {
        jobs.push(fetchJson(o.regionsUrl).then(function (doc) {
          var f = Math.pow(10, doc.precision), got = {};
          doc.levels.forEach(function (lv) { got[lv.level] = decodeLevel(lv, f, lv.level === "state"); });
          return got;
        }));
      } else { jobs.push(Promise.resolve({})); }
      if (kinds.aor && o.aorUrl) {
        jobs.push(fetchJson(o.aorUrl).then(decodeAors));
      } else { jobs.push(Promise.resolve({})); }
      return Promise.all(jobs).then(function (got) {
        var regions = got[0], aors = got[1];
        var hasCounties = d.places.some(function (p) { return p.kind === "county"; });
        self.notDrawn = [];
        d.places.forEach(function (p, k) {
          var shape = null;
          if (p.kind === "sector") {
            if (p.lat !== undefined) {
              shape = L.circleMarker([p.lat, p.lon], { radius: 0, weight: 1, color: "#ffffff", fillOpacity: 0.75 });
            }
          } else {
            var polys = p.kind === "aor" ? aors[p.id] : (regions[p.kind] || {})[p.id];
            // A state's own figure beside its counties' (a state police's 287(g) agreement) is drawn as the
            // state's outline, not a fill: a filled state would hide its counties.
            var outline = p.kind === "state" && hasCounties;
            if (polys) {
              shape = outline ? L.polygon(polys, { fill: false, weight: 3, opacity: 0.95 }) :
                L.polygon(polys, { weight: o.weight, color: o.strokeColor, opacity: 0.9, fillOpacity: o.fillOpacity });
              shape._iceOutline = outline;
            }
          }
          if (!shape) { self.notDrawn.push(p.name); return; }
          shape._icePlace = k;
          // Not bindPopup: its click handler stops the event, and a facility or incident drawn over the area
          // (layers/js/canvas-pointer.js answers the map's click) must open its own popup instead.
          shape.on("click", function (e) { self._click(k, e); });
          shape.on("mouseover", function (e) { if (e.target.setStyle) { e.target.setStyle({ weight: 2, color: "#333" }); } });
          shape.on("mouseout", function (e) { self._style(e.target); });
          if (shape._iceOutline) { shape.on("add", function (e) { e.target.bringToFront(); }); }
          self.shapes[k] = shape;
        });
        self._loaded = true;
        self.category = self._linkCategory();
        self.redraw();
      }).catch(function (err) {
        self._loaded = true;
        self.loadError = String(err);
        self.redraw();
      });
    },

    // A click on a place opens its popup, unless a point of the canvas layers is under the pointer.
    _click: function (k, e) {
      var map = this._map;
      if (!map) { return; }
      var points = map._cplLayers || [];
      for (var i = 0; i < points.length; i++) {
        if (points[i]._map && points[i]._hitTest && points[i]._hitTest(e.containerPoint)) { return; }
      }
      this._popupPlace = k;
      this._popup = L.popup({ maxWidth: 320, minWidth: 240 }).setLatLng(e.latlng).setContent(this.popup(k));
      this._popup.openOn(map);
    },

    isLoaded: function () { return !!this._loaded; },
    loaded: function () { return this._ready; },

    // Called by L.iceTime with days since 1900-01-01; returns the places drawn.
    setFilter: function (filter) {
      if (filter && filter.start !== undefined && filter.start !== null) {
        this.window = [filter.start, filter.end];
      }
      this.redraw();
      return this.shownCount || 0;
    },

    // The category chosen in the legend, kept in the page's link as <categoryParam>=<name> ("model=Task Force
    // Model", "technology=GPS"; layers/js/viewurl.js keeps it through the app's rewrites of the query).
    setCategory: function (index) {
      this.category = index;
      var d = this.data, url = L.iceViewInUrl;
      if (d.categoryParam && url && url.setParam) {
        url.setParam(d.categoryParam, index >= 0 ? d.categories[index] : null);
      }
      this.redraw();
    },

    // The category the page's link names (-1: all, also for a name the measure does not have).
    _linkCategory: function () {
      var d = this.data, url = L.iceViewInUrl;
      if (!d.categoryParam || !url || !url.getParam) { return this.category; }
      var name = url.getParam(d.categoryParam), at = name === null ? -1 : (d.categories || []).indexOf(name);
      return at >= 0 ? at : this.category;
    },

    redraw: function () {
      var d = this.data, self = this;
      if (!d.rows) { return; }  // its rows are still on their way (data.file)
      this.current = summarise(d, this.window[0], this.window[1], this.category);
      var vals = [], k;
      for (k in this.current.values) { vals.push(this.current.values[k]); }
      this.bounds = breaks(vals);
      this.vmax = vals.length ? Math.max.apply(null, vals) : 0;
      var shown = 0;
      for (k in this.shapes) {
        var shape = this.shapes[k], v = this.current.values[k];
        if (v) {
          self._style(shape);
          if (!this.hasLayer(shape)) { this.addLayer(shape); }
          shown++;
        } else if (this.hasLayer(shape)) {
          this.removeLayer(shape);
        }
      }
      this.shownCount = shown;
      this.total = vals.reduce(function (a, b) { return a + b; }, 0);
      this._legend();
      if (this._map && this._popup && this._map.hasLayer(this._popup)) {
        this._popup.setContent(this.popup(this._popupPlace));  // the open popup follows the dates too
      }
    },

    _style: function (shape) {
      var v = this.current.values[shape._icePlace] || 0, colors = this.data.colors;
      var color = colors[Math.min(colors.length - 1, classOf(this.bounds, v) + (colors.length - this.bounds.length))];
      if (this.data.places[shape._icePlace].kind === "sector") {
        var r = this.vmax ? Math.max(3, this.options.maxRadius * Math.sqrt(v / this.vmax)) : 0;
        shape.setRadius(r);
        shape.setStyle({ fillColor: colors[colors.length - 1], color: "#ffffff", weight: 1 });
      } else if (shape._iceOutline) {
        shape.setStyle({ color: color, weight: 3 });
      } else {
        shape.setStyle({ fillColor: color, color: this.options.strokeColor, weight: this.options.weight });
      }
    },

    number: function (v) { return Number(v).toLocaleString(this.data.locale || "en-US"); },

    periodText: function (first, last) {
      var W = this.W, d = this.data;
      if (d.summary === "latest") { return (W.asOf || "As of") + " " + isoOf(first); }
      if (d.summary === "in_force") { return (W.inForce || "In force in") + " " + isoOf(first) + " \u2013 " + isoOf(last); }
      return (W.period || "Period counted") + ": " + isoOf(first) + " \u2013 " + isoOf(last);
    },

    // The legend section's classes, for the dates shown.
    _legend: function () {
      var box = document.querySelector('.ice-measure-legend[data-measure="' + this.data.key + '"]');
      if (!box) { return; }
      while (box.firstChild) { box.removeChild(box.firstChild); }
      var d = this.data, b = this.bounds, colors = d.colors, self = this;
      if (d.categories.length) {  // the measure's categories (a 287(g) model, an ATD technology): one at a time
        var pick = el("select", "ice-measure-category");
        pick.setAttribute("aria-label", d.categoryLabel);
        var all = el("option", null, this.W.all || "All");
        all.value = "-1";
        pick.appendChild(all);
        d.categories.forEach(function (name, ci) {
          var o = el("option", null, name);
          o.value = String(ci);
          pick.appendChild(o);
        });
        pick.value = String(this.category);
        pick.addEventListener("change", function () { self.setCategory(parseInt(pick.value, 10)); });
        box.appendChild(pick);
      }
      if (!b.length) { box.appendChild(el("div", "note", this.W.none)); return; }
      var c = this.current;
      var span = d.summary === "in_force" ? monthOf(c.asOf) : [c.asOf, c.asOf];
      var when = c.asOf === null ? "" : this.periodText(span[0], span[1]);
      box.appendChild(el("div", "row", d.unit + ": " + this.number(this.total) + (when ? " (" + when + ")" : "")));
      b.forEach(function (lo, k) {
        var row = el("div", "row"), sw = el("i", "box");
        sw.style.background = colors[k + colors.length - b.length];
        if (d.places.length && d.places[0].kind === "sector") { sw.style.borderRadius = "50%"; }
        row.appendChild(sw);
        var hiV = k + 1 < b.length ? b[k + 1] - 1 : self.vmax;
        row.appendChild(document.createTextNode(self.number(lo) + (hiV > lo ? " \u2013 " + self.number(hiV) : "")));
        box.appendChild(row);
      });
      if (this.notDrawn && this.notDrawn.length) {
        box.appendChild(el("div", "note", fill(this.W.notDrawn, { names: this.notDrawn.join(", ") })));
      }
    },

    // One place's popup: value, period, categories, chart, agencies, source.
    popup: function (k) {
      var d = this.data, W = this.W, p = d.places[k], c = this.current, self = this;
      var box = el("div", "ice-measure-popup");
      box.appendChild(el("strong", null, p.name));
      var v = c.values[k];
      // "agreements in force: 1": the unit first, so that one number or many read the same.
      box.appendChild(el("div", "value", v ? d.unit + ": " + self.number(v) : W.none));
      if (v) { box.appendChild(el("div", "period", this.periodText(c.first[k], c.last[k]))); }
      if (p.kind === "sector") { box.appendChild(el("div", "note", W.precisionCity)); }
      if (d.categories.length && v) {
        var parts = [];
        d.categories.forEach(function (name, ci) {
          var s = summarise(d, self.window[0], self.window[1], ci);
          if (s.values[k]) { parts.push([name, s.values[k]]); }
        });
        if (parts.length) {
          box.appendChild(el("div", "head", fill(W.byCategory, { what: d.categoryLabel })));
          var ul = el("ul");
          parts.sort(function (a, b) { return b[1] - a[1]; }).forEach(function (pt) {
            ul.appendChild(el("li", null, pt[0] + ": " + self.number(pt[1])));
          });
          box.appendChild(ul);
        }
      }
      var pts = [], R = columns(d);
      // Each row drawn from its first day to its last (a run of months is flat across them).
      for (var i = 0; i < R.p.length; i++) {
        if (R.p[i] !== k || R.c[i] !== -1) { continue; }
        pts.push([R.s[i], R.v[i]]);
        if (R.e[i] > R.s[i]) { pts.push([R.e[i], R.v[i]]); }
      }
      pts.sort(function (a, b) { return a[0] - b[0]; });
      if (pts.length > 1) {
        box.appendChild(el("div", "head", W.series + " (" + isoOf(pts[0][0]) + " \u2013 " + isoOf(pts[pts.length - 1][0]) + ")"));
        box.appendChild(sparkline(pts, this.window[0], this.window[1]));
      }
      var rows = d.detail && d.detail[String(k)];
      if (rows && rows.length) {
        box.appendChild(el("div", "head", W.agencies + " (" + rows.length + ")"));
        var table = el("table", "ice-measure-agencies"), head = el("tr");
        [W.agency, d.categoryLabel, W.signed, W.snapshots].forEach(function (h) { head.appendChild(el("th", null, h)); });
        table.appendChild(head);
        rows.slice(0, 25).forEach(function (r) {
          var tr = el("tr");
          r.forEach(function (x) { tr.appendChild(el("td", null, x)); });
          table.appendChild(tr);
        });
        box.appendChild(table);
        if (rows.length > 25) { box.appendChild(el("div", "note", fill(W.and, { n: rows.length - 25 }))); }
      }
      var src = el("div", "source");
      src.appendChild(document.createTextNode((W.source || "Source") + ": "));
      var a = el("a", null, d.sourceName);
      if (/^https:\/\//.test(d.source)) { a.href = d.source; a.target = "_blank"; a.rel = "noopener"; }
      src.appendChild(a);
      src.appendChild(document.createTextNode(" (" + d.licence + ")"));
      box.appendChild(src);
      return box;
    }
  });

  MeasureLayer.summarise = summarise;
  MeasureLayer.dayCounted = dayCounted;
  MeasureLayer.breaks = breaks;
  L.MeasureLayer = MeasureLayer;
})();
