"""University of Washington Center for Human Rights (UWCHR): county -> ICE area of responsibility,
daily headcount per facility, and the Seattle-AOR arrests of 2012-2019.

* ``county_aor_2024_fips.csv`` (UWCHR/ice-enforce ``share/hand/county_aor.csv``, GPL-3.0):
  3,223 counties by 2024 FIPS code, each with the ERO area of responsibility (AOR) it
  belongs to.  :func:`read_county_aor` maps it onto the 2010 Census counties the project
  bundles (see :data:`FIPS_2010`).
* ``inc_headcount_fy12-24ytd.psv.gz`` (UWCHR/ice-detain ``headcount/frozen/``, GPL-3.0):
  people held per facility (ICE DETLOC code) and day, 2005-09-23 .. 2024-01-04; days
  with nobody held have no row.  :func:`read_headcount`.
* ``seattle_aor_arrests_2012_2019.csv`` (UWCHR/ice-enforce, no licence at its commit:
  read by tests only, never bundled): one row per ERO administrative arrest.
  :func:`read_seattle_arrests` turns it into the columns of
  :mod:`geodata.sources.ddp_arrests`, so the same aggregation reads it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.arrests import normalise_arrests
from ..core.report import GeodataError

__all__ = [
    "FIPS_2010",
    "HEADCOUNT_COLUMNS",
    "read_county_aor",
    "read_headcount",
    "read_seattle_arrests",
]

#: 2010 county FIPS codes that UWCHR's 2024 table spells otherwise (its SOURCE.md):
#: Wade Hampton AK is now Kusilvak, Shannon SD is Oglala Lakota, and Bedford city VA
#: merged into Bedford County in 2013.  Connecticut's 8 counties (planning regions
#: since 2022) have no code in the 2024 table: they take their state's one AOR
#: (:func:`read_county_aor`).
FIPS_2010: dict[str, str] = {"02270": "02158", "46113": "46102", "51515": "51019"}

HEADCOUNT_COLUMNS = ("detention_facility_code", "date", "n")


def read_county_aor(path: str | Path, county_fips) -> pd.DataFrame:
    """The AOR of each of the given (2010 Census) counties.

    Parameters
    ----------
    path : path
        UWCHR's ``county_aor_2024_fips.csv`` (columns ``geoid``, ``aor``...).
    county_fips : iterable of str
        Five-digit county codes to place (the bundled Census 2010 counties).

    Returns
    -------
    pandas.DataFrame
        ``county_fips``, ``aor`` and ``how``: ``table`` (the code is in the table),
        ``renamed`` (through :data:`FIPS_2010`) or ``state`` (not in the table, and every
        county of its state in the table has one AOR).  A county that none of these
        places raises :class:`GeodataError`: an AOR map with a hole would be wrong.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise GeodataError(f"{path}: cannot read the county-AOR table ({exc})") from None
    missing = {"geoid", "aor"} - set(table.columns)
    if missing:
        raise GeodataError(f"{path}: not UWCHR's county-AOR table (no column {', '.join(sorted(missing))})")
    table["geoid"] = table["geoid"].str.strip().str.zfill(5)
    table["aor"] = table["aor"].str.strip().str.upper()
    by_fips = dict(zip(table["geoid"], table["aor"]))
    by_state = table.groupby(table["geoid"].str[:2])["aor"].unique()

    rows = []
    for fips in county_fips:
        fips = str(fips)
        if fips in by_fips:
            rows.append((fips, by_fips[fips], "table"))
        elif FIPS_2010.get(fips) in by_fips:
            rows.append((fips, by_fips[FIPS_2010[fips]], "renamed"))
        elif fips[:2] in by_state.index and len(by_state[fips[:2]]) == 1:
            rows.append((fips, by_state[fips[:2]][0], "state"))
        else:
            raise GeodataError(f"{path}: county {fips} has no AOR (not in the table, and its state has several)")
    return pd.DataFrame(rows, columns=["county_fips", "aor", "how"])


def read_headcount(path: str | Path) -> pd.DataFrame:
    """UWCHR's daily headcount: ``detention_facility_code``, ``date`` (datetime64), ``n`` (people held).

    The file is pipe-delimited (gzip), whatever its name upstream says.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="|", dtype={"detention_facility_code": str, "n": "int64", "date": str})
    except (OSError, ValueError, EOFError) as exc:
        raise GeodataError(f"{path}: cannot read the headcount table ({exc})") from None
    missing = set(HEADCOUNT_COLUMNS) - set(df.columns)
    if missing:
        raise GeodataError(f"{path}: not UWCHR's headcount table (no column {', '.join(sorted(missing))})")
    df["detention_facility_code"] = df["detention_facility_code"].str.strip()
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    bad = int(df["date"].isna().sum())
    if bad:
        raise GeodataError(f"{path}: {bad} rows with a date that is not YYYY-MM-DD")
    return df[list(HEADCOUNT_COLUMNS)]


#: UWCHR's Seattle arrests -> the arrest columns of ``geodata.sources.ddp_arrests``.
_SEATTLE_COLUMNS = {
    "arrest_date": "apprehension_date",
    "state": "apprehension_state",
    "apprehension_landmark": "apprehension_landmark",
    "arrest_method": "apprehension_method",
}


def read_seattle_arrests(path: str | Path) -> pd.DataFrame:
    """UWCHR's Seattle-AOR arrests 2012-2019 as arrest rows (one per arrest, never shown one by one).

    Columns as :func:`geodata.core.arrests.normalise_arrests` returns them; the state
    codes ``OTHER`` and ``AMBIGUOUS`` become unknown, there is no county, and no row is
    marked as a duplicate (the source marks none).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(_SEATTLE_COLUMNS))
    except (OSError, ValueError) as exc:
        raise GeodataError(f"{path}: cannot read the Seattle arrests table ({exc})") from None
    df = raw.rename(columns=_SEATTLE_COLUMNS)
    df["aor"] = "SEA"
    return normalise_arrests(df, source=path.name)
