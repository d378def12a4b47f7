"""What a rerun recomputes (issue 21): a view's figures, charts and table are made once per view for every
session, a filter change never rebuilds the map, and Streamlit's collection after each run skips what the
first run loaded.  Counted by wrapping the functions the app calls (it imports them on each run)."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geodata.view.measures
import geodata.view.timeline
import layers._render
import layers.charts
import layers.figures

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# A range no other test asks for: the app's caches are the process's, shared by every AppTest.
LINK = {"start": "2025-02-03", "end": "2025-04-17"}
OTHER = (dt.date(2025, 2, 4), dt.date(2025, 4, 16))


@pytest.fixture()
def calls(monkeypatch):
    """How many times each wrapped function ran."""
    counts: dict[str, int] = {}

    def wrap(module, name):
        original = getattr(module, name)

        def counting(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)

    for module, name in [(geodata.view.timeline, "view_figures"), (layers.charts, "incidents_table"),
                         (layers.charts, "months_table"), (layers.charts, "incidents_per_week"),
                         (layers.charts, "people_by_month"), (geodata.view.measures, "figures_of"),
                         (layers.figures, "facility_table"), (layers._render, "component_args")]:
        wrap(module, name)
    return counts


def _open(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_view_is_computed_once_for_every_session(calls):
    _open(**LINK)
    first = dict(calls)
    assert first.get("view_figures") == 1 and first.get("incidents_table") == 1 and first.get("months_table") == 1
    # A second reader of the same link: the same figures, charts and table, none made again.
    second = _open(**LINK)
    assert {k: v for k, v in calls.items() if k != "component_args"} == \
           {k: v for k, v in first.items() if k != "component_args"}
    assert second.get("vega_lite_chart"), "the charts are drawn from the kept specs"
    # A new range is a new view: made once, then kept for the way back.
    second.date_input(key="dates").set_value(OTHER).run()
    assert calls["view_figures"] == 2 and calls["incidents_table"] == 2 and calls["months_table"] == 2
    second.date_input(key="dates").set_value((dt.date(2025, 2, 3), dt.date(2025, 4, 17))).run()
    assert not second.exception, second.exception
    assert calls["view_figures"] == 2 and calls["incidents_table"] == 2 and calls["months_table"] == 2


def test_a_category_change_keeps_what_depends_on_the_dates_alone(calls):
    # The people-by-month chart and the measures' cards depend on the dates, AORs and facilities, not on the
    # incidents' categories: a category change makes the incidents' pieces only.
    at = _open(start="2025-02-06", end="2025-04-13", layer="facilities,incidents,287g")
    made = dict(calls)
    assert made.get("months_table") == 1 and made.get("people_by_month") == 1 and made.get("figures_of") == 1
    at.checkbox(key="cat_arrest").set_value(False).run()
    assert not at.exception, at.exception
    assert calls["view_figures"] == made["view_figures"] + 1 and calls["incidents_table"] == made["incidents_table"] + 1
    assert calls["incidents_per_week"] == made["incidents_per_week"] + 1
    assert (calls["months_table"], calls["people_by_month"], calls["figures_of"]) == (1, 1, 1)
    assert len(at.get("vega_lite_chart")) == 2 and [m for m in at.metric if m.label.startswith("287(g)")]
    # A date change is a new range for all of them.
    at.date_input(key="dates").set_value((dt.date(2025, 2, 7), dt.date(2025, 4, 13))).run()
    assert (calls["months_table"], calls["people_by_month"], calls["figures_of"]) == (2, 2, 2)


def test_filter_changes_never_rebuild_the_map(calls):
    at = _open(**LINK)
    built = calls.get("component_args", 0)
    at.date_input(key="dates").set_value((dt.date(2025, 1, 6), dt.date(2025, 3, 9))).run()
    at.checkbox(key="cat_arrest").set_value(False).run()
    assert not at.exception, at.exception
    # The map filters itself in the browser: its page is the one made for these layers, sent again.
    assert calls.get("component_args", 0) == built


def test_the_first_run_is_kept_out_of_the_collector_after_each_run():
    _open(**LINK)
    # Streamlit's gc.collect(2) after each run walked every object the process held (95 ms a run on the bundle).
    assert gc.get_freeze_count() > 100_000


def test_downloads_rerun_nothing():
    at = _open(**LINK)
    at.session_state["facility_table"] = True
    at.run()
    buttons = at.get("download_button")
    # GeoJSON, CSV, the map as PNG and PDF, the facility table: built on a click, with no rerun of the page.
    assert len(buttons) >= 5
    assert all(b.proto.ignore_rerun for b in buttons), [b.proto.label for b in buttons if not b.proto.ignore_rerun]


def test_the_facility_table_is_made_only_while_its_expander_is_open(calls):
    at = _open(start="2025-02-05", end="2025-04-15")
    assert "facility_table" not in calls and not [d for d in at.dataframe if "Record ID" in d.value.columns]
    at.session_state["facility_table"] = True  # as a click on the expander does
    at.run()
    assert calls["facility_table"] == 1
    assert [d for d in at.dataframe if "Record ID" in d.value.columns]
    assert [b for b in at.get("download_button") if b.proto.label == "Download the table (CSV)"]


def test_a_rerun_reads_the_source_of_no_cached_function_but_the_maps(monkeypatch):
    # Streamlit keys each function given to st.cache_* by its source (inspect.getsource), each time it is applied:
    # the app's cached functions are applied on the first run only (geodata.view.kept.made_once), all but the map's,
    # whose spinner speaks the reader's language.
    import inspect

    at = _open(**LINK)
    read = []
    original = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: read.append(obj.__qualname__) or original(obj))
    at.run()
    assert not at.exception
    assert read == ["<lambda>"]
