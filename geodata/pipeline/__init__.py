"""The import pipeline: read a table, map its columns to the schema, geocode, validate, deduplicate,
generalise private places; facility reference tables, the curated events, and the facility history
built from several of ICE's lists.

Above the sources and reference geography; below the store (it writes nothing itself).
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".agreements_287g": ("build_287g", "load_287g"),
    ".curated": ("CURATED_COLUMNS", "read_curated_events"),
    ".dedupe": ("find_duplicates", "normalize_url", "same_person"),
    ".facility_history": (
        "FISCAL_YEAR_COLUMNS", "HISTORY_COLUMNS", "build_facility_history", "facilities_in_use", "fiscal_years_of",
    ),
    ".incidents_import": ("CATEGORY_SYNONYMS", "COMMON_COLUMNS", "Mapping", "map_incidents"),
    ".privacy": (
        "H3_RESOLUTION", "STREET_ADDRESS", "generalise_place", "generalise_point", "has_street_address",
        "without_house_numbers",
    ),
    ".reference": (
        "CROSSWALK", "MATCH_COLUMNS", "REFERENCE_COLUMNS", "CoordinateCheck", "apply_reference", "check_coordinates",
        "match_reference", "read_facility_reference", "reference_codes", "state_boxes", "write_rejects",
    ),
    ".tables": (
        "MAX_COLUMNS", "MAX_TABLE_BYTES", "MB", "NULL_STRINGS", "decode_text", "plain_rows", "read_table",
        "text_lists",
    ),
    ".validate": ("validate_facilities", "validate_incidents"),
})

__all__ = [
    "build_287g", "load_287g",
    "apply_reference", "build_facility_history", "CATEGORY_SYNONYMS", "check_coordinates", "COMMON_COLUMNS",
    "CoordinateCheck", "CROSSWALK", "CURATED_COLUMNS", "decode_text", "facilities_in_use", "find_duplicates",
    "FISCAL_YEAR_COLUMNS", "fiscal_years_of", "generalise_place", "generalise_point", "H3_RESOLUTION",
    "has_street_address", "HISTORY_COLUMNS", "map_incidents", "Mapping", "MATCH_COLUMNS", "match_reference",
    "MAX_COLUMNS", "MAX_TABLE_BYTES", "MB", "normalize_url", "NULL_STRINGS", "plain_rows", "read_curated_events",
    "read_facility_reference", "read_table", "reference_codes", "REFERENCE_COLUMNS", "same_person", "state_boxes",
    "STREET_ADDRESS", "text_lists", "validate_facilities", "validate_incidents", "without_house_numbers",
    "write_rejects",
]
