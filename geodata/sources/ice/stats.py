"""Importer for ICE's "detentionStats" workbooks (any fiscal year).

ICE publishes these on https://www.ice.gov/detain/detention-management.  The
facilities sheet's name and its header row move from year to year (``Facilities
FY26`` with the header on row 10, ``Facilities FY25`` on row 7), so both are found,
not hard-coded: the sheet is the one whose first column has a ``Name`` cell in a row
that also holds ``Address``, ``City`` and ``State``.  Only the first rows of each
sheet are read to find it (FY25's segregation sheet claims 16,383 columns).

There is no ADP column: a facility's average daily population is the sum of the
four security levels (Level A+B+C+D), which agrees with the sum of the
criminality columns to 1e-5.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ...core.ids import slug
from ...core.report import GeodataError, Report
from ...core.schema import CRS, FACILITY_COLUMNS, state_code
from ...geography.geocode import gazetteer

__all__ = ["read_ice_stats", "place_offline", "facility_id", "fiscal_year", "ICE_STATS_URL"]

ICE_STATS_URL = "https://www.ice.gov/detain/detention-management"

# The workbook's column names -> the schema's (ICE's footnotes sheet defines them).
COLUMNS = {
    "Name": "name",
    "Address": "address",
    "City": "city",
    "State": "state",
    "Zip": "zip",
    "AOR": "aor",
    "Type Detailed": "facility_type",
    "Male/Female": "gender",
    "Guaranteed Minimum": "guaranteed_minimum",
    "Last Inspection Type": "last_inspection_type",
    "Last Inspection End Date": "last_inspection_end_date",
    "Last Inspection Standard": "last_inspection_standard",
    "Last Final Rating": "last_inspection_rating",
}
ADP_PARTS = ("Level A", "Level B", "Level C", "Level D")
_REQUIRED = ("Name", "Address", "City", "State")
_HEADER_SCAN_ROWS = 40
# FPO/APO/DPO addresses (JTF Camp Six at Guantanamo is "FPO, FL 34009") are routing
# codes for military mail, not places: their "state" is where the mail is sorted.
_MILITARY_MAIL = {"FPO", "APO", "DPO"}
_FOOTNOTE = re.compile(r"^\[(\d)\]")
_DATA_DATE = re.compile(r"\(IIDS\),?\s*(\d{1,2})/(\d{1,2})/(\d{4})")
# "Facilities FY26", "Facilities EOYFY20 ", "Facilities EOFY23", "Facilities FY21 YTD".
_FISCAL_YEAR = re.compile(r"FY\s*(\d{2,4})\b", re.I)


def _find_facilities_sheet(wb) -> tuple[str, int, list]:
    """Return (sheet name, 0-based header row, preamble rows) of the facilities table."""
    names = sorted(wb.sheetnames, key=lambda n: "facilit" not in n.lower())  # likely ones first
    for name in names:
        ws = wb[name]
        preamble = []
        for i, row in enumerate(ws.iter_rows(max_row=_HEADER_SCAN_ROWS, max_col=40, values_only=True)):
            cells = [str(c).strip() if c is not None else "" for c in row]
            if cells and cells[0] == "Name" and all(col in cells for col in _REQUIRED):
                return name, i, preamble
            preamble.append(cells[0] if cells else "")
    raise GeodataError(
        "no facilities sheet found: no sheet has a header row starting with 'Name' "
        f"and holding {', '.join(_REQUIRED)}"
    )


def _data_date(preamble: list[str]) -> str | None:
    for line in preamble:
        m = _DATA_DATE.search(line)
        if m:
            month, day, year = (int(g) for g in m.groups())
            return dt.date(year, month, day).isoformat()
    return None


def zip5_of(value) -> str | None:
    """ZIPs come as text ('02863') or as numbers that lost their zero (2863)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    digits = text.split("-")[0]
    if not digits.isdigit() or len(digits) > 5:
        return None
    return digits.zfill(5)


def inspection_date(value) -> str | None:
    """Dates or text ('Scheduled FY26'); both are kept, dates as ISO strings."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def cell_text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(str(value).split())
    return text or None


def fiscal_year(text: str) -> int | None:
    """``"Facilities EOYFY20 "`` -> 2020; ``"FY2016 data"`` -> 2016; None without a fiscal year."""
    m = _FISCAL_YEAR.search(text or "")
    if not m:
        return None
    year = int(m.group(1))
    return year + 2000 if year < 100 else year


def is_footnote(name, address, city, state) -> bool:
    """A row under the table with a first cell but no address, city or state is a note, not a facility.

    (FY26's Imperial Regional Detention Facility lacks only its state: a facility.)
    """
    return bool(name) and not (cell_text(address) or cell_text(city) or cell_text(state))


def facility_id(state: str | None, name: str, seen: dict[str, int], report: Report, source: str) -> str:
    """``fac-<state>-<name>``, with ``-2``, ``-3``... for a name the list repeats in a state (noted in the report);
    ``seen`` counts the ids given so far in this list."""
    base = f"fac-{slug(state or 'xx')}-{slug(name)}"
    seen[base] = seen.get(base, 0) + 1
    fid = base if seen[base] == 1 else f"{base}-{seen[base]}"
    if seen[base] > 1:
        report.add(source, name, "note", f"name appears {seen[base]} times; kept as {fid}")
    return fid


def _names_zip_town(gaz, name: str, zip5: str | None) -> bool:
    """Does the facility's name carry a town of its ZIP (``KARNES`` for Karnes City, 78118)?  Not its county:
    Riverside County Sheriff (Riverside) is not at Blythe for being in Riverside County."""
    from ...geography.geocode import normalize_place

    words = f" {normalize_place(name)} "
    for place in gaz.zip_towns(zip5):
        first = place.split(" CITY")[0] if place.endswith(" CITY") else place
        if len(first) > 3 and f" {first} " in words:
            return True
    return False


def place_offline(rec: dict, gaz, report: Report, source: str):
    """Place a facility record at its ZIP (else city, county, state) from the offline gazetteer.

    Sets ``location_precision`` and ``location_method`` in ``rec``, reports an
    unplaced or coarse record, and returns the point (None when not placed).
    """
    name = rec["name"]
    military_mail = (rec["city"] or "").upper() in _MILITARY_MAIL
    hit = None if military_mail else gaz.geocode(zip5=rec["zip"], city=rec["city"], state=rec["state"])
    if hit is not None and hit.correction and _names_zip_town(gaz, name, rec["zip"]):
        # The name vouches for the ZIP, not the city: "TRUSTED ADULT KARNES FSC", listed in San
        # Antonio with Karnes City's 78118, is at Karnes City.
        hit = gaz.zip(rec["zip"], rec["state"])
        report.add(source, name, "note", f"{rec['city']}, {rec['state']} {rec['zip']}: the city is not the ZIP's "
                   "town, but the facility's name names the ZIP's town: placed at the ZIP")
    if military_mail:
        rec["location_precision"] = None
        rec["location_method"] = "not placed"
        report.add(
            source, name, "unplaced",
            f"military mail address ({rec['city']} {rec['state']} {rec['zip']}) names no place; "
            "the facility is not placed rather than put at the centre of a state it is not in",
        )
        return None
    if hit is None:
        rec["location_precision"] = None
        rec["location_method"] = "not placed"
        where = f"{rec['city']}, {rec['state']} {rec['zip']}"
        report.add(source, name, "unplaced", f"no ZIP, city or state found for {where}")
        return None
    rec["location_precision"] = hit.precision
    rec["location_method"] = hit.method
    if hit.correction:  # the ZIP is another town's: every such record is listed
        report.add(source, name, "moved", f"{rec['city']}, {rec['state']} {rec['zip']}: {hit.correction}")
    elif hit.precision != "zip":
        report.add(source, name, "coarse", f"placed at {hit.precision} level: {hit.method}")
    return Point(round(hit.lon, 6), round(hit.lat, 6))


def read_ice_stats(path: str | Path, report: Report | None = None) -> gpd.GeoDataFrame:
    """Read the facilities of a detentionStats workbook into the facility schema.

    Parameters
    ----------
    path : path to an ICE ``*_detentionStats_*.xlsx`` workbook.
    report : collects every row that is skipped or placed coarsely, with its reason.

    Returns
    -------
    GeoDataFrame in EPSG:4326 with :data:`~geodata.core.schema.FACILITY_COLUMNS`, one row
    per facility, placed offline at the finest level reached (usually ``zip``).
    Facilities that cannot be placed at all keep an empty geometry and are reported.
    """
    from openpyxl import load_workbook

    report = report if report is not None else Report()
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise GeodataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        sheet, header_row, preamble = _find_facilities_sheet(wb)
        rows = list(wb[sheet].iter_rows(min_row=header_row + 1, values_only=True))
    finally:
        wb.close()

    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    missing = [c for c in (*_REQUIRED, *ADP_PARTS) if c not in header]
    if missing:
        raise GeodataError(f"{path}: sheet {sheet!r} lacks the columns {', '.join(missing)}")
    raw = pd.DataFrame(rows[1:], columns=header).dropna(how="all")

    data_date = _data_date(preamble)
    source_name = f"ICE detention statistics, {sheet.strip()}" + (
        f" (IIDS data of {data_date})" if data_date else ""
    )
    source = f"ice-stats {path.name}"
    gaz = gazetteer()

    # FY22 marks names with the number of a footnote under the table: "KARNES COUNTY
    # RESIDENTIAL CENTER2" is explained by "[2] (KRNRCTX) KARNES COUNTY RESIDENTIAL CENTER ...".
    marks = {m.group(1) for v in raw["Name"] if isinstance(v, str) and (m := _FOOTNOTE.match(v.strip()))}
    records, geoms, seen_ids = [], [], {}
    for i, row in raw.iterrows():
        excel_row = header_row + 2 + int(i)  # 1-based row number as Excel shows it
        name = cell_text(row.get("Name"))
        if not name:
            report.add(source, f"row {excel_row}", "rejected", "no facility name")
            continue
        if is_footnote(name, row.get("Address"), row.get("City"), row.get("State")):
            continue  # FY22, FY23: notes under the table ("[2] (KRNRCTX) KARNES ..."), not facilities
        mark = re.search(r"(?<=[A-Z])(\d)$", name)
        if mark and mark.group(1) in marks:
            name = name[:-1]
            report.add(source, name, "note", f"footnote mark {mark.group(1)} taken off the name")
        rec = {col: cell_text(row.get(src)) for src, col in COLUMNS.items()}
        rec["name"] = name
        rec["state"] = state_code(rec["state"]) or rec["state"]
        rec["zip"] = zip5_of(row.get("Zip"))
        rec["last_inspection_end_date"] = inspection_date(row.get("Last Inspection End Date"))
        levels = pd.to_numeric(pd.Series([row.get(c) for c in ADP_PARTS]), errors="coerce")
        # Three decimals keep the workbook's totals (66,161.7 for FY26) to 0.1.
        rec["adp"] = round(float(levels.sum()), 3) if levels.notna().any() else None
        gm = pd.to_numeric(pd.Series([row.get("Guaranteed Minimum")]), errors="coerce").iloc[0]
        rec["guaranteed_minimum"] = None if pd.isna(gm) else int(gm)
        rec["data_date"] = data_date
        rec["source_name"] = source_name
        rec["source_urls"] = ICE_STATS_URL

        rec["id"] = facility_id(rec["state"], name, seen_ids, report, source)

        geoms.append(place_offline(rec, gaz, report, source))
        records.append(rec)

    gdf = gpd.GeoDataFrame(records, columns=list(FACILITY_COLUMNS), geometry=geoms, crs=CRS)
    year = fiscal_year(sheet) or fiscal_year(path.name)
    if year:
        gdf.attrs["fiscal_year"] = year
    gdf.attrs["data_date"] = data_date
    gdf.attrs["sheet"] = sheet
    gdf.attrs["file"] = path.name
    return gdf
