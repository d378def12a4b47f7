// The canvas point layer (L.CanvasPointLayer): many points drawn on one <canvas>.
// Served by the app as a file (layers/js/canvas.js) and tested in node from this file
// (tests/jsharness.py).  Everything the data can reach goes through textContent /
// createTextNode / setAttribute: no markup is ever parsed.
(function () {
  "use strict";
  if (L.CanvasPointLayer) { return; }

  var WEB_URL = /^https?:\/\//i;
  var MAX_RECORDS = 25;
  var MAX_LIST = 50;
  // A list longer than this shows its first items and folds the rest (details / summary).
  var LIST_OPEN = 3;
  var SVG_NS = "http://www.w3.org/2000/svg";
  // Metres round the equator: a pixel at zoom 0 spans EARTH / 256 m there.
  var EARTH = 40075016.686;
  var layerCount = 0;

  // Dictionary-coded fields keep their codes in one string, `width`
  // characters of CODE_ALPHABET per point (base 88, 0 meaning missing).
  var CODE_ALPHABET = "#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|}~";
  var DIGIT = new Int16Array(128);
  for (var a = 0; a < CODE_ALPHABET.length; a++) { DIGIT[CODE_ALPHABET.charCodeAt(a)] = a; }

  // Symbol outlines in units of the radius (layers/_symbols.py); null is a circle.
  var SHAPES = {"circle":null,"square":[[-0.85,-0.85],[0.85,-0.85],[0.85,0.85],[-0.85,0.85]],"diamond":[[0.0,-1.2],[1.2,0.0],[0.0,1.2],[-1.2,0.0]],"triangle":[[0.0,-1.25],[1.12,0.75],[-1.12,0.75]],"triangle_down":[[0.0,1.25],[1.12,-0.75],[-1.12,-0.75]],"cross":[[-0.36,-1.15],[0.36,-1.15],[0.36,-0.36],[1.15,-0.36],[1.15,0.36],[0.36,0.36],[0.36,1.15],[-0.36,1.15],[-0.36,0.36],[-1.15,0.36],[-1.15,-0.36],[-0.36,-0.36]],"star":[[0.0,-1.35],[0.341,-0.469],[1.284,-0.417],[0.552,0.179],[0.794,1.092],[0.0,0.58],[-0.794,1.092],[-0.552,0.179],[-1.284,-0.417],[-0.341,-0.469]]};
  var HEAT_RAMP = [[0.0,"#ffffcc"],[0.25,"#fed976"],[0.45,"#fd8d3c"],[0.7,"#e31a1c"],[1.0,"#800026"]];

  function valueAt(field, i) {
    if (!field.levels) { return field.values[i]; }
    var w = field.width, code = 0;
    for (var j = 0; j < w; j++) {
      code = code * CODE_ALPHABET.length + DIGIT[field.codes.charCodeAt(i * w + j)];
    }
    return code === 0 ? null : field.levels[code - 1];
  }

  // A column is one number for every point, a list, or a string of codes
  // (one CODE_ALPHABET character per point).
  function column(value, i) {
    if (typeof value === "number") { return value; }
    return typeof value === "string" ? DIGIT[value.charCodeAt(i)] : value[i];
  }

  // The host a link really goes to: after any "user:password@" part, without the port,
  // in punycode (xn--) when it is not ASCII, so a look-alike host reads as what it is.
  function hostOf(url) {
    var host = null;
    try {
      if (typeof URL === "function") { host = new URL(url).hostname; }
    } catch (err) { host = null; }
    if (host === null) {
      var authority = url.replace(WEB_URL, "").split(/[\/?#\\]/)[0];
      host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "").toLowerCase();
      host = host.split(".").map(function (label) {
        return /^[\x00-\x7f]*$/.test(label) ? label : "xn--" + punycode(label);
      }).join(".");
    }
    host = host.replace(/^www\./i, "");
    return host || url;
  }

  // RFC 3492 encoding of one label (for when URL() is missing, as in old engines).
  function punycode(label) {
    var input = Array.from(label.normalize ? label.normalize("NFC") : label).map(function (c) {
      return c.codePointAt(0);
    });
    var n = 128, delta = 0, bias = 72, out = "", h, b, m, q, k, t, j;
    input.forEach(function (c) { if (c < 128) { out += String.fromCharCode(c); } });
    h = b = out.length;
    if (b) { out += "-"; }
    function digit(d) { return String.fromCharCode(d + 22 + 75 * (d < 26)); }
    function adapt(d, numPoints, first) {
      d = first ? Math.floor(d / 700) : d >> 1;
      d += Math.floor(d / numPoints);
      for (k = 0; d > 455; k += 36) { d = Math.floor(d / 35); }
      return k + Math.floor(36 * d / (d + 38));
    }
    while (h < input.length) {
      m = Infinity;
      for (j = 0; j < input.length; j++) { if (input[j] >= n && input[j] < m) { m = input[j]; } }
      delta += (m - n) * (h + 1);
      n = m;
      for (j = 0; j < input.length; j++) {
        if (input[j] < n) { delta++; }
        if (input[j] === n) {
          q = delta;
          for (k = 36; ; k += 36) {
            t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if (q < t) { break; }
            out += digit(t + (q - t) % (36 - t));
            q = Math.floor((q - t) / (36 - t));
          }
          out += digit(q);
          bias = adapt(delta, h + 1, h === b);
          delta = 0;
          h++;
        }
      }
      delta++; n++;
    }
    return out;
  }

  // A column of a little-endian typed array: in the page as base64 ({b64, dtype}), or in the
  // layer's points file at a byte offset ({dtype, at, len}: layers/_compact.py pack_columns).
  var DTYPES = { u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array,
                 i4: Int32Array, f4: Float32Array, f8: Float64Array };

  function decodeTyped(col, buffer) {
    if (ArrayBuffer.isView(col)) { return col; }  // decoded already (decodeColumns)
    var T = col.dtype === "q24" ? null : DTYPES[col.dtype];
    if (!T && col.dtype !== "q24") { throw new Error("unknown column type " + col.dtype); }
    var width = T ? T.BYTES_PER_ELEMENT : 3, bytes;
    if (typeof col.b64 === "string") {
      var bin = atob(col.b64);
      bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    } else {
      if (!buffer || col.at + col.len * width > buffer.byteLength) {
        throw new Error("a column lies outside the points file");
      }
      // Offsets are multiples of 8 (pack_columns): a view, no copy.
      if (T) { return new T(buffer, col.at, col.len); }
      bytes = new Uint8Array(buffer, col.at, col.len * 3);
    }
    return T ? new T(bytes.buffer, 0, bytes.length / width) : decodeQuantised(col, bytes);
  }

  // Coordinates in 3 bytes each (layers/_compact.py quantised_column): min + q * step.
  function decodeQuantised(col, bytes) {
    var n = bytes.length / 3, out = new Float64Array(n), lo = col.min, step = col.step;
    for (var i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = lo + (bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16)) * step;
    }
    return out;
  }

  function isTyped(v) {
    return v !== null && typeof v === "object" && typeof v.dtype === "string" &&
      (typeof v.b64 === "string" || typeof v.at === "number");
  }

  // The compact form of a layer (layers/_compact.py) in the arrays the drawing code reads:
  // typed columns decoded; `kind` codes expanded through their tables (colour, shape,
  // hollow, uncertainty level, category); sparse columns (only the points that differ
  // from a default) written into full ones.  `buffer` (an ArrayBuffer) holds the columns
  // of a layer whose page carries only their offsets (data.file).
  function decodeColumns(data, buffer) {
    for (var key in data) {
      if (isTyped(data[key])) { data[key] = decodeTyped(data[key], buffer); }
    }
    // A facility layer's months (data.range, timebar.js applyRange): in the page, or in its file.
    for (key in data.range || {}) {
      if (isTyped(data.range[key])) { data.range[key] = decodeTyped(data.range[key], buffer); }
    }
    var n = data.lon.length, i, j;
    if (data.kind && data.kinds) {
      for (var name in data.kinds) {
        var table = data.kinds[name], full = new Uint8Array(n);
        for (i = 0; i < n; i++) { full[i] = table[data.kind[i]]; }
        data[name] = full;
      }
    }
    if (data.pairs) {
      // Two columns, zero but at the listed points, where each takes one of a few pairs.
      var at = decodeTyped(data.pairs.index, buffer), code = decodeTyped(data.pairs.codes, buffer);
      var table = data.pairs.table;
      data.pairs.names.forEach(function (name, side) {
        var full = new Float32Array(n);
        for (j = 0; j < at.length; j++) { full[at[j]] = table[code[j]][side]; }
        data[name] = full;
      });
    }
    (data.sparse || []).forEach(function (sp) {
      var idx = decodeTyped(sp.index, buffer), values = decodeTyped(sp.values, buffer), scale = sp.scale || 1;
      var full = sp.like && data[sp.like] ? data[sp.like].slice() : new Float32Array(n);
      for (j = 0; j < idx.length; j++) { full[idx[j]] = values[j] / scale; }
      data[sp.name] = full;
    });
    return data;
  }

  // The columns of a layer whose page holds only the URL of their file (data.file: url,
  // bytes), fetched once as an ArrayBuffer and decoded into `data`.
  function fetchColumns(data) {
    return fetch(data.file.url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.arrayBuffer();
    }).then(function (buffer) {
      if (typeof data.file.bytes === "number" && buffer.byteLength !== data.file.bytes) {
        throw new Error("the file has " + buffer.byteLength + " bytes, not " + data.file.bytes);
      }
      return decodeColumns(data, buffer);
    });
  }

  // Only http(s) URLs become links; anything else (javascript:, data:) is text.
  function appendLinks(parent, text, doc) {
    var first = true;
    text.split(/\s+/).forEach(function (url) {
      if (!url) { return; }
      if (!first) { parent.appendChild(doc.createTextNode(" ")); }
      first = false;
      if (WEB_URL.test(url)) {
        var a = doc.createElement("a");
        a.setAttribute("href", url);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        a.setAttribute("title", url);
        a.textContent = hostOf(url);
        parent.appendChild(a);
      } else {
        parent.appendChild(doc.createTextNode(url));
      }
    });
  }

  // An item is a text, or [text, URL]: the text and a link to the record.
  // The popups' own words: English here, the page's language from Python (options.text of the
  // first layer that has it: one language per page; see layers/canvas.py POPUP_WORDS).
  var WORDS = {
    record: "record", moreFolded: "{n} more", andMore: "\u2026 and {n} more",
    andMoreHere: "\u2026 and {n} more; zoom in to separate them", recordsHere: "{n} records at this spot",
    notLoaded: "This record could not be loaded ({error}).", noFigures: "no figures",
    series: "{from} to {to}: peak {peak} ({peakAt}), last {last} ({lastAt})"
  };
  var SAY = WORDS, LOCALE = "en-US";

  function setWords(text, locale) {
    var out = {}, k;
    for (k in WORDS) { out[k] = WORDS[k]; }
    for (k in (text || {})) { if (typeof text[k] === "string") { out[k] = text[k]; } }
    SAY = out;
    if (locale) { LOCALE = locale; }
  }

  // "{name}" in `template` replaced by values[name], as text.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }

  function listItem(item, doc) {
    var li = doc.createElement("li");
    if (Array.isArray(item)) {
      li.appendChild(doc.createTextNode(String(item[0])));
      var url = String(item[1]);
      if (WEB_URL.test(url)) {
        li.appendChild(doc.createTextNode(" "));
        var a = doc.createElement("a");
        a.setAttribute("href", url);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        a.setAttribute("title", url);
        a.textContent = SAY.record;
        li.appendChild(a);
      }
    } else {
      li.textContent = String(item);
    }
    return li;
  }

  function appendList(parent, items, doc) {
    var ul = doc.createElement("ul");
    ul.className = "cpl-list";
    var shown = Math.min(items.length, MAX_LIST);
    var open = items.length > LIST_OPEN + 1 ? LIST_OPEN : shown;
    for (var k = 0; k < open; k++) { ul.appendChild(listItem(items[k], doc)); }
    parent.appendChild(ul);
    if (shown > open) {
      var details = doc.createElement("details");
      details.className = "cpl-fold";
      var summary = doc.createElement("summary");
      summary.textContent = fill(SAY.moreFolded, { n: shown - open });
      details.appendChild(summary);
      var rest = doc.createElement("ul");
      rest.className = "cpl-list";
      for (k = open; k < shown; k++) { rest.appendChild(listItem(items[k], doc)); }
      details.appendChild(rest);
      parent.appendChild(details);
    }
    if (items.length > shown) {
      var more = doc.createElement("div");
      more.className = "cpl-note";
      more.textContent = fill(SAY.andMore, { n: items.length - shown });
      parent.appendChild(more);
    }
  }

  function formatNumber(v) {
    var rounded = v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
    return rounded.toLocaleString(LOCALE);
  }

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
    var summary = last < 0 ? SAY.noFigures :
      (unit ? unit.charAt(0).toUpperCase() + unit.slice(1) + ", " : "") +
      fill(SAY.series, { from: axis[0], to: axis[n - 1], peak: formatNumber(max), peakAt: axis[peak],
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

  // The population of a facility from several sources on one axis (months), side by side:
  // `sources` is [{key, label, color, dash, step}], `values` {key: ...}: a line source gives
  // [offset, v, v, ...] (its months from axis[offset]; null is a gap), a step source
  // (ICE's fiscal-year ADP) gives runs [[offset, months, v], ...] drawn as flat steps.
  // One y scale for all, so they compare; under it a legend names each source, its
  // months and its peak.  DOM calls only.
  function sourceChart(doc, axis, values, sources, unit) {
    var W = 300, H = 76, TOP = 5, BOTTOM = 13, SIDE = 2, n = axis.length, max = 0, k, i, v;
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
      return p.src.label + ", " + axis[p.first] + " to " + axis[p.last] + ": peak " + formatNumber(p.peak[2]) +
        " (" + axis[p.peak[0]] + ")";
    }
    var summary = plotted.length ? (unit ? unit.charAt(0).toUpperCase() + unit.slice(1) + ". " : "") +
      plotted.map(words).join("; ") : "no figures";
    // As wide as the popup allows, up to W (a phone's popup is narrower).
    var svg = svgEl(doc, "svg", { width: "100%", viewBox: "0 0 " + W + " " + H, role: "img",
                                   "aria-label": summary, style: "max-width:" + W + "px" });
    var title = svgEl(doc, "title", {});
    title.textContent = summary;
    svg.appendChild(title);
    var step = (W - 2 * SIDE) / Math.max(1, n);
    function px(m) { return (SIDE + m * step).toFixed(1); }  // the left edge of month m
    function py(val) { return (H - BOTTOM - (max > 0 ? val / max : 0) * (H - TOP - BOTTOM)).toFixed(1); }
    var floor = H - BOTTOM;
    svg.appendChild(svgEl(doc, "line", { x1: SIDE, y1: floor, x2: W - SIDE, y2: floor, stroke: "#bbbbbb",
                                         "stroke-width": 1 }));
    // A tick and the year at each January of a year ending in 0 or 5.
    for (i = 0; i < n; i++) {
      var ym = String(axis[i]);
      if (ym.slice(5) !== "01" || Number(ym.slice(0, 4)) % 5 !== 0) { continue; }
      var tx = Number(px(i));
      svg.appendChild(svgEl(doc, "line", { x1: tx, y1: floor, x2: tx, y2: floor + 3, stroke: "#999999",
                                           "stroke-width": 1 }));
      var label = svgEl(doc, "text", { x: Math.min(W - 12, Math.max(12, tx)), y: H - 2, "font-size": 9,
                                       "text-anchor": "middle", fill: "#555555" });
      label.textContent = ym.slice(0, 4);
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

  function buildContent(data, ids, doc) {
    var root = doc.createElement("div");
    root.className = "cpl-popup";
    // The categories whose records a list of this popup holds (a facility's deaths).
    root.lists = {};
    var shown = Math.min(ids.length, MAX_RECORDS);
    if (ids.length > 1) {
      var head = doc.createElement("div");
      head.className = "cpl-note";
      head.textContent = fill(SAY.recordsHere, { n: ids.length });
      root.appendChild(head);
    }
    for (var k = 0; k < shown; k++) {
      var rec = doc.createElement("div");
      rec.className = "cpl-record";
      for (var f = 0; f < data.fields.length; f++) {
        var field = data.fields[f];
        var v = valueAt(field, ids[k]);
        if (v === null || v === undefined || v === "" || (field.kind === "list" && !v.length)) { continue; }
        if (field.kind === "title") {
          var title = doc.createElement("h3");
          title.className = "cpl-title";
          title.textContent = String(v);
          rec.appendChild(title);
          continue;
        }
        if (field.kind === "list" && field.lists) { root.lists[field.lists] = true; }
        var row = doc.createElement("div");
        row.className = "cpl-row";
        var label = doc.createElement("span");
        label.className = "cpl-label";
        label.textContent = field.label + ": ";
        row.appendChild(label);
        if (field.kind === "links") {
          appendLinks(row, String(v), doc);
        } else if (field.kind === "list") {
          row.appendChild(doc.createTextNode(String(v.length)));
        } else if (field.kind !== "series") {
          row.appendChild(doc.createTextNode(String(v)));
        }
        rec.appendChild(row);
        if (field.kind === "list") { appendList(rec, v, doc); }
        if (field.kind === "series") {
          rec.appendChild(field.sources ? sourceChart(doc, field.axis, v, field.sources, field.unit) :
            sparkline(doc, field.axis, v, field.unit));
        }
      }
      root.appendChild(rec);
    }
    if (ids.length > shown) {
      var more = doc.createElement("div");
      more.className = "cpl-note";
      more.textContent = fill(SAY.andMoreHere, { n: ids.length - shown });
      root.appendChild(more);
    }
    return root;
  }

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

  // A shard of popup records, fetched once per layer and kept.
  function fetchShard(layer, k) {
    var rec = layer._data.records;
    if (!layer._shards[k]) {
      var url = rec.url.replace(/\/$/, "") + "/" + k + ".json";
      layer._shards[k] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      }).catch(function (err) {
        delete layer._shards[k];  // try again on the next click
        throw err;
      });
    }
    return layer._shards[k];
  }

  // The records `ids` (indices into the layer) from their shards, as one small data
  // object for buildContent: the same fields, holding just these records in order.
  function recordsFromShards(shards, ids, size) {
    var first = null;
    for (var key in shards) { first = shards[key]; break; }
    var fields = first.fields.map(function (field, f) {
      var out = { label: field.label, kind: field.kind, values: [] };
      if (field.axis) { out.axis = field.axis; }
      if (field.unit) { out.unit = field.unit; }
      if (field.lists) { out.lists = field.lists; }
      if (field.sources) { out.sources = field.sources; }
      ids.forEach(function (id) {
        var k = Math.floor(id / size);
        out.values.push(valueAt(shards[k].fields[f], id - k * size));
      });
      return out;
    });
    return { fields: fields };
  }

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

  var CanvasPointLayer = L.Layer.extend({
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

    _latLngOf: function (i) { return [this._data.lat[i], this._data.lon[i]]; },

    // The category name of point i, or null for a layer without categories.
    categoryOf: function (i) {
      var d = this._data;
      return d.category && d.categories ? d.categories[d.category[i]] : null;
    },

    // A popup of the records `ids` (the first one's place).
    _openPopup: function (ids) {
      var self = this, latlng = this._latLngOf(ids[0]);
      return this.recordsFor(ids).then(function (content) { self._showPopup(latlng, content); });
    },

    _showPopup: function (latlng, content) {
      if (!this._map) { return; }
      // Within the map, however small (a phone), and clear of its controls (zoom, layers, up to
      // 70 px from the top): the content scrolls inside.
      var size = this._map.getSize();
      L.popup({ maxWidth: Math.max(160, Math.min(this.options.popupMaxWidth, size.x - 60)),
                maxHeight: Math.max(120, Math.min(this.options.popupMaxHeight, size.y - 160)),
                autoPanPaddingTopLeft: [10, 70], autoPanPaddingBottomRight: [10, 10] })
        .setLatLng(latlng)
        .setContent(content)
        .openOn(this._map);
    },

    // A promise of the popup content of the records `ids`: from the page when the layer
    // carries its records, else fetched from their shards (data.records: url, size).
    recordsFor: function (ids) {
      var d = this._data;
      if (!d.records) { return Promise.resolve(buildContent(d, ids, document)); }
      var size = d.records.size, wanted = {}, self = this;
      ids.slice(0, MAX_RECORDS).forEach(function (id) { wanted[Math.floor(id / size)] = true; });
      var keys = Object.keys(wanted);
      return Promise.all(keys.map(function (k) { return fetchShard(self, k); })).then(function (got) {
        var shards = {};
        keys.forEach(function (k, j) { shards[k] = got[j]; });
        var shown = ids.slice(0, MAX_RECORDS), records = recordsFromShards(shards, shown, size);
        var over = self._fieldOverride;  // a field the page computes (a facility's figure for the dates shown)
        if (over) {
          records.fields.forEach(function (f) {
            if (f.label === over.label) { f.values = shown.map(function (id) { return over.values[id]; }); }
          });
        }
        var content = buildContent(records, shown.map(function (_, j) { return j; }), document);
        if (ids.length > shown.length) {
          var more = document.createElement("div");
          more.className = "cpl-note";
          more.textContent = fill(SAY.andMoreHere, { n: ids.length - shown.length });
          content.appendChild(more);
          content.firstChild.textContent = fill(SAY.recordsHere, { n: ids.length });
        }
        return content;
      }, function (err) {
        var div = document.createElement("div");
        div.className = "cpl-popup cpl-note";
        div.textContent = fill(SAY.notLoaded, { error: err.message });
        return div;
      });
    },

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

    redraw: function () {
      this._view = null;
      if (this._map && this._canvas) {
        var t0 = now();
        this._reset();
        this._drawMs = now() - t0;
      }
      return this;
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
    },

    // The number of points currently drawn or counted (inside the view).
    drawnCount: function () { return this._drawn || 0; },

    // The number of clusters drawn now (0 unless drawing clusters).
    clusterCount: function () { return this._clusters ? this._clusters.n.length : 0; },

    // The number of points shown (those that pass the filter).
    pointCount: function () { return this._shown; },

    // The number of points in the layer's data, shown or not.
    totalCount: function () { return this._n; }
  });

  CanvasPointLayer.buildContent = buildContent;
  CanvasPointLayer.WORDS = WORDS;
  CanvasPointLayer.decodeColumns = decodeColumns;
  CanvasPointLayer.decodeTyped = decodeTyped;
  CanvasPointLayer.fetchColumns = fetchColumns;
  CanvasPointLayer.recordsFromShards = recordsFromShards;
  CanvasPointLayer.hostOf = hostOf;
  CanvasPointLayer.buildGrid = buildGrid;
  CanvasPointLayer.queryGrid = queryGrid;
  CanvasPointLayer.clusterGrid = clusterGrid;
  CanvasPointLayer.heatGrid = heatGrid;
  CanvasPointLayer.blurGrid = blurGrid;
  CanvasPointLayer.boxRadius = boxRadius;
  CanvasPointLayer.unitPeak = unitPeak;
  CanvasPointLayer.heatLevel = heatLevel;
  CanvasPointLayer.heatRamp = heatRamp;
  CanvasPointLayer.sparkline = sparkline;
  CanvasPointLayer.sourceChart = sourceChart;
  L.CanvasPointLayer = CanvasPointLayer;
  L.canvasPointLayer = function (data, options) { return new CanvasPointLayer(data, options); };
})();
