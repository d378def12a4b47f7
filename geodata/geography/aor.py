"""ICE areas of responsibility (AORs) as polygons: built from UWCHR's county -> AOR table and the
bundled Census counties, bundled as their own GPL-3.0 file, and the AOR of any point."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.atomic import write_text_in
from ..core.paths import DATA_DIR
from ..core.schema import CRS
from .boundaries import PRECISION, decode_ints, decode_multipolygon
from .regions import NEAR_DEGREES, PER_100K_UNAVAILABLE, encode_polygon, load_regions

__all__ = [
    "AOR_DIR",
    "AOR_FILE",
    "AOR_INPUTS",
    "AOR_LICENSE",
    "AOR_NAMES",
    "aor_label",
    "assign_aors",
    "counts_by_aor",
    "decode_aor_areas",
    "encode_aor_areas",
    "known_aors",
    "load_aor_areas",
    "save_aor_areas",
    "single_aor_states",
    "unknown_aor_message",
]

# -- ICE areas of responsibility ----------------------------------------------------
#
# ICE's Enforcement and Removal Operations divides the country into areas of
# responsibility (AORs), one per field office.  UWCHR's county -> AOR table
# (GPL-3.0) gives each county's AOR; dissolving the bundled Census counties by it
# gives the AOR polygons, bundled as their own file under the table's licence
# (``geodata/data/uwchr/ice-aor-areas.json``, see DATA.md).  Rebuild with
# ``geodata build-bundle``; a test checks that a rebuild equals the committed file.

AOR_DIR = DATA_DIR / "uwchr"
AOR_FILE = "ice-aor-areas.json"
AOR_INPUTS = {"county_aor": "uwchr/county_aor_2024_fips.csv"}
AOR_LICENSE = "GPL-3.0"
#: ICE ERO field offices by AOR code, as ICE names them (the city of the field office).
#: HLG (Harlingen) is an AOR in ICE's FY2024-26 statistics, carved out of San Antonio;
#: UWCHR's county table predates it, so no county maps to it.
AOR_NAMES: dict[str, str] = {
    "ATL": "Atlanta", "BAL": "Baltimore", "BOS": "Boston", "BUF": "Buffalo", "CHI": "Chicago",
    "DAL": "Dallas", "DEN": "Denver", "DET": "Detroit", "ELP": "El Paso", "HLG": "Harlingen",
    "HOU": "Houston", "LOS": "Los Angeles", "MIA": "Miami", "NEW": "Newark", "NOL": "New Orleans",
    "NYC": "New York City", "PHI": "Philadelphia", "PHO": "Phoenix", "SEA": "Seattle",
    "SFR": "San Francisco", "SLC": "Salt Lake City", "SNA": "San Antonio", "SND": "San Diego",
    "SPM": "St. Paul", "WAS": "Washington",
}
_AOR_SOURCE = (
    "University of Washington Center for Human Rights, county -> ICE area of responsibility table "
    "(github.com/UWCHR/ice-enforce share/hand/county_aor.csv, commit bdb224c), GPL-3.0; dissolved with the "
    "U.S. Census Bureau 2010 cartographic county boundaries (public domain) by geodata.aggregate"
)


def encode_aor_areas(areas: gpd.GeoDataFrame, precision: int = PRECISION) -> str:
    """The AOR polygons as the JSON text of ``ice-aor-areas.json``: per area its fields, ring
    sizes and one encoded polyline (as the regions file), and the licence of the whole."""
    out = []
    for rec, geom in zip(areas.drop(columns=areas.geometry.name).to_dict("records"), areas.geometry):
        counts, points = encode_polygon(geom, precision)
        out.append({**rec, "counts": counts, "points": points})
    doc = {"source": _AOR_SOURCE, "license": AOR_LICENSE, "encoding": "polyline", "precision": precision,
           "areas": out}
    return json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n"


def decode_aor_areas(text: str) -> gpd.GeoDataFrame:
    """Read the JSON text of ``ice-aor-areas.json`` back into :func:`build_aor_areas`' frame."""
    doc = json.loads(text)
    factor = 10 ** doc["precision"]
    rows, geoms = [], []
    for area in doc["areas"]:
        lonlat = (np.cumsum(decode_ints(area["points"]).reshape(-1, 2), axis=0) / factor)[:, ::-1]
        geom, at = decode_multipolygon(lonlat, area["counts"], 0)
        if at != len(lonlat):
            raise ValueError(f"area {area['aor']!r}: counts cover {at} of {len(lonlat)} points")
        rows.append({k: v for k, v in area.items() if k not in ("counts", "points")})
        geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def save_aor_areas(areas: gpd.GeoDataFrame, directory: str | Path = AOR_DIR) -> Path:
    """Write ``ice-aor-areas.json`` into ``directory``; return its path."""
    return write_text_in(directory, AOR_FILE, encode_aor_areas(areas), encoding="ascii")


@functools.lru_cache(maxsize=2)
def _load_aor_cached(path: str, mtime: float) -> gpd.GeoDataFrame:
    return decode_aor_areas(Path(path).read_text(encoding="ascii"))


def load_aor_areas(directory: str | Path = AOR_DIR) -> gpd.GeoDataFrame:
    """The bundled AOR polygons (see :func:`build_aor_areas`), a fresh copy each call."""
    path = Path(directory) / AOR_FILE
    return _load_aor_cached(str(path), path.stat().st_mtime).copy()


def single_aor_states(areas: gpd.GeoDataFrame) -> dict[str, str]:
    """States that lie wholly in one AOR, with it (``{"MN": "SPM", ...}``; not CA, TX, NY)."""
    seen: dict[str, set] = {}
    for aor, states in zip(areas["aor"], areas["states"]):
        for st in str(states).split():
            seen.setdefault(st, set()).add(aor)
    return {st: next(iter(a)) for st, a in seen.items() if len(a) == 1}


def assign_aors(points: gpd.GeoDataFrame, *, areas: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """The AOR each record is in, by where it is (a point-in-polygon join, vectorised).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Records with point geometries (any CRS), optionally ``location_precision``
        and ``state``.
    areas : geopandas.GeoDataFrame, optional
        AOR polygons (the bundled ones by default).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``aor`` (None when not placed in one) and ``match``:
        ``within`` (inside the polygon), ``near`` (within :data:`NEAR_DEGREES`: the
        simplified coast), ``state`` (known only to a state that lies wholly in one AOR),
        ``too_coarse`` (known only to a state that several AORs share: California,
        Texas, New York...), ``outside`` (in no AOR: the sea, territories without
        boundaries here) or ``unplaced`` (no geometry).
    """
    areas = load_aor_areas() if areas is None else areas
    gdf = points if points.crs is None or points.crs.to_epsg() == 4326 else points.to_crs(CRS)
    n = len(gdf)
    aor = np.full(n, None, dtype=object)
    match = np.full(n, "unplaced", dtype=object)
    geoms = gdf.geometry.values
    placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))

    coarse = np.zeros(n, dtype=bool)
    if "location_precision" in gdf.columns:
        coarse = _normalised(gdf["location_precision"], str.lower) == "state"
        coarse &= placed
    if coarse.any():
        whole = single_aor_states(areas)
        states = _normalised(gdf["state"], str.upper) if "state" in gdf.columns else np.full(n, "", dtype=object)
        by_state = pd.Series(states[coarse]).map(whole).to_numpy(dtype=object)
        known = pd.notna(by_state)
        idx = np.flatnonzero(coarse)
        aor[idx[known]], match[idx[known]] = by_state[known], "state"
        match[idx[~known]] = "too_coarse"

    todo = np.flatnonzero(placed & ~coarse)
    if len(todo):
        sub = geoms[todo]
        if not (shapely.get_type_id(sub) == 0).all():
            sub = shapely.point_on_surface(sub)  # a point stays a point
        xy = np.column_stack([shapely.get_x(sub), shapely.get_y(sub)])
        # Many records share a place (a facility, a city's centre): join each place once.
        back, uniques = pd.factorize(xy[:, 0] + 1j * xy[:, 1])
        places = np.column_stack([uniques.real, uniques.imag])
        code, kind = _aor_of_places(places, areas)
        aor[todo] = code[back]
        match[todo] = kind[back]
    return pd.DataFrame({"aor": aor, "match": match}, index=gdf.index)


def _normalised(column: pd.Series, case) -> np.ndarray:
    """A text column stripped and case-folded, worked out once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    done = np.array([case(str(u).strip()) for u in uniques] + [""], dtype=object)
    return done[codes]


def _aor_of_places(lonlat: np.ndarray, areas: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """AOR code and match kind of each (lon, lat) point.

    The join runs against the county polygons (small, so the tree's boxes sort
    points quickly: three times faster than against the 24 AOR polygons), each
    county then giving its AOR (``county_fips`` of ``areas``).
    """
    county_aor = {fips: a for a, fips_list in zip(areas["aor"], areas["county_fips"]) for fips in fips_list}
    counties = load_regions("county")
    codes = counties["region_id"].map(county_aor).to_numpy(dtype=object)
    lon = np.where(lonlat[:, 0] > 0, lonlat[:, 0] - 360.0, lonlat[:, 0])  # as the polygons: the Aleutians
    pts = shapely.points(lon, lonlat[:, 1])
    tree = shapely.STRtree(counties.geometry.values)
    hit_pt, hit_poly = tree.query(pts, predicate="within")
    found = np.full(len(pts), -1)
    found[hit_pt] = hit_poly  # counties do not overlap
    kind = np.where(found >= 0, "within", "outside").astype(object)
    rest = np.flatnonzero(found < 0)
    if len(rest):
        near_pt, near_poly = tree.query_nearest(pts[rest], max_distance=NEAR_DEGREES, all_matches=False)
        found[rest[near_pt]] = near_poly
        kind[rest[near_pt]] = "near"
    code = np.full(len(pts), None, dtype=object)
    ok = found >= 0
    code[ok] = codes[found[ok]]
    kind[ok & pd.isna(code)] = "outside"  # a county no AOR holds (none in UWCHR's table)
    return code, kind


def counts_by_aor(
    incidents: gpd.GeoDataFrame, *, areas: gpd.GeoDataFrame | None = None, weight: str | None = None
) -> gpd.GeoDataFrame:
    """Incidents per AOR, by where they happened, in the frame ``layers.choropleth_layer`` draws.

    With ``weight``, the column's values are summed instead of rows counted (facilities'
    ``adp_in_range``: people detained on an average day, by where the facility is).

    Returns
    -------
    geopandas.GeoDataFrame
        Every AOR, sorted by code: ``region_id`` (the AOR code), ``name`` ("St. Paul (SPM)"),
        ``state`` (the states it reaches), ``count``.  ``attrs`` as
        :func:`counts_by_region` (``level`` = ``"ICE area of responsibility"``), with
        ``too_coarse`` the incidents known only to a state that several AORs share.
    """
    areas = load_aor_areas() if areas is None else areas
    assigned = assign_aors(incidents, areas=areas)
    if weight is None:
        counts = assigned["aor"].dropna().value_counts()
    else:
        values = pd.to_numeric(incidents[weight], errors="coerce").fillna(0.0)
        counts = values.groupby(assigned["aor"]).sum().round().astype(int)
    out = gpd.GeoDataFrame(
        {
            "region_id": areas["aor"].to_numpy(),
            "name": [f"{name} ({code})" for name, code in zip(areas["name"], areas["aor"])],
            "state": areas["states"].to_numpy(),
            "count": areas["aor"].map(counts).fillna(0).astype(int).to_numpy(),
        },
        geometry=areas.geometry.values,
        crs=CRS,
    ).sort_values("region_id", kind="stable").reset_index(drop=True)
    ids = incidents["id"].astype(str) if "id" in incidents.columns else pd.Series(assigned.index.astype(str))
    ids.index = assigned.index
    out.attrs = {
        "level": "ICE area of responsibility",
        "counted": int(assigned["aor"].notna().sum()),
        "outside": ids[assigned["match"] == "outside"].tolist(),
        "too_coarse": ids[assigned["match"] == "too_coarse"].tolist(),
        "unplaced": ids[assigned["match"] == "unplaced"].tolist(),
        "near": ids[assigned["match"] == "near"].tolist(),
        "per_100k": PER_100K_UNAVAILABLE,
    }
    return out


# -- AOR codes and names, for the filter and for messages ------------------------------------------------


def aor_label(code: str) -> str:
    """``"St. Paul (SPM)"``: ICE's field office city with its code (the code alone when it has no name)."""
    name = AOR_NAMES.get(code)
    return f"{name} ({code})" if name else code


def known_aors(facilities: gpd.GeoDataFrame | None = None) -> list[str]:
    """Every AOR code a filter can name: ICE's field offices (``AOR_NAMES``) and those the facilities carry."""
    codes = set(AOR_NAMES)
    if facilities is not None and "aor" in facilities.columns:
        codes |= {str(a) for a in facilities["aor"].dropna().unique()}
    return sorted(codes)


def unknown_aor_message(unknown, known) -> str:
    """One line naming the codes no AOR has, and the codes there are."""
    unknown = list(unknown)
    return (f"unknown AOR {', '.join(repr(a) for a in unknown)} (no ICE area of responsibility has "
            f"{'that code' if len(unknown) == 1 else 'those codes'}); known: {', '.join(known)}")
