// A new range and categories written into the parent page's address, as the app writes them;
// resolves to [ms until the time filter redrew, the redraw's own ms].
(names) => new Promise((done) => {
  var t = window[names.map]._iceTime, before = t.renders, t0 = performance.now();
  window.parent.history.replaceState(null, '', '?start=2024-01-01&end=2024-06-30&category=arrest,protest');
  (function wait() { if (t.renders > before) { done([performance.now() - t0, t.lastMs]); }
                     else { requestAnimationFrame(wait); } })();
})
