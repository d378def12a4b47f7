/* The outline map takes over when tiles do not come.
 *
 * L.iceTileFallback(map, tiles, outline, options) watches the tile layer: when
 * every tile of the first view failed, or when no tile at all has loaded within
 * options.wait ms (a captive portal or a firewall that drops packets leaves the
 * requests hanging), it switches the map to the outline layer and says so in a
 * small notice on the map.  The switch is made after Leaflet's own event
 * handler has returned: removing a tile layer inside its "load" event leaves
 * Leaflet to read the map of a layer that has none.
 */
(function () {
  if (L.iceTileFallback) { return; }

  L.iceTileFallback = function (map, tiles, outline, options) {
    options = options || {};
    var wait = options.wait === undefined ? 4000 : options.wait;
    var text = options.text || "Map tiles did not load: showing the outline map.";
    var loaded = 0, failed = 0, done = false, notice = null;
    var timer = null;

    function showNotice() {
      if (notice || !L.Control) { return; }
      var Notice = L.Control.extend({
        options: { position: "topright" },
        onAdd: function () {
          var box = document.createElement("div");
          box.className = "ice-tile-notice leaflet-control";
          box.setAttribute("role", "status");
          box.textContent = text;
          var s = box.style;
          s.background = "rgba(255,255,255,0.94)";
          s.padding = "3px 8px";
          s.borderRadius = "4px";
          s.boxShadow = "0 1px 4px rgba(0,0,0,0.35)";
          s.font = "12px/1.35 system-ui, -apple-system, 'Segoe UI', sans-serif";
          s.maxWidth = "220px";
          return box;
        }
      });
      notice = new Notice();
      map.addControl(notice);
    }

    function fallBack() {
      if (done) { return; }
      done = true;
      if (timer !== null) { window.clearTimeout(timer); timer = null; }
      if (!map.hasLayer(tiles)) { return; }  // the reader chose the outline map already
      map.removeLayer(tiles);
      map.addLayer(outline);
      showNotice();
    }

    // After the event that asked for it, never inside it.
    function later() { window.setTimeout(fallBack, 0); }

    tiles.on("tileload", function () {
      loaded++;
      if (timer !== null) { window.clearTimeout(timer); timer = null; }
    });
    tiles.on("tileerror", function () { failed++; });
    // "load": every tile of the view has finished, well or not.
    tiles.on("load", function () {
      if (!loaded && failed) { later(); }
    });
    if (wait > 0) {
      timer = window.setTimeout(function () {
        timer = null;
        if (!loaded) { fallBack(); }
      }, wait);
    }
    // The reader picked the tiles again in the layer control: the notice has said its part.
    map.on("baselayerchange", function (e) {
      if (e.layer === tiles && notice) { map.removeControl(notice); notice = null; }
    });
    return { fallBack: fallBack, noticeShown: function () { return notice !== null; } };
  };
})();
