"""The facilities of a view are made once per dates, AORs and population table (geodata/view/occupancy.py
``_kept_facilities``, issue 21): a change of category keeps them, and every caller gets the same frame as a
fresh computation, its own to change."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geodata.pipeline.facility_history import facilities_in_use
from geodata.store import BundleStore
from geodata.view import View, occupancy
from geodata.view.compose import frames


@pytest.fixture(scope="module")
def store():
    return BundleStore()


@pytest.fixture()
def made(monkeypatch):
    calls = []
    original = occupancy._facilities_in_view
    monkeypatch.setattr(occupancy, "_facilities_in_view", lambda *a, **k: calls.append(a[2]) or original(*a, **k))
    return calls


def _fresh(store, view, hide_empty=False):
    data = store.load_bundle()
    population = store.best_population(data, occupancy.population_table)
    fac = data.facilities[data.facilities["aor"].isin(view.aors)] if view.aors else data.facilities
    # As view_frames made them before they were kept: with_range_adp, then the facilities in use, then the empty.
    fac, span = occupancy.with_range_adp(fac, population, view.start, view.end)
    fac = fac[facilities_in_use(fac, view.start, view.end) | (fac["adp_in_range"].fillna(0) > 0)]  # listed or held
    return span, fac[fac["adp_in_range"].fillna(1) > 0] if hide_empty and span else fac


def test_a_category_change_keeps_the_facilities_of_the_view(store, made):
    dates = dict(start=dt.date(2025, 3, 7), end=dt.date(2025, 9, 21))
    first, span = frames(store, View(**dates), hide_empty=True)
    other, span2 = frames(store, View(**dates, categories=("protest",)), hide_empty=True)
    assert len(made) == 1 and span == span2
    pd.testing.assert_frame_equal(first["facilities"], other["facilities"])
    assert len(first["incidents"]) > len(other["incidents"]) and set(other["incidents"]["category"]) <= {"protest"}
    # New dates, AORs or hide_empty are new facilities.
    frames(store, View(start=dates["start"], end=dt.date(2025, 9, 22)), hide_empty=True)
    frames(store, View(**dates, aors=("CHI",)), hide_empty=True)
    frames(store, View(**dates), hide_empty=False)
    assert len(made) == 4


@pytest.mark.parametrize("view, hide_empty", [
    (View(start=dt.date(2015, 1, 1), end=dt.date(2015, 12, 31)), False),
    (View(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)), True),
    (View(start=dt.date(2025, 6, 1), end=dt.date(2026, 2, 28), aors=("SND", "PHO")), True),
    (View(start=dt.date(1990, 1, 1), end=dt.date(1990, 12, 31)), True),  # before every population figure
    (View(), False),
    (View(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), aors=("HAR",)), True),  # no facility, perhaps
    (View(start=dt.date(2019, 1, 1), end=dt.date(2019, 3, 31), aors=("NOL",)), False),
    (View(start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 30)), True),
])
def test_kept_facilities_equal_a_fresh_computation(store, view, hide_empty):
    for _ in range(2):  # made, then kept
        got, span = frames(store, view, hide_empty=hide_empty)
        want_span, want = _fresh(store, view, hide_empty)
        assert span == want_span
        pd.testing.assert_frame_equal(got["facilities"], want)


def test_a_caller_changing_its_facilities_changes_nobody_elses(store):
    view = View(start=dt.date(2024, 5, 1), end=dt.date(2024, 8, 31))
    mine, _ = frames(store, view)
    mine["facilities"]["adp_in_range"] = -1.0
    mine["facilities"].loc[mine["facilities"].index[0], "name"] = "changed"
    theirs, _ = frames(store, view)
    assert (theirs["facilities"]["adp_in_range"].fillna(0) >= 0).all()
    assert "changed" not in set(theirs["facilities"]["name"])


def test_each_of_a_hundred_readers_views_is_still_kept_when_they_change_category(store, made):
    # A hundred readers each open a range of their own, then change to another of their own: 200 views. Their
    # category changes (the dates of the second views) find the facilities kept; with 64 kept, all were made again.
    opened = [View(start=dt.date(2024, 1, 1) + dt.timedelta(days=3 * i), end=dt.date(2026, 1, 31)) for i in range(100)]
    changed = [View(start=dt.date(2025, 3, 1) + dt.timedelta(days=i), end=dt.date(2025, 5, 31) + dt.timedelta(days=i))
               for i in range(100)]
    for view in opened + changed:
        frames(store, view, hide_empty=False)
    assert len(made) == 200
    for view in changed:
        frames(store, View(start=view.start, end=view.end, categories=("protest",)), hide_empty=False)
    assert len(made) == 200


def test_views_that_keep_the_same_facilities_share_their_rows_and_differ_in_the_range(store):
    a, _ = frames(store, View(start=dt.date(2025, 2, 3), end=dt.date(2025, 6, 30)))
    b, _ = frames(store, View(start=dt.date(2025, 2, 4), end=dt.date(2025, 6, 30)))
    fa, fb = a["facilities"], b["facilities"]
    assert list(fa["id"]) == list(fb["id"])  # the same facilities in use on both ranges
    # Their rows were taken once: the same memory under both (a copy of every column for each view before).
    assert np.shares_memory(fa["geometry"].array._data, fb["geometry"].array._data)
    assert not fa["adp_in_range"].equals(fb["adp_in_range"])  # one day less: other averages
    for got, view in ((fa, View(start=dt.date(2025, 2, 3), end=dt.date(2025, 6, 30))),
                      (fb, View(start=dt.date(2025, 2, 4), end=dt.date(2025, 6, 30)))):
        pd.testing.assert_frame_equal(got, _fresh(store, view)[1])


def _mapped(facilities, population, start, end):
    # The range's columns as they were computed before: each facility's figure and sources mapped by its id.
    adp, span = occupancy.range_adp(population, start, end)
    in_range = facilities["id"].map(adp).round(1) if span else pd.Series(float("nan"), index=facilities.index)
    sources = occupancy.range_sources(population, start, end) if span else pd.Series(dtype=object)
    return {"adp_in_range": in_range, "adp_source": facilities["id"].map(sources).where(in_range.notna(), None)}, span


def test_the_ranges_columns_equal_the_figures_mapped_by_facility_id_on_any_range(store):
    data = store.load_bundle()
    population = store.best_population(data, occupancy.population_table)
    rng = np.random.default_rng(21)
    days = rng.integers(0, 365 * 18, size=(120, 2))
    first = dt.date(2009, 1, 1)
    ranges = [(first + dt.timedelta(days=int(a)), first + dt.timedelta(days=int(a + b % 400))) for a, b in days]
    ranges += [(dt.date(1990, 1, 1), dt.date(1990, 2, 1)), (None, None), (dt.date(2025, 1, 1), None)]
    for facilities in (data.facilities, data.facilities.iloc[::3], data.facilities.iloc[::-1]):
        for start, end in ranges:
            got, span = occupancy._range_columns(facilities, population, start, end)
            want, want_span = _mapped(facilities, population, start, end)
            assert span == want_span
            assert list(got) == list(want)
            for name in want:
                pd.testing.assert_series_equal(got[name], want[name], check_names=False)
