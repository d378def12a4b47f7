/* The map's view in the page's link: L.iceViewInUrl(map, origin).
 *
 * After every pan or zoom the map's centre and zoom go into the parent page's
 * URL as lat=, lon=, zoom= (layers/basemap.py VIEW_PARAMS), every other
 * parameter kept as it is written.  The map runs in a same-origin frame
 * (streamlit-folium's component); history.replaceState changes the address
 * without a reload, a history entry or a Streamlit rerun.  A page of another
 * origin, or no parent, leaves everything as it is.
 *
 * The app rewrites the page's query when a filter changes (Streamlit calls
 * history.pushState or replaceState with the new query, which knows nothing of
 * the view): the page's two history methods are wrapped so that a URL written
 * without lat/lon/zoom gets the map's last view, so the link never loses it,
 * not even for a moment.
 */
(function () {
  if (L.iceViewInUrl) { return; }

  var KEY = "ice-map-view";
  var VIEW = /^(lat|lon|zoom)(=|$)/;

  function viewParams(view) {
    return ["lat=" + view.lat.toFixed(5), "lon=" + view.lon.toFixed(5), "zoom=" + view.zoom];
  }

  // The query "search" (with or without "?") with the view's three parameters in place of any it had.
  function withView(search, view) {
    var parts = String(search || "").replace(/^[?]/, "").split("&").filter(function (p) {
      return p && !VIEW.test(p);
    });
    return "?" + parts.concat(viewParams(view)).join("&");
  }

  // A URL (absolute, or a path with a query) given to pushState/replaceState, with the view
  // added when it has none; a URL that names the view itself is left as it is.
  function urlWithView(url, view) {
    if (url === undefined || url === null || !view) { return url; }
    var s = String(url), hash = "", at = s.indexOf("#");
    if (at >= 0) { hash = s.slice(at); s = s.slice(0, at); }
    var q = s.indexOf("?"), path = q >= 0 ? s.slice(0, q) : s, search = q >= 0 ? s.slice(q) : "";
    if (/(^|[?&])lat=/.test(search)) { return url; }
    return path + withView(search, view) + hash;
  }

  // A URL given to pushState/replaceState with the parameters the map keeps besides the view
  // (sticky: name -> value, a measure's chosen category; null: kept out, the viewer took it away)
  // put in place of any of that name the URL has.
  function urlWithSticky(url, sticky) {
    if (url === undefined || url === null || !sticky || !Object.keys(sticky).length) { return url; }
    var s = String(url), hash = "", at = s.indexOf("#");
    if (at >= 0) { hash = s.slice(at); s = s.slice(0, at); }
    var q = s.indexOf("?"), path = q >= 0 ? s.slice(0, q) : s;
    var parts = (q >= 0 ? s.slice(q + 1) : "").split("&").filter(function (p) {
      return p && !Object.prototype.hasOwnProperty.call(sticky, p.split("=")[0]);
    });
    Object.keys(sticky).forEach(function (name) {
      if (sticky[name] !== null) { parts.push(name + "=" + encodeURIComponent(sticky[name])); }
    });
    return path + (parts.length ? "?" + parts.join("&") : "") + hash;
  }

  // Wrap the page's history methods once per page; the wrappers read the view the map left on
  // the history object (plain data), so a map drawn again only updates it.
  function guardHistory(page) {
    var h = page.history;
    if (!h || h.__iceViewGuard) { return; }
    ["pushState", "replaceState"].forEach(function (method) {
      var original = h[method];
      if (typeof original !== "function") { return; }
      h[method] = function (state, title, url) {
        return original.call(h, state, title, urlWithSticky(urlWithView(url, h.__iceView), h.__iceSticky));
      };
    });
    h.__iceViewGuard = true;
  }

  L.iceViewInUrl = function (map, origin) {
    // The page may re-create this map (a filter changed): it comes back where the
    // viewer left it, unless the page was opened with another view (a new link).
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
      if (saved && saved.origin === origin && isFinite(saved.lat) && isFinite(saved.lon)) {
        map.setView([saved.lat, saved.lon], saved.zoom, { animate: false });
      }
    } catch (err) { /* no storage: the drawn view stays */ }

    function currentView() {
      var c = map.getCenter();
      return { lat: c.lat, lon: c.lng, zoom: Math.round(map.getZoom()) };
    }

    function writeView() {
      var view = currentView();
      try {
        window.sessionStorage.setItem(KEY, JSON.stringify(
          { origin: origin, lat: view.lat, lon: view.lon, zoom: view.zoom }));
      } catch (err) { /* private mode: nothing kept */ }
      try {
        var page = window.parent;
        if (!page || page === window) { return; }
        var loc = page.location;
        guardHistory(page);
        page.history.__iceView = { lat: view.lat, lon: view.lon, zoom: view.zoom };
        var next = withView(loc.search, view);
        if (next !== loc.search) {
          page.history.replaceState(page.history.state, "", loc.pathname + next + loc.hash);
        }
      } catch (err) {
        // Another origin, or no history: the URL stays as it is.
      }
    }

    map.on("moveend", writeView);
    // Leaflet focuses the map on a click (for its keyboard controls); in a frame, that
    // scrolls the whole page to bring the map into view, under the viewer's pointer.
    map.getContainer().addEventListener("mousedown", function () {
      if (!(map.keyboard && map.keyboard._focused)) {
        map.getContainer().focus({ preventScroll: true });
      }
    }, true);
    // The link is written at once, not only after the first pan: a date changed before any
    // pan keeps the view too.
    writeView();
    // Anything else that rewrites the page's query without the view (not through history): put it back.
    window.setInterval(function () {
      try {
        if (!/[?&]lat=/.test(window.parent.location.search)) { writeView(); }
      } catch (err) { /* another origin */ }
    }, 1000);
    return { writeView: writeView };
  };
  function linkPage() {
    try { return window.parent && window.parent !== window ? window.parent : window; } catch (err) { return window; }
  }

  // One parameter of the page's link (null when absent or unreadable).
  L.iceViewInUrl.getParam = function (name) {
    try { return new URLSearchParams(linkPage().location.search).get(name); } catch (err) { return null; }
  };

  // Keep name=value in the page's link (null: take it out), also through the app's rewrites of the query.
  L.iceViewInUrl.setParam = function (name, value) {
    try {
      var page = linkPage(), h = page.history, loc = page.location;
      guardHistory(page);
      h.__iceSticky = h.__iceSticky || {};
      h.__iceSticky[name] = value === undefined ? null : value;
      h.replaceState(h.state, "", loc.pathname + loc.search + loc.hash);  // the wrapper puts it in or out
    } catch (err) { /* another origin: the link stays as it is */ }
  };
  L.iceViewInUrl.urlWithSticky = urlWithSticky;
  L.iceViewInUrl.withView = withView;
  L.iceViewInUrl.urlWithView = urlWithView;
})();
