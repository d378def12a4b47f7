// The names of the map, its choropleth layers and the offices' point layer on window.
() => {
  var out = { map: null, regions: [], offices: null };
  for (var k of Object.keys(window)) {
    try {
      var v = window[k];
      if (v instanceof L.Map) { out.map = k; }
      else if (L.ChoroplethLayer && v instanceof L.ChoroplethLayer) { out.regions.push(k); }
      else if (v instanceof L.CanvasPointLayer) { out.offices = k; }
    } catch (e) {}
  }
  return out;
}
