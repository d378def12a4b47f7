"""Reading, placing, checking, storing and exporting the map's data.

No Streamlit and no Folium here: ``app.py`` and ``layers/`` build on this package.  Its parts are
layers, lowest first, each importing only those below it (``docs/layout.md``; import-linter checks
it): ``core`` -> ``geography`` -> ``sources`` -> ``pipeline`` -> ``export`` -> ``store`` -> ``view``
-> ``imports`` -> ``cli``.  The names below are the public API, importable from ``geodata`` itself.
"""

from .core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".core.report": ("GeodataError", "Report"),
    ".core.schema": ("CATEGORIES", "CATEGORY_LABELS", "LOCATION_PRECISIONS"),
    ".export": ("feature_collection", "to_csv", "to_geojson", "write_export"),
    ".geography": (
        "FacilityMatcher", "Gazetteer", "GeocodeResult", "build_boundaries", "build_places", "counts_by_region",
        "gazetteer", "load_boundaries", "load_places", "load_regions", "normalize_facility_name", "save_boundaries",
        "save_places",
    ),
    ".imports": ("ImportResult", "build_bundle", "import_incidents"),
    ".pipeline": (
        "Mapping", "apply_reference", "map_incidents", "match_reference", "read_curated_events",
        "read_facility_reference", "read_table", "validate_facilities", "validate_incidents",
    ),
    ".sources": ("read_daily_population", "read_deaths_basu", "read_ice_stats"),
    ".sources.ddp_population": ("facility_codes", "monthly_population"),
    ".store": ("Bundle", "load_bundle", "save_bundle"),
    ".view": ("View", "filter_incidents", "select", "view_figures", "weekly_counts"),
    # 287(g) agreements (issue 17): ICE's snapshots, agreements in force by county and month.
    ".geography.counties": ("Counties",),
    ".pipeline.agreements_287g": ("build_287g", "load_287g"),
    ".sources.ice_287g": ("read_287g_snapshot", "read_287g_snapshots"),
})

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

__all__ += ["build_287g", "Counties", "load_287g", "read_287g_snapshot", "read_287g_snapshots"]
