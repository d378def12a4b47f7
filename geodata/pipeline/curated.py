"""Hand-written, reviewed tables of facts, one row an event, each with its sources.

Columns (``geodata/data/curated/*.csv``): ``id, category, title, date,
date_precision, facility, city, state, location_precision, description,
source_name, source_urls, verification, review_note``.

A row that names a ``facility`` is joined to the facility layer and drawn at the
facility; otherwise it is placed at its city, or at its state.  ``location_precision``
caps the placement: a row that says ``state`` is drawn at the state even if it names
a city.  ``review_note`` is for reviewers and is not exported.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ..core.dates import parse_partial_date
from ..core.report import Report, read_csv_table
from ..core.schema import (
    CATEGORIES,
    CRS,
    INCIDENT_COLUMNS,
    LOCATION_PRECISIONS,
    VERIFICATION_STATUSES,
    split_urls,
    state_code,
)
from ..geography.geocode import gazetteer
from ..geography.match import FacilityMatcher

__all__ = ["read_curated_events", "CURATED_COLUMNS"]

CURATED_COLUMNS = (
    "id", "category", "title", "date", "date_precision", "facility", "city", "state",
    "location_precision", "description", "source_name", "source_urls", "verification", "review_note",
)


def read_curated_events(
    path: str | Path, facilities: gpd.GeoDataFrame, report: Report | None = None
) -> gpd.GeoDataFrame:
    """Read a curated events CSV into the incident schema; bad rows are reported, not kept."""
    report = report if report is not None else Report()
    path = Path(path)
    df = read_csv_table(path, CURATED_COLUMNS, "a curated events table", encoding="utf-8")
    source = f"curated {path.name}"
    gaz = gazetteer()
    matcher = FacilityMatcher(facilities)

    records, geoms = [], []
    for i, row in df.iterrows():
        ref = row["id"] or f"row {i + 2}"
        problem = _problem(row)
        if problem:
            report.add(source, ref, "rejected", problem)
            continue
        when = parse_partial_date(row["date"], row["date_precision"] or None)
        st = state_code(row["state"])
        cap = row["location_precision"] or None
        rec = {
            "id": row["id"],
            "category": row["category"],
            "title": row["title"].strip(),
            "date": when.text,
            "date_precision": when.precision,
            "date_start": when.start.isoformat(),
            "date_end": when.end.isoformat(),
            "place": ", ".join(p for p in (row["facility"], row["city"], st) if p),
            "city": row["city"] or None,
            "state": st,
            "description": row["description"].strip(),
            "source_name": row["source_name"].strip(),
            "source_urls": " ".join(split_urls(row["source_urls"])),
            "verification": row["verification"],
        }
        point = None
        if row["facility"]:
            match, fields, point = matcher.locate(row["facility"], st, row["city"] or None)
            if fields:
                rec.update(fields, city=rec["city"])
            else:
                report.add(source, ref, "unmatched", f"facility {row['facility']!r}: {match.how}")
        if point is None:
            hit = None
            if cap in (None, "address", "zip", "city"):
                hit = gaz.city(row["city"], st)
            if hit is None and cap in (None, "address", "zip", "city", "county", "state"):
                hit = gaz.state(st)
            if hit is None:
                report.add(source, ref, "rejected", f"no place found for {rec['place']!r}")
                continue
            point = Point(round(hit.lon, 6), round(hit.lat, 6))
            rec["location_precision"] = hit.precision
            rec["location_method"] = hit.method
        records.append(rec)
        geoms.append(point)
    return gpd.GeoDataFrame(records, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs=CRS)


def _problem(row: pd.Series) -> str | None:
    """Why a curated row cannot be kept, or None."""
    if not row["id"]:
        return "no id"
    if not row["title"].strip():
        return "no title"
    if row["category"] not in CATEGORIES:
        return f"unknown category {row['category']!r}"
    if row["verification"] not in VERIFICATION_STATUSES:
        return f"unknown verification {row['verification']!r}"
    urls = split_urls(row["source_urls"])
    if not urls or not all(u.startswith(("http://", "https://")) for u in urls):
        return "no source URL (a fact with no source does not go in)"
    if row["location_precision"] and row["location_precision"] not in LOCATION_PRECISIONS:
        return f"unknown location precision {row['location_precision']!r}"
    if not state_code(row["state"]):
        return f"unknown state {row['state']!r}"
    try:
        parse_partial_date(row["date"], row["date_precision"] or None)
    except ValueError as exc:
        return f"bad date: {exc}"
    return None
