"""What a user is looking at: a :class:`View` (dates, categories, layers, AORs), the records that fit
it, the facilities in use and their population over the range, the figures, and the frames a
store shows of a view (:func:`frames`, :func:`query`), and its counts by area for the map's shaded
regions (:func:`region_counts`, :func:`area_frames`).

Above the store: the store reads tables by query; the view composes them.
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".areas": ("area_frames", "region_counts"),
    ".child": ("in_child",),
    ".compose": ("export_frames", "frames", "query"),
    ".figures": ("bundle_figures", "fill_documents", "fill_figures"),
    ".measures": ("measure_span",),
    ".occupancy": (
        "coverage", "monthly_totals", "periods", "population_table", "range_adp", "range_sources", "view_frames",
        "with_range_adp",
    ),
    ".population_sources": (
        "SOURCE_CODES", "SOURCE_NAMES", "SOURCES", "best_population", "ice_monthly", "place_keys",
        "population_sources", "source_words",
    ),
    ".resident": ("FrameCache", "IncidentIndex", "ResidentViews", "release_memory", "use_system_memory_pool"),
    ".selection": ("DEFAULT_LAYERS", "LAYERS", "View", "filter_incidents", "incident_aors", "select"),
    ".shards": ("COMPLETE", "KEEP_SECONDS", "cache_dir", "prune", "write_file", "write_shards"),
    ".spans": ("layer_spans",),
    ".timeline": ("MAX_PERIODS", "counts_through_time", "view_figures", "week_start", "weekly_counts"),
    ".warm": ("health_check_url", "run_page", "start_warming", "warm_seconds", "watch_generation"),
})

__all__ = [
    "layer_spans", "measure_span", "export_frames", "in_child",
    "area_frames", "best_population", "bundle_figures", "cache_dir", "COMPLETE", "counts_through_time", "coverage",
    "DEFAULT_LAYERS", "fill_documents", "fill_figures", "filter_incidents", "frames", "ice_monthly", "incident_aors",
    "KEEP_SECONDS", "LAYERS", "MAX_PERIODS", "monthly_totals", "periods", "place_keys", "population_sources",
    "population_table", "prune", "query", "range_adp", "range_sources", "region_counts", "select", "SOURCE_CODES",
    "SOURCE_NAMES", "source_words", "SOURCES", "View", "view_figures",
    "view_frames", "week_start", "weekly_counts", "with_range_adp", "write_file", "write_shards",
    "health_check_url", "run_page", "start_warming", "warm_seconds", "watch_generation",
    "FrameCache", "IncidentIndex", "ResidentViews", "release_memory", "use_system_memory_pool",
]
