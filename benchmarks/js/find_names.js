// The window names of the map and of each canvas point layer (by its name).
() => { var out = {}; for (var k of Object.keys(window)) { try { var v = window[k];
  if (v instanceof L.Map) { out.map = k; } else if (v instanceof L.CanvasPointLayer) { out[v.options.name] = k; } }
  catch (e) {} } return out; }
