"""The bundled default data: two GeoJSON files and the build report, under ``geodata/data/``.

They are written by :func:`geodata.bundle.build_bundle` and never edited by hand
(a test rebuilds them and compares).  GeoJSON keeps them readable in a diff and
opens in any GIS as it is.  :class:`BundleStore` serves them through the store
interface (read-only): the app and the command line use it when no store is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from ..atomic import atomic_path
from ..report import GeodataError
from ..schema import CRS, FACILITY_COLUMNS, INCIDENT_COLUMNS
from .base import Query, Store

__all__ = ["Bundle", "BundleStore", "DATA_DIR", "load_bundle", "save_bundle", "read_layer"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
FILES = {"facilities": "facilities.geojson", "incidents": "incidents.geojson"}
REPORT_FILE = "build-report.csv"
POPULATION_FILE = "facility-population-monthly.csv"
#: Facility x fiscal year x list: ADP and what each list says (geodata.sources.facility_history).
FACILITY_YEARS_FILE = "facility-years.csv"


@dataclass
class Bundle:
    facilities: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    report: pd.DataFrame
    #: Facility x month average daily population (``geodata.sources.ddp_population.MONTHLY_COLUMNS``),
    #: months in which nobody was held left out; None when the bundle has none.
    population: pd.DataFrame | None = None
    #: Facility x fiscal year x list (``geodata.sources.FISCAL_YEAR_COLUMNS``); None when absent.
    facility_years: pd.DataFrame | None = None
    #: UWCHR's headcount by facility code and month (``geodata.sources.uwchr_headcount``, GPL-3.0); None when absent.
    headcount: pd.DataFrame | None = None

    @property
    def date_span(self) -> tuple[str, str] | None:
        """First and last day that any incident covers, as ISO strings."""
        if self.incidents.empty:
            return None
        return self.incidents["date_start"].min(), self.incidents["date_end"].max()


def _geometries(geoms: list) -> np.ndarray:
    """Shapely geometries of GeoJSON geometry objects: points built in one call, others one by one."""
    n = len(geoms)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    other = []
    for i, g in enumerate(geoms):
        if not g:
            continue
        if g.get("type") == "Point" and len(g.get("coordinates") or ()) >= 2:
            xs[i], ys[i] = g["coordinates"][0], g["coordinates"][1]
        else:
            other.append(i)
    out = shapely.points(xs, ys)
    out[np.isnan(xs)] = None
    if other:
        from shapely.geometry import shape

        for i in other:
            out[i] = shape(geoms[i])
    return out


def read_layer(path: str | Path, columns) -> gpd.GeoDataFrame:
    """Read one stored layer.  Plain JSON, not GDAL: values come back exactly as written
    (GDAL would turn ISO date strings into datetimes and guess other types)."""
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        features = data["features"]
        props = [f["properties"] or {} for f in features]
        geoms = [f.get("geometry") for f in features]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise GeodataError(f"{path}: not a readable GeoJSON layer ({exc.__class__.__name__}: {exc})") from None
    columns = list(columns)
    frame = pd.DataFrame.from_records(props, columns=columns) if props else pd.DataFrame(columns=columns)
    frame = frame.reindex(columns=columns)
    return gpd.GeoDataFrame(frame, geometry=_geometries(geoms), crs=CRS)


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
    from ..sources.uwchr_headcount import load_headcount

    return Bundle(facilities, incidents, report, population, facility_years, load_headcount(directory / "uwchr"))


def save_bundle(bundle: Bundle, directory: str | Path = DATA_DIR) -> list[Path]:
    """Write the bundle (unplaced records kept with a null geometry); return the paths written.

    Each file is replaced atomically (:mod:`geodata.atomic`): an interrupted rebuild
    leaves the old file, never half a file.
    """
    from ..export import write_geojson

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
    return paths


def filter_frame(incidents: gpd.GeoDataFrame, query: Query | None, facility_ids=None) -> gpd.GeoDataFrame:
    """The rows of an in-memory incident frame that fit ``query`` (what the backends push down)."""
    if query is None:
        return incidents
    from ..view import filter_incidents

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

    def bundle(self) -> Bundle:
        if self._bundle is None:
            self._bundle = load_bundle(self.directory)
        return self._bundle

    def load_bundle(self) -> Bundle:
        return self.bundle()

    def metadata(self) -> dict:
        from .base import SCHEMA_VERSION

        return {"schema_version": SCHEMA_VERSION, "backend": "bundle", "incidents": len(self.bundle().incidents),
                "date_span": self.bundle().date_span}

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
        facility_ids = None
        if query is not None and query.aors:
            fac = self.bundle().facilities
            facility_ids = fac.loc[fac["aor"].isin(query.aors), "id"]
        out = filter_frame(self.bundle().incidents, query, facility_ids)
        return out if columns is None else out[[*columns, "geometry"]]

