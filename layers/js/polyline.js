// Google's encoded polyline format, decoded in the browser (as geodata.boundaries encodes it).
// Shared by the outline map and the choropleth: defined once per page.
(function () {
  "use strict";
  if (L.cplDecodePoints) { return; }
  L.cplDecodePoints = function (text, factor) {
    var out = [], lat = 0, lon = 0, i = 0, n = text.length;
    function next() {
      var shift = 0, acc = 0, b;
      do {
        b = text.charCodeAt(i++) - 63;
        acc |= (b & 31) << shift;
        shift += 5;
      } while (b >= 32 && i < n);
      return (acc & 1) ? ~(acc >> 1) : (acc >> 1);
    }
    while (i < n) {
      lat += next();
      lon += next();
      out.push([lat / factor, lon / factor]);
    }
    return out;
  };
})();
