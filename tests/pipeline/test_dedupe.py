"""Deduplication: the rule of docs/importing.md ("When two records are the same event"); missing is missing."""

from __future__ import annotations

import itertools
import math
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geodata.pipeline.dedupe import find_duplicates, normalize_url

MISSING = st.sampled_from([None, float("nan"), "", pd.NA])
# Words far apart, so that two titles made of different ones never look alike.
WORDS = ["raid", "carwash", "protest", "courthouse", "vigil", "checkpoint", "bakery", "school", "church", "farm",
         "warehouse", "station", "bridge", "hospital", "market", "airport", "stadium", "library", "harbor", "motel"]
PEOPLE = ["Alex Pretti", "Maria Lopez", "John Smith", "Renee Good", "Ana Cruz", "Luis Ortega", "Kim Tran"]
CATEGORIES = ["arrest", "protest", "shooting", "use_of_force", "death_in_custody", "deployment", "other"]


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    geoms = [Point(r.pop("lon", -93.265), r.pop("lat", 44.9778)) for r in rows]
    base = {"date_precision": "day", "date_start": "2026-01-07", "date_end": "2026-01-07", "city": "Minneapolis",
            "state": "MN", "person": None, "canonical_id": None}
    return gpd.GeoDataFrame([{**base, **r} for r in rows], geometry=geoms, crs="EPSG:4326")


def _given(v) -> bool:
    return not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == "")


@st.composite
def unrelated_records(draw):
    """Two to seven records of one day and one city that differ in title, category and person
    (a missing person differs from every other, missing ones included)."""
    n = draw(st.integers(2, 7))
    cats = draw(st.permutations(CATEGORIES))[:n]
    words = draw(st.permutations(WORDS))
    people = draw(st.permutations(PEOPLE))
    urls = [f"https://example.org/{i}" for i in range(4)]
    rows = []
    for i in range(n):
        person = people[i] if draw(st.booleans()) else draw(MISSING)
        rows.append({
            "title": f"{words[2 * i]} {words[2 * i + 1]}".title(),
            "category": cats[i],
            "person": person,
            "city": draw(st.one_of(st.just("Minneapolis"), MISSING)),
            "state": draw(st.one_of(st.just("MN"), MISSING)),
            "canonical_id": draw(st.one_of(MISSING, st.sampled_from(["ev-1", "ev-2"]))),
            "source_urls": " ".join(draw(st.lists(st.sampled_from(urls), max_size=2, unique=True))) or draw(MISSING),
            "lon": -93.265 + draw(st.floats(-0.05, 0.05)),
            "lat": 44.9778 + draw(st.floats(-0.05, 0.05)),
        })
    return rows


def _urls(v) -> set[str]:
    return {normalize_url(u) for u in v.split()} if isinstance(v, str) else set()


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", 200)), deadline=None)
@given(rows=unrelated_records())
def test_unrelated_records_merge_only_through_an_event_key_or_a_url(rows):
    gdf = frame([dict(r) for r in rows])
    dup = find_duplicates(gdf)
    for j in dup:
        a = rows[j]
        linked = [
            i for i, b in enumerate(rows) if i != j and (
                (_given(a["canonical_id"]) and _given(b["canonical_id"]) and a["canonical_id"] == b["canonical_id"])
                or _urls(a["source_urls"]) & _urls(b["source_urls"])
            )
        ]
        assert linked, f"record {j} merged into {dup[j]} without a shared event key or URL: {rows}"


def test_records_without_a_person_are_not_one_person():
    # pandas 3 reads an empty cell as NaN: a car-wash raid and a protest are two events.
    gdf = frame([
        {"title": "Car wash raid", "category": "arrest", "person": np.nan, "source_urls": "https://a.org/1"},
        {"title": "Protest at the federal building", "category": "protest", "person": np.nan,
         "source_urls": "https://b.org/2"},
    ])
    assert find_duplicates(gdf) == {}


def test_missing_city_and_title_are_not_a_match():
    far = {"lon": -92.0, "lat": 46.5}  # over 25 km apart: only "same city" could join them
    gdf = frame([
        {"title": "", "category": "arrest", "city": float("nan"), "source_urls": "https://a.org/1"},
        {"title": "", "category": "arrest", "city": float("nan"), "source_urls": "https://b.org/2", **far},
    ])
    assert find_duplicates(gdf) == {}
    gdf = frame([
        {"title": "", "category": "arrest", "source_urls": "https://a.org/1"},
        {"title": None, "category": "arrest", "source_urls": "https://b.org/2"},
    ])
    assert find_duplicates(gdf) == {}


def test_missing_event_keys_do_not_join():
    gdf = frame([
        {"title": "Car wash raid", "category": "arrest", "canonical_id": np.nan, "source_urls": "https://a.org/1",
         "date_start": "2026-01-01", "date_end": "2026-01-31", "date_precision": "month"},
        {"title": "Protest", "category": "protest", "canonical_id": np.nan, "source_urls": "https://b.org/2",
         "date_start": "2026-01-01", "date_end": "2026-01-31", "date_precision": "month"},
    ])
    assert find_duplicates(gdf) == {}


def test_the_same_event_still_merges():
    gdf = frame([
        {"title": "Alex Pretti shot", "category": "shooting", "person": "Alex Pretti", "source_urls": "https://a.org/1"},
        {"title": "Man killed by agents", "category": "shooting", "person": "Alex Jeffrey Pretti",
         "source_urls": "https://b.org/2"},
        {"title": "Car wash raid", "category": "arrest", "person": np.nan, "source_urls": "https://c.org/3"},
        {"title": "Car wash raid", "category": "arrest", "person": "", "source_urls": "https://d.org/4"},
        {"title": "Anything", "category": "other", "canonical_id": "ev-9", "source_urls": "https://e.org/5"},
        {"title": "Else", "category": "protest", "canonical_id": "ev-9", "source_urls": "https://f.org/6"},
    ])
    assert find_duplicates(gdf) == {1: 0, 3: 2, 5: 4}


def _random_frame(rnd: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    """Rows that collide a lot: few days, places, titles, people, articles and event keys, many gaps."""
    def pick(options, p_missing=0.0):
        return [None if rnd.random() < p_missing else options[k] for k in rnd.integers(0, len(options), n)]

    starts = pick(["2026-01-07", "2026-01-08", "2026-01-09"])
    month = rnd.random(n) < 0.15
    titles = pick(["Car wash raid", "Car wash raid!", "Raid at a car wash", "3 detained at a farm",
                   "30 detained at a farm", "Protest downtown", "Protest down town", "", "Vigil"], 0.05)
    categories = pick(CATEGORIES[:3])
    persons = pick(["Alex Pretti", "Alex Jeffrey Pretti", "Officer #1", "Officer #2", "Unnamed man", "Maria Lopez"],
                   0.6)
    cities = pick(["Minneapolis", "Saint Paul", "Duluth", ""], 0.2)
    states = pick(["MN", "WI", "mn"], 0.2)
    keys = pick(["ev-1", "ev-2", "ev-3"], 0.9)
    urls = pick([f"https://example.org/{u}" for u in range(12)], 0.1)
    roundup = rnd.random(n) < 0.3  # one page cited by many: says nothing
    rows = []
    for k in range(n):
        cited = [u for u in (urls[k], "https://x.org/all" if roundup[k] else None) if u]
        rows.append({
            "title": titles[k], "category": categories[k], "person": persons[k], "city": cities[k],
            "state": states[k], "canonical_id": keys[k], "source_urls": " ".join(cited) or None,
            "date_precision": "month" if month[k] else "day",
            "date_start": starts[k][:8] + "01" if month[k] else starts[k],
            "date_end": starts[k][:8] + "31" if month[k] else starts[k],
            "lon": -93.265 + rnd.normal(0, 0.3), "lat": 44.9778 + rnd.normal(0, 0.3),
        })
    return frame(rows)


def test_blocked_and_pairwise_agree_on_crowded_tables():
    from geodata.pipeline.dedupe import _pairwise

    rnd = np.random.default_rng(7)
    merged = 0
    for n in (2, 10, 60, 250):
        for _ in range(4):
            gdf = _random_frame(rnd, n)
            expected = _pairwise(gdf)
            assert find_duplicates(gdf) == expected
            merged += len(expected)
    assert merged > 100  # the tables did hold duplicates of every kind


def test_ten_thousand_rows_of_one_day_in_one_state():
    # 10,000 reports of one day in Minnesota: 40 planted second reports, nothing else alike.
    rnd = np.random.default_rng(3)
    words = np.array(["".join(w) for w in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=3)])
    cities = [("Minneapolis", -93.265, 44.978), ("Saint Paul", -93.09, 44.95), ("Bloomington", -93.30, 44.84),
              ("Duluth", -92.1, 46.79), ("Rochester", -92.46, 44.02), ("Saint Cloud", -94.16, 45.56),
              ("Mankato", -93.99, 44.16), ("Moorhead", -96.77, 46.87), ("Winona", -91.64, 44.05),
              ("Bemidji", -94.88, 47.47), ("Brainerd", -94.20, 46.36), ("Willmar", -95.04, 45.12)]
    rows = []
    for k in range(10_000):
        city, lon, lat = cities[k % len(cities)]
        rows.append({"title": " ".join(rnd.choice(words, 6)), "category": "arrest", "city": city,
                     "person": f"Person {k}" if k % 3 == 0 else None, "source_urls": f"https://e.org/{k}",
                     "lon": lon + rnd.normal(0, 0.02), "lat": lat + rnd.normal(0, 0.02)})
    planted = {}
    for k in range(40):
        src = rows[k * 200 + 1]  # rows not naming a person
        rows.append({**src, "title": src["title"] + " ", "source_urls": f"https://other.org/{k}",
                     "lon": src["lon"] + 0.01})
        planted[10_000 + k] = k * 200 + 1
    assert find_duplicates(frame(rows)) == planted


def _with_copies(rnd: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    """A crowded table whose rows are repeated, shuffled: some copies cite the same pages, some a page
    of their own (one event reported again by another outlet)."""
    gdf = _random_frame(rnd, n)
    out = gdf.iloc[np.r_[np.arange(n), rnd.integers(0, n, 2 * n)]].reset_index(drop=True)
    own = rnd.random(len(out)) < 0.4
    out.loc[own, "source_urls"] = [f"https://own.org/{k}" for k in np.flatnonzero(own)]
    return out.iloc[rnd.permutation(len(out))].reset_index(drop=True)


def test_copies_of_rows_merge_as_comparing_every_pair_says():
    from geodata.pipeline.dedupe import _pairwise

    rnd = np.random.default_rng(11)
    merged = 0
    for n in (3, 20, 80):
        for _ in range(6):
            gdf = _with_copies(rnd, n)
            expected = _pairwise(gdf)
            assert find_duplicates(gdf) == expected
            merged += len(expected)
    assert merged > 300


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", 200)), deadline=None)
@given(rows=unrelated_records(), repeats=st.lists(st.integers(0, 6), min_size=1, max_size=12),
       own=st.lists(st.booleans(), min_size=12, max_size=12))
def test_repeated_records_merge_as_comparing_every_pair_says(rows, repeats, own):
    # Copies of records that may or may not be the same event as themselves (a month, no title, a
    # round-up page): each copy must end where comparing every pair in row order puts it.
    from geodata.pipeline.dedupe import _pairwise

    copies = [dict(rows[k % len(rows)]) for k in repeats]
    for k, c in enumerate(copies):
        if own[k]:
            c["source_urls"] = f"https://own.org/{k}"
    gdf = frame([dict(r) for r in rows + copies])
    assert find_duplicates(gdf) == _pairwise(gdf)


@pytest.mark.parametrize("kind", ["same pages", "own page each", "one event key"])
def test_candidate_pairs_do_not_grow_with_the_copies_of_one_event(kind):
    import geodata.pipeline.dedupe as dedupe

    def copies(n):
        rows = [{"title": "One raid", "category": "arrest", "city": "Denver", "state": "CO", "lon": -104.99,
                 "lat": 39.74, "canonical_id": "ev-1" if kind == "one event key" else None,
                 "source_urls": "https://e.org/1 https://x.org/all" if kind == "same pages" else f"https://e.org/{i}"}
                for i in range(n)]
        dup = find_duplicates(frame(rows))
        assert dup == {j: 0 for j in range(1, n)}
        return dedupe.last_pairs_checked

    small, large = copies(2_000), copies(8_000)
    assert large <= 2 * small + 10, (small, large)  # comparing every copy: 2.0 million and 32 million pairs
