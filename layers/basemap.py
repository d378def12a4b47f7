"""The whole map: a base map, the two point layers, a legend, the layer control.

The base map is either tiles from an online provider (an ``xyzservices`` name),
or the outline map of :mod:`layers.outline`, which asks no server but the one
that serves the page, or both: then the outline map is the other choice in the
layer control, and the map switches to it by itself when no tile loads.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import xyzservices
from branca.element import MacroElement
from folium.template import Template
from xstatic.pkg import leaflet as _xstatic_leaflet

from geodata.schema import CATEGORIES, CATEGORY_LABELS
from layers.canvas import CanvasPointLayer
from layers.facilities import FACILITY_GROUP_COLORS, facilities_layer, facility_radius
from layers.incidents import CATEGORY_COLORS, incidents_layer
from layers.outline import OutlineLayer

#: The contiguous United States.  Territories (PR, GU, MP) are in the data, but
#: fitting to them would zoom out to half the globe.
US_CENTER = (39.5, -98.35)
US_ZOOM = 4
CONUS_BOUNDS = ((24.4, -125.0), (49.4, -66.9))

#: The online base map when none is named: free, and needs no API key.
DEFAULT_TILES = "OpenStreetMap.Mapnik"

#: Leaflet's files (leaflet.js, leaflet.css, images/) from the XStatic-Leaflet
#: package, for an app to serve itself instead of loading them from a CDN.
LEAFLET_DIR = Path(_xstatic_leaflet.BASE_DIR)
LEAFLET_VERSION = _xstatic_leaflet.VERSION

#: Leaflet is all the map needs: folium's other default links (jQuery,
#: Bootstrap, Font Awesome, awesome-markers) serve markers and popups of kinds
#: this map does not draw.
_FOLIUM_LEAFLET_JS = dict(folium.Map.default_js)["leaflet"]
_FOLIUM_LEAFLET_CSS = dict(folium.Map.default_css)["leaflet_css"]

_LEGEND_ADP = (100, 500, 2000)


def tile_provider(name: str) -> xyzservices.TileProvider:
    """The ``xyzservices`` tile provider called ``name``, such as ``"OpenStreetMap.Mapnik"``.

    Raises
    ------
    ValueError
        For an unknown name, or a provider that needs an API key.
    """
    if name.strip().lower() == "openstreetmap":  # folium's old name
        name = DEFAULT_TILES
    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        raise ValueError(f"unknown tile provider {name!r}: use an xyzservices name such as {DEFAULT_TILES!r}") from None
    if provider.requires_token():
        raise ValueError(f"tile provider {provider.name!r} needs an API key; choose one that does not")
    return provider


def build_map(
    facilities=None,
    incidents=None,
    *,
    show_facilities: bool = True,
    show_incidents: bool = True,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: str | dict | None = None,
    leaflet_url: str | None = None,
) -> folium.Map:
    """A map of the United States with the facility and incident layers.

    Parameters
    ----------
    facilities, incidents : geopandas.GeoDataFrame or None
        Frames with the ``geodata.schema`` columns.  A layer is added whenever
        its frame is given, even an empty one; None leaves it out.
    show_facilities, show_incidents : bool
        Whether each layer is on when the map opens (it stays in the control).
    tiles : str, xyzservices.TileProvider or None
        Online base map: an ``xyzservices`` name (see :func:`tile_provider`)
        or provider.  None for none: the page then asks no tile server.
    outline : str, dict or None
        The offline outline map (:class:`layers.outline.OutlineLayer`): a URL
        of ``us-outline.json`` or the document itself.  Shown at once when
        there are no tiles; otherwise the other base map in the layer control,
        switched to when no tile loads.
    leaflet_url : str or None
        Where ``leaflet.js`` and ``leaflet.css`` are served (a folder URL, may
        be relative, such as the app's copy of :data:`LEAFLET_DIR`); None loads
        them from folium's CDN.  No other script or stylesheet is linked.

    Returns
    -------
    folium.Map
        Centred on the contiguous US, with a legend and an expanded
        ``LayerControl`` added last.
    """
    m = folium.Map(location=US_CENTER, zoom_start=US_ZOOM, tiles=None, prefer_canvas=True, control_scale=True)
    # Instance attributes: folium.Map's class-level lists stay as they are.
    if leaflet_url is None:
        m.default_js = [("leaflet", _FOLIUM_LEAFLET_JS)]
        m.default_css = [("leaflet_css", _FOLIUM_LEAFLET_CSS)]
    else:
        base = leaflet_url.rstrip("/")
        m.default_js = [("leaflet", f"{base}/leaflet.js")]
        m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    m.fit_bounds([list(CONUS_BOUNDS[0]), list(CONUS_BOUNDS[1])])

    tile_layer = None
    if tiles is not None:
        provider = tile_provider(tiles) if isinstance(tiles, str) else tiles
        tile_layer = folium.TileLayer(provider, name=_tile_name(provider), overlay=False, control=True, show=True)
        tile_layer.add_to(m)
    outline_layer = None
    if outline is not None:
        # Alone, it needs no radio button in the control.
        outline_layer = OutlineLayer(outline, show=tile_layer is None, control=tile_layer is not None).add_to(m)
    if tile_layer is not None and outline_layer is not None:
        _TileFallback(tile_layer, outline_layer).add_to(m)

    if facilities is not None:
        facilities_layer(facilities, show=show_facilities).add_to(m)
    if incidents is not None:
        incidents_layer(incidents, show=show_incidents).add_to(m)
    if facilities is not None or incidents is not None:
        _Legend(facilities=facilities is not None, incidents=incidents is not None).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def page_links(m: folium.Map) -> list[str]:
    """Every script and stylesheet URL the page of ``m`` links to, in order."""
    links: list[str] = []
    stack = [m]
    while stack:
        element = stack.pop(0)
        links.extend(url for _, url in getattr(element, "default_js", []))
        links.extend(url for _, url in getattr(element, "default_css", []))
        stack.extend(element._children.values())
    return list(dict.fromkeys(links))


def _tile_name(provider) -> str:
    name = str(provider.get("name", "Tiles"))
    return name.replace(".Mapnik", "").replace(".", " ")


class _TileFallback(MacroElement):
    """Switch to the outline map when the first screenful of tiles all failed."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, tiles, outline) {
            var loaded = 0, failed = 0;
            tiles.on("tileload", function () { loaded++; });
            tiles.on("tileerror", function () { failed++; });
            // "load": every tile of the view has finished, well or not.
            tiles.on("load", function () {
                if (!loaded && failed && map.hasLayer(tiles)) {
                    map.removeLayer(tiles);
                    map.addLayer(outline);
                }
            });
        })({{ this._parent.get_name() }}, {{ this.tiles.get_name() }}, {{ this.outline.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, outline: OutlineLayer):
        super().__init__()
        self._name = "TileFallback"
        self.tiles = tiles
        self.outline = outline


def layer_points(m: folium.Map) -> dict[str, int]:
    """Map each :class:`CanvasPointLayer` on ``m`` (at any depth) to its point count."""
    counts: dict[str, int] = {}
    stack = list(m._children.values())
    while stack:
        element = stack.pop(0)
        if isinstance(element, CanvasPointLayer):
            counts[element.layer_name] = counts.get(element.layer_name, 0) + len(element)
        stack.extend(element._children.values())
    return counts


class _Legend(MacroElement):
    """A fixed box in the bottom-left corner; every label is HTML-escaped."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .map-legend { position: absolute; bottom: 56px; left: 10px; z-index: 1000;
          background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.35); max-height: 60%; overflow-y: auto;
          font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
        .map-legend summary { cursor: pointer; font-weight: 600; }
        .map-legend h4 { margin: 4px 0 2px; font-size: 12px; font-weight: 600; }
        .map-legend .row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
        .map-legend .dot { display: inline-block; border-radius: 50%; flex: none; box-sizing: border-box; }
        .map-legend .sizes { display: flex; align-items: flex-end; gap: 8px; }
        .map-legend .sizes span { display: flex; flex-direction: column; align-items: center; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="map-legend" id="{{ this.get_name() }}">
          <details><summary>Legend</summary>{{ this.body }}</details>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, *, facilities: bool = True, incidents: bool = True):
        super().__init__()
        self._name = "Legend"
        parts: list[str] = []
        if incidents:
            parts.append("<h4>Incidents</h4>")
            for cat in CATEGORIES:
                parts.append(_swatch(CATEGORY_COLORS[cat], CATEGORY_LABELS[cat]))
            parts.append(_swatch("#555555", "Placed at a city, county or state center", ring=True))
        if facilities:
            parts.append("<h4>Detention facilities</h4>")
            for group, color in FACILITY_GROUP_COLORS.items():
                parts.append(_swatch(color, group))
            sizes = []
            for adp, r in zip(_LEGEND_ADP, facility_radius(_LEGEND_ADP)):
                d = round(2 * float(r))
                sizes.append(
                    f'<span><i class="dot" style="width:{d}px;height:{d}px;'
                    f'background:rgba(33,113,181,0.35);border:1px solid #2171b5"></i>{adp:,}</span>'
                )
            parts.append("<div>Circle area: average daily population</div>")
            parts.append(f'<div class="sizes">{"".join(sizes)}</div>')
        self.body = "".join(parts)


def _swatch(color: str, label: str, *, ring: bool = False) -> str:
    color = html.escape(color, quote=True)
    style = f"border:2px solid {color};background:#fff" if ring else f"background:{color};border:1px solid #fff"
    return (
        f'<div class="row"><i class="dot" style="width:11px;height:11px;{style}"></i>'
        f"{html.escape(label)}</div>"
    )
