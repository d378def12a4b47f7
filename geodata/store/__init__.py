"""Where the map's data lives: the bundled GeoJSON, or a store the command line writes and the app reads.

``open_store(None)`` is the bundled data (read-only); ``open_store("DIR")`` the
embedded GeoParquet store in a folder (``geodata init --store DIR``); a
``postgresql://`` URL the shared PostGIS store (:mod:`geodata.store.postgis`).  See
:class:`geodata.store.base.Store` for the interface every backend implements.
"""

from .base import SCHEMA_VERSION, STORE_COLUMNS, VIEW_COLUMNS, Query, Store, open_store, query_of
from .bundle import (
    DATA_DIR,
    FACILITY_YEARS_FILE,
    FILES,
    POPULATION_FILE,
    REPORT_FILE,
    Bundle,
    BundleStore,
    load_bundle,
    read_layer,
    save_bundle,
)

__all__ = [
    "Bundle", "BundleStore", "DATA_DIR", "FACILITY_YEARS_FILE", "FILES", "POPULATION_FILE", "Query", "REPORT_FILE",
    "SCHEMA_VERSION",
    "STORE_COLUMNS", "Store", "VIEW_COLUMNS", "load_bundle", "open_store", "query_of", "read_layer", "save_bundle",
]
