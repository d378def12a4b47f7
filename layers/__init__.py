"""Folium layers for the enforcement map.

``layers`` turns the GeoDataFrames described in :mod:`geodata.core.schema` into
Folium objects.  It imports folium but never streamlit, and reads no files.
"""

from layers._script import SCRIPTS_DIR
from layers._symbols import SHAPES, UNCERTAINTY_RADIUS_M
from layers.basemap import (
    DEFAULT_TILES,
    LEAFLET_DIR,
    VIEW_PARAMS,
    base_map,
    build_map,
    compose_map,
    layer_points,
    page_links,
    parse_view_params,
    tile_provider,
    tile_provider_or_default,
)
from layers.canvas import HEAT_RAMP, CanvasPointLayer
from layers.choropleth import CHOROPLETH_COLORS, ChoroplethLayer, choropleth_layer
from layers.facilities import FACILITY_GROUP_COLORS, FACILITY_TYPE_GROUPS, facilities_layer, facility_radius
from layers.incidents import CATEGORY_COLORS, CATEGORY_SHAPES, incidents_layer
from layers.outline import OutlineLayer
from layers.timebar import TimeFilter

__all__ = [
    "CATEGORY_COLORS",
    "CATEGORY_SHAPES",
    "CHOROPLETH_COLORS",
    "DEFAULT_TILES",
    "FACILITY_GROUP_COLORS",
    "FACILITY_TYPE_GROUPS",
    "HEAT_RAMP",
    "LEAFLET_DIR",
    "SCRIPTS_DIR",
    "SHAPES",
    "UNCERTAINTY_RADIUS_M",
    "VIEW_PARAMS",
    "CanvasPointLayer",
    "ChoroplethLayer",
    "OutlineLayer",
    "TimeFilter",
    "base_map",
    "build_map",
    "compose_map",
    "choropleth_layer",
    "facilities_layer",
    "facility_radius",
    "incidents_layer",
    "layer_points",
    "page_links",
    "parse_view_params",
    "tile_provider",
    "tile_provider_or_default",
]
