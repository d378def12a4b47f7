// The words of the canvas point layer's popups (English here, the page's language from
// Python: setWords), how numbers are written in them, and the host a link is shown as.
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.words.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.words) { return; }

  var WEB_URL = /^https?:\/\//i;

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

  // The popups' own words: English here, the page's language from Python (options.text of the
  // first layer that has it: one language per page; see layers/canvas.py POPUP_WORDS).
  var WORDS = {
    record: "record", moreFolded: "{n} more", andMore: "\u2026 and {n} more",
    andMoreHere: "\u2026 and {n} more; zoom in to separate them", recordsHere: "{n} records at this spot",
    notLoaded: "This record could not be loaded ({error}).", noFigures: "no figures",
    series: "{from} to {to}: peak {peak} ({peakAt}), last {last} ({lastAt})",
    sourceSeries: "{label}, {from} to {to}: peak {peak} ({peakAt})"
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

  function formatNumber(v) {
    var rounded = v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
    return rounded.toLocaleString(LOCALE);
  }

  // The words now in use (the page's language once setWords has run).
  function say() { return SAY; }

  P.words = {
    WEB_URL: WEB_URL, hostOf: hostOf, punycode: punycode, WORDS: WORDS, setWords: setWords, say: say,
    fill: fill, formatNumber: formatNumber
  };
})();
