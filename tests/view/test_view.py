"""Date and category filters, and the view's URL form."""

from __future__ import annotations

import pytest

from geodata import CATEGORIES, View, filter_incidents, select


def ids(gdf):
    return sorted(gdf["id"])


def test_day_range_edges_inclusive(tiny_incidents):
    got = filter_incidents(tiny_incidents, "2026-01-07", "2026-01-18")
    # The month-precision deployment (January) and the year-2025 record? Only January overlaps.
    assert ids(got) == ["i-0107", "i-0118", "i-2026-01"]


def test_single_day_range(tiny_incidents):
    assert ids(filter_incidents(tiny_incidents, "2026-01-31", "2026-01-31")) == ["i-0131", "i-2026-01"]
    assert ids(filter_incidents(tiny_incidents, "2026-02-01", "2026-02-01")) == ["i-0201"]


def test_year_precision_overlaps_any_range_in_that_year(tiny_incidents):
    assert ids(filter_incidents(tiny_incidents, "2025-06-01", "2025-06-30")) == ["i-2025"]
    assert ids(filter_incidents(tiny_incidents, "2025-12-31", "2026-01-01")) == ["i-2025", "i-2026-01"]


def test_open_ended_ranges(tiny_incidents):
    assert ids(filter_incidents(tiny_incidents, start="2026-02-01")) == ["i-0201"]
    assert ids(filter_incidents(tiny_incidents, end="2025-12-31")) == ["i-2025"]
    assert len(filter_incidents(tiny_incidents)) == len(tiny_incidents)


def test_category_and_date_together(tiny_incidents):
    got = filter_incidents(tiny_incidents, "2026-01-01", "2026-01-31", ["shooting", "deployment"])
    assert ids(got) == ["i-0107", "i-2026-01"]
    assert filter_incidents(tiny_incidents, categories=[]).empty


def test_select_respects_layers(tiny_facilities, tiny_incidents):
    frames = select(tiny_facilities, tiny_incidents, View(layers=("incidents",), categories=("protest",)))
    assert list(frames) == ["incidents"]
    assert ids(frames["incidents"]) == ["i-0118"]


def test_view_url_round_trip():
    view = View(start="2026-01-01", end="2026-01-31", categories=("shooting", "arrest"))
    params = view.to_params()
    # Canonical order (the schema's), so equal views give equal links.
    assert params == {"start": "2026-01-01", "end": "2026-01-31", "category": "shooting,arrest"}
    assert View.from_params(params) == view
    assert View.from_params({}) == View()
    assert View().to_params() == {}
    assert View.from_params({"category": ""}).categories == ()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-13-01"}, "YYYY-MM-DD"),
        ({"category": "arrest,parade"}, "unknown category: parade"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "after the end"),
        ({"layer": "roads"}, "unknown layer"),
    ],
)
def test_bad_params_are_refused_with_a_reason(params, message):
    with pytest.raises(ValueError, match=message):
        View.from_params(params)


def test_categories_cover_the_schema():
    expected = {"death_in_custody", "shooting", "arrest", "use_of_force", "protest", "deployment", "other"}
    assert set(CATEGORIES) == expected


def test_aor_filter_keeps_facilities_and_their_incidents(tiny_facilities, tiny_incidents):
    tiny_facilities = tiny_facilities.assign(aor=["ELP", "SPM", "MIA"])
    tiny_incidents = tiny_incidents.assign(facility_id=["fac-tx-a", None, "fac-mn-b", None, None, "fac-tx-a"])
    frames = select(tiny_facilities, tiny_incidents, View(aors=("elp",)))
    assert ids(frames["facilities"]) == ["fac-tx-a"]
    assert ids(frames["incidents"]) == ["i-0201", "i-2025"]
    assert View(aors=("elp", "SPM")).to_params() == {"aor": "ELP,SPM"}
    assert View.from_params({"aor": "ELP,SPM"}) == View(aors=("SPM", "ELP"))
    with pytest.raises(ValueError, match="not an AOR"):
        View(aors=("E1P",))
