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
from functools import lru_cache

import pandas as pd
from rapidfuzz import fuzz, process

from ..core.schema import STATE_CODES, STATE_NAMES, state_code
from .geocode import normalize_place

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
    # DDP's daily population and the Marshall/UWCHR/CarwilB reference tables add these.
    "COR": "CORRECTIONAL", "CORECTIONS": "CORRECTIONAL", "DETN": "DETENTION", "PROCESSSING": "PROCESSING",
    "HOLDROOM": "HOLD ROOM", "RM": "ROOM", "HOSP": "HOSPITAL", "MED": "MEDICAL", "DIST": "DISTRICT",
    "FCLTY": "FACILITY", "PROCESS": "PROCESSING", "NW": "NORTHWEST", "PUB": "PUBLIC", "SFTY": "SAFETY",
    "CPLX": "COMPLEX", "CORRECTS": "CORRECTIONAL", "CI": "CORRECTIONAL INSTITUTION",
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
# What sort of place it is, where that rules a match out: a hold room, a hospital or a
# juvenile centre is not the jail of the same town.  Used by strict matchers only.
KINDS = {
    "HOLD": "hold room", "HOLDING": "hold room", "HOSPITAL": "medical", "MEDICAL": "medical",
    "CLINIC": "medical", "JUVENILE": "juvenile", "YOUTH": "juvenile", "HOTEL": "hotel", "INN": "hotel",
    "SUITES": "hotel", "FIELD": "field office",
}
_PARENS = re.compile(r"\([^)]*\)")
_STATE_NAME_OF = {code: name for name, code in STATE_NAMES.items()}


def normalize_facility_name(name: str | None, state: str | None = None, *, state_names: bool = False) -> str:
    """``"Eloy Federal Contract Facility AZ"`` -> ``"ELOY FEDERAL CONTRACT FACILITY"``.

    With ``state_names``, a trailing full state name goes too (DDP writes
    ``"DOUGLAS CO. WISCONSIN"``) when it is ``state``.
    """
    s = _PARENS.sub(" ", str(name or "")).upper()
    s = re.sub(r"\bC\.\s*I\.", "CI", s)  # DDP: "BAKER C. I." is Baker Correctional Institution
    s = re.sub(r"[^A-Z0-9&]+", " ", s.replace("&", " & "))
    words = [ABBREVIATIONS.get(w, w) for w in s.split()]
    st = state_code(state)
    if st and len(words) > 2:
        # The state's code inside a name ("CCA NORTHEAST OH CORRECTS") is its name.
        words = [*(_STATE_NAME_OF.get(st, w) if w == st else w for w in words[:-1]), words[-1]]
    if words and (words[-1] == st or (st is None and words[-1] in STATE_CODES)):
        words = words[:-1]  # 2003-2017 death records end the name with the state
    elif state_names and st and len(words) > 2 and state_code(" ".join(words[-2:])) == st:
        words = words[:-2]  # DDP: "DOUGLAS CO. NEW YORK" (two-word states first)
    elif state_names and st and len(words) > 1 and state_code(words[-1]) == st:
        words = words[:-1]  # DDP: "DOUGLAS CO. WISCONSIN"
    return " ".join(w for w in words if w not in STOPWORDS)


def _jurisdiction(key: str) -> set[str]:
    return {JURISDICTION[w] for w in key.split() if w in JURISDICTION}


def _minus(words: str, place: str | None) -> str:
    """``words`` without the words of ``place``."""
    drop = set((place or "").split())
    return " ".join(w for w in words.split() if w not in drop)


def _strict_score(own: str, other: str, places: str) -> float:
    """How alike two sets of distinctive words are, out of 80, for a strict matcher.

    A part is not the whole (``EL PASO`` vs ``EL PASO CAMP EAST MONTANA``): the words
    one lacks count against it.  But a town written into one name and given as the
    other's city is not an extra word (``DODGE COUNTY JAIL, JUNEAU`` in Juneau), so
    the words are also compared without the cities, and the better result counts.
    """
    best = 0.0
    for a, b in ((own, other), (_minus(own, places) or own, _minus(other, places) or other)):
        best = max(best, 0.5 * fuzz.token_set_ratio(a, b) + 0.3 * fuzz.token_sort_ratio(a, b))
    return best


# Operators' names say who runs a place, not which place it is.
OPERATORS = {"CCA", "GEO", "CORECIVIC", "CORE", "CIVIC", "MTC", "IGSA", "DIGSA", "USMS", "IGA", "CDF", "FO"}


@lru_cache(maxsize=None)
def _near_generic(word: str) -> bool:
    """Generic words, operators, initials and generic words misspelt (``FACILTY``)."""
    if len(word) < 2 or word in GENERIC or word in OPERATORS:
        return True
    return len(word) >= 5 and process.extractOne(word, GENERIC, scorer=fuzz.ratio, score_cutoff=93) is not None


@lru_cache(maxsize=8192)
def _strict_words(key: str) -> str:
    return " ".join(w for w in key.split() if not _near_generic(w))


def _kinds(key: str) -> set[str]:
    return {KINDS[w] for w in key.split() if w in KINDS}


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
    strict : for tables that list many places (hold rooms, hospitals, old names):
        a name's distinctive words must be the same words, not a part of them
        (``EL PASO`` is not ``EL PASO CAMP EAST MONTANA``), and a hold room, hospital,
        juvenile centre or hotel never matches a place that is not one.  The default
        suits death records, which often name a facility by its town alone.
    """

    def __init__(
        self, facilities: pd.DataFrame, *, threshold: float = 85, margin: float = 4, strict: bool = False
    ):
        self.threshold = threshold
        self.margin = margin
        self.strict = strict
        self._by_state: dict[str, list[tuple[str, str, str]]] = {}
        self._by_id: dict[str, tuple[str, str, str]] = {}
        if "geometry" in facilities:
            # Only a facility with a location can place what is joined to it.
            geoms = facilities.geometry
            facilities = facilities[geoms.notna() & ~geoms.is_empty]
        self._rows = facilities.set_index("id")
        for row in facilities.itertuples(index=False):
            key = normalize_facility_name(row.name, row.state, state_names=strict)
            entry = (row.id, key, normalize_place(row.city))
            self._by_state.setdefault(row.state, []).append(entry)
            self._by_id[row.id] = entry

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

    def _score(self, key: str, candidates, city_key: str | None) -> list[tuple[float, str, str]]:
        scored = []
        own = _strict_words(key) if self.strict else distinctive_words(key)
        own_kind = _jurisdiction(key)
        own_type = _kinds(key) if self.strict else None
        for fid, cand, cand_city in candidates:
            other = _strict_words(cand) if self.strict else distinctive_words(cand)
            whole = fuzz.token_sort_ratio(key, cand)
            if own and other:
                # The words that name the place weigh most: "Pike County Correctional
                # Facility" is not "Clinton County Correctional Facility", while
                # "Baker County Detention Center" may be "Baker County Sheriff Dept.".
                # The whole name breaks ties ("El Paso Service Processing Center" and
                # "ERO El Paso Camp East Montana" are both "El Paso").
                if self.strict:
                    score = _strict_score(own, other, f"{cand_city} {city_key or ''}") + 0.2 * whole
                else:
                    score = 0.8 * fuzz.token_set_ratio(own, other) + 0.2 * whole
            else:
                score = whole
                if self.strict and (own or other):
                    # "DEPARTMENT OF CORRECTIONS HAGATNA" names a place; "DEPARTMENT OF
                    # CORRECTIONS" names none, so it may be any of them.
                    score -= 30
            other_kind = _jurisdiction(cand)
            if own_kind and other_kind and not own_kind & other_kind:
                score -= 30
            if own_type is not None and own_type != _kinds(cand):
                score -= 30
            # The same city tells "Baker County Sheriff" (Macclenny) from "Baker
            # Correctional Institution" (Sanderson).
            if city_key and cand_city == city_key:
                score += 10
            scored.append((score, fid, cand))
        scored.sort(reverse=True)
        return scored

    def _decide(self, key: str, scored) -> Match:
        best = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0
        if best[0] < self.threshold:
            return Match(None, best[0], f"closest name {best[2]!r} scores {best[0]:.0f} < {self.threshold}")
        if best[0] - second < self.margin:
            return Match(None, best[0], f"ambiguous: {best[2]!r} and {scored[1][2]!r} score alike")
        return Match(best[1], best[0], f"name {key!r} ~ {best[2]!r} ({best[0]:.0f})")

    def match(self, name: str, state: str | None, city: str | None = None) -> Match:
        st = state_code(state)
        candidates = self._by_state.get(st or "", [])
        if not candidates:
            return Match(None, 0, f"no facility of the table is in {state or 'an unknown state'}")
        key = normalize_facility_name(name, st, state_names=self.strict)
        city_key = normalize_place(city) if city else None
        return self._decide(key, self._score(key, candidates, city_key))

    def score(self, name: str, facility_id: str) -> float:
        """How well ``name`` matches one facility of the table (the scale of :meth:`match`)."""
        entry = self._by_id.get(facility_id)
        if entry is None:
            return 0.0
        key = normalize_facility_name(name, None, state_names=self.strict)
        return self._score(key, [entry], None)[0][0]

    def has_state(self, state: str | None) -> bool:
        """Does the table have a facility in ``state``?"""
        return bool(self._by_state.get(state_code(state) or ""))

    def match_any_state(self, name: str) -> Match:
        """Match a name whose state is not known against every state at once.

        Only a name that one facility of the whole table clearly wins is matched:
        ``WASHINGTON COUNTY JAIL`` (several states) stays ambiguous.
        """
        candidates = [c for cands in self._by_state.values() for c in cands]
        if not candidates:
            return Match(None, 0, "the table has no facility")
        key = normalize_facility_name(name)
        return self._decide(key, self._score(key, candidates, None))
