"""US outlines for the offline base map: land, state borders and county borders.

Built from the Census Bureau's 2010 cartographic boundary files (1:20,000,000,
public domain) in ``shared/data/census-cartographic-2010/`` and bundled small
in ``geodata/data/basemap/us-outline.json``, so the map can draw a base map
without asking any tile server.  Rebuild with ``geodata build-basemap``;
a test checks that a rebuild equals the committed file.

How it is made: the counties (a coverage: they tile the country without gaps or
overlaps) are simplified together so that neighbours keep one shared border;
states and land are unions of the simplified counties, so every state border is
also a county border and nothing is drawn twice:

* ``land``: the country as polygons (its outline is the coast and the borders
  with Canada and Mexico);
* ``state``: borders between states, as lines (not the coast);
* ``county``: borders between counties inside a state, as lines;
* ``neighbours``: the land of Mexico, Central America and the Caribbean (Natural Earth, public domain), so
  that the border with Mexico reads as a border, not a coast (:func:`neighbour_land`).  Canada is left
  out: every Natural Earth file to be had here (1:110m shipped inside ``pyogrio``, 1:50m and 1:10m in npm's
  ``world-atlas``) draws the Great Lakes as land, so Canada would fill half of Lakes Superior, Huron, Erie
  and Ontario; see ``docs/outline-map.md``.

The Aleutian islands west of 180° are shifted by -360° (longitudes below -180)
so that they are drawn next to Alaska, not at the far edge of the world.

File format (JSON): per layer, every vertex as one Google "encoded polyline"
string (lat, lon pairs, ``precision`` decimals, each point a delta from the one
before, running on across lines), and ``counts``: points per line, or per ring
of each polygon.  About a fifth of the size of the same lines as GeoJSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from ..core.atomic import write_text_in
from ..core.paths import DATA_DIR
from ..core.report import GeodataError
from ..core.schema import CRS

__all__ = [
    "BASEMAP_DIR",
    "BASEMAP_FILE",
    "BOUNDARY_INPUTS",
    "BOUNDARY_KINDS",
    "NATURAL_EARTH_FILE",
    "build_boundaries",
    "decode_boundaries",
    "encode_boundaries",
    "load_boundaries",
    "save_boundaries",
]

#: Paths under the shared data folder that the outlines are built from.
BOUNDARY_INPUTS = {
    "counties": "census-cartographic-2010/gz_2010_us_050_00_20m.json",
}
BASEMAP_DIR = DATA_DIR / "basemap"
BASEMAP_FILE = "us-outline.json"
BOUNDARY_KINDS = ("land", "state", "county", "neighbours")
#: Natural Earth's 1:110m countries (public domain), as the ``pyogrio`` package ships them (a dependency):
#: the neighbouring land is taken from there, so a rebuild needs nothing from outside the install.
NATURAL_EARTH_FILE = Path(pyogrio.__file__).parent / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"
#: The neighbours drawn: Natural Earth's North America but the US, Canada (see above) and Greenland
#: (which, without Canada, would float alone).
NOT_NEIGHBOURS = ("USA", "CAN", "GRL")
#: Gaps between Natural Earth's coarse border and the Census's are filled with the neighbour's land this
#: far (degrees, about 30 km) from Natural Earth's border; at the border's two ends this also fills a strip
#: of Natural Earth's coarse US coast as far (into the sea off Brownsville and San Diego).
BORDER_GAP = 0.3

#: Simplification tolerance in degrees (about 1 km): under a pixel up to zoom 7,
#: still a fair outline at zoom 9.
TOLERANCE = 0.01
#: Decimals kept (about 100 m).
PRECISION = 3

_SOURCE = (
    "U.S. Census Bureau, 2010 cartographic boundary files 1:20,000,000 (gz_2010_us_050_00_20m), "
    "public domain; neighbouring land: Natural Earth 1:110m admin 0 countries (naturalearth_lowres as "
    "pyogrio ships it), public domain; simplified by geodata.boundaries"
)


def build_boundaries(shared_data: str | Path, tolerance: float = TOLERANCE,
                     natural_earth: str | Path | None = NATURAL_EARTH_FILE) -> gpd.GeoDataFrame:
    """The three outline layers from the Census county file.

    Parameters
    ----------
    shared_data : path
        The shared data folder holding ``census-cartographic-2010/``.
    tolerance : float
        Simplification tolerance in degrees.
    natural_earth : path, optional
        Natural Earth's countries, for the ``neighbours`` layer (:func:`neighbour_land`); ``None``: none.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in EPSG:4326, ``kind`` = ``land`` (MultiPolygon), ``state``
        and ``county`` (MultiLineString), and ``neighbours`` (MultiPolygon) unless ``natural_earth`` is None.
    """
    path = Path(shared_data) / BOUNDARY_INPUTS["counties"]
    if not path.is_file():
        raise GeodataError(f"missing input {path}")
    # The county file is Latin-1, not UTF-8 ("Doña Ana"); see its SOURCE.md.
    data = json.loads(path.read_bytes().decode("latin-1"))
    features = data["features"]
    counties = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    state_fips = np.array([f["properties"]["STATE"] for f in features])
    counties = shapely.transform(counties, west_of_antimeridian)
    counties = shapely.coverage_simplify(counties, tolerance)

    states = np.array(
        [shapely.coverage_union_all(counties[state_fips == fips]) for fips in sorted(set(state_fips))],
        dtype=object,
    )
    land = shapely.coverage_union_all(counties)
    state_edges = shapely.union_all(shapely.boundary(states))
    county_edges = shapely.union_all(shapely.boundary(counties))
    rows = {
        "land": shapely.normalize(land),
        "state": _lines(shapely.difference(state_edges, shapely.boundary(land))),
        "county": _lines(shapely.difference(county_edges, state_edges)),
    }
    if natural_earth is not None:
        rows["neighbours"] = neighbour_land(land, natural_earth)
    return gpd.GeoDataFrame({"kind": list(rows)}, geometry=list(rows.values()), crs=CRS)


def neighbour_land(us_land, path: str | Path = NATURAL_EARTH_FILE) -> shapely.MultiPolygon:
    """The land of the US's neighbours (Natural Earth's North America but :data:`NOT_NEIGHBOURS`), up to
    the Census's border exactly: the US's own land (``us_land``) is cut out, and the gaps left where
    Natural Earth's coarse border runs inside Mexico are filled from Natural Earth's US, near the border
    only (:data:`BORDER_GAP`), so that no strip of water runs along the border."""
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"missing input {path} (Natural Earth's countries, shipped by the pyogrio package)")
    world = gpd.read_file(path)
    america = world[world["continent"] == "North America"]
    others = shapely.union_all(america.loc[~america["iso_a3"].isin(NOT_NEIGHBOURS)].geometry.to_numpy())
    usa = shapely.union_all(america.loc[america["iso_a3"] == "USA"].geometry.to_numpy())
    gap = shapely.intersection(shapely.difference(usa, us_land), shapely.buffer(others, BORDER_GAP))
    land = shapely.difference(shapely.union(others, gap), us_land)
    polygons = [p for p in shapely.get_parts(land) if isinstance(p, shapely.Polygon) and p.area > 1e-4]
    return shapely.normalize(shapely.MultiPolygon(polygons))


def west_of_antimeridian(coords: np.ndarray) -> np.ndarray:
    coords = coords.copy()
    coords[coords[:, 0] > 0, 0] -= 360.0
    return coords


def _lines(geom) -> shapely.MultiLineString:
    """Merged lines in a stable order, whatever order GEOS returned them in."""
    parts = shapely.get_parts(shapely.line_merge(geom))
    parts = [p for p in parts if isinstance(p, shapely.LineString) and not p.is_empty]
    oriented = []
    for line in parts:
        coords = shapely.get_coordinates(line)
        if tuple(coords[-1]) < tuple(coords[0]):
            coords = coords[::-1]
        oriented.append(coords)
    oriented.sort(key=lambda c: (tuple(c[0]), tuple(c[-1]), len(c)))
    return shapely.MultiLineString(oriented)


# -- the file ------------------------------------------------------------------------


def encode_boundaries(gdf: gpd.GeoDataFrame, precision: int = PRECISION) -> str:
    """The outline layers as the JSON text of ``us-outline.json``."""
    factor = 10**precision
    layers = []
    for kind, geom in zip(gdf["kind"], gdf.geometry):
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            polygons = shapely.get_parts(geom)
            rings = [[shapely.get_coordinates(r) for r in (p.exterior, *p.interiors)] for p in polygons]
            type_ = "MultiPolygon"
        else:
            rings = [[shapely.get_coordinates(line)] for line in shapely.get_parts(geom)]
            type_ = "MultiLineString"
        counts, chunks, last = [], [], np.zeros(2, dtype=np.int64)
        for polygon in rings:
            ring_counts = []
            for coords in polygon:
                pts = rounded_latlon(coords, factor)
                min_points = 4 if type_ == "MultiPolygon" else 2
                if len(pts) < min_points:
                    continue
                deltas = np.diff(pts, axis=0, prepend=last[None, :])
                last = pts[-1]
                chunks.append(encode_ints(deltas.ravel()))
                ring_counts.append(len(pts))
            if ring_counts:
                counts.append(ring_counts if type_ == "MultiPolygon" else ring_counts[0])
        layers.append({"kind": str(kind), "type": type_, "counts": counts, "points": "".join(chunks)})
    doc = {"source": _SOURCE, "encoding": "polyline", "precision": precision, "layers": layers}
    return json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n"


def decode_multipolygon(lonlat, polygon_counts, at: int) -> tuple[shapely.MultiPolygon, int]:
    """Cut a MultiPolygon out of the decoded points from ``at``: one list of ring sizes per
    polygon, outer ring first.  Returns it and where the next geometry starts."""
    polygons = []
    for ring_counts in polygon_counts:
        rings = []
        for n in ring_counts:
            rings.append(lonlat[at:at + n])
            at += n
        polygons.append(shapely.Polygon(rings[0], rings[1:]))
    return shapely.MultiPolygon(polygons), at


def decode_boundaries(text: str) -> gpd.GeoDataFrame:
    """Read the JSON text of ``us-outline.json`` back into outline layers."""
    doc = json.loads(text)
    factor = 10 ** doc["precision"]
    kinds, geoms = [], []
    for layer in doc["layers"]:
        pts = np.cumsum(decode_ints(layer["points"]).reshape(-1, 2), axis=0) / factor
        lonlat = pts[:, ::-1]
        flat = [n for c in layer["counts"] for n in (c if isinstance(c, list) else [c])]
        if sum(flat) != len(lonlat) or min(flat, default=2) < 2:
            raise ValueError(f"layer {layer['kind']!r}: counts cover {sum(flat)} of {len(lonlat)} points")
        at = 0
        if layer["type"] == "MultiPolygon":
            geom, at = decode_multipolygon(lonlat, layer["counts"], at)
        else:
            lines = []
            for n in layer["counts"]:
                lines.append(lonlat[at:at + n])
                at += n
            geom = shapely.MultiLineString(lines)
        kinds.append(layer["kind"])
        geoms.append(geom)
    return gpd.GeoDataFrame({"kind": kinds}, geometry=geoms, crs=CRS)


def save_boundaries(gdf: gpd.GeoDataFrame, directory: str | Path = BASEMAP_DIR) -> Path:
    """Write ``us-outline.json`` into ``directory``; return its path."""
    return write_text_in(directory, BASEMAP_FILE, encode_boundaries(gdf), encoding="ascii")


def load_boundaries(directory: str | Path = BASEMAP_DIR) -> gpd.GeoDataFrame:
    """The bundled outline layers (see :func:`build_boundaries`)."""
    return decode_boundaries((Path(directory) / BASEMAP_FILE).read_text(encoding="ascii"))


def rounded_latlon(coords: np.ndarray, factor: int) -> np.ndarray:
    """(lon, lat) floats -> (lat, lon) integers, consecutive repeats dropped."""
    pts = np.round(coords[:, ::-1] * factor).astype(np.int64)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = (np.diff(pts, axis=0) != 0).any(axis=1)
    return pts[keep]


def encode_ints(values) -> str:
    """Google's polyline algorithm: zigzag, then 5-bit groups as characters from "?"."""
    out = []
    for v in values.tolist():
        v = ~(v << 1) if v < 0 else v << 1
        while v >= 0x20:
            out.append(chr((0x20 | (v & 0x1F)) + 63))
            v >>= 5
        out.append(chr(v + 63))
    return "".join(out)


def decode_ints(text: str) -> np.ndarray:
    values, shift, acc = [], 0, 0
    for ch in text:
        b = ord(ch) - 63
        acc |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(acc >> 1) if acc & 1 else acc >> 1)
            shift, acc = 0, 0
    return np.array(values, dtype=np.int64)
