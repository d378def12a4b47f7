"""The offline base map: land, state and county borders drawn in the browser.

No tile server is asked for anything.  The outlines come from
``geodata/data/basemap/us-outline.json`` (see :mod:`geodata.boundaries`), either
fetched from a URL of the app's own server (cached by the browser, so filtering
does not send them again) or embedded in the page.  They are drawn on one
canvas in their own pane under the points; county borders appear from zoom 6.
"""

from __future__ import annotations

import json

from layers._script import ScriptLayer, script_source, to_script_json

OUTLINE_NAME = "Outline map (no tiles)"
OUTLINE_ATTRIBUTION = "Outlines: US Census Bureau 2010 (public domain)"

#: Colours of the outline map: pale land on a blue-grey sea, borders in greys.
OUTLINE_STYLE = {
    "water": "#d6e4ee",
    "land": "#f6f4ef",
    "coast": "#7d93a8",
    "state": "#8f8a99",
    "county": "#d4cfc4",
}

# Defined once per page.
# The class is layers/js/outline.js (it needs layers/js/polyline.js, loaded first).
_CLASS_JS = script_source("polyline.js") + "\n" + script_source("outline.js")


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
    """

    _js_class = "OutlineLayer"
    _scripts = ("outline.js",)

    def __init__(
        self,
        source: str | dict,
        *,
        name: str = OUTLINE_NAME,
        overlay: bool = False,
        control: bool = True,
        show: bool = True,
        county_min_zoom: int = 6,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "OutlineLayer"
        if isinstance(source, str) and source.lstrip().startswith("{"):
            source = json.loads(source)
        if not isinstance(source, (str, dict)):
            raise TypeError(f"source must be a URL or the outline document, got {type(source).__name__}")
        self.source = source
        self.options = {
            "pane": "outlinePane",
            "county_min_zoom": int(county_min_zoom),
            "attribution": OUTLINE_ATTRIBUTION,
            "style": dict(OUTLINE_STYLE),
        }

    @property
    def url(self) -> str | None:
        """The URL the browser fetches the outlines from, or None when they are embedded."""
        return self.source if isinstance(self.source, str) else None

    def source_js(self) -> str:
        return to_script_json(self.source)

    def js_data(self) -> str:
        return self.source_js()
