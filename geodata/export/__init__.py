"""Writers of frames to files a user downloads (GeoJSON, CSV): exactly the frames they are given.

Below the store (the bundle store writes its GeoJSON files with them) and knowing nothing of
stores or views: the command line and the app hand them the view's frames.
"""

from ..core.lazy import lazy_names

# Imported when first used (geodata.core.lazy): a command pays only for what it uses.
__getattr__, __dir__ = lazy_names(__name__, {
    ".features": ("feature_collection",),
    ".files": ("check_export_path", "export_metadata", "hold_freed_memory", "write_export"),
    ".ordered": ("OrderedTable",),
    ".writers": (
        "FORMULA_PREFIXES", "LAYER_NAMES", "export_size", "to_csv", "to_geojson", "write_csv", "write_geojson",
    ),
})

__all__ = [
    "check_export_path", "export_metadata", "hold_freed_memory", "OrderedTable",
    "export_size", "feature_collection", "FORMULA_PREFIXES", "LAYER_NAMES", "to_csv", "to_geojson", "write_csv",
    "write_export", "write_geojson",
]
