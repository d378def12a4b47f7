"""People held per facility and month, from UWCHR's daily headcount (GPL-3.0), and how it
compares with the Deportation Data Project's daily counts (CC0).

UWCHR's table (:func:`geodata.sources.uwchr.read_headcount`) counts, for each ICE
facility code (DETLOC) and day, the people whose book-in and book-out span that day.
It is complete from FY2012 (2011-10-01) to 2024-01-04; before October 2011 it holds
only people whose stays ran on into FY2012, so those months are undercounts
(34 people a day in 2008, 31,341 on 2011-10-01) and are left out
(:data:`FIRST_COMPLETE_DAY`).  The bundle keeps one row per code and month
(:func:`monthly_headcount`) as its own file, under UWCHR's licence:
``geodata/data/uwchr/facility-headcount-monthly.csv``.

UWCHR and DDP computed their counts independently, from different FOIA releases;
they overlap from 2022-10-01 to 2024-01-04.  :func:`compare_national` and
:func:`compare_facilities` measure how far they differ (README, "Population from
two daily sources").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.paths import DATA_DIR
from ..core.report import Report

__all__ = [
    "FIRST_COMPLETE_DAY",
    "HEADCOUNT_DIR",
    "HEADCOUNT_FILE",
    "HEADCOUNT_LICENSE",
    "MONTHLY_HEADCOUNT_COLUMNS",
    "compare_facilities",
    "comparison_markdown",
    "compare_national",
    "join_headcount_codes",
    "load_headcount",
    "monthly_headcount",
    "overlap",
    "save_headcount",
    "unmatched_codes",
]

FIRST_COMPLETE_DAY = pd.Timestamp("2011-10-01")
HEADCOUNT_FILE = "facility-headcount-monthly.csv"
HEADCOUNT_LICENSE = "GPL-3.0"
MONTHLY_HEADCOUNT_COLUMNS: tuple[str, ...] = (
    "detention_facility_code", "facility_id", "month", "adp", "days", "max",
)
SOURCE = "uwchr daily headcount"


def _data_dir() -> Path:
    return DATA_DIR / "uwchr"


HEADCOUNT_DIR = _data_dir()


def monthly_headcount(daily: pd.DataFrame, *, first_day=FIRST_COMPLETE_DAY) -> pd.DataFrame:
    """Average people held per facility code and calendar month.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``detention_facility_code``, ``date`` (datetime64), ``n``; a day with nobody
        held has no row (UWCHR's table).
    first_day : timestamp
        Days before it are left out (the table is complete from FY2012).

    Returns
    -------
    pandas.DataFrame
        ``detention_facility_code``, ``month`` (``YYYY-MM``), ``adp`` (person-days over
        the days of the month the table covers: a missing day counts as nobody held),
        ``days`` (those days: the last month is partial) and ``max`` (the most in one
        day), sorted by code and month.
    """
    d = daily[daily["date"] >= pd.Timestamp(first_day)]
    if d.empty:
        return pd.DataFrame(columns=["detention_facility_code", "month", "adp", "days", "max"])
    first, last = d["date"].min(), d["date"].max()
    month = d["date"].dt.strftime("%Y-%m")
    grouped = d.groupby([d["detention_facility_code"], month.rename("month")])["n"].agg(["sum", "max"])
    covered = _covered_days(first, last)
    out = grouped.reset_index()
    out["days"] = out["month"].map(covered).astype(int)
    out["adp"] = (out["sum"] / out["days"]).round(3)
    out["max"] = out["max"].astype(int)
    out = out[["detention_facility_code", "month", "adp", "days", "max"]]
    return out.sort_values(["detention_facility_code", "month"], kind="stable").reset_index(drop=True)


def _covered_days(first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    days = pd.date_range(first, last, freq="D")
    return pd.Series(1, index=days).groupby(days.strftime("%Y-%m")).sum()


def join_headcount_codes(monthly: pd.DataFrame, codes: pd.DataFrame, report: Report | None = None) -> pd.DataFrame:
    """Give each headcount row the facility its code belongs to, where one is known.

    Parameters
    ----------
    monthly : pandas.DataFrame
        As :func:`monthly_headcount`.
    codes : pandas.DataFrame
        ``detention_facility_code`` -> ``facility_id`` (the bundle's population table
        carries DDP's codes for its facilities: the same ICE DETLOC codes).
    report : Report, optional
        One ``unmatched`` row per code without a facility, with its person-days
        (most are facilities no longer in ICE's current list).

    Returns
    -------
    pandas.DataFrame
        :data:`MONTHLY_HEADCOUNT_COLUMNS`; ``facility_id`` empty where unmatched.
        Every row is kept: the file is the source's figures, not only the matched ones.
    """
    pairs = codes[["detention_facility_code", "facility_id"]].dropna().drop_duplicates("detention_facility_code")
    out = monthly.merge(pairs, on="detention_facility_code", how="left")
    if report is not None:
        unmatched = out[out["facility_id"].isna()]
        person_days = (unmatched["adp"] * unmatched["days"]).groupby(unmatched["detention_facility_code"]).sum()
        for code, pdays in person_days.sort_values(ascending=False).items():
            report.add(SOURCE, str(code), "unmatched",
                       f"no facility of the bundle has this code ({pdays:,.0f} person-days from FY2012 on)")
    return out[list(MONTHLY_HEADCOUNT_COLUMNS)]


UNMATCHED_FILE = "facility-headcount-unmatched.csv"


def unmatched_codes(joined: pd.DataFrame) -> pd.DataFrame:
    """The facility codes of :func:`join_headcount_codes`' result that no facility has.

    Returns ``detention_facility_code``, ``person_days``, ``first_month``, ``last_month``,
    most person-days first: the report of what the map cannot place.
    """
    rest = joined[joined["facility_id"].isna()]
    grouped = rest.assign(person_days=rest["adp"] * rest["days"]).groupby("detention_facility_code")
    out = pd.DataFrame({
        "person_days": grouped["person_days"].sum().round().astype(int),
        "first_month": grouped["month"].min(),
        "last_month": grouped["month"].max(),
    }).rename_axis("detention_facility_code").reset_index()
    return out.sort_values(["person_days", "detention_facility_code"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def save_headcount(monthly: pd.DataFrame, directory: str | Path = HEADCOUNT_DIR) -> Path:
    """Write ``facility-headcount-monthly.csv`` into ``directory``; return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / HEADCOUNT_FILE
    monthly.to_csv(path, index=False, lineterminator="\n", float_format="%.3f")
    return path


def load_headcount(directory: str | Path = HEADCOUNT_DIR) -> pd.DataFrame | None:
    """The bundled facility x month headcount, or None when the bundle has none."""
    path = Path(directory) / HEADCOUNT_FILE
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype={"detention_facility_code": str, "facility_id": str, "month": str})


def _ddp_monthly(ddp_daily: pd.DataFrame, first, last) -> pd.DataFrame:
    d = ddp_daily[(ddp_daily["date"] >= first) & (ddp_daily["date"] <= last)]
    month = d["date"].dt.strftime("%Y-%m").rename("month")
    code = d["detention_facility_code"].astype(str)
    sums = d.groupby([code, month], observed=True)[["n_detained", "n_detained_at_midnight"]].sum()
    return sums.rename(columns={"n_detained": "ddp", "n_detained_at_midnight": "ddp_midnight"}).reset_index()


def overlap(uwchr_daily: pd.DataFrame, ddp_daily: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The whole months both tables cover (2022-10 to 2023-12), as first and last day."""
    first = max(uwchr_daily["date"].min(), ddp_daily["date"].min())
    last = min(uwchr_daily["date"].max(), ddp_daily["date"].max())
    first = first if first.day == 1 else (first + pd.offsets.MonthBegin(1))
    last = last if (last + pd.Timedelta(days=1)).day == 1 else (last - pd.offsets.MonthEnd(1))
    return first.normalize(), last.normalize()


def compare_national(uwchr_daily: pd.DataFrame, ddp_daily: pd.DataFrame) -> pd.DataFrame:
    """National people held on an average day, by month, in both tables, over their overlap.

    DDP gives two counts a day: everyone held at any time of the day (``n_detained``)
    and those held at midnight (``n_detained_at_midnight``); UWCHR's is one.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``uwchr``, ``ddp_midnight``, ``ddp`` (people on an average day, all
        facilities), ``midnight_pct`` and ``ddp_pct``: UWCHR minus each DDP count, in % of it.
    """
    first, last = overlap(uwchr_daily, ddp_daily)
    u = uwchr_daily[(uwchr_daily["date"] >= first) & (uwchr_daily["date"] <= last)]
    u_month = u.groupby(u["date"].dt.strftime("%Y-%m"))["n"].sum()
    d = _ddp_monthly(ddp_daily, first, last).groupby("month")[["ddp", "ddp_midnight"]].sum()
    days = _covered_days(first, last)
    out = pd.DataFrame({"uwchr": u_month / days, "ddp_midnight": d["ddp_midnight"] / days, "ddp": d["ddp"] / days})
    out = out.rename_axis("month").reset_index()
    out["midnight_pct"] = 100.0 * (out["uwchr"] - out["ddp_midnight"]) / out["ddp_midnight"]
    out["ddp_pct"] = 100.0 * (out["uwchr"] - out["ddp"]) / out["ddp"]
    return out


def compare_facilities(uwchr_daily: pd.DataFrame, ddp_daily: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The facility codes whose average population over the overlap differs most between the tables.

    Returns
    -------
    pandas.DataFrame
        The ``top`` codes by the absolute difference between UWCHR and DDP's midnight
        count: ``detention_facility_code``, ``detention_facility`` (DDP's name),
        ``uwchr``, ``ddp_midnight``, ``ddp`` (people on an average day over the overlap;
        0 where a table has no row), ``difference`` (UWCHR minus DDP at midnight).
    """
    first, last = overlap(uwchr_daily, ddp_daily)
    days = (last - first).days + 1
    u = uwchr_daily[(uwchr_daily["date"] >= first) & (uwchr_daily["date"] <= last)]
    u_avg = u.groupby("detention_facility_code")["n"].sum() / days
    d = _ddp_monthly(ddp_daily, first, last).groupby("detention_facility_code")[["ddp", "ddp_midnight"]].sum() / days
    both = pd.DataFrame({"uwchr": u_avg, "ddp_midnight": d["ddp_midnight"], "ddp": d["ddp"]}).fillna(0.0)
    both["difference"] = both["uwchr"] - both["ddp_midnight"]
    first_rows = ddp_daily.drop_duplicates("detention_facility_code")
    names = pd.Series(first_rows["detention_facility"].astype(str).to_numpy(),
                      index=first_rows["detention_facility_code"].astype(str).to_numpy())
    both["detention_facility"] = both.index.map(names).fillna("(not in DDP's table)")
    order = np.argsort(-both["difference"].abs().to_numpy(), kind="stable")
    out = both.iloc[order[:top]].rename_axis("detention_facility_code").reset_index()
    return out[["detention_facility_code", "detention_facility", "uwchr", "ddp_midnight", "ddp", "difference"]]


def comparison_markdown(national: pd.DataFrame, facilities: pd.DataFrame) -> str:
    """The README's tables (:func:`compare_national`, :func:`compare_facilities`) as Markdown."""
    mid = national["midnight_pct"].abs().max()
    lines = [
        f"People held on an average day, all facilities, {national['month'].iloc[0]} to "
        f"{national['month'].iloc[-1]} (the whole months both cover). UWCHR's count is within "
        f"{mid:.1f}% of DDP's count at midnight every month, and {national['ddp_pct'].abs().min():.1f}% to "
        f"{national['ddp_pct'].abs().max():.1f}% below DDP's count of everyone held at any time of the day "
        "(that count puts a person moved between two facilities that day in both).",
        "",
        "| month | UWCHR | DDP, at midnight | UWCHR vs midnight | DDP, any time of day | UWCHR vs any time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in national.itertuples(index=False):
        lines.append(f"| {r.month} | {r.uwchr:,.0f} | {r.ddp_midnight:,.0f} | {r.midnight_pct:+.1f}% | "
                     f"{r.ddp:,.0f} | {r.ddp_pct:+.1f}% |")
    lines += [
        "",
        "The facilities whose average over those months differs most (UWCHR against DDP at midnight):",
        "",
        "| code | facility (DDP's name) | UWCHR | DDP, at midnight | DDP, any time | difference |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in facilities.itertuples(index=False):
        lines.append(f"| `{r.detention_facility_code}` | {r.detention_facility} | {r.uwchr:,.1f} | "
                     f"{r.ddp_midnight:,.1f} | {r.ddp:,.1f} | {r.difference:+,.1f} |")
    return "\n".join(lines) + "\n"
