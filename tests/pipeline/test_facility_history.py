"""The facility history: ICE's lists FY2009-FY2026 joined into one facility per place."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geodata import Report, View, load_bundle
from geodata.core.schema import CRS, FACILITY_COLUMNS
from geodata.pipeline.facility_history import build_facility_history, facilities_in_use, fiscal_years_of
from geodata.view.occupancy import view_frames
from layers import facilities_layer


def _list(rows, *, year, file, adp_years=None):
    """A facility list as the readers return it: rows of the schema, ``attrs`` naming the list."""
    records = []
    for i, r in enumerate(rows):
        rec = dict.fromkeys(FACILITY_COLUMNS)
        rec.update(location_precision="zip", location_method="centroid of a ZIP", source_name=f"list {file}",
                   source_urls="https://www.ice.gov/detain/detention-management", data_date=f"{year}-09-30")
        rec.update(r)
        rec.setdefault("id", f"fac-{rec['state'].lower()}-{i}-{year}")
        records.append(rec)
    extra = sorted({c for r in rows for c in r if c not in FACILITY_COLUMNS})
    gdf = gpd.GeoDataFrame(pd.DataFrame(records).reindex(columns=[*FACILITY_COLUMNS, *extra]),
                           geometry=[Point(-99.0 + i, 29.0) for i in range(len(rows))], crs=CRS)
    gdf.attrs.update(fiscal_year=year, file=file, data_date=f"{year}-09-30")
    return gdf


STC_2009 = dict(name="South Texas Detention Complex", address="566 VETERAN'S DR.", city="PEARSALL", state="TX",
                zip="78061", detloc="STCDFTX", aor="SNA", facility_type="CDF")
STC_2015 = dict(name="SOUTH TEXAS DETENTION COMPLEX", address="566 VETERANS DRIVE", city="PEARSALL", state="TX",
                zip="78061", detloc="STCDFTX", operator="GEO", facility_type="CDF", adp=1800.0,
                adp_fy2014=1700.0, adp_fy2015=1750.0, adp_fy2016=1800.0)
STC_2026 = dict(name="SOUTH TEXAS ICE PROCESSING CENTER", address="566 VETERANS DRIVE", city="PEARSALL", state="TX",
                zip="78061", aor="SNA", facility_type="CDF", adp=1500.0, id="fac-tx-south-texas-ice-processing-center")


def _history(*lists):
    report = Report()
    facilities, years = build_facility_history(list(lists), report)
    return facilities, years, report


def test_a_facility_seen_in_several_years_is_one_facility():
    facilities, years, report = _history(
        _list([STC_2009], year=2009, file="2009.xls"),
        _list([STC_2015], year=2016, file="2015.xlsx"),
        _list([STC_2026], year=2026, file="FY26.xlsx"),
    )
    assert len(facilities) == 1
    stc = facilities.iloc[0]
    # Renamed between 2016 and 2026, at the same address: joined by address, and said so.
    assert stc["id"] == "fac-tx-south-texas-ice-processing-center"
    assert stc["name"] == "SOUTH TEXAS ICE PROCESSING CENTER"
    assert stc["fiscal_years"] == "2009 2014 2015 2016 2026"
    assert (stc["first_seen"], stc["last_seen"]) == ("FY2009", "FY2026")
    # Each value from the newest list that gives it, and the list named.
    assert stc["operator"] == "GEO" and stc["detloc"] == "STCDFTX" and stc["adp"] == 1500.0
    assert "operator: 2015.xlsx" in stc["values_from"] and "detloc: 2015.xlsx" in stc["values_from"]
    assert not report.of("ambiguous") and not report.of("unmatched")
    # The companion table: ADP by fiscal year, each with its list; listed values on the list's own year.
    by_year = years.set_index(["fiscal_year", "source"])
    assert by_year.loc[(2015, "2015.xlsx"), "adp"] == 1750.0
    assert pd.isna(by_year.loc[(2015, "2015.xlsx"), "name"])  # the 2015 listing says where it is in FY2016
    assert by_year.loc[(2016, "2015.xlsx"), "operator"] == "GEO"
    assert by_year.loc[(2009, "2009.xls"), "name"] == "South Texas Detention Complex"
    assert set(years["facility_id"]) == {stc["id"]}


def test_same_name_in_another_city_is_reported_not_joined():
    facilities, _, report = _history(
        _list([dict(name="BAKER COUNTY SHERIFF DEPT.", address="1 COUNTY RD", city="MACCLENNY", state="FL",
                    zip="32063")], year=2019, file="FY19.xlsx"),
        _list([dict(name="BAKER COUNTY SHERIFF DEPARTMENT", address="9 OTHER RD", city="SANDERSON", state="FL",
                    zip="32087")], year=2020, file="FY20.xlsx"),
    )
    assert len(facilities) == 2
    assert [r["record"] for r in report.of("ambiguous")] == [
        "FY20.xlsx: BAKER COUNTY SHERIFF DEPARTMENT (SANDERSON, FL)"]


def test_two_rows_of_one_list_stay_two_facilities():
    jail = dict(name="ALPHA COUNTY JAIL", address="10 MAIN ST", city="ALPHA", state="TX", zip="78061")
    facilities, _, report = _history(
        _list([jail], year=2019, file="FY19.xlsx"),
        _list([jail, dict(jail, name="ALPHA COUNTY JAIL ANNEX")], year=2020, file="FY20.xlsx"),
        _list([dict(jail, name="ALPHA STAGING")], year=2021, file="FY21.xlsx"),
    )
    # The annex joins nothing (another kind of place); the staging room is not the jail either.
    assert sorted(facilities["name"]) == ["ALPHA COUNTY JAIL", "ALPHA COUNTY JAIL ANNEX", "ALPHA STAGING"]
    jail_row = facilities[facilities["name"] == "ALPHA COUNTY JAIL"].iloc[0]
    assert jail_row["fiscal_years"] == "2019 2020"
    assert facilities["id"].is_unique


def test_fiscal_years_of_a_range():
    assert list(fiscal_years_of("2014-10-01", "2015-09-30")) == [2015]
    assert list(fiscal_years_of("2015-09-30", "2015-10-01")) == [2015, 2016]
    assert fiscal_years_of(None, None) is None


def test_in_use_by_range_gaps_and_edges():
    frame = pd.DataFrame({"fiscal_years": ["2009 2015 2016", "2016 2019 2026", "2026", "2019"]})
    assert facilities_in_use(frame, "2015-01-01", "2015-06-30").tolist() == [True, False, False, False]
    assert facilities_in_use(frame, "2016-01-01", "2016-03-31").tolist() == [True, True, False, False]
    # FY2017 has no list: facilities seen before and after it count.
    assert facilities_in_use(frame, "2017-01-01", "2017-02-01").tolist() == [False, True, False, False]
    # Before the first list: the first list's facilities; after the last: the last list's.
    assert facilities_in_use(frame, "2004-01-01", "2004-12-31").tolist() == [True, False, False, False]
    assert facilities_in_use(frame, "2030-01-01", "2030-01-02").tolist() == [False, True, True, False]
    assert facilities_in_use(frame).all()


# -- the bundled history ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_bundled_history_one_row_per_facility(bundle):
    fac = bundle.facilities
    assert fac["id"].is_unique
    listed = fac["fiscal_years"].notna()
    assert fac.loc[listed, "fiscal_years"].str.fullmatch(r"\d{4}( \d{4})*").all()
    # The one facility outside ICE's lists: FMC Devens, DDP's hand-placed point, for the deaths there.
    assert fac.loc[~listed, "id"].tolist() == ["fac-ma-devens-fmc"]
    stewart = fac[fac["detloc"] == "STWRTGA"]
    assert len(stewart) == 1
    years = stewart.iloc[0]["fiscal_years"].split()
    assert years[0] == "2009" and years[-1] == "2026" and len(years) == 16
    assert stewart.iloc[0]["id"] == "fac-ga-stewart-detention-center"
    assert stewart.iloc[0]["operator"] == "CCA"  # the 2015 listing's operator
    # ADP by fiscal year, with its list, for every year it is listed.
    fy = bundle.facility_years[bundle.facility_years["facility_id"] == "fac-ga-stewart-detention-center"]
    assert set(fy["fiscal_year"]) == {int(y) for y in years}
    assert fy.loc[fy["fiscal_year"] == 2012, "source"].tolist() == ["2015IceDetentionFacilityListing.xlsx"]


def test_a_2015_range_shows_2015s_facilities(bundle):
    frames, _ = view_frames(bundle, View(start="2015-01-01", end="2015-06-30"))
    shown = frames["facilities"]
    # Listed in FY2015, or holding someone then by a population source (UWCHR's headcount has T. Don Hutto,
    # which the 2015 listing does not name so).
    listed = shown["fiscal_years"].fillna("").str.contains(r"\b2015\b")
    assert (listed | ((shown["adp_in_range"] > 0) & shown["adp_source"].notna())).all()
    assert listed.sum() > 150
    ids = set(shown["id"])
    assert "fac-tx-rolling-plains-detention-center" in ids  # closed since
    assert "fac-tx-ero-el-paso-camp-east-montana" not in ids  # opened in 2025
    frames, _ = view_frames(bundle, View(start="2026-01-01", end="2026-03-31"))
    now = set(frames["facilities"]["id"])
    assert "fac-tx-ero-el-paso-camp-east-montana" in now
    assert "fac-tx-rolling-plains-detention-center" not in now


def test_popup_says_when_first_and_last_seen(bundle):
    fac = bundle.facilities[bundle.facilities["id"] == "fac-tx-rolling-plains-detention-center"]
    layer = facilities_layer(fac)
    (seen,) = layer.field_values("In ICE's facility lists")
    assert seen.startswith(f"first seen {fac.iloc[0]['first_seen']}, last seen {fac.iloc[0]['last_seen']}")


def test_a_facility_counted_by_ddp_in_the_range_is_in_use_though_not_listed(bundle):
    pop = bundle.population
    listed_2009_only = bundle.facilities[bundle.facilities["fiscal_years"] == "2009"]
    held = pop[pop["facility_id"].isin(set(listed_2009_only["id"])) & (pop["month"] == "2024-06") & (pop["adp"] > 0)]
    assert len(held), "a facility ICE listed in 2009 only that DDP counts in June 2024"
    fid = held["facility_id"].iloc[0]
    frames, _ = view_frames(bundle, View(start="2024-06-01", end="2024-06-30"))
    assert fid in set(frames["facilities"]["id"])
    frames, _ = view_frames(bundle, View(start="2015-01-01", end="2015-06-30"))
    assert fid not in set(frames["facilities"]["id"])
