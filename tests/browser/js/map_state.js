// Finds the Leaflet map in the map's frame and reports what is on it (run by Playwright's evaluate).
() => {
  if (!window.L || !L.Map || !L.CanvasPointLayer || !document.querySelector(".leaflet-container")) { return null; }
  var map = null;
  for (var key of Object.keys(window)) {
    try { if (window[key] instanceof L.Map) { map = window[key]; break; } } catch (e) {}
  }
  if (!map) { return null; }
  var out = { points: {}, outline: null, tiles: [], zoom: map.getZoom() };
  for (var id in map._layers) {
    var layer = map._layers[id];
    if (layer instanceof L.CanvasPointLayer) {
      out.points[layer.options.name] = { n: layer.pointCount(), drawn: layer.drawnCount(),
                                         loaded: layer.isLoaded() };
    } else if (L.OutlineLayer && layer instanceof L.OutlineLayer) {
      out.outline = layer.drawnParts();
    } else if (layer instanceof L.TileLayer) {
      out.tiles.push(layer._url);
    }
  }
  return out;
}
