"""The app as a newsroom uses it (issue 19), headless (streamlit.testing.v1.AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_unknown_aor_in_the_link_warns_and_is_dropped():
    at = run_app(aor="XYZ")
    assert any("XYZ" in w.value and "unknown AOR" in w.value for w in at.warning)
    assert at.multiselect(key="aor").value == []


def test_aor_filter_shows_field_office_names():
    at = run_app(aor="SPM")
    assert "St. Paul (SPM)" in at.multiselect(key="aor").options
