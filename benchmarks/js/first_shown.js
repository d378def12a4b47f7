// Zooms to the first shown incident; returns its pixel on the map (with its fan-out offset), or null.
(names) => { var l = window[names.Incidents], map = window[names.map];
  for (var i = 0; i < l._n; i++) { if (!l._show || l._show[i]) {
    map.setView([l._data.lat[i], l._data.lon[i]], 15, { animate: false });
    var p = map.latLngToContainerPoint([l._data.lat[i], l._data.lon[i]]);
    return [p.x + (l._data.dx ? l._data.dx[i] : 0), p.y + (l._data.dy ? l._data.dy[i] : 0)]; } }
  return null; }
