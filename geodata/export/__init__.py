"""Writers of frames to files a user downloads (GeoJSON, CSV): exactly the frames they are given.

Below the store (the bundle store writes its GeoJSON files with them) and knowing nothing of
stores or views: the command line and the app hand them the view's frames.
"""

from .writers import (
    FORMULA_PREFIXES,
    LAYER_NAMES,
    export_size,
    feature_collection,
    to_csv,
    to_geojson,
    write_csv,
    write_export,
    write_geojson,
)

__all__ = [
    "export_size", "feature_collection", "FORMULA_PREFIXES", "LAYER_NAMES", "to_csv", "to_geojson", "write_csv",
    "write_export", "write_geojson",
]
