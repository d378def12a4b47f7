"""Reading one stored GeoJSON layer exactly as it was written (plain JSON, not GDAL).

The bundle store reads its files with it, and so does a source whose bundled table is a
GeoJSON layer (ICE's offices), without reaching up into the store.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from .report import GeodataError
from .schema import CRS

__all__ = ["read_layer"]


def _geometries(geoms: list) -> np.ndarray:
    """Shapely geometries of GeoJSON geometry objects: points built in one call, others one by one."""
    n = len(geoms)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    other = []
    for i, g in enumerate(geoms):
        if not g:
            continue
        if g.get("type") == "Point" and len(g.get("coordinates") or ()) >= 2:
            xs[i], ys[i] = g["coordinates"][0], g["coordinates"][1]
        else:
            other.append(i)
    out = shapely.points(xs, ys)
    out[np.isnan(xs)] = None
    if other:
        from shapely.geometry import shape

        for i in other:
            out[i] = shape(geoms[i])
    return out


def read_layer(path: str | Path, columns) -> gpd.GeoDataFrame:
    """Read one stored layer.  Plain JSON, not GDAL: values come back exactly as written
    (GDAL would turn ISO date strings into datetimes and guess other types)."""
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        features = data["features"]
        props = [f["properties"] or {} for f in features]
        geoms = [f.get("geometry") for f in features]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise GeodataError(f"{path}: not a readable GeoJSON layer ({exc.__class__.__name__}: {exc})") from None
    columns = list(columns)
    frame = pd.DataFrame.from_records(props, columns=columns) if props else pd.DataFrame(columns=columns)
    frame = frame.reindex(columns=columns)
    return gpd.GeoDataFrame(frame, geometry=_geometries(geoms), crs=CRS)


