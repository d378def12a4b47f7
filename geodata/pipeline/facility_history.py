"""One facility layer across fiscal years, from ICE's facility lists of several years.

ICE's lists are snapshots: the 2009 FOIA list (FY2009), the 2015 listing (its ADP
FY2010-FY2016) and the detentionStats workbooks (FY2019-FY2026).  The same facility
appears in many of them, spelled differently.  :func:`build_facility_history` reads
them in date order and joins each row to a facility already seen:

1. by ICE's facility code (``DETLOC``) where both have one (the 2009 and 2015 lists);
2. else by street address, city and state (ICE renames: ``SOUTH TEXAS DETENTION
   COMPLEX`` became ``SOUTH TEXAS ICE PROCESSING CENTER`` at 566 Veterans Dr.);
3. else by normalised name in the same state and city (or ZIP) -- the same name in
   another city is reported as ambiguous and not joined.

Each facility is then one row with its latest values (name, address, type, AOR,
operator: each from the newest list that gives it, named in ``values_from``), its
fiscal years (``fiscal_years``, ``first_seen``, ``last_seen``), and a companion
table with one row per facility, fiscal year and list: the ADP and what that list
says of the facility (:data:`FISCAL_YEAR_COLUMNS`).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from ..core.report import Report
from ..core.schema import CRS, FACILITY_COLUMNS, LOCATION_PRECISIONS, join_urls, split_urls
from ..geography.geocode import normalize_place
from ..geography.match import FacilityMatcher, normalize_facility_name

__all__ = [
    "HISTORY_COLUMNS", "FISCAL_YEAR_COLUMNS", "address_key", "build_facility_history", "facilities_in_use",
    "fiscal_years_of",
]

#: Columns the history adds to the facility schema.
HISTORY_COLUMNS = ("detloc", "operator", "first_seen", "last_seen", "fiscal_years", "values_from")
#: The companion table (``facility-years.csv``): one row per facility, fiscal year and list.
#: The listed values (name ... operator) are on the row of the list's own year only: a
#: list says where a facility is at its date, not where it was in the years of its ADP.
FISCAL_YEAR_COLUMNS = (
    "facility_id", "fiscal_year", "source", "adp", "data_date", "detloc", "name", "address", "city", "state",
    "zip", "aor", "facility_type", "operator",
)
_LISTED = ("detloc", "name", "address", "city", "state", "zip", "aor", "facility_type", "operator")
_SOURCE = "facility-history"
_STREET_WORDS = {
    "ROAD": "RD", "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "DRIVE": "DR", "HIGHWAY": "HWY", "BOULEVARD": "BLVD",
    "PARKWAY": "PKWY", "LANE": "LN", "COURT": "CT", "PLACE": "PL", "CIRCLE": "CIR", "TRAIL": "TRL",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SUITE": "STE", "ROUTE": "RT", "RTE": "RT",
    "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH",
    "VETERANS": "VETERAN",
}


def _address_key(address) -> str:
    """``"566 VETERAN'S DR."`` and ``"566 Veterans Drive"`` -> ``"566 VETERAN DR"``."""
    if not isinstance(address, str):
        return ""
    s = re.sub(r"[^A-Z0-9 ]+", " ", address.upper().replace("'", ""))
    words = [_STREET_WORDS.get(w, w) for w in s.split()]
    return " ".join(w for w in words if w)


def address_key(address) -> str:
    """A street address normalised to compare (``"566 Veterans Drive"`` -> ``"566 VETERAN DR"``)."""
    return _address_key(address)


def _house_number(key: str) -> str | None:
    first = key.split(" ", 1)[0] if key else ""
    return first if first[:1].isdigit() else None


def fiscal_years_of(start=None, end=None) -> range | None:
    """The fiscal years (October to September) that meet ``[start, end]``; None for an open range."""
    if start is None and end is None:
        return None

    def fy(d):
        d = pd.Timestamp(d).date()
        return d.year + (d.month >= 10)

    lo = fy(start) if start is not None else 2000
    hi = fy(end) if end is not None else 2100
    return range(lo, hi + 1)


def _years(value) -> list[int]:
    return [int(y) for y in str(value).split()] if isinstance(value, str) and value.strip() else []


#: The lists of years of recent ``fiscal_years`` columns (by the column's array: a view of the same facilities asks
#: again with other dates), so that each is factorized and parsed once, not for every view.
_YEAR_LISTS: dict[int, tuple] = {}


def _year_lists(column: pd.Series) -> tuple[np.ndarray, list[list[int]]]:
    """``(codes, lists)``: each row's code into its column's distinct lists of years (-1: none), each list parsed."""
    array = column.array
    hit = _YEAR_LISTS.get(id(array))
    if hit is not None and hit[0]() is array:
        return hit[1]
    codes, lists = pd.factorize(column)
    found = codes, [_years(v) for v in lists]
    try:
        key = id(array)
        _YEAR_LISTS[key] = (weakref.ref(array, lambda _ref: _YEAR_LISTS.pop(key, None)), found)
    except TypeError:  # an array without weak references: parsed each time
        pass
    return found


def facilities_in_use(facilities: pd.DataFrame, start=None, end=None) -> pd.Series:
    """Which facilities ICE's lists show in use in ``[start, end]`` (a boolean Series).

    A facility is in use in a fiscal year its ``fiscal_years`` name.  For a fiscal
    year that no list covers (FY2017-FY2018, say), a facility counts when it was
    seen before and after it; before the first list, the first list's facilities
    count, after the last, the last list's.  A frame without ``fiscal_years`` (a
    single list) is in use whatever the range.
    """
    years = fiscal_years_of(start, end)
    if years is None or "fiscal_years" not in facilities.columns:
        return pd.Series(True, index=facilities.index)
    # Each distinct list of years parsed once (a few hundred facilities share a few dozen lists; parsing every
    # row was a third of a view's facilities on the bundle, issue 21); a missing value is no year (code -1).
    codes, seen = _year_lists(facilities["fiscal_years"])
    covered = sorted({y for ys in seen for y in ys})
    if not covered:
        return pd.Series(True, index=facilities.index)
    wanted, spans = set(), []
    for y in years:
        if y in covered:
            wanted.add(y)
        elif y < covered[0]:
            wanted.add(covered[0])
        elif y > covered[-1]:
            wanted.add(covered[-1])
        else:
            spans.append(y)
    mask = np.array([bool(wanted & set(ys)) or any(ys and ys[0] < y < ys[-1] for y in spans) for ys in seen] + [False])
    return pd.Series(mask[codes], index=facilities.index)


@dataclass
class _Facility:
    rows: list = field(default_factory=list)  # (list index, record dict, geometry)
    detlocs: set = field(default_factory=set)
    names: set = field(default_factory=set)
    addresses: set = field(default_factory=set)  # (address key, city key, zip)
    state: str | None = None


def _list_years(gdf) -> tuple[int | None, dict[str, int]]:
    """(the list's own fiscal year, adp column -> fiscal year)."""
    adp_cols = {c: int(c[6:]) for c in gdf.columns if re.fullmatch(r"adp_fy\d{4}", str(c))}
    year = gdf.attrs.get("fiscal_year")
    return (int(year) if year else None), adp_cols


def _label(gdf) -> str:
    return str(gdf.attrs.get("file") or gdf.attrs.get("sheet") or "list")


def build_facility_history(lists, report: Report | None = None):
    """Join facility lists of several years into one facility per place.

    Parameters
    ----------
    lists : GeoDataFrames from :func:`geodata.read_ice_stats` or
        :func:`geodata.sources.read_facility_list`, oldest first; each with
        ``attrs["fiscal_year"]`` and ``attrs["file"]`` (the name the companion
        table cites), ``adp_fyYYYY`` columns where a list gives ADP by year.
    report : receives each row joined in a way worth checking (``note``), each row
        that could be one of several facilities or has a namesake elsewhere
        (``ambiguous``, kept apart) and each facility first seen after the first
        list that matches no earlier one (``unmatched``, with the closest name).

    Returns
    -------
    (facilities, years): the facility layer (:data:`~geodata.core.schema.FACILITY_COLUMNS`
    then :data:`HISTORY_COLUMNS`; ids are those of each facility's newest list row)
    and the companion table (:data:`FISCAL_YEAR_COLUMNS`).
    """
    report = report if report is not None else Report()
    facs: list[_Facility] = []
    by_detloc: dict[str, int] = {}
    for k, gdf in enumerate(lists):
        label = _label(gdf)
        matcher = _matcher(facs)
        rows = [({c: (None if _missing(v) else v) for c, v in rec.items()}, geom)
                for rec, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry)]
        for rec, _ in rows:
            # FY26 gives Imperial Regional (Calexico) no state: its ZIP says where to look.
            rec["_state"] = rec.get("state") or _zip_state(rec.get("zip"))
        proposals = [_join(rec, facs, by_detloc, matcher, label, report, first=k == 0) for rec, _ in rows]
        # Two rows of one list are two facilities: where both join the same one, the
        # better joined keeps it (a code, then the closer name) and the other stands alone.
        winner: dict[int, int] = {}
        for r, (idx, how, score) in enumerate(proposals):
            if idx is None:
                continue
            rank = (how == "code", score)
            if idx not in winner or rank > (proposals[winner[idx]][1] == "code", proposals[winner[idx]][2]):
                winner[idx] = r
        for r, ((rec, geom), (idx, how, _)) in enumerate(zip(rows, proposals)):
            if idx is not None and winner[idx] != r:
                if not (how == "code" and proposals[winner[idx]][1] == "code"):
                    taken = rows[winner[idx]][0]["name"]
                    report.add(_SOURCE, f"{label}: {rec['name']}", "ambiguous",
                               f"joined by {how}, but {taken!r} of the same list is closer to it; kept apart")
                    idx = None
            if idx is None:
                facs.append(_Facility())
                idx = len(facs) - 1
            f = facs[idx]
            f.rows.append((k, rec, geom))
            f.names.add(rec["name"])
            f.state = rec["_state"] or f.state
            f.addresses.add((_address_key(rec.get("address")), normalize_place(rec.get("city")), rec.get("zip")))
            if rec.get("detloc"):
                f.detlocs.add(rec["detloc"])
                by_detloc.setdefault(rec["detloc"], idx)
    return _assemble(facs, lists)


def _zip_state(zip5) -> str | None:
    import zipcodes

    try:
        hit = zipcodes.matching(zip5) if isinstance(zip5, str) else []
    except (TypeError, ValueError):
        return None
    return hit[0]["state"] if hit else None


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v))


def _matcher(facs: list[_Facility]) -> FacilityMatcher | None:
    rows = [
        {"id": f"{i}|{j}", "name": name, "city": f.rows[-1][1].get("city"), "state": f.state}
        for i, f in enumerate(facs) for j, name in enumerate(sorted(f.names))
    ]
    return FacilityMatcher(pd.DataFrame(rows), strict=True) if rows else None


def _name_candidates(matcher, rec) -> list[tuple[float, int]]:
    """(score, facility index) of the facilities in the record's state, best first, one per facility."""
    if matcher is None or not rec["_state"]:
        return []
    cands = matcher._by_state.get(rec["_state"], [])
    key = normalize_facility_name(rec["name"], rec["_state"], state_names=True)
    best: dict[int, float] = {}
    for score, fid, cand in matcher._score(key, cands, normalize_place(rec.get("city"))):
        i = int(fid.split("|")[0])
        score += 15 if cand == key else 0  # the very same name, word for word
        best[i] = max(best.get(i, float("-inf")), score)
    return sorted(((s, i) for i, s in best.items()), reverse=True)


#: How alike two whole names must be (token sort ratio) to join two rows at different addresses.
_WHOLE_NAME_MIN = 85


# Words that one list writes and another leaves out for the same place ("TORRANCE COUNTY
# DETENTION FACILITY" / "... CENTER", "OLDHAM COUNTY JAIL" / "... DETENTION CENTER").
_INTERCHANGEABLE = {"FACILITY", "CENTER", "JAIL", "DETENTION", "ADULT", "COMPLEX"}


def _whole(name, state) -> str:
    words = normalize_facility_name(name, state, state_names=True).split()
    return " ".join(w for w in words if w not in _INTERCHANGEABLE)


_KIND_WORDS = {"JUVENILE", "YOUTH", "STAGING", "ANNEX", "HOLD", "HOSPITAL", "MEDICAL", "INN", "HOTEL", "SUITES"}


def _kind(name) -> set[str]:
    return set(re.sub(r"[^A-Z ]+", " ", str(name or "").upper()).split()) & _KIND_WORDS


def _join(rec, facs, by_detloc, matcher, label, report, *, first):
    """(index of the facility ``rec`` is, how it was joined, name score); index None: a new facility."""
    code = rec.get("detloc")
    if code and code in by_detloc:
        return by_detloc[code], "code", 1000.0
    state, city, zip5 = rec["_state"], normalize_place(rec.get("city")), rec.get("zip")
    addr = _address_key(rec.get("address"))
    number = _house_number(addr)
    same_place = []
    for i, f in enumerate(facs):
        if f.state != state:
            continue
        if _kind(rec["name"]) != _kind(f.rows[-1][1]["name"]):
            continue  # a staging room or a juvenile centre at a jail's address is not the jail
        for a, c, z in f.addresses:
            if a and addr and (a == addr or (number and number == _house_number(a) and z and z == zip5)) \
                    and (c == city or (z and z == zip5)):
                same_place.append(i)
                break
    names = _name_candidates(matcher, rec)
    score_of = {i: s for s, i in names}
    threshold, margin = (matcher.threshold, matcher.margin) if matcher else (85, 4)
    what = f"{label}: {rec['name']} ({rec.get('city')}, {state})"
    if len(same_place) == 1:
        i = same_place[0]
        if score_of.get(i, 0) < threshold:
            report.add(_SOURCE, what, "note", f"joined by address to {sorted(facs[i].names)[0]!r}: names differ")
        return i, "address", score_of.get(i, 0)
    if len(same_place) > 1:
        # Between names alike, the facility seen most recently (a facility listed twice
        # in an earlier year, such as Karnes, continues in its newest row).
        at = sorted(same_place, key=lambda i: (-score_of.get(i, 0), -facs[i].rows[-1][0]))
        top, runner = score_of.get(at[0], 0), score_of.get(at[1], 0)
        newer = facs[at[0]].rows[-1][0] > facs[at[1]].rows[-1][0]
        if top >= threshold and (top - runner >= margin or newer):
            return at[0], "address and name", top
        report.add(_SOURCE, what, "ambiguous",
                   f"{len(same_place)} facilities at this address ({', '.join(sorted(facs[i].names)[0] for i in at)}) "
                   "and no name decides; kept apart")
        return None, "ambiguous", 0
    if names and names[0][0] >= threshold:
        best, i = names[0]
        second = names[1][0] if len(names) > 1 else 0
        f = facs[i]
        places = {(c, z) for _, c, z in f.addresses}
        if best - second < margin:
            report.add(_SOURCE, what, "ambiguous",
                       f"name as close to {sorted(f.names)[0]!r} as to {sorted(facs[names[1][1]].names)[0]!r}; "
                       "kept apart")
            return None, "ambiguous", 0
        if any(c == city for c, _ in places) or any(z and z == zip5 for _, z in places):
            whole = max(fuzz.token_sort_ratio(_whole(rec["name"], state), _whole(n, state)) for n in f.names)
            if addr and whole < _WHOLE_NAME_MIN:
                # Another street and only the distinctive words alike: "KARNES COUNTY
                # RESIDENTIAL CENTER" (FM 1144) is not "KARNES COUNTY CORRECTIONAL CENTER"
                # (810 Commerce St.), though both are Karnes County's.
                report.add(_SOURCE, what, "ambiguous",
                           f"name like {sorted(f.names)[0]!r} ({whole:.0f}% of the whole name) but another "
                           "address: kept apart")
                return None, "ambiguous", 0
            return i, "name", best
        there = ", ".join(sorted({c for c, _ in places if c}))
        report.add(_SOURCE, what, "ambiguous",
                   f"same name as {sorted(f.names)[0]!r} in {there or 'another city'}, but this list says "
                   f"{rec.get('city')}: not joined")
        return None, "ambiguous", 0
    if not first:
        closest = f"closest: {sorted(facs[names[0][1]].names)[0]!r} ({names[0][0]:.0f})" if names else \
            f"no earlier facility in {state}"
        report.add(_SOURCE, what, "unmatched", f"first seen here; matches no facility of earlier lists ({closest})")
    return None, "new", 0


def _finest(rows):
    """The newest row placed at the finest precision."""
    rank = {p: i for i, p in enumerate(LOCATION_PRECISIONS)}
    placed = [r for r in rows if r[2] is not None and not r[2].is_empty]
    if not placed:
        return rows[-1]
    return min(reversed(placed), key=lambda r: rank.get(r[1].get("location_precision"), 99))


def _assemble(facs, lists):
    out, geoms, year_rows, ids = [], [], [], set()
    for f in facs:
        k_last, last, _ = f.rows[-1]
        place = _finest(f.rows)
        rec = {c: last.get(c) for c in FACILITY_COLUMNS}
        for c in ("location_precision", "location_method"):
            rec[c] = place[1].get(c)
        if place is not f.rows[-1]:
            rec["location_method"] = f"{rec['location_method']} (from {_label(lists[place[0]])})"
        fid = last["id"]
        while fid in ids:  # two facilities whose newest rows share an id (a name repeated across years)
            fid = f"{fid}-{lists[k_last].attrs.get('fiscal_year')}"
        ids.add(fid)
        rec["id"] = fid
        origin = {}
        for col in ("state", "city", "aor", "facility_type", "operator", "detloc", "address", "zip", "gender"):
            for k, r, _ in reversed(f.rows):
                if r.get(col):
                    rec[col] = r[col]
                    origin[col] = _label(lists[k])
                    break
            else:
                rec[col] = None
        adp_by_year: dict[int, tuple[float | None, int]] = {}
        for k, r, _ in f.rows:
            own, adp_cols = _list_years(lists[k])
            for col, fy in adp_cols.items():
                if fy != own and r.get(col) is not None and r[col] > 0:
                    adp_by_year[fy] = (r[col], k)
                    year_rows.append(_year_row(fid, fy, lists[k], r, r[col], listed=False))
            if own is not None:
                adp = r.get("adp")
                adp_by_year[own] = (adp, k)  # a later list of the same year (FY26 April) wins
                year_rows.append(_year_row(fid, own, lists[k], r, adp, listed=True))
        years = sorted(adp_by_year)
        latest_adp = next((adp_by_year[y][0] for y in reversed(years) if adp_by_year[y][0] is not None), None)
        rec["adp"] = latest_adp
        rec["fiscal_years"] = " ".join(str(y) for y in years)
        rec["first_seen"] = f"FY{years[0]}" if years else None
        rec["last_seen"] = f"FY{years[-1]}" if years else None
        rec["source_name"] = _sources_text([lists[k] for k, _, _ in f.rows], [r for _, r, _ in f.rows])
        rec["source_urls"] = join_urls(u for _, r, _ in f.rows for u in split_urls(r.get("source_urls")))
        newest = _label(lists[k_last])
        rec["values_from"] = "; ".join(
            [f"name: {newest}"] + [f"{c}: {src}" for c, src in origin.items() if src != newest]
        )
        out.append(rec)
        geoms.append(place[2])
    columns = list(dict.fromkeys([*FACILITY_COLUMNS, *HISTORY_COLUMNS]))
    facilities = gpd.GeoDataFrame(pd.DataFrame(out).reindex(columns=columns), geometry=geoms, crs=CRS)
    years = pd.DataFrame(year_rows, columns=list(FISCAL_YEAR_COLUMNS))
    years = years.drop_duplicates(["facility_id", "fiscal_year", "source"], keep="last")
    years = years.sort_values(["facility_id", "fiscal_year", "source"], kind="stable").reset_index(drop=True)
    return facilities, years


def _sources_text(gdfs, recs) -> str:
    """``"ICE facility lists: FOIA list of 2009-08-15; detention statistics FY2019, FY2026"``.

    A list read by :func:`geodata.read_ice_stats` is named by its fiscal year; any other
    by its own ``source_name``.  The full names and data dates are in the companion table.
    """
    stats, others = [], []
    for gdf, rec in zip(gdfs, recs):
        if str(rec.get("source_name") or "").startswith("ICE detention statistics"):
            year = f"FY{gdf.attrs.get('fiscal_year')}"
            if year not in stats:
                stats.append(year)
        elif rec.get("source_name") and rec["source_name"] not in others:
            others.append(rec["source_name"])
    parts = others + ([f"ICE detention statistics {', '.join(stats)}"] if stats else [])
    return "; ".join(parts)


def _year_row(fid, fy, gdf, rec, adp, *, listed):
    row = {"facility_id": fid, "fiscal_year": fy, "source": _label(gdf),
           "adp": None if adp is None else round(float(adp), 3), "data_date": gdf.attrs.get("data_date")}
    if listed:
        row.update({c: rec.get(c) for c in _LISTED})
    return row
