"""The whole map: a base map, the point layers, a choropleth, a legend, the layer control.

The base map is either tiles from an online provider (an ``xyzservices`` name),
or the outline map of :mod:`layers.outline`, which asks no server but the one
that serves the page, or both: then the outline map is the other choice in the
layer control, and the map switches to it by itself when no tile loads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import folium
import xyzservices
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from xstatic.pkg import leaflet as _xstatic_leaflet

from geodata.schema import CATEGORIES, CATEGORY_LABELS
from layers._script import add_scripts, drop_stale_adds, to_script_json
from layers._symbols import UNCERTAINTY_RADIUS_M, radius_words, symbol_svg
from layers._text import html_text
from layers.canvas import HEAT_RAMP, CanvasPointLayer
from layers.choropleth import choropleth_layer
from layers.facilities import FACILITY_GROUP_COLORS, facilities_layer, facility_radius
from layers.i18n import text
from layers.incidents import CATEGORY_COLORS, CATEGORY_SHAPES, STYLES, incidents_layer
from layers.outline import OutlineLayer
from layers.timebar import TimeFilter

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

#: Query parameters of the parent page's URL that hold the map's view.  After
#: every pan or zoom the map writes them into the page's address (with
#: ``history.replaceState``, so nothing reloads and Streamlit does not rerun),
#: keeping every other parameter; :func:`parse_view_params` reads them back
#: for ``build_map(center=..., zoom=...)``.
VIEW_PARAMS: dict[str, str] = {
    "lat": "latitude of the map's centre, 5 decimals (WGS84)",
    "lon": "longitude of the map's centre, 5 decimals (WGS84)",
    "zoom": "Leaflet zoom level, a whole number 0-18",
}
MAX_ZOOM = 18


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


def base_map(
    *,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: str | dict | None = None,
    leaflet_url: str | None = None,
    script_url: str | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> folium.Map:
    """A map of the United States with its base layers and nothing on it yet.

    Parameters
    ----------
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
        them from folium's CDN.
    script_url : str or None
        Where the layers' own scripts (:data:`layers.SCRIPTS_DIR`) are served;
        the page then links them (the browser caches them).  None puts their
        text in the page.
    center, zoom : optional
        The initial view (latitude, longitude) and zoom, as read back from the
        page's URL by :func:`parse_view_params`; otherwise the contiguous US.
    Returns
    -------
    folium.Map
        The base map (tiles and/or the outline map), for :func:`compose_map`.
    """
    if zoom is not None:
        zoom = int(zoom)
        if not 0 <= zoom <= MAX_ZOOM:
            raise ValueError(f"zoom must be between 0 and {MAX_ZOOM}, got {zoom}")
    m = folium.Map(
        location=list(center) if center is not None else US_CENTER,
        zoom_start=zoom if zoom is not None else US_ZOOM,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    m.script_url = script_url
    m.view_origin = f"{center[0]:.5f},{center[1]:.5f},{zoom}" if center is not None else "default"
    # Instance attributes: folium.Map's class-level lists stay as they are.
    if leaflet_url is None:
        m.default_js = [("leaflet", _FOLIUM_LEAFLET_JS)]
        m.default_css = [("leaflet_css", _FOLIUM_LEAFLET_CSS)]
    else:
        base = leaflet_url.rstrip("/")
        m.default_js = [("leaflet", f"{base}/leaflet.js")]
        m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    if center is None and zoom is None:
        m.fit_bounds([list(CONUS_BOUNDS[0]), list(CONUS_BOUNDS[1])])

    tile_layer = None
    if tiles is not None:
        provider = tile_provider(tiles) if isinstance(tiles, str) else tiles
        tile_layer = _TileLayer(provider, name=_tile_name(provider), overlay=False, control=True, show=True)
        tile_layer.add_to(m)
    outline_layer = None
    if outline is not None:
        # Alone, it needs no radio button in the control.
        outline_layer = OutlineLayer(outline, show=tile_layer is None, control=tile_layer is not None).add_to(m)
    if tile_layer is not None and outline_layer is not None:
        _TileFallback(tile_layer, outline_layer).add_to(m)
    return m


def compose_map(
    m: folium.Map,
    layers,
    *,
    legend_open: bool = False,
    time_range: tuple | None = None,
    time_bar: bool = True,
    lang: str = "en",
) -> folium.Map:
    """Add ``layers`` to the base map ``m`` (:func:`base_map`), in drawing order, then the legend and control.

    Parameters
    ----------
    m : folium.Map
        From :func:`base_map`.
    layers : iterable of folium layers
        Drawn in this order, the last on top (facilities after incidents, so
        they stay visible over many incidents).  Each layer that a legend
        section explains (``legend_part``: incidents, facilities, choropleth)
        adds its section; a layer of any other kind is simply added.
    legend_open : bool
        Whether the legend starts unfolded.
    time_range : (first, last), optional
        The dates the data spans: the map then follows the page's date range
        and categories in the browser and has a time bar
        (:class:`layers.timebar.TimeFilter`), shown when ``time_bar``.
    lang : str
        The legend's language (:data:`layers.i18n.LANGUAGES`); English by default.

    Returns
    -------
    folium.Map
        ``m``, with a legend (each section shown while its layer is on), the
        view-in-URL script (:data:`VIEW_PARAMS`) and an expanded layer
        control added last.  Every name in the control and every text in the
        legend is HTML-escaped (:func:`layers._text.html_text`): Leaflet
        inserts a layer's name as HTML, and an upload's name comes from its
        file; ``{`` is escaped too, so folium's second Jinja pass cannot run it.
    """
    layers = [layer for layer in layers if layer is not None]
    parts: dict[str, object] = {}
    for layer in layers:
        layer.add_to(m)
        part = getattr(layer, "legend_part", None)
        if part is not None and part not in parts:
            parts[part] = layer
    fac, inc, regions = parts.get("facilities"), parts.get("incidents"), parts.get("choropleth")
    # Layers of other kinds (layers.areas) that explain themselves get a section of their own.
    overlays = [layer for layer in layers
                if callable(getattr(layer, "legend_html", None)) and getattr(layer, "legend_part", None) is None]
    if parts or overlays:
        _Legend(
            facilities=fac, incidents=inc, choropleth=regions,
            range_adp=bool(fac is not None and getattr(fac, "range_adp", False)), open_=legend_open,
            overlays=overlays, lang=lang,
        ).add_to(m)
    if time_range is not None:
        points = [layer for layer in layers if isinstance(layer, CanvasPointLayer)]
        if points:
            TimeFilter(points, first=time_range[0], last=time_range[1], bar=time_bar).add_to(m)
    _ViewInUrl(origin=getattr(m, "view_origin", "default")).add_to(m)
    _LayerControl(collapsed=False).add_to(m)
    return m


def build_map(
    facilities=None,
    incidents=None,
    *,
    show_facilities: bool = True,
    show_incidents: bool = True,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: str | dict | None = None,
    leaflet_url: str | None = None,
    script_url: str | None = None,
    incident_style: str = "points",
    choropleth=None,
    choropleth_value: str = "count",
    population=None,
    deaths=None,
    facility_adp=None,
    empty_facilities: str = "hollow",
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    legend_open: bool = False,
    extra_incidents: dict | None = None,
    overlays=(),
    lang: str = "en",
) -> folium.Map:
    """A map of frames in one call: :func:`base_map` and :func:`compose_map` of the usual layers.

    A convenience for notebooks and tests; the app composes its map itself.
    ``choropleth`` is a frame from ``geodata.aggregate.counts_by_region``, or
    a level counted here from ``incidents``.  Facilities are drawn under the incidents here,
    as before; every other argument is passed to the layer or base map it
    names; ``overlays`` (``layers.areas``) are drawn under the points.  ``lang`` is the language
    of the legend, the layers' names and the popups' field names.
    """
    if incident_style not in STYLES:
        raise ValueError(f"incident_style must be one of {STYLES}, got {incident_style!r}")
    if isinstance(choropleth, str):
        if incidents is None:
            raise ValueError("choropleth by level needs incidents to count")
        from geodata.aggregate import counts_by_region

        choropleth = counts_by_region(incidents, choropleth)
    m = base_map(tiles=tiles, outline=outline, leaflet_url=leaflet_url, script_url=script_url,
                 center=center, zoom=zoom)
    _ = text(lang).gettext
    layers = list(overlays)
    if choropleth is not None:
        layers.append(choropleth_layer(choropleth, value=choropleth_value))
    if facilities is not None:
        layers.append(facilities_layer(
            facilities, name=_("Detention facilities"), show=show_facilities, population=population,
            deaths=deaths, adp=facility_adp, empty=empty_facilities, lang=lang,
        ))
    if incidents is not None:
        layers.append(incidents_layer(incidents, name=_("Incidents"), show=show_incidents, style=incident_style,
                                      lang=lang))
    for name, extra in (extra_incidents or {}).items():
        layers.append(incidents_layer(extra, name=name, style=incident_style, lang=lang))
    return compose_map(m, layers, legend_open=legend_open, lang=lang)


class _TileLayer(folium.TileLayer):
    """A tile layer whose page stays the same however often it is rendered (see ``drop_stale_adds``)."""

    def render(self, **kwargs):
        drop_stale_adds(self)
        super().render(**kwargs)


def parse_view_params(params: Mapping[str, str]) -> tuple[tuple[float, float], int] | None:
    """``((lat, lon), zoom)`` from a page's query parameters (:data:`VIEW_PARAMS`), or None.

    None when any of the three is missing or out of range, so a damaged link
    opens the default view instead of the middle of the ocean.
    """
    try:
        lat = float(params["lat"])
        lon = float(params["lon"])
        zoom = float(params["zoom"])
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (lat, lon, zoom)):
        return None
    # Longitudes run on past -180 for the Aleutians (as the outline map draws them).
    if not (-85.06 <= lat <= 85.06 and -360 <= lon <= 360 and zoom.is_integer() and 0 <= zoom <= MAX_ZOOM):
        return None
    return (round(lat, 5), round(lon, 5)), int(zoom)


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


class _LayerControl(folium.LayerControl):
    """folium's layer control with every layer name HTML-escaped.

    Leaflet puts a name into the control with ``innerHTML``, so a layer named
    after an uploaded file (``<img src=x onerror=...>.csv``) would run its
    script.  The layers keep their names as they are (a popup's heading sets
    them as text); only the control's copy is escaped.
    """

    # folium's template, but folded on a small map (a phone): open, it would cover the map and its popups.
    _template = Template(
        """
        {% macro script(this,kwargs) %}
            var {{ this.get_name() }}_layers = {
                base_layers : {
                    {%- for key, val in this.base_layers.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
                overlays :  {
                    {%- for key, val in this.overlays.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
            };
            let {{ this.get_name() }} = L.control.layers(
                {{ this.get_name() }}_layers.base_layers,
                {{ this.get_name() }}_layers.overlays,
                Object.assign({{ this.options|tojavascript }},
                    {{ this._parent.get_name() }}.getSize().x < {{ this.small_px }} ? { collapsed: true } : {})
            ).addTo({{this._parent.get_name()}});
        {% endmacro %}
        """
    )
    #: A map narrower than this (pixels) starts with its layer control folded.
    small_px = 500

    def render(self, **kwargs):
        self.reset()
        for item in self._parent._children.values():
            if isinstance(item, Layer) and item.control:
                names = self.overlays if item.overlay else self.base_layers
                names[html_text(item.layer_name)] = item.get_name()
        MacroElement.render(self, **kwargs)


def _tile_name(provider) -> str:
    name = str(provider.get("name", "Tiles"))
    return name.replace(".Mapnik", "").replace(".", " ")


#: How long the map waits for a first tile before it switches to the outline map (the page has
#: taken a moment to start the map by then: the switch comes within 5 s of the page opening).
TILE_WAIT_MS = 4000


class _TileFallback(JSCSSMixin, MacroElement):
    """Switch to the outline map when no tile loads: all failed, or none came within :data:`TILE_WAIT_MS`.

    The script is ``layers/js/tilefallback.js``; the map then shows a small
    notice saying it switched.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            L.iceTileFallback({{ this._parent.get_name() }}, {{ this.tiles.get_name() }},
                {{ this.outline.get_name() }}, {{ this.options_js() }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, outline: OutlineLayer, *, wait_ms: int = TILE_WAIT_MS):
        super().__init__()
        self._name = "TileFallback"
        self.tiles = tiles
        self.outline = outline
        self.options = {"wait": int(wait_ms)}
        self._inline_js = ""
        self.default_js: list[tuple[str, str]] = []

    def options_js(self) -> str:
        return to_script_json(self.options)

    def render(self, **kwargs):
        self.default_js, self._inline_js = add_scripts(self, ("tilefallback.js",))
        MacroElement.render(self, **kwargs)


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


class _ViewInUrl(MacroElement):
    """After every pan or zoom, the map's centre and zoom go into the parent page's URL.

    The map runs in a same-origin iframe (streamlit-folium's component, served
    by the app).  ``history.replaceState`` changes the address without a
    reload, a history entry or a Streamlit rerun; other query parameters stay.
    A page of another origin, or no parent, leaves everything as it is.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, origin) {
            // The page may re-create this map (a filter changed): it comes back where the
            // viewer left it, unless the page was opened with another view (a new link).
            var KEY = "ice-map-view";
            try {
                var saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
                if (saved && saved.origin === origin && isFinite(saved.lat) && isFinite(saved.lon)) {
                    map.setView([saved.lat, saved.lon], saved.zoom, { animate: false });
                }
            } catch (err) { /* no storage: the drawn view stays */ }
            function writeView() {
                var c = map.getCenter();
                try {
                    window.sessionStorage.setItem(KEY, JSON.stringify(
                        { origin: origin, lat: c.lat, lon: c.lng, zoom: Math.round(map.getZoom()) }));
                } catch (err) { /* private mode: nothing kept */ }
                try {
                    var page = window.parent;
                    if (!page || page === window) { return; }
                    var loc = page.location;
                    // Other parameters stay exactly as they are written.
                    var parts = loc.search.replace(/^[?]/, "").split("&").filter(function (p) {
                        return p && !/^(lat|lon|zoom)(=|$)/.test(p);
                    });
                    parts.push("lat=" + c.lat.toFixed(5), "lon=" + c.lng.toFixed(5),
                               "zoom=" + Math.round(map.getZoom()));
                    var next = "?" + parts.join("&");
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
            // The app rewrites the page's query when a filter changes; put the view back.
            window.setInterval(function () {
                try {
                    if (!/[?&]lat=/.test(window.parent.location.search)) { writeView(); }
                } catch (err) { /* another origin */ }
            }, 1000);
        })({{ this._parent.get_name() }}, {{ this.origin|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, origin: str = "default"):
        super().__init__()
        self._name = "ViewInUrl"
        #: The view the server drew (from the link), so a stored view is only reused for it.
        self.origin = origin


class _Legend(MacroElement):
    """A fixed box in the bottom-left corner; every label is HTML-escaped.

    Each section belongs to a layer and is shown only while that layer is on.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .map-legend { position: absolute; bottom: 58px; left: 10px; z-index: 1000;
          background: rgba(255,255,255,0.94); padding: 6px 9px; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.35); max-height: calc(100% - 150px); max-width: 280px;
          overflow-y: auto; font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
        .map-legend summary { cursor: pointer; font-weight: 600; }
        .map-legend h4 { margin: 6px 0 2px; font-size: 12px; font-weight: 600; }
        .map-legend .row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
        .map-legend .dot { display: inline-block; border-radius: 50%; flex: none; box-sizing: border-box; }
        .map-legend .box { display: inline-block; width: 14px; height: 11px; flex: none; opacity: 0.8;
          border: 1px solid rgba(0,0,0,0.15); }
        .map-legend .sym { flex: none; }
        .map-legend .note { color: #555; font-size: 11px; margin: 2px 0; }
        .map-legend .ramp { height: 10px; margin: 3px 0 1px; border-radius: 2px; }
        .map-legend .ends { display: flex; justify-content: space-between; color: #555; font-size: 11px; }
        .map-legend .sizes { display: flex; align-items: flex-end; gap: 8px; }
        .map-legend .sizes span { display: flex; flex-direction: column; align-items: center; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="map-legend" id="{{ this.get_name() }}">
          <details{{ " open" if this.open_ else "" }}><summary>{{ this.title }}</summary>{{ this.body }}</details>
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map, id, sections) {
            // Show a layer's part of the legend only while the layer is on.  The
            // box is looked up each time: streamlit-folium runs this script
            // before it puts the page's HTML in place.
            function sync() {
                var box = document.getElementById(id);
                if (!box) { return; }
                sections.forEach(function (s) {
                    var el = box.querySelector("[data-part='" + s[0] + "']");
                    if (el) { el.style.display = map.hasLayer(s[1]) ? "" : "none"; }
                });
            }
            map.on("layeradd layerremove", sync);
            sync();
            setTimeout(sync, 0);
        })({{ this._parent.get_name() }}, {{ this.get_name()|tojson }}, {{ this.sections_js() }});
        {% endmacro %}
        """
    )

    def render(self, **kwargs):
        # A map kept and shown again (the app caches it) is renamed by streamlit-folium on each render:
        # forget the legend's box, style and script of the last render, or the page holds one per render.
        figure = self.get_root()
        last = getattr(self, "_rendered_as", None)
        if last is not None and last != self.get_name():
            for part in (figure.header, figure.html, figure.script):
                part._children.pop(last, None)
        super().render(**kwargs)
        self._rendered_as = self.get_name()

    def __init__(self, *, facilities=None, incidents=None, choropleth=None, range_adp=False, open_=False,
                 overlays=(), lang="en"):
        super().__init__()
        self._name = "Legend"
        _ = text(lang).gettext
        self.title = html_text(_("Legend"))
        self.open_ = bool(open_)
        parts: list[str] = []
        self.sections: list[tuple[str, object]] = []

        def section(part: str, layer, body: str) -> None:
            parts.append(f'<div data-part="{part}">{body}</div>')
            if layer is not None and not isinstance(layer, bool):
                self.sections.append((part, layer))

        if incidents is not None:
            section("incidents", incidents, _incidents_legend(getattr(incidents, "mode", "points"), lang))
        if facilities is not None:
            section("facilities", facilities, _facilities_legend(range_adp, lang))
        if choropleth is not None:
            section("choropleth", choropleth, choropleth.legend_html())
        for k, overlay in enumerate(overlays):
            if hasattr(overlay, "legend_html"):
                section(f"overlay{k}", overlay, overlay.legend_html())
        self.body = "".join(parts)

    def sections_js(self) -> str:
        # Part names are fixed words; layer names are folium's generated identifiers.
        return "[" + ", ".join(f'["{part}", {layer.get_name()}]' for part, layer in self.sections) + "]"


def _incidents_legend(mode: str, lang: str = "en") -> str:
    _ = text(lang).gettext
    e = _element_text
    parts = ["<h4>" + e(_("Incidents")) + "</h4>"]
    if mode == "clusters":
        parts.append(
            '<div class="row">' + _cluster_svg() + "<span>"
            + e(_("Number of incidents close together; the ring shows their categories. Click to zoom in."))
            + "</span></div>"
            + '<div class="note">' + e(_("Alone, and from zoom 10 on, each incident:")) + "</div>"
        )
    elif mode == "heat":
        stops = ", ".join(f"{html_text(color)} {pos * 100:.0f}%" for pos, color in HEAT_RAMP)
        parts.append(
            '<div class="note">'
            + e(_("Heat map: how many incidents are close together, from few to the most in view (log scale)."))
            + "</div>"
            f'<div class="ramp" style="background:linear-gradient(to right,{stops})"></div>'
            + '<div class="ends"><span>' + e(_("few")) + "</span><span>" + e(_("most in view")) + "</span></div>"
            + '<div class="note">' + e(_("From zoom 11 on, each incident:")) + "</div>"
        )
    for cat in CATEGORIES:
        parts.append(_symbol_row(CATEGORY_SHAPES[cat], CATEGORY_COLORS[cat], _(CATEGORY_LABELS[cat])))
    parts.append(_symbol_row("circle", "#555555", _("Outline: known only to a city, county or state"), hollow=True))
    sizes = ", ".join(
        f"{word} {radius_words(UNCERTAINTY_RADIUS_M[key])}"
        for key, word in (("block", _("block")), ("zip", _("ZIP")), ("city", _("city")),
                          ("county", _("county")), ("state", _("state")))
    )
    parts.append(
        '<div class="row">' + _uncertainty_svg() + "<span>"
        + _element_text(_("Dashed circle: a place known only roughly. Radius: the typical size of such an area, not "
                          "this one's ({sizes}).").format(sizes=sizes))
        + "</span></div>"
    )
    parts.append(
        '<div class="note">'
        + e(_("Incidents of several kinds at one place are drawn round it, tied to it by a line."))
        + "</div>"
    )
    return "".join(parts)


def _facilities_legend(range_adp: bool, lang: str = "en") -> str:
    _ = text(lang).gettext
    parts = ["<h4>" + html_text(_("Detention facilities")) + "</h4>"]
    for group, color in FACILITY_GROUP_COLORS.items():
        parts.append(_swatch(color, _(group)))
    sizes = []
    for adp, r in zip(_LEGEND_ADP, facility_radius(_LEGEND_ADP)):
        d = round(2 * float(r))
        sizes.append(
            f'<span><i class="dot" style="width:{d}px;height:{d}px;'
            f'background:rgba(85,85,85,0.25);border:1px solid #555"></i>{adp:,}</span>'
        )
    what = (_("Circle area: average daily population in the selected dates") if range_adp
            else _("Circle area: average daily population"))
    parts.append(f"<div>{html_text(what)}</div>")
    parts.append(f'<div class="sizes">{"".join(sizes)}</div>')
    if range_adp:
        parts.append(_swatch("#555555", _("Outline: nobody held in these dates, or no figures"), ring=True))
    parts.append(
        '<div class="note">'
        + _element_text(_("Dashed circle (zoomed in): placed at its ZIP code\u2019s centre, not at the building; "
                      "radius: a typical ZIP area ({radius}).").format(
                          radius=radius_words(UNCERTAINTY_RADIUS_M["zip"])))
        + "</div>"
    )
    return "".join(parts)


def _element_text(value: str) -> str:
    """``value`` as the text of an element: :func:`html_text` but for quotes, which need no escape there."""
    return html_text(value).replace("&#x27;", "'").replace("&quot;", '"')


def _symbol_row(shape: str, color: str, label: str, *, hollow: bool = False) -> str:
    return f'<div class="row">{symbol_svg(shape, color, hollow=hollow)}{html_text(label)}</div>'


def _uncertainty_svg() -> str:
    return (
        '<svg class="sym" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
        '<circle cx="8" cy="8" r="7.2" fill="none" stroke="#4d4d4d" '
        'stroke-opacity="0.7" stroke-dasharray="2.5 2"/><circle cx="8" cy="8" r="2.4" fill="#4d4d4d"/></svg>'
    )


def _cluster_svg() -> str:
    return (
        '<svg class="sym" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">'
        '<circle cx="10" cy="10" r="9.5" fill="#1a1a1a"/>'
        '<path d="M10 10 L10 0.5 A9.5 9.5 0 0 1 19.2 12.4 Z" fill="#d62728"/>'
        '<circle cx="10" cy="10" r="6" fill="#ffffff"/>'
        '<text x="10" y="13" font-size="8" font-weight="600" text-anchor="middle" fill="#1a1a1a">12</text></svg>'
    )


def _swatch(color: str, label: str, *, ring: bool = False) -> str:
    color = html_text(color)
    style = f"border:2px solid {color};background:#fff" if ring else f"background:{color};border:1px solid #fff"
    return (
        f'<div class="row"><i class="dot" style="width:11px;height:11px;{style}"></i>'
        f"{html_text(label)}</div>"
    )
