// Keeps the map and its canvas point layer as window.__map and window.__layer; true once the layer has drawn.
() => {
  for (var k of Object.keys(window)) {
    try { if (window[k] instanceof L.Map) { window.__map = window[k]; } } catch (e) {}
    try { if (window[k] instanceof L.CanvasPointLayer) { window.__layer = window[k]; } } catch (e) {}
  }
  return !!(window.__map && window.__layer && window.__layer._grid !== undefined && window.__layer._drawn);
}
