"""The last check before a record is stored: every row is kept or reported with its reason."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ..core.dates import date_range_problem, parse_partial_date
from ..core.report import Report
from ..core.schema import CATEGORIES, DATE_PRECISIONS, LOCATION_PRECISIONS, VERIFICATION_STATUSES, split_urls

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
    (:func:`geodata.core.dates.date_range_problem`), at least one http(s) source, and a
    point with plausible lon/lat.  With ``allow_repeated_ids`` a repeated id passes
    (each copy still checked): an importer merges the repeats of one file's row itself.
    """
    # An import's million rows: the checks run column-wise first, and only the rows they may reject
    # (a few) are taken one by one below, so every message is the one the row-by-row check gives.
    suspect = _suspects(gdf) if allow_repeated_ids and gdf.index.is_unique and len(gdf) > 1000 else None
    whole = gdf
    if suspect is not None:
        gdf = gdf.iloc[np.flatnonzero(suspect)]
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
            if not allow_repeated_ids:  # a million ids are not held for a check that is not made
                seen.add(rid)
            keep.append(idx)
    if suspect is None:
        return gdf.loc[keep]
    passed = ~suspect
    passed[whole.index.get_indexer(keep)] = True
    return whole.iloc[np.flatnonzero(passed)]


def _text_array(gdf, column: str, n: int) -> pa.Array:
    if column not in gdf.columns:
        return pa.nulls(n, pa.string())
    arr = pa.array(gdf[column], type=pa.string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _suspects(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """Rows that a check of :func:`validate_incidents` may reject, worked out column-wise: every row it
    rejects is among them (each test here is at least as strict), so the others pass without being
    looked at one by one.  None when a column is not text (the row-by-row check decides)."""
    n = len(gdf)
    try:
        text = {c: _text_array(gdf, c, n) for c in _CHECKED}
    except (pa.ArrowException, TypeError, ValueError):
        return None

    def ok(arr) -> np.ndarray:
        return pc.fill_null(arr, False).to_numpy(zero_copy_only=False).astype(bool)

    good = ok(pc.greater(pc.utf8_length(text["id"]), 0))
    for column, allowed in (("category", CATEGORIES), ("date_precision", DATE_PRECISIONS),
                            ("location_precision", LOCATION_PRECISIONS), ("verification", VERIFICATION_STATUSES)):
        good &= ok(pc.is_in(text[column], value_set=pa.array(list(allowed), pa.string())))
    good &= ok(pc.match_substring_regex(text["title"], "[!-~]"))  # a printable character that no strip() removes
    # Every URL plain ASCII, http(s), one space apart: what split_urls finds and _sources_problem accepts.
    good &= ok(pc.match_substring_regex(text["source_urls"], r"^https?://[!-~]+( https?://[!-~]+)*$"))
    dates = pd.DataFrame({c: pd.Series(text[c].to_pandas(), dtype=object)
                          for c in ("date", "date_precision", "date_start", "date_end")})
    codes = dates.groupby(list(dates.columns), dropna=False, sort=False).ngroup().to_numpy()
    today = dt.date.today()
    distinct = dates.drop_duplicates()
    fine = np.array([isinstance(d, str) and isinstance(p, str) and isinstance(a, str) and isinstance(b, str)
                     and _date_problem(d, p, a, b, today) is None
                     for d, p, a, b in distinct.itertuples(index=False, name=None)], dtype=bool)
    good &= fine[codes] if len(fine) else np.zeros(n, dtype=bool)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    x[point], y[point] = shapely.get_x(geoms[point]), shapely.get_y(geoms[point])
    with np.errstate(invalid="ignore"):
        good &= point & (-180 <= x) & (x <= 180) & (-90 <= y) & (y <= 90) & ~((x == 0) & (y == 0))
    return ~good


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
