"""Where the map's data lives: the bundled GeoJSON, or a store the command line writes and the app reads.

``open_store(None)`` is the bundled data (read-only); ``open_store("DIR")`` the
embedded GeoParquet store in a folder (``geodata init --store DIR``); a
``postgresql://`` URL the shared PostGIS store (:mod:`geodata.store.postgis`).  See
:class:`geodata.store.base.Store` for the interface every backend implements.

Persistence only: a store reads and writes tables by query.  What a view shows of them is
composed above it, in :mod:`geodata.view` (:func:`geodata.view.frames`).
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    "..core.geojson": ("read_layer",),
    "..core.paths": ("DATA_DIR", "FACILITY_YEARS_FILE", "FILES", "POPULATION_FILE", "REPORT_FILE"),
    ".backends": ("open_store",),
    ".base": (
        "SCHEMA_VERSION", "STORE_COLUMNS", "VIEW_COLUMNS", "Bundle", "Query", "Store", "filter_incidents", "query_of",
    ),
    ".bundle": ("BundleStore", "load_bundle", "save_bundle"),
})

__all__ = [
    "Bundle", "BundleStore", "DATA_DIR", "FACILITY_YEARS_FILE", "FILES", "POPULATION_FILE", "Query", "REPORT_FILE",
    "SCHEMA_VERSION", "STORE_COLUMNS", "Store", "VIEW_COLUMNS", "filter_incidents", "load_bundle", "open_store",
    "query_of", "read_layer", "save_bundle",
]
