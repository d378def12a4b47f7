"""ICE's own published files: the detention statistics spreadsheets (:mod:`.stats`) and the facility
lists (:mod:`.facility_list`), which share the spreadsheets' cell readers."""

from .facility_list import COLUMNS, LIST_COLUMNS, read_facility_list
from .stats import ICE_STATS_URL, facility_id, fiscal_year, place_offline, read_ice_stats

__all__ = [
    "COLUMNS", "facility_id", "fiscal_year", "ICE_STATS_URL", "LIST_COLUMNS", "place_offline", "read_facility_list",
    "read_ice_stats",
]
