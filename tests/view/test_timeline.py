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


def _counts_by_pandas(incidents, start, end, step):
    """Each counted incident put in its period one at a time by pandas: the reference the counts must equal."""
    import pandas as pd

    from geodata.core.schema import CATEGORIES

    days = pd.to_datetime(incidents["date_start"], format="%Y-%m-%d", errors="coerce")
    keep = {"week": ("day",), "month": ("day", "month"), "year": ("day", "month", "year")}[step]
    counted = incidents["date_precision"].isin(keep) & days.notna()
    table = {}
    for day, cat in zip(days[counted], incidents.loc[counted, "category"]):
        day = day.date()
        first = {"week": day - dt.timedelta(days=day.weekday()), "month": day.replace(day=1),
                 "year": day.replace(month=1, day=1)}[step]
        if isinstance(cat, str) and cat in CATEGORIES:
            table[(first, cat)] = table.get((first, cat), 0) + 1
    return table, int((~counted).sum())


def test_counts_through_time_equal_pandas_on_odd_dates_in_either_text_type():
    import numpy as np
    import pandas as pd

    from geodata.core.schema import CATEGORIES
    from geodata.view.timeline import counts_through_time

    rng = np.random.default_rng(7)
    n = 3000
    days = [str(d) for d in np.datetime64("2019-01-01") + rng.integers(-3000, 3000, n)]
    # Not ISO days, or days pandas reads though they are not padded: each as pd.to_datetime reads it.
    odd = ["", None, "2025-13-01", "2025-02-30", "2025", "2025-01", "1200-01-01", "2025-1-05", "2025-01-05T00:00",
           " 2025-01-05", "2025-01-5"]
    with_odd = days.copy()
    for i, text in enumerate(odd):
        with_odd[i * 11] = text
    precision = rng.choice(["day", "month", "year", None], n, p=[0.75, 0.1, 0.1, 0.05])
    category = rng.choice([*CATEGORIES, "other", None], n)
    steps = set()
    for dates in (days, with_odd):
        for dtype in (object, "string[pyarrow]"):
            frame = pd.DataFrame({"date_start": pd.Series(dates, dtype=dtype),
                                  "date_precision": pd.Series(precision, dtype=dtype),
                                  "category": pd.Series(category, dtype=dtype)})
            for start, end in ((dt.date(2018, 1, 1), dt.date(2019, 6, 30)), (dt.date(2010, 1, 1), dt.date(2030, 1, 1)),
                               (dt.date(1900, 1, 1), dt.date(2026, 1, 1)), (dt.date(2019, 3, 6), dt.date(2019, 3, 6))):
                table, not_counted, step = counts_through_time(frame, start, end)
                expected, expected_not = _counts_by_pandas(frame, start, end, step)
                got = {(row["period"], c): int(row[c]) for _, row in table.iterrows() for c in CATEGORIES if row[c]}
                inside = {k: v for k, v in expected.items() if table["period"].iloc[0] <= k[0]
                          <= table["period"].iloc[-1]}
                assert (got, not_counted) == (inside, expected_not), (dtype, start, end, step)
                steps.add(step)
    assert steps == {"week", "month", "year"}  # every bin: 1900 to 2026 by year, 20 years by month
