"""Turn a GeoDataFrame into plain columns a point layer can draw.

The same steps ``geopandas.explore`` takes before drawing: reproject to
EPSG:4326, drop missing and empty geometries (counting them), and write dates
as ISO-8601 strings.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers

import numpy as np
import pandas as pd
import shapely

WGS84 = "EPSG:4326"


def prepare_points(gdf) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int]:
    """Return ``(attributes, lon, lat, dropped)`` for the drawable rows of ``gdf``.

    Non-point geometries are drawn at a point inside them
    (``representative_point``).  ``dropped`` counts rows left out because their
    geometry is missing, empty or has non-finite coordinates.
    """
    if not hasattr(gdf, "geometry"):
        raise TypeError("expected a GeoDataFrame with a geometry column")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    geoms = gdf.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    points = geoms[keep]
    not_point = shapely.get_type_id(points) != 0
    if not_point.any():
        points = points.copy()
        points[not_point] = shapely.point_on_surface(points[not_point])
    lon = shapely.get_x(points)
    lat = shapely.get_y(points)
    finite = np.isfinite(lon) & np.isfinite(lat)
    index = np.flatnonzero(keep)[finite]
    dropped = len(gdf) - len(index)

    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).iloc[index].reset_index(drop=True)
    for col in attrs.columns:
        if pd.api.types.is_datetime64_any_dtype(attrs[col]):
            attrs[col] = _iso_dates(attrs[col])
    return attrs, lon[finite], lat[finite], int(dropped)


def _iso_dates(s: pd.Series) -> pd.Series:
    times = s.dropna()
    midnight = times.empty or bool((times == times.dt.normalize()).all())
    out = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
    return out.astype(object).where(s.notna(), None)


def clean_value(v):
    """Return ``v`` as a JSON-ready scalar, or None when it is missing or blank."""
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        return v if math.isfinite(v) else None
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
        return v.isoformat()
    return str(v)


def text_column(attrs: pd.DataFrame, name: str) -> list[str]:
    """The column ``name`` as stripped strings, "" where missing (or absent)."""
    if name not in attrs.columns:
        return [""] * len(attrs)
    s = attrs[name]
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.str.strip().fillna("").tolist() if len(s) else []
    return [v.strip() if type(v) is str else "" if v is None else _as_text(v) for v in s.tolist()]


def _as_text(v) -> str:
    v = clean_value(v)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a ZIP or a count read as a float
    return str(v)


def clean_values(values) -> list:
    """:func:`clean_value` over a sequence, with a fast path for strings."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    return [(v.strip() or None) if type(v) is str else clean_value(v) for v in values]


def number_column(attrs: pd.DataFrame, name: str) -> np.ndarray:
    """The column ``name`` as floats, NaN where missing or not a number."""
    if name not in attrs.columns:
        return np.full(len(attrs), np.nan)
    return pd.to_numeric(attrs[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
