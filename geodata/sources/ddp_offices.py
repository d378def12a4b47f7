"""ICE's offices (ERO field and sub-offices, HSI, OPLA...) from the Deportation Data Project (CC0 1.0).

``ice-offices.xlsx`` (DDP's ice-offices table; 275 offices, 270 with coordinates): where ICE's
agents and lawyers are based.  :func:`read_offices` turns it into the office layer's columns
(:data:`OFFICE_COLUMNS`); the bundle keeps them in ``geodata/data/ice-offices.geojson``.
An office is a public building: its point is kept at address precision.

The AOR an office is in is worked out by place when the layer is loaded
(:func:`with_office_aor`), not stored: the AOR polygons are under another licence
(GPL-3.0) and live in their own file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.geojson import read_layer
from ..core.ids import slug
from ..core.paths import DATA_DIR
from ..core.report import GeodataError, Report
from ..core.schema import CRS, state_code
from ..geography.aor import AOR_NAMES, assign_aors

__all__ = ["AGENCY_NAMES", "OFFICE_COLUMNS", "OFFICES_FILE", "load_offices", "read_offices", "with_office_aor"]

OFFICES_FILE = "ice-offices.geojson"
SOURCE_NAME = "Deportation Data Project, ICE offices"
SOURCE_URL = "https://github.com/deportationdata/ice-detention-facilities/blob/main/inputs/noccc/ice-offices.xlsx"

#: The parts of ICE that the table's ``agency`` codes name.
AGENCY_NAMES: dict[str, str] = {
    "ERO": "Enforcement and Removal Operations",
    "HSI": "Homeland Security Investigations",
    "OPLA": "Office of the Principal Legal Advisor",
    "OPE": "Office of Partnership and Engagement",
    "OPR": "Office of Professional Responsibility",
    "JIATF": "Joint Interagency Task Force",
    "LESC": "Law Enforcement Support Center",
}

OFFICE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "name_short",
    "agency",
    "agency_name",
    "field_office",
    "sub_office",
    "address",
    "city",
    "state",
    "zip",
    "area",
    "location_precision",
    "location_method",
    "source_name",
    "source_urls",
)

#: DDP's column -> ours (the table's own names, as in its header row).
_RENAMES = {
    "office_name": "name",
    "office_name_short": "name_short",
    "agency": "agency",
    "field_office_name": "field_office",
    "sub_office": "sub_office",
    "address": "address",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "area": "area",
}
_REQUIRED = ("office_name", "agency", "office_latitude", "office_longitude")


def read_offices(path: str | Path, report: Report | None = None) -> gpd.GeoDataFrame:
    """DDP's ice-offices table as the office layer (:data:`OFFICE_COLUMNS`, EPSG:4326).

    Offices without coordinates are kept with no geometry (and reported); every
    other value is as the table gives it.
    """
    path = Path(path)
    report = report if report is not None else Report()
    try:
        raw = pd.read_excel(path, dtype={"zip": str, "zip_4": str}) if path.suffix.lower() in (".xlsx", ".xls") \
            else pd.read_csv(path, dtype={"zip": str, "zip_4": str})
    except (OSError, ValueError) as exc:
        raise GeodataError(f"{path}: cannot read the offices table ({exc})") from None
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise GeodataError(f"{path}: not DDP's ICE offices table (no column {', '.join(missing)})")
    df = pd.DataFrame({ours: raw[theirs] if theirs in raw.columns else None for theirs, ours in _RENAMES.items()})
    for col in df.columns:
        if col != "sub_office":
            df[col] = df[col].astype(object).where(df[col].notna(), None)
            df[col] = [v.strip() if isinstance(v, str) else v for v in df[col]]
    df["sub_office"] = df["sub_office"].map({True: True, False: False, "TRUE": True, "FALSE": False})
    df["state"] = [state_code(s) or s for s in df["state"]]
    df["agency"] = df["agency"].str.upper()
    df["agency_name"] = df["agency"].map(AGENCY_NAMES)
    base = [slug(f"{n} {c or ''} {s or ''}") for n, c, s in zip(df["name"], df["city"], df["state"])]
    df["id"] = _unique(["office-" + b for b in base])

    lat = pd.to_numeric(raw["office_latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(raw["office_longitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    df["location_precision"] = np.where(ok, "address", None)
    df["location_method"] = np.where(ok, "the Deportation Data Project's coordinates", "no coordinates in the table")
    df["source_name"] = SOURCE_NAME
    df["source_urls"] = SOURCE_URL
    for name, placed in zip(df["name"], ok):
        if not placed:
            report.add(SOURCE_NAME, name, "unplaced", "no coordinates in the table: kept without a point")
    geoms = gpd.points_from_xy(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    gdf = gpd.GeoDataFrame(df[list(OFFICE_COLUMNS)], geometry=np.where(ok, geoms, None), crs=CRS)
    return gdf.sort_values("id", kind="stable").reset_index(drop=True)


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
    return out


def load_offices(directory=None) -> gpd.GeoDataFrame:
    """The bundled office layer, with its ``aor`` by place (:func:`with_office_aor`)."""
    path = Path(directory or DATA_DIR) / OFFICES_FILE
    gdf = read_layer(path, OFFICE_COLUMNS)
    return with_office_aor(gdf)


def with_office_aor(offices: gpd.GeoDataFrame, areas=None) -> gpd.GeoDataFrame:
    """The offices with ``aor``, the ICE area of responsibility their point is in (None outside
    every AOR polygon: Guam, Saipan), and ``field_office_aor``, the AOR of the ERO field office
    the table names for an ERO office (``St. Paul Field Office`` -> SPM; Harlingen -> HLG,
    which has no polygon)."""
    out = offices.copy()
    out["aor"] = assign_aors(out.drop(columns=["location_precision"]), areas=areas)["aor"].to_numpy()
    by_name = {f"{city} Field Office".upper(): code for code, city in AOR_NAMES.items()}
    by_name["NEW YORK FIELD OFFICE"] = "NYC"
    named = [fo if isinstance(fo, str) and fo else n for fo, n in zip(out["field_office"], out["name"])]
    out["field_office_aor"] = [by_name.get(str(x).strip().upper()) if a == "ERO" else None
                               for x, a in zip(named, out["agency"])]
    return out
