"""The store interface: what the app reads and the command line writes, whatever holds the data.

A store is opened by a path or a URL (:func:`open_store`), the way an SQLAlchemy
engine is chosen by its URL:

* a folder: the embedded columnar store (:class:`geodata.store.parquet.ParquetStore`),
* ``postgresql://...``: PostGIS (:class:`geodata.store.postgis.PostgisStore`),
* nothing: the bundled GeoJSON data, read-only (:class:`geodata.store.bundle.BundleStore`).

Every backend answers :meth:`Store.query` with only the rows of the view: the date
range, the categories, the AORs and the bounding box go into the backend (row-group
statistics for Parquet, a ``WHERE`` clause for SQL), not into Python after a full read.
Writes (:meth:`Store.write_incidents`, :meth:`Store.seed`) are all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..report import GeodataError

__all__ = ["Store", "Query", "SCHEMA_VERSION", "STORE_COLUMNS", "VIEW_COLUMNS", "open_store", "query_of"]

#: Version of the stored layout; a store written by a newer version is refused, not misread.
SCHEMA_VERSION = 1


def _store_columns() -> tuple[str, ...]:
    from ..schema import INCIDENT_COLUMNS

    # Helper fields beside the schema: two for deduplication (never exported), and ``review``
    # (a record whose own text held a street address; see README, Homes).
    return (*INCIDENT_COLUMNS, "person", "canonical_id", "review")


STORE_COLUMNS = _store_columns()

#: The incident columns the map's figures, charts and shaded areas read from a view (with the geometry):
#: the filters' dates and category, the AOR rule's facility, state and precision, the weekly counts' date
#: precision. Popups read the whole records from the map's shards, and exports ask for every column.
VIEW_COLUMNS = ("id", "category", "date_precision", "date_start", "date_end", "state", "facility_id",
                "location_precision")


@dataclass(frozen=True)
class Query:
    """What to read: a :class:`geodata.view.View`'s filters, plus a bounding box.

    ``facility_ids`` restricts incidents to those at the given facilities (an AOR
    is a facility's); ``bbox`` is ``(west, south, east, north)`` in degrees.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] | None = None
    aors: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    layers: tuple[str, ...] = ("facilities", "incidents")

    def __post_init__(self):
        from ..view import _as_date

        object.__setattr__(self, "start", _as_date(self.start))
        object.__setattr__(self, "end", _as_date(self.end))
        if self.categories is not None:
            object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "aors", tuple(a.upper() for a in self.aors))


def query_of(view, bbox=None) -> Query:
    """The :class:`Query` of a :class:`geodata.view.View`."""
    return Query(start=view.start, end=view.end, categories=tuple(view.categories), aors=tuple(view.aors),
                 bbox=tuple(bbox) if bbox is not None else None, layers=tuple(view.layers))


_BUNDLED: dict = {}


def _bundled(name: str):
    """A small table of the bundled data (read once per process)."""
    if name not in _BUNDLED:
        from ..sources.uwchr_headcount import load_headcount
        from .bundle import DATA_DIR, FACILITY_YEARS_FILE

        if name == "headcount":
            _BUNDLED[name] = load_headcount(DATA_DIR / "uwchr")
        else:
            path = DATA_DIR / FACILITY_YEARS_FILE
            table = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None
            if table is not None:
                for col in ("fiscal_year", "adp"):
                    table[col] = pd.to_numeric(table[col], errors="coerce")
            _BUNDLED[name] = table
    return _BUNDLED[name]


class Store(ABC):
    """One store of facilities, facility population, the build report and incidents."""

    #: Where it is, as given to :func:`open_store` (a path or a URL without credentials).
    url: str = ""
    read_only: bool = False

    # -- reading -----------------------------------------------------------------------
    @abstractmethod
    def metadata(self) -> dict:
        """``schema_version``, ``incidents`` (count), ``date_span`` (first and last day, or None)."""

    def generation(self) -> int:
        """One more after each write: what the app keys its caches by, asked on every rerun, so cheaper than
        :meth:`metadata` (which counts the incidents)."""
        return int(self.metadata().get("generation", 0))

    @abstractmethod
    def facilities(self) -> gpd.GeoDataFrame:
        """Every facility (a few hundred rows)."""

    @abstractmethod
    def population(self) -> pd.DataFrame | None:
        """Facility x month population, or None."""

    def facility_years(self) -> pd.DataFrame | None:
        """Facility x fiscal year x list (ICE's ADP by year).  A store is seeded from the bundled
        data, so by default the bundled table."""
        return _bundled("facility_years")

    def headcount(self) -> pd.DataFrame | None:
        """UWCHR's headcount by facility code and month; by default the bundled table."""
        return _bundled("headcount")

    @abstractmethod
    def report(self) -> pd.DataFrame:
        """The build report of the seeded data."""

    @abstractmethod
    def incidents(self, query: Query | None = None, *, columns=None) -> gpd.GeoDataFrame:
        """The incidents that fit ``query`` (all without one), with the schema's columns."""

    def query(self, view, *, bbox=None, columns=None) -> dict[str, gpd.GeoDataFrame]:
        """The frames a :class:`geodata.view.View` (or a :class:`Query`) shows, keyed by layer.

        Same result as :func:`geodata.view.select` on the whole data, but only the view's
        rows leave the store: the dates, categories and bounding box go into the backend;
        the AOR rule (incidents by where they happened, or at one of the AOR's facilities)
        is :func:`geodata.view.select`'s own, applied to those rows.  ``columns``: the
        incident columns to read (all of the schema's by default; see :data:`VIEW_COLUMNS`).
        """
        from ..view import View, select

        q = view if isinstance(view, Query) else query_of(view, bbox)
        if not isinstance(view, View):
            view = View(start=q.start, end=q.end, layers=q.layers, aors=q.aors,
                        **({"categories": q.categories} if q.categories is not None else {}))
        return select(self.facilities(), self._incidents_of(q, columns), view)

    def _incidents_of(self, q: Query, columns=None) -> gpd.GeoDataFrame:
        from ..schema import CRS, INCIDENT_COLUMNS

        columns = _columns(columns)
        if "incidents" not in q.layers:
            return gpd.GeoDataFrame({c: [] for c in columns or INCIDENT_COLUMNS}, geometry=[], crs=CRS)
        return self.incidents(Query(start=q.start, end=q.end, categories=q.categories, bbox=q.bbox),
                              columns=columns)

    def view_frames(self, view, *, hide_empty: bool = False, bbox=None, columns=None):
        """What :func:`geodata.occupancy.view_frames` gives for the whole data, from the view's rows only:
        ``(frames, span)``, facilities with ``adp_in_range``.

        The dates, categories and bounding box go into the backend; the rest of the view's rules
        (an AOR's incidents by where they happened or at its facilities, the facilities in use in
        the dates, the offices) are the bundled data's own, applied to those rows.  ``columns``:
        the incident columns to read, default all of the schema's (an export); the map's figures
        need only :data:`VIEW_COLUMNS`, and reading those alone is what makes a large view quick.
        """
        from ..occupancy import view_frames as frames_of
        from .bundle import Bundle

        q = query_of(view, bbox)
        data = Bundle(self.facilities(), self._incidents_of(q, columns), pd.DataFrame(), self.population(),
                      self.facility_years(), self.headcount())
        data._best_population = self._best_population(data)
        return frames_of(data, view, hide_empty=hide_empty)

    def _best_population(self, data) -> pd.DataFrame | None:
        """The best-source facility x month table (:func:`geodata.occupancy.population_table`) of these
        tables, computed once while the store hands out the same tables (half a second each time)."""
        from ..occupancy import population_table

        inputs = (data.population, data.facility_years, data.headcount)
        kept = getattr(self, "_best_population_kept", None)
        if kept is not None and all(a is b for a, b in zip(kept[0], inputs)):
            return kept[1]
        best = population_table(data)
        self._best_population_kept = (inputs, best)  # the inputs too: their ids stay theirs while kept
        return best

    def load_bundle(self):
        """Everything, as a :class:`geodata.store.Bundle` (for small stores and tests)."""
        from .bundle import Bundle

        return Bundle(self.facilities(), self.incidents(), self.report(), self.population(), self.facility_years(),
                      self.headcount())

    # -- writing -----------------------------------------------------------------------
    def seed(self, bundle) -> None:  # pragma: no cover - read-only backends
        """Replace the whole store with ``bundle`` (``geodata init``), in one step."""
        raise GeodataError(f"{self.url}: this store is read-only")

    def write_incidents(self, batch: gpd.GeoDataFrame, *, locked: bool = False) -> int:  # pragma: no cover
        """Insert or replace (by ``id``) the incidents of ``batch`` in one atomic step; return how many.

        ``locked``: the caller already holds :meth:`writing` (an import reads its candidates and
        writes in one such block: for SQL, one transaction)."""
        raise GeodataError(f"{self.url}: this store is read-only")

    def candidates(self, *, ids=(), day_keys=(), canonical_ids=(), url_keys=()) -> gpd.GeoDataFrame:
        """Stored incidents (with the dedupe helper columns) that an import must compare with:
        those with one of ``ids``, a day-precision record on one of ``day_keys``
        (``(date_start, state)``), one of ``canonical_ids`` or a normalised source URL
        in ``url_keys``.  Ordered by id, as the rule's "stored first" order."""
        raise GeodataError(f"{self.url}: this store is read-only")  # pragma: no cover

    def source_origins(self) -> dict[str, str]:
        """Source key -> the file whose import first used it (its absolute path), where the store keeps them."""
        return {}

    def record_sources(self, origins: dict[str, str]) -> None:  # noqa: B027 - a no-op for read-only backends
        """Keep ``origins`` (source key -> file) beside those already kept, in the import's step
        (the caller holds :meth:`writing`); a key already kept keeps its first file."""

    def log_import(self, file: str, result) -> None:  # noqa: B027 - a no-op where a backend keeps no log
        """Note an import (file, counts, rejects) in the store's import log, where it keeps one."""

    def writing(self):
        """A context in which this process alone writes (other writers wait); for SQL, a transaction."""
        import contextlib

        return contextlib.nullcontext()


#: How long an import waits for another one to finish before it gives up, in seconds
#: (``GEODATA_LOCK_TIMEOUT`` overrides it).
LOCK_TIMEOUT = 600.0


def lock_timeout() -> float:
    """The bound on waiting for the writers' lock: ``GEODATA_LOCK_TIMEOUT`` seconds, else :data:`LOCK_TIMEOUT`."""
    import os

    try:
        value = float(os.environ.get("GEODATA_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT
    return value if value >= 0 else LOCK_TIMEOUT


def say_waiting(where: str, bound: float) -> None:
    """One line on stderr: an import waits for another (a silent wait looks like a hang)."""
    import sys

    print(f"{where}: another import is writing; waiting for it (at most {bound:g} s)", file=sys.stderr, flush=True)


def _columns(columns) -> list[str] | None:
    """``columns`` as a list, with what a view's rules read added (None: every column of the schema)."""
    if columns is None:
        return None
    columns = list(dict.fromkeys(columns))
    unknown = [c for c in columns if c not in STORE_COLUMNS]
    if unknown:
        raise GeodataError(f"unknown incident column {unknown[0]!r}")
    # The filters and the AOR rule read these whatever the caller asks for.
    return columns + [c for c in VIEW_COLUMNS if c not in columns]


def open_store(location: str | Path | None = None, *, create: bool = False, read_only: bool = False) -> Store:
    """The store at ``location``: a folder (the embedded store), or ``None`` for the bundled data.

    ``create`` makes an empty folder store where there is none (``geodata init``).
    A ``postgresql://`` URL is the PostGIS store (:class:`geodata.store.postgis.PostgisStore`).
    """
    if location is None or str(location) == "":
        from .bundle import BundleStore

        return BundleStore()
    text = str(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        from .postgis import PostgisStore

        return PostgisStore(text, create=create, read_only=read_only)
    if scheme:
        raise GeodataError(f"unknown kind of store {scheme}://; use a folder or a postgresql:// URL")
    from .parquet import ParquetStore

    path = Path(text)
    if path.suffix.lower() in (".geojson", ".json") and not path.is_dir():
        raise GeodataError(f"{path}: a store is a folder now (make one with `geodata init --store DIR`)")
    return ParquetStore(path, create=create)
