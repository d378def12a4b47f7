"""Matching facility names written differently by different sources.

ICE's statistics write ``STEWART DETENTION CENTER``; ICE's death reports write
``Stewart Detention Center (SDC)`` (2018 on) or ``Eloy Federal Contract Facility AZ``
(2003-2017).  Names are normalised (upper case, abbreviations spelled out, the
trailing state and the parenthesised initials dropped) and compared within one
state with a token-set similarity; a match must be clearly better than the next
candidate, or it is not made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from .geocode import normalize_place
from .schema import STATE_CODES, state_code

__all__ = ["normalize_facility_name", "FacilityMatcher", "Match"]

# Abbreviation -> word, as found in ICE's sheets and death reports.
ABBREVIATIONS = {
    "CTR": "CENTER", "CNTR": "CENTER", "CENTRE": "CENTER",
    "CORR": "CORRECTIONAL", "CORRECTIONS": "CORRECTIONAL", "CORRECTION": "CORRECTIONAL",
    "DET": "DETENTION", "FAC": "FACILITY", "PROC": "PROCESSING",
    "CO": "COUNTY", "CNTY": "COUNTY", "DEPT": "DEPARTMENT", "SHERIFFS": "SHERIFF",
    "INST": "INSTITUTION", "FED": "FEDERAL", "REG": "REGIONAL", "PEN": "PENITENTIARY",
    "USP": "FEDERAL PENITENTIARY", "FCI": "FEDERAL CORRECTIONAL INSTITUTION",
    "FDC": "FEDERAL DETENTION CENTER", "FMC": "FEDERAL MEDICAL CENTER",
    "IPC": "PROCESSING CENTER", "SPC": "SERVICE PROCESSING CENTER",
    "FT": "FORT", "ST": "SAINT", "MT": "MOUNT", "&": "AND",
}
# Words that every second facility has: they say nothing about which one it is.
STOPWORDS = {"THE", "OF", "AND", "ICE", "ERO", "US", "U", "S", "INC", "LLC"}
# Words that say what kind of place it is, not which one: "Pike County Correctional
# Facility" and "Clinton County Correctional Facility" share all but the first word.
GENERIC = {
    "COUNTY", "PARISH", "CITY", "CORRECTIONAL", "FACILITY", "CENTER", "DETENTION", "JAIL",
    "PROCESSING", "SERVICE", "SERVICING", "CONTRACT", "FEDERAL", "REGIONAL", "ADULT",
    "JUSTICE", "COMPLEX", "DEPARTMENT", "SHERIFF", "OFFICE", "PUBLIC", "SAFETY", "IMMIGRATION",
    "INSTITUTION", "PENITENTIARY", "STAGING", "TRANSITIONAL", "SPC", "CDF", "IPC", "PRISON",
    "HOLD", "ROOM", "MEDICAL", "HOSPITAL", "LAW", "ENFORCEMENT", "CORRECTIONS",
    "FAMILY", "RESIDENTIAL", "CARE", "LOW", "MEDIUM", "SECURITY", "INSTITUTE", "HOUSE",
    "METROPOLITAN", "CONTRACTS", "UNIT",
}
# Who runs it: a city jail and a federal prison in the same city are two places.
JURISDICTION = {"COUNTY": "county", "PARISH": "county", "CITY": "city", "FEDERAL": "federal"}
_PARENS = re.compile(r"\([^)]*\)")


def normalize_facility_name(name: str | None, state: str | None = None) -> str:
    """``"Eloy Federal Contract Facility AZ"`` -> ``"ELOY FEDERAL CONTRACT FACILITY"``."""
    s = _PARENS.sub(" ", str(name or "")).upper()
    s = re.sub(r"[^A-Z0-9&]+", " ", s.replace("&", " & "))
    words = [ABBREVIATIONS.get(w, w) for w in s.split()]
    st = state_code(state)
    if words and (words[-1] == st or (st is None and words[-1] in STATE_CODES)):
        words = words[:-1]  # 2003-2017 death records end the name with the state
    return " ".join(w for w in words if w not in STOPWORDS)


def _jurisdiction(key: str) -> set[str]:
    return {JURISDICTION[w] for w in key.split() if w in JURISDICTION}


def distinctive_words(key: str) -> str:
    """The words of a normalised name that say which place it is (not what kind)."""
    return " ".join(w for w in key.split() if w not in GENERIC)


@dataclass(frozen=True)
class Match:
    facility_id: str | None
    score: float
    how: str  # what matched, in words (or why nothing did)


class FacilityMatcher:
    """Match (name, city, state) triples to the rows of a facility table.

    Parameters
    ----------
    facilities : frame with ``id``, ``name``, ``city`` and ``state`` columns.
    threshold : lowest token-set similarity (0-100) that counts as the same name.
    margin : how far the best candidate must lead the second one.
    """

    def __init__(self, facilities: pd.DataFrame, *, threshold: float = 85, margin: float = 4):
        self.threshold = threshold
        self.margin = margin
        self._by_state: dict[str, list[tuple[str, str, str]]] = {}
        if "geometry" in facilities:
            # Only a facility with a location can place what is joined to it.
            geoms = facilities.geometry
            facilities = facilities[geoms.notna() & ~geoms.is_empty]
        self._rows = facilities.set_index("id")
        for row in facilities.itertuples(index=False):
            key = normalize_facility_name(row.name, row.state)
            self._by_state.setdefault(row.state, []).append((row.id, key, normalize_place(row.city)))

    def locate(self, name: str, state: str | None, city: str | None = None):
        """Join a record to its facility: ``(match, fields, point)``.

        ``fields`` holds ``facility_id``, ``city``, ``location_precision`` and
        ``location_method`` for the record (the facility's own precision: a death
        drawn at a facility placed by ZIP is a ZIP-level point); ``fields`` and
        ``point`` are None when nothing matched.
        """
        match = self.match(name, state, city)
        if match.facility_id is None:
            return match, None, None
        fac = self._rows.loc[match.facility_id]
        fields = {
            "facility_id": match.facility_id,
            "city": fac["city"],
            "location_precision": fac["location_precision"],
            "location_method": f"at the facility {fac['name']}: {fac['location_method']}",
        }
        return match, fields, fac.geometry

    def match(self, name: str, state: str | None, city: str | None = None) -> Match:
        st = state_code(state)
        candidates = self._by_state.get(st or "", [])
        if not candidates:
            return Match(None, 0, f"no facility of the table is in {state or 'an unknown state'}")
        key = normalize_facility_name(name, st)
        city_key = normalize_place(city) if city else None
        scored = []
        own = distinctive_words(key)
        own_kind = _jurisdiction(key)
        for fid, cand, cand_city in candidates:
            other = distinctive_words(cand)
            whole = fuzz.token_sort_ratio(key, cand)
            if own and other:
                # The words that name the place weigh most: "Pike County Correctional
                # Facility" is not "Clinton County Correctional Facility", while
                # "Baker County Detention Center" may be "Baker County Sheriff Dept.".
                # The whole name breaks ties ("El Paso Service Processing Center" and
                # "ERO El Paso Camp East Montana" are both "El Paso").
                score = 0.8 * fuzz.token_set_ratio(own, other) + 0.2 * whole
            else:
                score = whole
            other_kind = _jurisdiction(cand)
            if own_kind and other_kind and not own_kind & other_kind:
                score -= 30
            # The same city tells "Baker County Sheriff" (Macclenny) from "Baker
            # Correctional Institution" (Sanderson).
            if city_key and cand_city == city_key:
                score += 10
            scored.append((score, fid, cand))
        scored.sort(reverse=True)
        best = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0
        if best[0] < self.threshold:
            return Match(None, best[0], f"closest name {best[2]!r} scores {best[0]:.0f} < {self.threshold}")
        if best[0] - second < self.margin:
            return Match(None, best[0], f"ambiguous: {best[2]!r} and {scored[1][2]!r} score alike")
        return Match(best[1], best[0], f"name {key!r} ~ {best[2]!r} ({best[0]:.0f})")
