"""The offline gazetteer: finest level first, and never finer than the input allows."""

from __future__ import annotations

from geodata import gazetteer


def test_zip_then_city_then_county_then_state():
    g = gazetteer()
    assert g.geocode(zip5="79936", city="El Paso", state="TX").precision == "zip"
    assert g.geocode(zip5="99999", city="El Paso", state="TX").precision == "city"
    assert g.geocode(city="Nowhere", county="Kern County", state="CA").precision == "county"
    assert g.geocode(city="Nowhere", state="Minnesota").precision == "state"
    assert g.geocode(city="Nowhere", state="Atlantis") is None


def test_zip_from_another_state_is_not_trusted():
    g = gazetteer()
    hit = g.geocode(zip5="79936", city="Minneapolis", state="MN")
    assert hit.precision == "city"
    assert 44.8 < hit.lat < 45.1 and -93.4 < hit.lon < -93.1


def test_territories_and_abbreviations():
    g = gazetteer()
    assert g.zip("96913", "GU").precision == "zip"
    assert g.zip("00603", "PR").precision == "zip"
    a, b = g.city("St. Paul", "MN"), g.city("Saint Paul", "MN")
    assert (a.lon, a.lat, a.precision) == (b.lon, b.lat, b.precision)
    assert g.city("Ft. Lauderdale", "FL") is not None
