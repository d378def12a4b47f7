"""Opening a store by its location: the one place that knows every backend.

Apart from the interface (:mod:`geodata.store.base`), so that a backend imports the interface
and this module imports the backends, and no import goes round in a circle.
"""

from __future__ import annotations

from pathlib import Path

from ..core.report import GeodataError
from .base import Store
from .bundle import BundleStore
from .parquet import ParquetStore
from .postgis import PostgisStore

__all__ = ["open_store"]


def open_store(location: str | Path | None = None, *, create: bool = False, read_only: bool = False) -> Store:
    """The store at ``location``: a folder (the embedded store), or ``None`` for the bundled data.

    ``create`` makes an empty folder store where there is none (``geodata init``).
    A ``postgresql://`` URL is the PostGIS store (:class:`geodata.store.postgis.PostgisStore`).
    """
    if location is None or str(location) == "":
        return BundleStore()
    text = str(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        return PostgisStore(text, create=create, read_only=read_only)
    if scheme:
        raise GeodataError(f"unknown kind of store {scheme}://; use a folder or a postgresql:// URL")
    path = Path(text)
    if path.suffix.lower() in (".geojson", ".json") and not path.is_dir():
        raise GeodataError(f"{path}: a store is a folder now (make one with `geodata init --store DIR`)")
    return ParquetStore(path, create=create)
