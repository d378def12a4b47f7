"""People held per facility and month from three sources, and the best of them for each month.

* ``ddp``: the Deportation Data Project's daily counts (CC0), 2022-10 to 2026-03
  (``Bundle.population``, :mod:`geodata.sources.ddp_population`).
* ``uwchr``: UWCHR's daily headcount (GPL-3.0), FY2012 to 2024-01-04, by ICE facility
  code, joined to the facilities that have the code (:mod:`geodata.sources.uwchr_headcount`).
* ``ice``: ICE's average daily population per fiscal year, from its lists (the 2015
  listing for FY2010-FY2016, the detentionStats workbooks for FY2019-FY2026;
  ``Bundle.facility_years``): one figure for every month of the fiscal year, up to the
  month of the list's data date (an ADP "fiscal year to date").

:func:`population_sources` puts the three in one shape (facility x month), and
:func:`best_population` takes, for each facility and month, the finest source that
counts that facility then: DDP's daily counts, else UWCHR's, else ICE's fiscal-year
figure.  Within a daily source's span a facility it counts has a row for every month (a
month without people is 0: nobody held); a facility-month no source counts has no row
(not known, never zero).  :func:`geodata.view.occupancy.range_adp` averages that table over
a date range: person-days over the days some source counts the facility.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "SOURCES",
    "SOURCE_CODES",
    "SOURCE_NAMES",
    "best_population",
    "ice_monthly",
    "month_days",
    "place_keys",
    "population_sources",
    "source_words",
]

#: The sources, best first.
SOURCES: tuple[str, ...] = ("ddp", "uwchr", "ice")
#: How the map names them (popups, figures, charts).
SOURCE_NAMES: dict[str, str] = {
    "ddp": "DDP daily counts",
    "uwchr": "UWCHR daily headcount",
    "ice": "ICE fiscal-year ADP",
}
#: One small number per source for the page (0: no source counts that facility-month).
SOURCE_CODES: dict[str, int] = {"ice": 1, "uwchr": 2, "ddp": 3}

_COLUMNS = ["facility_id", "month", "adp", "days"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"facility_id": pd.Series(dtype=object), "month": pd.Series(dtype=object),
                         "adp": pd.Series(dtype=float), "days": pd.Series(dtype=int)})


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def month_days(months: pd.Series) -> np.ndarray:
    """Days in each ``YYYY-MM`` month (whole columns at once: a PeriodIndex parses each string alone)."""
    text = pd.Series(months, dtype=object).astype(str)
    year = text.str.slice(0, 4).astype(int).to_numpy()
    month = text.str.slice(5, 7).astype(int).to_numpy()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return _DAYS_IN_MONTH[month - 1] + ((month == 2) & leap)


def _month_text(index: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` of months counted from year 0 (``12 * year + month - 1``)."""
    year, month = np.divmod(index, 12)
    return (pd.Series(year).astype(str).str.zfill(4) + "-" + pd.Series(month + 1).astype(str).str.zfill(2)).to_numpy()


def ice_monthly(facility_years: pd.DataFrame | None) -> pd.DataFrame:
    """ICE's fiscal-year ADP as one row per facility and month of the fiscal year.

    A fiscal year runs from October to September (FY2015: 2014-10 to 2015-09).  Where
    two lists give a year (FY2026's workbooks of January and April 2026), the one with the
    later data date wins; months after the list's data date are left out (its ADP is
    the fiscal year to that date).
    """
    if facility_years is None or facility_years.empty:
        return _empty()
    fy = facility_years.copy()
    fy["adp"] = pd.to_numeric(fy["adp"], errors="coerce")
    fy["fiscal_year"] = pd.to_numeric(fy["fiscal_year"], errors="coerce")
    fy = fy[fy["adp"].notna() & fy["fiscal_year"].notna() & (fy["facility_id"].astype(str) != "")]
    if fy.empty:
        return _empty()
    fy = fy.sort_values(["facility_id", "fiscal_year", "data_date"], kind="stable")
    fy = fy.drop_duplicates(["facility_id", "fiscal_year"], keep="last")
    rows = fy.loc[fy.index.repeat(12), ["facility_id", "fiscal_year", "adp", "data_date"]].reset_index(drop=True)
    k = rows.groupby(["facility_id", "fiscal_year"]).cumcount()
    # FY y's first month is October of y - 1: months counted from year 0, then written out.
    first = 12 * (rows["fiscal_year"].to_numpy(dtype=np.int64) - 1) + 9
    rows["month"] = _month_text(first + k.to_numpy())
    date = pd.to_datetime(rows["data_date"], errors="coerce")
    until = date.dt.strftime("%Y-%m").fillna("9999-12")
    rows = rows.assign(days=month_days(rows["month"]))
    # The release's span ends on its data date: of that month, only the days up to it.
    last = (rows["month"] == until).to_numpy()
    rows.loc[last, "days"] = date[last].dt.day.astype(int).to_numpy()
    rows = rows[rows["month"] <= until]
    return rows[_COLUMNS].sort_values(["facility_id", "month"], kind="stable").reset_index(drop=True)


def _uwchr_monthly(headcount: pd.DataFrame | None) -> pd.DataFrame:
    if headcount is None or headcount.empty:
        return _empty()
    h = headcount[headcount["facility_id"].notna() & (headcount["facility_id"].astype(str) != "")]
    # Several codes of one facility (a code that changed) add up.
    out = h.groupby(["facility_id", "month"], as_index=False).agg(adp=("adp", "sum"), days=("days", "max"))
    return out[_COLUMNS]


def _ddp_monthly(population: pd.DataFrame | None) -> pd.DataFrame:
    if population is None or population.empty:
        return _empty()
    p = population[population["facility_id"].notna()]
    out = p.groupby(["facility_id", "month"], as_index=False).agg(adp=("adp", "sum"), days=("days", "max"))
    return out[_COLUMNS]


def population_sources(population=None, headcount=None, facility_years=None) -> dict[str, pd.DataFrame]:
    """The three sources as facility x month tables (``facility_id``, ``month``, ``adp``, ``days``).

    Parameters
    ----------
    population : pandas.DataFrame, optional
        DDP's facility x month table (``Bundle.population``).
    headcount : pandas.DataFrame, optional
        UWCHR's code x month table (``geodata.sources.uwchr_headcount.load_headcount``); rows without
        a ``facility_id`` are left out.
    facility_years : pandas.DataFrame, optional
        ``Bundle.facility_years``.

    Returns
    -------
    dict
        ``{"ddp": ..., "uwchr": ..., "ice": ...}`` (:data:`SOURCES`), each possibly empty.
        The daily sources keep the source's rows (a month without people has none).
    """
    return {"ddp": _ddp_monthly(population), "uwchr": _uwchr_monthly(headcount), "ice": ice_monthly(facility_years)}


def _dense(table: pd.DataFrame) -> pd.DataFrame:
    """A daily source with a row for each facility it counts and each month of its span (0: nobody)."""
    if table.empty:
        return table
    days = table.groupby("month")["days"].max()
    months = pd.period_range(min(days.index), max(days.index), freq="M").strftime("%Y-%m")
    days = days.reindex(months)
    days = days.fillna(pd.Series(month_days(pd.Series(months)), index=months)).astype(int)
    grid = pd.MultiIndex.from_product([sorted(table["facility_id"].unique()), months], names=["facility_id", "month"])
    adp = table.set_index(["facility_id", "month"])["adp"].reindex(grid, fill_value=0.0)
    out = adp.reset_index()
    out["days"] = out["month"].map(days).astype(int)
    return out[_COLUMNS]


def _fiscal_year(months: pd.Series) -> pd.Series:
    year = months.str.slice(0, 4).astype(int)
    return year + (months.str.slice(5, 7).astype(int) >= 10)


def best_population(sources: dict[str, pd.DataFrame], places: dict[str, str] | None = None) -> pd.DataFrame:
    """For each facility and month, the figure of the best source that counts it then.

    ICE's figure is an average over a fiscal year (to its list's data date), not a month's
    count: it is used only for a facility and fiscal year that no daily source counts in any
    month (Camp East Montana's FY2026-to-date 2,505 does not follow DDP's March 1,369 as
    "April").  ``places`` (facility id -> a key of its place, e.g. its street address) makes
    facility records of one place one population: in a month, only the best source that counts
    any of them is kept (ICE's ADP for Dilley Immigration Processing Center is not added to
    DDP's daily counts of the same complex at 300 El Rancho Way).

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``month``, ``adp``, ``days``, ``source`` (a key of
        :data:`SOURCES`), sorted by facility and month.  A facility-month no source
        counts has no row.
    """
    parts, taken = [], None
    for key in SOURCES:
        table = sources.get(key)
        if table is None or table.empty:
            continue
        table = table if key == "ice" else _dense(table)
        if key == "ice" and taken is not None:
            counted = pd.DataFrame(list(taken), columns=["facility_id", "month"])
            counted_years = pd.MultiIndex.from_arrays([counted["facility_id"], _fiscal_year(counted["month"])])
            years = pd.MultiIndex.from_arrays([table["facility_id"], _fiscal_year(table["month"])])
            table = table[~years.isin(counted_years)]
        keys = pd.MultiIndex.from_frame(table[["facility_id", "month"]])
        if taken is not None:
            table = table[~keys.isin(taken)]
            keys = pd.MultiIndex.from_frame(table[["facility_id", "month"]])
        parts.append(table.assign(source=key))
        taken = keys if taken is None else taken.append(keys)
    if not parts:
        return _empty().assign(source=pd.Series(dtype=object))
    out = pd.concat(parts, ignore_index=True)
    if places:
        place = out["facility_id"].map(places).fillna(out["facility_id"])
        rank = out["source"].map({k: i for i, k in enumerate(SOURCES)})
        best = rank.groupby([place, out["month"]]).transform("min")
        out = out[rank == best]
    return out.sort_values(["facility_id", "month"], kind="stable").reset_index(drop=True)


def place_keys(facilities: pd.DataFrame) -> dict[str, str]:
    """Facility id -> its place (street address and city, normalised) for the facilities that
    share a place with another record: the four Dilley records at 300 El Rancho Way are one."""
    from ..geography.geocode import normalize_place
    from ..pipeline.facility_history import address_key

    if facilities is None or "address" not in facilities.columns:
        return {}
    keys = {}
    for fid, address, city, state in zip(facilities["id"], facilities["address"], facilities["city"],
                                         facilities["state"]):
        a = address_key(address)
        if a and isinstance(city, str) and city.strip():
            keys[fid] = f"{state}|{normalize_place(city)}|{a}"
    counts = pd.Series(list(keys.values())).value_counts()
    return {fid: k for fid, k in keys.items() if counts.get(k, 0) > 1}


def source_words(keys) -> str:
    """``"ddp uwchr"`` (or an iterable of keys) in words, best first: ``"DDP daily counts, UWCHR daily headcount"``."""
    keys = keys.split() if isinstance(keys, str) else list(keys)
    return ", ".join(SOURCE_NAMES[k] for k in SOURCES if k in keys)
