// The small charts of the canvas point layer's popups (a series as a line, a facility's
// population from several sources side by side), built with DOM calls only.
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.charts.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.charts) { return; }
  var W = P.words, fill = W.fill, formatNumber = W.formatNumber, say = W.say;

  var SVG_NS = "http://www.w3.org/2000/svg";

  function svgEl(doc, tag, attrs) {
    var el = doc.createElementNS(SVG_NS, tag);
    for (var k in attrs) { el.setAttribute(k, String(attrs[k])); }
    return el;
  }

  // A small line chart of a series along `axis` (months), built with DOM calls
  // only.  null values are gaps; the caption says the span, peak and last value.
  function sparkline(doc, axis, values, unit) {
    var W = 240, H = 52, TOP = 5, BOTTOM = 3, SIDE = 2;
    var n = Math.min(axis.length, values.length), max = 0, peak = -1, last = -1, i, v;
    for (i = 0; i < n; i++) {
      v = values[i];
      if (v === null || v === undefined) { continue; }
      if (peak < 0 || v > max) { max = v; peak = i; }
      last = i;
    }
    var summary = last < 0 ? say().noFigures :
      (unit ? unit.charAt(0).toUpperCase() + unit.slice(1) + ", " : "") +
      fill(say().series, { from: axis[0], to: axis[n - 1], peak: formatNumber(max), peakAt: axis[peak],
                       last: formatNumber(values[last]), lastAt: axis[last] });
    var wrap = doc.createElement("div");
    wrap.className = "cpl-spark";
    var svg = svgEl(doc, "svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                                   "aria-label": summary });
    var title = svgEl(doc, "title", {});
    title.textContent = summary;
    svg.appendChild(title);
    function px(k) { return (SIDE + (n > 1 ? k * (W - 2 * SIDE) / (n - 1) : (W - 2 * SIDE) / 2)).toFixed(1); }
    function py(val) { return (H - BOTTOM - (max > 0 ? val / max : 0) * (H - TOP - BOTTOM)).toFixed(1); }
    var floor = (H - BOTTOM).toFixed(1), line = "", area = "", open = false, startX = "0", prevX = "0";
    for (i = 0; i < n; i++) {
      v = values[i];
      if (v === null || v === undefined) {
        if (open) { area += "L" + prevX + "," + floor + "L" + startX + "," + floor + "Z"; open = false; }
        continue;
      }
      var x = px(i), y = py(v);
      if (!open) {
        line += "M" + x + "," + y;
        area += "M" + x + "," + floor + "L" + x + "," + y;
        startX = x; open = true;
      } else {
        line += "L" + x + "," + y;
        area += "L" + x + "," + y;
      }
      prevX = x;
    }
    if (open) { area += "L" + prevX + "," + floor + "Z"; }
    svg.appendChild(svgEl(doc, "line", { x1: SIDE, y1: floor, x2: W - SIDE, y2: floor, stroke: "#bbbbbb",
                                         "stroke-width": 1 }));
    if (line) {
      svg.appendChild(svgEl(doc, "path", { d: area, fill: "#2171b5", "fill-opacity": 0.18, stroke: "none" }));
      svg.appendChild(svgEl(doc, "path", { d: line, fill: "none", stroke: "#2171b5", "stroke-width": 1.4,
                                           "stroke-linejoin": "round" }));
      svg.appendChild(svgEl(doc, "circle", { cx: px(peak), cy: py(max), r: 2.2, fill: "#08306b" }));
    }
    wrap.appendChild(svg);
    var caption = doc.createElement("div");
    caption.className = "cpl-spark-caption";
    caption.textContent = summary;
    wrap.appendChild(caption);
    return wrap;
  }

  // 1, 2 or 5 times a power of ten, the nearest at or above `raw` (a tick step).
  function niceStep(raw) {
    if (!(raw > 0)) { return 1; }
    var p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;
    return Math.max(1, (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p);
  }

  // The population of a facility from several sources on one axis (months), side by side:
  // `sources` is [{key, label, color, dash, step}], `values` {key: ...}: a line source gives
  // [offset, v, v, ...] (its months from axis[offset]; null is a gap), a step source
  // (ICE's fiscal-year ADP) gives runs [[offset, months, v], ...] drawn as flat steps.
  // One y scale for all, so they compare; under it a legend names each source, its
  // months and its peak.  DOM calls only.
  function sourceChart(doc, axis, values, sources, unit) {
    var W = 300, H = 84, TOP = 6, BOTTOM = 13, SIDE = 2, n = axis.length, max = 0, k, i, v;
    var plotted = [];
    for (k = 0; k < sources.length; k++) {
      var src = sources[k], got = values[src.key];
      if (!got || !got.length) { continue; }
      var runs = [];  // [first month, months, value] in axis indexes
      if (src.step) {
        for (i = 0; i < got.length; i++) { runs.push([got[i][0], got[i][1], got[i][2]]); }
      } else {
        for (i = 1; i < got.length; i++) {
          if (got[i] !== null && got[i] !== undefined) { runs.push([got[0] + i - 1, 1, got[i]]); }
        }
      }
      if (!runs.length) { continue; }
      var peak = runs[0];
      for (i = 0; i < runs.length; i++) { if (runs[i][2] > peak[2]) { peak = runs[i]; } }
      max = Math.max(max, peak[2]);
      plotted.push({ src: src, runs: runs, peak: peak, first: runs[0][0],
                     last: runs[runs.length - 1][0] + runs[runs.length - 1][1] - 1 });
    }
    var wrap = doc.createElement("div");
    wrap.className = "cpl-spark";
    function words(p) {
      return fill(say().sourceSeries, { label: p.src.label, from: axis[p.first], to: axis[p.last],
                                        peak: formatNumber(p.peak[2]), peakAt: axis[p.peak[0]] });
    }
    var summary = plotted.length ? (unit ? unit.charAt(0).toUpperCase() + unit.slice(1) + ". " : "") +
      plotted.map(words).join("; ") : say().noFigures;
    // As wide as the popup allows, up to W (a phone's popup is narrower).
    var svg = svgEl(doc, "svg", { width: "100%", viewBox: "0 0 " + W + " " + H, role: "img",
                                   "aria-label": summary, style: "max-width:" + W + "px" });
    var title = svgEl(doc, "title", {});
    title.textContent = summary;
    svg.appendChild(title);
    // The facility's own months (first to last with a figure from any source, a little padding),
    // not the whole axis: a camp open for a year would otherwise be a few pixels wide.
    var lo = 0, hi = n - 1;
    if (plotted.length) {
      lo = plotted[0].first; hi = plotted[0].last;
      for (k = 1; k < plotted.length; k++) { lo = Math.min(lo, plotted[k].first); hi = Math.max(hi, plotted[k].last); }
      var pad = Math.max(1, Math.round((hi - lo + 1) * 0.04));
      lo = Math.max(0, lo - pad); hi = Math.min(n - 1, hi + pad);
    }
    var span = Math.max(1, hi - lo + 1);
    // A few round y values (1, 2 or 5 times a power of ten), the top one at or above the peak.
    var yStep = niceStep(max / 3), yTop = max > 0 ? Math.ceil(max / yStep) * yStep : 1, yTicks = [];
    for (v = 0; v <= yTop + yStep / 2; v += yStep) { yTicks.push(v); }
    var LEFT = SIDE + 4 + 5.2 * Math.max.apply(null, yTicks.map(function (t) { return formatNumber(t).length; }));
    var step = (W - LEFT - SIDE) / span;
    function px(m) { return (LEFT + (m - lo) * step).toFixed(1); }  // the left edge of month m
    function py(val) { return (H - BOTTOM - (val / yTop) * (H - TOP - BOTTOM)).toFixed(1); }
    var floor = H - BOTTOM;
    for (i = 0; i < yTicks.length; i++) {
      var gy = Number(py(yTicks[i]));
      svg.appendChild(svgEl(doc, "line", { x1: LEFT, y1: gy, x2: W - SIDE, y2: gy,
                                           stroke: i ? "#e6e6e6" : "#bbbbbb", "stroke-width": 1 }));
      var yl = svgEl(doc, "text", { x: LEFT - 3, y: gy + 3, "font-size": 9, "text-anchor": "end",
                                    fill: "#555555", "data-axis": "y" });
      yl.textContent = formatNumber(yTicks[i]);
      svg.appendChild(yl);
    }
    // Ticks along the months: each January (every 2, 5 or 10 years on a long span); on a span
    // of under two years each quarter too, as year-month.
    var years = span / 12, every = years <= 6 ? 1 : years <= 12 ? 2 : years <= 30 ? 5 : 10;
    for (i = lo; i <= hi; i++) {
      var ym = String(axis[i]), mon = ym.slice(5), yr = Number(ym.slice(0, 4)), text = null;
      if (mon === "01" && yr % every === 0) { text = ym.slice(0, 4); }
      else if (span < 24 && (mon === "04" || mon === "07" || mon === "10")) { text = ym; }
      if (text === null) { continue; }
      var tx = Number(px(i));
      svg.appendChild(svgEl(doc, "line", { x1: tx, y1: floor, x2: tx, y2: floor + 3, stroke: "#999999",
                                           "stroke-width": 1 }));
      var label = svgEl(doc, "text", { x: Math.min(W - 16, Math.max(LEFT + 10, tx)), y: H - 2, "font-size": 9,
                                       "text-anchor": "middle", fill: "#555555", "data-axis": "x" });
      label.textContent = text;
      svg.appendChild(label);
    }
    for (k = 0; k < plotted.length; k++) {
      var p = plotted[k], d = "", prevEnd = -1, prevY = null;
      for (i = 0; i < p.runs.length; i++) {
        var r = p.runs[i], y = py(r[2]);
        if (p.src.step) {
          // A flat step over the run's months; joined to the last one when they touch.
          d += (r[0] === prevEnd && prevY !== null ? "L" + px(r[0]) + "," + y : "M" + px(r[0]) + "," + y) +
            "L" + px(r[0] + r[1]) + "," + y;
          prevEnd = r[0] + r[1];
        } else {
          // A point in the middle of each month, joined to the month before.
          var cx = (Number(px(r[0])) + step / 2).toFixed(1);
          d += (r[0] === prevEnd ? "L" : "M") + cx + "," + y;
          prevEnd = r[0] + 1;
        }
        prevY = y;
      }
      var attrs = { d: d, fill: "none", stroke: p.src.color, "stroke-width": p.src.step ? 1.6 : 1.4,
                    "stroke-linejoin": "round" };
      if (p.src.dash) { attrs["stroke-dasharray"] = p.src.dash; }
      var path = svgEl(doc, "path", attrs);
      path.setAttribute("data-source", p.src.key);
      svg.appendChild(path);
    }
    wrap.appendChild(svg);
    var legend = doc.createElement("div");
    legend.className = "cpl-spark-caption";
    for (k = 0; k < plotted.length; k++) {
      var item = doc.createElement("div");
      item.className = "cpl-spark-key";
      var swatch = svgEl(doc, "svg", { width: 16, height: 8, "aria-hidden": "true" });
      var sAttrs = { x1: 0, y1: 4, x2: 16, y2: 4, stroke: plotted[k].src.color, "stroke-width": 2 };
      if (plotted[k].src.dash) { sAttrs["stroke-dasharray"] = plotted[k].src.dash; }
      swatch.appendChild(svgEl(doc, "line", sAttrs));
      item.appendChild(swatch);
      item.appendChild(doc.createTextNode(" " + words(plotted[k])));
      legend.appendChild(item);
    }
    if (!plotted.length) { legend.textContent = summary; }
    wrap.appendChild(legend);
    return wrap;
  }

  P.charts = {
    svgEl: svgEl, sparkline: sparkline, sourceChart: sourceChart
  };
})();
