"""Deaths in ICE custody, FY2004-FY2025, from Basu et al. (UCSF).

The table (``all_250_deaths_detailed.csv``, MIT, Copyright 2025 Sanjay Basu) lists
249 deaths from ICE's own records: the FOIA list of 2003-2017 and the Detainee Death
Reports of 2018-2025.  It names a facility, not a place, so each death is joined to
the facility layer and drawn at its facility.  A death at a facility that is not in
the facility layer (closed, or not in this year's statistics) is placed at the
city named in the record; 2003-2017 records name no city (``"Eloy Federal
Contract Facility, AZ"``), so the city is looked for in the facility's name
(``Eloy``), then a county (``Sacramento County Jail``), then the state.  Each
record says which of these placed it.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from ..core.ids import slug
from ..core.report import Report, read_csv_table
from ..core.schema import CRS, INCIDENT_COLUMNS, state_code
from ..geography.geocode import Gazetteer, county_key, gazetteer, normalize_place
from ..geography.match import FacilityMatcher, Match, distinctive_words, normalize_facility_name

__all__ = ["read_deaths_basu", "BASU_REPO_URL", "BASU_COPYRIGHT"]

BASU_REPO_URL = "https://github.com/sanjaybasu/ice-detention-mortality"
BASU_COPYRIGHT = "Copyright (c) 2025 Sanjay Basu (MIT License)"
SOURCE_NAME = "ICE detainee death records, compiled by Basu et al. (UCSF), FY2004-FY2025"
REQUIRED = ("Name", "Date_of_Death", "Facility_Name", "Facility_Location", "PDF_URL")
_PARENS = re.compile(r"\([^)]*\)")
_COUNTY_IN_NAME = re.compile(r"\b([A-Z][A-Z .']+?) (COUNTY|PARISH)\b")


_COMPASS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}


def _city_key(city) -> str:
    """``N. LAS VEGAS`` and ``North Las Vegas`` are one city."""
    return " ".join(_COMPASS.get(w, w) for w in normalize_place(city if isinstance(city, str) else "").split())


def _first_part(text: str) -> str:
    """``"Winnfield, Louisiana (WCC) / Alexandria, Louisiana (CSFC)"`` -> ``"Winnfield, Louisiana"``."""
    return " ".join(_PARENS.sub(" ", str(text).split(" / ")[0]).split())


def _split_location(location: str) -> tuple[str, str | None]:
    """``"Lumpkin, GA"`` -> (``"Lumpkin"``, ``"GA"``); the state may be a full name."""
    head, _, tail = _first_part(location).rpartition(",")
    st = state_code(tail.strip())
    return (head.strip(), st) if head and st else (_first_part(location), None)


def _place_from_name(gaz: Gazetteer, facility_name: str, state: str) -> tuple[str, str] | None:
    """Find the county or the city that a facility is named after.

    ``"Sacramento County Jail"`` -> county Sacramento; ``"Atwater US Penitentiary"``
    -> city Atwater.  A city counts only when it is the *whole* of the name's
    distinctive part: ``"Hampton Roads Regional Jail"`` is named after a region, not
    after the city of Hampton, and ``"Rolling Plains"`` is not in Plains, TX.
    """
    key = normalize_facility_name(facility_name, state)
    m = _COUNTY_IN_NAME.search(key)
    if m and gaz.has_county(m.group(1), state):
        return "county", m.group(1)
    own = distinctive_words(key)
    if own and gaz.has_city(own, state):
        return "city", own
    return None


def _named_place(gaz: Gazetteer, facility_name: str, state: str | None) -> tuple[str, str] | None:
    """The county or city a facility's name points to, also where no word says "county":
    ``"Guadalupe City Jail"`` is Guadalupe County's (TX has no town of Guadalupe)."""
    if not state:
        return None
    found = _place_from_name(gaz, facility_name, state)
    own = distinctive_words(normalize_facility_name(facility_name, state))
    if found is None and own and gaz.has_county(own, state):
        found = ("county", own)
    return found


def _elsewhere(gaz: Gazetteer, fac: pd.Series, state: str, city: str | None, facility_name: str) -> str | None:
    """Why the facility a name matched is not at the place the record names (None: it may be).

    A name is not a place: the death at "Guadalupe City Jail" (Guadalupe County, TX) is
    not at the Tornillo-Guadalupe port of entry, 800 km away.  The record's city, else the
    county or city its facility's name carries, must agree with the facility's city or county.
    """
    fac_city = fac["city"] if isinstance(fac["city"], str) else None
    fac_zip = fac["zip"] if "zip" in fac.index and isinstance(fac["zip"], str) else None
    theirs = gaz.counties(fac_city, state, fac_zip)
    where = f"{fac_city.title() if fac_city else '?'}" + (f" ({', '.join(sorted(theirs)).title()} County)"
                                                           if theirs else "")
    if city:
        if fac_city and _city_key(city) == _city_key(fac_city):
            return None
        mine = gaz.counties(city, state)
        if not mine or not theirs or mine & theirs:
            return None
        return f"the record's city {city} is not in the county of {where}"
    # Only a county in the name is checked: a town in a name is often the institution's, not its
    # place (Mira Loma Detention Center is in Lancaster, not in Mira Loma).
    named = _named_place(gaz, facility_name, state)
    if named is None or named[0] != "county" or not theirs:
        return None
    place = named[1]
    return None if county_key(place) in theirs else f"the name points to {place.title()} County, not {where}"


class _Refused(Match):
    """A name match refused because the facility is elsewhere (already reported)."""


class _HistoryMatcher(FacilityMatcher):
    """A :class:`FacilityMatcher` that knows each facility by every name ICE's lists gave it.

    ``JENA/LASALLE DETENTION FACILITY`` (2009-2016) is ``CENTRAL LOUISIANA ICE
    PROCESSING CENTER`` since FY2023: a death of 2009 names the old one.  The variants
    of one facility never compete with each other: a name is matched to the facility
    whose best variant wins, and the very same name (word for word) counts extra.
    """

    #: What being in ICE's lists in the fiscal year of a death adds to a facility's score:
    #: enough to choose between two names alike, not to make a match of a poor one.
    IN_USE_BONUS = 5

    def __init__(self, facilities: pd.DataFrame, facility_years: pd.DataFrame | None):
        super().__init__(facilities)
        self.year: int | None = None
        self._years = {}
        if "fiscal_years" in facilities.columns:
            self._years = {fid: {int(y) for y in str(v).split()} for fid, v in
                           zip(facilities["id"], facilities["fiscal_years"]) if isinstance(v, str)}
        if facility_years is None or facility_years.empty:
            return
        placed = set(self._rows.index)
        listed = facility_years[facility_years["name"].fillna("").astype(str).str.strip() != ""]
        listed = listed[listed["facility_id"].isin(placed)]
        for fid, name, city, st in zip(listed["facility_id"], listed["name"], listed["city"], listed["state"]):
            st = state_code(st) or self._rows.at[fid, "state"]
            entry = (fid, normalize_facility_name(name, st), normalize_place(city if isinstance(city, str) else ""))
            if entry not in self._by_state.setdefault(st, []):
                self._by_state[st].append(entry)

    def row(self, facility_id: str) -> pd.Series:
        return self._rows.loc[facility_id]

    def state_of(self, facility_id: str) -> str | None:
        return self._rows.at[facility_id, "state"] if facility_id in self._rows.index else None

    def _score(self, key, candidates, city_key):
        best: dict[str, tuple[float, str, str]] = {}
        for score, fid, cand in super()._score(key, candidates, city_key):
            score += 10 if cand == key else 0
            if self.year is not None and self.year in self._years.get(fid, ()):
                score += self.IN_USE_BONUS
            if fid not in best or score > best[fid][0]:
                best[fid] = (score, fid, cand)
        return sorted(best.values(), reverse=True)


def read_deaths_basu(
    path: str | Path, facilities: gpd.GeoDataFrame, report: Report | None = None,
    facility_years: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read Basu et al.'s deaths table into the incident schema, joined to ``facilities``.

    Parameters
    ----------
    path : ``all_250_deaths_detailed.csv``.
    facilities : the facility layer (``geodata.core.schema.FACILITY_COLUMNS``).
    facility_years : the facility history's table of names by list
        (``geodata.pipeline.facility_history.FISCAL_YEAR_COLUMNS``): a death is then matched to a
        facility by any name the lists gave it, not only its newest.
    report : receives each death not matched to a facility (``unmatched``) and each
        one that could not be placed (``rejected``), with the reason.
    """
    report = report if report is not None else Report()
    path = Path(path)
    df = read_csv_table(path, REQUIRED, "the Basu et al. deaths table")
    source = f"deaths {path.name}"
    gaz = gazetteer()
    matcher = _HistoryMatcher(facilities, facility_years)

    records, geoms, ids = [], [], set()
    for i, row in df.iterrows():
        name = " ".join(row["Name"].split())
        date = pd.to_datetime(row["Date_of_Death"], errors="coerce")
        if not name or pd.isna(date) or not row["PDF_URL"].startswith("http"):
            report.add(source, f"row {i + 2} {name!r}", "rejected", "no name, date or source URL")
            continue
        iso = date.date().isoformat()
        facility_name = _first_part(row["Facility_Name"])
        city, st = _split_location(row["Facility_Location"])
        # 2003-2017 names end with the state: "Atwater US Penitentiary CA"
        name_st = state_code(facility_name.split()[-1]) if len(facility_name.split()) > 1 else None
        disagree = []
        if name_st and st and name_st != st:
            # One record names "Eloy Federal Contract Facility AZ" at "Joe Corley Detention
            # Facility, TX": the facility named is the one looked for, and both are said.
            disagree.append(f"the facility name says {facility_name} but the location says "
                            f"{_first_part(row['Facility_Location'])}")
            st, city = name_st, None
        if st is None:
            st = name_st
        if st and facility_name.endswith(f" {st}"):
            facility_name = facility_name[: -len(st) - 1]
        # 2003-2017 records repeat the facility's name where a city would be.
        if st and not gaz.has_city(city, st):
            city = None

        rec = {
            "category": "death_in_custody",
            "title": f"Death in ICE custody: {name}",
            "date": iso,
            "date_precision": "day",
            "date_start": iso,
            "date_end": iso,
            "place": ", ".join(p for p in (facility_name, city, st) if p),
            "state": st,
            "description": _description(row),
            "source_name": SOURCE_NAME,
            "source_urls": f"{row['PDF_URL'].strip()} {BASU_REPO_URL}",
            "verification": "official_record",
        }
        base = f"death-{iso}-{slug(name, 40)}"
        rec["id"] = base if base not in ids else f"{base}-{i}"
        ids.add(rec["id"])

        matcher.year = date.year + (date.month >= 10)  # the fiscal year of the death
        match, fields, point = matcher.locate(facility_name, st, city)
        if fields and (elsewhere := _elsewhere(gaz, matcher.row(fields["facility_id"]), st, city, facility_name)):
            report.add(source, f"{name} ({iso}), {facility_name}", "unmatched",
                       f"refused: the name matches {fields['facility_id']} but {elsewhere}")
            match, fields, point = _Refused(match.facility_id, match.score, f"refused: {elsewhere}"), None, None
        location_name = _first_part(row["Facility_Location"]).rpartition(",")[0].strip()
        if fields is None and not city and st and location_name and \
                normalize_facility_name(location_name, st) != normalize_facility_name(facility_name, st):
            # The record's location field names the facility again, spelt right where the name is not
            # ("Prio County Jail TX" at "Frio County Jail, TX"): the location field is tried too.
            again, again_fields, again_point = matcher.locate(location_name, st)
            if again_fields and not _elsewhere(gaz, matcher.row(again_fields["facility_id"]), st, None,
                                               location_name):
                match, fields, point = again, again_fields, again_point
            if fields or _named_place(gaz, location_name, st):
                report.add(source, f"{name} ({iso}), {facility_name}", "corrected",
                           f"the record's location field names {location_name!r}: read instead of the name")
                facility_name = location_name
        if fields and city and _city_key(city) != _city_key(fields["city"]):
            disagree.append(f"the record's city {city} is not the city of the facility matched by name "
                            f"({fields['city']})")
        if disagree:
            what = "; ".join(disagree)
            report.add(source, f"{name} ({iso}), {facility_name}", "note", f"sources disagree on the place: {what}")
            rec["description"] = f"{rec['description']} Sources disagree on the place: {what}.".strip()
        if fields:
            rec.update(fields)
            if disagree:
                rec["location_method"] += f" (sources disagree: {'; '.join(disagree)})"
        else:
            kind = row.get("Facility_Type", "").strip()
            reason = match.how if match.how.startswith("ambiguous") else (
                "no facility of the facility layer (ICE's lists 2009-2026) has this name"
                + (f"; the record's facility type is {kind}" if kind else "") + f" ({match.how})"
            )
            elsewhere = matcher.match_any_state(facility_name)
            if elsewhere.facility_id is not None and matcher.state_of(elsewhere.facility_id) != st:
                # "a facility name that exists in another state": said, not followed.
                other = f"{elsewhere.facility_id} in {matcher.state_of(elsewhere.facility_id)}"
                reason += f"; sources disagree: the name matches {other}, but the record says {st}"
                rec["description"] = (f"{rec['description']} Sources disagree on the place: the facility's name "
                                      f"is that of a facility in {matcher.state_of(elsewhere.facility_id)}, "
                                      f"the record says {st}.").strip()
            if not isinstance(match, _Refused):
                report.add(source, f"{name} ({iso}), {facility_name}", "unmatched", reason)
            hit, how = None, None
            if city:
                hit, how = gaz.city(city, st), "city of the death record"
                if match.how.startswith("ambiguous"):
                    # "Central Arizona Florence Correctional Complex" (CoreCivic's name for two
                    # Florence facilities together) fits several of the town's facilities alike.
                    how += f", kept there because the name fits several facilities alike ({match.how})"
                rec["city"] = city
            elif st:
                found = _named_place(gaz, facility_name, st)
                if not found and (near := gaz.near_city(distinctive_words(
                        normalize_facility_name(facility_name, st)), st)):
                    # A typing slip in the town's name ("Forth Worth Federal Medical Center"):
                    # the town within the state the name spells nearly, listed in the report.
                    found = ("city", near)
                    report.add(source, f"{name} ({iso}), {facility_name}", "corrected",
                               f"no facility of this name; the name nearly spells {near.title()}, {st}: placed there")
                if found:
                    level, place = found
                    hit = gaz.county(place, st) if level == "county" else gaz.city(place, st)
                    how = f"{level} named in the facility's name"
                    if level == "city":
                        rec["city"] = place.title()
            if hit is None:
                hit = gaz.state(st)
                how = "only the state is known"
            if hit is None:
                report.add(source, f"{name} ({iso})", "rejected", f"no place found for {row['Facility_Location']!r}")
                continue
            point = Point(round(hit.lon, 6), round(hit.lat, 6))
            rec["location_precision"] = hit.precision
            rec["location_method"] = f"{how}: {hit.method} (facility not in the facility layer)"
            if hit.precision == "state":
                report.add(source, f"{name} ({iso})", "coarse", f"placed at state level: {facility_name}")
        records.append(rec)
        geoms.append(point)

    return gpd.GeoDataFrame(records, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs=CRS)


def _description(row: pd.Series) -> str:
    parts = []
    age = pd.to_numeric(row.get("Age"), errors="coerce")
    who = ", ".join(
        p for p in (
            row.get("Sex", "").strip(),
            f"age {age:g}" if pd.notna(age) else "",
            f"citizen of {row.get('Country', '').strip().title()}" if row.get("Country", "").strip() else "",
        ) if p
    )
    if who:
        parts.append(who[0].upper() + who[1:] + ".")
    if row.get("Cause_of_Death", "").strip():
        # ICE's text often ends with its own full stop: one, not "problems..".
        parts.append(f"Cause of death as recorded by ICE: {row['Cause_of_Death'].strip().rstrip('.')}.")
    if row.get("Facility_Type", "").strip():
        parts.append(f"Facility type: {row['Facility_Type'].strip()}.")
    return " ".join(parts)
