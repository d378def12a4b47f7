"""How many people each facility held over a date range, from the facility x month table.

The table (``Bundle.population``, built from the Deportation Data Project's daily
counts) has one row per facility and month with the average over the days DDP
counted (``days``; the last month of the panel is partial), and leaves out months
in which nobody was held.  A facility's average over a range is its person-days in
the range divided by the days of the range that DDP covers; a month left out
counts as zero people, a day outside DDP's span counts not at all.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

__all__ = ["coverage", "range_adp", "monthly_totals"]


def _month_bounds(population: pd.DataFrame) -> pd.DataFrame:
    first = pd.to_datetime(population["month"] + "-01")
    return population.assign(_first=first, _last=first + pd.to_timedelta(population["days"] - 1, unit="D"))


def coverage(population: pd.DataFrame | None) -> tuple[dt.date, dt.date] | None:
    """First and last day the table counts (DDP: 2022-10-01 .. 2026-03-10)."""
    if population is None or population.empty:
        return None
    b = _month_bounds(population)
    return b["_first"].min().date(), b["_last"].max().date()


def range_adp(population: pd.DataFrame | None, start=None, end=None) -> tuple[pd.Series, tuple | None]:
    """Average daily population of each facility over ``[start, end]``.

    Returns ``(adp, span)``: ``adp`` is indexed by facility id (facilities absent
    from the table are absent from it: unknown, not zero); ``span`` is the part of
    the range the table covers, or None when the range lies outside it (then every
    facility is unknown).
    """
    cov = coverage(population)
    if cov is None:
        return pd.Series(dtype=float), None
    lo = max(cov[0], pd.Timestamp(start).date()) if start is not None else cov[0]
    hi = min(cov[1], pd.Timestamp(end).date()) if end is not None else cov[1]
    if lo > hi:
        return pd.Series(dtype=float), None
    b = _month_bounds(population)
    lo_ts, hi_ts = pd.Timestamp(lo), pd.Timestamp(hi)
    overlap = (b["_last"].clip(upper=hi_ts) - b["_first"].clip(lower=lo_ts)).dt.days + 1
    person_days = (b["adp"] * overlap.clip(lower=0)).groupby(b["facility_id"]).sum()
    days = (hi - lo).days + 1
    adp = (person_days / days).rename("adp")
    return adp, (lo, hi)


def monthly_totals(population: pd.DataFrame | None, facility_ids=None) -> pd.DataFrame:
    """People held on an average day of each month, summed over the given facilities."""
    if population is None or population.empty:
        return pd.DataFrame(columns=["month", "people"])
    pop = population if facility_ids is None else population[population["facility_id"].isin(set(facility_ids))]
    months = sorted(population["month"].unique())
    totals = pop.groupby("month")["adp"].sum().reindex(months, fill_value=0.0)
    return totals.rename("people").rename_axis("month").reset_index()
