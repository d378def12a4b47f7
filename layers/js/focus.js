/* One record in the link: L.iceFocus(map, entries, words).
 *
 * entries: [layer, records url or null, ids or null] per point layer (layers/focus.py).
 * When the page's link holds focus=<record id> (on load, or later: the app's search writes it),
 * the record is looked up in its layer's ids (inline, or ids.json beside the layer's popup
 * shards, fetched once), the map zooms there and its popup opens.  focus=place:LAT,LON zooms
 * to a place, focus=bbox:W,S,E,N to an area (a state, an AOR).  In every popup the record id row becomes a "link to this": a click puts the
 * link (focus=<id>) into the address bar and copies it.
 */
(function () {
  if (L.iceFocus) { return; }

  function page() {
    try { return window.parent && window.parent.location ? window.parent : window; } catch (err) { return window; }
  }

  function focusParam() {
    try {
      var m = /[?&]focus=([^&#]*)/.exec(page().location.search);
      return m ? decodeURIComponent(m[1].replace(/\+/g, " ")) : null;
    } catch (err) { return null; }
  }

  // The page's link with focus=<id> (its view parameters dropped: the record sets the view).
  function linkTo(id) {
    var loc = page().location;
    var parts = String(loc.search || "").replace(/^[?]/, "").split("&").filter(function (p) {
      return p && !/^(focus|lat|lon|zoom)(=|$)/.test(p);
    });
    parts.push("focus=" + encodeURIComponent(id));
    return loc.pathname + "?" + parts.join("&");
  }

  L.iceFocus = function (map, entries, words) {
    var current = null;
    var lists = entries.map(function (e) { return e[2] ? Promise.resolve(e[2]) : null; });

    function idsOf(k) {
      if (!lists[k]) {
        lists[k] = fetch(String(entries[k][1]).replace(/\/$/, "") + "/ids.json", { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
          .catch(function () { lists[k] = null; return []; });
      }
      return lists[k];
    }

    function go(value) {
      if (value.indexOf("bbox:") === 0) {  // an area (a state, an AOR): west, south, east, north
        var b = value.slice(5).split(",").map(Number);
        if (b.length === 4 && b.every(isFinite)) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false }); }
        return;
      }
      if (value.indexOf("place:") === 0) {
        var ll = value.slice(6).split(",").map(Number);
        if (ll.length === 2 && isFinite(ll[0]) && isFinite(ll[1])) { map.setView(ll, Math.max(map.getZoom(), 10)); }
        return;
      }
      var k = 0;
      (function next() {
        if (k >= entries.length) { return; }
        var layer = entries[k][0];
        idsOf(k).then(function (ids) {
          var i = ids.indexOf(value);
          if (i < 0) { k++; next(); return; }
          map.setView(layer._latLngOf(i), Math.max(map.getZoom(), 11), { animate: false });
          layer._openPopup([i]);
        });
      })();
    }

    function check() {
      var v = focusParam();
      if (v && v !== current) { current = v; go(v); }
      if (!v) { current = null; }
    }

    // The id row of each record in a popup becomes its "link to this".
    map.on("popupopen", function (e) {
      var el = e.popup.getElement ? e.popup.getElement() : null;
      if (!el) { return; }
      var labels = el.querySelectorAll(".cpl-row > .cpl-label");
      Array.prototype.forEach.call(labels, function (label) {
        if (label.textContent !== words.idLabel + ": " || label.parentNode.querySelector("a.cpl-focus")) { return; }
        var row = label.parentNode, id = row.textContent.slice(label.textContent.length).trim();
        var a = document.createElement("a");
        a.className = "cpl-focus";
        a.href = linkTo(id);
        a.textContent = words.link;
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          var p = page(), url = linkTo(id);
          try { p.history.replaceState(p.history.state, "", url); } catch (err) { /* another origin */ }
          current = id;
          try {
            var full = p.location.origin + url;
            if (p.navigator.clipboard) { p.navigator.clipboard.writeText(full).catch(function () {}); }
          } catch (err) { /* no clipboard */ }
          a.textContent = words.copied;
        });
        row.appendChild(document.createTextNode(" · "));
        row.appendChild(a);
        if (words.series && id.indexOf("fac-") === 0) { row.appendChild(seriesLink(id)); }
      });
    });

    // A facility's population by month and source, as a CSV of its own rows of population.csv (fetched once).
    var seriesText = null;
    function seriesLink(id) {
      var wrap = document.createElement("div"), a = document.createElement("a");
      a.className = "cpl-series";
      a.href = "#";
      a.textContent = words.seriesLink;
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        if (!seriesText) {
          seriesText = fetch(words.series, { credentials: "same-origin" }).then(function (r) {
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            return r.text();
          }).catch(function (err) { seriesText = null; throw err; });
        }
        seriesText.then(function (text) {
          var lines = text.split("\n"), head = lines[0], key = id + ",";
          var rows = lines.filter(function (line) { return line.indexOf(key) === 0; });
          var blob = new Blob([[head].concat(rows).join("\n") + "\n"], { type: "text/csv" });
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = "population-" + id + ".csv";
          document.body.appendChild(link);
          link.click();
          link.remove();
        });
      });
      wrap.appendChild(a);
      return wrap;
    }

    map.whenReady(function () { window.setTimeout(check, 300); });
    window.setInterval(check, 700);
    return { check: check, linkTo: linkTo };
  };
})();
