"""ICE's own arrest records, counted: the Deportation Data Project's processed arrests table (CC0 1.0).

``arrests-latest.parquet`` (deportationdata.org; written by ``code/arrests-latest.R`` in
the ``deportationdata/ice`` repository) has one row per ERO administrative arrest: a
person.  Rows are therefore **never shown, stored or exported one by one**: this module
reads them and at once counts them by county (else state) and week
(:func:`aggregate_arrests`), leaves out the rows DDP marks as likely duplicates
(``duplicate_drop_row``: a second record of the same arrest within 24 hours), and
suppresses every cell of fewer than :data:`MIN_CELL` arrests.  Only those cells leave
this module.

Columns read (DDP's names; older releases used the names in brackets):
``apprehension_date``, ``apprehension_state_filled_in`` [``apprehension_state``],
``county``, ``apprehension_aor`` [``toa_current_duty_aor``],
``event_landmark`` [``apprehension_site_landmark``], ``apprehension_method``,
``duplicate_drop_row``.  Other columns (``operation``...) are not needed for counts.

A row's place, finest first: its ``county`` (matched by name to the Census counties of
its state); else its landmark, where it names a facility of the map (a county jail: the
facility's county), a county (``SNOHOMISH COUNTY JAIL``) or a city's jail or police
(``SUNNYSIDE CITY JAIL``: the county of the city's centre); else its state alone.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.arrests import normalise_arrests
from ..core.report import GeodataError
from ..geography.geocode import gazetteer
from ..geography.match import FacilityMatcher
from ..geography.regions import assign_regions, load_regions

__all__ = [
    "ARRESTS_FILE",
    "CELL_COLUMNS",
    "DDP_ARRESTS_URL",
    "MIN_CELL",
    "aggregate_arrests",
    "arrests_measure_table",
    "fetch_arrests",
    "load_arrest_cells",
    "normalise_arrests",
    "read_arrests",
]

#: Where DDP publishes the table (override with ``--url`` or ``GEODATA_DDP_ARRESTS_URL``).
DDP_ARRESTS_URL = "https://github.com/deportationdata/ice/raw/main/data/arrests-latest.parquet"
#: The publisher's page, the ``source`` of every count.
DDP_SOURCE_URL = "https://deportationdata.org"
#: Cells of fewer arrests than this are not published.
MIN_CELL = 10
#: The weekly counts, as the map reads them: the ``arrests`` measure's file (``geodata/data/measures/``).
ARRESTS_FILE = "ddp-arrests-weekly.csv"
CELL_COLUMNS: tuple[str, ...] = ("week", "level", "region_id", "state", "arrests")

#: Our column -> DDP's names for it, newest first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "apprehension_date": ("apprehension_date",),
    "apprehension_state": ("apprehension_state_filled_in", "apprehension_state", "apprehension_state_original"),
    "county": ("county", "apprehension_county"),
    "aor": ("apprehension_aor", "toa_current_duty_aor"),
    "apprehension_landmark": ("event_landmark", "apprehension_site_landmark", "apprehension_landmark"),
    "apprehension_method": ("apprehension_method",),
    "duplicate": ("duplicate_drop_row",),
}
_ROW_COLUMNS = ("apprehension_date", "apprehension_state", "county", "aor", "apprehension_landmark",
                "apprehension_method", "duplicate")


def read_arrests(path: str | Path) -> pd.DataFrame:
    """DDP's arrests parquet as plain arrest rows (:func:`normalise_arrests`), for counting only."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError) as exc:
        raise GeodataError(f"{path}: not a parquet file ({exc})") from None
    names = set(schema.names)
    wanted = [n for aliases in _ALIASES.values() for n in aliases if n in names]
    table = pq.read_table(path, columns=sorted(set(wanted)))
    raw = table.to_pandas()
    df = pd.DataFrame(index=raw.index)
    for ours, aliases in _ALIASES.items():
        found = next((a for a in aliases if a in raw.columns), None)
        df[ours] = raw[found] if found else None
    if df["apprehension_date"].isna().all() and not any(a in names for a in _ALIASES["apprehension_date"]):
        raise GeodataError(f"{path}: no apprehension_date column: not DDP's arrests table")
    return normalise_arrests(df, source=path.name)


# -- places --------------------------------------------------------------------------

_COUNTY_WORDS = re.compile(
    r"\b(COUNTY|PARISH|BOROUGH|CENSUS AREA|CITY AND BOROUGH|MUNICIPIO|MUNICIPALITY|CO|CNTY)\b\.?"
)


def _county_key(name: str) -> str:
    text = re.sub(r"[^A-Z0-9 ]", " ", str(name).upper().replace("ST.", "SAINT ").replace("STE.", "SAINTE "))
    text = re.sub(r"\bST\b", "SAINT", text)
    text = _COUNTY_WORDS.sub(" ", text)
    return " ".join(text.split())


def _county_lookup(counties: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(state, county name key) -> FIPS; a key two counties share (Baltimore city and
    county) is kept only with the word that tells them apart."""
    lookup: dict[tuple[str, str], str] = {}
    clash: set[tuple[str, str]] = set()
    for fips, name, st in zip(counties["region_id"], counties["name"], counties["state"]):
        key = (st, _county_key(name))
        if key in lookup:
            clash.add(key)
        lookup[key] = fips
        if str(name).lower().endswith(" city"):
            lookup[(st, _county_key(name) + " CITY")] = fips
    for key in clash:
        lookup.pop(key, None)
    return lookup


def _landmark_county(landmark: str, state: str | None, lookup: dict) -> str | None:
    """The county a landmark names ("SNOHOMISH COUNTY JAIL", "KING CO JAIL"), within its state."""
    if not state:
        return None
    m = re.search(r"([A-Z][A-Z .'-]*?)\s+(?:COUNTY|CO\.?|CNTY|PARISH)\b", str(landmark).upper())
    if not m:
        return None
    words = m.group(1).split()
    # "CAP - SNOHOMISH": the name is the last words before COUNTY; try the longest first.
    for k in range(min(len(words), 3), 0, -1):
        fips = lookup.get((state, _county_key(" ".join(words[-k:]))))
        if fips:
            return fips
    return None


_CITY_JAIL = re.compile(r"^(?:CAP\s*-\s*)?([A-Z][A-Z .'-]*?)\s+(?:CITY JAIL|POLICE DEPARTMENT|POLICE DEPT|PD)\b")


def _landmark_city_county(landmark: str, state: str | None, counties) -> str | None:
    """The county of the city whose jail or police a landmark names ("SUNNYSIDE CITY JAIL")."""
    m = _CITY_JAIL.match(str(landmark).upper().strip())
    if not m or not state:
        return None
    hit = gazetteer().city(m.group(1), state)
    if hit is None:
        return None
    import geopandas as gpd
    from shapely.geometry import Point

    point = gpd.GeoDataFrame(geometry=[Point(hit.lon, hit.lat)], crs="EPSG:4326")
    return assign_regions(point, "county", regions=counties)["region_id"].iloc[0]


def _place_rows(rows: pd.DataFrame, counties: pd.DataFrame, facilities=None) -> tuple[pd.Series, pd.Series]:
    """County FIPS (or None) and how it was found, per row; distinct values worked out once."""
    lookup = _county_lookup(counties)
    n = len(rows)
    fips = np.full(n, None, dtype=object)
    how = np.full(n, "state", dtype=object)
    how[pd.isna(rows["state"]).to_numpy()] = "unplaced"

    # 1. The county column.
    pairs = pd.Series(list(zip(rows["state"], rows["county"])), dtype=object)
    codes, uniques = pd.factorize(pairs)
    found = np.array([lookup.get((st, _county_key(c))) if st and c else None for st, c in uniques] + [None],
                     dtype=object)
    by_county = found[codes]
    ok = pd.notna(by_county)
    fips[ok], how[ok] = by_county[ok], "county"

    # 2. The landmark: a facility of the map, else a county it names.
    rest = np.flatnonzero(~ok & pd.notna(rows["state"]).to_numpy() & pd.notna(rows["apprehension_landmark"]).to_numpy())
    if len(rest):
        sub = rows.iloc[rest]
        pairs = pd.Series(list(zip(sub["state"], sub["apprehension_landmark"])), dtype=object)
        codes, uniques = pd.factorize(pairs)
        fac_county = _facility_counties(facilities, counties)
        matcher = _matcher(facilities)
        res_fips, res_how = [], []
        for st, landmark in uniques:
            got, kind = None, None
            if matcher is not None and matcher.has_state(st):
                match = matcher.match(landmark, st)
                if match.facility_id is not None and fac_county.get(match.facility_id):
                    got, kind = fac_county[match.facility_id], "landmark_facility"
            if got is None:
                got = _landmark_county(landmark, st, lookup)
                kind = "landmark_county" if got else None
            if got is None:
                got = _landmark_city_county(landmark, st, counties)
                kind = "landmark_city" if got else None
            res_fips.append(got)
            res_how.append(kind)
        res_fips = np.array(res_fips + [None], dtype=object)[codes]
        res_how = np.array(res_how + [None], dtype=object)[codes]
        hit = pd.notna(res_fips)
        fips[rest[hit]] = res_fips[hit]
        how[rest[hit]] = res_how[hit]
    return pd.Series(fips, index=rows.index), pd.Series(how, index=rows.index)


def _matcher(facilities):
    if facilities is None or len(facilities) == 0:
        return None
    return FacilityMatcher(facilities, strict=True)


def _facility_counties(facilities, counties) -> dict[str, str]:
    """Facility id -> the county its point is in."""
    if facilities is None or len(facilities) == 0:
        return {}
    placed = facilities[facilities.geometry.notna()]
    got = assign_regions(placed.drop(columns=["location_precision"], errors="ignore"), "county", regions=counties)
    return {fid: rid for fid, rid in zip(placed["id"], got["region_id"]) if rid}


# -- counting --------------------------------------------------------------------------


def aggregate_arrests(
    rows: pd.DataFrame,
    *,
    facilities=None,
    counties: pd.DataFrame | None = None,
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Arrests by county (else state) and week, likely duplicates dropped, small cells suppressed.

    Parameters
    ----------
    rows : pandas.DataFrame
        As :func:`read_arrests` or :func:`normalise_arrests` return them.
    facilities : geopandas.GeoDataFrame, optional
        Facilities to join landmarks to (``id``, ``name``, ``city``, ``state``, point).
    counties : pandas.DataFrame, optional
        County polygons (default: the bundled ones).
    min_cell : int
        Cells of fewer arrests are left out (their number and arrests go into ``attrs``).

    Returns
    -------
    pandas.DataFrame
        :data:`CELL_COLUMNS`: ``week`` (its Monday, ISO date), ``level`` (``county`` or
        ``state``: the arrests of that week and state that no county could be found for),
        ``region_id`` (county FIPS, or the state's postal code), ``state``, ``arrests``.
        ``attrs``: ``rows``, ``duplicates_dropped``, ``undated``, ``unplaced`` (no state),
        ``placed`` (arrests by how their county was found: ``county``,
        ``landmark_facility``, ``landmark_county``, ``landmark_city``, ``state``), ``suppressed_cells``,
        ``suppressed_arrests``, ``min_cell``, ``first_day``, ``last_day``.
    """
    if counties is None:
        counties = load_regions("county")
    n_rows = len(rows)
    dup = rows["duplicate"].to_numpy(dtype=bool)
    kept = rows[~dup]
    undated = kept["apprehension_date"].isna().to_numpy()
    kept = kept[~undated]
    fips, how = _place_rows(kept, counties, facilities)
    week = (kept["apprehension_date"] - pd.to_timedelta(kept["apprehension_date"].dt.day_of_week, unit="D"))
    week = week.dt.strftime("%Y-%m-%d")
    placed = how != "unplaced"
    level = np.where(pd.notna(fips), "county", "state")
    region = np.where(pd.notna(fips), fips, kept["state"])
    cells = pd.DataFrame({
        "week": week.to_numpy(), "level": level, "region_id": region, "state": kept["state"].to_numpy(),
    })[placed.to_numpy()]
    counted = cells.groupby(list(cells.columns), sort=True).size().rename("arrests").reset_index()
    small = counted["arrests"] < min_cell
    out = counted[~small].reset_index(drop=True)[list(CELL_COLUMNS)]
    dates = kept["apprehension_date"]
    out.attrs = {
        "source": rows.attrs.get("source", ""),
        "rows": int(n_rows),
        "duplicates_dropped": int(dup.sum()),
        "undated": int(undated.sum()),
        "unplaced": int((~placed).sum()),
        "placed": {k: int(v) for k, v in how[placed].value_counts().sort_index().items()},
        "suppressed_cells": int(small.sum()),
        "suppressed_arrests": int(counted.loc[small, "arrests"].sum()),
        "min_cell": int(min_cell),
        "first_day": dates.min().date().isoformat() if len(dates) else None,
        "last_day": dates.max().date().isoformat() if len(dates) else None,
    }
    return out


def summary(cells: pd.DataFrame) -> str:
    """One paragraph on what :func:`aggregate_arrests` counted, left out and suppressed."""
    a = cells.attrs
    placed = ", ".join(f"{n:,} by {k.replace('_', ' ')}" for k, n in a.get("placed", {}).items())
    return (
        f"{a.get('source', 'arrests')}: {a['rows']:,} rows; {a['duplicates_dropped']:,} likely duplicates dropped, "
        f"{a['undated']:,} without a date, {a['unplaced']:,} without a state; placed: {placed}; "
        f"{len(cells):,} county/state x week cells published, {a['suppressed_cells']:,} cells "
        f"({a['suppressed_arrests']:,} arrests) under {a['min_cell']} suppressed"
    )


def arrests_measure_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The weekly cells of :func:`aggregate_arrests` as the measure table
    (:data:`geodata.core.measures.MEASURE_COLUMNS`): ``measure`` "arrests", ``place_kind`` "county" (FIPS)
    or "state" (postal code: the arrests of that week no county could be found for), the week Monday to
    Sunday as the period, the arrests as ``value``."""
    from ..core.measures import MEASURE_COLUMNS

    week = pd.to_datetime(cells["week"])
    county = cells["level"].to_numpy() == "county"
    out = pd.DataFrame({
        "measure": "arrests",
        "place_kind": np.where(county, "county", "state"),
        "place_id": np.where(county, cells["region_id"].astype(str), cells["state"].astype(str)),
        "category": "",
        "period_start": week.dt.strftime("%Y-%m-%d").to_numpy(),
        "period_end": (week + pd.Timedelta(days=6)).dt.strftime("%Y-%m-%d").to_numpy(),
        "value": cells["arrests"].astype(float).to_numpy(),
        "source": DDP_SOURCE_URL,
    })
    return out[list(MEASURE_COLUMNS)]


def save_arrest_cells(cells: pd.DataFrame, path: str | Path) -> Path:
    """Write the weekly cells (and only them) as the measure table's CSV (:func:`arrests_measure_table`)."""
    from ..core.measures import save_measure

    path = Path(path)
    return save_measure(arrests_measure_table(cells), "arrests", path=path)


def load_arrest_cells(path: str | Path) -> pd.DataFrame | None:
    """The arrests measure table written by :func:`save_arrest_cells`, or None when there is none.

    A file of an older release (``week, level, region_id, state, arrests``) is read too.
    """
    from ..core.measures import validate_measure_table

    path = Path(path)
    if not path.is_file():
        return None
    cells = pd.read_csv(path, dtype=str, keep_default_na=False)
    if set(CELL_COLUMNS) <= set(cells.columns):
        cells["arrests"] = pd.to_numeric(cells["arrests"])
        return arrests_measure_table(cells)
    return validate_measure_table(cells, "arrests")


# -- fetching --------------------------------------------------------------------------


def fetch_arrests(url: str, out: str | Path, *, facilities=None, opener=None) -> pd.DataFrame:
    """Download DDP's arrests table, count it (:func:`aggregate_arrests`) and write only the cells.

    ``url`` may be ``https://``, ``file://`` or a local path.  The downloaded rows go to a
    temporary file that is deleted once counted: nothing row by row is kept.
    """
    import tempfile

    opener = opener or urllib.request.urlopen
    parsed = urllib.parse.urlparse(str(url))
    with tempfile.TemporaryDirectory(prefix="ddp-arrests-") as tmp:
        local = Path(tmp) / "arrests.parquet"
        if parsed.scheme in ("file", "") or len(parsed.scheme) == 1:  # a path (C: is a drive, not a scheme)
            src = Path(urllib.request.url2pathname(parsed.path)) if parsed.scheme == "file" else Path(url)
            if not src.is_file():
                raise GeodataError(f"{url}: no such file")
            local = src
        elif parsed.scheme in ("http", "https"):
            try:
                with opener(str(url), timeout=120) as resp, open(local, "wb") as fh:
                    while chunk := resp.read(1 << 20):
                        fh.write(chunk)
            except OSError as exc:
                raise GeodataError(f"{url}: download failed ({exc})") from None
        else:
            raise GeodataError(f"{url}: unsupported URL scheme {parsed.scheme!r} (use https://, file:// or a path)")
        rows = read_arrests(local)
        cells = aggregate_arrests(rows, facilities=facilities)
        del rows
    save_arrest_cells(cells, out)
    return cells
