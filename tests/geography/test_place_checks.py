"""Places checked against each other (issue 18): a ZIP that names another town, name-only matches."""

from __future__ import annotations

import math

import pytest

from geodata import Report, gazetteer


def _km(a, b) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371 * math.hypot(x, math.radians(lat2 - lat1))


@pytest.mark.parametrize("zip5, city, state, precision, agreed_zip", [
    ("92225", "Riverside", "CA", "city", None),  # Blythe's ZIP, 260 km away
    ("71430", "Harrisonburg", "LA", "zip", "71340"),  # Forest Hill's; 71340 swapped
    ("31772", "Ocilla", "GA", "zip", "31774"),  # Oakfield's
    ("44317", "Maple Heights", "OH", "zip", "44137"),  # Akron's
])
def test_zip_of_another_town_moves_to_the_city_when_they_disagree(zip5, city, state, precision, agreed_zip):
    g = gazetteer()
    hit = g.geocode(zip5=zip5, city=city, state=state)
    assert hit.precision == precision and hit.correction
    assert f"ZIP {zip5} is " in hit.method and f"not {city}'s" in hit.method
    centre = g.city(city, state)
    assert _km((hit.lon, hit.lat), (centre.lon, centre.lat)) < 15
    if agreed_zip:
        own = g.zip(agreed_zip, state)
        assert (hit.lon, hit.lat) == (own.lon, own.lat) and f"ZIP {agreed_zip}" in hit.method


def test_zip_of_the_city_is_kept_without_correction():
    g = gazetteer()
    # Webb County Detention Center: 78041 is Laredo's own ZIP, so ZIP and city agree and
    # nothing here can tell that the building (9998 S Hwy 83) lies in 78046.
    hit = g.geocode(zip5="78041", city="Laredo", state="TX")
    assert hit.precision == "zip" and hit.correction is None
    # A town inside a ZIP that the postal service does not print (Sweetwater in 33194) agrees too.
    assert g.geocode(zip5="33194", city="Sweetwater", state="FL").correction is None


def test_named_facilities_placed_where_zip_and_city_agree(shared_data):
    from geodata import read_ice_stats
    from geodata.sources import read_facility_list

    report = Report()
    root = shared_data / "ice-detention-stats"
    workbooks = ("FY26_detentionStats_04092026.xlsx", "FY25_detentionStats09242025.xlsx",
                 "FY21-detentionstats.xlsx", "FY19-detentionstats.xlsx")
    gdfs = [read_ice_stats(root / f, report) for f in workbooks]
    gdfs.append(read_facility_list(root / "09foia5638detentionfacilitylist.xls", report))
    g = gazetteer()
    expected = {"RIVERSIDE COUNTY SHERIFF": "Riverside", "CATAHOULA CORRECTIONAL CENTER": "Harrisonburg",
                "IRWIN COUNTY DETENTION CENTER": "Ocilla", "MAPLE HEIGHTS CITY JAIL": "Maple Heights"}
    found = set()
    for gdf in gdfs:
        for row in gdf.itertuples():
            name = next((n for n in expected if row.name.upper().startswith(n)), None)
            if name is None or row.geometry is None:
                continue
            found.add(name)
            centre = g.city(expected[name], row.state)
            assert _km((row.geometry.x, row.geometry.y), (centre.lon, centre.lat)) < 15, (name, row.location_method)
            assert "not " + expected[name] in row.location_method
    assert found == set(expected)
    moved = {r["record"].upper() for r in report.of("moved")}
    assert {n for n in expected if any(m.startswith(n) for m in moved)} == set(expected)


def test_name_match_in_another_city_is_refused_and_never_address(shared_data):
    import geopandas as gpd
    from shapely.geometry import Point

    from geodata.pipeline.reference import apply_reference, match_reference, read_facility_reference

    ddp = read_facility_reference(shared_data / "deportation-data-project" / "facility-locations-oct2025.tsv")
    salem = gazetteer().zip("12865", "NY")
    facilities = gpd.GeoDataFrame({
        "id": ["fac-ny-washington-county-jail", "fac-ok-logan-county-jail"],
        "name": ["WASHINGTON COUNTY JAIL", "LOGAN COUNTY JAIL"], "city": ["SALEM", "GUTHRIE"],
        "state": ["NY", "OK"], "zip": ["12865", "73044"], "location_precision": ["zip", "zip"],
        "location_method": ["centroid of ZIP", "centroid of ZIP"], "source_urls": ["", ""],
    }, geometry=[Point(salem.lon, salem.lat), Point(gazetteer().zip("73044", "OK").lon,
                                                    gazetteer().zip("73044", "OK").lat)], crs="EPSG:4326")
    report = Report()
    table = match_reference(facilities, ddp, report).set_index("facility_id")
    # DDP's Washington Correctional Facility is a state prison in Comstock, 24 km from Salem.
    washington = table.loc["fac-ny-washington-county-jail"]
    assert washington["status"] == "unmatched" and "Comstock, not Salem" in washington["reason"]
    # Logan County Jail: name, state and city agree, so the point is taken, but not as a street address.
    moved = apply_reference(facilities, ddp, report, matches=table.reset_index()).set_index("id")
    assert moved.loc["fac-ny-washington-county-jail", "geometry"].equals(facilities.geometry.iloc[0])
    logan = moved.loc["fac-ok-logan-county-jail"]
    assert logan["location_precision"] == "zip" and "matched by name" in logan["location_method"]
    assert "fac-ok-logan-county-jail" in {r["record"] for r in report.of("moved")}


@pytest.fixture(scope="module")
def deaths_now(shared_data):
    """The deaths joined to the committed facility layer, and the report of the join."""
    from geodata.sources.basu_deaths import read_deaths_basu
    from geodata.store import load_bundle

    bundle = load_bundle()
    report = Report()
    deaths = read_deaths_basu(shared_data / "deaths-basu-ucsf" / "all_250_deaths_detailed.csv",
                              bundle.facilities, report, bundle.facility_years)
    return deaths.set_index(deaths["place"].str.split(",").str[0] + " " + deaths["date"]), report


def test_death_at_guadalupe_city_jail_not_joined_to_the_port_of_entry(deaths_now):
    deaths, report = deaths_now
    d = deaths.loc["Guadalupe City Jail 2004-03-19"]
    assert d["facility_id"] != "fac-tx-tornillo-guadalupe-poe"
    seguin = gazetteer().city("Seguin", "TX")
    assert _km((d.geometry.x, d.geometry.y), (seguin.lon, seguin.lat)) < 40  # Guadalupe County, not El Paso
    assert any("Guadalupe County, not Tornillo" in r["reason"] for r in report.of("unmatched"))


@pytest.mark.parametrize("place, near, precision, word", [
    ("Prio County Jail 2004-02-13", ("Pearsall", "TX"), "county", "Frio County Jail"),  # its location: Frio
    ("Forth Worth Federal Medical Center 2005-01-08", ("Fort Worth", "TX"), "city", "Fort Worth"),
    ("Columbia Kendal Hospital 2016-04-28", ("Kendall", "FL"), "city", "Kendall"),
])
def test_death_at_a_misspelt_facility_is_placed_within_its_state(deaths_now, place, near, precision, word):
    deaths, report = deaths_now
    d = deaths.loc[place]
    assert d["location_precision"] == precision
    town = gazetteer().city(*near)
    assert _km((d.geometry.x, d.geometry.y), (town.lon, town.lat)) < 30
    assert any(word in r["reason"] and r["record"].startswith(d["title"].split(": ")[1])
               for r in report.of("corrected"))


def test_deaths_no_source_can_place_keep_their_reason(deaths_now):
    deaths, report = deaths_now
    # North Georgia Detention Center is in none of the lists the bundle may use: the state, said.
    north = deaths.loc["North Georgia Detention Center 2011-06-28"]
    assert north["location_precision"] == "state" and not isinstance(north["facility_id"], str)
    # The Central Arizona Florence Correctional Complex fits several Florence facilities: the city, said why.
    for day in ("2022-07-08", "2025-08-31"):
        d = deaths.loc[f"Central Arizona Florence Correctional Complex {day}"]
        assert d["location_precision"] == "city" and "several facilities alike" in d["location_method"]


def test_zip_kept_where_the_name_names_its_town():
    from geodata.sources.ice.stats import place_offline

    report = Report()
    # ICE's FY22 list: "TRUSTED ADULT KARNES FSC", San Antonio, 78118 (Karnes City's): the name vouches for the ZIP.
    rec = {"name": "TRUSTED ADULT KARNES FSC", "city": "San Antonio", "state": "TX", "zip": "78118"}
    point = place_offline(rec, gazetteer(), report, "test")
    karnes = gazetteer().zip("78118", "TX")
    assert (point.x, point.y) == (round(karnes.lon, 6), round(karnes.lat, 6)) and rec["location_precision"] == "zip"
    assert not report.of("moved") and "names the ZIP's town" in report.of("note")[0]["reason"]
    # Without that word in the name, the city wins.
    rec = {"name": "TRUSTED ADULT FSC", "city": "San Antonio", "state": "TX", "zip": "78118"}
    place_offline(rec, gazetteer(), report, "test")
    assert "not San Antonio's" in rec["location_method"] and len(report.of("moved")) == 1


def test_facility_source_urls_name_the_workbooks_they_come_from():
    import pandas as pd

    from geodata.store import DATA_DIR, FACILITY_YEARS_FILE, load_bundle

    facilities = load_bundle().facilities.set_index("id")
    years = pd.read_csv(DATA_DIR / FACILITY_YEARS_FILE, dtype=str)
    listed = years[years["name"].fillna("") != ""].groupby("facility_id")["source"].agg(set)
    for fid, files in listed.items():
        urls = facilities.loc[fid, "source_urls"].split()
        assert all(any(u.endswith("/" + f) for u in urls) for f in files), (fid, files, urls)
    stewart = facilities.loc["fac-ga-stewart-detention-center", "source_urls"].split()
    assert "https://www.ice.gov/detain/detention-management" in stewart
    assert any(u.endswith("/FY26_detentionStats_04092026.xlsx") for u in stewart)
