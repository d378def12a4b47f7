"""Reading, placing, checking, storing and exporting the map's data.

No Streamlit and no Folium here: ``app.py`` and ``layers/`` build on this package.
"""

from .geography.regions import counts_by_region, load_regions
from .geography.boundaries import build_boundaries, load_boundaries, save_boundaries
from .imports.bundle import build_bundle
from .pipeline.curated import read_curated_events
from .export.writers import feature_collection, to_csv, to_geojson, write_export
from .geography.geocode import Gazetteer, GeocodeResult, gazetteer
from .pipeline.incidents_import import Mapping, map_incidents
from .imports.ingest import ImportResult, import_incidents
from .geography.match import FacilityMatcher, normalize_facility_name
from .geography.places import build_places, load_places, save_places
from .pipeline.reference import apply_reference, match_reference, read_facility_reference
from .core.report import GeodataError, Report
from .core.schema import CATEGORIES, CATEGORY_LABELS, LOCATION_PRECISIONS
from .sources.basu_deaths import read_deaths_basu
from .sources.ddp_population import facility_codes, monthly_population, read_daily_population
from .sources.ice.stats import read_ice_stats
from .store import Bundle, load_bundle, save_bundle
from .pipeline.tables import read_table
from .view.timeline import view_figures, weekly_counts
from .pipeline.validate import validate_facilities, validate_incidents
from .view.select import View, filter_incidents, select

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
