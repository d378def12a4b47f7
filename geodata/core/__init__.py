"""The lowest layer: where bundled files live, the record schema, errors and reports, and small shared
helpers (atomic writes, dates, ids, reading a stored GeoJSON layer, the arrest rows' shape).

It imports nothing else of the package; every other layer may import it.
"""

from .lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".arrests": ("normalise_arrests",),
    ".atomic": ("TEMP_SUFFIX", "atomic_path", "clean_temp_files", "write_bytes", "write_text"),
    ".dates": (
        "EARLIEST_DATE", "FUTURE_MARGIN_DAYS", "PartialDate", "as_date", "clip_to_sane_range", "date_range_problem",
        "latest_date", "parse_loose_date", "parse_partial_date",
    ),
    ".geojson": ("read_layer",),
    ".ids": ("slug",),
    ".paths": ("DATA_DIR", "FACILITY_YEARS_FILE", "FILES", "POPULATION_FILE", "REPORT_FILE"),
    ".report": ("GeodataError", "Report", "read_csv_table"),
    ".schema": (
        "CATEGORIES", "CATEGORY_LABELS", "CRS", "DATE_PRECISIONS", "FACILITY_COLUMNS", "FACILITY_TYPE_LABELS",
        "INCIDENT_COLUMNS", "LOCATION_PRECISIONS", "STATE_CODES", "STATE_NAMES", "VERIFICATION_STATUSES", "join_urls",
        "split_urls", "state_code",
    ),
})

__all__ = [
    "as_date", "atomic_path", "CATEGORIES", "CATEGORY_LABELS", "clean_temp_files", "clip_to_sane_range", "CRS",
    "DATA_DIR", "DATE_PRECISIONS", "date_range_problem", "EARLIEST_DATE", "FACILITY_COLUMNS", "FACILITY_TYPE_LABELS",
    "FACILITY_YEARS_FILE", "FILES", "FUTURE_MARGIN_DAYS", "GeodataError", "INCIDENT_COLUMNS", "join_urls",
    "latest_date", "LOCATION_PRECISIONS", "normalise_arrests", "parse_loose_date", "parse_partial_date",
    "PartialDate", "POPULATION_FILE", "read_csv_table", "read_layer", "Report", "REPORT_FILE", "slug", "split_urls",
    "state_code", "STATE_CODES", "STATE_NAMES", "TEMP_SUFFIX", "VERIFICATION_STATUSES", "write_bytes", "write_text",
]
