"""Impossible dates are rejected with their reason, and every view copes with the longest range."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata.core.dates import EARLIEST_DATE, date_range_problem, latest_date, parse_loose_date
from geodata.core.report import GeodataError
from geodata.imports.ingest import import_incidents, read_upload
from geodata.view.occupancy import periods
from geodata.view.timeline import MAX_PERIODS, counts_through_time, weekly_counts

HEADER = "date,title,city,state,source_url\n"


def test_range_problem_names_the_reason():
    today = dt.date(2026, 5, 1)
    assert "before 1900-01-01" in date_range_problem(dt.date(1, 1, 1), dt.date(1, 1, 1), today=today)
    assert "in the future" in date_range_problem(dt.date(9999, 12, 31), today=today)
    assert date_range_problem(dt.date(1900, 1, 1), today=today) is None
    assert date_range_problem(dt.date(2026, 5, 31), today=today) is None  # a month ahead is allowed
    assert "in the future" in date_range_problem(dt.date(2026, 6, 2), today=today)
    # The current year, known only as a year, ends after the margin: it is still a date.
    year = parse_loose_date(str(today.year))
    assert date_range_problem(year.start, year.end, today=today) is None


def test_impossible_dates_are_rejected_by_the_import(tmp_path):
    future = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER
        + "0001-01-01,Placeholder,Minneapolis,MN,https://e.org/1\n"
        + "9999-12-31,Far future,Minneapolis,MN,https://e.org/2\n"
        + f"{future},Next quarter,Minneapolis,MN,https://e.org/3\n"
        + "1899-12,Old,Minneapolis,MN,https://e.org/4\n"
        + "1900-01-01,Oldest allowed,Minneapolis,MN,https://e.org/5\n"
    )
    result = import_incidents(src, tmp_path / "store.geojson")
    assert (result.stored, result.rejected) == (1, 4)
    reasons = result.rejects["reason"].tolist()
    assert all(r.startswith("impossible date: ") for r in reasons)
    assert ["before 1900" in r for r in reasons] == [True, False, False, True]
    assert result.rejects["title"].tolist() == ["Placeholder", "Far future", "Next quarter", "Old"]


def test_impossible_dates_are_rejected_in_an_upload():
    data = (HEADER + "0001-01-01,Placeholder,Minneapolis,MN,https://e.org/1\n"
            "2026-01-07,Real,Minneapolis,MN,https://e.org/2\n").encode()
    gdf, rejects = read_upload(data, "mine.csv")
    assert gdf["title"].tolist() == ["Real"]
    assert rejects["reason"].str.startswith("impossible date").tolist() == [True]
    with pytest.raises(GeodataError, match="impossible date"):
        read_upload((HEADER + "9999-12-31,Far,Minneapolis,MN,https://e.org/1\n").encode(), "far.csv")


def test_validation_rejects_an_impossible_date_that_skipped_the_importer(tiny_incidents):
    from geodata.core.report import Report
    from geodata.pipeline.validate import validate_incidents

    gdf = tiny_incidents.copy()
    day = gdf.index[gdf["date_precision"] == "day"][0]
    gdf.loc[day, ["date", "date_start", "date_end"]] = "1850-03-04"
    report = Report()
    kept = validate_incidents(gdf, report)
    assert len(kept) == len(gdf) - 1 and gdf.loc[day, "id"] not in set(kept["id"])
    reason = report.of("rejected")[0]["reason"]
    assert reason == "impossible date: 1850-03-04 is before 1900-01-01: not a date of this map"


def _incidents(days: list[str], precision="day") -> pd.DataFrame:
    return pd.DataFrame({"date_start": days, "date_precision": precision, "category": "arrest"})


def test_counts_over_a_century_are_years_not_weeks():
    inc = _incidents(["1900-03-05", "2026-01-07", "2026-01-08"])
    table, undated, step = counts_through_time(inc, "1900-01-01", "2026-01-31")
    assert step == "year" and len(table) == 127 and undated == 0
    assert table["period"].iloc[0] == dt.date(1900, 1, 1)
    assert table.set_index("period").loc[dt.date(2026, 1, 1), "arrest"] == 2
    weekly, _ = weekly_counts(inc, "1900-01-01", "2026-01-31")
    assert len(weekly) == 127 and weekly.attrs["step"] == "year"


def test_counts_over_twenty_years_are_months_and_hold_month_dates():
    inc = pd.concat([_incidents(["2010-01-01", "2026-01-07"]), _incidents(["2026-01-01"], "month")])
    table, undated, step = counts_through_time(inc, "2006-01-01", "2026-01-31")
    assert step == "month" and len(table) == 241 and len(table) <= MAX_PERIODS
    assert table.set_index("period").loc[dt.date(2026, 1, 1), "arrest"] == 2  # a day and a month of January
    assert undated == 0


def test_counts_of_absurd_bounds_stay_small():
    table, _, step = counts_through_time(_incidents(["2026-01-07"]), dt.date.min, dt.date.max)
    assert step == "year" and len(table) == latest_date().year - EARLIEST_DATE.year + 1


def test_short_ranges_stay_weekly():
    table, undated, step = counts_through_time(_incidents(["2026-01-07"]), "2026-01-01", "2026-02-01")
    assert step == "week" and len(table) == 5 and undated == 0


def test_periods_of_the_widest_range_are_bounded():
    weeks = periods(dt.date.min, dt.date.max, "week")
    months = periods(dt.date(1, 1, 1), dt.date(9999, 12, 31), "month")
    assert weeks[0][0] == EARLIEST_DATE and months[0][0] == EARLIEST_DATE
    assert weeks[-1][1] == months[-1][1] == latest_date()
    assert len(weeks) < 7000 and len(months) < 1600
    assert periods("0001-01-01", "1800-01-01", "week") == []
    with pytest.raises(ValueError, match="week or month"):
        periods("2026-01-01", "2026-02-01", "day")
