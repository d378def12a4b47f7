"""A private home is never published at address precision: not as a point, not in any text."""

from __future__ import annotations

import folium

from geodata.core.report import Report
from geodata.export.writers import to_csv, to_geojson
from geodata.geography.geocode import (
    CensusProvider,
    DiskCache,
    GazetteerProvider,
    Geocoder,
    NominatimProvider,
    RateLimiter,
)
from geodata.imports.ingest import import_incidents, load_store, read_upload
from geodata.pipeline.incidents_import import map_incidents
from geodata.pipeline.privacy import generalise_place, has_street_address, without_house_numbers
from geodata.pipeline.tables import read_table
from layers import incidents_layer

HEADER = "date,title,place,city,state,latitude,longitude,source_url"
HOME = "2025-06-01,Arrested at home,4512 Elm Street,Minneapolis,MN,44.917623,-93.300412,https://example.org/h1"


def _published_text(gdf) -> str:
    """Everything a reader can get: the GeoJSON and CSV exports and the map page."""
    frames = {"incidents": gdf}
    m = folium.Map()
    incidents_layer(gdf).add_to(m)
    return to_geojson(frames) + to_csv(frames) + m.get_root().render()


def test_home_row_imported_keeps_no_house_number(tmp_path):
    src, store = tmp_path / "in.csv", tmp_path / "store.geojson"
    src.write_text(f"{HEADER}\n{HOME}\n", encoding="utf-8")
    result = import_incidents(src, store)
    assert result.new == 1
    assert "4512" not in store.read_text(encoding="utf-8")
    kept = load_store(store)
    row = kept.iloc[0]
    assert row["location_precision"] == "block"
    assert row["place"] == "near Elm Street, Minneapolis, MN"
    assert "4512" not in _published_text(kept)
    assert not any("4512" in r["reason"] for r in result.report.rows)


def test_home_row_uploaded_keeps_no_house_number():
    gdf, _ = read_upload(f"{HEADER}\n{HOME}\n".encode(), "mine.csv")
    assert gdf.iloc[0]["location_precision"] == "block"
    assert not gdf.astype(str).apply(lambda c: c.str.contains("4512")).any().any()
    assert "4512" not in _published_text(gdf)


def test_public_place_keeps_its_address(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f"{HEADER},public_place\n{HOME.replace('4512 Elm Street', '300 S 6th St')},yes\n")
    gdf, _ = map_incidents(read_table(src))
    assert gdf.iloc[0]["place"] == "300 S 6th St, Minneapolis, MN"
    assert gdf.iloc[0]["location_precision"] == "address"


def test_address_in_description_is_flagged_and_not_published(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "date,title,description,city,state,source_url\n"
        "2025-06-01,Raid at 4512 Elm Street,Agents broke the door of the house at 4512 Elm Street.,"
        "Minneapolis,MN,https://example.org/h2\n"
        "2025-06-02,Three men detained on Lake Street,Agents detained 3 men on Lake Street.,"
        "Minneapolis,MN,https://example.org/h3\n"
    )
    report = Report()
    gdf, _ = map_incidents(read_table(src), report=report)
    home, street = gdf.iloc[0], gdf.iloc[1]
    assert home["location_precision"] == "city"  # placed by the gazetteer, but the text still said the house
    assert home["title"] == "Raid near Elm Street"
    assert home["description"] == "Agents broke the door of the house near Elm Street."
    assert home["review"] == "street address in the title and description: house number left out"
    assert [r["record"] for r in report.of("review")] == [home["id"]]
    assert not isinstance(street["review"], str) and street["description"] == "Agents detained 3 men on Lake Street."
    assert "4512" not in _published_text(gdf)


def test_swapped_home_coordinates_are_not_repeated_in_the_report(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f"{HEADER}\n2025-06-01,At home,4512 Elm Street,Minneapolis,MN,-93.300412,44.917623,"
                   "https://example.org/h1\n")
    report = Report()
    gdf, _ = map_incidents(read_table(src), report=report)
    assert gdf.iloc[0]["location_precision"] == "block"
    assert [r["reason"] for r in report.of("note") if "swapped" in r["reason"]] == [
        "latitude and longitude were swapped"
    ]
    assert not any("93.3" in r["reason"] or "44.9" in r["reason"] for r in report.rows)


class _FakeService:
    """An online answer as Census and Nominatim give it: a point and a matched address with a ZIP."""

    def __init__(self, provider_cls, label):
        self.provider = provider_cls.__new__(provider_cls)
        self.provider.limiter = RateLimiter(0)
        self.provider.timeout = 1
        self.provider._lookup = lambda text: (-93.300412, 44.917623, label)
        self.name = self.provider.name

    def geocode(self, query):
        return self.provider.geocode(query)


def test_online_geocoder_answer_leaks_no_house_number(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("date,title,street,city,state,source_url\n"
                   "2025-06-01,Arrested at home,4512 Elm Street,Minneapolis,MN,https://example.org/h1\n")
    answers = [
        (CensusProvider, "4512 ELM ST, MINNEAPOLIS, MN, 55419"),
        (NominatimProvider, "4512, Elm Street, Tangletown, Minneapolis, Hennepin County, Minnesota, 55419, USA"),
    ]
    for cls, label in answers:
        cache = DiskCache(tmp_path / f"{cls.name}.json")
        geocoder = Geocoder([GazetteerProvider(), _FakeService(cls, label)], cache)
        gdf, _ = map_incidents(read_table(src), geocoder=geocoder)
        row = gdf.iloc[0]
        assert row["location_precision"] == "block"
        assert row["location_method"].startswith(f"{cls.name}: matched a street address; generalised")
        text = _published_text(gdf)
        assert "4512" not in text and "55419" not in text
        cache.save()
        assert "55419" not in cache.path.read_text()  # the matched address is not kept in the cache either


def test_an_old_cache_holding_a_matched_address_does_not_leak_it(tmp_path):
    import json

    path = tmp_path / "cache.json"
    key = "4512 ELM STREET|MINNEAPOLIS||MN|"
    path.write_text(json.dumps({key: {"lon": -93.300412, "lat": 44.917623, "precision": "address",
                                      "method": "census: 4512 ELM ST, MINNEAPOLIS, MN, 55419",
                                      "provider": "census"}}))
    src = tmp_path / "in.csv"
    src.write_text("date,title,street,city,state,source_url\n"
                   "2025-06-01,Arrested at home,4512 Elm Street,Minneapolis,MN,https://example.org/h1\n")
    gdf, _ = map_incidents(read_table(src), geocoder=Geocoder([GazetteerProvider()], DiskCache(path)))
    assert gdf.iloc[0]["location_method"].startswith("census: matched a street address")
    assert "4512" not in _published_text(gdf)


def test_street_address_words():
    assert has_street_address("Agents came to 1200 W 38th St. at dawn")
    assert has_street_address("77 Martin Luther King Jr Blvd")
    assert not has_street_address("ICE Arrests 3 Men On Lake Street")
    assert not has_street_address("In 2025 agents came")
    assert without_house_numbers("Raid at the 12 Oak Ave home") == "Raid near Oak Ave home"
    assert generalise_place("4512 Elm, Minneapolis") == "near Elm, Minneapolis"
    assert generalise_place("Hennepin County Government Center") == "Hennepin County Government Center"
