"""GeoJSON (RFC 7946) and CSV for what a view shows.

RFC 7946: WGS84 longitude/latitude, no ``crs`` member, coordinates to at most six
decimals (about 10 cm), a string ``id`` on every feature.  Dates are ISO-8601
strings.  Each feature's ``layer`` property says ``facility`` or ``incident``, so
one file carries both.  Records without a location are not features: they cannot
be drawn, and the caller is told how many were left out.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import geopandas as gpd

from .schema import CRS

__all__ = ["feature_collection", "to_geojson", "to_csv", "write_export", "LAYER_NAMES"]

#: Layer key -> the value of each feature's ``layer`` property.
LAYER_NAMES = {"facilities": "facility", "incidents": "incident", "offices": "office"}
COORD_DECIMALS = 6


def _clean(value):
    """JSON-ready scalar: NaN/NaT -> None, numpy -> Python, dates -> ISO strings."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value


def _features(layer: str, gdf: gpd.GeoDataFrame, keep_unplaced: bool):
    if gdf.crs is not None and gdf.crs != CRS:
        gdf = gdf.to_crs(CRS)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(gdf[columns].itertuples(index=False, name=None), gdf.geometry):
        unplaced = geom is None or geom.is_empty
        if unplaced and not keep_unplaced:
            continue
        props = {"layer": LAYER_NAMES[layer]}
        props.update((c, _clean(v)) for c, v in zip(columns, values))
        yield {
            "type": "Feature",
            "id": str(props["id"]),
            "geometry": None if unplaced else {
                "type": "Point",
                "coordinates": [round(geom.x, COORD_DECIMALS), round(geom.y, COORD_DECIMALS)],
            },
            "properties": props,
        }


def feature_collection(frames: dict[str, gpd.GeoDataFrame], *, keep_unplaced: bool = False) -> dict:
    """One FeatureCollection of the given layers (``{"facilities": gdf, "incidents": gdf}``).

    ``keep_unplaced`` keeps records without a location as features with a null
    geometry (RFC 7946 allows it); the bundle does, exports do not.
    """
    features = []
    for layer, gdf in frames.items():
        features.extend(_features(layer, gdf, keep_unplaced))
    return {"type": "FeatureCollection", "features": features}


def to_geojson(frames: dict[str, gpd.GeoDataFrame], *, keep_unplaced: bool = False) -> str:
    """The FeatureCollection as text: UTF-8, one feature per line (diffs stay readable)."""
    fc = feature_collection(frames, keep_unplaced=keep_unplaced)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]]
    body = ",\n".join(lines)
    return '{"type":"FeatureCollection","features":[\n' + body + ("\n" if lines else "") + "]}\n"


def to_csv(frames: dict[str, gpd.GeoDataFrame]) -> str:
    """One CSV row per feature: ``layer, id, lon, lat`` then every property."""
    features = feature_collection(frames)["features"]
    columns = ["layer", "id", "lon", "lat"]
    for f in features:
        for key in f["properties"]:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        writer.writerow({**f["properties"], "lon": lon, "lat": lat})
    return out.getvalue()


def write_export(frames: dict[str, gpd.GeoDataFrame], path: str | Path) -> int:
    """Write ``.geojson``/``.json`` or ``.csv`` (by extension); return the number of features."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        text = to_geojson(frames)
    elif suffix == ".csv":
        text = to_csv(frames)
    else:
        from .report import GeodataError

        raise GeodataError(f"{path}: unknown export format {suffix!r} (use .geojson or .csv)")
    path.write_text(text, encoding="utf-8")
    return sum(1 for gdf in frames.values() for g in gdf.geometry if g is not None and not g.is_empty)
