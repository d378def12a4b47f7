"""The figures above the map for a measure (geodata.view.measures.measure_figures) from each table read once as
numbers (geodata/view/measure_index.py, issue 21): the same figures as values_for_range's group-by gives, for
every bundled measure, category, AOR choice and range edge."""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.core.measures import MEASURES, load_measure
from geodata.view import measure_index
from geodata.view.measures import filter_aors, measure_figures, values_for_range

RANGES = [(None, None), ("2025-01-01", "2025-12-31"), ("2026-01-15", "2026-01-15"), ("1990-01-01", "1995-01-01"),
          ("2019-09-30", "2019-09-30"), ("2024-02-01", None), (None, "2020-03-31"), ("2030-01-01", "2031-01-01"),
          ("2025-09-01", "2026-05-31"), ("2021-10-01", "2022-09-30")]


def _by_group_by(key, start, end, aors=(), category=""):
    # What measure_figures gave before it read tables as numbers: values_for_range's rows, counted.
    table = load_measure(key)
    vals = values_for_range(filter_aors(table, aors), key, start, end, category=category)
    return {"measure": key, "available": table is not None, "total": vals.attrs["total"], "places": int(len(vals)),
            "counties": int((vals["place_kind"] == "county").sum()) if len(vals) else 0,
            "as_of": vals.attrs["as_of"], "covered": vals.attrs["covered"]}


@pytest.mark.parametrize("key", [k for k in MEASURES if load_measure(k) is not None])
def test_the_figures_from_numbers_equal_the_group_bys(key):
    table = load_measure(key)
    assert measure_index._index(table) is not None  # read as numbers, not the group-by's way again
    categories = ["", *sorted(set(table["category"]) - {""})[:3], "no such category"]
    checked = 0
    for start, end in RANGES:
        for category in categories:
            for aors in ((), ("CHI",), ("SND", "PHO")):
                got = measure_figures(key, start, end, aors=aors, category=category, table=table)
                assert got == _by_group_by(key, start, end, aors, category), (key, start, end, category, aors)
                checked += got["places"]
    assert checked > 0  # some ranges count places: the comparison is not of empty figures only


def test_the_figures_are_read_from_numbers_once_per_table(monkeypatch):
    table = load_measure("287g")
    measure_figures("287g", dt.date(2025, 1, 1), dt.date(2025, 6, 30), table=table)
    monkeypatch.setattr(measure_index, "_Index", lambda _t: pytest.fail("the table was read again"))
    got = measure_figures("287g", dt.date(2025, 2, 1), dt.date(2025, 7, 31), table=table)
    assert got == _by_group_by("287g", dt.date(2025, 2, 1), dt.date(2025, 7, 31))


def test_a_table_of_fractional_values_takes_the_group_by():
    table = load_measure("usbp")
    table = table.assign(value=table["value"] / 3)
    assert measure_index.range_figures(table, "usbp", "2024-01-01", "2024-12-31", None) is None
    got = measure_figures("usbp", "2024-01-01", "2024-12-31", table=table)
    vals = values_for_range(table, "usbp", "2024-01-01", "2024-12-31")
    assert got["total"] == vals.attrs["total"] and got["places"] == len(vals) > 0
