"""Getting data into a store: ``geodata import`` (:func:`import_incidents`, a user's file through the
pipeline into a store) and ``geodata build-bundle`` (:func:`build_bundle`, the sources into the
bundled data).

The top of the library: both run the pipeline and write a store, so they sit above both (and above
the view and export, whose writers they use); only the command line and the app import them.
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".bundle": (
        "AREA_INPUTS", "BUNDLE_INPUTS", "CURATED_DIR", "FACILITY_LISTS", "build_aor_areas", "build_area_files",
        "build_bundle", "build_facility_history_layer",
    ),
    ".ingest": (
        "MAX_IMPORT_BYTES", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_COLUMNS", "MAX_UPLOAD_ROWS", "STORE_COLUMNS",
        "ImportResult", "import_incidents", "load_store", "read_upload", "save_store",
    ),
})

__all__ = [
    "AREA_INPUTS", "build_aor_areas", "build_area_files", "build_bundle", "build_facility_history_layer",
    "BUNDLE_INPUTS", "CURATED_DIR", "FACILITY_LISTS", "import_incidents", "ImportResult", "load_store",
    "MAX_IMPORT_BYTES", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_COLUMNS", "MAX_UPLOAD_ROWS", "read_upload", "save_store",
    "STORE_COLUMNS",
]
