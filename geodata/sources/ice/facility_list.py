"""Importer for ICE facility lists of any layout: the 2009 FOIA list, the 2015 listing, others.

ICE has published its facility roster in several shapes: the 2009 list released
under FOIA request 09-FOIA-5638 (``.xls``: ``DETLOC, NAME, ADDRESS, CITY, COUNTY,
ST, ZIP, AOR, TYPE 1``), the 2015 "Authorized DMCP Facilities" listing (``.xlsx``:
``DETLOC``, ``Name`` ... ``State``, ADP for FY10-FY16, ``Facility Operator``) and the
detentionStats workbooks (``Name``, ``State``, ``Level A``-``D``).  The header row is
found by its columns (a name, a city and a state column, in any sheet, below any
number of preamble rows), columns are mapped through :data:`COLUMNS`, and each
facility is placed offline like the workbooks' (:func:`geodata.sources.ice.stats.place_offline`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ...core.report import GeodataError, Report
from ...core.schema import CRS, FACILITY_COLUMNS, state_code
from ...geography.geocode import gazetteer
from .stats import (
    ICE_STATS_URL,
    cell_text,
    facility_id,
    fiscal_year,
    inspection_date,
    is_footnote,
    place_offline,
    zip5_of,
)

__all__ = ["read_facility_list", "LIST_COLUMNS", "COLUMNS"]

# Header cell (upper case, spaces collapsed) -> column.  From the lists' own headers:
# 2009 FOIA list (DETLOC ... ST, TYPE 1), 2015 listing (DETLOC ... Facility Operator),
# detentionStats workbooks (Name ... Type Detailed, Last Final Rating).
COLUMNS = {
    "DETLOC": "detloc", "DETLOC CODE": "detloc", "CODE": "detloc", "FACILITY CODE": "detloc",
    "DETENTION FACILITY CODE": "detloc",
    "NAME": "name", "FACILITY NAME": "name", "FACILITY": "name",
    "ADDRESS": "address", "STREET ADDRESS": "address", "STREET": "address",
    "CITY": "city", "COUNTY": "county",
    "STATE": "state", "ST": "state",
    "ZIP": "zip", "ZIP CODE": "zip", "ZIPCODE": "zip",
    "AOR": "aor", "FIELD OFFICE": "aor",
    "TYPE DETAILED": "facility_type", "TYPE 1": "facility_type", "TYPE": "facility_type",
    "FACILITY TYPE - DETAIL": "facility_type", "FACILITY TYPE DETAIL": "facility_type",
    "FACILITY TYPE": "facility_type",
    "MALE/FEMALE": "gender",
    "FACILITY OPERATOR": "operator", "OPERATOR": "operator",
    "FACILITY OWNER": "owner", "OWNER": "owner",
    "GUARANTEED MINIMUM": "guaranteed_minimum",
    "LAST INSPECTION TYPE": "last_inspection_type",
    "LAST INSPECTION END DATE": "last_inspection_end_date", "LAST INSPECTION DATE": "last_inspection_end_date",
    "LAST INSPECTION STANDARD": "last_inspection_standard",
    "LAST FINAL RATING": "last_inspection_rating", "LAST INSPECTION RATING - FINAL": "last_inspection_rating",
    "ADP": "adp",
}
#: Columns a facility list adds to the facility schema.
LIST_COLUMNS = ("detloc", "county", "operator", "owner")
_NAME_HEADERS = {"NAME", "FACILITY NAME", "FACILITY"}
_STATE_HEADERS = {"STATE", "ST"}
_LEVELS = ("LEVEL A", "LEVEL B", "LEVEL C", "LEVEL D")
_FY_ADP = re.compile(r"^FY\s?(\d{2}|\d{4}) ADP$")
_HEADER_SCAN_ROWS = 40
_DATES = (
    re.compile(r"IIDS\)?,?\s*(?:as of\s*)?(\d{1,2})/(\d{1,2})/(\d{2,4})", re.I),
    re.compile(r"as of\s+([A-Z][a-z]+)\s+(\d{1,2}),\s*(\d{4})"),
)


def _key(cell) -> str:
    return " ".join(str(cell).upper().split()) if cell is not None else ""


def _sheets(path: Path):
    """Yield (sheet name, rows as lists) of an .xls or .xlsx workbook."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xls":
            import xlrd

            book = xlrd.open_workbook(str(path))
            for sheet in book.sheets():
                rows = []
                for i in range(sheet.nrows):
                    row = []
                    for cell in sheet.row(i):
                        if cell.ctype == xlrd.XL_CELL_DATE:
                            row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                        elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                            row.append(None)
                        else:
                            row.append(cell.value)
                    rows.append(row)
                yield sheet.name, rows
            return
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # xlrd and openpyxl raise many types for a file that is not a workbook
        raise GeodataError(f"{path}: not a readable .xls or .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        for name in sorted(wb.sheetnames, key=lambda n: "facilit" not in n.lower()):
            ws = wb[name]
            head = list(ws.iter_rows(max_row=_HEADER_SCAN_ROWS, max_col=60, values_only=True))
            if _header_index(head) is None:
                continue
            yield name, [list(r) for r in ws.iter_rows(max_col=60, values_only=True)]
    finally:
        wb.close()


def _header_index(rows) -> int | None:
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        cells = {_key(c) for c in row}
        if cells & _NAME_HEADERS and "CITY" in cells and cells & _STATE_HEADERS:
            return i
    return None


def _data_date(preamble: list[str]) -> str | None:
    """The first data date the preamble gives (``IIDS as of 12/08/2015``, ``as of August 15, 2009``)."""
    for line in preamble:
        for pattern in _DATES:
            m = pattern.search(line)
            if not m:
                continue
            a, b, year = m.groups()
            year = int(year) + (2000 if len(year) == 2 else 0)
            try:
                if a.isdigit():
                    return dt.date(year, int(a), int(b)).isoformat()
                return dt.datetime.strptime(f"{a} {b} {year}", "%B %d %Y").date().isoformat()
            except ValueError:
                continue
    return None


def _number(value) -> float | None:
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(v) else float(v)


#: More people than any facility has held (the largest hold a few thousand): above it, a value is a typo
#: or an attack, not a count.
MAX_FACILITY_COUNT = 100_000


def _count(value, report: Report, source: str, where: str, what: str) -> float | None:
    """A head count (ADP, guaranteed minimum): a number from 0 to :data:`MAX_FACILITY_COUNT`; anything else
    is left empty and reported (-5 and 1e20 are no counts of people)."""
    v = _number(value)
    if v is None:
        return None
    if not (0 <= v <= MAX_FACILITY_COUNT):  # NaN and infinity fail this too
        report.add(source, where, "note", f"{what} {value!r} is not a count of people (0 to "
                                          f"{MAX_FACILITY_COUNT:,}): left empty")
        return None
    return v


def read_facility_list(path: str | Path, report: Report | None = None, *, source_name: str | None = None,
                       source_url: str = ICE_STATS_URL) -> gpd.GeoDataFrame:
    """Read an ICE facility list of any layout into the facility schema.

    Parameters
    ----------
    path : an ``.xls`` or ``.xlsx`` workbook whose facility table has a header row with a
        name, a city and a state (``ST`` or ``State``) column.
    report : collects every row skipped, not placed or placed coarsely, with its reason.
    source_name : how the list is named in each record (default: from the file's preamble).
    source_url : where the list is published.

    Returns
    -------
    GeoDataFrame in EPSG:4326: :data:`~geodata.core.schema.FACILITY_COLUMNS`, then
    :data:`LIST_COLUMNS` and one ``adp_fyYYYY`` column per fiscal year the list gives
    ADP for (the 2015 listing: FY2010-FY2016).  ``attrs``: ``data_date``, ``sheet``,
    ``fiscal_year`` (the year of its ``adp``, or of the data date) and ``adp_years``.
    """
    report = report if report is not None else Report()
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    if path.suffix.lower() not in (".xls", ".xlsx", ".xlsm"):
        raise GeodataError(f"{path}: not an .xls or .xlsx workbook")
    found = None
    for sheet, rows in _sheets(path):
        i = _header_index(rows)
        if i is not None:
            found = sheet, rows, i
            break
    if found is None:
        raise GeodataError(
            f"{path}: no facility table found: no sheet has a header row with a name, a city and a state (ST) column"
        )
    sheet, rows, h = found
    header = [_key(c) for c in rows[h]]
    preamble = [" ".join(str(c) for c in r if c is not None) for r in rows[:h]]
    data_date = _data_date(preamble)
    col_of: dict[str, int] = {}
    for j, cell in enumerate(header):
        col = COLUMNS.get(cell)
        # "Type Detailed" beats "Type" where a list has both (the 2015 listing).
        if col and (col not in col_of or cell in ("TYPE DETAILED", "FACILITY TYPE - DETAIL")):
            col_of[col] = j
    fy_cols = {}
    for j, cell in enumerate(header):
        m = _FY_ADP.match(cell)
        if m:
            fy_cols[fiscal_year("FY" + m.group(1))] = j
    level_cols = [header.index(c) for c in _LEVELS if c in header]
    year = fiscal_year(sheet) or (max(fy_cols) if fy_cols else None)
    if year is None and data_date:
        d = dt.date.fromisoformat(data_date)
        year = d.year + (d.month >= 10)
    title = next((p for p in preamble if p.strip()), "").strip()
    source_name = source_name or f"ICE facility list {path.name}" + (f" ({title[:80]})" if title else "")
    source = f"facility-list {path.name}"
    gaz = gazetteer()

    def cell(row, col):
        j = col_of.get(col)
        return row[j] if j is not None and j < len(row) else None

    # ICE's "over 72 hours" list comes in blocks: an AOR's name alone on a row ("Atlanta AOR"),
    # the column header again, the AOR's facilities; a legend under the last block.
    group_aor = _group_aor(rows[h - 1]) if h else None
    skipped = {"header": 0, "group": int(group_aor is not None), "legend": 0}
    legend: list[str] = []  # each legend row's text, in the note: a row skipped is said, not lost
    records, geoms, seen = [], [], {}
    for n, row in enumerate(rows[h + 1:], start=h + 2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        if [_key(c) for c in row[:len(header)]] == header[:len(row)]:
            skipped["header"] += 1  # the column header, repeated above a block
            continue
        if (aor := _group_aor(row)) is not None:
            group_aor = aor
            skipped["group"] += 1
            continue
        if _is_legend(row, cell(row, "city"), cell(row, "state"), cell(row, "zip")):
            skipped["legend"] += 1  # "IGSA | Intergovernmental Service Agreement": not a facility
            legend.append(" | ".join(str(c).strip() for c in row if c is not None and str(c).strip())[:60])
            continue
        name = cell_text(cell(row, "name"))
        if not name:
            report.add(source, f"row {n}", "rejected", "no facility name")
            continue
        if is_footnote(name, cell(row, "address"), cell(row, "city"), cell(row, "state")):
            continue
        rec = {c: cell_text(cell(row, c)) for c in {*FACILITY_COLUMNS, *LIST_COLUMNS} if c in col_of}
        rec["state"] = state_code(rec.get("state")) or rec.get("state")
        if group_aor and not rec.get("aor"):
            rec["aor"] = group_aor
        rec["zip"] = zip5_of(cell(row, "zip"))
        if "detloc" in rec and rec["detloc"]:
            rec["detloc"] = rec["detloc"].upper()
        rec["last_inspection_end_date"] = inspection_date(cell(row, "last_inspection_end_date"))
        where = f"row {n}"
        gm = _count(cell(row, "guaranteed_minimum"), report, source, where, "guaranteed minimum")
        rec["guaranteed_minimum"] = None if gm is None else int(gm)
        for fy, j in fy_cols.items():
            v = _count(row[j] if j < len(row) else None, report, source, where, f"FY{fy} ADP")
            rec[f"adp_fy{fy}"] = None if v is None else round(v, 4)
        if fy_cols:
            rec["adp"] = rec[f"adp_fy{max(fy_cols)}"]
        elif level_cols:
            levels = [_count(row[j], report, source, where, "ADP") for j in level_cols if j < len(row)]
            known = [v for v in levels if v is not None]
            rec["adp"] = round(sum(known), 3) if known else None
        else:
            rec["adp"] = _count(cell(row, "adp"), report, source, where, "ADP")
        rec["data_date"] = data_date
        rec["source_name"] = source_name
        rec["source_urls"] = source_url
        rec["id"] = facility_id(rec["state"], name, seen, report, source)
        rec.setdefault("city", None)
        rec["name"] = name
        geoms.append(place_offline(rec, gaz, report, source))
        records.append(rec)

    if any(skipped.values()):
        report.add(source, path.name, "note", (
            f"not facilities, skipped: {skipped['header']} repeated header rows, {skipped['group']} AOR group "
            f"rows (their AOR given to the rows below), {skipped['legend']} legend rows"
            + (f" ({'; '.join(legend)})" if legend else "")))
    extra = [c for c in LIST_COLUMNS if c not in FACILITY_COLUMNS]
    columns = [*FACILITY_COLUMNS, *extra, *(f"adp_fy{fy}" for fy in sorted(fy_cols))]
    gdf = gpd.GeoDataFrame(pd.DataFrame(records).reindex(columns=columns), geometry=geoms, crs=CRS)
    gdf.attrs.update(file=path.name, data_date=data_date, sheet=sheet, fiscal_year=year, adp_years=sorted(fy_cols),
                     skipped_rows=skipped)
    return gdf


_GROUP = re.compile(r"^(.+?)\s+(?:AOR|AREA OF RESPONSIBILITY|FIELD OFFICE)$")


def _group_aor(row) -> str | None:
    """``"Atlanta AOR"`` alone on its row -> ``"ATL"`` (an unknown office: its name as written)."""
    from ...geography.aor import AOR_NAMES

    cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
    if len(cells) != 1:
        return None
    m = _GROUP.match(" ".join(cells[0].upper().split()))
    if not m:
        return None
    office = m.group(1).replace("ST ", "ST. ", 1) if m.group(1).startswith("ST ") else m.group(1)
    codes = {v.upper(): k for k, v in AOR_NAMES.items()}
    return codes.get(office) or codes.get(office.replace("SAINT", "ST.")) or \
        (office if office in AOR_NAMES else m.group(1).title())


def _is_legend(row, city, state, zip_) -> bool:
    """A row of at most two cells and no city, state or ZIP (a legend's ``code | meaning``) is not a facility."""
    filled = sum(1 for c in row if c is not None and str(c).strip())
    return filled <= 2 and not (cell_text(city) or state_code(cell_text(state)) or zip5_of(zip_))
