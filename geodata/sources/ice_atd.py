"""People on Alternatives to Detention (ATD) per ICE area of responsibility, from ICE's detentionStats workbooks.

Every workbook FY2019-FY2026 (https://www.ice.gov/detain/detention-management, U.S.
government work, public domain) has one or two ATD sheets (``ATD FY19``, ``ATD EOFY24``,
``ATD FY26 YTD``...).  The block read here is "Active ATD Participants and Average Length in
Program, FY26, as of 04/04/2026, by AOR and Technology":

* its header row is found by its text, ``AOR/Technology`` (row 17 in FY19, 27 in FY26);
* the "as of" date is read from the block's title, the row above; where the title gives
  none (FY19), from the sheet's "Data from BI Inc. Participants Report, 9.30.2019" line
  (in every sheet that has both, the two dates are the same);
* under the header come the sheet's ``Total`` and each AOR's row (a city name: "St Paul",
  "WashingtonDC"), each followed by its technology rows (GPS, SmartLINK, VoiceID, Dual
  Tech...).  A row is an AOR when its name is one of :data:`ATD_AOR_CODES`; any other
  name is a technology of the AOR above it;
* the AORs must add up to the sheet's own total, and each AOR's technologies to the AOR:
  where they do not, the report says so (the rows are kept as ICE wrote them).

Two workbooks hold the same sheet (``ATD EOFY23`` is in the FY23 and FY24 workbooks): a
date read twice is kept once (the newer workbook's), and the report says so.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..core.measures import MEASURE_COLUMNS
from ..core.report import GeodataError, Report

__all__ = ["ATD_AOR_CODES", "ATD_INPUT", "ATD_SOURCE_URL", "atd_sheets", "read_atd_measure", "read_atd_sheet",
           "read_atd_workbooks"]

ATD_SOURCE_URL = "https://www.ice.gov/detain/detention-management"
#: The folder of ICE's workbooks under the shared data folder; every ``FY*.xlsx`` in it is read.
ATD_INPUT = "ice-detention-stats"

#: ICE's AOR names in the ATD sheets (spaces and dots removed, lower case) -> AOR code.
ATD_AOR_CODES: dict[str, str] = {
    "atlanta": "ATL", "baltimore": "BAL", "boston": "BOS", "buffalo": "BUF", "chicago": "CHI",
    "dallas": "DAL", "denver": "DEN", "detroit": "DET", "elpaso": "ELP", "harlingen": "HLG",
    "houston": "HOU", "losangeles": "LOS", "miami": "MIA", "neworleans": "NOL", "newyork": "NYC",
    "newyorkcity": "NYC", "newark": "NEW", "philadelphia": "PHI", "phoenix": "PHO", "saltlakecity": "SLC",
    "sanantonio": "SNA", "sandiego": "SND", "sanfrancisco": "SFR", "seattle": "SEA", "stpaul": "SPM",
    "saintpaul": "SPM", "washingtondc": "WAS", "washington": "WAS",
}

_AS_OF = re.compile(r"as of\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_REPORT_DATE = re.compile(r"Participants Report,\s*(\d{1,2})\.(\d{1,2})\.(\d{4})", re.I)


def _key(name) -> str:
    return re.sub(r"[^a-z]", "", str(name).lower())


def atd_sheets(path: str | Path) -> list[str]:
    """The names of a workbook's ATD sheets."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise GeodataError(f"{Path(path).name}: not an .xlsx workbook ({exc})") from None
    try:
        return [s for s in wb.sheetnames if s.strip().upper().startswith("ATD")]
    finally:
        wb.close()


def read_atd_sheet(path: str | Path, sheet: str, report: Report | None = None) -> pd.DataFrame:
    """One ATD sheet's block by AOR and technology, in the measure table's shape.

    Returns
    -------
    pandas.DataFrame
        :data:`geodata.core.measures.MEASURE_COLUMNS`: ``measure`` "atd", ``place_kind`` "aor",
        ``place_id`` (AOR code), ``category`` "" for the AOR's people on ATD and the
        technology's name for each of its technology rows, ``period_start`` =
        ``period_end`` = the "as of" date, ``value`` (people), ``source``.  ``attrs``:
        ``as_of``, ``total`` (the sheet's own total), ``aor_sum``, ``sheet``, ``file``.
    """
    path = Path(path)
    report = report if report is not None else Report()
    where = f"{path.name} [{sheet.strip()}]"
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    first = raw.iloc[:, 0].astype(object)
    header = [i for i, v in first.items() if isinstance(v, str) and v.strip().lower() == "aor/technology"]
    if not header:
        raise GeodataError(f"{where}: no 'AOR/Technology' header row")
    h = header[0]
    as_of = None
    for i in range(h - 1, max(-1, h - 4), -1):  # the block's title, just above its header
        m = _AS_OF.search(str(first.iloc[i])) if isinstance(first.iloc[i], str) else None
        if m:
            as_of = dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
            break
    report_dates = [dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
                    for v in first.iloc[:h] if isinstance(v, str) for m in [_REPORT_DATE.search(v)] if m]
    if as_of is None:
        if not report_dates:
            raise GeodataError(f"{where}: no 'as of' date in the block's title nor a Participants Report date")
        as_of = report_dates[-1]
        report.add("atd", where, "note", f"no 'as of' date in the block's title: the Participants Report's "
                   f"date {as_of.isoformat()} is used")
    rows, total, aor, aor_value, techs = [], None, None, None, 0.0
    sums: dict[str, tuple[float, float]] = {}

    def close():
        if aor is not None:
            sums[aor] = (aor_value, techs)

    for i in range(h + 1, len(raw)):
        name, count = raw.iat[i, 0], raw.iat[i, 1] if raw.shape[1] > 1 else None
        named = isinstance(name, str) and bool(name.strip())
        if not named and pd.isna(count):
            continue  # an empty row
        try:
            value = float(count)
        except (TypeError, ValueError):
            value = float("nan")
        if value != value:  # text without a number: a note under the block, which ends it
            break
        if not named and (aor is None or techs + value > aor_value + 0.5):
            # A number without a name that the AOR above cannot hold (FY21: 117,682 under the last AOR).
            report.add("atd", f"{where} row {i + 1}", "rejected", f"a number ({value:,.0f}) without a name, more "
                       f"than {aor or 'any AOR'} has left for its technologies: not read")
            continue
        if not named:
            # A technology row whose name ICE left blank (FY26 of 2 Feb 2026, under Atlanta): kept, named so.
            report.add("atd", f"{where} row {i + 1}", "note", f"a row of {value:,.0f} without a technology name "
                       f"under {aor or 'no AOR'}: kept as 'not named'")
            label = "not named"
        else:
            label = " ".join(name.split())
        if label.lower() == "total":
            total = value
            continue
        code = ATD_AOR_CODES.get(_key(label))
        if code is not None:
            close()
            aor, aor_value, techs = code, value, 0.0
            rows.append((code, "", value))
        elif aor is None:
            report.add("atd", f"{where} row {i + 1}", "rejected", f"{label!r}: not an AOR, and no AOR above it")
        else:
            techs += value
            rows.append((aor, label, value))
    close()
    if total is None:
        raise GeodataError(f"{where}: no Total row in the AOR/Technology block")
    aor_sum = sum(v for _, c, v in rows if c == "")
    if abs(aor_sum - total) > 0.5:
        report.add("atd", where, "note", f"the AORs add up to {aor_sum:,.0f}, the sheet's total is {total:,.0f}")
    for code, (v, t) in sums.items():
        if t and abs(v - t) > 0.5:
            report.add("atd", f"{where} {code}", "note",
                       f"its technologies add up to {t:,.0f}, the AOR's row is {v:,.0f}")
    iso = as_of.isoformat()
    out = pd.DataFrame([("atd", "aor", code, cat, iso, iso, v, ATD_SOURCE_URL) for code, cat, v in rows],
                       columns=list(MEASURE_COLUMNS))
    out.attrs.update(as_of=iso, total=total, aor_sum=aor_sum, sheet=sheet.strip(), file=path.name,
                     report_dates=[d.isoformat() for d in report_dates])
    return out


def read_atd_workbooks(paths, report: Report | None = None) -> pd.DataFrame:
    """Every ATD sheet of every workbook, one table; a date read twice kept once (the later file's)."""
    report = report if report is not None else Report()
    parts: dict[str, pd.DataFrame] = {}
    for path in sorted(Path(p) for p in paths):
        for sheet in atd_sheets(path):
            part = read_atd_sheet(path, sheet, report)
            as_of = part.attrs["as_of"]
            if as_of in parts:
                report.add("atd", f"{path.name} [{sheet.strip()}]", "note",
                           f"as of {as_of} again (also in {parts[as_of].attrs['file']}): read once")
            parts[as_of] = part
    if not parts:
        return pd.DataFrame(columns=list(MEASURE_COLUMNS))
    out = pd.concat([parts[k] for k in sorted(parts)], ignore_index=True)
    out.attrs["sheets"] = {k: (v.attrs["file"], v.attrs["sheet"], v.attrs["total"]) for k, v in sorted(parts.items())}
    return out


def read_atd_measure(shared_data: str | Path, report: Report) -> pd.DataFrame:
    """The ``atd`` measure's reader (``geodata.core.measures``): every workbook of :data:`ATD_INPUT`."""
    return read_atd_workbooks(sorted((Path(shared_data) / ATD_INPUT).glob("FY*.xlsx")), report)
