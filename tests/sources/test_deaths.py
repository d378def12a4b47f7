"""Deaths in custody: the Basu et al. table joined to the facility layer."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata import Report, load_bundle, normalize_facility_name, read_deaths_basu
from geodata.geography.match import FacilityMatcher


@pytest.fixture(scope="module")
def deaths(fy26, shared_data):
    facilities, _ = fy26
    report = Report()
    gdf = read_deaths_basu(shared_data / "deaths-basu-ucsf" / "all_250_deaths_detailed.csv", facilities, report)
    return gdf, report, facilities


def test_every_death_placed_or_reported(deaths):
    gdf, report, _ = deaths
    rejected = report.of("rejected")
    assert len(gdf) + len(rejected) == 249
    assert gdf.geometry.notna().all()
    matched = gdf["facility_id"].notna()
    unmatched = report.of("unmatched")
    # Each death is joined to a facility, or reported as not joined, with the reason.
    assert matched.sum() + len(unmatched) == len(gdf)
    assert all(r["reason"] for r in unmatched)
    # Most deaths are drawn at their facility or their city: state level is the exception.
    assert matched.sum() > 120
    assert (gdf["location_precision"] == "state").sum() == len(report.of("coarse")) < 30
    assert gdf["source_urls"].str.startswith("https://www.ice.gov/").all()
    assert gdf["id"].is_unique


def test_deaths_joined_to_the_right_facility(deaths):
    gdf, _, _ = deaths
    by_place = dict(zip(gdf["place"], gdf["facility_id"]))
    assert by_place["Stewart Detention Center, Lumpkin, GA"] == "fac-ga-stewart-detention-center"
    # 2018+ records use a new name and the city: Baker County's jail is the Sheriff's (Macclenny).
    assert by_place["Baker County Detention Center, Macclenny, FL"] == "fac-fl-baker-county-sheriff-dept"
    # "Pike County Correctional Facility" shares everything but its name with Clinton County's.
    assert by_place["Pike County Correctional Facility, PA"] != "fac-pa-clinton-county-correctional-facility"
    # A city jail is not the federal prison in the same city.
    assert pd.isna(by_place["Atlanta City Detention Center, GA"])
    # A joined death sits exactly on its facility.
    fac = gdf[gdf["facility_id"] == "fac-ga-stewart-detention-center"].iloc[0]
    assert fac["location_method"].startswith("at the facility STEWART DETENTION CENTER")


def test_unmatched_deaths_placed_no_finer_than_their_record(deaths):
    gdf, _, _ = deaths
    rest = gdf[gdf["facility_id"].isna()]
    assert set(rest["location_precision"]) <= {"city", "county", "state"}
    hampton = rest[rest["place"].str.startswith("Hampton Roads Regional Jail")]
    # Named after a region, not after the city of Hampton: only the state is claimed.
    assert set(hampton["location_precision"]) == {"state"}
    sacramento = rest[rest["place"].str.startswith("Sacramento County Jail")]
    assert set(sacramento["location_precision"]) == {"county"}


@pytest.mark.parametrize(
    "raw, state, expected",
    [
        ("Eloy Federal Contract Facility AZ", "AZ", "ELOY FEDERAL CONTRACT FACILITY"),
        ("Stewart Detention Center (SDC)", "GA", "STEWART DETENTION CENTER"),
        ("JOE CORLEY PROCESSING CTR", "TX", "JOE CORLEY PROCESSING CENTER"),
        ("BAKER COUNTY SHERIFF DEPT.", "FL", "BAKER COUNTY SHERIFF DEPARTMENT"),
        ("ERO EL PASO CAMP EAST MONTANA", "TX", "EL PASO CAMP EAST MONTANA"),
    ],
)
def test_normalize_facility_name(raw, state, expected):
    assert normalize_facility_name(raw, state) == expected


def test_matcher_refuses_ambiguous_names(tiny_facilities):
    twin = tiny_facilities.iloc[[0]].assign(id="fac-tx-a2", name="ALPHA PROCESSING CENTER ANNEX B")
    frame = tiny_facilities.iloc[[0]].assign(name="ALPHA PROCESSING CENTER ANNEX A")
    matcher = FacilityMatcher(pd.concat([frame, twin]))
    assert matcher.match("Alpha Processing Center", "TX").facility_id is None
    assert matcher.match("Alpha Processing Center Annex A", "TX").facility_id == "fac-tx-a"
    assert matcher.match("Alpha Processing Center Annex A", "NM").facility_id is None


def test_bundle_has_the_january_2026_deaths_at_camp_east_montana():
    bundle = load_bundle()
    camp = bundle.facilities[bundle.facilities["name"] == "ERO EL PASO CAMP EAST MONTANA"].iloc[0]
    there = bundle.incidents[bundle.incidents["facility_id"] == camp["id"]]
    jan = there[(there["date_start"] >= "2026-01-01") & (there["category"] == "death_in_custody")]
    assert sorted(jan["date"]) == ["2026-01-03", "2026-01-14"]
    assert jan["title"].str.contains("Geraldo Lunas Campos").any()
    assert jan["title"].str.contains("Victor Manuel Diaz").any()
    assert (jan.geometry == camp.geometry).all()
    assert jan["source_urls"].str.contains("wsws.org").all()


# -- deaths joined to the facility history (the bundle) -----------------------------------------
@pytest.fixture(scope="module")
def bundled_deaths():
    bundle = load_bundle()
    inc = bundle.incidents
    return bundle, inc[inc["id"].str.startswith("death-") & (inc["source_name"].str.contains("Basu"))]


def test_most_deaths_at_their_facility_every_other_one_reported(bundled_deaths):
    bundle, deaths = bundled_deaths
    rep = bundle.report[bundle.report["source"].str.startswith("deaths")]
    rejected = rep[rep["action"] == "rejected"]
    assert len(deaths) + len(rejected) == 249
    at_facility = deaths["facility_id"].notna()
    # With the facilities of 2009-2026 placed, and FMC Devens from DDP's hand-placed points: 197 of 249
    # (135 with FY2026's alone); the death at "Guadalupe City Jail" is no longer joined to the
    # Tornillo-Guadalupe port of entry, 800 km away (issue 18).
    assert at_facility.sum() >= 197
    unmatched = rep[rep["action"] == "unmatched"]
    assert len(unmatched) == (~at_facility).sum()
    assert (unmatched["reason"].str.len() > 10).all()
    # Each one reported is a death not at a facility (by name and date in the record).
    names = deaths.loc[~at_facility, "title"].str.replace("Death in ICE custody: ", "", regex=False)
    for name in names:
        assert unmatched["record"].str.startswith(name + " (").any(), name


def test_rolling_plains_deaths_are_at_the_facility_in_haskell(bundled_deaths):
    bundle, deaths = bundled_deaths
    rp = deaths[deaths["place"].str.startswith("Rolling Plains Detention Center")]
    assert len(rp) == 3
    assert (rp["facility_id"] == "fac-tx-rolling-plains-detention-center").all()
    fac = bundle.facilities.set_index("id").loc["fac-tx-rolling-plains-detention-center"]
    assert fac["city"] == "HASKELL" and "2009" in fac["fiscal_years"] and "2026" not in fac["fiscal_years"]
    # At Haskell (33.16 N, 99.73 W), not at the centre of Texas 460 km away.
    assert rp.geometry.geom_equals(fac.geometry).all()
    assert abs(fac.geometry.y - 33.16) < 0.1 and abs(fac.geometry.x + 99.73) < 0.1


def test_deaths_at_facilities_renamed_since(bundled_deaths):
    _, deaths = bundled_deaths
    jena = deaths[deaths["place"].str.startswith("Jena/LaSalle Detention Facility")]
    # Jena/LaSalle (2009-2016) is the Central Louisiana ICE Processing Center since FY2023.
    assert len(jena) == 6 and jena["facility_id"].nunique() == 1 and jena["facility_id"].notna().all()


def test_sources_disagreeing_on_the_place_are_said_in_report_and_record(bundled_deaths):
    bundle, deaths = bundled_deaths
    notes = bundle.report[bundle.report["reason"].str.startswith("sources disagree")]
    assert notes["record"].str.contains("ORTIZ-MATAMOROS PABLO").any()
    eloy = deaths[deaths["title"].str.contains("ORTIZ-MATAMOROS PABLO")].iloc[0]
    # The name says Eloy (AZ), the location Joe Corley (TX): placed by the name, both said.
    assert "Sources disagree on the place" in eloy["description"] and "Joe Corley" in eloy["description"]
    assert eloy["state"] == "AZ" and "sources disagree" in eloy["location_method"]
    # "N. LAS VEGAS" is North Las Vegas: no disagreement there.
    assert not notes["reason"].str.contains("North Las Vegas").any()


def test_deaths_at_fmc_devens_are_at_ddps_hand_placed_point(bundled_deaths):
    # FMC Devens is in none of ICE's lists; DDP (CC0) placed it by hand at 42 Patton Rd, Ayer, MA.
    bundle, deaths = bundled_deaths
    devens = deaths[deaths["place"].str.startswith("Devens Federal Medical Center")]
    assert len(devens) == 2 and (devens["facility_id"] == "fac-ma-devens-fmc").all()
    fac = bundle.facilities.set_index("id").loc["fac-ma-devens-fmc"]
    assert fac["detloc"] == "BOPDEV" and fac["location_precision"] == "address" and pd.isna(fac["fiscal_years"])
    assert "Deportation Data Project" in fac["location_method"]
    assert abs(fac.geometry.y - 42.5293) < 1e-3 and abs(fac.geometry.x + 71.6180) < 1e-3
    assert devens.geometry.geom_equals(fac.geometry).all()
    added = bundle.report[(bundle.report["action"] == "added") & (bundle.report["record"] == "fac-ma-devens-fmc")]
    assert len(added) == 1
    # Only the points a death names join the layer: DDP's other hand-placed hospitals and jails do not.
    assert not bundle.facilities["location_method"].fillna("").str.startswith("placed by hand").drop(
        bundle.facilities.index[bundle.facilities["id"] == "fac-ma-devens-fmc"]).any()
