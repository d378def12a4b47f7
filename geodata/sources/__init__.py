"""Readers of one outside source each: ICE (:mod:`.ice`), the Deportation Data Project (arrests,
offices, daily population), UWCHR (county AORs, headcount) and Basu et al. (deaths).

A source never imports another source: what two share lives below them (:mod:`geodata.core`,
:mod:`geodata.geography`).  The facility history, which combines several of ICE's lists, is
pipeline work: :mod:`geodata.pipeline.facility_history`.
"""

from .basu_deaths import read_deaths_basu
from .ddp_arrests import read_arrests
from .ddp_offices import load_offices, read_offices
from .ddp_population import read_daily_population
from .ice.facility_list import read_facility_list
from .ice.stats import read_ice_stats
from .ice_287g import read_287g_snapshot, read_287g_snapshots
from .uwchr import read_county_aor, read_headcount, read_seattle_arrests
from .uwchr_headcount import load_headcount

__all__ = [
    "read_287g_snapshot", "read_287g_snapshots",
    "load_headcount", "load_offices", "read_arrests", "read_county_aor", "read_daily_population", "read_deaths_basu",
    "read_facility_list", "read_headcount", "read_ice_stats", "read_offices", "read_seattle_arrests",
]
