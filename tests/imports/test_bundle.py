"""The committed default data is exactly what its inputs rebuild."""

from __future__ import annotations

from geodata import build_bundle, save_bundle
from geodata.imports.bundle import FACILITY_LISTS
from geodata.store import DATA_DIR, FACILITY_YEARS_FILE, FILES, POPULATION_FILE, REPORT_FILE, load_bundle


def test_rebuild_equals_committed_bundle(shared_data, tmp_path):
    bundle = build_bundle(shared_data)
    save_bundle(bundle, tmp_path)
    assert bundle.measures, "the measure tables (287(g)) are part of the bundle"
    for name in (*FILES.values(), REPORT_FILE, POPULATION_FILE, FACILITY_YEARS_FILE, *bundle.measures):
        committed = (DATA_DIR / name).read_text(encoding="utf-8")
        rebuilt = (tmp_path / name).read_text(encoding="utf-8")
        assert rebuilt == committed, f"{name} differs: run `geodata build-bundle` and commit the result"


def test_bundle_accounts_for_every_input_row(shared_data):
    bundle = load_bundle()
    rejected = bundle.report[bundle.report["action"] == "rejected"]
    deaths = bundle.incidents[bundle.incidents["id"].str.startswith("death-")]
    assert len(deaths) + (rejected["source"].str.startswith("deaths")).sum() == 249
    assert not rejected["source"].str.startswith(("ice-stats", "facility-list", "facility-history")).any()
    # Every row of every ICE list is one facility's row for that list's year (SOURCE.md's counts).
    listed = bundle.facility_years[bundle.facility_years["name"] != ""]
    counts = listed.groupby("source").size().to_dict()
    expected = {"09foia5638detentionfacilitylist.xls": 275, "2015IceDetentionFacilityListing.xlsx": 209,
                "FY19-detentionstats.xlsx": 213, "FY20-detentionstats.xlsx": 170, "FY21-detentionstats.xlsx": 135,
                "FY22-detentionStats.xlsx": 130, "FY23_detentionStats.xlsx": 115, "FY24_detentionStats.xlsx": 109,
                "FY25_detentionStats09242025.xlsx": 189, "FY26_detentionStats02022026.xlsx": 225,
                "FY26_detentionStats_04092026.xlsx": 203}
    assert set(expected) == {rel.rsplit("/", 1)[-1] for rel, _ in FACILITY_LISTS}
    assert counts == expected
    # Every facility is in some list, but those added from DDP's hand-placed points for a death there.
    added = set(bundle.report.loc[bundle.report["action"] == "added", "record"])
    assert added == {"fac-ma-devens-fmc"}
    assert set(listed["facility_id"]) == set(bundle.facilities["id"]) - added


def test_every_incident_has_sources_precision_and_verification():
    inc = load_bundle().incidents
    assert inc["source_urls"].str.match(r"https?://").all()
    assert inc["location_precision"].isin(["address", "zip", "city", "county", "state"]).all()
    assert inc["date_precision"].isin(["day", "month", "year"]).all()
    assert inc["verification"].isin(["official_record", "news_report", "unverified"]).all()
    # A street-level point is only ever a facility (a public building), never a home.
    at_address = inc[inc["location_precision"] == "address"]
    assert at_address["facility_id"].notna().all()


def test_population_by_month_joins_the_facilities():
    bundle = load_bundle()
    pop = bundle.population
    assert set(pop["facility_id"]) <= set(bundle.facilities["id"])
    assert pop["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (pop["days"].between(1, 31)).all() and (pop["adp"] <= pop["max"]).all()
    camp = pop[(pop["facility_id"] == "fac-tx-ero-el-paso-camp-east-montana") & (pop["month"] == "2026-01")]
    # DDP: 4,130 people held at Camp East Montana on 2026-01-15.
    assert len(camp) == 1 and 2000 < camp["adp"].iloc[0] < 5000 and camp["max"].iloc[0] >= 4130


def test_data_notice_names_every_facility_list_and_its_licence():
    from geodata.imports.bundle import BUNDLE_INPUTS

    notice = (DATA_DIR.parents[1] / "DATA.md").read_text(encoding="utf-8")
    for rel, _ in FACILITY_LISTS:
        name = rel.rsplit("/", 1)[-1]
        # The workbooks are named as a range (FY19 ... FY26), the lists one by one.
        assert name in notice or name.startswith("FY") and "detention statistics" in notice, name
    for fy in range(2019, 2027):
        assert f"FY{fy}" in notice
    assert "public domain" in notice and "facility-years.csv" in notice
    assert BUNDLE_INPUTS["deaths"].rsplit("/", 1)[-1] in notice and "Copyright (c) 2025 Sanjay Basu" in notice


def test_build_report_holds_every_measure_reader_row():
    # What the measure readers (ATD, USBP) left out or noted is in the one build report too, beside
    # measures-report.csv, so every row not kept as it came is in one place.
    import pandas as pd

    from geodata.core.measures import MEASURES_DIR, MEASURES_REPORT_FILE

    measures = pd.read_csv(MEASURES_DIR / MEASURES_REPORT_FILE, dtype=str, keep_default_na=False)
    report = load_bundle().report.fillna("").astype(str)
    assert len(measures) and (measures["action"] == "rejected").any()
    rows = set(map(tuple, report[list(measures.columns)].to_numpy()))
    missing = [r for r in map(tuple, measures.to_numpy()) if r not in rows]
    assert not missing, missing
