"""Counts through time for the charts under the map, and the figures of a view.

Weekly counts use weeks that start on Monday (ISO weeks).  Only incidents known to
the day are put in a week; one known only to the month or the year cannot be, and
is counted apart (``undated_in_weeks``) rather than put in a week it may not be in.

A long range is counted by month or by year instead (:func:`counts_through_time`), so
that a chart never has more than :data:`MAX_PERIODS` rows: 1900 to today is 127 years,
not 6,600 weeks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..core.dates import clip_to_sane_range
from ..core.schema import CATEGORIES

__all__ = ["weekly_counts", "counts_through_time", "view_figures", "week_start", "MAX_PERIODS"]

#: The most rows a chart gets: 520 weeks (ten years) are weeks, 520 months are months, more are years.
MAX_PERIODS = 520
# Each category's column (a dict: a pandas Index built for each view cost more than the counting).
_CATEGORY_COLUMN = {c: i for i, c in enumerate(CATEGORIES)}
# The date precisions a period can hold: a record known to the month is in a month, not in a week.
_COUNTED = {"week": ("day",), "month": ("day", "month"), "year": ("day", "month", "year")}


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def _period_of(days: np.ndarray, step: str) -> np.ndarray:
    """The first day of the week (Monday), month or year of each of ``days`` (``datetime64[D]``)."""
    if step == "week":
        return days - (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday: 3 days after a Monday
    return days.astype("datetime64[M]" if step == "month" else "datetime64[Y]").astype("datetime64[D]")


def _step_for(start: dt.date, end: dt.date, max_periods: int) -> str:
    days = (end - start).days
    if days // 7 + 1 <= max_periods:
        return "week"
    if (end.year - start.year) * 12 + end.month - start.month + 1 <= max_periods:
        return "month"
    return "year"


def counts_through_time(
    incidents: pd.DataFrame, start=None, end=None, *, max_periods: int = MAX_PERIODS
) -> tuple[pd.DataFrame, int, str]:
    """Incidents per period and category: ``(frame, not_counted, step)``.

    ``step`` is ``"week"`` when the range holds at most ``max_periods`` weeks, else
    ``"month"`` when it holds at most that many months, else ``"year"``.  The frame has
    one row per period from the one holding ``start`` to the one holding ``end`` (both
    default to the incidents' own span, and are clipped to the dates a record may have),
    a ``period`` column (its first day, a date) and one column per category in
    :data:`~geodata.core.schema.CATEGORIES` order; periods without incidents are rows of
    zeros.  An incident is counted when its date is as precise as the step (a record
    known to the month is in a month, never in a week); ``not_counted`` says how many
    were not.
    """
    empty = pd.DataFrame(columns=["period", *CATEGORIES])
    days = pd.to_datetime(incidents["date_start"], format="%Y-%m-%d", errors="coerce")
    if start is None or end is None:
        known = days[incidents["date_precision"] == "day"].dropna()
        if not len(known):
            return empty, len(incidents), "week"
        start = known.min().date() if start is None else start
        end = known.max().date() if end is None else end
    start, end = clip_to_sane_range(start, end)
    if start > end:
        return empty, len(incidents), "week"
    step = _step_for(start, end, max_periods)
    counted = (incidents["date_precision"].isin(_COUNTED[step]) & days.notna()).to_numpy()
    # In numpy days: each counted incident's period (its first day) and the periods of the range, then each
    # incident's row (-1 outside the range) and column (its category), added up in place: pd.crosstab and a
    # reindex cost 4 ms a view for the same table, pandas' date accessors 3 ms more (issue 21).
    day = days.to_numpy()[counted].astype("datetime64[D]")
    first, periods = _period_of(day, step), _period_of(np.arange(np.datetime64(start, "D"), np.datetime64(end, "D")
                                                                 + 1), step)
    periods = np.unique(periods)
    rows = np.searchsorted(periods, first)
    rows[(rows >= len(periods)) | (periods[np.minimum(rows, len(periods) - 1)] != first)] = -1
    cols = np.array([_CATEGORY_COLUMN.get(c, -1) for c in incidents["category"].to_numpy()[counted]], dtype=np.int64)
    inside = (rows >= 0) & (cols >= 0)
    counts = np.zeros((len(periods), len(CATEGORIES)), dtype=np.int64)
    np.add.at(counts, (rows[inside], cols[inside]), 1)
    table = pd.DataFrame(counts, columns=list(CATEGORIES))
    table.insert(0, "period", periods.astype(object))  # datetime.date, as the page and the export write them
    return table, int((~counted).sum()), step


def weekly_counts(incidents: pd.DataFrame, start=None, end=None) -> tuple[pd.DataFrame, int]:
    """Incidents per week and category: ``(frame, undated_in_weeks)``.

    The frame has one row per week from the week of ``start`` to the week of ``end``
    (both default to the incidents' own span), a ``week`` column (the Monday, a date)
    and one column per category in :data:`~geodata.core.schema.CATEGORIES` order; weeks
    without incidents are rows of zeros, so a chart shows the gaps.

    A range of more than :data:`MAX_PERIODS` weeks is counted by month or year
    (see :func:`counts_through_time`): the rows are then months or years, and
    ``frame.attrs["step"]`` says which.
    """
    table, undated, step = counts_through_time(incidents, start, end)
    table = table.rename(columns={"period": "week"})
    table.attrs["step"] = step
    return table, undated


def view_figures(
    facilities: pd.DataFrame | None, incidents: pd.DataFrame | None, adp: pd.Series | None = None
) -> dict[str, int | float]:
    """The figures of a view, from exactly the frames the map and the export show.

    ``adp`` (facility id -> average daily population over the range, from
    :func:`geodata.view.occupancy.range_adp`) replaces the facilities' own ``adp``.
    """
    figures: dict[str, int | float] = {}
    if incidents is not None:
        counts = incidents["category"].value_counts()
        figures["incidents"] = len(incidents)
        for cat in CATEGORIES:
            figures[cat] = int(counts.get(cat, 0))
    if facilities is not None:
        # The two columns read, of the facilities placed (not every column of them: a view's 4th costliest step).
        placed = facilities.geometry.notna().to_numpy() if hasattr(facilities, "geometry") else slice(None)
        figures["facilities"] = len(facilities["id"][placed])
        adp = pd.to_numeric(facilities["adp"][placed], errors="coerce") if adp is None else \
            facilities["id"][placed].map(adp)
        figures["facilities_in_use"] = int((adp > 0).sum())
        figures["people_detained"] = float(round(adp.sum(), 1))
    return figures
