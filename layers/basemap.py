"""The whole map: base tiles, the two point layers, a legend, the layer control."""

from __future__ import annotations

import html

import folium
from branca.element import MacroElement
from folium.template import Template

from geodata.schema import CATEGORIES, CATEGORY_LABELS
from layers.canvas import CanvasPointLayer
from layers.facilities import FACILITY_GROUP_COLORS, facilities_layer, facility_radius
from layers.incidents import CATEGORY_COLORS, incidents_layer

#: The contiguous United States.  Territories (PR, GU, MP) are in the data, but
#: fitting to them would zoom out to half the globe.
US_CENTER = (39.5, -98.35)
US_ZOOM = 4
CONUS_BOUNDS = ((24.4, -125.0), (49.4, -66.9))

_LEGEND_ADP = (100, 500, 2000)


def build_map(
    facilities=None,
    incidents=None,
    *,
    show_facilities: bool = True,
    show_incidents: bool = True,
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """A map of the United States with the facility and incident layers.

    Parameters
    ----------
    facilities, incidents : geopandas.GeoDataFrame or None
        Frames with the ``geodata.schema`` columns.  A layer is added whenever
        its frame is given, even an empty one; None leaves it out.
    show_facilities, show_incidents : bool
        Whether each layer is on when the map opens (it stays in the control).
    tiles : str or None
        Folium tile name or URL; None for no base tiles.

    Returns
    -------
    folium.Map
        Centred on the contiguous US, with a legend and an expanded
        ``LayerControl`` added last.
    """
    m = folium.Map(location=US_CENTER, zoom_start=US_ZOOM, tiles=tiles, prefer_canvas=True, control_scale=True)
    m.fit_bounds([list(CONUS_BOUNDS[0]), list(CONUS_BOUNDS[1])])
    if facilities is not None:
        facilities_layer(facilities, show=show_facilities).add_to(m)
    if incidents is not None:
        incidents_layer(incidents, show=show_incidents).add_to(m)
    if facilities is not None or incidents is not None:
        _Legend(facilities=facilities is not None, incidents=incidents is not None).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


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
        .map-legend { position: absolute; bottom: 28px; left: 10px; z-index: 1000;
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
