// Time in the browser (L.IceTime): the map follows the page's filter and plays through it
// without asking the server for anything.
//
// The map is built once for all its points; the date range and the categories reach it
// through the parent page's URL (?start=YYYY-MM-DD&end=YYYY-MM-DD&category=a,b, written
// by the app), read at once, after every history change of the page and every 250 ms.
// Each change redraws the point layers (CanvasPointLayer.setFilter), shows the facilities
// in use in the range and resizes them by their average daily population over it
// (applyRange).  A time bar in the map steps through the range a week or a month at a
// time (play, pause, step, a slider); the step shown goes back into the page's URL
// (&step=YYYY-MM-DD,YYYY-MM-DD) so that a link reopens it.  Needs canvas.js.
//
// Its words come from Python in the page's language (options.text, from the gettext catalogue:
// layers/timebar.py), numbers are written for options.locale; WORDS is the English.
(function () {
  "use strict";
  if (L.IceTime) { return; }

  var DAY_MS = 86400000;
  var POLL_MS = 250;
  var WORDS = {
    previous: "Previous step", play: "Play through the range", next: "Next step", pause: "Pause",
    step: "Step", stepShown: "Step shown", week: "week", month: "month",
    stepOf: "{unit} {k} of {n}: ", whole: "Whole range: ", incidentOne: "{n} incident", incidentOther: "{n} incidents",
    unknownDates: "not known (no daily figures in these dates)",
    unknownFacility: "not known (no daily figures for this facility in these dates)",
    unknownFigures: "not known (no figures for this facility in these dates)",
    nobody: "0 (nobody held)"
  };

  // The words of options.text, English for any it lacks.
  function wordsOf(text) {
    var out = {}, k;
    for (k in WORDS) { out[k] = WORDS[k]; }
    for (k in (text || {})) { if (typeof text[k] === "string") { out[k] = text[k]; } }
    return out;
  }

  // "{name}" in `template` replaced by values[name] (as text; a value is never read as a template).
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }

  function epochMs(iso) { return Date.parse(iso + "T00:00:00Z"); }

  function dayOf(iso, epoch) {
    if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) { return null; }
    var t = epochMs(iso);
    return isNaN(t) ? null : Math.round((t - epoch) / DAY_MS);
  }

  function isoOf(day, epoch) { return new Date(epoch + day * DAY_MS).toISOString().slice(0, 10); }

  // The filter in a query string: start, end, category (null: every one), step.
  function parseQuery(search) {
    var out = { start: null, end: null, category: null, step: null };
    String(search || "").replace(/^[?]/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var at = part.indexOf("="), key = at < 0 ? part : part.slice(0, at);
      var value = at < 0 ? "" : decodeURIComponent(part.slice(at + 1).replace(/\+/g, " "));
      if (key === "start" || key === "end") { out[key] = value; }
      if (key === "category") { out.category = value ? value.split(",") : []; }
      if (key === "step") {
        var ends = value.split(",");
        if (ends.length === 2) { out.step = ends; }
      }
    });
    return out;
  }

  // The weeks (Monday to Sunday) or calendar months that meet [lo, hi] (days), each clipped
  // to it, as geodata.occupancy.periods gives them.
  function periods(lo, hi, step, epoch) {
    var out = [];
    if (lo === null || hi === null || hi < lo) { return out; }
    if (step === "week") {
      var weekday = (new Date(epoch + lo * DAY_MS).getUTCDay() + 6) % 7;
      for (var a = lo - weekday; a <= hi; a += 7) { out.push([Math.max(a, lo), Math.min(a + 6, hi)]); }
      return out;
    }
    var d = new Date(epoch + lo * DAY_MS), y = d.getUTCFullYear(), m = d.getUTCMonth();
    while (true) {
      var first = Math.round((Date.UTC(y, m, 1) - epoch) / DAY_MS);
      var last = Math.round((Date.UTC(y, m + 1, 1) - epoch) / DAY_MS) - 1;
      if (first > hi) { break; }
      out.push([Math.max(first, lo), Math.min(last, hi)]);
      m++;
      if (m === 12) { m = 0; y++; }
    }
    return out;
  }

  // v to a tenth as numpy (and pandas' round) does it: rint(10 v) / 10, halves to even.
  function roundTenth(v) {
    var x = v * 10, r = Math.round(x);
    if (r - x === 0.5 && r % 2 !== 0) { r -= 1; }
    return r / 10;
  }

  // The US federal fiscal year of a day: October to September, FY2026 from 2025-10-01.
  function fiscalYear(day, epoch) {
    var d = new Date(epoch + day * DAY_MS);
    return d.getUTCFullYear() + (d.getUTCMonth() >= 9 ? 1 : 0);
  }

  // Which of a facility layer's facilities ICE's lists show in use in [lo, hi] (days; null
  // for an open end), by geodata.sources.facilities_in_use's rule: a facility is in use in
  // a fiscal year it is listed in (R.listed: bit k for the fiscal year R.years[k], the
  // years some list covers); in a year no list covers (FY2017-FY2018) when it is listed
  // before and after it; before the first list as listed in the first, after the last as
  // listed in the last.  Without the lists' years (or for a range open at both ends),
  // every facility.
  function listedInUse(R, lo, hi, n) {
    var out = new Uint8Array(n), years = R.years, i, y;
    if (!years || !years.length || lo === null && hi === null) { out.fill(1); return out; }
    var mask = R.listedMask || (R.listedMask = L.CanvasPointLayer.decodeTyped(R.listed));
    // An open end reaches as far as geodata.sources.fiscal_years_of takes it: FY2000 or FY2100.
    var e = epochMs(R.epoch), y0 = lo === null ? 2000 : fiscalYear(lo, e);
    var y1 = hi === null ? 2100 : fiscalYear(hi, e);
    var last = years.length - 1, wanted = 0, gaps = [];
    for (y = y0; y <= y1; y++) {
      var k = years.indexOf(y);
      if (k >= 0) { wanted |= 1 << k; }
      else if (y < years[0]) { wanted |= 1; }
      else if (y > years[last]) { wanted |= 1 << last; }
      else { gaps.push(y); }
    }
    for (i = 0; i < n; i++) {
      var m = mask[i];
      if ((m & wanted) !== 0) { out[i] = 1; continue; }
      if (!m || !gaps.length) { continue; }
      // The first and last fiscal year it is listed in: its lowest and highest bit.
      var a = years[31 - Math.clz32(m & -m)], b = years[31 - Math.clz32(m)];
      for (var g = 0; g < gaps.length; g++) {
        if (a < gaps[g] && gaps[g] < b) { out[i] = 1; break; }
      }
    }
    return out;
  }

  // A facility layer over [lo, hi]: its sizes, the average daily population from its months
  // (data.range: first day and days of each month, each facility's monthly figures),
  // person-days over days, as geodata.occupancy.range_adp computes it (outside the months
  // counted, the sizes of the fiscal year, data.range.fy); and the facilities shown, those
  // in use then as geodata.occupancy.view_frames has them: listed by ICE for those dates
  // (listedInUse) or holding someone in them (a figure that rounds to more than 0.0, as
  // the figure Python rounds to a tenth).  With data.range.empty "hide", those counted
  // holding nobody are hidden, else drawn hollow.  The popup's range figure follows.
  function applyRange(layer, lo, hi, words, locale) {
    var d = layer._data, R = d.range, W = words || WORDS;
    if (!R) { return; }
    if (!R.rows) {
      // The months arrive as one typed column, facilities x months, in tenths of a person.
      var flat = L.CanvasPointLayer.decodeTyped(R.series), known = L.CanvasPointLayer.decodeTyped(R.known);
      var width = R.first.length;
      R.rows = [];
      for (var f = 0; f < layer._n; f++) {
        R.rows.push(known[f] ? Array.from(flat.subarray(f * width, (f + 1) * width), function (v) {
          return v / R.scale;
        }) : null);
      }
    }
    var nMonths = R.first.length, covLo = R.first[0], covHi = R.first[nMonths - 1] + R.days[nMonths - 1] - 1;
    var a = Math.max(lo === null ? covLo : lo, covLo), b = Math.min(hi === null ? covHi : hi, covHi);
    var known = nMonths > 0 && a <= b, n = layer._n;
    var r = new Float32Array(n), hollow = new Uint8Array(n), show = listedInUse(R, lo, hi, n), words = [], shown = 0;
    var field = null;
    (d.fields || []).forEach(function (f) { if (f.label === R.label) { field = f; } });
    // With the best-source table (R.cells: the source of each facility-month, 0 for none), a
    // facility's average is over the days some source counts it, and its figure names them.
    var cells = R.cells ? (R.cellCodes || (R.cellCodes = L.CanvasPointLayer.decodeTyped(R.cells))) : null;
    for (var i = 0; i < n; i++) {
      var adp = NaN, series = R.rows[i], from = 0;
      if (known && series) {
        var personDays = 0, counted = 0;
        for (var m = 0; m < nMonths; m++) {
          var s = cells ? cells[i * nMonths + m] : 1;
          if (!s) { continue; }
          var v = series[m], dm = cells ? R.source_days[s][m] : R.days[m];
          var overlap = Math.min(b, R.first[m] + dm - 1) - Math.max(a, R.first[m]) + 1;
          if (overlap <= 0) { continue; }
          counted += overlap;
          from |= 1 << s;
          if (v) { personDays += v * overlap; }
        }
        adp = cells ? (counted > 0 ? personDays / counted : NaN) : personDays / (b - a + 1);
      }
      var size = known ? adp : R.fy[i], tenth = roundTenth(adp);
      // The view's figure is kept to a tenth (geodata.occupancy.with_range_adp): held is what stays above 0.
      var held = tenth > 0, nobody = known && !isNaN(adp) && !held;
      r[i] = Math.round(10 * Math.min(R.max, Math.max(R.min, R.radius_scale * Math.sqrt(size > 0 ? size : 0)))) / 10;
      hollow[i] = R.coarse[i] || (known && !held) ? 1 : 0;
      show[i] = (show[i] || held) && !(nobody && R.empty === "hide") ? 1 : 0;
      shown += show[i];
      var figure = !known ? W.unknownDates : isNaN(adp) ? (cells ? W.unknownFigures : W.unknownFacility) :
        nobody ? W.nobody : tenth.toLocaleString(locale || "en-US", { minimumFractionDigits: 1,
                                                                     maximumFractionDigits: 1 });
      if (cells && !isNaN(adp)) {
        var names = [];
        for (var c = 3; c >= 1; c--) { if (from & (1 << c)) { names.push(R.source_names[c]); } }
        figure += " (" + names.join(", ") + ")";
      }
      words.push(figure);
    }
    d.r = r;
    d.hollow = hollow;
    if (field) { field.values = words; delete field.levels; delete field.codes; }
    layer._fieldOverride = { label: R.label, values: words };  // for records fetched from shards
    layer._show = shown === n ? null : show;
    layer._shown = shown;
    layer.redraw();
  }

  function pageLocation() {
    try {
      var page = window.parent;
      return page && page !== window ? page.location : null;
    } catch (err) { return null; }  // another origin
  }

  // Write `params` (null to remove) into the page's query, keeping every other parameter.
  function writeParams(params) {
    try {
      var loc = pageLocation();
      if (!loc) { return; }
      var page = window.parent, keys = Object.keys(params);
      var parts = loc.search.replace(/^[?]/, "").split("&").filter(function (p) {
        return p && keys.indexOf(p.split("=")[0]) < 0;
      });
      keys.forEach(function (k) { if (params[k] !== null) { parts.push(k + "=" + params[k]); } });
      var next = parts.length ? "?" + parts.join("&") : "";
      if (next !== loc.search) { page.history.replaceState(page.history.state, "", loc.pathname + next + loc.hash); }
    } catch (err) { /* another origin, or no history */ }
  }

  // The time bar: play / pause, a step back and forward, a slider over the steps, the
  // step's dates and how many incidents it shows.  Built with DOM calls only.
  var TimeBar = L.Control.extend({
    options: { position: "bottomright" },
    initialize: function (time, options) { L.setOptions(this, options); this._time = time; },
    onAdd: function () {
      var t = this._time, W = t.words, box = L.DomUtil.create("div", "ice-timebar leaflet-bar");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      function button(label, title, onClick) {
        var b = L.DomUtil.create("button", "ice-timebar-button", box);
        b.type = "button";
        b.textContent = label;
        b.title = title;
        b.setAttribute("aria-label", title);
        L.DomEvent.on(b, "click", onClick);
        return b;
      }
      this._back = button("\u25c0", W.previous, function () { t.stepBy(-1); });
      this._play = button("\u25b6", W.play, function () { t.toggle(); });
      this._fwd = button("\u25b6\u25b6", W.next, function () { t.stepBy(1); });
      var unit = this._unit = L.DomUtil.create("select", "ice-timebar-unit", box);
      unit.title = W.step;
      unit.setAttribute("aria-label", W.step);
      ["week", "month"].forEach(function (w) {
        var o = document.createElement("option");
        o.value = w; o.textContent = W[w];
        unit.appendChild(o);
      });
      L.DomEvent.on(unit, "change", function () { t.setUnit(unit.value); });
      var slider = this._slider = L.DomUtil.create("input", "ice-timebar-slider", box);
      slider.type = "range";
      slider.min = "-1";
      slider.step = "1";
      slider.setAttribute("aria-label", W.stepShown);
      L.DomEvent.on(slider, "input", function () { t.show(parseInt(slider.value, 10)); });
      this._label = L.DomUtil.create("span", "ice-timebar-label", box);
      this.update();
      return box;
    },
    update: function () {
      var t = this._time;
      if (!this._label) { return; }
      this._slider.max = String(t.steps.length - 1);
      this._slider.value = String(t.index);
      this._unit.value = t.unit;
      this._play.textContent = t.playing ? "\u23f8" : "\u25b6";
      this._play.title = t.playing ? t.words.pause : t.words.play;
      this._label.textContent = t.label();
    }
  });

  // One per map: the page's filter, the steps of its range, and what is shown.
  function IceTime(map, layers, options) {
    this.map = map;
    this.layers = layers;
    this.options = options;
    this.words = wordsOf(options.text);
    this.locale = options.locale || "en-US";
    this.epoch = epochMs(options.epoch);
    this.unit = "week";
    this.steps = [];
    this.index = -1;  // -1: the whole range
    this.playing = false;
    this.filter = null;
    this.renders = 0;
    this.lastMs = 0;
    this._search = null;
    var self = this;
    // A layer whose columns are still on their way (canvas.js, data.file) has applied the
    // filter once they are in: the count follows.
    layers.forEach(function (layer) {
      if (layer.isLoaded && !layer.isLoaded()) {
        // A facility layer's months come in its file too: its sizes for the dates shown follow.
        layer.loaded().then(function () { if (layer._data.range) { self.apply(); } else { self.recount(); } });
      }
    });
    // How many maps this page has made (kept by the parent page, which outlives a map's frame):
    // a filter change that rebuilt the map would show here.
    try {
      var page = window.parent && window.parent !== window ? window.parent : window;
      page.__iceMapInits = (page.__iceMapInits || 0) + 1;
    } catch (err) { /* another origin */ }
    if (options.bar !== false) {
      this.bar = new TimeBar(this).addTo(map);
    }
    this.sync(true);
    if (options.poll !== false) {
      this._poll = window.setInterval(function () { self.sync(false); }, POLL_MS);
      this._hookHistory();
    }
  }

  IceTime.prototype = {
    // Re-read the page's URL; redraw when the filter in it changed.
    sync: function (first) {
      if (this._writing) { return false; }
      var loc = pageLocation(), search = loc ? loc.search : (this.options.search || "");
      if (search === this._search) { return false; }
      this._search = search;
      var q = parseQuery(search), o = this.options, e = this.epoch;
      var lo = dayOf(q.start, e), hi = dayOf(q.end, e);
      if (lo === null) { lo = o.first; }
      if (hi === null) { hi = o.last; }
      var cats = null;
      if (q.category !== null) {
        cats = [];
        q.category.forEach(function (c) { var k = o.categories.indexOf(c); if (k >= 0) { cats.push(k); } });
      }
      var key = [lo, hi, cats === null ? "*" : cats.join(",")].join("|");
      if (key !== this._rangeKey) {
        this._rangeKey = key;
        this.range = [lo, hi];
        this.categories = cats;
        this.steps = periods(lo, hi, this.unit, e);
        this.index = -1;
      }
      if (q.step) {
        var a = dayOf(q.step[0], e), b = dayOf(q.step[1], e);
        if (a !== null && b !== null) {
          var found = this._findStep(a, b);
          if (found < 0) {
            this.setUnit(this.unit === "week" ? "month" : "week", true);
            found = this._findStep(a, b);
          }
          this.index = found;
          this.custom = found < 0 ? [a, b] : null;
        }
      } else if (!first && !this.playing) {
        this.index = -1;
        this.custom = null;
      }
      this.apply();
      return true;
    },

    _findStep: function (a, b) {
      for (var k = 0; k < this.steps.length; k++) {
        if (this.steps[k][0] === a && this.steps[k][1] === b) { return k; }
      }
      return -1;
    },

    // Watch the page's own history calls (the app writes its filter with them).
    _hookHistory: function () {
      var self = this;
      try {
        var page = window.parent, h = page.history;
        if (!h || page === window) { return; }
        if (!h.__iceHooked) {  // once per page, whatever the number of maps it has made
          ["pushState", "replaceState"].forEach(function (name) {
            var original = h[name];
            h[name] = function () {
              var out = original.apply(h, arguments);
              try { page.dispatchEvent(new page.Event("ice-url")); } catch (err) { /* closed */ }
              return out;
            };
          });
          h.__iceHooked = true;
        }
        var onChange = function () { self.sync(false); };
        page.addEventListener("ice-url", onChange);
        page.addEventListener("popstate", onChange);
        // A frame that goes (the map re-made) stops listening.
        window.addEventListener("pagehide", function () {
          page.removeEventListener("ice-url", onChange);
          page.removeEventListener("popstate", onChange);
        });
      } catch (err) { /* another origin */ }
    },

    window: function () {
      if (this.index < 0 && this.custom) { return this.custom; }
      return this.index >= 0 && this.steps[this.index] ? this.steps[this.index] : this.range;
    },

    // Redraw every layer for the window shown and the categories.
    apply: function () {
      var t0 = window.performance ? performance.now() : Date.now(), w = this.window(), cats = this.categories;
      var shown = 0, words = this.words, locale = this.locale;
      this.layers.forEach(function (layer) {
        if (layer._data.range) {
          if (!layer.isLoaded || layer.isLoaded()) { applyRange(layer, w[0], w[1], words, locale); }
        } else {
          var n = layer.setFilter({ start: w[0], end: w[1], categories: cats });
          if (layer._data.day0) { shown += n; }
        }
      });
      this.shown = shown;
      this.renders++;
      this.lastMs = (window.performance ? performance.now() : Date.now()) - t0;
      if (this.bar) { this.bar.update(); }
    },

    // The number of incidents shown, after a layer's columns came in.
    recount: function () {
      var shown = 0;
      this.layers.forEach(function (layer) {
        if (!layer._data.range && layer._data.day0) { shown += layer.pointCount(); }
      });
      this.shown = shown;
      if (this.bar) { this.bar.update(); }
    },

    label: function () {
      var w = this.window(), e = this.epoch;
      if (!w || w[0] === null) { return ""; }
      var words = isoOf(w[0], e) + (w[1] !== w[0] ? " \u2013 " + isoOf(w[1], e) : "");
      var W = this.words, n = this.shown || 0;
      var what = this.index >= 0 ? fill(W.stepOf, { unit: W[this.unit], k: this.index + 1, n: this.steps.length }) :
        W.whole;
      return what + words + " \u00b7 " + fill(n === 1 ? W.incidentOne : W.incidentOther,
                                               { n: n.toLocaleString(this.locale) });
    },

    // Show step k (-1: the whole range) and put it in the page's URL.
    show: function (k) {
      this.custom = null;
      this.index = Math.max(-1, Math.min(this.steps.length - 1, k));
      var w = this.window(), e = this.epoch;
      this._writing = true;  // our own change of the URL is not news
      writeParams({ step: this.index >= 0 ? isoOf(w[0], e) + "," + isoOf(w[1], e) : null });
      this._writing = false;
      var loc = pageLocation();
      this._search = loc ? loc.search : this._search;
      this.apply();
    },

    stepBy: function (d) {
      this.pause();
      this.show(this.index < 0 ? (d > 0 ? 0 : this.steps.length - 1) : this.index + d);
    },

    setUnit: function (unit, quiet) {
      this.unit = unit === "month" ? "month" : "week";
      this.steps = periods(this.range[0], this.range[1], this.unit, this.epoch);
      if (!quiet) { this.show(this.index >= 0 ? 0 : -1); }
    },

    toggle: function () { if (this.playing) { this.pause(); } else { this.play(); } },

    play: function () {
      var self = this;
      if (!this.steps.length) { return; }
      this.playing = true;
      if (this.index < 0 || this.index >= this.steps.length - 1) { this.show(0); }
      window.clearInterval(this._timer);
      this._timer = window.setInterval(function () {
        if (self.index >= self.steps.length - 1) { self.pause(); return; }
        self.show(self.index + 1);
      }, this.options.playMs || 800);
      if (this.bar) { this.bar.update(); }
    },

    pause: function () {
      this.playing = false;
      window.clearInterval(this._timer);
      if (this.bar) { this.bar.update(); }
    }
  };

  IceTime.parseQuery = parseQuery;
  IceTime.periods = periods;
  IceTime.applyRange = applyRange;
  IceTime.listedInUse = listedInUse;
  IceTime.fiscalYear = fiscalYear;
  IceTime.dayOf = dayOf;
  IceTime.isoOf = isoOf;
  IceTime.WORDS = WORDS;
  L.IceTime = IceTime;
  L.iceTime = function (map, layers, options) {
    var t = new IceTime(map, layers, options);
    map._iceTime = t;
    return t;
  };
})();
