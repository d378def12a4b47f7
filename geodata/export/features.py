"""The FeatureCollection of small frames as Python dicts (the bundle's tests and small callers).

Files are written column by column by :mod:`geodata.export.writers` without building these dicts; both give
the same features.
"""

from __future__ import annotations

import geopandas as gpd

from ..core.schema import CRS
from .writers import COORD_DECIMALS, LAYER_NAMES, json_scalar

__all__ = ["feature_collection"]


def _features(layer: str, gdf: gpd.GeoDataFrame, keep_unplaced: bool):
    if gdf.crs is not None and gdf.crs != CRS:
        gdf = gdf.to_crs(CRS)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(gdf[columns].itertuples(index=False, name=None), gdf.geometry):
        unplaced = geom is None or geom.is_empty
        if unplaced and not keep_unplaced:
            continue
        props = {"layer": LAYER_NAMES[layer]}
        props.update((c, json_scalar(v)) for c, v in zip(columns, values))
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
    """One FeatureCollection of the given layers (``{"facilities": gdf, "incidents": gdf}``), as a dict.

    ``keep_unplaced`` keeps records without a location as features with a null
    geometry (RFC 7946 allows it); the bundle does, exports do not.  For files use
    :func:`write_geojson`, which never builds the dicts.
    """
    features = []
    for layer, gdf in frames.items():
        features.extend(_features(layer, gdf, keep_unplaced))
    return {"type": "FeatureCollection", "features": features}
