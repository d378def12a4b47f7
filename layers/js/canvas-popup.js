// The popup of the canvas point layer: the records of the points clicked, from the page or
// from shards of records fetched when a point of them is clicked, written with
// textContent / createTextNode / setAttribute only: no markup from the data is ever parsed.
// `methods` are the layer's (mixed into L.CanvasPointLayer by canvas.js).
// Served by the app as a file of layers/js/; tested in node from this file (tests/layers/test_canvas_parts.py).
// Loaded before canvas.js, after the parts it needs (SCRIPT_NEEDS in layers/_script.py); its
// functions are in L.CanvasPointParts.popup.
(function () {
  "use strict";
  var P = L.CanvasPointParts || (L.CanvasPointParts = {});
  if (P.popup) { return; }
  var C = P.columns, valueAt = C.valueAt;
  var W = P.words, WEB_URL = W.WEB_URL, hostOf = W.hostOf, fill = W.fill, say = W.say;
  var sparkline = P.charts.sparkline, sourceChart = P.charts.sourceChart;

  var MAX_RECORDS = 25;
  var MAX_LIST = 50;
  // A list longer than this shows its first items and folds the rest (details / summary).
  var LIST_OPEN = 3;

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
        a.textContent = say().record;
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
      summary.textContent = fill(say().moreFolded, { n: shown - open });
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
      more.textContent = fill(say().andMore, { n: items.length - shown });
      parent.appendChild(more);
    }
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
      head.textContent = fill(say().recordsHere, { n: ids.length });
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
      more.textContent = fill(say().andMoreHere, { n: ids.length - shown });
      root.appendChild(more);
    }
    return root;
  }

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

  var methods = {
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
          more.textContent = fill(say().andMoreHere, { n: ids.length - shown.length });
          content.appendChild(more);
          content.firstChild.textContent = fill(say().recordsHere, { n: ids.length });
        }
        return content;
      }, function (err) {
        var div = document.createElement("div");
        div.className = "cpl-popup cpl-note";
        div.textContent = fill(say().notLoaded, { error: err.message });
        return div;
      });
    }
  };

  P.popup = {
    MAX_RECORDS: MAX_RECORDS, appendLinks: appendLinks, appendList: appendList, buildContent: buildContent,
    fetchShard: fetchShard, recordsFromShards: recordsFromShards, methods: methods
  };
})();
