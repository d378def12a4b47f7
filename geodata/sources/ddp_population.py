"""Daily population of each detention facility, from the Deportation Data Project (CC0).

DDP's ``facilities-daily-population-latest.parquet`` counts the people held in each
facility on each day (707 facility codes x 1,257 days, 2022-10-01 to 2026-03-10,
zero-filled).  It names facilities by ICE's code (``EROFCB``) and ICE's upper-case
name (``ERO EL PASO CAMP EAST MONTANA``) but gives no place, so each code is joined to
the facility layer: by code where a reference table has given the facility its code,
else by name, within the state where one is known.  The result the map needs is
small: one row per facility and month (:func:`monthly_population`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.report import GeodataError, Report
from ..core.schema import STATE_CODES, state_code
from ..geography.match import FacilityMatcher

__all__ = [
    "DDP_URL",
    "CODE_COLUMNS",
    "DAILY_COLUMNS",
    "MONTHLY_COLUMNS",
    "code_states",
    "facility_codes",
    "monthly_population",
    "read_daily_population",
    "write_population",
]

DDP_URL = "https://deportationdata.org"
DAILY_COLUMNS: tuple[str, ...] = (
    "detention_facility_code", "date", "n_detained", "n_detained_at_midnight", "detention_facility",
)
CODE_COLUMNS: tuple[str, ...] = (
    "facility_id", "detention_facility_code", "detention_facility", "how", "score", "person_days",
)
MONTHLY_COLUMNS: tuple[str, ...] = (
    "facility_id", "detention_facility_code", "month", "adp", "adp_midnight", "days", "max",
)
SOURCE = "ddp daily population"


def read_daily_population(path: str | Path) -> pd.DataFrame:
    """Read DDP's daily facility population (only the columns the map uses).

    Returns
    -------
    DataFrame with :data:`DAILY_COLUMNS`; ``date`` is ``datetime64`` (DDP stores
    dates, which pandas would otherwise leave as Python objects), codes and names are
    categoricals.  888,699 rows read in well under a second.
    """
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise GeodataError("reading Parquet needs pyarrow: python3 -m pip install pyarrow") from None
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise GeodataError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in DAILY_COLUMNS if c not in schema.names]
    if missing:
        raise GeodataError(f"{path}: not DDP's daily facility population (missing columns {', '.join(missing)})")
    table = pq.read_table(
        path, columns=list(DAILY_COLUMNS), read_dictionary=["detention_facility_code", "detention_facility"]
    )
    df = table.to_pandas(date_as_object=False)
    df["date"] = df["date"].astype("datetime64[ns]")
    return df


def code_states(*references: pd.DataFrame) -> dict[str, str]:
    """``ICE code -> state`` from reference tables (:func:`geodata.pipeline.reference.read_facility_reference`)."""
    out: dict[str, str] = {}
    for ref in references:
        for code, st in zip(ref["code"], ref["state"]):
            if isinstance(code, str) and isinstance(st, str):
                out.setdefault(code.upper(), st)
    return out


def _state_from_code(code: str) -> str | None:
    """ICE's seven-letter codes mostly end with the state (``DODGEWI``, ``ORANGNY``);
    three- and six-letter ones (``KRO``, ``EROFCB``) do not."""
    return code[-2:] if len(code) == 7 and code[-2:] in STATE_CODES else None


def _within_a_state(matcher: FacilityMatcher, frame: pd.DataFrame, code: str, name: str, tried: str | None):
    """A second try for a code its name did not place: the state its first two letters give,
    else the one state whose facilities' cities the name names.  ``(match, state)`` or ``(None, None)``."""
    from ..geography.geocode import normalize_place
    from ..geography.match import normalize_facility_name

    first = code[:2].upper()
    if len(code) == 7 and first in STATE_CODES and first != tried and matcher.has_state(first):
        m = matcher.match(name, first)
        if m.facility_id is not None:
            return m, first
    words = f" {normalize_facility_name(name)} "
    places = {(st, c) for st, c in zip(frame["state"], frame["city"])
              if isinstance(st, str) and isinstance(c, str) and len(normalize_place(c)) > 3
              and f" {normalize_place(c)} " in words}
    if len({st for st, _ in places}) == 1:
        st = next(iter(places))[0]
        return matcher.match(name, st), st  # the city chose the state; it adds nothing to the name
    return None, None


def _codes_summary(daily: pd.DataFrame) -> pd.DataFrame:
    g = daily.groupby("detention_facility_code", observed=True)
    summary = pd.DataFrame({
        "detention_facility": g["detention_facility"].first().astype(str),
        "person_days": g["n_detained"].sum().astype("int64"),
        "first": g["date"].min(),
        "last": g["date"].max(),
    })
    summary.index = summary.index.astype(str)
    return summary


def _matcher_frame(facilities: pd.DataFrame) -> pd.DataFrame:
    """The facilities, placed or not (a facility without a point still has a population),
    with the state read from the ZIP where the sheet left it blank."""
    import zipcodes

    frame = pd.DataFrame({c: facilities[c].to_numpy() for c in ("id", "name", "city", "state", "zip")})
    for i, (st, z) in enumerate(zip(frame["state"], frame["zip"])):
        if not (isinstance(st, str) and st) and isinstance(z, str):
            hit = zipcodes.matching(z)
            frame.at[i, "state"] = hit[0]["state"] if hit else None
    return frame


def facility_codes(
    daily: pd.DataFrame,
    facilities: pd.DataFrame,
    report: Report | None = None,
    *,
    known: Mapping[str, str] | None = None,
    states: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Join each DDP facility code to at most one facility of the layer, and back.

    Parameters
    ----------
    daily : from :func:`read_daily_population`.
    facilities : the facility layer (``id``, ``name``, ``city``, ``state``, ``zip``).
    report : receives each DDP code that no facility took (``unmatched``, with its
        person-days so a reader sees what is missed; ``ambiguous`` when another code
        won the facility) and each facility without a code (``unmatched``).
    known : ``facility id -> ICE code`` from a reference match
        (:func:`geodata.pipeline.reference.reference_codes`); used before any name.
    states : ``ICE code -> state`` (:func:`code_states`); else a seven-letter code's
        last two letters, when they are a state, restrict the name match to it.

    Returns
    -------
    DataFrame with :data:`CODE_COLUMNS`, one row per facility that has a code.
    ``how`` is ``code`` (from ``known``, and DDP's name agrees), ``code, name
    differs`` (kept unless a name match is closer), ``name+state`` or ``name`` (a
    name no other facility in the country shares).  Each facility has at most one
    code and each code at most one facility: where two codes claim a facility, a
    code from ``known`` wins, else the closer name, else the larger population.
    """
    report = report if report is not None else Report()
    known = {k: v.upper() for k, v in (known or {}).items() if isinstance(v, str)}
    states = {k.upper(): v for k, v in (states or {}).items()}
    summary = _codes_summary(daily)
    frame = _matcher_frame(facilities)
    matcher = FacilityMatcher(frame, strict=True)

    claims, misses = [], {}
    by_code = {code: fid for fid, code in known.items() if code in summary.index}
    for code, row in summary.iterrows():
        if code in by_code:
            # Codes drift: Marshall's 2017 code for JOE CORLEY is MONTGTX, which DDP
            # uses for MONTGOMERY COUNTY JAIL.  A code whose name differs competes as a name.
            fid = by_code[code]
            score = round(float(matcher.score(row["detention_facility"], fid)), 1)
            claims.append((fid, code, "code" if score >= matcher.threshold else "code, name differs", score))
            continue
        name = row["detention_facility"]
        given, guessed = state_code(states.get(code)), _state_from_code(code)
        if not given and guessed and not matcher.has_state(guessed):
            # The last letters of a code are not always a state (CADESVI is Desert View
            # Annex, California, not the Virgin Islands, where the layer has nothing).
            m, how = matcher.match_any_state(name), "name"
        elif given or guessed:
            m, how = matcher.match(name, given or guessed), "name+state"
        else:
            m, how = matcher.match_any_state(name), "name"
        if m.facility_id is None and not given:
            # Some codes begin with the state (INMIAMI is Miami Correctional Center, Indiana,
            # not Michigan); a name alike in several states is taken in the one whose
            # facility's city the name names (BOPMIM "MIAMI FED.DET.CENTER": Miami, FL, not
            # Miami Correctional Center in Bunker Hill, IN).  Within a state only.
            m2, st2 = _within_a_state(matcher, frame, code, name, guessed)
            if m2 is not None and m2.facility_id is not None:
                m, how = m2, f"name+state ({st2})"
        if m.facility_id is None:
            action = "ambiguous" if m.how.startswith("ambiguous") else "unmatched"
            misses[code] = (action, m.how + (f" (state {guessed} read from the code)" if guessed and not given else ""))
        else:
            claims.append((m.facility_id, code, how, round(float(m.score), 1)))

    table = pd.DataFrame(claims, columns=["facility_id", "detention_facility_code", "how", "score"])
    table["person_days"] = table["detention_facility_code"].map(summary["person_days"]).astype("int64")
    # A code given by a reference beats any name; between names, the closer one wins.
    table["_rank"] = (table["how"] != "code").astype(int)
    table = table.sort_values(["facility_id", "_rank", "score", "person_days"], ascending=[True, True, False, False])
    winners = table.drop_duplicates("facility_id", keep="first")
    for t in table.drop(winners.index).itertuples(index=False):
        won = winners.loc[winners["facility_id"] == t.facility_id, "detention_facility_code"].iloc[0]
        misses[t.detention_facility_code] = (
            "ambiguous", f"also matches {t.facility_id} ({t.how}), which code {won} matches better")
    winners = winners.drop(columns="_rank")
    winners.insert(2, "detention_facility", winners["detention_facility_code"].map(summary["detention_facility"]))

    for code, (action, reason) in sorted(misses.items()):
        s = summary.loc[code]
        report.add(SOURCE, f"{code} {s['detention_facility']}", action,
                   f"{reason}; {int(s['person_days']):,} person-days "
                   f"{s['first']:%Y-%m-%d}..{s['last']:%Y-%m-%d} not on the map")
    for fid in frame["id"]:
        if fid not in set(winners["facility_id"]):
            report.add(SOURCE, fid, "unmatched", "no DDP facility code matched this facility")
    return winners[list(CODE_COLUMNS)].sort_values("facility_id").reset_index(drop=True)


def monthly_population(
    daily: pd.DataFrame,
    facilities: pd.DataFrame | None = None,
    report: Report | None = None,
    *,
    codes: pd.DataFrame | None = None,
    **join,
) -> pd.DataFrame:
    """Average daily population of each facility of the layer, month by month.

    Parameters
    ----------
    daily : from :func:`read_daily_population`.
    facilities : the facility layer; needed unless ``codes`` is given.
    report : passed to :func:`facility_codes`.
    codes : a table from :func:`facility_codes`, to reuse it.
    join : ``known`` and ``states``, passed to :func:`facility_codes`.

    Returns
    -------
    DataFrame with :data:`MONTHLY_COLUMNS`: ``month`` is ``YYYY-MM``; ``adp`` and
    ``adp_midnight`` are the means of ``n_detained`` and ``n_detained_at_midnight``
    over the ``days`` of that month in the data (a month the data only partly
    covers says so in ``days``); ``max`` is the month's highest daily count.
    """
    if codes is None:
        if facilities is None:
            raise GeodataError("monthly_population needs the facilities or a table of facility codes")
        codes = facility_codes(daily, facilities, report, **join)
    to_facility = dict(zip(codes["detention_facility_code"], codes["facility_id"]))
    keep = daily["detention_facility_code"].isin(list(to_facility)).to_numpy()
    part = daily.loc[keep, ["detention_facility_code", "date", "n_detained", "n_detained_at_midnight"]]
    part = part.assign(
        detention_facility_code=part["detention_facility_code"].astype(str),
        _month=part["date"].to_numpy().astype("datetime64[M]"),
    )
    g = part.groupby(["detention_facility_code", "_month"], observed=True)
    out = pd.DataFrame({
        "adp": g["n_detained"].mean().round(2),
        "adp_midnight": g["n_detained_at_midnight"].mean().round(2),
        "days": g["n_detained"].size(),
        "max": g["n_detained"].max().astype("int64"),
    }).reset_index()
    out["month"] = np.datetime_as_string(out["_month"].to_numpy().astype("datetime64[M]"), unit="M")
    out["facility_id"] = out["detention_facility_code"].map(to_facility)
    return out[list(MONTHLY_COLUMNS)].sort_values(["facility_id", "month"]).reset_index(drop=True)


def write_population(monthly: pd.DataFrame, codes: pd.DataFrame, directory: str | Path) -> list[Path]:
    """Write ``facility-population-monthly.csv`` and ``facility-codes.csv``.

    Months in which nobody was held (``max`` 0: DDP's panel is zero-filled) are left
    out, so a missing month means none.  Returns the paths written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    monthly_path = directory / "facility-population-monthly.csv"
    monthly[monthly["max"] > 0].to_csv(monthly_path, index=False, lineterminator="\n")
    codes_path = directory / "facility-codes.csv"
    codes.to_csv(codes_path, index=False, lineterminator="\n")
    return [monthly_path, codes_path]
