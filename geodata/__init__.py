"""Reading, placing, checking, storing and exporting the map's data.

No Streamlit and no Folium here: ``app.py`` and ``layers/`` build on this package.
"""

from .aggregate import counts_by_region, load_regions
from .boundaries import build_boundaries, load_boundaries, save_boundaries
from .bundle import build_bundle
from .curated import read_curated_events
from .export import feature_collection, to_csv, to_geojson, write_export
from .geocode import Gazetteer, GeocodeResult, gazetteer
from .incidents_import import Mapping, map_incidents
from .ingest import ImportResult, import_incidents
from .match import FacilityMatcher, normalize_facility_name
from .places import build_places, load_places, save_places
from .reference import apply_reference, match_reference, read_facility_reference
from .report import GeodataError, Report
from .schema import CATEGORIES, CATEGORY_LABELS, LOCATION_PRECISIONS
from .sources.basu_deaths import read_deaths_basu
from .sources.ddp_population import facility_codes, monthly_population, read_daily_population
from .sources.ice_stats import read_ice_stats
from .store import Bundle, load_bundle, save_bundle
from .tables import read_table
from .timeline import view_figures, weekly_counts
from .validate import validate_facilities, validate_incidents
from .view import View, filter_incidents, select

__all__ = [
    "apply_reference", "build_boundaries", "build_bundle", "Bundle", "CATEGORIES", "CATEGORY_LABELS",
    "counts_by_region", "facility_codes", "FacilityMatcher", "feature_collection", "filter_incidents",
    "gazetteer", "Gazetteer", "GeocodeResult", "GeodataError", "import_incidents", "ImportResult",
    "build_places", "load_boundaries", "load_bundle", "load_places", "load_regions", "LOCATION_PRECISIONS",
    "map_incidents", "Mapping",
    "match_reference", "monthly_population", "normalize_facility_name", "read_curated_events",
    "read_daily_population", "read_deaths_basu", "read_facility_reference", "read_ice_stats", "read_table",
    "Report", "save_boundaries", "save_bundle", "save_places", "select", "to_csv", "to_geojson", "validate_facilities",
    "validate_incidents", "View", "view_figures", "weekly_counts", "write_export",
]

# 287(g) agreements (issue 17): ICE's snapshots, agreements in force by county and month.
from .agreements_287g import build_287g, load_287g  # noqa: E402
from .counties import Counties  # noqa: E402
from .sources.ice_287g import read_287g_snapshot, read_287g_snapshots  # noqa: E402

__all__ += ["build_287g", "Counties", "load_287g", "read_287g_snapshot", "read_287g_snapshots"]
