"""Find a facility (by any name it had), a person named in a death record, or a place, to point the map at.

:func:`search_index` makes one table of what can be found, each row with the record id the
map's ``focus=`` takes (a facility's or an incident's id; ``place:LAT,LON`` for a place of the
bundled place names) and its point; :func:`search` returns the rows that match a query, best
first.  Matching ignores case and accents and needs every word of the query in the row's text.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import shapely

__all__ = ["KINDS", "search_index", "search", "focus_place", "focus_bounds", "aor_focus", "parse_focus"]

#: What a row is, in the order a search lists them when they match as well.
KINDS = ("facility", "death", "state", "place")
SEARCH_COLUMNS = ["label", "kind", "id", "lon", "lat", "text", "rank"]


def _norm(values) -> pd.Series:
    """Lower case, accents and punctuation dropped: ``"Peñasco, N.M."`` -> ``"penasco n m"``."""
    def one(s: str) -> str:
        s = unicodedata.normalize("NFKD", str(s)).encode("ascii", "ignore").decode().casefold()
        return " ".join("".join(ch if ch.isalnum() else " " for ch in s).split())
    return pd.Series([one(v) for v in values], dtype=object)


def focus_place(lat: float, lon: float) -> str:
    """The ``focus=`` value of a place: ``place:LAT,LON`` (4 decimals)."""
    return f"place:{lat:.4f},{lon:.4f}"


def focus_bounds(bounds) -> str:
    """The ``focus=`` value of an area (a state, an AOR): ``bbox:WEST,SOUTH,EAST,NORTH`` (3 decimals)."""
    return "bbox:" + ",".join(f"{v:.3f}" for v in bounds)


def aor_focus(areas, aors) -> str | None:
    """The ``focus=`` value of the chosen AORs' polygons (:func:`geodata.geography.aor.load_aor_areas`), or None
    when none of them has one (HLG, carved out after UWCHR's county table)."""
    chosen = areas[areas["aor"].isin(list(aors))]
    bounds = chosen.total_bounds if len(chosen) else None
    return focus_bounds(bounds) if bounds is not None and np.isfinite(bounds).all() else None


def parse_focus(value) -> tuple[str, tuple | None] | None:
    """``(id, None)`` for a record id, ``(value, (lat, lon))`` for a place, ``(value, (w, s, e, n))`` for an
    area; None for nothing usable."""
    if not value or not isinstance(value, str) or len(value) > 200:
        return None
    if value.startswith("bbox:"):
        try:
            w, s, e, n = (float(x) for x in value[5:].split(","))
        except ValueError:
            return None
        if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
            return None
        return value, (w, s, e, n)
    if value.startswith("place:"):
        try:
            lat, lon = (float(x) for x in value[6:].split(","))
        except ValueError:
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return value, (lat, lon)
    return value, None


def _points(gdf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    x[ok], y[ok] = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
    return ok, x, y


def search_index(facilities=None, facility_years=None, incidents=None, places=None, states=None) -> pd.DataFrame:
    """Every findable thing: facilities under each name ICE's lists gave them (``facility_years``),
    deaths in custody by their record's title (which names the person), places by name.

    Records without a point are left out (the map cannot show them)."""
    parts = []
    if facilities is not None and len(facilities):
        ok, x, y = _points(facilities)
        fac = pd.DataFrame({"id": facilities["id"].to_numpy()[ok], "lon": x[ok], "lat": y[ok],
                            "name": facilities["name"].to_numpy()[ok],
                            "where": (facilities["city"].fillna("").astype(str).str.title() + ", "
                                      + facilities["state"].fillna("").astype(str)).to_numpy()[ok]})
        names = fac[["id", "name"]]
        if facility_years is not None and len(facility_years):
            other = facility_years[["facility_id", "name"]].rename(columns={"facility_id": "id"})
            names = pd.concat([names, other[other["id"].isin(set(fac["id"]))]], ignore_index=True)
        names = names.dropna().astype(str)
        names = names[names["name"].str.strip() != ""]
        names = names.assign(key=_norm(names["name"]).to_numpy()).drop_duplicates(["id", "key"])
        rows = names.merge(fac.drop(columns="name").assign(current=fac["name"].to_numpy()), on="id")
        label = rows["current"] + " — " + rows["where"]
        former = rows["key"].to_numpy() != _norm(rows["current"]).to_numpy()
        label = label.where(~former, label + " (" + rows["name"] + ")")
        parts.append(pd.DataFrame({"label": label, "kind": "facility", "id": rows["id"], "lon": rows["lon"],
                                   "lat": rows["lat"], "text": rows["key"] + " " + _norm(rows["where"]).to_numpy(),
                                   "rank": 0.0}))
    if incidents is not None and len(incidents):
        deaths = incidents[incidents["category"] == "death_in_custody"]
        ok, x, y = _points(deaths)
        d = deaths[ok]
        label = d["title"].astype(str).to_numpy() + " — " + d["date"].astype(str).to_numpy()
        parts.append(pd.DataFrame({"label": label,
                                   "kind": "death", "id": d["id"].to_numpy(), "lon": x[ok], "lat": y[ok],
                                   "text": _norm(d["title"]).to_numpy(), "rank": 1.0}))
    if states is not None and len(states):  # load_regions("state"): zoomed to as a whole
        parts.append(pd.DataFrame({"label": states["name"].astype(str).to_numpy(), "kind": "state",
                                   "id": [focus_bounds(g.bounds) for g in states.geometry],
                                   "lon": shapely.get_x(shapely.centroid(np.asarray(states.geometry.array))),
                                   "lat": shapely.get_y(shapely.centroid(np.asarray(states.geometry.array))),
                                   "text": _norm(states["name"]).to_numpy(), "rank": 1.5}))
    if places is not None and len(places):
        p = places.dropna(subset=["lon", "lat"])
        parts.append(pd.DataFrame({"label": p["name"].astype(str).to_numpy(), "kind": "place",
                                   "id": [focus_place(a, b) for a, b in zip(p["lat"], p["lon"])],
                                   "lon": p["lon"].to_numpy(), "lat": p["lat"].to_numpy(),
                                   "text": _norm(p["name"]).to_numpy(),
                                   # Larger places first among equal matches.
                                   "rank": 2.0 - np.log10(p["population"].clip(lower=1).to_numpy()) / 10}))
    if not parts:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SEARCH_COLUMNS]


def search(index: pd.DataFrame, query: str, limit: int = 10) -> pd.DataFrame:
    """The rows whose text holds every word of ``query``, best first: a name that starts with the query,
    then facilities, deaths, places (larger first); one row per record."""
    words = _norm([query or ""]).iloc[0].split()
    if not words or index.empty:
        return index.iloc[0:0]
    text = index["text"]
    mask = np.ones(len(index), dtype=bool)
    for w in words:
        mask &= text.str.contains(w, regex=False).to_numpy()
    hits = index[mask]
    joined = " ".join(words)
    starts = ~hits["text"].str.startswith(joined)
    hits = hits.assign(_starts=starts.astype(int)).sort_values(["_starts", "rank", "label"], kind="stable")
    return hits.drop_duplicates("id").head(limit).drop(columns="_starts").reset_index(drop=True)
