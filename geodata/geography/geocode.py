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

from ..core.atomic import clean_temp_files, write_text
from ..core.report import GeodataError
from ..core.schema import state_code

__all__ = [
    "GeocodeResult", "Gazetteer", "gazetteer", "normalize_place", "county_key", "GeocodeQuery", "Geocoder",
    "GazetteerProvider", "CensusProvider", "NominatimProvider", "RateLimiter", "DiskCache",
]


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    precision: str  # one of schema.LOCATION_PRECISIONS
    method: str  # how the point was reached, in words
    provider: str = "gazetteer"  # which provider placed it
    #: Set when the record's ZIP names another town than its city and the point was
    #: moved to the place they agree on (the build report lists every such record).
    correction: str | None = None


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


def county_key(text: str) -> str:
    """A county's name as the gazetteer keys it: ``"Guadalupe County"`` -> ``"GUADALUPE"``."""
    return _county_key(text)


class Gazetteer:
    """Lookup tables built once from ``zipcodes`` (about 42,000 ZIPs)."""

    def __init__(self, rows: list[dict]):
        self._zip: dict[str, tuple[float, float, str, str]] = {}
        #: every town a ZIP is known by (primary, acceptable and "unacceptable" names: a town
        #: inside the ZIP that the postal service does not print is still inside it)
        self._zip_towns: dict[str, set[str]] = {}
        #: (state, town) -> the ZIPs whose primary or acceptable city it is
        self._city_zips: dict[tuple[str, str], list[str]] = {}
        self._zip_county: dict[str, str] = {}
        city_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
        alt_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
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
            names = [row["city"], *(row.get("acceptable_cities") or ())]
            self._zip_towns[row["zip_code"]] = {normalize_place(n) for n in
                                                (*names, *(row.get("unacceptable_cities") or ()))}
            for n in names:
                self._city_zips.setdefault((st, normalize_place(n)), []).append(row["zip_code"])
            # Only a ZIP's primary city names the city: the "acceptable" names are
            # often neighbouring towns and would drag the mean away.
            city_pts.setdefault((st, normalize_place(row["city"])), []).append((lon, lat))
            for alt in row.get("acceptable_cities") or ():
                alt_pts.setdefault((st, normalize_place(alt)), []).append((lon, lat))
            if row.get("county"):
                self._zip_county[row["zip_code"]] = _county_key(row["county"])
                county_pts.setdefault((st, _county_key(row["county"])), []).append((lon, lat))
            state_pts.setdefault(st, []).append((lon, lat))
        self._city = {k: _mean(v) for k, v in city_pts.items()}
        # A town that is no ZIP's primary city (Richfield, MN is "Minneapolis" to the
        # postal service) is placed at the ZIPs that accept its name.
        for k, v in alt_pts.items():
            self._city.setdefault(k, _mean(v))
        self._county = {k: _mean(v) for k, v in county_pts.items()}
        self._state = {k: _mean(v) for k, v in state_pts.items()}
        self._state_pts = state_pts
        self._cities_of: dict[str, list[str]] | None = None

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

    def zip_towns(self, zip5: str | None) -> set[str]:
        """The towns a ZIP is known by (normalised); empty for an unknown ZIP."""
        return set(self._zip_towns.get((zip5 or "").strip()[:5], ()))

    def zip_is_in(self, zip5: str, city: str) -> bool:
        """Whether ``city`` is one of the towns ZIP ``zip5`` is known by (unknown ZIP: True)."""
        towns = self._zip_towns.get((zip5 or "").strip()[:5])
        return towns is None or normalize_place(city) in towns

    def _agreeing_place(self, zip5: str, city: str, state: str) -> GeocodeResult:
        zip5 = zip5.strip()[:5]
        _, _, st, zip_city = self._zip[zip5]
        town = city.strip().title()
        near = [z for z in self._city_zips.get((st, normalize_place(city)), ()) if _one_slip(zip5, z)]
        why = f"ZIP {zip5} is {zip_city}'s, not {town}'s"
        if len(near) == 1:
            lon, lat, _, _ = self._zip[near[0]]
            text = f"{why}: placed at ZIP {near[0]} of {town} (one typing slip from {zip5})"
            return GeocodeResult(lon, lat, "zip", f"centroid of ZIP {near[0]} ({town}, {st}); {text}",
                                 correction=text)
        hit = self.city(city, state)
        text = f"{why}: placed at the city the record names"
        return GeocodeResult(hit.lon, hit.lat, "city", f"{hit.method}; {text}", correction=text)

    def counties(self, city: str | None, state: str | None, zip5: str | None = None) -> set[str]:
        """The counties of ``zip5`` and of the ZIPs whose town ``city`` is (upper case, no suffix)."""
        st = state_code(state)
        zips = list(self._city_zips.get((st, normalize_place(city)), ())) if st and city else []
        if zip5:
            zips.append(zip5.strip()[:5])
        return {self._zip_county[z] for z in zips if self._zip_county.get(z)}

    def near_city(self, words: str, state: str | None, *, cutoff: float = 90) -> str | None:
        """The city of ``state`` that ``words`` (or a run of them) spells, allowing a typing slip.

        ``"FORTH WORTH"`` -> ``"FORT WORTH"``; ``"COLUMBIA KENDAL"`` -> ``"KENDALL"``.  Runs of
        at least four letters only; the longest run that clears ``cutoff`` (0-100) wins; a
        run shorter than the whole must be misspelt (a town spelt right is the whole or nothing).
        """
        from rapidfuzz import fuzz, process

        st = state_code(state)
        if not st:
            return None
        if self._cities_of is None:
            self._cities_of = {}
            for s_, c in self._city:
                self._cities_of.setdefault(s_, []).append(c)
        cities = self._cities_of.get(st, [])
        ws = normalize_place(words).split()
        runs = sorted({" ".join(ws[i:j]) for i in range(len(ws)) for j in range(i + 1, len(ws) + 1)},
                      key=lambda r: (-len(r), r))
        whole = " ".join(ws)
        for run in runs:
            if len(run) < 4:
                continue
            hit = process.extractOne(run, cities, scorer=fuzz.ratio, score_cutoff=cutoff)
            # A town spelt right inside a longer name is not where the name says it is
            # ("Hampton Roads Regional Jail" is named after a region): only a slip is read.
            if hit and (run == whole or hit[1] < 100):
                return hit[0]
        return None

    def state_points(self) -> dict[str, list[tuple[float, float]]]:
        """Each state's ZIP centroids, as (lon, lat)."""
        return self._state_pts

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
        """Place a record at the finest level its fields allow, or return None.

        A ZIP whose towns do not include the record's city (ICE's lists carry typos:
        Catahoula Correctional Center, Harrisonburg, LA with 71430, Forest Hill's ZIP, for
        71340) is not trusted over the city: the point goes to the place both agree on, a
        ZIP of that city one typing slip away (a digit changed, two swapped), else the
        city's centre, and ``correction`` says which and why.
        """
        hit = self.zip(zip5, state)
        if hit is not None and city and self.has_city(city, state) and not self.zip_is_in(zip5, city):
            return self._agreeing_place(zip5, city, state)
        return (
            hit
            or self.city(city, state)
            or self.county(county, state)
            or self.state(state)
        )


def _one_slip(a: str, b: str) -> bool:
    """Two ZIPs one typing slip apart: one digit changed, or two neighbouring digits swapped."""
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    if len(a) != len(b) or not diff:
        return False
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                              and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(points)
    return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built on first use, about 0.3 s)."""
    import zipcodes

    return Gazetteer(zipcodes.list_all())


# ---------------------------------------------------------------------------
# The provider chain: a disk cache, the offline gazetteer, and (when the user
# turns it on) an online service.  The network is kept apart from the logic:
# a provider is any object with ``name`` and ``geocode(query)``; tests use fakes.
# ---------------------------------------------------------------------------

_FINEST = {"address": 0, "block": 1, "zip": 2, "city": 3, "county": 4, "state": 5}


@dataclass(frozen=True)
class GeocodeQuery:
    """What a record says about its place.  ``street`` is a street address, if any."""

    street: str | None = None
    city: str | None = None
    county: str | None = None
    state: str | None = None
    zip5: str | None = None

    def key(self) -> str:
        parts = (self.street, self.city, self.county, state_code(self.state) or self.state, self.zip5)
        return "|".join(normalize_place(p) if p else "" for p in parts)

    def one_line(self) -> str:
        st = state_code(self.state) or self.state
        return ", ".join(p for p in (self.street, self.city, " ".join(x for x in (st, self.zip5) if x)) if p)

    def best_possible(self) -> str:
        """The finest level this query could reach with a perfect geocoder."""
        if self.street:
            return "address"
        if self.zip5:
            return "zip"
        if self.city:
            return "city"
        if self.county:
            return "county"
        return "state"


class GazetteerProvider:
    """The offline gazetteer as a provider (ZIP, city, county, state; never an address)."""

    name = "gazetteer"

    def __init__(self, gaz: Gazetteer | None = None):
        self._gaz = gaz

    def geocode(self, query: GeocodeQuery) -> GeocodeResult | None:
        gaz = self._gaz or gazetteer()
        return gaz.geocode(zip5=query.zip5, city=query.city, county=query.county, state=query.state)


class RateLimiter:
    """At most one call per ``min_interval`` seconds (clock and sleep injectable for tests)."""

    def __init__(self, min_interval: float, *, clock=None, sleep=None):
        import time

        self.min_interval = min_interval
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._last: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self.min_interval:
            self._sleep(self.min_interval - (now - self._last))
            now = self._clock()
        self._last = now


class _OnlineProvider:
    """Shared shape of the online providers: only street addresses are sent, one call at a time."""

    name = "online"
    min_interval = 1.0

    def __init__(self, *, limiter: RateLimiter | None = None, timeout: float = 10):
        self.limiter = limiter or RateLimiter(self.min_interval)
        self.timeout = timeout

    def geocode(self, query: GeocodeQuery) -> GeocodeResult | None:
        if not query.street:
            return None  # a city or a ZIP is the gazetteer's job: no need to tell a service
        self.limiter.wait()
        hit = self._lookup(query.one_line())
        if hit is None:
            return None
        # The service's matched address (house number, ZIP) is not kept: the point may be a
        # home, and the text must not say more than the point the importer stores.
        lon, lat, _label = hit
        return GeocodeResult(lon, lat, "address", "matched a street address", provider=self.name)

    def _lookup(self, text: str):  # pragma: no cover - network
        raise NotImplementedError


class CensusProvider(_OnlineProvider):
    """The US Census Bureau's geocoder (no key).  https://geocoding.geo.census.gov/"""

    name = "census"
    min_interval = 0.2
    URL = "https://geocoding.geo.census.gov/geocoder/locations/onelineaddress"

    def _lookup(self, text: str):  # pragma: no cover - network
        import json
        import urllib.parse
        import urllib.request

        params = {"address": text, "benchmark": "Public_AR_Current", "format": "json"}
        url = f"{self.URL}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=self.timeout) as resp:
            matches = json.load(resp)["result"]["addressMatches"]
        if not matches:
            return None
        m = matches[0]
        return float(m["coordinates"]["x"]), float(m["coordinates"]["y"]), m.get("matchedAddress", text)


class NominatimProvider(_OnlineProvider):
    """OpenStreetMap's Nominatim through geopy: a user agent and one request per second."""

    name = "nominatim"
    min_interval = 1.0

    def __init__(self, user_agent: str, **kwargs):
        super().__init__(**kwargs)
        self.user_agent = user_agent

    def _lookup(self, text: str):  # pragma: no cover - network
        from geopy.geocoders import Nominatim

        loc = Nominatim(user_agent=self.user_agent, timeout=self.timeout).geocode(text, country_codes="us")
        return None if loc is None else (loc.longitude, loc.latitude, loc.address)


def _cached_hit_ok(hit) -> bool:
    """A cache entry as :meth:`DiskCache.put` writes it: the fields of a :class:`GeocodeResult`, no others."""
    from ..core.schema import LOCATION_PRECISIONS

    if not isinstance(hit, dict) or not {"lon", "lat", "precision", "method"} <= set(hit) \
            or not set(hit) <= {"lon", "lat", "precision", "method", "provider", "correction"}:
        return False
    if not isinstance(hit.get("correction") or "", str):  # a ZIP moved to its city says why (GeocodeResult)
        return False
    numbers = all(isinstance(hit[k], (int, float)) and not isinstance(hit[k], bool) for k in ("lon", "lat"))
    return numbers and -180 <= hit["lon"] <= 180 and -90 <= hit["lat"] <= 90 \
        and hit["precision"] in LOCATION_PRECISIONS and isinstance(hit["method"], str) \
        and isinstance(hit.get("provider", ""), str)


class DiskCache:
    """Answers already found, in one JSON file, so nothing is geocoded twice (misses too)."""

    def __init__(self, path):
        import json
        from pathlib import Path

        self.path = Path(path)
        self._data: dict[str, dict | None] = {}
        clean_temp_files(self.path)
        if self.path.is_file():
            try:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise GeodataError(
                    f"{self.path}: the geocoding cache is damaged ({exc}); remove it to start a new one"
                ) from None
            if not isinstance(self._data, dict):
                raise GeodataError(f"{self.path}: not a geocoding cache; remove it to start a new one")
            for key, hit in self._data.items():
                if hit is not None and not _cached_hit_ok(hit):
                    raise GeodataError(f"{self.path}: not a geocoding cache (the entry {key[:80]!r} is "
                                       f"{str(hit)[:80]}); remove it to start a new one")
        self._dirty = False

    def get(self, key: str):
        """``(found, result)``: found is False when the key was never looked up."""
        if key not in self._data:
            return False, None
        hit = self._data[key]
        return True, None if hit is None else GeocodeResult(**hit)

    def put(self, key: str, result: GeocodeResult | None) -> None:
        from dataclasses import asdict

        self._data[key] = None if result is None else asdict(result)
        self._dirty = True

    def save(self) -> None:
        import json

        if self._dirty:
            # Atomic: an import killed while saving leaves the old cache, never half a file.
            write_text(self.path, json.dumps(self._data, sort_keys=True, indent=0))
            self._dirty = False


class Geocoder:
    """Try the cache, then each provider in order, keeping the finest answer.

    The chain stops as soon as an answer is as fine as the query allows (a ZIP
    from the gazetteer ends a query that has no street); a provider that fails
    (no network) is skipped and counted in ``failures``, so an import always
    completes at the precision the gazetteer reaches.
    """

    def __init__(self, providers=None, cache: DiskCache | None = None):
        self.providers = list(providers) if providers is not None else [GazetteerProvider()]
        self.cache = cache
        self.failures: dict[str, int] = {}
        self.calls: dict[str, int] = {}

    def geocode(self, query: GeocodeQuery) -> GeocodeResult | None:
        key = query.key()
        if self.cache is not None:
            found, hit = self.cache.get(key)
            if found:
                return hit
        best = None
        goal = _FINEST[query.best_possible()]
        for provider in self.providers:
            self.calls[provider.name] = self.calls.get(provider.name, 0) + 1
            try:
                hit = provider.geocode(query)
            except Exception:  # a network error, a refusal: fall back, never fail the import
                self.failures[provider.name] = self.failures.get(provider.name, 0) + 1
                continue
            if hit is not None and (best is None or _FINEST[hit.precision] < _FINEST[best.precision]):
                best = hit
            if best is not None and _FINEST[best.precision] <= goal:
                break
        if self.cache is not None:
            self.cache.put(key, best)
        return best
