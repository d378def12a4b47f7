"""The bundled default data: two GeoJSON files and the build report, under ``geodata/data/``.

They are written by :func:`geodata.imports.bundle.build_bundle` and never edited by hand
(a test rebuilds them and compares).  GeoJSON keeps them readable in a diff and
opens in any GIS as it is.  :class:`BundleStore` serves them through the store
interface (read-only): the app and the command line use it when no store is given.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.atomic import atomic_path
from ..core.dates import as_date
from ..core.geojson import read_layer
from ..core.paths import DATA_DIR, FACILITY_YEARS_FILE, FILES, POPULATION_FILE, REPORT_FILE
from ..core.report import GeodataError
from ..core.schema import FACILITY_COLUMNS, INCIDENT_COLUMNS
from ..export.writers import write_geojson
from ..sources.uwchr_headcount import load_headcount
from .base import SCHEMA_VERSION, Bundle, Query, Store, filter_incidents

__all__ = ["BundleStore", "filter_frame", "load_bundle", "save_bundle"]


def load_bundle(directory: str | Path = DATA_DIR) -> Bundle:
    directory = Path(directory)
    missing = [name for name in FILES.values() if not (directory / name).is_file()]
    if missing:  # one clear line, not an errno
        what = "no such folder" if not directory.exists() else "not a folder" if not directory.is_dir() else (
            f"a folder without {' or '.join(missing)}")
        raise GeodataError(f"{directory}: not a bundle folder ({what}); a bundle folder is what "
                           "`geodata build-bundle --out DIR` writes")
    facilities = read_layer(directory / FILES["facilities"], FACILITY_COLUMNS)
    facilities["adp"] = pd.to_numeric(facilities["adp"], errors="coerce")
    incidents = read_layer(directory / FILES["incidents"], INCIDENT_COLUMNS)
    report_path = directory / REPORT_FILE
    report = pd.read_csv(report_path, dtype=str, keep_default_na=False) if report_path.exists() else pd.DataFrame()
    pop_path = directory / POPULATION_FILE
    population = None
    if pop_path.exists():
        population = pd.read_csv(pop_path, dtype={"facility_id": str, "detention_facility_code": str, "month": str})
    years_path = directory / FACILITY_YEARS_FILE
    facility_years = None
    if years_path.exists():
        facility_years = pd.read_csv(years_path, dtype=str, keep_default_na=False)
        for col in ("fiscal_year", "adp"):
            facility_years[col] = pd.to_numeric(facility_years[col], errors="coerce")
    return Bundle(facilities, incidents, report, population, facility_years, load_headcount(directory / "uwchr"))


def save_bundle(bundle: Bundle, directory: str | Path = DATA_DIR) -> list[Path]:
    """Write the bundle (unplaced records kept with a null geometry); return the paths written.

    Each file is replaced atomically (:mod:`geodata.core.atomic`): an interrupted rebuild
    leaves the old file, never half a file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for layer, gdf in (("facilities", bundle.facilities), ("incidents", bundle.incidents)):
        path = directory / FILES[layer]
        with atomic_path(path) as tmp:
            write_geojson({layer: gdf.sort_values("id", kind="stable")}, tmp, keep_unplaced=True)
        paths.append(path)
    path = directory / REPORT_FILE
    with atomic_path(path) as tmp:
        bundle.report.to_csv(tmp, index=False, lineterminator="\n")
    paths.append(path)
    if bundle.population is not None:
        path = directory / POPULATION_FILE
        pop = bundle.population.sort_values(["facility_id", "month"], kind="stable")
        with atomic_path(path) as tmp:
            pop.to_csv(tmp, index=False, lineterminator="\n", float_format="%.3f")
        paths.append(path)
    if bundle.facility_years is not None:
        path = directory / FACILITY_YEARS_FILE
        with atomic_path(path) as tmp:
            bundle.facility_years.to_csv(tmp, index=False, lineterminator="\n", float_format="%.3f")
        paths.append(path)
    for name, frame in (bundle.measures or {}).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False, lineterminator="\n")
        paths.append(path)
    return paths


def filter_frame(incidents: gpd.GeoDataFrame, query: Query | None, facility_ids=None) -> gpd.GeoDataFrame:
    """The rows of an in-memory incident frame that fit ``query`` (what the backends push down)."""
    if query is None:
        return incidents
    out = filter_incidents(incidents, query.start, query.end, query.categories)
    if facility_ids is not None:
        out = out[out["facility_id"].isin(set(facility_ids))]
    if query.bbox is not None:
        w, s, e, n = query.bbox
        x, y = out.geometry.x, out.geometry.y
        out = out[(x >= w) & (x <= e) & (y >= s) & (y <= n)]
    return out


class BundleStore(Store):
    """The bundled GeoJSON data (or another bundle folder) as a read-only store.

    It is a few hundred records: read once, filtered in memory.
    """

    read_only = True

    def __init__(self, directory: str | Path = DATA_DIR):
        self.directory = Path(directory)
        self.url = str(self.directory)
        self._bundle = None
        self._by_dates = None  # (incidents, their columns read once, column choices: _incidents_by_dates)

    def bundle(self) -> Bundle:
        if self._bundle is None:
            self._bundle = load_bundle(self.directory)
        return self._bundle

    def load_bundle(self) -> Bundle:
        return self.bundle()

    def metadata(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "backend": "bundle", "incidents": len(self.bundle().incidents),
                "date_span": self.bundle().date_span}

    def generation(self) -> int:
        """Always 0: a bundle is never written (asked on every rerun; :meth:`metadata` finds the date span)."""
        return 0

    def _incidents_by_dates(self, query, columns):
        """:func:`filter_frame` for a query of dates and categories only, on columns read once: the same rows, in
        the same order, with the same labels, taken once (pandas' comparisons, mask and column choice each cost
        more than the few hundred rows themselves: a fifth of a new view's frames, issue 21)."""
        incidents = self.bundle().incidents
        if self._by_dates is None or self._by_dates[0] is not incidents:
            def text(name, missing):  # ISO days compare as text; a missing value fits no range (filter_incidents)
                return np.array([missing if pd.isna(v) else str(v) for v in incidents[name]], dtype=str)
            self._by_dates = (incidents, text("date_start", "\U0010ffff"), text("date_end", ""),
                              pd.Index(incidents["category"].to_numpy(dtype=object)), {})
        _, starts, ends, category, subsets = self._by_dates
        keep = np.ones(len(incidents), dtype=bool)
        start, end = as_date(query.start), as_date(query.end)
        if start is not None:
            keep &= ends >= start.isoformat()
        if end is not None:
            keep &= starts <= end.isoformat()
        if query.categories is not None:
            keep &= category.isin(list(query.categories))
        if columns is None:
            frame = incidents
        else:
            key = (*columns, "geometry")
            frame = subsets.get(key)
            if frame is None:
                frame = subsets[key] = incidents[list(key)]
        return frame.take(np.flatnonzero(keep))

    def facilities(self):
        return self.bundle().facilities

    def population(self):
        return self.bundle().population

    def facility_years(self):
        return self.bundle().facility_years

    def headcount(self):
        return self.bundle().headcount

    def report(self):
        return self.bundle().report

    def incidents(self, query=None, *, columns=None):
        if query is not None and not query.aors and query.bbox is None:
            return self._incidents_by_dates(query, columns)
        facility_ids = None
        if query is not None and query.aors:
            fac = self.bundle().facilities
            facility_ids = fac.loc[fac["aor"].isin(query.aors), "id"]
        out = filter_frame(self.bundle().incidents, query, facility_ids)
        return out if columns is None else out[[*columns, "geometry"]]

