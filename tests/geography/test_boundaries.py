"""The bundled US outlines of the offline base map (geodata.geography.boundaries)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from geodata import GeodataError, load_bundle
from geodata.geography.boundaries import (
    BASEMAP_DIR,
    BASEMAP_FILE,
    BOUNDARY_KINDS,
    build_boundaries,
    decode_boundaries,
    decode_ints,
    encode_boundaries,
    encode_ints,
    load_boundaries,
    save_boundaries,
)


def test_rebuild_equals_committed_outlines(shared_data, tmp_path):
    path = save_boundaries(build_boundaries(shared_data), tmp_path)
    committed = (BASEMAP_DIR / BASEMAP_FILE).read_text(encoding="ascii")
    assert path.read_text(encoding="ascii") == committed, (
        "us-outline.json differs: run `geodata build-basemap` and commit the result"
    )


def test_bundled_outlines_stay_small():
    assert (BASEMAP_DIR / BASEMAP_FILE).stat().st_size < 300_000


def test_polyline_encoding_matches_the_reference_example():
    # Google's documented example, at its precision of five decimals.
    points = np.array([[38.5, -120.2], [40.7, -120.95], [43.252, -126.453]])
    ints = np.round(points * 1e5).astype(np.int64)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    assert encode_ints(deltas) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert decode_ints("_p~iF~ps|U_ulLnnqC_mqNvxq`@").tolist() == deltas.tolist()


def test_encode_decode_round_trip_keeps_rings_holes_and_lines():
    shell = [(-100, 40), (-90, 40), (-90, 45), (-100, 45), (-100, 40)]
    hole = [(-96, 41), (-94, 41), (-94, 43), (-96, 41)]
    island = [(-80.1234, 25.5), (-80.0, 25.5), (-80.0, 25.6), (-80.1234, 25.5)]
    gdf = gpd.GeoDataFrame(
        {"kind": ["land", "state", "county"]},
        geometry=[
            MultiPolygon([Polygon(shell, [hole]), Polygon(island)]),
            MultiLineString([[(-95, 40), (-95, 45)], [(-100, 42.0004), (-90, 42.0004)]]),
            # A line that rounding shrinks to one point is left out.
            MultiLineString([[(-99, 44), (-91, 41)], [(-97.0001, 44), (-97.0002, 44)]]),
        ],
        crs="EPSG:4326",
    )
    back = decode_boundaries(encode_boundaries(gdf))
    assert back["kind"].tolist() == ["land", "state", "county"]
    land = back.geometry[0]
    assert len(land.geoms) == 2 and len(land.geoms[0].interiors) == 1
    assert land.geoms[1].exterior.coords[0] == (-80.123, 25.5)  # three decimals
    assert land.equals(gdf.geometry[0]) or land.symmetric_difference(gdf.geometry[0]).area < 1e-3
    assert [list(line.coords) for line in back.geometry[1].geoms] == [
        [(-95.0, 40.0), (-95.0, 45.0)],
        [(-100.0, 42.0), (-90.0, 42.0)],
    ]
    assert len(back.geometry[2].geoms) == 1


def test_decoding_a_truncated_file_fails_loudly():
    gdf = gpd.GeoDataFrame({"kind": ["state"]}, geometry=[MultiLineString([LineString([(0, 0), (1, 1)])])])
    doc = json.loads(encode_boundaries(gdf))
    doc["layers"][0]["counts"] = [1]
    with pytest.raises(ValueError, match="counts cover 1 of 2 points"):
        decode_boundaries(json.dumps(doc))


@pytest.fixture(scope="module")
def outlines() -> gpd.GeoDataFrame:
    return load_boundaries()


def test_outlines_cover_the_country_in_lon_lat(outlines):
    assert outlines["kind"].tolist() == list(BOUNDARY_KINDS)
    land, states, counties, _neighbours = outlines.geometry
    minx, miny, maxx, maxy = land.bounds
    # Longitude first; the Aleutians west of 180 degrees run on below -180.
    assert -190 < minx < -180 and -66 < maxx < -65
    assert 17 < miny < 18 and 71 < maxy < 72
    assert 40 < len(states.geoms) < 400
    assert len(counties.geoms) > 3000
    # A state border is never the coast: no state line runs along the land's edge.
    coast = land.boundary
    assert shapely.length(shapely.intersection(states, coast.buffer(1e-6))) < 0.02 * states.length


def test_every_placed_facility_is_on_the_outline_land(outlines):
    land = outlines.geometry[0]
    fac = load_bundle().facilities
    fac = fac[fac.geometry.notna() & fac["state"].isin(_STATES_AND_PR)]
    assert len(fac) > 150
    # ZIP centroids are inland; allow the 1 km simplification.
    off = fac[shapely.distance(fac.geometry.values, land) > 0.02]
    assert off.empty, off[["id", "state"]].to_string()


_STATES_AND_PR = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR",
}


# -- the neighbours' land (Natural Earth) -----------------------------------------------------------


def test_mexico_is_land_up_to_the_census_border_with_no_strip_of_water():
    from geodata.geography.boundaries import load_boundaries

    layers = dict(zip(*[load_boundaries()[c] for c in ("kind", "geometry")]))
    land, neighbours = layers["land"], layers["neighbours"]
    # Cities just across the border are on the neighbours' land, not the US's, and not in the sea.
    for lon, lat in ((-106.45, 31.70), (-117.03, 32.50), (-110.94, 31.30), (-99.51, 27.47), (-97.50, 25.87)):
        assert neighbours.contains(shapely.Point(lon, lat)) and not land.contains(shapely.Point(lon, lat))
    for lon, lat in ((-96.0, 26.0), (-118.0, 32.0)):  # the Gulf and the Pacific stay water
        assert not neighbours.contains(shapely.Point(lon, lat))
    # Every bit of the US's edge along the land border touches Mexico (the coasts, west of -117.1 and east
    # of -97.7, left out).
    edge = shapely.intersection(land.boundary, shapely.box(-117.1, 25.8, -97.7, 32.8))
    assert edge.length > 20
    assert shapely.difference(edge, shapely.buffer(neighbours, 0.005)).length < 0.01
    # Drawn under the US, never over it (apart from rounding to 3 decimals).
    assert shapely.intersection(land, neighbours).area < 1e-3


def test_canada_is_not_drawn_for_its_natural_earth_polygon_fills_the_great_lakes():
    from geodata.geography.boundaries import NATURAL_EARTH_FILE, load_boundaries

    world = gpd.read_file(NATURAL_EARTH_FILE)
    canada = world.loc[world["iso_a3"] == "CAN"].geometry.iloc[0]
    lake_ontario, toronto = shapely.Point(-77.8, 43.7), shapely.Point(-79.38, 43.65)
    assert canada.contains(lake_ontario)  # the reason (docs/outline-map.md): the lakes would be land
    neighbours = dict(zip(*[load_boundaries()[c] for c in ("kind", "geometry")]))["neighbours"]
    assert not neighbours.contains(lake_ontario) and not neighbours.contains(toronto)


def test_missing_natural_earth_file_is_one_clear_error(tmp_path):
    from geodata.geography.boundaries import neighbour_land

    with pytest.raises(GeodataError, match="Natural Earth"):
        neighbour_land(shapely.box(0, 0, 1, 1), tmp_path / "nope.shp")
