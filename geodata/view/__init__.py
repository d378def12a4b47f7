"""What a user is looking at: a :class:`View` (dates, categories, layers, AORs), the records that fit
it, the facilities in use and their population over the range, the figures, and the frames a
store shows of a view (:func:`frames`, :func:`query`), and its counts by area for the map's shaded
regions (:func:`region_counts`, :func:`area_frames`).

Above the store: the store reads tables by query; the view composes them.
"""

from .areas import area_frames, region_counts
from .compose import export_frames, frames, query
from .figures import bundle_figures, fill_documents, fill_figures

# Importing the measures registers each measure's span (geodata.view.spans): exports and the app see them.
from .measures import measure_span
from .occupancy import (
    coverage,
    monthly_totals,
    periods,
    population_table,
    range_adp,
    range_sources,
    view_frames,
    with_range_adp,
)
from .population_sources import (
    SOURCE_CODES,
    SOURCE_NAMES,
    SOURCES,
    best_population,
    ice_monthly,
    place_keys,
    population_sources,
    source_words,
)
from .resident import FrameCache, IncidentIndex, ResidentViews, release_memory, use_system_memory_pool
from .selection import DEFAULT_LAYERS, LAYERS, View, filter_incidents, incident_aors, select
from .shards import COMPLETE, KEEP_SECONDS, cache_dir, prune, write_file, write_shards
from .spans import layer_spans
from .timeline import MAX_PERIODS, counts_through_time, view_figures, week_start, weekly_counts
from .warm import health_check_url, run_page, start_warming, warm_seconds, watch_generation

__all__ = [
    "layer_spans", "measure_span", "export_frames",
    "area_frames", "best_population", "bundle_figures", "cache_dir", "COMPLETE", "counts_through_time", "coverage",
    "DEFAULT_LAYERS", "fill_documents", "fill_figures", "filter_incidents", "frames", "ice_monthly", "incident_aors",
    "KEEP_SECONDS", "LAYERS", "MAX_PERIODS", "monthly_totals", "periods", "place_keys", "population_sources",
    "population_table", "prune", "query", "range_adp", "range_sources", "region_counts", "select", "SOURCE_CODES",
    "SOURCE_NAMES", "source_words", "SOURCES", "View", "view_figures",
    "view_frames", "week_start", "weekly_counts", "with_range_adp", "write_file", "write_shards",
    "health_check_url", "run_page", "start_warming", "warm_seconds", "watch_generation",
    "FrameCache", "IncidentIndex", "ResidentViews", "release_memory", "use_system_memory_pool",
]
