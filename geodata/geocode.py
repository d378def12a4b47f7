"""Offline geocoding from the ZIP gazetteer that ships inside the ``zipcodes`` package.

No network: every answer comes from ``zipcodes``' table of US ZIP codes (with
territories), each with a centroid, its city, county and state.  The geocoder tries,
finest first, a ZIP, then a city, then a county, then a state, and says which it
reached.  It never reaches ``address``: a street address is only as good as its ZIP
here, and the result says so.

A city, county or state point is the mean of the ZIP centroids inside it: a point
inside the area that stands for the whole area, not a place in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .schema import state_code

__all__ = ["GeocodeResult", "Gazetteer", "gazetteer", "normalize_place"]


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    precision: str  # one of schema.LOCATION_PRECISIONS
    method: str  # how the point was reached, in words


_SAINT = re.compile(r"\bST\b\.?")
_FORT = re.compile(r"\bFT\b\.?")
_MOUNT = re.compile(r"\bMT\b\.?")


def normalize_place(text: str | None) -> str:
    """Upper-case a city or county name and spell out common abbreviations."""
    s = (text or "").upper().replace(".", " ").replace("-", " ").replace("'", "")
    s = _SAINT.sub("SAINT", s)
    s = _FORT.sub("FORT", s)
    s = _MOUNT.sub("MOUNT", s)
    return " ".join(s.split())


_COUNTY_SUFFIX = re.compile(r"\s+(COUNTY|PARISH|BOROUGH|MUNICIPIO|CENSUS AREA|CITY AND BOROUGH)$")


def _county_key(text: str) -> str:
    return _COUNTY_SUFFIX.sub("", normalize_place(text))


class Gazetteer:
    """Lookup tables built once from ``zipcodes`` (about 42,000 ZIPs)."""

    def __init__(self, rows: list[dict]):
        self._zip: dict[str, tuple[float, float, str, str]] = {}
        city_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
        county_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
        state_pts: dict[str, list[tuple[float, float]]] = {}
        for row in rows:
            try:
                lat, lon = float(row["lat"]), float(row["long"])
            except (TypeError, ValueError, KeyError):
                continue
            if lat == 0 and lon == 0:
                continue
            st = row["state"]
            self._zip[row["zip_code"]] = (lon, lat, st, row["city"])
            # Only a ZIP's primary city names the city: the "acceptable" names are
            # often neighbouring towns and would drag the mean away.
            city_pts.setdefault((st, normalize_place(row["city"])), []).append((lon, lat))
            if row.get("county"):
                county_pts.setdefault((st, _county_key(row["county"])), []).append((lon, lat))
            state_pts.setdefault(st, []).append((lon, lat))
        self._city = {k: _mean(v) for k, v in city_pts.items()}
        self._county = {k: _mean(v) for k, v in county_pts.items()}
        self._state = {k: _mean(v) for k, v in state_pts.items()}

    # -- single levels -------------------------------------------------------
    def zip(self, zip5: str | None, state: str | None = None) -> GeocodeResult | None:
        hit = self._zip.get((zip5 or "").strip()[:5])
        if hit is None:
            return None
        lon, lat, st, city = hit
        if state and state_code(state) and state_code(state) != st:
            return None  # a ZIP from another state is a typo, not a place
        return GeocodeResult(lon, lat, "zip", f"centroid of ZIP {zip5[:5]} ({city}, {st})")

    def city(self, city: str | None, state: str | None) -> GeocodeResult | None:
        st = state_code(state)
        hit = self._city.get((st, normalize_place(city))) if st and city else None
        if hit is None:
            return None
        return GeocodeResult(*hit, "city", f"centre of the ZIP areas of {city.strip().title()}, {st}")

    def county(self, county: str | None, state: str | None) -> GeocodeResult | None:
        st = state_code(state)
        hit = self._county.get((st, _county_key(county))) if st and county else None
        if hit is None:
            return None
        return GeocodeResult(*hit, "county", f"centre of the ZIP areas of {county.strip().title()}, {st}")

    def state(self, state: str | None) -> GeocodeResult | None:
        st = state_code(state)
        hit = self._state.get(st) if st else None
        if hit is None:
            return None
        return GeocodeResult(*hit, "state", f"centre of the ZIP areas of {st}")

    def has_city(self, city: str, state: str) -> bool:
        return (state_code(state), normalize_place(city)) in self._city

    def has_county(self, county: str, state: str) -> bool:
        return (state_code(state), _county_key(county)) in self._county

    # -- the chain -----------------------------------------------------------
    def geocode(
        self,
        *,
        zip5: str | None = None,
        city: str | None = None,
        county: str | None = None,
        state: str | None = None,
    ) -> GeocodeResult | None:
        """Place a record at the finest level its fields allow, or return None."""
        return (
            self.zip(zip5, state)
            or self.city(city, state)
            or self.county(county, state)
            or self.state(state)
        )


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(points)
    return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built on first use, about 0.3 s)."""
    import zipcodes

    return Gazetteer(zipcodes.list_all())
