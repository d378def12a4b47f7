"""Finding a facility, a person named in a death record, or a place (geodata.view.search)."""

from __future__ import annotations

import pytest

from geodata import load_bundle
from geodata.geography.places import load_places
from geodata.view.search import focus_place, parse_focus, search, search_index


@pytest.fixture(scope="module")
def index():
    b = load_bundle()
    return search_index(b.facilities, b.facility_years, b.incidents, load_places())


def test_a_facility_is_found_by_a_name_it_had_in_an_older_list(index):
    b = load_bundle()
    years = b.facility_years
    # A facility whose name in some list differs from the current one.
    cur = b.facilities.set_index("id")["name"]
    placed = b.facilities.loc[b.facilities.geometry.notna(), "id"]
    other = years[(years["name"] != years["facility_id"].map(cur)) & (years["name"].str.len() > 3)
                  & years["facility_id"].isin(placed)]
    row = other.iloc[0]
    got = search(index, row["name"], limit=50)
    assert row["facility_id"] in set(got["id"])
    assert f"({row['name']})" in got.set_index("id").loc[row["facility_id"], "label"]  # the old name is shown


def test_a_person_named_in_a_death_record_is_found_accents_and_case_ignored(index):
    got = search(index, "lunas CAMPOS")
    assert got["id"].tolist()[0] == "2026-01-03-death-geraldo-lunas-campos"
    assert got["kind"].tolist()[0] == "death"


def test_a_place_is_found_and_focused_as_a_point(index):
    got = search(index, "brownsville")
    place = got[got["kind"] == "place"].iloc[0]
    value, point = parse_focus(place["id"])
    assert value == place["id"] and point == pytest.approx((place["lat"], place["lon"]), abs=1e-4)


def test_every_word_must_match_and_nothing_is_found_for_nonsense(index):
    assert search(index, "zzqx").empty and search(index, "").empty
    assert all("el" in t and "paso" in t for t in search(index, "el paso", limit=50)["text"])


def test_bad_focus_values_are_ignored():
    assert parse_focus("place:999,0") is None and parse_focus("place:x") is None and parse_focus("") is None
    assert parse_focus(focus_place(31.75, -106.48)) == ("place:31.7500,-106.4800", (31.75, -106.48))


def test_a_state_is_found_as_an_area_to_zoom_to():
    from geodata.geography.regions import load_regions

    ix = search_index(states=load_regions("state"))
    value, bounds = parse_focus(search(ix, "minnesota")["id"][0])
    assert value.startswith("bbox:") and bounds[0] < -93 < bounds[2] and bounds[1] < 45 < bounds[3]


def test_chosen_aors_are_zoomed_to_as_one_area():
    from geodata.geography.aor import load_aor_areas
    from geodata.view.search import aor_focus

    _, (w, s, e, n) = parse_focus(aor_focus(load_aor_areas(), ["SPM"]))
    assert w < -96 and e > -91 and s < 41 and n > 48  # Minnesota, Iowa, Nebraska, the Dakotas
    assert aor_focus(load_aor_areas(), ["HLG"]) is None  # no polygon: no zoom
