// True once the canvas layer named Incidents has drawn a point.
() => { for (var k of Object.keys(window)) { try { var v = window[k];
  if (v instanceof L.CanvasPointLayer && v.options.name === 'Incidents' && v.drawnCount() > 0) { return true; } }
  catch (e) {} } return false; }
