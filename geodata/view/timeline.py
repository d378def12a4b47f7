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
import pyarrow as pa
import pyarrow.compute as pc

from ..core.dates import clip_to_sane_range
from ..core.schema import CATEGORIES

__all__ = ["weekly_counts", "counts_through_time", "view_figures", "week_start", "MAX_PERIODS"]

#: The most rows a chart gets: 520 weeks (ten years) are weeks, 520 months are months, more are years.
MAX_PERIODS = 520
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
    # Each start date as a day number (days since 1970-01-01), parsed by Arrow: pd.to_datetime of the text was
    # most of a large view's chart (0.1 CPU s for 570,000 incidents; issue 21). Dates pandas cannot hold are
    # missing, as they were.
    days = _day_numbers(incidents["date_start"])
    precision = _arrow_text(incidents["date_precision"])
    if start is None or end is None:
        known = days[pc.equal(precision, "day").fill_null(False).to_numpy(zero_copy_only=False) & (days != _NONE)]
        if not len(known):
            return empty, len(incidents), "week"
        start = _as_date(known.min()) if start is None else start
        end = _as_date(known.max()) if end is None else end
    start, end = clip_to_sane_range(start, end)
    if start > end:
        return empty, len(incidents), "week"
    step = _step_for(start, end, max_periods)
    counted = pc.is_in(precision, value_set=pa.array(_COUNTED[step])).fill_null(False).to_numpy(zero_copy_only=False)
    counted &= days != _NONE
    periods = np.unique(_period_of(np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1), step))
    # Each counted incident's row (its period; outside the range: none) and column (its category), counted at
    # once (np.bincount): pd.crosstab and a reindex cost 4 ms a view for the same table (issue 21).
    rows = _period_numbers(days[counted], step) - _period_numbers(periods[:1].astype(np.int64), step)
    cols = pc.index_in(_arrow_text(incidents["category"]), value_set=pa.array(list(CATEGORIES)))
    cols = cols.fill_null(-1).to_numpy(zero_copy_only=False)[counted]
    inside = (rows >= 0) & (rows < len(periods)) & (cols >= 0)
    width = len(CATEGORIES)
    counts = np.bincount(rows[inside] * width + cols[inside], minlength=len(periods) * width)
    table = pd.DataFrame(counts.astype(np.int64).reshape(len(periods), width), columns=list(CATEGORIES))
    table.insert(0, "period", periods.astype(object))  # datetime.date, as the page and the export write them
    return table, int((~counted).sum()), step


#: A missing day number.
_NONE = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)


def _arrow_text(column):
    """A text column (Arrow-backed or object, missing as None or NaN) as Arrow text: the frame's own
    (chunked) array where it has one, not a copy."""
    arr = column if isinstance(column, (pa.Array, pa.ChunkedArray)) else pa.array(column, from_pandas=True)
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else arr.cast(pa.string())


def _day_numbers(column) -> np.ndarray:
    """Days since 1970-01-01 (int64) of text dates, :data:`_NONE` where missing or not a date: what
    ``pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")`` reads, at a tenth of its cost."""
    text = _arrow_text(column)
    try:  # every date an ISO day (or missing), as a store holds them: one cast
        parsed = pc.cast(text, pa.date32()).cast(pa.int32())
        days = parsed.fill_null(0).to_numpy().astype(np.int64)
        if parsed.null_count:
            days[~parsed.is_valid().to_numpy(zero_copy_only=False)] = _NONE
        return days
    except pa.ArrowInvalid:
        pass
    days = np.full(len(text), _NONE, dtype=np.int64)
    iso = pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$").fill_null(False)
    try:  # Arrow's cast reads ISO days strictly (no 30 February); one that is not one: pandas reads them all
        days[iso.to_numpy(zero_copy_only=False)] = pc.cast(text.filter(iso), pa.date32()).cast(pa.int32()).to_numpy()
        rest = pc.and_(pc.invert(iso), pc.is_valid(text)).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        rest = np.ones(len(text), dtype=bool)
    if rest.any():  # other forms pandas reads ("2025-1-5"): the few there are, as before
        parsed = pd.to_datetime(pd.Series(text.filter(pa.array(rest)).to_pylist(), dtype=object),
                                format="%Y-%m-%d", errors="coerce")
        got = parsed.notna().to_numpy()
        numbers = np.full(len(parsed), _NONE, dtype=np.int64)
        numbers[got] = parsed[got].to_numpy().astype("datetime64[D]").astype(np.int64)
        days[rest] = numbers
    return days


def _as_date(number) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(number))


def _period_numbers(days: np.ndarray, step: str) -> np.ndarray:
    """Each day's period as a number that grows by one a period: weeks from Monday, months, years."""
    if step == "week":
        return (days + 3) // 7  # 1970-01-01 was a Thursday: day + 3 counts from the Monday before it
    unit = "M" if step == "month" else "Y"
    return days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype(np.int64)


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
