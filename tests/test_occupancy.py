"""Facility population over a date range, from the facility x month table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata.occupancy import coverage, monthly_totals, range_adp

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
