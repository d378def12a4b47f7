"""Export files: which writer a path asks for, what an export says about itself, and the atomic write."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from ..core.atomic import atomic_path
from ..core.report import GeodataError
from .writers import write_csv, write_geojson

__all__ = ["check_export_path", "export_metadata", "hold_freed_memory", "write_export"]


def check_export_path(path: str | Path):
    """The writer for ``path`` (by its extension); a :class:`GeodataError` when the format is unknown or
    the folder does not exist (a typo in it should not silently make new folders)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".geojson", ".json", ".csv"):
        raise GeodataError(f"{path}: unknown export format {suffix!r} (use .geojson or .csv)")
    if path.is_dir():
        raise GeodataError(f"{path} is a folder; give a file name ending in .geojson or .csv")
    if not path.parent.is_dir():
        raise GeodataError(f"{path}: the folder {path.parent} does not exist (make it first)")
    return write_csv if suffix == ".csv" else write_geojson


def export_metadata(view=None, spans: dict | None = None) -> dict:
    """What an export says about itself: the view's filter (as in a link) and each layer's first and
    last day (:func:`geodata.spans.layer_spans`, "data as of")."""
    out = {}
    if view is not None:
        out["view"] = view.to_params()
    if spans:
        out["data_as_of"] = {layer: {"first": str(a), "last": str(b)} for layer, (a, b) in spans.items()}
    return out


def hold_freed_memory() -> bool:
    """For a process that exports and then ends (the command line): Arrow's allocator keeps the memory it
    frees for the next chunk instead of handing it back to the system at once; True when it was set.

    The writers take and free a few MB per chunk; handed back each time, every chunk faults in fresh pages
    that the kernel zeroes (with transparent huge pages, 2 MB at a time): a quarter of a 1e6 export's CPU
    went there.  jemalloc without decay (``pyarrow.jemalloc_set_decay_ms(-1)``) keeps them; not for the app,
    a long-running process whose memory should go back.  Nothing changes where the user chose a pool
    (``ARROW_DEFAULT_MEMORY_POOL``) or this pyarrow has no jemalloc."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return False
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(-1)
    except NotImplementedError:
        return False
    pa.set_memory_pool(pool)
    return True


def write_export(frames: dict[str, gpd.GeoDataFrame], path: str | Path, *, progress=None,
                 metadata: dict | None = None) -> int:
    """Write ``.geojson``/``.json`` or ``.csv`` (by extension), atomically; return the number of features.

    The file's mode is what the umask gives a new file (``0644`` under the usual ``022``), as ``open``
    would make it; the folder must exist (:func:`check_export_path`)."""
    path = Path(path)
    writer = check_export_path(path)
    with atomic_path(path, mode="umask") as tmp:
        with open(tmp, "wb") as fh:
            if writer is write_geojson:
                return writer(frames, fh, progress=progress, metadata=metadata)
            return writer(frames, fh, progress=progress)
