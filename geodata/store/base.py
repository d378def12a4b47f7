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

import contextlib
import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ..core.dates import as_date
from ..core.paths import DATA_DIR, FACILITY_YEARS_FILE
from ..core.report import GeodataError
from ..core.schema import CRS, INCIDENT_COLUMNS
from ..sources.uwchr_headcount import load_headcount

__all__ = ["Bundle", "Store", "Query", "SCHEMA_VERSION", "STORE_COLUMNS", "VIEW_COLUMNS", "filter_incidents",
           "query_of"]

#: Version of the stored layout; a store written by a newer version is refused, not misread.
SCHEMA_VERSION = 1


# Helper fields beside the schema: two for deduplication (never exported), and ``review``
# (a record whose own text held a street address; see README, Homes).
STORE_COLUMNS = (*INCIDENT_COLUMNS, "person", "canonical_id", "review")

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
        object.__setattr__(self, "start", as_date(self.start))
        object.__setattr__(self, "end", as_date(self.end))
        if self.categories is not None:
            object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "aors", tuple(a.upper() for a in self.aors))


@dataclass
class Bundle:
    """Everything a store holds, in memory: the bundled data as loaded, or what a store hands a view."""

    facilities: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    report: pd.DataFrame
    #: Facility x month average daily population (``geodata.sources.ddp_population.MONTHLY_COLUMNS``),
    #: months in which nobody was held left out; None when the bundle has none.
    population: pd.DataFrame | None = None
    #: Facility x fiscal year x list (``geodata.pipeline.facility_history.FISCAL_YEAR_COLUMNS``); None when absent.
    facility_years: pd.DataFrame | None = None
    #: UWCHR's headcount by facility code and month (``geodata.sources.uwchr_headcount``, GPL-3.0); None when absent.
    headcount: pd.DataFrame | None = None
    #: Measure tables by area through time, by path under the data folder (``measures/287g-monthly.csv``:
    #: :mod:`geodata.pipeline.agreements_287g`); written by ``save_bundle``, read by their own modules.  None: none.
    measures: dict[str, pd.DataFrame] | None = None

    @property
    def date_span(self) -> tuple[str, str] | None:
        """First and last day that any incident covers, as ISO strings."""
        if self.incidents.empty:
            return None
        return self.incidents["date_start"].min(), self.incidents["date_end"].max()


def filter_incidents(
    incidents: gpd.GeoDataFrame,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    categories=None,
) -> gpd.GeoDataFrame:
    """Incidents whose date span overlaps ``[start, end]`` (inclusive) and whose category is listed.

    The in-memory form of a :class:`Query`'s dates and categories (what the backends push down);
    :func:`geodata.view.select` applies the same rule."""
    mask = pd.Series(True, index=incidents.index)
    start, end = as_date(start), as_date(end)
    # ISO strings compare like the dates they spell.
    if start is not None:
        mask &= incidents["date_end"] >= start.isoformat()
    if end is not None:
        mask &= incidents["date_start"] <= end.isoformat()
    if categories is not None:
        mask &= incidents["category"].isin(list(categories))
    return incidents[mask]


def query_of(view, bbox=None) -> Query:
    """The :class:`Query` of a :class:`geodata.view.View`."""
    return Query(start=view.start, end=view.end, categories=tuple(view.categories), aors=tuple(view.aors),
                 bbox=tuple(bbox) if bbox is not None else None, layers=tuple(view.layers))


_BUNDLED: dict = {}


def _bundled(name: str):
    """A small table of the bundled data (read once per process)."""
    if name not in _BUNDLED:
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

    def incidents_of(self, q: Query, columns=None) -> gpd.GeoDataFrame:
        """The incidents of ``q`` without its AORs (the view applies its AOR rule to them), none when
        ``q`` does not show incidents; ``columns`` as :meth:`incidents`, plus what a view's rules read."""
        columns = _columns(columns)
        if "incidents" not in q.layers:
            return gpd.GeoDataFrame({c: [] for c in columns or INCIDENT_COLUMNS}, geometry=[], crs=CRS)
        return self.incidents(Query(start=q.start, end=q.end, categories=q.categories, bbox=q.bbox),
                              columns=columns)

    def best_population(self, data: Bundle, compute) -> pd.DataFrame | None:
        """``compute(data)``, the best-source facility x month table of this store's population tables
        (the view's :func:`geodata.view.occupancy.population_table`), kept while the store hands out the
        same tables: computing it takes half a second, and the store knows when its tables change."""
        inputs = (data.population, data.facility_years, data.headcount)
        kept = getattr(self, "_best_population_kept", None)
        if kept is not None and all(a is b for a, b in zip(kept[0], inputs)):
            return kept[1]
        best = compute(data)
        self._best_population_kept = (inputs, best)  # the inputs too: their ids stay theirs while kept
        return best

    def load_bundle(self):
        """Everything, as a :class:`geodata.store.Bundle` (for small stores and tests)."""
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
        return contextlib.nullcontext()


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
