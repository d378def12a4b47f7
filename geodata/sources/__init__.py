"""Readers of one outside source each (ICE, DDP, UWCHR, Basu et al.), and the facility history built from them.

* :func:`read_facility_list` -- any ICE facility list (the 2009 FOIA list, the 2015
  facility listing, other layouts; ``.xls`` or ``.xlsx``).
* :func:`build_facility_history` -- one facility layer across fiscal years from
  several lists, with the years, ADP and source of each value.
"""

from ..pipeline.facility_history import FISCAL_YEAR_COLUMNS, build_facility_history, facilities_in_use, fiscal_years_of
from .ice.facility_list import read_facility_list

__all__ = [
    "FISCAL_YEAR_COLUMNS", "build_facility_history", "facilities_in_use", "fiscal_years_of", "read_facility_list",
]
