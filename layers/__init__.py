"""Folium layers for the enforcement map.

``layers`` turns the GeoDataFrames described in :mod:`geodata.schema` into
Folium objects.  It imports folium but never streamlit, and reads no files.
"""

from layers.basemap import DEFAULT_TILES, LEAFLET_DIR, build_map, layer_points, page_links, tile_provider
from layers.canvas import CanvasPointLayer
from layers.facilities import FACILITY_GROUP_COLORS, FACILITY_TYPE_GROUPS, facilities_layer, facility_radius
from layers.incidents import CATEGORY_COLORS, incidents_layer
from layers.outline import OutlineLayer

__all__ = [
    "CATEGORY_COLORS",
    "DEFAULT_TILES",
    "FACILITY_GROUP_COLORS",
    "FACILITY_TYPE_GROUPS",
    "LEAFLET_DIR",
    "CanvasPointLayer",
    "OutlineLayer",
    "build_map",
    "facilities_layer",
    "facility_radius",
    "incidents_layer",
    "layer_points",
    "page_links",
    "tile_provider",
]
