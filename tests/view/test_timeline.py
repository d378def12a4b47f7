"""Weekly counts and the figures of a view."""

from __future__ import annotations

import datetime as dt

from geodata import View, load_bundle, select
from geodata.view.timeline import view_figures, weekly_counts


def test_weekly_counts_by_category_with_empty_weeks(tiny_incidents):
    table, undated = weekly_counts(tiny_incidents, "2026-01-01", "2026-02-01")
    # 2026-01-01 is a Thursday: its week starts Monday 2025-12-29; 2026-02-01 is a Sunday (week of 01-26).
    assert table["week"].tolist() == [dt.date(2025, 12, 29) + dt.timedelta(weeks=k) for k in range(5)]
    by_week = table.set_index("week")
    assert by_week.loc[dt.date(2026, 1, 5), "shooting"] == 1  # 2026-01-07
    assert by_week.loc[dt.date(2026, 1, 12), "protest"] == 1  # 2026-01-18
    assert by_week.loc[dt.date(2026, 1, 26), ["arrest", "death_in_custody"]].tolist() == [1, 1]
    assert by_week.loc[dt.date(2025, 12, 29)].sum() == 0
    # The month-only and year-only records are not put in a week: counted apart.
    assert undated == 2
    assert int(table.drop(columns="week").to_numpy().sum()) == len(tiny_incidents) - undated


def test_weekly_counts_of_nothing(tiny_incidents):
    table, undated = weekly_counts(tiny_incidents.iloc[0:0])
    assert table.empty and undated == 0


def test_view_figures_match_the_export():
    bundle = load_bundle()
    frames = select(bundle.facilities, bundle.incidents, View(start="2026-01-01", categories=("death_in_custody",)))
    figures = view_figures(frames["facilities"], frames["incidents"])
    assert figures["incidents"] == figures["death_in_custody"] == 2
    assert figures["facilities"] == bundle.facilities.geometry.notna().sum()
    assert abs(figures["people_detained"] - frames["facilities"].dropna(subset=["geometry"])["adp"].sum()) < 0.1
