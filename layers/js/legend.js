/* The legend follows the layer control: L.iceLegend(map, id, sections).
 *
 * The legend is a box of the page (layers/basemap.py _Legend) with one part per
 * layer it explains; sections is a list of [part name, layer].  A layer's part
 * is shown only while that layer is on the map.  The box is looked up each
 * time: streamlit-folium runs the map's script before it puts the page's HTML
 * in place.
 */
(function () {
  if (L.iceLegend) { return; }

  L.iceLegend = function (map, id, sections) {
    var unfolded = false;
    function sync() {
      var box = document.getElementById(id);
      if (!box) { return; }
      // A legend made to open on a wide screen (a desktop) opens once; on a phone it stays folded over the map.
      // The frame may still be narrow while the page lays it out: only a wide frame settles it (once, so a
      // legend the reader folds stays folded).
      if (!unfolded && typeof box.hasAttribute === "function" && box.hasAttribute("data-open-wide") &&
          window.innerWidth >= 800 && box.firstElementChild) {
        unfolded = true;
        box.firstElementChild.open = true;
      }
      sections.forEach(function (s) {
        var el = box.querySelector("[data-part='" + s[0] + "']");
        if (el) { el.style.display = map.hasLayer(s[1]) ? "" : "none"; }
      });
    }
    map.on("layeradd layerremove", sync);
    sync();
    window.setTimeout(sync, 0);
    window.setTimeout(sync, 800);  // the box may be put in place later still (a slow page): open it then
    window.setTimeout(sync, 2500);
    return { sync: sync };
  };
})();
