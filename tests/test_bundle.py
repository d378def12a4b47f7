"""The committed default data is exactly what its inputs rebuild."""

from __future__ import annotations

from geodata import build_bundle, save_bundle
from geodata.store import DATA_DIR, FILES, REPORT_FILE, load_bundle


def test_rebuild_equals_committed_bundle(shared_data, tmp_path):
    save_bundle(build_bundle(shared_data), tmp_path)
    for name in (*FILES.values(), REPORT_FILE):
        committed = (DATA_DIR / name).read_text(encoding="utf-8")
        rebuilt = (tmp_path / name).read_text(encoding="utf-8")
        assert rebuilt == committed, f"{name} differs: run `geodata build-bundle` and commit the result"


def test_bundle_accounts_for_every_input_row(shared_data):
    bundle = load_bundle()
    rejected = bundle.report[bundle.report["action"] == "rejected"]
    deaths = bundle.incidents[bundle.incidents["id"].str.startswith("death-")]
    assert len(deaths) + (rejected["source"].str.startswith("deaths")).sum() == 249
    assert len(bundle.facilities) + (rejected["source"].str.startswith("ice-stats")).sum() == 203


def test_every_incident_has_sources_precision_and_verification():
    inc = load_bundle().incidents
    assert inc["source_urls"].str.match(r"https?://").all()
    assert inc["location_precision"].isin(["zip", "city", "county", "state"]).all()
    assert inc["date_precision"].isin(["day", "month", "year"]).all()
    assert inc["verification"].isin(["official_record", "news_report", "unverified"]).all()
    assert not inc["location_precision"].eq("address").any()  # no street points in the bundle
