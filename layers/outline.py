"""The offline base map: land, state and county borders drawn in the browser.

No tile server is asked for anything.  The outlines come from
``geodata/data/basemap/us-outline.json`` (see :mod:`geodata.geography.boundaries`), either
fetched from a URL of the app's own server (cached by the browser, so filtering
does not send them again) or embedded in the page.  They are drawn on one
canvas in their own pane under the points; county borders appear from zoom 6.

With ``places`` (``geodata/data/basemap/us-places.json``, see
:mod:`geodata.geography.places`: GeoNames, CC BY 4.0) the map also names cities and
towns, more of them as it zooms in (:data:`PLACE_STEPS`), in small grey type
with a pale halo, on a canvas of their own in a pane under every data layer,
no two labels overlapping (``layers/js/places.js``).
"""

from __future__ import annotations

import json

from folium.template import Template

from layers._script import ScriptLayer, script_source, to_script_json
from layers._text import html_text
from layers.i18n import N_, text

OUTLINE_NAME = "Outline map (no tiles)"
#: The outline map's sources: the US from the Census Bureau, its neighbours' land from Natural Earth
#: (geodata.geography.boundaries.neighbour_land); both public domain, credited all the same.
OUTLINE_ATTRIBUTION = N_("Outlines: US Census Bureau 2010, Natural Earth (public domain)")
#: The place names' attribution, as GeoNames' licence (CC BY 4.0) asks.  ``{geonames}`` is its link.
PLACES_ATTRIBUTION = N_("Place names: {geonames} (CC BY 4.0)")
_GEONAMES_LINK = '<a href="https://www.geonames.org/">GeoNames</a>'

#: From each zoom on, the places of at least this many people are named (larger first, never two labels
#: overlapping): the country's largest cities zoomed out, towns of 1,000 from zoom 12.
PLACE_STEPS = ((3, 1_000_000), (4, 500_000), (5, 250_000), (6, 100_000), (7, 50_000), (8, 20_000),
               (9, 10_000), (10, 5_000), (11, 2_000), (12, 1_000))

#: Colours of the outline map: pale land on a blue-grey sea, borders in greys.
OUTLINE_STYLE = {
    "water": "#d6e4ee",
    "land": "#f6f4ef",
    "coast": "#7d93a8",
    "state": "#8f8a99",
    "county": "#d4cfc4",
}

# Defined once per page.
# The class is layers/js/outline.js (it needs layers/js/polyline.js and places.js, loaded first).
_CLASS_JS = script_source("polyline.js") + "\n" + script_source("places.js") + "\n" + script_source("outline.js")


class OutlineLayer(ScriptLayer):
    """The offline base map as a Folium layer (a base layer by default).

    Parameters
    ----------
    source : str or dict
        A URL to fetch ``us-outline.json`` from (best from the app's own
        server), or that document itself (a dict, or its JSON text) to embed.
    name : str
        The name in the layer control.
    overlay, control, show : bool
        As for any folium layer.  A base layer (``overlay=False``) by default,
        the alternative to a tile layer.
    county_min_zoom : int
        County borders are drawn from this zoom on.
    places : str, dict or None
        The place names: a URL of ``us-places.json`` (best from the app's own
        server, beside the outlines) or that document; None for none.
    lang : str
        The language of the attribution (:data:`layers.i18n.LANGUAGES`).
    """

    _js_class = "OutlineLayer"
    _scripts = ("outline.js",)
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            var {{ this.get_name() }} = new L.OutlineLayer(
                {{ this.js_data() }},
                L.extend({{ this.options|tojavascript }}, { places: {{ this.places_js() }} })
            );
        {% endmacro %}
        """
    )

    def __init__(
        self,
        source: str | dict,
        *,
        name: str = OUTLINE_NAME,
        overlay: bool = False,
        control: bool = True,
        show: bool = True,
        county_min_zoom: int = 6,
        places: str | dict | None = None,
        lang: str = "en",
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "OutlineLayer"
        if isinstance(source, str) and source.lstrip().startswith("{"):
            source = json.loads(source)
        if not isinstance(source, (str, dict)):
            raise TypeError(f"source must be a URL or the outline document, got {type(source).__name__}")
        self.source = source
        if isinstance(places, str) and places.lstrip().startswith("{"):
            places = json.loads(places)
        if places is not None and not isinstance(places, (str, dict)):
            raise TypeError(f"places must be a URL or the places document, got {type(places).__name__}")
        self.places = places
        _ = text(lang).gettext
        # Leaflet shows the attribution as HTML: the words are escaped, the link is this module's own markup.
        attribution = html_text(_(OUTLINE_ATTRIBUTION))
        if places is not None:
            attribution += " · " + html_text(_(PLACES_ATTRIBUTION)).replace("&#123;geonames}", _GEONAMES_LINK)
        self.options = {
            "pane": "outlinePane",
            "county_min_zoom": int(county_min_zoom),
            "attribution": attribution,
            "style": dict(OUTLINE_STYLE),
            "place_options": {"steps": [list(step) for step in PLACE_STEPS]},
        }

    @property
    def url(self) -> str | None:
        """The URL the browser fetches the outlines from, or None when they are embedded."""
        return self.source if isinstance(self.source, str) else None

    def source_js(self) -> str:
        return to_script_json(self.source)

    def js_data(self) -> str:
        return self.source_js()

    def places_js(self) -> str:
        return to_script_json(self.places)
