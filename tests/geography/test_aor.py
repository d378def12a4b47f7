"""ICE areas of responsibility: the polygons, the join of incidents to them, the filter, the layers."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from geodata import View, load_bundle, select
from geodata.core.report import GeodataError
from geodata.core.schema import CRS
from geodata.geography.aor import (
    AOR_DIR,
    AOR_FILE,
    assign_aors,
    counts_by_aor,
    decode_aor_areas,
    encode_aor_areas,
    load_aor_areas,
    save_aor_areas,
    single_aor_states,
)
from geodata.geography.regions import load_regions
from geodata.imports.bundle import build_aor_areas
from geodata.sources.uwchr import read_county_aor
from geodata.view import area_frames
from geodata.view.selection import incident_aors

SHOOTING = "2026-01-07-shooting-renee-nicole-good"


def test_rebuild_equals_committed_aor_file(shared_data, tmp_path):
    path = save_aor_areas(build_aor_areas(shared_data), tmp_path)
    assert path.read_bytes() == (AOR_DIR / AOR_FILE).read_bytes()


def test_aor_file_names_its_licence_and_source():
    text = (AOR_DIR / AOR_FILE).read_text(encoding="ascii")
    assert '"license":"GPL-3.0"' in text
    assert "University of Washington Center for Human Rights" in text


def test_aor_polygons_cover_the_states_without_overlap():
    areas = load_aor_areas()
    states = load_regions("state")
    assert len(areas) == 24 and "HLG" not in set(areas["aor"])
    union = shapely.union_all(areas.geometry.values)
    land = shapely.union_all(states.geometry.values)
    assert abs(union.area - land.area) < 1e-6 * land.area
    # No two AORs share area (neighbours share only their border).
    overlap = sum(a.intersection(b).area for i, a in enumerate(areas.geometry) for b in areas.geometry[i + 1:])
    assert overlap < 1e-6  # square degrees: about 0.01 km2, rounding only
    assert areas["counties"].sum() == len(load_regions("county"))
    # Every state is in the AOR of all of its counties in UWCHR's table; Texas has five AORs' worth of area.
    whole = single_aor_states(areas)
    assert whole["MN"] == "SPM" and whole["CT"] == "BOS" and whole["AK"] == "SEA"
    assert "TX" not in whole and "CA" not in whole and "NY" not in whole


def test_fips_changes_are_mapped(shared_data):
    table = read_county_aor(shared_data / "uwchr" / "county_aor_2024_fips.csv",
                            ["02270", "46113", "51515", "09001", "27053"])
    got = dict(zip(table["county_fips"], zip(table["aor"], table["how"])))
    assert got["02270"] == ("SEA", "renamed")  # Wade Hampton -> Kusilvak
    assert got["46113"] == ("SPM", "renamed")  # Shannon -> Oglala Lakota
    assert got["51515"][1] == "renamed"  # Bedford city -> Bedford County
    assert got["09001"] == ("BOS", "state")  # Connecticut's counties: the state's one AOR
    assert got["27053"] == ("SPM", "table")


def test_county_of_a_shared_state_without_aor_is_an_error(tmp_path):
    path = tmp_path / "county_aor.csv"
    pd.DataFrame({"geoid": ["48001", "48003"], "aor": ["DAL", "ELP"]}).to_csv(path, index=False)
    with pytest.raises(GeodataError, match="48999 has no AOR"):
        read_county_aor(path, ["48001", "48999"])


def test_encode_decode_round_trip():
    areas = load_aor_areas()
    again = decode_aor_areas(encode_aor_areas(areas))
    assert list(again["aor"]) == list(areas["aor"])
    assert all(a.equals(b) for a, b in zip(again.geometry, areas.geometry))


def _points(rows):
    geoms = [Point(lon, lat) if lon is not None else None for lon, lat, *_ in rows]
    return gpd.GeoDataFrame(
        {"location_precision": [r[2] for r in rows], "state": [r[3] for r in rows]}, geometry=geoms, crs=CRS
    )


def test_assign_aors_by_place_state_and_sea():
    pts = _points([
        (-93.2650, 44.9778, "city", "MN"),  # Minneapolis
        (-106.44, 31.76, "city", "TX"),  # El Paso
        (-95.37, 29.76, "address", "TX"),  # Houston
        (-94.3, 46.3, "state", "MN"),  # Minnesota, known only to the state
        (-99.0, 31.0, "state", "TX"),  # Texas: several AORs
        (-40.0, 30.0, "city", None),  # the Atlantic
        (None, None, "city", "MN"),
    ])
    got = assign_aors(pts)
    assert got["aor"].tolist()[:4] == ["SPM", "ELP", "HOU", "SPM"]
    assert got["match"].tolist() == ["within", "within", "within", "state", "too_coarse", "outside", "unplaced"]
    assert got["aor"].iloc[4:].isna().all()


def test_assign_aors_joins_each_place_once_and_keeps_the_order():
    many = _points([(-93.2650, 44.9778, "city", "MN"), (-106.44, 31.76, "city", "TX")] * 500)
    got = assign_aors(many)
    assert got["aor"].tolist() == ["SPM", "ELP"] * 500


def test_minneapolis_shooting_is_under_st_paul():
    bundle = load_bundle()
    shooting = bundle.incidents[bundle.incidents["id"] == SHOOTING]
    assert len(shooting) == 1 and pd.isna(shooting["facility_id"].iloc[0])
    assert incident_aors(shooting).iloc[0] == "SPM"
    frames = select(bundle.facilities, bundle.incidents, View(aors=("SPM",)))
    assert SHOOTING in set(frames["incidents"]["id"])
    elsewhere = select(bundle.facilities, bundle.incidents, View(aors=("ELP",)))
    assert SHOOTING not in set(elsewhere["incidents"]["id"])


def test_aor_filter_keeps_incidents_by_place_or_facility(tiny_facilities, tiny_incidents):
    fac = tiny_facilities.assign(aor=["HLG", "SPM", "MIA"])  # ICE's own label, not the polygon's
    inc = tiny_incidents.assign(facility_id=[None] * len(tiny_incidents))
    inc["facility_id"] = inc["facility_id"].astype(object)
    inc.loc[inc.index[0], "facility_id"] = "fac-tx-a"
    frames = select(fac, inc, View(aors=("HLG",)))
    # No polygon is HLG: the incident is kept for its facility; Minneapolis ones are not.
    assert frames["incidents"]["id"].tolist() == [inc["id"].iloc[0]]
    frames = select(fac, inc, View(aors=("SPM",)))
    assert set(frames["incidents"]["id"]) == set(inc["id"])  # every tiny incident is in Minneapolis


def test_incident_aors_is_cached_per_set_of_places(monkeypatch, tiny_incidents):
    import importlib
    from collections import OrderedDict

    view = importlib.import_module("geodata.view.selection")
    monkeypatch.setattr(view, "_AOR_CACHE", OrderedDict())
    calls = []
    real = view.assign_aors
    monkeypatch.setattr(view, "assign_aors", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = incident_aors(tiny_incidents.assign(state="MN"))
    again = incident_aors(tiny_incidents.assign(state="MN"))
    assert first.tolist() == again.tolist() and len(calls) == 1
    moved = tiny_incidents.assign(state="MN", geometry=[Point(-106.44, 31.76)] * len(tiny_incidents))
    assert set(incident_aors(moved)) == {"ELP"} and len(calls) == 2


def test_counts_by_aor_counts_and_sums():
    bundle = load_bundle()
    counts = counts_by_aor(bundle.incidents)
    assert counts["count"].sum() == counts.attrs["counted"]
    assert counts.attrs["counted"] + len(counts.attrs["too_coarse"]) + len(counts.attrs["outside"]) \
        + len(counts.attrs["unplaced"]) == len(bundle.incidents)
    detained = counts_by_aor(bundle.facilities, weight="adp")
    assert detained["count"].sum() == pytest.approx(bundle.facilities["adp"].where(
        assign_aors(bundle.facilities.drop(columns="location_precision"))["aor"].notna(), 0).sum(), abs=24)


def test_aor_layers_render_names_and_counts():
    from layers import build_map
    from layers.areas import aor_areas_layer, aor_counts_layer

    areas = load_aor_areas()
    layer = aor_areas_layer(areas)
    tips = layer.tooltips()
    assert tips["SPM"] == "St. Paul (SPM): IA, MN, ND, NE, SD; 398 counties"
    # Neighbours differ in colour.
    fills = layer.fills()
    spm, chi = areas.set_index("aor").geometry["SPM"], areas.set_index("aor").geometry["CHI"]
    assert spm.touches(chi) and fills["SPM"] != fills["CHI"]

    pts = _points([(-93.2650, 44.9778, "city", "MN")] * 3 + [(-106.44, 31.76, "city", "TX")]
                  + [(-99.0, 31.0, "state", "TX")]).assign(id=["a", "b", "c", "d", "e"])
    counts = aor_counts_layer(counts_by_aor(pts))
    assert counts.tooltips() == {"SPM": "St. Paul (SPM): 3 incidents", "ELP": "El Paso (ELP): 1 incident"}
    assert "Not counted: 1 incident known only to a state that several AORs share." in counts.notes
    html = build_map(None, None, tiles=None, overlays=[layer, counts]).get_root().render()
    assert "ICE areas of responsibility" in html and "Incidents by ICE area of responsibility" in html
    assert "GPL-3.0" in html


def test_data_notice_names_the_new_sources_and_licences():
    from pathlib import Path

    notice = (Path(__file__).resolve().parents[2] / "DATA.md").read_text(encoding="utf-8")
    for file, licence in (("uwchr/ice-aor-areas.json", "GPL-3.0"),
                          ("uwchr/facility-headcount-monthly.csv", "GPL-3.0"),
                          ("ice-offices.geojson", "CC0 1.0"),
                          ("ddp-arrests-weekly.csv", "CC0 1.0")):
        row = next(line for line in notice.splitlines() if file in line)
        assert licence in row, f"{file}: its row of DATA.md does not give {licence}"
    assert "University of Washington Center for Human Rights" in notice
    assert "Deportation Data Project" in notice


def test_area_overlays_shade_people_detained_and_say_which_figure(tiny_facilities):
    from layers.areas import area_overlays

    fac = tiny_facilities.assign(adp_in_range=[50.0, 7.0, 3.0])
    counted = area_frames({"facilities": fac}, areas=load_aor_areas(), aor_map="detained")
    assert list(counted) == ["aor_detained"] and counted["aor_detained"].attrs["weight"] == "adp_in_range"
    (layer,) = area_overlays(counted)
    assert layer.tooltips() == {"ELP": "El Paso (ELP): 50 people detained on an average day",
                                "SPM": "St. Paul (SPM): 7 people detained on an average day"}
    assert any("Average over the dates shown" in n for n in layer.notes)
    (fy26,) = area_overlays(area_frames({"facilities": fac.assign(adp_in_range=float("nan"))},
                                        areas=load_aor_areas(), aor_map="detained"))
    assert fy26.tooltips()["ELP"] == "El Paso (ELP): 100 people detained on an average day"  # ICE's adp, rounded
    assert any("FY2026 average" in n for n in fy26.notes)
    assert area_frames({"facilities": fac}, areas=load_aor_areas()) == {}
    assert area_overlays({}) == []
