"""Counts through time for the charts under the map, and the figures of a view.

Weekly counts use weeks that start on Monday (ISO weeks).  Only incidents known to
the day are put in a week; one known only to the month or the year cannot be, and
is counted apart (``undated_in_weeks``) rather than put in a week it may not be in.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .schema import CATEGORIES

__all__ = ["weekly_counts", "view_figures", "week_start"]


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def weekly_counts(incidents: pd.DataFrame, start=None, end=None) -> tuple[pd.DataFrame, int]:
    """Incidents per week and category: ``(frame, undated_in_weeks)``.

    The frame has one row per week from the week of ``start`` to the week of ``end``
    (both default to the incidents' own span), a ``week`` column (the Monday, a date)
    and one column per category in :data:`~geodata.schema.CATEGORIES` order; weeks
    without incidents are rows of zeros, so a chart shows the gaps.
    """
    day = incidents[incidents["date_precision"] == "day"]
    undated = len(incidents) - len(day)
    days = pd.to_datetime(day["date_start"])
    if start is None:
        start = days.min().date() if len(day) else None
    if end is None:
        end = days.max().date() if len(day) else None
    if start is None or end is None:
        return pd.DataFrame(columns=["week", *CATEGORIES]), undated
    start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    weeks = pd.date_range(week_start(start), week_start(end), freq="7D")
    monday = (days - pd.to_timedelta(days.dt.weekday, unit="D")).dt.normalize()
    table = pd.crosstab(monday, day["category"]).reindex(index=weeks, columns=list(CATEGORIES), fill_value=0)
    table = table.rename_axis(index="week", columns=None).reset_index()
    table["week"] = table["week"].dt.date
    return table, undated


def view_figures(
    facilities: pd.DataFrame | None, incidents: pd.DataFrame | None, adp: pd.Series | None = None
) -> dict[str, int | float]:
    """The figures of a view, from exactly the frames the map and the export show.

    ``adp`` (facility id -> average daily population over the range, from
    :func:`geodata.occupancy.range_adp`) replaces the facilities' own ``adp``.
    """
    figures: dict[str, int | float] = {}
    if incidents is not None:
        counts = incidents["category"].value_counts()
        figures["incidents"] = len(incidents)
        for cat in CATEGORIES:
            figures[cat] = int(counts.get(cat, 0))
    if facilities is not None:
        placed = facilities[facilities.geometry.notna()] if hasattr(facilities, "geometry") else facilities
        figures["facilities"] = len(placed)
        adp = pd.to_numeric(placed["adp"], errors="coerce") if adp is None else placed["id"].map(adp)
        figures["facilities_in_use"] = int((adp > 0).sum())
        figures["people_detained"] = float(round(adp.sum(), 1))
    return figures
