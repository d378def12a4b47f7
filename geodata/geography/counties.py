"""Reference geography: the Census counties by name and by point, for sources that name a county.

The counties are the bundled Census 2010 cartographic ones
(``geodata/data/regions/us-regions.json``, :mod:`geodata.aggregate`): 3,221 counties
and county equivalents, each with its 5-digit FIPS code (``"27141"``), its name with
its kind ("Sherburne County", "Allen Parish", "Juneau City and Borough",
"Alexandria city") and its state's postal code.  The place names are the bundled
GeoNames ones (``geodata/data/basemap/us-places.json``, :mod:`geodata.places`: places
of 1,000 people or more, with a point each).

Three lookups, none of which guesses: each returns ``(geoid, how)`` when it finds
exactly one county and ``(None, why)`` otherwise.

* :meth:`Counties.match` -- a county as a source writes it, within its state.
  Names are compared without case, accents, punctuation and hyphens, with "Saint"
  read as "St." ("Saint Lucie County" = "St. Lucie County", "Miami Dade County" =
  "Miami-Dade County", "LaSalle Parish" = "La Salle Parish": spaces are ignored); first with the kind word ("County",
  "Parish", "Borough", "City and Borough", "Census Area", "city" -- so Virginia's
  "Fairfax County" and "Fairfax city" stay apart, and "City of Fairfax" is the city),
  then, where the kinds differ or the source gives none, by the bare name if exactly
  one county of the state has it.
* :meth:`Counties.of_point` -- the county whose polygon holds a point (or, within
  :data:`geodata.aggregate.NEAR_DEGREES`, the nearest one: the simplified coast).
* :meth:`Counties.place` -- a place name within a state: the GeoNames places of that
  name whose point lies in the state; exactly one gives its county by
  :meth:`Counties.of_point`.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import STRtree
from shapely import points as _points

from .places import load_places
from .regions import NEAR_DEGREES, load_regions

__all__ = ["Counties", "county_key"]

#: Kind words, longest first ("city and borough" before "borough" and "city").
_KINDS = ("city and borough", "census area", "municipality", "municipio", "borough", "parish", "county", "city")
#: Counties renamed after 2010, by state and bare name -> their 2010 FIPS code (the bundled polygons are of 2010).
_RENAMED = {("SD", "oglalalakota"): "46113", ("AK", "kusilvak"): "02270"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['\u2019`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bsaint\b", "st", text)
    return re.sub(r"\bsainte\b", "ste", text)


def county_key(name: str) -> tuple[str, str]:
    """``(bare name, kind)`` of a county name, folded: ``"St. Louis city"`` -> ``("st louis", "city")``.

    ``"City of Richmond"`` is ``("richmond", "city")``; a name without a kind word has kind ``""``.
    """
    text = _fold(name)
    if text.startswith("city of "):
        return text[len("city of "):].strip(), "city"
    for kind in _KINDS:
        if text.endswith(" " + kind):
            return text[: -len(kind) - 1].strip(), kind
    return text, ""


class Counties:
    """The bundled counties, indexed for :meth:`match`, :meth:`of_point` and :meth:`place`.

    Parameters
    ----------
    counties
        Columns ``region_id``, ``name``, ``state`` and polygons (default: the bundled ones,
        :func:`geodata.aggregate.load_regions`).
    places
        Columns ``name``, ``lon``, ``lat`` (default: the bundled GeoNames places,
        :func:`geodata.places.load_places`); read only by :meth:`place`.
    """

    def __init__(self, counties: gpd.GeoDataFrame | None = None, places: pd.DataFrame | None = None):
        if counties is None:

            counties = load_regions("county")
        self.counties = counties.reset_index(drop=True)
        self.names = dict(zip(self.counties["region_id"], self.counties["name"]))
        self._full: dict[tuple[str, str, str], list[str]] = {}
        self._bare: dict[tuple[str, str], list[str]] = {}
        for geoid, name, state in zip(self.counties["region_id"], self.counties["name"], self.counties["state"]):
            bare, kind = county_key(name)
            bare = bare.replace(" ", "")  # "La Salle" = "LaSalle", "De Kalb" = "DeKalb"
            self._full.setdefault((state, bare, kind), []).append(geoid)
            self._bare.setdefault((state, bare), []).append(geoid)
        self._states = set(self.counties["state"])
        self._places = places
        self._place_index: dict[tuple[str, str], list[tuple[str, str]]] | None = None
        self._tree: STRtree | None = None

    # -- by name -------------------------------------------------------------------------
    def match(self, state: str, name: str) -> tuple[str | None, str]:
        """The county ``name`` (as a source writes it) within ``state`` (postal code).

        Returns ``(geoid, how)`` or ``(None, why not)``.
        """
        if state not in self._states:
            return None, f"no Census county polygons for {state} in the bundle"
        bare, kind = county_key(name)
        bare = bare.replace(" ", "")
        if not bare:
            return None, "no county named"
        if kind and len(ids := self._full.get((state, bare, kind), [])) == 1:
            return ids[0], f"county name {name!r} = Census {self.names[ids[0]]!r}"
        ids = self._bare.get((state, bare), [])
        if not ids and (state, bare) in _RENAMED:
            geoid = _RENAMED[(state, bare)]
            return geoid, f"county {name!r} renamed since 2010: Census 2010 {self.names[geoid]!r}"
        if len(ids) == 1:
            return ids[0], f"county name {name!r} = Census {self.names[ids[0]]!r} (kind word differs or absent)"
        if ids:
            listed = ", ".join(self.names[i] for i in ids)
            return None, f"{name!r} is ambiguous in {state} ({listed}); not guessed"
        return None, f"no Census county named {name!r} in {state}; not guessed"

    # -- by point ------------------------------------------------------------------------
    def of_point(self, lon: float, lat: float) -> str | None:
        """The county holding the point (or nearest within ``NEAR_DEGREES``), else ``None``."""
        return self._of_points(np.array([lon]), np.array([lat]))[0]

    def _of_points(self, lon, lat) -> list[str | None]:

        pts = _points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        if self._tree is None:
            self._tree = STRtree(self.counties.geometry.values)
        tree = self._tree
        ids = self.counties["region_id"].to_numpy(dtype=object)
        out: list[str | None] = [None] * len(pts)
        hit_pt, hit_poly = tree.query(pts, predicate="within")
        for p, q in zip(hit_pt, hit_poly):
            out[p] = ids[q]
        rest = np.array([i for i, v in enumerate(out) if v is None], dtype=int)
        if len(rest):
            near_pt, near_poly = tree.query_nearest(pts[rest], max_distance=NEAR_DEGREES, all_matches=False)
            for p, q in zip(near_pt, near_poly):
                out[rest[p]] = ids[q]
        return out

    # -- by place name -------------------------------------------------------------------
    def place(self, state: str, name: str) -> tuple[str | None, str]:
        """The county of the place ``name`` within ``state``, from the bundled GeoNames places.

        Returns ``(geoid, how)`` or ``(None, why not)``: not found among the places of
        1,000 people or more in the state, or more than one place of that name there.
        """
        index = self._places_by_state()
        found = index.get((state, _fold(name)), [])
        if not found:
            return None, f"no place named {name!r} in {state} among GeoNames places of 1,000 people or more"
        counties = {geoid for geoid, _ in found}
        if len(found) > 1 and len(counties) > 1:
            listed = ", ".join(sorted(self.names[g] for g in counties))
            return None, f"{len(found)} places named {name!r} in {state} ({listed}); not guessed"
        geoid, where = found[0]
        return geoid, f"place {name!r} ({where}) lies in {self.names[geoid]}"

    def _places_by_state(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        if self._place_index is None:
            places = self._places
            if places is None:

                places = load_places()
            geoids = self._of_points(places["lon"].to_numpy(), places["lat"].to_numpy())
            state_of = dict(zip(self.counties["region_id"], self.counties["state"]))
            index: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for name, lon, lat, geoid in zip(places["name"], places["lon"], places["lat"], geoids):
                if geoid is not None:
                    index.setdefault((state_of[geoid], _fold(name)), []).append(
                        (geoid, f"GeoNames point {lat:.3f}, {lon:.3f}"))
            self._place_index = index
        return self._place_index
