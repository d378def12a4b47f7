// Sets the view to a zoom and times the canvas layer's full redraw `times` times.
([zoom, times]) => {
  var map = window.__map, layer = window.__layer;
  map.setView([38.5, -96.5], zoom, { animate: false });
  var ms = [];
  for (var k = 0; k < times; k++) {
    layer._view = null;
    var t = performance.now();
    layer._reset();
    ms.push(performance.now() - t);
  }
  return { ms: ms, drawn: layer.drawnCount(), clusters: layer.clusterCount(), mode: layer.drawMode() };
}
