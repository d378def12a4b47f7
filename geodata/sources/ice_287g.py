"""Reader of ICE's list of 287(g) agreements (``participatingAgencies`` snapshots).

ICE publishes the state and local law-enforcement agencies that signed a 287(g)
agreement on https://www.ice.gov/identify-and-arrest/287g, as a table (2021 to
February 2025, captured by the Internet Archive) and then as a workbook.  The
snapshots in ``shared/data/ice-287g/snapshots/`` (one a month, January 2021 to May
2026) come in four layouts (``ice-287g/SOURCE.md``): the columns grow from
``STATE, LAW ENFORCEMENT AGENCY, SUPPORT TYPE, SIGNED, MOA`` to ``STATE, LAW
ENFORCEMENT AGENCY, TYPE, COUNTY, SUPPORT TYPE, SIGNED, MOA, ADDENDUM``.  The
header row is found by its column names, never assumed to be the first; every
cell is whitespace-collapsed and stripped ("Jail Enforcement Model " and "Jail
Enforcement Model" are one model; "\\nSchuylkill County" is Schuylkill County).

One row is one agreement: an agency with two models has two rows.  ``MOA`` (a link
or the word "link") and ``ADDENDUM`` are not read.

What a row cites (``source_url``): a capture with a 14-digit Internet Archive
timestamp in its file name (``ParticipatingEntities-20210113002027.xlsx``) cites
that capture of ICE's page,
``https://web.archive.org/web/20210113002027/https://www.ice.gov/identify-and-arrest/287g``;
a workbook named by its day (``participatingAgencies05182026am.xlsx``, downloaded
from ICE's page that day) cites ICE's page itself, :data:`ICE_287G_URL`, with the
capture date in ``snapshot_date``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..core.report import GeodataError, Report
from ..core.schema import state_code

__all__ = [
    "ICE_287G_URL", "MODELS", "AGENCY_TYPES", "SNAPSHOT_COLUMNS", "read_287g_snapshot", "read_287g_snapshots",
    "snapshot_date",
]

#: ICE's page of the 287(g) program, where the list of agreements is published.
ICE_287G_URL = "https://www.ice.gov/identify-and-arrest/287g"
_WAYBACK = "https://web.archive.org/web/{stamp}/" + ICE_287G_URL

#: The three models of agreement, as the map names them.
MODELS = ("Task Force Model", "Warrant Service Officer", "Jail Enforcement Model")
#: ICE's TYPE column (absent before March 2025).
AGENCY_TYPES = ("County", "Municipality", "State Agency")

#: The columns of a read snapshot, in order.
SNAPSHOT_COLUMNS = ["snapshot_date", "state", "agency", "agency_type", "county", "model", "signed", "source_file",
                    "source_url"]

# ICE's header names -> ours.  STATE, LAW ENFORCEMENT AGENCY, SUPPORT TYPE and SIGNED are in every layout.
_HEADER = {"STATE": "state", "LAW ENFORCEMENT AGENCY": "agency", "TYPE": "agency_type", "COUNTY": "county",
           "SUPPORT TYPE": "model", "SIGNED": "signed"}
_REQUIRED = ("STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED")
_HEADER_SCAN_ROWS = 30
# A model is known by its key word: ICE's own slips ("Warrant Service Office", January 2026) stay the model.
_MODEL_KEYS = (("TASK FORCE", "Task Force Model"), ("WARRANT", "Warrant Service Officer"),
               ("JAIL", "Jail Enforcement Model"))
# "State" is how some 2025 snapshots write "State Agency".
_TYPE_WORDS = {**{t.upper(): t for t in AGENCY_TYPES}, "STATE": "State Agency"}


def _model(text: str) -> str | None:
    upper = text.upper()
    found = {model for key, model in _MODEL_KEYS if key in upper}
    return found.pop() if len(found) == 1 else None


# "ParticipatingEntities-20210113002027", "participatingAgencies-20250301180751": an Internet Archive timestamp.
_STAMP_NAME = re.compile(r"-(\d{14})$")
# "participatingAgencies05182026am": month, day, year of the download, and am/pm.
_DAY_NAME = re.compile(r"(\d{2})(\d{2})(\d{4})(?:am|pm)$", re.I)


def _clean(value) -> str:
    """A cell as text, whitespace collapsed and stripped ("" for an empty cell)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    return " ".join(str(value).split())


def snapshot_date(path: str | Path) -> tuple[dt.date, str]:
    """The capture date of a snapshot and the URL it cites, from the file name.

    ``ParticipatingEntities-20210113002027.xlsx`` is the Internet Archive's capture of
    2021-01-13 (cited as that capture); ``participatingAgencies05182026am.xlsx`` is
    ICE's workbook of 2026-05-18 (cited as ICE's page).
    """
    stem = Path(path).stem
    if m := _STAMP_NAME.search(stem):
        stamp = m.group(1)
        return dt.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])), _WAYBACK.format(stamp=stamp)
    if m := _DAY_NAME.search(stem):
        month, day, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day), ICE_287G_URL
        except ValueError:
            pass
    raise GeodataError(f"{Path(path).name}: not a 287(g) snapshot name (expected ParticipatingEntities-"
                       "YYYYMMDDhhmmss.xlsx or participatingAgenciesMMDDYYYYam.xlsx)")


def _signed(value) -> dt.date | None:
    """SIGNED as a date: a datetime cell, or text (``2016-06-08``, ``6/8/2016``)."""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date() if not pd.isna(value) else None
    if isinstance(value, dt.date):
        return value
    text = _clean(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _find_header(raw: pd.DataFrame, name: str) -> tuple[int, dict[int, str]]:
    for i in range(min(len(raw), _HEADER_SCAN_ROWS)):
        cells = {j: _clean(v).upper() for j, v in enumerate(raw.iloc[i].tolist())}
        names = set(cells.values())
        if all(r in names for r in _REQUIRED):
            return i, {j: _HEADER[c] for j, c in cells.items() if c in _HEADER}
    raise GeodataError(f"{name}: no header row with {', '.join(_REQUIRED)} in its first {_HEADER_SCAN_ROWS} rows; "
                       "not a 287(g) list")


def read_287g_snapshot(path: str | Path, report: Report | None = None) -> pd.DataFrame:
    """Read one snapshot of ICE's 287(g) list (any of its layouts).

    Parameters
    ----------
    path
        An ``.xlsx`` snapshot, named as in :func:`snapshot_date`.
    report
        Rows left out (no agency, an unknown state or model) are added here with their reason.

    Returns
    -------
    pandas.DataFrame
        One row per agreement, columns :data:`SNAPSHOT_COLUMNS`: ``snapshot_date`` and
        ``signed`` are dates (``signed`` ``None`` where the cell is empty or not a date),
        ``state`` a postal code, ``model`` one of :data:`MODELS`, ``agency_type`` one of
        :data:`AGENCY_TYPES` or ``""`` (oldest layout), ``county`` as ICE writes it or ``""``.
    """
    path = Path(path)
    report = report if report is not None else Report()
    when, url = snapshot_date(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    try:
        raw = pd.read_excel(path, header=None, sheet_name=0, dtype=object)
    except Exception as exc:  # a file that is not a workbook: one message, no traceback
        raise GeodataError(f"{path.name}: not a readable workbook ({exc})") from None
    at, columns = _find_header(raw, path.name)
    source = f"ice-287g {path.name}"
    rows = []
    values = raw.to_numpy(dtype=object)
    for i in range(at + 1, len(values)):
        cells = values[i]
        rec = {name: cells[j] for j, name in columns.items()}
        text = {k: _clean(v) for k, v in rec.items() if k != "signed"}
        if not any(text.values()) and pd.isna(rec.get("signed")):
            continue  # an empty row
        record = f"row {i + 1}: {text.get('agency', '')} ({text.get('state', '')})"
        state = state_code(text.get("state"))
        model = _model(text.get("model", ""))
        if not text.get("agency"):
            report.add(source, record, "rejected", "no agency named")
            continue
        if state is None:
            report.add(source, record, "rejected", f"state {text.get('state')!r} is not a US state")
            continue
        if model is None:
            report.add(source, record, "rejected", f"support type {text.get('model')!r} is not a 287(g) model")
            continue
        kind = text.get("agency_type", "")
        if kind and kind.upper() not in _TYPE_WORDS:
            report.add(source, record, "note", f"agency type {kind!r} is not one of {', '.join(AGENCY_TYPES)}; kept")
        signed = _signed(rec.get("signed"))
        if signed is None and _clean(rec.get("signed")):
            report.add(source, record, "note", f"SIGNED {_clean(rec.get('signed'))!r} is not a date; kept without")
        rows.append({
            "snapshot_date": when, "state": state, "agency": text["agency"],
            "agency_type": _TYPE_WORDS.get(kind.upper(), kind), "county": text.get("county", ""),
            "model": model, "signed": signed, "source_file": path.name, "source_url": url,
        })
    return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)


def read_287g_snapshots(folder: str | Path, report: Report | None = None) -> pd.DataFrame:
    """Every snapshot (``*.xlsx``) of a folder, oldest first, as one frame (see :func:`read_287g_snapshot`)."""
    folder = Path(folder)
    paths = sorted(folder.glob("*.xlsx"), key=lambda p: snapshot_date(p)[0])
    if not paths:
        raise GeodataError(f"{folder}: no 287(g) snapshots (*.xlsx) there")
    dates = [snapshot_date(p)[0] for p in paths]
    if len(set(dates)) != len(dates):
        raise GeodataError(f"{folder}: two snapshots of the same day")
    frames = [read_287g_snapshot(p, report) for p in paths]
    return pd.concat(frames, ignore_index=True)
