"""The last check before a record is stored: every row is kept or reported with its reason."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import geopandas as gpd
import pandas as pd

from .dates import date_range_problem, parse_partial_date
from .report import Report
from .schema import CATEGORIES, DATE_PRECISIONS, LOCATION_PRECISIONS, VERIFICATION_STATUSES, split_urls

__all__ = ["validate_incidents", "validate_facilities"]


def _coordinate_problem(geom) -> str | None:
    if geom is None or geom.is_empty:
        return "no location"
    if geom.geom_type != "Point":
        return f"a {geom.geom_type}, not a point"
    x, y = geom.x, geom.y
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        return f"coordinates out of range ({x}, {y})"
    if x == 0 and y == 0:
        return "coordinates (0, 0): a missing value, not a place"
    return None


def _sources_problem(value) -> str | None:
    urls = split_urls(value if isinstance(value, str) else "")
    if not urls:
        return "no source URL"
    bad = [u for u in urls if not u.startswith(("http://", "https://"))]
    return f"source is not a web address: {bad[0]!r}" if bad else None


_BLOCK = 100_000  # rows checked at a time
_CHECKED = ("id", "category", "date", "date_precision", "date_start", "date_end", "location_precision",
            "verification", "title", "source_urls")


@lru_cache(maxsize=65_536)  # a table has few distinct dates: each is checked once
def _date_problem(date, precision, start, end, today) -> str | None:
    try:
        when = parse_partial_date(date, precision)
    except (ValueError, TypeError) as exc:
        return f"bad date: {exc}"
    if (when.start.isoformat(), when.end.isoformat()) != (start, end):
        return f"date span {start}..{end} does not match {date}"
    why = date_range_problem(when.start, when.end, today=today)
    return f"impossible date: {why}" if why else None


def validate_incidents(
    gdf: gpd.GeoDataFrame, report: Report, source: str = "incidents", *, allow_repeated_ids: bool = False
) -> gpd.GeoDataFrame:
    """Return the incidents that pass; report each one that does not, with why.

    Checks a unique ``id``, a known category, precision and verification, a date
    that parses at its precision and lies between 1900 and a month from today
    (:func:`geodata.dates.date_range_problem`), at least one http(s) source, and a
    point with plausible lon/lat.  With ``allow_repeated_ids`` a repeated id passes
    (each copy still checked): an importer merges the repeats of one file's row itself.
    """
    keep = []
    seen: set[str] = set()
    today = dt.date.today()
    # Only the fields checked, a block of rows at a time, as tuples: a million rows are held once, not twice.
    present = [c for c in _CHECKED if c in gdf.columns]
    at = {c: k for k, c in enumerate(present)}
    none = (None,) * len(gdf)

    def field(name):
        return (lambda r: r[at[name]]) if name in at else (lambda r: None)

    rid_of, cat_of, dp_of, lp_of, ver_of, title_of, urls_of = (
        field(c) for c in ("id", "category", "date_precision", "location_precision", "verification", "title",
                           "source_urls"))
    date_of, start_of, end_of = field("date"), field("date_start"), field("date_end")
    for a in range(0, len(gdf), _BLOCK):
        part = gdf.iloc[a:a + _BLOCK]
        columns = [part[c].tolist() for c in present]
        for idx, row, geom in zip(part.index, zip(*columns) if columns else none[a:a + _BLOCK], part.geometry):
            rid = rid_of(row)
            problem = None
            if not isinstance(rid, str) or not rid:
                problem = "no id"
            elif rid in seen and not allow_repeated_ids:
                problem = f"duplicate id {rid!r}"
            elif cat_of(row) not in CATEGORIES:
                problem = f"unknown category {cat_of(row)!r}"
            elif dp_of(row) not in DATE_PRECISIONS:
                problem = f"unknown date precision {dp_of(row)!r}"
            elif lp_of(row) not in LOCATION_PRECISIONS:
                problem = f"unknown location precision {lp_of(row)!r}"
            elif ver_of(row) not in VERIFICATION_STATUSES:
                problem = f"unknown verification {ver_of(row)!r}"
            elif not (isinstance(title_of(row), str) and title_of(row).strip()):
                problem = "no title"
            else:
                problem = _date_problem(date_of(row), dp_of(row), start_of(row), end_of(row), today)
                problem = problem or _sources_problem(urls_of(row)) or _coordinate_problem(geom)
            if problem:
                report.add(source, str(rid), "rejected", problem)
                continue
            seen.add(rid)
            keep.append(idx)
    return gdf.loc[keep]


def validate_facilities(gdf: gpd.GeoDataFrame, report: Report, source: str = "facilities") -> gpd.GeoDataFrame:
    """Return the facilities that pass.  A facility without a location is kept (and was reported
    by its importer): it is listed, not drawn."""
    keep = []
    seen: set[str] = set()
    for idx, row in gdf.iterrows():
        rid = row.get("id")
        problem = None
        if not isinstance(rid, str) or not rid or rid in seen:
            problem = f"missing or duplicate id {rid!r}"
        elif not (isinstance(row.get("name"), str) and row["name"].strip()):
            problem = "no name"
        elif _sources_problem(row.get("source_urls")):
            problem = _sources_problem(row.get("source_urls"))
        elif row.geometry is not None and not row.geometry.is_empty:
            problem = _coordinate_problem(row.geometry)
            if not problem and row.get("location_precision") not in LOCATION_PRECISIONS:
                problem = f"unknown location precision {row.get('location_precision')!r}"
        if problem:
            report.add(source, str(rid), "rejected", problem)
            continue
        seen.add(rid)
        keep.append(idx)
    out = gdf.loc[keep]
    if "adp" in out:
        out = out.assign(adp=pd.to_numeric(out["adp"], errors="coerce"))
    return out
