"""Reference geography: state and county polygons (regions), ICE's areas of responsibility, the
outline map's boundaries codec and places, the gazetteer and geocoder, facility name matching,
coordinate checks.

Above :mod:`geodata.core`, below the sources (a source places its rows in counties and AORs).
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".aor": (
        "AOR_DIR", "AOR_FILE", "AOR_INPUTS", "AOR_LICENSE", "AOR_NAMES", "assign_aors", "counts_by_aor",
        "decode_aor_areas", "encode_aor_areas", "load_aor_areas", "save_aor_areas", "single_aor_states",
    ),
    ".boundaries": (
        "BASEMAP_DIR", "BASEMAP_FILE", "BOUNDARY_INPUTS", "BOUNDARY_KINDS", "build_boundaries", "decode_boundaries",
        "encode_boundaries", "load_boundaries", "save_boundaries",
    ),
    ".coords": ("CoordinateCheck", "check_coordinates", "state_boxes"),
    ".counties": ("Counties", "county_key"),
    ".geocode": (
        "CensusProvider", "DiskCache", "Gazetteer", "GazetteerProvider", "GeocodeQuery", "Geocoder", "GeocodeResult",
        "NominatimProvider", "RateLimiter", "gazetteer", "normalize_place",
    ),
    ".match": ("FacilityMatcher", "Match", "normalize_facility_name"),
    ".places": (
        "MIN_POPULATION", "PLACE_COUNTRIES", "PLACES_FILE", "build_places", "decode_places", "encode_places",
        "load_places", "save_places",
    ),
    ".regions": (
        "LEVELS", "NEAR_DEGREES", "PER_100K_UNAVAILABLE", "REGION_INPUTS", "REGIONS_DIR", "REGIONS_FILE",
        "assign_regions", "build_regions", "counts_by_region", "decode_regions", "encode_polygon", "encode_regions",
        "load_regions", "save_regions", "typical_radius_m",
    ),
})

__all__ = [
    "Counties", "county_key",
    "AOR_DIR", "AOR_FILE", "AOR_INPUTS", "AOR_LICENSE", "AOR_NAMES", "assign_aors", "assign_regions", "BASEMAP_DIR",
    "BASEMAP_FILE", "BOUNDARY_INPUTS", "BOUNDARY_KINDS", "build_boundaries", "build_places", "build_regions",
    "CensusProvider", "check_coordinates", "CoordinateCheck", "counts_by_aor", "counts_by_region", "decode_aor_areas",
    "decode_boundaries", "decode_places", "decode_regions", "DiskCache", "encode_aor_areas", "encode_boundaries",
    "encode_places", "encode_polygon", "encode_regions", "FacilityMatcher", "Gazetteer", "gazetteer",
    "GazetteerProvider", "GeocodeQuery", "Geocoder", "GeocodeResult", "LEVELS", "load_aor_areas", "load_boundaries",
    "load_places", "load_regions", "Match", "MIN_POPULATION", "NEAR_DEGREES", "NominatimProvider",
    "normalize_facility_name", "normalize_place", "PER_100K_UNAVAILABLE", "PLACE_COUNTRIES", "PLACES_FILE",
    "RateLimiter", "REGION_INPUTS", "REGIONS_DIR", "REGIONS_FILE", "save_aor_areas", "save_boundaries", "save_places",
    "save_regions", "single_aor_states", "state_boxes", "typical_radius_m",
]
