"""A population table read once as columns of numbers (geodata.view.occupancy._index), reused by every view.

Every view of every session asks for the people held, their sources and the monthly totals of the same
table; parsing its months and grouping by facility id as text took 60 ms a view on the bundle (issue 21).
"""

from __future__ import annotations

import datetime as dt
import gc

import pandas as pd
import pytest

from geodata.view import occupancy
from geodata.view.occupancy import coverage, monthly_totals, range_adp, range_sources


def _best():
    """A best-source table: A by DDP in January and UWCHR in February, B by ICE in January and for two days
    of February (ICE's list ends on the 2nd), C with an unknown figure in January."""
    return pd.DataFrame({
        "facility_id": ["A", "A", "B", "B", "C"],
        "month": ["2025-01", "2025-02", "2025-01", "2025-02", "2025-01"],
        "adp": [10.0, 20.0, 5.0, 7.0, float("nan")],
        "days": [31, 28, 31, 2, 31],
        "source": ["ddp", "uwchr", "ice", "ice", "ddp"],
    })


@pytest.fixture()
def builds(monkeypatch):
    """How many times a table's index was built."""
    count = {"n": 0}
    original = occupancy._Index.__init__

    def counting(self, population):
        count["n"] += 1
        original(self, population)

    monkeypatch.setattr(occupancy._Index, "__init__", counting)
    return count


def test_views_of_one_table_build_its_index_once(builds):
    best = _best()
    for start, end in [(dt.date(2025, 1, 15), dt.date(2025, 2, 10)), (None, None), (dt.date(2025, 2, 1), None)]:
        range_adp(best, start, end)
        range_sources(best, start, end)
        monthly_totals(best, ["A", "B"])
        coverage(best)
    assert builds["n"] == 1
    range_adp(best.copy(), dt.date(2025, 1, 15), dt.date(2025, 2, 10))  # another table: its own index
    assert builds["n"] == 2


def test_a_table_gone_takes_its_index_with_it():
    best = _best()
    range_adp(best)
    key = id(best)
    assert key in occupancy._INDEXES
    del best
    gc.collect()
    assert key not in occupancy._INDEXES


def test_range_figures_of_the_best_source_table():
    best = _best()
    adp, span = range_adp(best, dt.date(2025, 1, 15), dt.date(2025, 2, 10))
    assert span == (dt.date(2025, 1, 15), dt.date(2025, 2, 10))
    # A: 17 January days of 10 and 10 February days of 20; B: 17 days of 5 and the 2 days ICE's list reaches, of 7.
    assert adp["A"] == pytest.approx((17 * 10 + 10 * 20) / 27)
    assert adp["B"] == pytest.approx((17 * 5 + 2 * 7) / 19)
    assert adp["C"] == 0  # a known month with an unknown figure counts its days, not its people
    sources = range_sources(best, dt.date(2025, 1, 15), dt.date(2025, 2, 10))
    assert sources.to_dict() == {"A": "ddp uwchr", "B": "ice", "C": "ddp"}
    assert range_sources(best, dt.date(2025, 2, 5), None).to_dict() == {"A": "uwchr"}  # B's list ends on the 2nd


def test_monthly_totals_leave_out_a_part_month_from_ice():
    totals = monthly_totals(_best(), ["A", "B", "nowhere"])
    # By month, best source first; B's two February days from ICE's list are not a February figure.
    assert totals.to_dict("records") == [
        {"month": "2025-01", "source": "ddp", "people": 10.0},
        {"month": "2025-01", "source": "ice", "people": 5.0},
        {"month": "2025-02", "source": "uwchr", "people": 20.0},
    ]
    assert monthly_totals(_best(), []).empty


def _grouped_by_pandas(population, ids, start, end):
    # The people held and the monthly totals as a pandas group-by over every row gives them (no index, no slice).
    first = pd.to_datetime(population["month"] + "-01")
    last = first + pd.to_timedelta(population["days"] - 1, unit="D")
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days = ((last.clip(upper=hi) - first.clip(lower=lo)).dt.days + 1).clip(lower=0)
    rows = population.assign(_days=days, _pd=population["adp"].fillna(0) * days)
    per = rows[rows["_days"] > 0].groupby("facility_id")[["_pd", "_days"]].sum()
    adp = (per["_pd"] / per["_days"]).rename("adp").rename_axis("facility_id")
    drawn = population[population["facility_id"].isin(ids) & ((population["source"] != "ice")
                                                               | (population["days"] == first.dt.days_in_month))]
    drawn = drawn[(drawn["month"] >= f"{lo:%Y-%m}") & (drawn["month"] <= f"{hi:%Y-%m}")]
    months = drawn.groupby(["month", "source"])["adp"].sum()
    return adp, months


@pytest.mark.parametrize("start, end", [("2025-01-01", "2025-01-31"), ("2025-01-15", "2025-02-01"),
                                        ("2025-02-01", "2025-02-28"), ("2024-12-01", "2024-12-31"),
                                        ("2025-02-02", "2025-03-31")])
def test_a_range_reads_only_the_rows_that_meet_it_and_sums_the_same(start, end):
    # range_adp and monthly_totals(months=) read a slice of the rows by first day (those that can meet the range):
    # the figures are those of every row.
    table = _best()
    adp, span = range_adp(table, start, end)
    want_adp, want_months = _grouped_by_pandas(table, ["A", "B"], start, end)
    if span:
        pd.testing.assert_series_equal(adp.sort_index(), want_adp[want_adp.index.isin(adp.index)].sort_index(),
                                       check_names=False)
    got = monthly_totals(table, ["A", "B"], months=(start[:7], end[:7]))
    assert {(m, s): p for m, s, p in got[["month", "source", "people"]].itertuples(index=False)} == \
        pytest.approx(want_months.to_dict())
