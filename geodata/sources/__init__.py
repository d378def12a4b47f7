"""Readers of one outside source each: ICE (:mod:`.ice`), the Deportation Data Project (arrests,
offices, daily population), UWCHR (county AORs, headcount) and Basu et al. (deaths).

A source never imports another source: what two share lives below them (:mod:`geodata.core`,
:mod:`geodata.geography`).  The facility history, which combines several of ICE's lists, is
pipeline work: :mod:`geodata.pipeline.facility_history`.
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".basu_deaths": ("read_deaths_basu",),
    ".ddp_arrests": ("read_arrests",),
    ".ddp_offices": ("load_offices", "read_offices"),
    ".ddp_population": ("read_daily_population",),
    ".ice.facility_list": ("read_facility_list",),
    ".ice.stats": ("read_ice_stats",),
    ".ice_287g": ("read_287g_snapshot", "read_287g_snapshots"),
    ".uwchr": ("read_county_aor", "read_headcount", "read_seattle_arrests"),
    ".uwchr_headcount": ("load_headcount",),
})

__all__ = [
    "read_287g_snapshot", "read_287g_snapshots",
    "load_headcount", "load_offices", "read_arrests", "read_county_aor", "read_daily_population", "read_deaths_basu",
    "read_facility_list", "read_headcount", "read_ice_stats", "read_offices", "read_seattle_arrests",
]
