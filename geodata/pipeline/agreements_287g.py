"""287(g) agreements in force, by place and month, from ICE's monthly snapshots.

The rule (``docs/enforcement-287g.md`` says it for readers):

* An agreement is one (state, agency, model).  Agencies are compared by a folded name
  (:func:`agency_key`: case, apostrophes, punctuation and hyphens ignored), so
  "Miami-Dade Sheriff's Office" and "Miami Dade Sheriff’s Office" are one agency.
* Each run of consecutive snapshots that list it is one period in force.  A period
  ends on the date of the last snapshot of its run (for an agreement in the last
  snapshot: that snapshot's date, the last day known).
* A period starts on SIGNED as written in the run's first snapshot when that date is
  after the snapshot before (which did not list it) and not after the run's first
  snapshot; otherwise (SIGNED missing, not a date, later than the first snapshot that
  lists it, or on or before a snapshot that did not list it) on the date of the run's
  first snapshot.  For the first snapshot of all, any SIGNED on or before it counts.
  So on every snapshot date the agreements in force are exactly that snapshot's rows:
  the map never contradicts a list ICE published that day.
* A month's value is the number of agreements with a period that overlaps the
  calendar month (in force on at least one day of it).  The bundled table stores
  consecutive months of the same value as one row (a run) spanning them.

Places (:func:`place_agencies`): a state agency is drawn as its state; other agencies
in the Census county their COUNTY cell names (:class:`geodata.geography.counties.Counties`),
else in the county their own name names ("Cobb County Sheriff's Office"), else, for a
municipality, in the county of the GeoNames place their name names ("Kodiak Police
Department" -> Kodiak -> Kodiak Island Borough).  Every COUNTY cell that matches no
county and every agency not placed is in the report with its reason.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..core.atomic import write_text
from ..core.measures import as_runs
from ..core.paths import DATA_DIR
from ..core.report import GeodataError, Report
from ..geography.counties import Counties
from ..sources.ice_287g import ICE_287G_URL, MODELS, read_287g_snapshots

__all__ = [
    "AGREEMENT_COLUMNS", "MEASURE_287G", "MEASURE_COLUMNS", "MEASURES_DIR", "MONTHLY_FILE", "AGREEMENTS_FILE",
    "SNAPSHOTS_FILE", "FIRST_MONTH", "agency_key", "build_287g", "build_agreements", "in_force_on",
    "load_287g", "monthly_in_force", "place_agencies", "save_287g",
]

MEASURE_287G = "287g"
MEASURES_DIR = DATA_DIR / "measures"
MONTHLY_FILE = "287g-monthly.csv"
AGREEMENTS_FILE = "287g-agreements.csv"
SNAPSHOTS_FILE = "287g-snapshots.csv"
#: The first month of the monthly table (the first snapshot is of 2021-01-13).
FIRST_MONTH = dt.date(2021, 1, 1)
#: The shared shape of a measure by area through time.
MEASURE_COLUMNS = ["measure", "place_kind", "place_id", "period_start", "period_end", "category", "value", "source"]
AGREEMENT_COLUMNS = ["place_kind", "place_id", "place_method", "state", "agency", "agency_type", "county", "model",
                     "signed", "first_seen", "last_seen", "snapshot_count", "snapshots", "in_force"]
_SOURCE = "ice-287g"


def agency_key(name: str) -> str:
    """An agency's name folded for comparison: ``"Miami-Dade Sheriff’s Office"`` -> ``"miami dade sheriffs office"``."""
    text = re.sub(r"['\u2019`]", "", str(name).lower())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in sorted(indices):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def build_agreements(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per agreement (state, agency, model) from the snapshots' rows.

    Returns ``state, key, agency, agency_type, county, model, signed`` (as ICE's latest
    snapshot listing it writes them), ``first_seen, last_seen, snapshot_count``,
    ``snapshots`` (the runs of consecutive snapshots listing it, ``first/last`` joined
    by ``;``) and ``periods`` (a list of ``(start, end)`` dates in force, see the module).
    """
    dates = sorted(set(rows["snapshot_date"]))
    index = {d: i for i, d in enumerate(dates)}
    rows = rows.assign(key=rows["agency"].map(agency_key), _i=rows["snapshot_date"].map(index))
    rows = rows.sort_values(["state", "key", "model", "_i"], kind="stable")
    groups: dict[tuple, dict[int, dict]] = {}
    for r in rows.to_dict("records"):
        groups.setdefault((r["state"], r["key"], r["model"]), {})[r["_i"]] = r
    out = []
    for (state, key, model), by_i in groups.items():
        runs = _runs(list(by_i))
        periods = []
        for a, b in runs:
            signed = by_i[a]["signed"]
            before = dates[a - 1] if a > 0 else None
            start = dates[a]
            if isinstance(signed, dt.date) and signed <= dates[a] and (before is None or signed > before):
                start = signed
            periods.append((start, dates[b]))
        last = by_i[runs[-1][1]]
        out.append({
            "state": state, "key": key, "agency": last["agency"], "agency_type": last["agency_type"],
            "county": last["county"], "model": model, "signed": last["signed"],
            "first_seen": dates[runs[0][0]], "last_seen": dates[runs[-1][1]], "snapshot_count": len(by_i),
            "snapshots": ";".join(f"{dates[a]}/{dates[b]}" for a, b in runs), "periods": periods,
        })
    return pd.DataFrame(out)


def in_force_on(agreements: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The agreements with a period in force on ``day``."""
    mask = agreements["periods"].map(lambda ps: any(s <= day <= e for s, e in ps))
    return agreements[mask]


_COUNTY_IN_NAME = re.compile(r"^(?:the )?(.+? (?:county|parish|borough))\b", re.I)
_PLACE_PREFIX = re.compile(r"^(?:city|town|village|township) of ", re.I)
_PLACE_SUFFIX = re.compile(
    r"\s+(?:police services department|police department|police dept\.?|department of public safety|"
    r"public safety department|public safety|division of public safety and security|police|"
    r"constable'?s office|constables office|constable|marshal'?s office)$", re.I)


def _place_name(agency: str) -> str | None:
    """The place a municipal agency's name names ("City of St. Cloud Police Department" -> "St. Cloud")."""
    name = _PLACE_PREFIX.sub("", agency.strip())
    bare = _PLACE_SUFFIX.sub("", name)
    if bare == name:
        return None
    bare = re.sub(r"^Ft\.? ", "Fort ", bare)
    bare = re.sub(r" Borough$", "", bare)  # a Pennsylvania borough is the town of its name
    return bare.strip() or None


def place_agencies(rows: pd.DataFrame, report: Report, counties: Counties | None = None) -> pd.DataFrame:
    """The place each agency (state, folded name) is drawn in, and how it was found.

    Returns ``state, key, place_kind ("county", "state" or ""), place_id, place_method``;
    every COUNTY cell that matches no Census county, and every agency left without a
    place, is added to ``report`` (``unmatched``); every agency placed by its name or by
    the place lookup gets a ``note`` saying how.
    """
    counties = counties or Counties()
    rows = rows.assign(key=rows["agency"].map(agency_key)).sort_values("snapshot_date", kind="stable")
    out = []
    for (state, key), grp in rows.groupby(["state", "key"], sort=True):
        last = grp.iloc[-1]
        types = [t for t in grp["agency_type"] if t]
        kind = types[-1] if types else ""
        record = f"{last['agency']} ({state})"
        place = ("", "", "")
        if kind == "State Agency":
            place = ("state", state, "state agency")
        failed = []  # (COUNTY cell or "", why it placed nothing)
        if not place[0]:
            for cell in dict.fromkeys(reversed([c for c in grp["county"] if c])):
                geoid, how = counties.match(state, cell)
                if geoid:
                    # The Census name as ICE writes it needs no comment; another kind word keeps how it matched.
                    plain = "differs" not in how and "renamed" not in how
                    place = ("county", geoid, "COUNTY column" if plain else f"COUNTY column: {how}")
                    break
                failed.append((cell, how))
        if not place[0] and kind in ("County", ""):
            m = _COUNTY_IN_NAME.match(str(last["agency"]))
            if m:
                geoid, how = counties.match(state, m.group(1))
                if geoid:
                    place = ("county", geoid, f"agency name: {how}")
                else:
                    failed.append(("", f"county in its name: {how}"))
        if not place[0] and kind in ("Municipality", ""):
            name = _place_name(str(last["agency"]))
            if name:
                geoid, how = counties.place(state, name)
                if geoid:
                    place = ("county", geoid, f"place lookup: {how}")
                else:
                    failed.append(("", f"place lookup: {how}"))
        for cell, how in failed:
            if cell:
                then = f"; placed by its {place[2].split(':')[0]}" if place[0] else "; agency not placed"
                report.add(_SOURCE, f"{record}: COUNTY {cell!r}", "unmatched", how + then)
        if not place[0]:
            tried = [h for c, h in failed if not c]
            if not tried:
                tried = ["its COUNTY cell matched no county" if failed else "no COUNTY cell",
                         "its name names no county" + (" and no place" if kind != "County" else "")]
            report.add(_SOURCE, record, "unmatched",
                       f"{kind or 'agency of unknown type'} not placed ({'; '.join(tried)}); kept in the agreements "
                       "table without a place, left out of the counts by area")
        elif place[2].startswith(("place lookup", "agency name")):
            report.add(_SOURCE, record, "note", f"{kind or 'agency of unknown type'} without a county ICE names "
                       f"that matches: placed by its {place[2]}")
        elif place[0] == "state" and state not in counties._states:
            report.add(_SOURCE, record, "note", f"state agency of {state}: no polygon for {state} in the bundle")
        out.append({"state": state, "key": key, "place_kind": place[0], "place_id": place[1],
                    "place_method": place[2]})
    return pd.DataFrame(out, columns=["state", "key", "place_kind", "place_id", "place_method"])


def _months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append((dt.date(y, m, 1), dt.date(ny, nm, 1) - dt.timedelta(days=1)))
        y, m = ny, nm
    return out


def monthly_in_force(agreements: pd.DataFrame, last_day: dt.date, first_month: dt.date = FIRST_MONTH,
                     source: str = ICE_287G_URL, *, runs: bool = True) -> pd.DataFrame:
    """Agreements in force during each calendar month, per place: the measure table.

    ``agreements`` needs ``place_kind``, ``place_id``, ``model`` and ``periods``; those
    without a place are left out.  One row per place, month and category (the model,
    or ``""`` for all models) where the value is above 0 (a row absent is 0); with ``runs``
    (the bundled table), consecutive months of the same value are one row from the first
    month's first day to the last month's last day (:func:`geodata.core.measures.as_runs`;
    :func:`geodata.core.measures.expand_months` gives the months back).
    """
    counts: dict[tuple, int] = {}
    months = _months(first_month, last_day)
    placed = agreements[agreements["place_kind"] != ""]
    for kind, pid, model, periods in zip(placed["place_kind"], placed["place_id"], placed["model"],
                                         placed["periods"]):
        for start, end in months:
            if any(s <= end and e >= start for s, e in periods):
                for cat in ("", model):
                    k = (kind, pid, start, end, cat)
                    counts[k] = counts.get(k, 0) + 1
    order = {m: i for i, m in enumerate(("", *MODELS))}
    rows = [{"measure": MEASURE_287G, "place_kind": k[0], "place_id": k[1], "period_start": k[2].isoformat(),
             "period_end": k[3].isoformat(), "category": k[4], "value": v, "source": source}
            for k, v in counts.items()]
    frame = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    if runs:
        frame = as_runs(frame)[MEASURE_COLUMNS]
    frame["_o"] = frame["category"].map(order)
    frame = frame.sort_values(["place_kind", "place_id", "period_start", "_o"], kind="stable")
    return frame.drop(columns="_o").reset_index(drop=True)


def build_287g(folder: str | Path, report: Report | None = None,
               counties: Counties | None = None) -> dict[str, pd.DataFrame]:
    """Read every snapshot of ``folder`` and build the three bundled tables.

    Returns ``{"monthly": ..., "agreements": ..., "snapshots": ...}``: the measure table
    (:data:`MEASURE_COLUMNS`), one row per agreement (:data:`AGREEMENT_COLUMNS`) and one
    row per snapshot (date, file, URL cited, agreement rows).
    """
    report = report if report is not None else Report()
    rows = read_287g_snapshots(folder, report)
    if rows.empty:
        raise GeodataError(f"{folder}: the 287(g) snapshots hold no agreement")
    agreements = build_agreements(rows)
    places = place_agencies(rows, report, counties)
    agreements = agreements.merge(places, on=["state", "key"], how="left", validate="many_to_one")
    last_day = max(rows["snapshot_date"])
    monthly = monthly_in_force(agreements, last_day)

    def _iso(d):
        return d.isoformat() if isinstance(d, dt.date) else ""

    table = agreements.assign(
        signed=agreements["signed"].map(_iso), first_seen=agreements["first_seen"].map(_iso),
        last_seen=agreements["last_seen"].map(_iso),
        in_force=agreements["periods"].map(lambda ps: ";".join(f"{s}/{e}" for s, e in ps)),
    )
    table = table.sort_values(["place_kind", "place_id", "state", "key", "model"], kind="stable")
    snaps = (rows.groupby(["snapshot_date", "source_file", "source_url"]).size().rename("agreements")
             .reset_index().sort_values("snapshot_date"))
    snaps["snapshot_date"] = snaps["snapshot_date"].map(_iso)
    return {"monthly": monthly, "agreements": table[AGREEMENT_COLUMNS].reset_index(drop=True),
            "snapshots": snaps.reset_index(drop=True)}


def save_287g(tables: dict[str, pd.DataFrame], directory: str | Path = MEASURES_DIR) -> list[Path]:
    """Write the tables of :func:`build_287g` as CSV files into ``directory``; return their paths."""

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, name in (("monthly", MONTHLY_FILE), ("agreements", AGREEMENTS_FILE), ("snapshots", SNAPSHOTS_FILE)):
        path = directory / name
        write_text(path, tables[key].to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        paths.append(path)
    return paths


def load_287g(directory: str | Path = MEASURES_DIR) -> dict[str, pd.DataFrame]:
    """The bundled tables (``monthly``, ``agreements``, ``snapshots``), text as written (FIPS codes keep
    their leading zero), ``value`` and ``snapshot_count`` as integers."""
    directory = Path(directory)
    out = {}
    for key, name in (("monthly", MONTHLY_FILE), ("agreements", AGREEMENTS_FILE), ("snapshots", SNAPSHOTS_FILE)):
        path = directory / name
        if not path.is_file():
            raise GeodataError(f"{path}: no such file (run `geodata build-bundle`)")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in ("value", "snapshot_count", "agreements"):
            if col in frame.columns:
                frame[col] = frame[col].astype(int)
        out[key] = frame
    return out
