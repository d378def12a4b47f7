"""Incidents counted by region (state or county), for a choropleth.

The regions are the Census Bureau's 2010 cartographic boundaries (1:20,000,000,
public domain) in ``shared/data/census-cartographic-2010/``, bundled small as
polygons in ``geodata/data/regions/us-regions.json``: 52 states (50, DC and
Puerto Rico) and 3,221 counties (and county equivalents: parishes, boroughs,
census areas, independent cities, Puerto Rico's municipios).  Rebuild with
``geodata build-regions``; a test checks that a rebuild equals the
committed file.

How it is made: as the outline map (:mod:`geodata.geography.boundaries`), the counties
are simplified together (about 1 km) so that neighbours keep one shared
border, and each state is the union of its simplified counties; so a state's
polygon is exactly the sum of its counties, and both match the outline map's
borders.  The Aleutians west of 180 degrees are shifted by -360 degrees.

File format (JSON): per level, a list of regions (``id``: FIPS code, ``name``,
``state``: postal code, ``area_km2``: land area from the Census file,
``counts``: ring sizes per polygon) and one Google "encoded polyline" string
of all their vertices (lat, lon, ``precision`` decimals, each point a delta
from the one before, running on across rings and regions), as in
``us-outline.json``.

The Census 2010 cartographic files hold no population; a count per 100,000
residents is computed only from figures the caller supplies.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.atomic import write_text_in
from ..core.paths import DATA_DIR
from ..core.report import GeodataError
from ..core.schema import CRS, LOCATION_PRECISIONS, STATE_NAMES
from .boundaries import (
    PRECISION,
    TOLERANCE,
    decode_ints,
    decode_multipolygon,
    encode_ints,
    rounded_latlon,
    west_of_antimeridian,
)

__all__ = [
    "LEVELS",
    "NEAR_DEGREES",
    "PER_100K_UNAVAILABLE",
    "REGIONS_DIR",
    "REGIONS_FILE",
    "REGION_INPUTS",
    "assign_regions",
    "build_regions",
    "counts_by_region",
    "decode_regions",
    "encode_polygon",
    "encode_regions",
    "load_regions",
    "save_regions",
    "typical_radius_m",
]

#: Paths under the shared data folder that the regions are built from.
REGION_INPUTS = {
    "states": "census-cartographic-2010/gz_2010_us_040_00_20m.json",
    "counties": "census-cartographic-2010/gz_2010_us_050_00_20m.json",
}
REGIONS_DIR = DATA_DIR / "regions"
REGIONS_FILE = "us-regions.json"
LEVELS = ("state", "county")

#: A point this close to a region (in degrees, about 2 km), but outside every
#: region, is counted in the nearest one: the simplified coast (about 1 km) can
#: leave a harbour or a barrier island just outside.  Further out it is reported.
NEAR_DEGREES = 0.02

PER_100K_UNAVAILABLE = "not available: no population figures were supplied (the bundled Census boundaries have none)"

SQ_MILE_KM2 = 2.589988110336

#: The Census file's LSAD codes in words ("Hennepin County", "Alexandria city").
_LSAD_WORDS = {
    "County": "County",
    "Parish": "Parish",
    "Borough": "Borough",
    "city": "city",
    "CA": "Census Area",
    "Cty&Bor": "City and Borough",
    "Muno": "Municipio",
    "Muny": "Municipality",
    "": "",
}

_SOURCE = (
    "U.S. Census Bureau, 2010 cartographic boundary files 1:20,000,000 (gz_2010_us_040_00_20m, "
    "gz_2010_us_050_00_20m), public domain; simplified by geodata.aggregate"
)
_COLUMNS = ("region_id", "name", "state", "area_km2")


# -- building ----------------------------------------------------------------------


def build_regions(shared_data: str | Path, tolerance: float = TOLERANCE) -> dict[str, gpd.GeoDataFrame]:
    """State and county polygons from the Census files.

    Returns
    -------
    dict
        ``{"state": gdf, "county": gdf}``, each in EPSG:4326 with columns
        ``region_id`` (FIPS: ``"27"``, ``"27053"``), ``name``, ``state``
        (postal code), ``area_km2`` (land area, from the Census file) and
        MultiPolygon geometries, sorted by ``region_id``.
    """
    shared_data = Path(shared_data)
    paths = {k: shared_data / v for k, v in REGION_INPUTS.items()}
    for path in paths.values():
        if not path.is_file():
            raise GeodataError(f"missing input {path}")
    # The county file is Latin-1, not UTF-8 ("Doña Ana"); the state file is ASCII.
    counties_doc = json.loads(paths["counties"].read_bytes().decode("latin-1"))
    states_doc = json.loads(paths["states"].read_bytes().decode("latin-1"))

    state_props = {f["properties"]["STATE"]: f["properties"] for f in states_doc["features"]}
    postal = {fips: STATE_NAMES[p["NAME"].upper()] for fips, p in state_props.items()}

    features = sorted(counties_doc["features"], key=lambda f: f["properties"]["GEO_ID"])
    props = [f["properties"] for f in features]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    geoms = shapely.transform(geoms, west_of_antimeridian)
    geoms = shapely.coverage_simplify(geoms, tolerance)
    # Snap to the stored grid here, not while writing: rounding can make a
    # polygon cross itself, and set_precision keeps it valid.  Shared borders
    # snap alike, so neighbours still fit.
    geoms = shapely.set_precision(geoms, 10.0**-PRECISION)
    state_fips = np.array([p["STATE"] for p in props])

    counties = gpd.GeoDataFrame(
        {
            "region_id": [p["STATE"] + p["COUNTY"] for p in props],
            "name": [_county_name(p) for p in props],
            "state": [postal[p["STATE"]] for p in props],
            "area_km2": [round(p["CENSUSAREA"] * SQ_MILE_KM2, 1) for p in props],
        },
        geometry=[multipolygon(g) for g in geoms],
        crs=CRS,
    )
    fips_list = sorted(set(state_fips))
    states = gpd.GeoDataFrame(
        {
            "region_id": fips_list,
            "name": [state_props[f]["NAME"] for f in fips_list],
            "state": [postal[f] for f in fips_list],
            "area_km2": [round(state_props[f]["CENSUSAREA"] * SQ_MILE_KM2, 1) for f in fips_list],
        },
        geometry=[multipolygon(shapely.union_all(geoms[state_fips == f])) for f in fips_list],
        crs=CRS,
    )
    return {"state": states, "county": counties}


def _county_name(p: dict) -> str:
    word = _LSAD_WORDS.get(p["LSAD"], p["LSAD"])
    return f"{p['NAME']} {word}".strip()


def multipolygon(geom) -> shapely.MultiPolygon:
    parts = [p for p in shapely.get_parts(shapely.normalize(geom)) if isinstance(p, shapely.Polygon)]
    return shapely.MultiPolygon(parts)


# -- the file ------------------------------------------------------------------------


def encode_regions(regions: dict[str, gpd.GeoDataFrame], precision: int = PRECISION) -> str:
    """The regions as the JSON text of ``us-regions.json``."""
    factor = 10**precision
    levels = []
    for level in LEVELS:
        gdf = regions[level]
        rows, chunks, last = [], [], np.zeros(2, dtype=np.int64)
        for rec, geom in zip(gdf[list(_COLUMNS)].itertuples(index=False), gdf.geometry):
            counts = []
            for polygon in shapely.get_parts(geom):
                ring_counts = []
                for ring in (polygon.exterior, *polygon.interiors):
                    pts = rounded_latlon(shapely.get_coordinates(ring), factor)
                    if len(pts) < 4:
                        continue  # a sliver that rounding closed up
                    deltas = np.diff(pts, axis=0, prepend=last[None, :])
                    last = pts[-1]
                    chunks.append(encode_ints(deltas.ravel()))
                    ring_counts.append(len(pts))
                if ring_counts:
                    counts.append(ring_counts)
            rows.append(
                {"id": rec.region_id, "name": rec.name, "state": rec.state, "area_km2": rec.area_km2,
                 "counts": counts}
            )
        levels.append({"level": level, "regions": rows, "points": "".join(chunks)})
    doc = {"source": _SOURCE, "encoding": "polyline", "precision": precision, "levels": levels}
    return json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n"


def encode_polygon(geom, precision: int = PRECISION) -> tuple[list[list[int]], str]:
    """One (Multi)Polygon as ``(ring sizes per polygon, encoded polyline)``, starting from 0.

    The form the map's choropleth embeds per region; rings that rounding
    shrinks below four points are left out.
    """
    factor = 10**precision
    counts, chunks, last = [], [], np.zeros(2, dtype=np.int64)
    for polygon in shapely.get_parts(geom):
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        ring_counts = []
        for ring in (polygon.exterior, *polygon.interiors):
            pts = rounded_latlon(shapely.get_coordinates(ring), factor)
            if len(pts) < 4:
                continue
            deltas = np.diff(pts, axis=0, prepend=last[None, :])
            last = pts[-1]
            chunks.append(encode_ints(deltas.ravel()))
            ring_counts.append(int(len(pts)))
        if ring_counts:
            counts.append(ring_counts)
    return counts, "".join(chunks)


def decode_regions(text: str) -> dict[str, gpd.GeoDataFrame]:
    """Read the JSON text of ``us-regions.json`` back into ``{"state": gdf, "county": gdf}``."""
    doc = json.loads(text)
    factor = 10 ** doc["precision"]
    out = {}
    for level in doc["levels"]:
        lonlat = (np.cumsum(decode_ints(level["points"]).reshape(-1, 2), axis=0) / factor)[:, ::-1]
        total = sum(n for r in level["regions"] for ring_counts in r["counts"] for n in ring_counts)
        if total != len(lonlat):
            raise ValueError(f"level {level['level']!r}: counts cover {total} of {len(lonlat)} points")
        at, geoms = 0, []
        for region in level["regions"]:
            geom, at = decode_multipolygon(lonlat, region["counts"], at)
            geoms.append(geom)
        frame = {
            "region_id": [r["id"] for r in level["regions"]],
            "name": [r["name"] for r in level["regions"]],
            "state": [r["state"] for r in level["regions"]],
            "area_km2": [float(r["area_km2"]) for r in level["regions"]],
        }
        out[level["level"]] = gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)
    return out


def save_regions(regions: dict[str, gpd.GeoDataFrame], directory: str | Path = REGIONS_DIR) -> Path:
    """Write ``us-regions.json`` into ``directory``; return its path."""
    return write_text_in(directory, REGIONS_FILE, encode_regions(regions), encoding="ascii")


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    return decode_regions(Path(path).read_text(encoding="ascii"))


def load_regions(level: str = "state", directory: str | Path = REGIONS_DIR) -> gpd.GeoDataFrame:
    """The bundled polygons of one level (``"state"`` or ``"county"``), a fresh copy each call."""
    _check_level(level)
    path = Path(directory) / REGIONS_FILE
    return _load_cached(str(path), path.stat().st_mtime)[level].copy()


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def typical_radius_m(level: str) -> float:
    """Radius in metres of a circle as large as the median region of ``level`` (land area)."""
    area = float(np.median(load_regions(level)["area_km2"]))
    return math.sqrt(area / math.pi) * 1000.0


# -- counting ------------------------------------------------------------------------


def assign_regions(incidents: gpd.GeoDataFrame, level: str = "state", *, regions=None) -> pd.DataFrame:
    """The region each incident is counted in, and how it was found.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points (any CRS; reprojected to EPSG:4326), with ``location_precision``.
    level : "state" or "county"
    regions : geopandas.GeoDataFrame, optional
        Polygons to join to instead of the bundled ones (columns as
        :func:`load_regions`).

    Returns
    -------
    pandas.DataFrame
        One row per incident, in order, indexed like ``incidents``:
        ``region_id`` (None when not counted) and ``match``:

        * ``within``: the point is inside the region;
        * ``near``: within :data:`NEAR_DEGREES` of it (the simplified coast);
        * ``outside``: in no region (the sea, Guam and other territories that the
          Census 2010 files do not hold) -- reported, not counted;
        * ``too_coarse``: known only to a state, so it cannot be put in a county;
        * ``unplaced``: no geometry.
    """
    _check_level(level)
    regions = load_regions(level) if regions is None else regions
    gdf = incidents if incidents.crs is None or incidents.crs.to_epsg() == 4326 else incidents.to_crs(CRS)
    n = len(gdf)
    region_id = np.full(n, None, dtype=object)
    match = np.full(n, "unplaced", dtype=object)

    geoms = gdf.geometry.values
    placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not placed.any():
        return pd.DataFrame({"region_id": region_id, "match": match}, index=gdf.index)
    points = shapely.point_on_surface(geoms[placed])  # a point stays a point
    # As the bundled polygons, longitudes east of 0 run on below -180 (the Aleutians).
    points = shapely.transform(points, west_of_antimeridian)

    too_coarse = np.zeros(n, dtype=bool)
    if level == "county" and "location_precision" in gdf.columns:
        rank = {p: k for k, p in enumerate(LOCATION_PRECISIONS)}
        prec = gdf["location_precision"].fillna("").astype(str).str.strip().str.lower()
        too_coarse = (prec.map(rank).fillna(-1).to_numpy() > rank["county"]) & placed

    rows = np.flatnonzero(placed)
    ids = regions["region_id"].to_numpy(dtype=object)
    polys = regions.geometry.values
    tree = shapely.STRtree(polys)
    hit_point, hit_poly = tree.query(points, predicate="within")
    inside = np.full(len(points), -1)
    inside[hit_point] = hit_poly  # regions do not overlap: at most one each
    rest = np.flatnonzero(inside < 0)
    near = np.full(len(points), -1)
    if len(rest):
        near_point, near_poly = tree.query_nearest(points[rest], max_distance=NEAR_DEGREES, all_matches=False)
        near[rest[near_point]] = near_poly

    for k, row in enumerate(rows):
        if too_coarse[row]:
            match[row] = "too_coarse"
        elif inside[k] >= 0:
            region_id[row], match[row] = ids[inside[k]], "within"
        elif near[k] >= 0:
            region_id[row], match[row] = ids[near[k]], "near"
        else:
            match[row] = "outside"
    return pd.DataFrame({"region_id": region_id, "match": match}, index=gdf.index)


def counts_by_region(
    incidents: gpd.GeoDataFrame,
    level: str = "state",
    *,
    population=None,
    regions=None,
) -> gpd.GeoDataFrame:
    """Incidents per state or county, with the polygons to draw them.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents to count (the current view), with ``id`` and
        ``location_precision``.
    level : "state" or "county"
        At county level, incidents known only to a state are not counted (they
        are listed in ``attrs["too_coarse"]``); a city-level point is counted in
        the county that holds the city's centre.
    population : pandas.Series, mapping or DataFrame, optional
        Residents per region, keyed by ``region_id`` (FIPS; for states also the
        postal code), or a frame with ``region_id`` and ``population`` columns.
        Only then is ``per_100k`` computed; the bundled boundaries have no
        population, and none is made up.
    regions : geopandas.GeoDataFrame, optional
        Other polygons (columns as :func:`load_regions`).

    Returns
    -------
    geopandas.GeoDataFrame
        Every region of the level (zero counts included), sorted by
        ``region_id``: ``region_id``, ``name``, ``state``, ``count``, and with
        ``population``: ``population`` and ``per_100k`` (NaN where the figure is
        missing or zero).  ``attrs`` holds ``level``, ``counted``, and the ids of
        the incidents not counted, by reason: ``outside`` (in no region: the sea,
        territories without bundled boundaries), ``too_coarse``, ``unplaced``;
        ``near`` lists those counted in a region within :data:`NEAR_DEGREES`;
        ``per_100k`` is True, or the reason it is not available.
    """
    _check_level(level)
    regions = load_regions(level) if regions is None else regions.copy()
    assigned = assign_regions(incidents, level, regions=regions)
    counts = assigned["region_id"].dropna().value_counts()
    out = regions[["region_id", "name", "state", "geometry"]].copy()
    out["count"] = out["region_id"].map(counts).fillna(0).astype(int)
    out = out[["region_id", "name", "state", "count", "geometry"]]

    if population is not None:
        pop = _population_series(population, out)
        out["population"] = out["region_id"].map(pop).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = out["count"] / out["population"].where(out["population"] > 0) * 100_000
        out["per_100k"] = rate.astype(float)
        out = out[["region_id", "name", "state", "count", "population", "per_100k", "geometry"]]
    out = out.sort_values("region_id", kind="stable").reset_index(drop=True)

    ids = incidents["id"].astype(str).to_numpy() if "id" in incidents.columns else assigned.index.astype(str)
    ids = pd.Series(ids, index=assigned.index)
    out.attrs = {
        "level": level,
        "counted": int(assigned["region_id"].notna().sum()),
        "outside": ids[assigned["match"] == "outside"].tolist(),
        "too_coarse": ids[assigned["match"] == "too_coarse"].tolist(),
        "unplaced": ids[assigned["match"] == "unplaced"].tolist(),
        "near": ids[assigned["match"] == "near"].tolist(),
        "per_100k": True if population is not None else PER_100K_UNAVAILABLE,
    }
    return out


def _population_series(population, regions: pd.DataFrame) -> pd.Series:
    if isinstance(population, pd.DataFrame):
        missing = {"region_id", "population"} - set(population.columns)
        if missing:
            raise ValueError(f"population frame needs columns region_id and population (missing {sorted(missing)})")
        population = population.set_index("region_id")["population"]
    pop = pd.Series(population, dtype=object)
    pop.index = pop.index.astype(str)
    pop = pd.to_numeric(pop, errors="coerce")
    by_code = dict(zip(regions["state"], regions["region_id"]))
    if len(regions) and len(by_code) == len(regions):  # states: postal codes work too
        pop.index = [by_code.get(k.upper(), k) for k in pop.index]
    return pop[~pop.index.duplicated(keep="first")]
