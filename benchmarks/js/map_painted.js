// True once the map has painted its points: the points layer's canvas is in the map's frame
// (benchmarks/bench_page.py and tests/browser/test_page_weight.py wait for it).
() => {
  for (const f of document.querySelectorAll('iframe')) {
    try { const w = f.contentWindow; if (w.L && w.L.CanvasPointLayer && w.document.querySelector('.leaflet-cpl-canvas')
          && w.document.querySelector('.leaflet-container')) { return true; } } catch (e) {}
  }
  return false;
}
