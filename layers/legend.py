"""The map's legend: a box in the bottom-left corner with one part per layer it explains.

Each part is shown only while its layer is on (``layers/js/legend.js``); every
label is HTML-escaped (:func:`layers._text.html_text`).
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from layers._script import add_scripts
from layers._symbols import UNCERTAINTY_RADIUS_M, radius_words, symbol_svg
from layers._text import html_text
from layers.canvas import HEAT_RAMP
from layers.facilities import FACILITY_GROUP_COLORS, facility_radius
from layers.i18n import text
from layers.incidents import CATEGORY_COLORS, CATEGORY_SHAPES

_LEGEND_ADP = (100, 500, 2000)


class Legend(JSCSSMixin, MacroElement):
    """A fixed box in the bottom-left corner; every label is HTML-escaped.

    Each section belongs to a layer and is shown only while that layer is on.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        /* Under the zoom buttons, well clear of the time bar at the foot of the map (an open legend there
           covered the time bar's buttons once they wrapped, as they do in Spanish). */
        .map-legend { position: absolute; top: 80px; left: 10px; z-index: 1000;
          background: rgba(255,255,255,0.94); padding: 6px 9px; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.35); max-height: calc(100% - 200px); max-width: 280px;
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
        @media (max-width: 520px) {
          /* A phone: the attribution on one line beside the scale (a tap shows the whole credit), the
             time bar above both, the legend under the zoom buttons: none of them covers another. */
          .leaflet-control-attribution { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
            max-width: calc(100vw - 100px); cursor: pointer; }
          .leaflet-control-attribution:hover, .leaflet-control-attribution:focus-within {
            white-space: normal; overflow: visible; max-width: calc(100vw - 20px); background: #fff; }
          .leaflet-bottom.leaflet-right .ice-timebar { margin-bottom: 40px; }
        }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="map-legend" id="{{ this.get_name() }}"{{ " data-open-wide" if this.open_ == "wide" else "" }}>
          <details{{ " open" if this.open_ == True else "" }}>
          <summary>{{ this.title }}</summary>{{ this.body }}{{ this.as_of }}</details>
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            L.iceLegend({{ this._parent.get_name() }}, {{ this.get_name()|tojson }}, {{ this.sections_js() }});
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
        self.default_js, self._inline_js = add_scripts(self, ("legend.js",))
        MacroElement.render(self, **kwargs)
        self._rendered_as = self.get_name()

    def __init__(self, *, facilities=None, incidents=None, choropleth=None, range_adp=False, open_=False,
                 overlays=(), lang="en", as_of: str | None = None):
        super().__init__()
        self._name = "Legend"
        self._inline_js = ""
        self.default_js: list[tuple[str, str]] = []
        _ = text(lang).gettext
        self.title = html_text(_("Legend"))
        # True: open; "wide": open on a screen 800 px wide or more (legend.js), folded on a phone.
        self.open_ = open_ if open_ == "wide" else bool(open_)
        # What the data covers ("Data as of ..."): a note under every part, whichever layers are on.
        self.as_of = f'<p class="note as-of">{html_text(as_of)}</p>' if as_of else ""
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
