// Incidents by region as shaded polygons (L.ChoroplethLayer).  Needs polyline.js.
// Served by the app as a file; see layers/choropleth.py.  Tooltips are built with textContent.
(function () {
  "use strict";
  if (L.ChoroplethLayer) { return; }

  var decodePoints = L.cplDecodePoints;

  function decodeRegion(region, factor) {
    var pts = decodePoints(region.points, factor), at = 0;
    return region.counts.map(function (rings) {
      return rings.map(function (n) { var ring = pts.slice(at, at + n); at += n; return ring; });
    });
  }

  function textTooltip(text) {
    return function () {
      var div = document.createElement("div");
      div.textContent = text;
      return div;
    };
  }

  var ChoroplethLayer = L.FeatureGroup.extend({
    initialize: function (data, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      var o = L.setOptions(this, options), factor = Math.pow(10, data.precision);
      var base = { color: o.strokeColor, weight: o.weight, opacity: 0.9, fillOpacity: o.fillOpacity };
      for (var k = 0; k < data.regions.length; k++) {
        var region = data.regions[k];
        var polygon = L.polygon(decodeRegion(region, factor), L.extend({}, base, { fillColor: region.fill }));
        polygon.bindTooltip(textTooltip(region.tooltip), { sticky: true, direction: "top", opacity: 0.95 });
        polygon.on("mouseover", function (e) { e.target.setStyle({ weight: 2, color: "#333333" }); });
        polygon.on("mouseout", function (e) { e.target.setStyle({ weight: o.weight, color: o.strokeColor }); });
        this.addLayer(polygon);
      }
    }
  });

  ChoroplethLayer.decodeRegion = decodeRegion;
  L.ChoroplethLayer = ChoroplethLayer;
})();
