"""Facility population over a date range, from the facility x month table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata.view.occupancy import coverage, monthly_totals, range_adp

# Two facilities; the panel runs 2026-01-01 .. 2026-02-10 (February counted for 10 days).
POP = pd.DataFrame({
    "facility_id": ["a", "a", "b"],
    "month": ["2026-01", "2026-02", "2026-01"],
    "adp": [31.0, 10.0, 62.0],
    "days": [31, 10, 31],
})


def test_coverage_ends_with_the_partial_last_month():
    assert coverage(POP) == (dt.date(2026, 1, 1), dt.date(2026, 2, 10))


def test_range_average_counts_missing_months_as_zero():
    adp, span = range_adp(POP, "2026-01-01", "2026-02-28")
    assert span == (dt.date(2026, 1, 1), dt.date(2026, 2, 10))  # clipped to what is counted
    # a: 31*31 + 10*10 person-days over 41 days; b: 62*31 over 41 (nobody in February).
    assert adp["a"] == pytest.approx((31 * 31 + 10 * 10) / 41)
    assert adp["b"] == pytest.approx(62 * 31 / 41)


def test_range_inside_one_month_and_outside_the_panel():
    adp, _ = range_adp(POP, "2026-01-10", "2026-01-19")
    assert adp.to_dict() == pytest.approx({"a": 31.0, "b": 62.0})
    adp, span = range_adp(POP, "2020-01-01", "2020-12-31")
    assert span is None and adp.empty


def test_monthly_totals_for_chosen_facilities():
    assert monthly_totals(POP)["people"].tolist() == [93.0, 10.0]
    assert monthly_totals(POP, ["b"])["people"].tolist() == [62.0, 0.0]


def test_bundle_camp_east_montana_january(shared_data):
    from geodata import load_bundle

    adp, _ = range_adp(load_bundle().population, "2026-01-15", "2026-01-15")
    assert adp["fac-tx-ero-el-paso-camp-east-montana"] > 1000


def test_periods_by_week_and_month_clipped_to_the_range():
    from geodata.view.occupancy import periods

    weeks = periods("2026-01-01", "2026-01-20", "week")
    assert weeks[0] == (dt.date(2026, 1, 1), dt.date(2026, 1, 4))  # Thursday to Sunday
    assert weeks[-1] == (dt.date(2026, 1, 19), dt.date(2026, 1, 20))
    assert len(weeks) == 4
    months = periods("2025-12-15", "2026-02-02", "month")
    assert months == [(dt.date(2025, 12, 15), dt.date(2025, 12, 31)), (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                      (dt.date(2026, 2, 1), dt.date(2026, 2, 2))]


def test_with_range_adp_unknown_is_not_zero(tiny_facilities):
    from geodata.view.occupancy import with_range_adp

    fac = tiny_facilities.assign(id=["a", "b", "z"])
    out, span = with_range_adp(fac, POP, "2026-02-01", "2026-02-10")
    assert out.set_index("id")["adp_in_range"].to_dict() == pytest.approx({"a": 10.0, "b": 0.0, "z": float("nan")},
                                                                          nan_ok=True)
