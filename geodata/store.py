"""The bundled default data: two GeoJSON files and the build report, under ``geodata/data/``.

They are written by :func:`geodata.bundle.build_bundle` and never edited by hand
(a test rebuilds them and compares).  GeoJSON keeps them readable in a diff and
opens in any GIS as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from .export import to_geojson
from .schema import CRS, FACILITY_COLUMNS, INCIDENT_COLUMNS

__all__ = ["Bundle", "DATA_DIR", "load_bundle", "save_bundle", "read_layer"]

DATA_DIR = Path(__file__).parent / "data"
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
    #: Facility x month average daily population (``geodata.population.MONTHLY_COLUMNS``),
    #: months in which nobody was held left out; None when the bundle has none.
    population: pd.DataFrame | None = None
    #: Facility x fiscal year x list (``geodata.sources.FISCAL_YEAR_COLUMNS``); None when absent.
    facility_years: pd.DataFrame | None = None

    @property
    def date_span(self) -> tuple[str, str] | None:
        """First and last day that any incident covers, as ISO strings."""
        if self.incidents.empty:
            return None
        return self.incidents["date_start"].min(), self.incidents["date_end"].max()


def read_layer(path: str | Path, columns) -> gpd.GeoDataFrame:
    """Read one stored layer.  Plain JSON, not GDAL: values come back exactly as written
    (GDAL would turn ISO date strings into datetimes and guess other types)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows, geoms = [], []
    for feature in data["features"]:
        rows.append({c: feature["properties"].get(c) for c in columns})
        geoms.append(shape(feature["geometry"]) if feature.get("geometry") else None)
    return gpd.GeoDataFrame(rows, columns=list(columns), geometry=geoms, crs=CRS)


def load_bundle(directory: str | Path = DATA_DIR) -> Bundle:
    directory = Path(directory)
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
    return Bundle(facilities, incidents, report, population, facility_years)


def save_bundle(bundle: Bundle, directory: str | Path = DATA_DIR) -> list[Path]:
    """Write the bundle (unplaced records kept with a null geometry); return the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for layer, gdf in (("facilities", bundle.facilities), ("incidents", bundle.incidents)):
        path = directory / FILES[layer]
        text = to_geojson({layer: gdf.sort_values("id", kind="stable")}, keep_unplaced=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    path = directory / REPORT_FILE
    bundle.report.to_csv(path, index=False, lineterminator="\n")
    paths.append(path)
    if bundle.population is not None:
        path = directory / POPULATION_FILE
        pop = bundle.population.sort_values(["facility_id", "month"], kind="stable")
        pop.to_csv(path, index=False, lineterminator="\n", float_format="%.3f")
        paths.append(path)
    if bundle.facility_years is not None:
        path = directory / FACILITY_YEARS_FILE
        bundle.facility_years.to_csv(path, index=False, lineterminator="\n", float_format="%.3f")
        paths.append(path)
    return paths
