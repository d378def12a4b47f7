"""What each layer's data covers, and the app's date range (geodata.view.spans)."""

from __future__ import annotations

import datetime as dt

from geodata.store import BundleStore
from geodata.view import spans


def test_bundled_spans_reach_the_population_and_the_facility_list():
    got = spans.layer_spans(BundleStore())
    assert got["incidents"] == (dt.date(2003, 10, 7), dt.date(2026, 1, 31))
    assert got["population"][1] == dt.date(2026, 3, 10)  # DDP's last counted day
    assert got["facility_list"][1] == dt.date(2026, 4, 2)  # the FY2026 list of April 2026
    own = {k: v for k, v in got.items() if k in ("incidents", "population", "facility_list")}
    assert spans.date_range(own) == (dt.date(2003, 10, 7), dt.date(2026, 4, 2))
    # The enforcement measures register theirs (geodata.view.measures): the range reaches back to the Border
    # Patrol's first month and on to the last 287(g) snapshot.
    assert got["usbp"][0] == dt.date(1999, 10, 1) and got["287g"][1] >= dt.date(2026, 5, 18)
    assert spans.date_range(got) == (dt.date(1999, 10, 1), max(v[1] for v in got.values()))


def test_a_registered_layer_widens_the_range(monkeypatch):
    monkeypatch.setattr(spans, "_SPANS", dict(spans._SPANS))
    monkeypatch.setattr(spans, "SPAN_LABELS", dict(spans.SPAN_LABELS))
    spans.register_span("detainers", lambda store: ("2026-05-01", "2026-06-30"), label="Detainers")
    got = spans.layer_spans(BundleStore())
    assert got["detainers"] == (dt.date(2026, 5, 1), dt.date(2026, 6, 30))
    assert spans.date_range(got)[1] == dt.date(2026, 6, 30)


def test_a_layer_without_data_has_no_span(monkeypatch):
    monkeypatch.setattr(spans, "_SPANS", {"empty": lambda store: None})
    assert spans.layer_spans(BundleStore()) == {} and spans.date_range({}) is None


def test_quick_ranges_end_with_the_data_and_stay_inside_it():
    got = spans.date_presets(dt.date(2003, 10, 7), dt.date(2026, 4, 2))
    assert got["30d"] == (dt.date(2026, 3, 4), dt.date(2026, 4, 2))
    assert got["12m"] == (dt.date(2025, 4, 3), dt.date(2026, 4, 2))
    assert got["fy2025"] == (dt.date(2024, 10, 1), dt.date(2025, 9, 30))
    assert got["fy2026"] == (dt.date(2025, 10, 1), dt.date(2026, 4, 2))  # to date
    assert got["m2026-03"] == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    short = spans.date_presets(dt.date(2026, 3, 20), dt.date(2026, 3, 31))
    assert short["12m"] == (dt.date(2026, 3, 20), dt.date(2026, 3, 31)) and "fy2025" not in short
