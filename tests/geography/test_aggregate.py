"""Incidents counted by state and county (geodata.geography.regions), and the bundled region polygons."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from geodata import load_bundle
from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE
from geodata.geography.regions import (
    PER_100K_UNAVAILABLE,
    REGIONS_DIR,
    REGIONS_FILE,
    assign_regions,
    build_regions,
    counts_by_region,
    decode_regions,
    encode_polygon,
    encode_regions,
    load_regions,
    save_regions,
    typical_radius_m,
)
from layers import UNCERTAINTY_RADIUS_M

#: Hand-checked places: (lat, lon) -> state FIPS, county FIPS.
PLACES = {
    "minneapolis": ((44.9778, -93.2650), "27", "27053"),  # Hennepin County, MN
    "st-paul": ((44.9537, -93.0900), "27", "27123"),  # Ramsey County, MN
    "san-juan": ((18.4655, -66.1057), "72", "72127"),  # San Juan Municipio, PR
    "honolulu": ((21.3069, -157.8583), "15", "15003"),  # Honolulu County, HI
    "attu": ((52.90, 173.20), "02", "02016"),  # Aleutians West, west of 180 degrees
    "key-west": ((24.5551, -81.7800), "12", "12087"),  # Monroe County, FL
    "el-paso": ((31.7677, -106.3016), "48", "48141"),  # El Paso County, TX
}


def incidents(rows: list[tuple[str, tuple[float, float] | None, str]]) -> gpd.GeoDataFrame:
    ids, precisions, geoms = [], [], []
    for id_, where, precision in rows:
        ids.append(id_)
        precisions.append(precision)
        geoms.append(Point(where[1], where[0]) if where else None)
    return gpd.GeoDataFrame({"id": ids, "location_precision": precisions}, geometry=geoms, crs="EPSG:4326")


def hand_checked() -> gpd.GeoDataFrame:
    rows = [(name, where, "city") for name, (where, _, _) in PLACES.items()]
    rows += [
        ("minneapolis-2", PLACES["minneapolis"][0], "address"),
        ("sea", (35.0, -60.0), "city"),  # the Atlantic, 900 km off North Carolina
        ("guam", (13.44, 144.79), "city"),  # a territory the Census 2010 files do not hold
        ("mn-state", (45.5442, -94.1082), "state"),  # Minnesota, known only to the state
        ("nowhere", None, "city"),
    ]
    return incidents(rows)


# --- joining ---------------------------------------------------------------------------


def test_hand_checked_points_land_in_their_state_and_county():
    gdf = hand_checked()
    by_state = assign_regions(gdf, "state")
    by_county = assign_regions(gdf, "county")
    for k, name in enumerate(gdf["id"]):
        if name in PLACES:
            assert by_state["region_id"].iloc[k] == PLACES[name][1], name
            assert by_county["region_id"].iloc[k] == PLACES[name][2], name
    assert by_state["match"].tolist()[-5:] == ["within", "outside", "outside", "within", "unplaced"]
    assert by_county["match"].tolist()[-5:] == ["within", "outside", "outside", "too_coarse", "unplaced"]


def test_counts_by_state_count_each_place_and_report_the_rest():
    counts = counts_by_region(hand_checked(), "state")
    got = dict(zip(counts["region_id"], counts["count"]))
    assert got["27"] == 4  # Minneapolis twice, St Paul, and the state-level deployment
    assert got["72"] == 1 and got["15"] == 1 and got["02"] == 1 and got["12"] == 1 and got["48"] == 1
    assert counts["count"].sum() == 9 == counts.attrs["counted"]
    assert len(counts) == 52 and (counts["count"] >= 0).all()  # zero counts are rows too
    # Not dropped silently: each left-out incident is named with its reason.
    assert counts.attrs["outside"] == ["sea", "guam"]
    assert counts.attrs["unplaced"] == ["nowhere"]
    assert counts.attrs["too_coarse"] == []
    assert counts.loc[counts["region_id"] == "27", "name"].item() == "Minnesota"


def test_counts_by_county_leave_out_a_state_level_place():
    counts = counts_by_region(hand_checked(), "county")
    got = dict(zip(counts["region_id"], counts["count"]))
    assert got["27053"] == 2 and got["27123"] == 1 and got["72127"] == 1
    assert counts["count"].sum() == 8
    assert counts.attrs["too_coarse"] == ["mn-state"]
    hennepin = counts[counts["region_id"] == "27053"].iloc[0]
    assert (hennepin["name"], hennepin["state"]) == ("Hennepin County", "MN")
    assert len(counts) == 3221


def test_a_point_just_off_the_simplified_coast_is_counted_in_the_nearest_region():
    states = load_regions("state")
    florida = states[states["state"] == "FL"].geometry.iloc[0]
    # 1 km east of Florida's easternmost simplified vertex: in the sea of the
    # simplified polygon, within NEAR_DEGREES of it.
    coords = shapely.get_coordinates(florida)
    x, y = coords[np.argmax(coords[:, 0])]
    gdf = incidents([("off-coast", (y, x + 0.009), "city"), ("far", (y, x + 0.5), "city")])
    assert not florida.contains(gdf.geometry.iloc[0])
    counts = counts_by_region(gdf, "state")
    assert counts.loc[counts["state"] == "FL", "count"].item() == 1
    assert counts.attrs["near"] == ["off-coast"] and counts.attrs["outside"] == ["far"]


def test_every_bundled_incident_is_counted_in_the_state_its_record_names():
    inc = load_bundle().incidents
    assigned = assign_regions(inc, "state")
    postal = load_regions("state").set_index("region_id")["state"]
    got = assigned["region_id"].map(postal)
    wrong = inc[got.to_numpy() != inc["state"].to_numpy()]
    assert wrong.empty, wrong[["id", "state"]].to_string()


def test_reprojected_frame_gives_the_same_counts():
    gdf = hand_checked()
    placed = gdf[gdf.geometry.notna()].to_crs("EPSG:3857")
    a = counts_by_region(placed, "state")
    b = counts_by_region(gdf[gdf.geometry.notna()], "state")
    assert a["count"].tolist() == b["count"].tolist()


# --- per 100,000 residents ---------------------------------------------------------------


def test_per_100k_only_with_population_figures():
    counts = counts_by_region(hand_checked(), "state")
    assert "per_100k" not in counts.columns
    assert counts.attrs["per_100k"] == PER_100K_UNAVAILABLE
    with_pop = counts_by_region(hand_checked(), "state", population={"MN": 5_303_925, "72": 3_725_789, "15": 0})
    rate = dict(zip(with_pop["region_id"], with_pop["per_100k"]))
    assert rate["27"] == pytest.approx(4 / 5_303_925 * 100_000)
    assert rate["72"] == pytest.approx(1 / 3_725_789 * 100_000)
    assert math.isnan(rate["15"])  # a population of 0 gives no rate, not infinity
    assert math.isnan(rate["48"])  # no figure for Texas: none made up
    assert with_pop.attrs["per_100k"] is True


def test_population_frame_must_name_its_columns():
    frame = pd.DataFrame({"region_id": ["27053"], "population": [1_152_425]})
    counts = counts_by_region(hand_checked(), "county", population=frame)
    assert counts.loc[counts["region_id"] == "27053", "per_100k"].item() == pytest.approx(2 / 1_152_425 * 1e5)
    with pytest.raises(ValueError, match="region_id and population"):
        counts_by_region(hand_checked(), "county", population=pd.DataFrame({"fips": ["27053"], "n": [1]}))


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level must be one of"):
        counts_by_region(hand_checked(), "city")


# --- the bundled polygons --------------------------------------------------------------------


def test_rebuild_equals_committed_regions(shared_data, tmp_path):
    path = save_regions(build_regions(shared_data), tmp_path)
    committed = (REGIONS_DIR / REGIONS_FILE).read_text(encoding="ascii")
    assert path.read_text(encoding="ascii") == committed, (
        "us-regions.json differs: run `geodata build-regions` and commit the result"
    )


def test_bundled_boundaries_stay_under_a_megabyte():
    regions = (REGIONS_DIR / REGIONS_FILE).stat().st_size
    outline = (BASEMAP_DIR / BASEMAP_FILE).stat().st_size
    assert regions < 700_000
    assert regions + outline < 1_000_000


def test_regions_are_valid_and_states_are_the_sum_of_their_counties():
    states, counties = load_regions("state"), load_regions("county")
    assert len(states) == 52 and len(counties) == 3221
    assert states.geometry.is_valid.all() and counties.geometry.is_valid.all()
    assert set(states["state"]) >= {"DC", "PR", "AK", "HI"}
    assert states["region_id"].is_unique and counties["region_id"].is_unique
    assert counties.loc[counties["region_id"] == "35013", "name"].item() == "Do\u00f1a Ana County"  # Latin-1 read right
    for code in ("MN", "PR", "AK"):
        state = states[states["state"] == code].geometry.iloc[0]
        parts = counties[counties["state"] == code].geometry
        assert shapely.union_all(parts.values).symmetric_difference(state).area < 1e-6 * state.area + 1e-9


def test_region_encoding_round_trips():
    shell = [(-100, 40), (-90, 40), (-90, 45), (-100, 45), (-100, 40)]
    hole = [(-96, 41), (-94, 41), (-94, 43), (-96, 41)]
    geom = shapely.MultiPolygon([shapely.Polygon(shell, [hole]), shapely.Polygon([(-80, 25), (-79, 25), (-79, 26)])])
    frame = gpd.GeoDataFrame(
        {"region_id": ["01"], "name": ["A"], "state": ["AL"], "area_km2": [12.5]}, geometry=[geom], crs="EPSG:4326"
    )
    back = decode_regions(encode_regions({"state": frame, "county": frame.iloc[:0]}))
    assert back["state"]["name"].tolist() == ["A"] and len(back["county"]) == 0
    assert back["state"].geometry.iloc[0].equals(geom)
    counts, points = encode_polygon(geom)
    assert counts == [[5, 4], [4]] and isinstance(points, str)


def test_uncertainty_radii_follow_the_data():
    # County and state circles are as large as the median county and state.
    assert typical_radius_m("county") == pytest.approx(UNCERTAINTY_RADIUS_M["county"], rel=0.03)
    assert typical_radius_m("state") == pytest.approx(UNCERTAINTY_RADIUS_M["state"], rel=0.03)
    # A generalised home is the centre of its H3 cell of resolution 8.
    assert UNCERTAINTY_RADIUS_M["block"] == pytest.approx(h3.average_hexagon_edge_length(8, "m"), abs=1)
    order = [UNCERTAINTY_RADIUS_M[k] for k in ("address", "block", "zip", "city", "county", "state")]
    assert order == sorted(order) and order[0] == 0


def test_regions_file_names_its_source():
    doc = json.loads((REGIONS_DIR / REGIONS_FILE).read_text(encoding="ascii"))
    assert "Census" in doc["source"] and "public domain" in doc["source"]
    assert [level["level"] for level in doc["levels"]] == ["state", "county"]
