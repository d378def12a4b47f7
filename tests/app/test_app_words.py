"""The app's words, headless: singular counts, a link's dates outside the data, the charts of a short range."""

from __future__ import annotations

from test_app import run_app


def test_a_link_outside_the_data_says_how_its_dates_were_moved():
    at = run_app(start="1990-01-01", end="1990-12-31")
    told = " ".join(i.value for i in at.info)
    assert "1990-01-01 to 1990-12-31" in told and "outside the data" in told and "moved to" in told
    assert not run_app(start="2026-01-01", end="2026-01-31").info  # inside the data: nothing to say


def test_one_incident_is_one_incident():
    at = run_app(start="2026-01-07", end="2026-01-07", category="shooting")
    head = next(m.value for m in at.markdown if "on the map from" in m.value)
    assert head.startswith("**1 other incident** and **0 deaths in custody**"), head


def test_a_one_month_range_still_charts_its_month():
    at = run_app(start="2026-01-01", end="2026-01-31")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    spec = charts[1].proto.spec
    # A bar per month and source (stacked), so a range of one month shows its figure too.
    assert '"type": "bar"' in spec.replace('"type":"bar"', '"type": "bar"') and "2026-01" in str(charts[1].proto)
    weekly = charts[0].proto.spec
    assert "%b %-d, %Y" in weekly  # the page's date style ("Oct 7, 2003") on the weekly chart's axis


def test_facilities_in_use_says_what_it_counts():
    at = run_app(start="2026-01-01", end="2026-01-31")
    metric = next(m for m in at.metric if m.label == "Facilities holding people")
    assert "held on an average day" in metric.help
