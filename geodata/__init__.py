"""Reading, placing, checking, storing and exporting the map's data.

No Streamlit and no Folium here: ``app.py`` and ``layers/`` build on this package.
"""

from .bundle import build_bundle
from .curated import read_curated_events
from .deaths import read_deaths_basu
from .export import feature_collection, to_csv, to_geojson, write_export
from .geocode import Gazetteer, GeocodeResult, gazetteer
from .ice_stats import read_ice_stats
from .match import FacilityMatcher, normalize_facility_name
from .report import GeodataError, Report
from .schema import CATEGORIES, CATEGORY_LABELS, LOCATION_PRECISIONS
from .store import Bundle, load_bundle, save_bundle
from .validate import validate_facilities, validate_incidents
from .view import View, filter_incidents, select

__all__ = [
    "Bundle", "CATEGORIES", "CATEGORY_LABELS", "FacilityMatcher", "Gazetteer", "GeocodeResult",
    "GeodataError", "LOCATION_PRECISIONS", "Report", "View", "build_bundle", "feature_collection",
    "filter_incidents", "gazetteer", "load_bundle", "normalize_facility_name", "read_curated_events",
    "read_deaths_basu", "read_ice_stats", "save_bundle", "select", "to_csv", "to_geojson",
    "validate_facilities", "validate_incidents", "write_export",
]
