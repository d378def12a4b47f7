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
    gdfs = [read_ice_stats(root / f, report) for f in ("FY26_detentionStats_04092026.xlsx", "FY25_detentionStats09242025.xlsx",
                                                    "FY21-detentionstats.xlsx", "FY19-detentionstats.xlsx")]
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
