"""Facility reference tables: other people's lists of ICE facilities *with* coordinates.

ICE's statistics name a facility and its address but give no coordinates, so the
facility layer is placed at ZIP centroids.  Several public tables geocoded ICE's
facility lists to the building; :func:`read_facility_reference` reads any of them
into one shape, checking every point, and :func:`apply_reference` moves each
facility of the layer that it can match to the better point, saying where the
point came from.

Shapes recognised (columns found through :data:`CROSSWALK`):

* The Marshall Project's ``locations.csv`` (bare CR line endings, one invalid
  UTF-8 byte, ZIPs that lost their leading zeros, ``DETLOC`` codes);
* UWCHR's ``facilities.csv.gz`` (gzip, pipe-delimited, ``NA`` for missing, ``detloc``,
  ``lat``, ``long`` and Google's ``geometry.location_type``);
* CarwilB's ``facilities-geocoded-all.csv`` (``canonical_name``, ``lat``, ``lon``, ``NA``);
* the Deportation Data Project's ``facility-locations-oct2025`` (tab-separated,
  ``detention_facility_code``, ``latitude``, ``longitude``, an ``uncertainty`` note).

Every row read ends as a kept point (possibly corrected, with a note in the
report) or a reject with its reason and original row (``attrs["rejects"]``,
written by :func:`write_rejects`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz, process
from shapely.geometry import Point

from ..core.dates import parse_loose_date
from ..core.report import GeodataError, Report
from ..core.schema import CRS, LOCATION_PRECISIONS, STATE_NAMES, join_urls, split_urls, state_code
from ..geography.coords import CoordinateCheck, check_coordinates, state_boxes
from ..geography.geocode import gazetteer
from ..geography.match import FacilityMatcher
from .tables import read_table

__all__ = [
    "CROSSWALK",
    "REFERENCE_COLUMNS",
    "CoordinateCheck",
    "MATCH_COLUMNS",
    "apply_reference",
    "check_coordinates",
    "match_reference",
    "read_facility_reference",
    "reference_codes",
    "state_boxes",
    "write_rejects",
]

#: Source column (lower case) -> column of the reference schema.  One dict for every
#: shape; a table may use any subset.  ``code`` is ICE's facility code (DETLOC).
CROSSWALK: dict[str, str] = {
    # The Marshall Project, locations.csv (marshall-project/SOURCE.md): DETLOC, Name,
    # Address, City, County, State, Zip, AOR, Date of Last Use, Date of First Use, Lat, Lng.
    # UWCHR, facilities_geocoded_2017plus.psv.gz (uwchr/SOURCE.md): detloc, name, address,
    # city, county, state, zip, ..., lat, long, geometry.location_type (Google's precision).
    "detloc": "code",
    "name": "name",
    "address": "address",
    "city": "city",
    "county": "county",
    "state": "state",
    "zip": "zip",
    "lat": "lat",
    "lng": "lon",
    "long": "lon",
    "geometry.location_type": "geocode_type",
    # First and last use: Marshall writes them day first (19/07/1991, 4/11/17, Oct-82,
    # bare years); UWCHR month first (M/D/YYYY).
    "date of first use": "first_use",
    "date of last use": "last_use",
    "date_of_first_use": "first_use",
    "date_of_last_use": "last_use",
    # CarwilB, facilities-geocoded-all.csv (carwilb-ice-detention/SOURCE.md): canonical_id,
    # canonical_name, facility_address, facility_city, facility_state, facility_zip, lat,
    # lon (the chosen point), ..., address_quality (full / po_box / no_address).
    "canonical_name": "name",
    "facility_address": "address",
    "facility_city": "city",
    "facility_state": "state",
    "facility_zip": "zip",
    "lon": "lon",
    "address_quality": "address_quality",
    # Deportation Data Project, facility-locations-oct2025.tsv
    # (deportation-data-project/SOURCE.md): detention_facility_code, detention_facility_name,
    # latitude, longitude, address, city, state, uncertainty.
    "detention_facility_code": "code",
    "detention_facility_name": "name",
    "latitude": "lat",
    "longitude": "lon",
    "uncertainty": "note",
}

#: Each shape, told by a column only it has: (its name in words, its URL).
SOURCES: dict[str, tuple[str, str]] = {
    "dmcp_auth": (
        "UWCHR, ICE facilities geocoded (facilities.csv.gz)",
        "https://github.com/UWCHR/ice-facilities",
    ),
    "date of first use": (
        "The Marshall Project, Detained (2019), facility locations",
        "https://github.com/themarshallproject/dhs_immigration_detention",
    ),
    "canonical_name": (
        "CarwilB/ice-detention, facilities-geocoded-all.csv",
        "https://github.com/CarwilB/ice-detention",
    ),
    "detention_facility_code": (
        "Deportation Data Project, facility locations (October 2025)",
        "https://github.com/deportationdata/ice",
    ),
}

#: Columns of a reference table, in this order (plus ``geometry``).  ``row`` is the
#: row's position in its file (1 = the first row under the header); ``precision`` is
#: how fine the point is (:data:`geodata.core.schema.LOCATION_PRECISIONS`).
REFERENCE_COLUMNS: tuple[str, ...] = (
    "row", "code", "name", "address", "city", "state", "zip", "lon", "lat",
    "precision", "note", "first_use", "last_use", "source_name", "source_url",
)
#: Sources that write dates day first (told by the column only that source has).
_DAY_FIRST_MARKERS = {"date of first use"}

_MISSING = {"", "NA", "N/A", "NULL", "NAN", "NONE", "#N/A"}
# Google's location_type: APPROXIMATE is a town or a ZIP area, not a building.
_GEOCODE_TYPE_PRECISION = {"APPROXIMATE": "city"}
# CarwilB's address_quality: a PO box or no address geocodes to a town at best.
_ADDRESS_QUALITY_PRECISION = {"po_box": "city", "no_address": "city"}
# A facility of the layer more than this far from the reference point it matched by
# name is not taken to be the same place (ZIP areas of rural jails reach ~30 km).
MAX_SHIFT_KM = 60.0


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = " ".join(str(value).split())
    return None if text.upper() in _MISSING else text


def _zip5(value) -> tuple[str | None, str | None]:
    """``'2920'`` -> ``'02920'``; ``'12345-6789'`` -> ``'12345'``.  Returns (zip, problem)."""
    text = _clean(value)
    if text is None:
        return None, None
    digits = text.split("-")[0].strip()
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not digits.isdigit():
        return None, f"ZIP {text!r} is not a number"
    if len(digits) > 5:
        # ZIP+4 written without its hyphen keeps its first five digits; other lengths are typos.
        return (digits[:5], None) if len(digits) == 9 else (None, f"ZIP {text!r} has {len(digits)} digits")
    return digits.zfill(5), None


def _state(value, county=None) -> tuple[str | None, str | None]:
    """A state code, and a note when it was repaired (Marshall puts some states in County)."""
    raw = _clean(value)
    st = state_code(raw)
    if st:
        return st, None
    for text, where in ((raw, "state"), (_clean(county), "county")):
        if not text:
            continue
        st = state_code(text)
        if st:
            return st, f"state {st} taken from the {where} column ({text!r})"
        best = process.extractOne(text.upper(), list(STATE_NAMES), scorer=fuzz.ratio, score_cutoff=90)
        if best:
            return STATE_NAMES[best[0]], f"state {STATE_NAMES[best[0]]} read from the misspelt {where} {text!r}"
    return None, (f"state {raw!r} is not a US state or territory" if raw else None)


# -- reading ---------------------------------------------------------------


def _source_of(columns) -> tuple[str, str]:
    lower = {c.lower() for c in columns}
    for key, value in SOURCES.items():
        if key in lower:
            return value
    return "", ""


def read_facility_reference(path: str | Path, report: Report | None = None) -> gpd.GeoDataFrame:
    """Read a table of facilities with coordinates into :data:`REFERENCE_COLUMNS`.

    Parameters
    ----------
    path : a Marshall, UWCHR, CarwilB or DDP table (``.csv``, ``.tsv``, ``.psv``, plain
        or gzip; the delimiter is read from the header line).
    report : receives every row rejected (no or impossible coordinates, no name) and
        every correction (swapped coordinates, a repaired state, a bad ZIP).

    Returns
    -------
    GeoDataFrame in EPSG:4326, one row per kept point.  ``attrs`` holds
    ``rows_read``, ``source_name``, ``source_url`` and ``rejects`` (a list of the
    original rows that were left out, each with ``_row`` and ``_reason``).
    """
    report = report if report is not None else Report()
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    source = f"reference {path.name}"
    raw = read_table(path)  # gzip, any delimiter, CR endings, a bad byte
    for warning in raw.attrs.get("warnings", []):  # a line not in UTF-8, say
        report.add(source, "file", "note", warning)
    raw = raw.drop(columns="_row")
    mapped: dict[str, str] = {}
    for col in raw.columns:
        target = CROSSWALK.get(col.lower())
        if target and target not in mapped:
            mapped[target] = col
    missing = [c for c in ("name", "lat", "lon") if c not in mapped]
    if missing:
        raise GeodataError(f"{path}: not a facility reference table (no {', '.join(missing)} column)")
    source_name, source_url = _source_of(raw.columns)
    day_first = any(c.lower() in _DAY_FIRST_MARKERS for c in raw.columns)
    source_name = source_name or path.name

    def get(row, key):
        return _clean(row[mapped[key]]) if key in mapped else None

    records, geoms, rejects = [], [], []
    for i, row in enumerate(raw.to_dict("records"), start=1):
        code, name = get(row, "code"), get(row, "name")
        label = f"row {i}: {' '.join(x for x in (code, name) if x)}"

        def reject(reason, row=row, i=i, label=label):
            report.add(source, label, "rejected", reason)
            rejects.append({"_row": i, "_reason": reason, **row})

        if not name and not code:
            reject("no facility name or code")
            continue
        st, state_note = _state(get(row, "state"), get(row, "county"))
        if state_note:
            report.add(source, label, "note", state_note)
        zip5, zip_problem = _zip5(get(row, "zip"))
        if zip_problem:
            report.add(source, label, "note", zip_problem + "; kept without a ZIP")
        chk = check_coordinates(get(row, "lat"), get(row, "lon"), st)
        if chk.status == "rejected":
            reject(chk.reason)
            continue
        if chk.status == "corrected":
            report.add(source, label, "corrected", chk.reason)
        precision = (
            _GEOCODE_TYPE_PRECISION.get((get(row, "geocode_type") or "").upper())
            or _ADDRESS_QUALITY_PRECISION.get(get(row, "address_quality") or "")
            or "address"
        )
        used = {}
        for key in ("first_use", "last_use"):
            text = get(row, key)
            if text:
                try:
                    used[key] = parse_loose_date(text, day_first=day_first).text
                except ValueError as exc:
                    what = key.replace("_", " ")
                    report.add(source, label, "note", f"{what} {text!r} is not a date ({exc}); left out")
        records.append({
            **used,
            "row": i, "code": code.upper() if code else None, "name": name or code,
            "address": get(row, "address"), "city": get(row, "city"), "state": st, "zip": zip5,
            "lon": round(chk.lon, 7), "lat": round(chk.lat, 7), "precision": precision,
            "note": get(row, "note"), "source_name": source_name, "source_url": source_url or None,
        })
        geoms.append(Point(chk.lon, chk.lat))
    gdf = gpd.GeoDataFrame(records, columns=list(REFERENCE_COLUMNS), geometry=geoms, crs=CRS)
    gdf.attrs.update(rows_read=len(raw), source_name=source_name, source_url=source_url, rejects=rejects)
    return gdf


def write_rejects(reference: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write the rows that :func:`read_facility_reference` left out, as they came, with why."""
    path = Path(path)
    rows = reference.attrs.get("rejects", [])
    pd.DataFrame(rows).to_csv(path, index=False, lineterminator="\n")
    return path


# -- matching --------------------------------------------------------------

MATCH_COLUMNS: tuple[str, ...] = (
    "facility_id", "facility_name", "status", "how", "ref_row", "code", "ref_name", "score",
    "distance_km", "reason",
)


def _km(a, b) -> float:
    """Great-circle distance between two lon/lat points, in km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=1)
def _zip_states() -> dict[str, str]:
    import zipcodes

    return {row["zip_code"]: row["state"] for row in zipcodes.list_all()}


def _distance_check(fac, ref_row, state) -> tuple[float, str | None]:
    """Distance from the facility's point to the reference point, and why it is too far (or None).

    A ZIP written wrongly in ICE's sheet puts a facility far from its town (IRWIN
    COUNTY DETENTION CENTER, Ocilla GA, is listed with Oakfield's ZIP 31772), so a
    reference point close to the centre of the facility's city also counts.
    """
    km = round(_km(fac.geometry, ref_row.geometry), 2)
    if km <= MAX_SHIFT_KM:
        return km, None
    city = gazetteer().city(fac.city, state) if isinstance(fac.city, str) else None
    if city is not None and _km(Point(city.lon, city.lat), ref_row.geometry) <= MAX_SHIFT_KM:
        return km, None
    return km, f"its point is {km:.0f} km from the facility's point and not near its city"


def _counties(city, zip5, state) -> set[str]:
    """The counties a record's city (its ZIP areas) or ZIP lies in, from the offline gazetteer."""
    return gazetteer().counties(city if isinstance(city, str) else None, state,
                                zip5 if isinstance(zip5, str) else None)


def _elsewhere(fac, ref_row, state) -> str | None:
    """Why a name match names another place (None when they agree).

    A name alone does not make two records one place: Washington County Jail (Salem, NY)
    is not Washington Correctional Facility (Comstock, NY), a state prison in the same
    county.  The city must agree; the county counts only where one side names no city.
    """
    from ..geography.geocode import normalize_place

    ref_state = ref_row["state"] if isinstance(ref_row["state"], str) else None
    if state and ref_state and state_code(state) != state_code(ref_state):
        return f"it is in {ref_state}, not {state}"
    fac_city = fac.city if isinstance(fac.city, str) and fac.city.strip() else None
    ref_city = ref_row["city"] if isinstance(ref_row["city"], str) and ref_row["city"].strip() else None
    if fac_city and ref_city:
        if normalize_place(fac_city) == normalize_place(ref_city):
            return None
        return f"it is in {ref_city.strip().title()}, not {fac_city.strip().title()}"
    mine = _counties(fac_city, getattr(fac, "zip", None), state)
    theirs = _counties(ref_city, ref_row.get("zip"), ref_state or state)
    if mine and theirs and not mine & theirs:
        return f"it is in {', '.join(sorted(theirs))}, not {', '.join(sorted(mine))}"
    return None


def _has_point(geom) -> bool:
    return geom is not None and not geom.is_empty


def match_reference(
    facilities: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, report: Report | None = None
) -> pd.DataFrame:
    """Match each facility of the layer to at most one row of a reference table.

    By ICE facility code where both have one (a ``code`` column in ``facilities``),
    else by normalised name within the state, the city breaking ties
    (:class:`~geodata.geography.match.FacilityMatcher`).  A name match is refused when the two
    points lie more than :data:`MAX_SHIFT_KM` apart, and a reference row claimed by
    two facilities goes to the better match only.

    Returns
    -------
    DataFrame with :data:`MATCH_COLUMNS`, one row per facility.  ``status`` is
    ``matched``, ``unmatched`` or ``ambiguous``; ``how`` is ``code`` or ``name``.
    ``report`` receives each facility not matched (``unmatched``/``ambiguous``) and
    each reference row that no facility used (``unused``).
    """
    report = report if report is not None else Report()
    source_name = reference.attrs.get("source_name") or "reference"
    source = f"reference {source_name}"
    ref = reference.reset_index(drop=True)
    ref_by_row = {int(r): i for i, r in enumerate(ref["row"])}
    by_code: dict[str, list[int]] = {}
    for i, code in enumerate(ref["code"]):
        if isinstance(code, str) and code:
            by_code.setdefault(code.upper(), []).append(i)
    matcher = FacilityMatcher(pd.DataFrame({
        "id": ref["row"].astype(int).astype(str), "name": ref["name"], "city": ref["city"].fillna(""),
        "state": ref["state"],
    }), strict=True)

    rows = []
    for fac in facilities.itertuples(index=False):
        out = dict(facility_id=fac.id, facility_name=fac.name, status="unmatched", how=None, ref_row=None,
                   code=None, ref_name=None, score=None, distance_km=None, reason=None)
        code = getattr(fac, "code", None)
        code = code.strip().upper() if isinstance(code, str) and code.strip() else None
        hits = by_code.get(code, []) if code else []
        if len(hits) == 1:
            out.update(status="matched", how="code", ref_row=int(ref.at[hits[0], "row"]), score=100.0,
                       reason=f"code {code}")
        elif len(hits) > 1:
            out.update(status="ambiguous", reason=f"code {code} is on {len(hits)} rows of the reference")
        else:
            state = fac.state if isinstance(fac.state, str) and fac.state else _zip_states().get(fac.zip or "")
            m = matcher.match(fac.name, state, fac.city)
            out["score"] = round(float(m.score), 1)
            if m.facility_id is not None:
                out.update(status="matched", how="name", ref_row=int(m.facility_id), reason=m.how)
            else:
                out.update(status="ambiguous" if m.how.startswith("ambiguous") else "unmatched", reason=m.how)
        if out["ref_row"] is not None:
            r = ref.iloc[ref_by_row[out["ref_row"]]]
            out.update(code=r["code"], ref_name=r["name"])
            if out["how"] == "name" and (elsewhere := _elsewhere(fac, r, state)):
                out.update(status="unmatched", reason=(
                    f"refused: the name matches {r['name']!r} (row {out['ref_row']}) but {elsewhere}"))
            elif _has_point(fac.geometry) and out["how"] == "name":
                out["distance_km"], problem = _distance_check(fac, r, state)
                if problem:
                    out.update(status="unmatched", reason=(
                        f"refused: the name matches {r['name']!r} (row {out['ref_row']}) but {problem}"))
        rows.append(out)
    table = pd.DataFrame(rows, columns=list(MATCH_COLUMNS))

    # One reference row, one facility: the best claim wins, the others are ambiguous.
    claimed = table[table["status"] == "matched"]
    for ref_row, group in claimed.groupby("ref_row"):
        if len(group) < 2:
            continue
        order = group.assign(_code=group["how"].eq("code")).sort_values(["_code", "score"], ascending=False)
        winner = order.iloc[0]
        for idx in order.index[1:]:
            table.loc[idx, "status"] = "ambiguous"
            table.loc[idx, "reason"] = (
                f"reference row {int(ref_row)} ({winner['ref_name']!r}) is also matched by "
                f"{winner['facility_id']}, which scores higher")

    for t in table.itertuples(index=False):
        if t.status != "matched":
            report.add(source, t.facility_id, t.status, t.reason)
    used = set(table.loc[table["status"] == "matched", "ref_row"].astype(int))
    for r in ref.itertuples(index=False):
        if int(r.row) not in used:
            label = f"row {r.row}: {' '.join(x for x in (r.code, r.name) if isinstance(x, str))}"
            report.add(source, label, "unused", "no facility of the layer matched this row")
    return table


def reference_codes(matches: pd.DataFrame) -> dict[str, str]:
    """``facility id -> ICE facility code`` for every matched reference row that has a code."""
    ok = matches[(matches["status"] == "matched") & matches["code"].notna()]
    return dict(zip(ok["facility_id"], ok["code"]))


def _finer(a: str | None, b: str | None) -> bool:
    """Is precision ``a`` finer than ``b`` (None: not placed at all)?"""
    if a not in LOCATION_PRECISIONS:
        return False
    return b not in LOCATION_PRECISIONS or LOCATION_PRECISIONS.index(a) < LOCATION_PRECISIONS.index(b)


def apply_reference(
    facilities: gpd.GeoDataFrame,
    reference: gpd.GeoDataFrame,
    report: Report | None = None,
    *,
    matches: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Place the facilities of the layer at the reference points they match, where finer.

    A facility placed at a ZIP centroid that matches a building-level reference point
    moves to it: ``location_precision`` becomes ``address`` (a facility is a public
    building, not a home), ``location_method`` names the reference and the match, and
    the reference's URL joins ``source_urls``.  Facilities not matched keep their point.

    Parameters
    ----------
    facilities : the facility layer (:data:`geodata.core.schema.FACILITY_COLUMNS`).
    reference : from :func:`read_facility_reference`.
    report : receives what :func:`match_reference` reports (when ``matches`` is not
        given) and a ``note`` for each match whose reference point is not finer.
    matches : a table from :func:`match_reference`, to reuse it.

    Returns
    -------
    A copy of ``facilities``.
    """
    report = report if report is not None else Report()
    if matches is None:
        matches = match_reference(facilities, reference, report)
    source = f"reference {reference.attrs.get('source_name') or 'reference'}"
    ref = reference.set_index("row")
    out = facilities.copy()
    pos = {fid: i for i, fid in enumerate(out["id"])}
    geoms = list(out.geometry)
    for m in matches[matches["status"] == "matched"].itertuples(index=False):
        i = pos[m.facility_id]
        r = ref.loc[int(m.ref_row)]
        current = out["location_precision"].iat[i]
        current = current if isinstance(current, str) else None
        precision = r["precision"]
        if m.how != "code" and _finer(precision, "zip"):
            # A name (and city) alone does not tell which building: the point moves to the
            # named building, but says no more than the facility's own fields did.
            if current in ("address", "block"):
                continue
            precision = current if current in ("zip", "city") else "city"
        elif not _finer(precision, current):
            report.add(source, m.facility_id, "note",
                       f"matched {r['name']!r} but its point ({r['precision']}) is not finer than {current}")
            continue
        geoms[i] = Point(round(r.geometry.x, 6), round(r.geometry.y, 6))
        where = ", ".join(str(x) for x in (r["address"], r["city"], r["state"]) if isinstance(x, str))
        method = (f"point of {r['name']}" + (f" ({where})" if where else "")
                  + f" in {r['source_name']}, matched by {'ICE code ' + m.code if m.how == 'code' else 'name'}")
        if isinstance(r["note"], str) and r["note"]:
            method += f"; the source notes: {r['note']}"
        if precision != r["precision"]:
            method += f"; drawn at {precision} precision: a name is not a street address"
        report.add(source, m.facility_id, "moved", method)
        out.iloc[i, out.columns.get_loc("location_precision")] = precision
        out.iloc[i, out.columns.get_loc("location_method")] = method
        if isinstance(r["source_url"], str) and r["source_url"]:
            urls = out["source_urls"].iat[i]
            out.iloc[i, out.columns.get_loc("source_urls")] = join_urls(
                [*split_urls(urls if isinstance(urls, str) else ""), r["source_url"]])
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs or CRS))
