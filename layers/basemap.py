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

from layers._script import add_scripts, drop_stale_adds, to_script_json
from layers._text import html_text
from layers.canvas import CanvasPointLayer
from layers.choropleth import choropleth_layer
from layers.facilities import facilities_layer
from layers.i18n import text
from layers.incidents import STYLES, incidents_layer
from layers.legend import Legend
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


def tile_provider_or_default(name: str) -> tuple[xyzservices.TileProvider, tuple[ValueError, str] | None]:
    """``(tile_provider(name), None)``; for a name :func:`tile_provider` refuses, ``(the default's provider,
    (its error, DEFAULT_TILES))``, so the app can say why it draws the default tiles."""
    try:
        return tile_provider(name), None
    except ValueError as exc:
        return tile_provider(DEFAULT_TILES), (exc, DEFAULT_TILES)


def base_map(
    *,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: str | dict | None = None,
    leaflet_url: str | None = None,
    script_url: str | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    places: str | dict | None = None,
    lang: str = "en",
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
        the page then links them (the browser caches them); a URL ending in
        ``.js``: the one file of them all (``layers._script.script_bundle``).
        None puts their text in the page.
    center, zoom : optional
        The initial view (latitude, longitude) and zoom, as read back from the
        page's URL by :func:`parse_view_params`; otherwise the contiguous US.
    places : str, dict or None
        The outline map's place names: a URL of ``us-places.json`` (beside
        ``us-outline.json``) or the document itself; None draws no names.
    lang : str
        The language of the base map's own words (attribution, notice).

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
        outline_layer = OutlineLayer(outline, show=tile_layer is None, control=tile_layer is not None,
                                     places=places, lang=lang).add_to(m)
    if tile_layer is not None and outline_layer is not None:
        _TileFallback(tile_layer, outline_layer, lang=lang).add_to(m)
    return m


def compose_map(
    m: folium.Map,
    layers,
    *,
    legend_open: bool = False,
    time_range: tuple | None = None,
    time_bar: bool = True,
    lang: str = "en",
    as_of: str | None = None,
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
    legend_open : bool or "wide"
        Whether the legend starts unfolded ("wide": on a screen 800 px wide or more, not on a phone).
    as_of : str, optional
        What the data covers ("Data as of ..."), a note at the foot of the legend.
    time_range : (first, last), optional
        The dates the data spans: the map then follows the page's date range
        and categories in the browser and has a time bar
        (:class:`layers.timebar.TimeFilter`), shown when ``time_bar``.
    lang : str
        The language of the legend and the time bar (:data:`layers.i18n.LANGUAGES`); English by default.

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
        Legend(
            facilities=fac, incidents=inc, choropleth=regions,
            range_adp=bool(fac is not None and getattr(fac, "range_adp", False)), open_=legend_open,
            overlays=overlays, lang=lang, as_of=as_of,
        ).add_to(m)
    if time_range is not None:
        # Point layers, and the layers that follow the dates themselves (layers.measures).
        points = [layer for layer in layers
                  if isinstance(layer, CanvasPointLayer) or getattr(layer, "follows_time", False)]
        if points:
            TimeFilter(points, first=time_range[0], last=time_range[1], bar=time_bar, lang=lang).add_to(m)
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
    places: str | dict | None = None,
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

    A convenience for notebooks and tests; the app composes its map itself.  It draws the
    frames it is given and counts nothing: ``choropleth`` is a frame of counts by region
    (``geodata.view.region_counts``).  Facilities are drawn under the incidents here,
    as before; every other argument is passed to the layer or base map it
    names; ``overlays`` (``layers.areas``) are drawn under the points.  ``lang`` is the language
    of the legend, the layers' names and the popups' field names.
    """
    if incident_style not in STYLES:
        raise ValueError(f"incident_style must be one of {STYLES}, got {incident_style!r}")
    if isinstance(choropleth, str):
        raise TypeError("choropleth is a frame of counts by region (geodata.view.region_counts), not a level name")
    m = base_map(tiles=tiles, outline=outline, leaflet_url=leaflet_url, script_url=script_url,
                 center=center, zoom=zoom, places=places, lang=lang)
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

    def __init__(self, tiles: folium.TileLayer, outline: OutlineLayer, *, wait_ms: int = TILE_WAIT_MS,
                 lang: str = "en"):
        super().__init__()
        self._name = "TileFallback"
        self.tiles = tiles
        self.outline = outline
        # The notice, in the page's language.
        self.options = {"wait": int(wait_ms),
                        "text": text(lang).gettext("Map tiles did not load: showing the outline map.")}
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


class _ViewInUrl(JSCSSMixin, MacroElement):
    """The map's centre and zoom in the parent page's URL (:data:`VIEW_PARAMS`), kept through filter changes.

    The script is ``layers/js/viewurl.js`` (``L.iceViewInUrl``): after every pan
    or zoom it writes the view with ``history.replaceState`` (no reload, no
    Streamlit rerun, other parameters kept), and it wraps the page's history
    methods so that the app's own rewrites of the query keep the view.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            L.iceViewInUrl({{ this._parent.get_name() }}, {{ this.origin|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, origin: str = "default"):
        super().__init__()
        self._name = "ViewInUrl"
        #: The view the server drew (from the link), so a stored view is only reused for it.
        self.origin = origin
        self._inline_js = ""
        self.default_js: list[tuple[str, str]] = []

    def render(self, **kwargs):
        self.default_js, self._inline_js = add_scripts(self, ("viewurl.js",))
        MacroElement.render(self, **kwargs)
