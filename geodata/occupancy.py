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

__all__ = ["coverage", "range_adp", "monthly_totals", "with_range_adp", "periods", "view_frames"]


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


def with_range_adp(facilities, population, start=None, end=None):
    """The facilities with ``adp_in_range``: their average daily population over the range.

    Returns ``(facilities, span)``.  ``adp_in_range`` is NaN where it is unknown: a
    facility not in the table, or a range outside the table's span (``span`` None).
    """
    adp, span = range_adp(population, start, end)
    out = facilities.copy()
    out["adp_in_range"] = out["id"].map(adp).round(1) if span else float("nan")
    return out, span


def periods(start, end, step: str) -> list[tuple[dt.date, dt.date]]:
    """The weeks (Monday to Sunday) or calendar months that meet ``[start, end]``, each clipped to it.

    The range is first clipped to the dates a record may have (1900-01-01 to a month from
    today, :func:`geodata.dates.clip_to_sane_range`), so even ``date.min .. date.max``
    gives a bounded list (at most about 6,700 weeks or 1,550 months); a range wholly
    outside gives none.
    """
    from .dates import clip_to_sane_range

    if step not in ("week", "month"):
        raise ValueError(f"step must be week or month, not {step!r}")
    start, end = clip_to_sane_range(start, end)
    bounds = []
    if step == "week":
        a = start - dt.timedelta(days=start.weekday())
        while a <= end:
            bounds.append((a, a + dt.timedelta(days=6)))
            a += dt.timedelta(days=7)
    else:
        a = start.replace(day=1)
        while a <= end:
            nxt = dt.date(a.year + a.month // 12, a.month % 12 + 1, 1)
            bounds.append((a, nxt - dt.timedelta(days=1)))
            a = nxt
    return [(max(a, start), min(b, end)) for a, b in bounds]


def _in_use(facilities, view):
    """The facilities in use in the view's dates: listed by ICE for them, or counted by DDP
    holding someone in them (Varick Street is in ICE's 2009 list only, and in DDP's counts)."""
    from .sources import facilities_in_use

    listed = facilities_in_use(facilities, view.start, view.end)
    held = facilities["adp_in_range"].fillna(0) > 0
    return facilities[listed | held]


def view_frames(bundle, view, *, hide_empty: bool = False):
    """The frames a view shows, as the map, the figures and every export see them.

    Facilities are those in use in the view's dates: ICE's lists show them then (a 2015
    range shows 2015's facilities, see :func:`geodata.sources.facilities_in_use`), or
    DDP's daily counts have people in them.  They get
    ``adp_in_range`` over the view's dates (see :func:`with_range_adp`);
    with ``hide_empty``, facilities that held nobody in the range are left out (those
    whose population is unknown stay).  Returns ``(frames, span)``.
    """
    from .view import select

    frames = select(bundle.facilities, bundle.incidents, view)
    if "incidents" in frames:  # one order whatever the store: by day, then id (every backend exports the same)
        frames["incidents"] = frames["incidents"].sort_values(["date_start", "id"], kind="stable")
    span = None
    if "facilities" in frames:
        frames["facilities"], span = with_range_adp(frames["facilities"], bundle.population, view.start, view.end)
        frames["facilities"] = _in_use(frames["facilities"], view)
        if hide_empty and span:
            frames["facilities"] = frames["facilities"][frames["facilities"]["adp_in_range"].fillna(1) > 0]
    return frames, span
