"""U.S. Border Patrol encounters by sector and month (DHS Office of Homeland Security Statistics).

The workbook is OHSS's "KHSM Encounters (USBP)" (Key Homeland Security Metrics,
https://ohss.dhs.gov/khsm/cbp-encounters), a U.S. government work in the public domain.
Its sheet ``Monthly Sector`` has one row per fiscal year, fiscal month and sector:
``Fiscal\\nYear``, ``Month`` ("01 October" ... "12 September"), ``Sector`` ("Tucson, AZ"),
``Quantity``.  What this reader does with it:

* **Fiscal months become calendar months.**  The federal fiscal year starts on 1 October:
  month "01 October" of FY2000 is October **1999**, "04 January" of FY2000 is January 2000
  (:func:`fiscal_month_start`).
* **A missing row is not a zero.**  Not every sector has a row every month; no row means
  nothing was reported for that sector and month, and the measure table has no row for
  it either (nothing is filled in).
* **Values are as published**, rounded to tens by OHSS; monthly sums differ slightly from
  the ``Annual Count`` sheet (FY2023: 2,063,850 against 2,063,690).  Every figure the map
  shows comes from ``Monthly Sector``.
* **Sectors are drawn at their headquarters city** (precision ``city``): no sector
  boundaries are published in any source here, and none is made up.  DHS names 18 of the
  21 sectors by their headquarters city; the other three are placed at the city CBP gives
  as their headquarters: Rio Grande Valley at Edinburg, TX, Big Bend at Alpine, TX and
  Ramey at Aguadilla, PR (:data:`SECTOR_HQ`).  The coordinates are the bundled GeoNames
  place's (``geodata/data/basemap/us-places.json``), found by name within the sector's state.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..core.measures import MEASURE_COLUMNS
from ..core.report import GeodataError, Report

__all__ = [
    "SECTOR_HQ",
    "USBP_SHEET",
    "USBP_SOURCE_URL",
    "fiscal_month_start",
    "USBP_INPUT",
    "read_usbp_encounters",
    "read_usbp_measure",
    "sector_key",
    "sector_places",
]

USBP_SHEET = "Monthly Sector"
#: The workbook under the shared data folder (``geodata build-bundle``).
USBP_INPUT = "usbp-encounters/KHSM Encounters (USBP) fy25m11.xlsx"
#: The publisher's page of the workbook (U.S. government work, public domain).
USBP_SOURCE_URL = "https://ohss.dhs.gov/khsm/cbp-encounters"

#: Sector (as the workbook names it) -> (headquarters city, state): the city in the sector's
#: own name, except for the three sectors named after a region or a base.
SECTOR_HQ: dict[str, tuple[str, str]] = {
    "Big Bend, TX": ("Alpine", "TX"),
    "Blaine, WA": ("Blaine", "WA"),
    "Buffalo, NY": ("Buffalo", "NY"),
    "Del Rio, TX": ("Del Rio", "TX"),
    "Detroit, MI": ("Detroit", "MI"),
    "El Centro, CA": ("El Centro", "CA"),
    "El Paso, TX": ("El Paso", "TX"),
    "Grand Forks, ND": ("Grand Forks", "ND"),
    "Havre, MT": ("Havre", "MT"),
    "Houlton, ME": ("Houlton", "ME"),
    "Laredo, TX": ("Laredo", "TX"),
    "Livermore, CA": ("Livermore", "CA"),
    "Miami, FL": ("Miami", "FL"),
    "New Orleans, LA": ("New Orleans", "LA"),
    "Ramey, PR": ("Aguadilla", "PR"),
    "Rio Grande Valley, TX": ("Edinburg", "TX"),
    "San Diego, CA": ("San Diego", "CA"),
    "Spokane, WA": ("Spokane", "WA"),
    "Swanton, VT": ("Swanton", "VT"),
    "Tucson, AZ": ("Tucson", "AZ"),
    "Yuma, AZ": ("Yuma", "AZ"),
}

_MONTHS = ("october", "november", "december", "january", "february", "march", "april", "may", "june", "july",
           "august", "september")


def sector_key(name: str) -> str:
    """The sector's key in the measure table: ``"Rio Grande Valley, TX"`` -> ``"rio-grande-valley-tx"``."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")


def fiscal_month_start(fiscal_year: int, month: str) -> pd.Timestamp:
    """The first day of a fiscal month: (2000, "01 October") -> 1999-10-01; (2000, "04 January") -> 2000-01-01.

    ``month`` is the workbook's "NN Name"; the number and the name must agree.
    """
    m = re.fullmatch(r"\s*(\d{1,2})\s+([A-Za-z]+)\s*", str(month))
    if not m:
        raise ValueError(f"not a fiscal month: {month!r} (expected such as '01 October')")
    k, name = int(m.group(1)), m.group(2).lower()
    if not 1 <= k <= 12 or _MONTHS[k - 1] != name:
        raise ValueError(f"fiscal month {month!r}: month {k} of the fiscal year is {_MONTHS[(k - 1) % 12].title()}")
    calendar = (k + 8) % 12 + 1  # fiscal 1 -> 10 (October), fiscal 4 -> 1 (January)
    year = int(fiscal_year) - 1 if calendar >= 10 else int(fiscal_year)
    return pd.Timestamp(year=year, month=calendar, day=1)


def read_usbp_encounters(path: str | Path, report: Report | None = None) -> pd.DataFrame:
    """Encounters per sector and calendar month, in the measure table's shape.

    Returns
    -------
    pandas.DataFrame
        :data:`geodata.core.measures.MEASURE_COLUMNS`: ``measure`` "usbp", ``place_kind``
        "sector", ``place_id`` (:func:`sector_key`), ``category`` "" (the total),
        ``period_start``/``period_end`` the calendar month, ``value`` (encounters, as published),
        ``source``.  ``attrs["sector_names"]``: key -> the workbook's name.  Rows without a
        sector, month or number are reported (``report``), not kept.
    """
    path = Path(path)
    report = report if report is not None else Report()
    try:
        raw = pd.read_excel(path, sheet_name=USBP_SHEET)
    except ValueError as exc:
        raise GeodataError(f"{path.name}: no sheet {USBP_SHEET!r} ({exc})") from None
    except OSError as exc:
        raise GeodataError(f"{path}: cannot be read ({exc})") from None
    cols = {re.sub(r"\s+", " ", str(c)).strip().lower(): c for c in raw.columns}
    need = {"fiscal year": None, "month": None, "sector": None, "quantity": None}
    missing = [k for k in need if k not in cols]
    if missing:
        raise GeodataError(f"{path.name}, sheet {USBP_SHEET!r}: no column {', '.join(missing)}")
    rows, names = [], {}
    for i, (fy, month, sector, qty) in enumerate(zip(raw[cols["fiscal year"]], raw[cols["month"]],
                                                      raw[cols["sector"]], raw[cols["quantity"]])):
        where = f"{path.name} row {i + 2}"
        if pd.isna(sector) or pd.isna(fy) or pd.isna(month) or pd.isna(qty):
            report.add("usbp", where, "rejected", "a sector, fiscal year, month or quantity is empty")
            continue
        try:
            start = fiscal_month_start(int(fy), str(month))
            value = float(qty)
        except (TypeError, ValueError) as exc:
            report.add("usbp", where, "rejected", str(exc))
            continue
        name = " ".join(str(sector).split())
        if name not in SECTOR_HQ:
            report.add("usbp", where, "note", f"sector {name!r} has no headquarters city in SECTOR_HQ: kept, not drawn")
        key = sector_key(name)
        names[key] = name
        end = start + pd.offsets.MonthEnd(0)
        rows.append(("usbp", "sector", key, "", start.date().isoformat(), end.date().isoformat(), value,
                     USBP_SOURCE_URL))
    out = pd.DataFrame(rows, columns=list(MEASURE_COLUMNS))
    dup = out.duplicated(["place_id", "period_start"], keep="first")
    for r in out[dup].itertuples():
        report.add("usbp", f"{r.place_id} {r.period_start}", "rejected", "a second row for this sector and month")
    out = out[~dup].sort_values(["period_start", "place_id"]).reset_index(drop=True)
    out.attrs["sector_names"] = names
    return out


def sector_places(names: dict[str, str] | None = None) -> pd.DataFrame:
    """Each sector at its headquarters city: ``place_id``, ``name``, ``city``, ``state``, ``lon``, ``lat``,
    ``location_precision`` ("city").

    The city is the bundled GeoNames place of that name whose point is in the sector's state
    (the most populous where several are); a sector whose city is not found is left out
    (its ``lon``/``lat`` stay empty), never placed elsewhere.
    """
    import geopandas as gpd

    from ..geography.places import load_places
    from ..geography.regions import load_regions

    names = names or {sector_key(s): s for s in SECTOR_HQ}
    places = load_places()
    wanted = {city for city, _ in SECTOR_HQ.values()}
    cand = places[places["name"].isin(wanted)].reset_index(drop=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(cand["lon"], cand["lat"]), crs="EPSG:4326")
    states = load_regions("state").set_index("state").geometry
    # The state's polygon, or within about 5 km of it: a border city's point may fall just outside
    # the simplified outline (Grand Forks, ND on the Red River).
    cand["state"] = None
    for k, (p, city) in enumerate(zip(pts, cand["name"])):
        want = {st for c, st in SECTOR_HQ.values() if c == city}
        cand.loc[k, "state"] = next((st for st in sorted(want) if states[st].distance(p) < 0.05), None)
    rows = []
    for key, name in sorted(names.items()):
        city, state = SECTOR_HQ.get(name, (None, None))
        hit = cand[(cand["name"] == city) & (cand["state"] == state)].sort_values("population", ascending=False)
        lon, lat = (float(hit["lon"].iloc[0]), float(hit["lat"].iloc[0])) if len(hit) else (None, None)
        rows.append({"place_id": key, "name": name, "city": city, "state": state, "lon": lon, "lat": lat,
                     "location_precision": "city"})
    return pd.DataFrame(rows)


def read_usbp_measure(shared_data: str | Path, report: Report) -> pd.DataFrame:
    """The ``usbp`` measure's reader (``geodata.core.measures``): :data:`USBP_INPUT` under ``shared_data``."""
    return read_usbp_encounters(Path(shared_data) / USBP_INPUT, report)
