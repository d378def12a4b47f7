"""The same event reported twice becomes one record that keeps all its sources.

Two incident records are the same event when

1. they carry the same source's own event key (``canonical_id``), or
2. they share a source URL (one cited by at most five records: a page cited by
   more is a round-up or a dataset), happen on overlapping dates in the same state, and name
   the same person (or, naming nobody, are of the same category), or
3. they happen on the same day, at the same place (same city and state, or within
   25 km), and name the same person (names alike: "Alex Pretti" and "Alex Jeffrey
   Pretti") or have the same title.

The record that was there first (stored before, or earlier in the file) is kept;
the other's sources are added to it, and the report says which record it was
merged into.

:func:`_same_event` states the rule for one pair.  :func:`find_duplicates` applies it
to a whole table without comparing every pair: it only looks at the pairs that could
be the same event (one event key, one article, or the same day within 25 km or one
city), found by sorting and binary search, and checks them column-wise (name and
title similarity through rapidfuzz's ``cpdist``).  Copies of one row (every key equal)
are compared once, through the first copy (:func:`_copies`): one event repeated 100,000
times is linear work.  The result is the one of a pairwise comparison in row order
(:func:`_pairwise`, kept for tests).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ..core.schema import split_urls

__all__ = ["find_duplicates", "normalize_url", "same_person"]

PERSON_SIMILARITY = 85
TITLE_SIMILARITY = 90
NEAR_KM = 25.0
MAX_CITATIONS = 5
_TRACKING = re.compile(r"[?&](utm_[a-z]+|fbclid|gclid|ref)=[^&]*")
_SCHEME = re.compile(r"^https?://(www\.)?", re.I)


def normalize_url(url: str) -> str:
    """Scheme, ``www.``, tracking parameters and a trailing slash do not make another page."""
    u = _TRACKING.sub("", url.strip())
    u = _SCHEME.sub("", u)
    return u.rstrip("/").lower()


_PLACEHOLDER = re.compile(r"\b(unnamed|unknown|unidentified|anonymous|multiple|several|various|none)\b")


def _text(value) -> str:
    """The value as text, or '' when it is missing: None, NaN, pd.NA and '' all mean "not given"
    (pandas 3 reads an empty cell as NaN, and ``str(nan)`` is "nan")."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _name(text) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", _text(text).lower()))


def _person(text) -> str:
    """A person's name, or '' for placeholders ("Unnamed protester", "Multiple protesters")."""
    name = _name(text)
    return "" if _PLACEHOLDER.search(name) else name


def same_person(a, b) -> bool:
    """Names alike enough to be one person: "Alex Pretti" and "Alex Jeffrey Pretti" are; "SF Officer #1"
    and "SF Officer #2" are not (numbers must agree)."""
    a, b = _person(a), _person(b)
    if not (a and b) or set(re.findall(r"\d+", a)) != set(re.findall(r"\d+", b)):
        return False
    return fuzz.token_set_ratio(a, b) >= PERSON_SIMILARITY


def _km(p, q) -> float:
    (x1, y1), (x2, y2) = p, q
    k = math.cos(math.radians((y1 + y2) / 2))
    return 111.2 * math.hypot((x1 - x2) * k, y1 - y2)


def _prepare(r: dict, xy) -> dict:
    """Work each row's comparison keys out once, not once per pair."""
    r["_xy"] = xy
    r["_urls"] = frozenset(normalize_url(u) for u in split_urls(_text(r.get("source_urls"))))
    r["_k"] = _text(r.get("canonical_id"))
    r["_s"] = _text(r.get("state")).upper()
    r["_p"] = _person(r.get("person"))
    r["_pd"] = frozenset(re.findall(r"\d+", r["_p"]))
    r["_t"] = _name(r["title"])
    r["_td"] = frozenset(re.findall(r"\d+", r["_t"]))
    r["_c"] = _name(r.get("city"))
    return r


def _same_event(a: dict, b: dict, common: frozenset = frozenset()) -> bool:
    if a["_k"] and a["_k"] == b["_k"]:
        return True
    overlap = a["date_start"] <= b["date_end"] and b["date_start"] <= a["date_end"]
    if not overlap or (a["_s"] and b["_s"] and a["_s"] != b["_s"]):
        return False
    pa, pb = a["_p"], b["_p"]
    one_person = bool(pa and pb) and a["_pd"] == b["_pd"] and fuzz.token_set_ratio(pa, pb) >= PERSON_SIMILARITY
    shared_url = (a["_urls"] & b["_urls"]) - common
    # A shared article is not enough on its own: a round-up of the day cites one page
    # for several events.  The two must also be of one kind, about one person (or none).
    if shared_url and (one_person or (not pa and not pb and a["category"] == b["category"])):
        return True
    same_day = a["date_precision"] == b["date_precision"] == "day" and a["date_start"] == b["date_start"]
    if not same_day:
        return False
    near = (a["_c"] and a["_c"] == b["_c"]) or _km(a["_xy"], b["_xy"]) <= NEAR_KM
    if not near:
        return False
    if pa and pb:
        return one_person
    # Whole titles, not token sets: two long summaries of one day share many words.
    # Numbers must agree ("3 detained" is not "30 detained"); no title is no match.
    if not (a["_t"] and b["_t"]) or a["_td"] != b["_td"]:
        return False
    return fuzz.token_sort_ratio(a["_t"], b["_t"]) >= TITLE_SIMILARITY


def _pairwise(frame: pd.DataFrame) -> dict[int, int]:
    """The rule applied to every pair, in row order: each row joins the earliest earlier row it is the
    same event as.  Quadratic; the definition :func:`find_duplicates` must agree with."""
    rows = [
        _prepare(r, (g.x, g.y) if g is not None and not g.is_empty else (0.0, 0.0))
        for r, g in zip(frame.to_dict("records"), frame.geometry)
    ]
    common = _common_urls([r["_urls"] for r in rows])
    parent: dict[int, int] = {}
    for j in range(len(rows)):
        for i in range(j):
            if _same_event(rows[i], rows[j], common):
                parent[j] = parent.get(i, i)
                break
    return parent


def _common_urls(url_sets) -> frozenset:
    # A page cited by many records is a round-up or a whole dataset, not a report of
    # one event: it says nothing about which records are the same.
    cited: dict[str, int] = {}
    for urls in url_sets:
        for u in urls:
            cited[u] = cited.get(u, 0) + 1
    return frozenset(u for u, n in cited.items() if n > MAX_CITATIONS)


# -- the table at once --------------------------------------------------------------

_BAND = NEAR_KM / 111.2 + 1e-5  # two points within 25 km are at most this many degrees of latitude apart
_PAIR_BUDGET = 4_000_000  # candidate pairs checked at a time (memory stays bounded on a crowded day)
_DIGITS = re.compile(r"\d+")
_WORKERS = 2  # rapidfuzz threads for the scores (the machine this runs on may be small and shared)


def _codes(values) -> np.ndarray:
    """Integer code per value, 0 for '' (missing): equal codes, equal values."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    codes = codes.astype(np.int64) + 1
    empty = [k for k, u in enumerate(uniques) if u == ""]
    if empty:
        codes[codes == empty[0] + 1] = 0
    return codes


def _cached(fn, values) -> list:
    """``fn`` of each value, worked out once per distinct value."""
    cache: dict = {}
    out = []
    for v in values:
        key = v if isinstance(v, str) else _text(v)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = fn(key)
        out.append(hit)
    return out


def _digit_key(text: str) -> str:
    return " ".join(sorted(set(_DIGITS.findall(text))))


class _Keys:
    """Each row's comparison keys as arrays (the column-wise form of :func:`_prepare`)."""

    def __init__(self, frame: pd.DataFrame):
        n = len(frame)
        geoms = frame.geometry
        empty = geoms.isna().to_numpy() | geoms.is_empty.to_numpy()
        self.x = np.where(empty, 0.0, geoms.x.to_numpy(na_value=0.0) if n else np.zeros(0))
        self.y = np.where(empty, 0.0, geoms.y.to_numpy(na_value=0.0) if n else np.zeros(0))
        col = lambda c: frame[c].tolist() if c in frame else [None] * n  # noqa: E731
        self.start = np.asarray([_text(v) for v in col("date_start")], dtype="U10")
        self.end = np.asarray([_text(v) for v in col("date_end")], dtype="U10")
        self.day = np.asarray([v == "day" for v in col("date_precision")], dtype=bool)
        self.category = _codes([_text(v) for v in col("category")])
        self.event = _codes(_cached(lambda t: t, col("canonical_id")))
        self.state = _codes(_cached(str.upper, col("state")))
        self.city = _codes(_cached(_name, col("city")))
        persons = _cached(_person, col("person"))
        self.person_text = np.asarray(persons, dtype=object)
        self.person = _codes(persons)
        self.person_digits = _codes(_cached(_digit_key, persons))
        titles = _cached(_name, col("title"))
        # token_sort_ratio is the ratio of the sorted tokens: sorted once per row, not once per pair.
        self.title_text = np.asarray(_cached(lambda t: " ".join(sorted(t.split())), titles), dtype=object)
        self.title_len = np.fromiter((len(t) for t in self.title_text), dtype=np.int64, count=n)
        self.title = _codes(titles)
        self.title_digits = _codes(_cached(_digit_key, titles))
        self.urls = [frozenset(normalize_url(u) for u in split_urls(_text(v))) for v in col("source_urls")]

    def state_ok(self, i, j) -> np.ndarray:
        si, sj = self.state[i], self.state[j]
        return (si == 0) | (sj == 0) | (si == sj)

    def one_person(self, i, j) -> np.ndarray:
        ok = (self.person[i] != 0) & (self.person[j] != 0) & (self.person_digits[i] == self.person_digits[j])
        ok &= self.person[i] != self.person[j]  # equal names need no scoring
        out = (self.person[i] != 0) & (self.person[i] == self.person[j])
        if ok.any():
            out[np.flatnonzero(ok)] = _similar(self.person_text, i[ok], j[ok], fuzz.token_set_ratio,
                                               PERSON_SIMILARITY)
        return out

    def same_title(self, i, j) -> np.ndarray:
        ok = (self.title[i] != 0) & (self.title[j] != 0) & (self.title_digits[i] == self.title_digits[j])
        out = ok & (self.title[i] == self.title[j])
        # A ratio of 90 needs lengths within 2 * min >= 0.9 * (sum): others cannot reach it.
        li, lj = self.title_len[i], self.title_len[j]
        ok &= ~out & (200 * np.minimum(li, lj) >= TITLE_SIMILARITY * (li + lj))
        if ok.any():
            out[np.flatnonzero(ok)] = _similar(self.title_text, i[ok], j[ok], fuzz.ratio, TITLE_SIMILARITY)
        return out

    def km(self, i, j) -> np.ndarray:
        k = np.cos(np.radians((self.y[i] + self.y[j]) / 2))
        km = 111.2 * np.hypot((self.x[i] - self.x[j]) * k, self.y[i] - self.y[j])
        edge = np.flatnonzero(np.abs(km - NEAR_KM) < 1e-6)  # the scalar rule decides a pair on the edge
        for e in edge:
            km[e] = _km((self.x[i[e]], self.y[i[e]]), (self.x[j[e]], self.y[j[e]]))
        return km


def _similar(texts: np.ndarray, i: np.ndarray, j: np.ndarray, scorer, cutoff: float) -> np.ndarray:
    """``scorer(texts[i], texts[j]) >= cutoff`` for each pair, in C++.  A row met in many pairs (a crowded
    day in one city) is scored against all its partners at once, reusing its pattern."""
    out = np.zeros(len(i), dtype=bool)
    if not len(i):
        return out
    order = np.argsort(i, kind="stable")
    si = i[order]
    starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
    sizes = np.diff(np.r_[starts, len(si)])
    light = np.repeat(sizes < 64, sizes)
    if light.any():
        k = order[light]
        workers = _WORKERS if len(k) > 20_000 else 1  # starting threads costs more than a few pairs
        out[k] = process.cpdist(texts[i[k]], texts[j[k]], scorer=scorer, score_cutoff=cutoff,
                                workers=workers) >= cutoff
    for a, size in zip(starts[sizes >= 64], sizes[sizes >= 64]):
        k = order[a:a + size]
        out[k] = process.cdist([texts[i[k[0]]]], texts[j[k]], scorer=scorer, score_cutoff=cutoff)[0] >= cutoff
    return out


def _range_pairs(order: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Pairs ``(order[p], order[q])`` for every ``p`` and ``lo[p] <= q < hi[p]``, a bounded batch at a time."""
    counts = np.maximum(hi - lo, 0)
    total = np.cumsum(counts)
    start = 0
    while start < len(order):
        done = total[start - 1] if start else 0
        stop = int(np.searchsorted(total, done + _PAIR_BUDGET, side="right"))
        stop = max(stop, start + 1)
        c = counts[start:stop]
        if c.sum():
            p = np.repeat(np.arange(start, stop), c)
            first = np.repeat(np.cumsum(c) - c, c)
            q = lo[p] + (np.arange(len(p)) - first)
            yield order[p], order[q]
        start = stop


def _nearby_pairs(keys: _Keys, among: np.ndarray):
    """Batches of pairs (i < j) of rows ``among`` that rule 3 could join: one day, and latitudes within
    25 km, or one city."""
    rows = np.flatnonzero(keys.day & among)
    if len(rows) < 2:
        return
    day = _codes(keys.start[rows])
    lat = keys.y[rows] + 90.0  # 0..180
    # Within a day, sorted by latitude: the rows up to 25 km further north.
    order = np.lexsort((lat, day))
    key = day[order] * 1000.0 + lat[order]
    hi = np.searchsorted(key, key + _BAND, side="right")
    yield from _range_pairs(rows[order], np.arange(1, len(order) + 1), hi)
    # One day and one city, further apart than that (a city named twice, a point given far from it).
    named = keys.city[rows] != 0
    if named.sum() < 2:
        return
    rows, day, lat = rows[named], day[named], lat[named]
    group = _codes([f"{d}|{c}" for d, c in zip(day, keys.city[rows])])
    order = np.lexsort((lat, group))
    key = group[order] * 1000.0 + lat[order]
    lo = np.searchsorted(key, key + _BAND, side="right")
    hi = np.searchsorted(key, group[order] * 1000.0 + 999.0, side="right")
    yield from _range_pairs(rows[order], lo, hi)


def _same_day_matches(keys: _Keys, i, j) -> np.ndarray:
    """Rule 3 for pairs of one day: near, in compatible states, one person or (naming nobody on one side) one title."""
    i, j = np.minimum(i, j), np.maximum(i, j)  # of one day, as _nearby_pairs gives them
    keep = keys.state_ok(i, j)
    i, j = i[keep], j[keep]
    near = (keys.city[i] != 0) & (keys.city[i] == keys.city[j])
    far = ~near
    if far.any():
        near[far] = keys.km(i[far], j[far]) <= NEAR_KM
    i, j = i[near], j[near]
    both = (keys.person[i] != 0) & (keys.person[j] != 0)
    match = np.zeros(len(i), dtype=bool)
    if both.any():
        match[both] = keys.one_person(i[both], j[both])
    if (~both).any():
        match[~both] = keys.same_title(i[~both], j[~both])
    return np.stack([i[match], j[match]])


def _group_pairs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of rows sharing a non-zero code."""
    rows = np.flatnonzero(codes != 0)
    order = rows[np.argsort(codes[rows], kind="stable")]
    c = codes[order]
    if not len(c):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    sizes = np.diff(np.r_[starts, len(c)])
    end = np.repeat(starts + sizes, sizes)
    pairs = list(_range_pairs(order, np.arange(1, len(c) + 1), end))
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    i, j = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    return np.minimum(i, j), np.maximum(i, j)


def _copies(keys: _Keys, shared: list) -> np.ndarray:
    """For each row, the first row whose comparison keys are all equal to its own (itself when none
    is earlier).  Two such rows are alike to every rule: whatever one matches, the other does.

    Of the URLs, only those ``shared`` count (cited by two to MAX_CITATIONS records): a page only one
    record cites is shared with no other, and one cited by more joins nothing (rule 2)."""
    urls = _codes(["\n".join(sorted(u)) for u in shared])
    columns = (keys.event, keys.start, keys.end, keys.day, keys.category, keys.state, keys.city,
               keys.person, keys.title, keys.x, keys.y, urls)
    table = pd.DataFrame({k: np.asarray(c) for k, c in enumerate(columns)})
    group = table.groupby(list(table.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.full(group.max() + 1, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    return first[group]


#: Candidate pairs checked by the last :func:`find_duplicates` call (tests read it: the work, not the time).
last_pairs_checked = 0


def find_duplicates(frame: pd.DataFrame) -> dict[int, int]:
    """Map the position of each duplicate row to the position of the row it merges into.

    Rows are taken in order: each row that is the same event as an earlier one joins
    the earliest such row's group, and the first of a group is kept.  Candidates are
    found through shared keys (event key, URL, day and place) rather than by comparing
    every pair; the answer is that of comparing every pair (``_pairwise``).

    Copies (rows whose comparison keys are all equal: one event repeated in a file) are
    compared once: the first copy goes through the matching and the others follow it, so
    100,000 copies of one event take linear time, not quadratic.
    """
    global last_pairs_checked
    last_pairs_checked = 0
    n = len(frame)
    if n < 2:
        return {}
    keys = _Keys(frame)
    owner = np.repeat(np.arange(n), [len(u) for u in keys.urls])
    entries = [u for urls in keys.urls for u in urls]
    url_codes = _codes(entries)
    cited = np.bincount(url_codes)[url_codes] if len(url_codes) else np.zeros(0, dtype=np.int64)
    cited_ok = cited <= MAX_CITATIONS  # a page cited by more is a round-up: it joins nothing
    shared: list = [[] for _ in range(n)]
    for k in np.flatnonzero(cited_ok & (cited >= 2)):
        shared[owner[k]].append(entries[k])
    rep = _copies(keys, shared)
    is_rep = rep == np.arange(n)
    found = []
    # Rule 1: one event key.  The first row of a key is the earliest match of every other.
    rows = np.flatnonzero((keys.event != 0) & is_rep)
    if len(rows):
        first = pd.Series(rows).groupby(keys.event[rows]).transform("min").to_numpy()
        later = first != rows
        found.append(np.stack([first[later], rows[later]]))
    # Rule 2: one article (cited by at most MAX_CITATIONS records, copies counted), overlapping dates,
    # one state, and one person, or naming nobody, one category.
    own_article = np.fromiter((bool(u) for u in shared), dtype=bool, count=n)  # shared with its copies
    if len(url_codes):
        ui, uj = _group_pairs(np.where(cited_ok & is_rep[owner], url_codes, 0))  # pairs of (record, URL) entries
        i, j = owner[ui], owner[uj]
        keep = i != j
        i, j = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
        if len(i):
            last_pairs_checked += len(i)
            found.append(_article_matches(keys, i, j))
    # Rule 3: one day, near, one person or one title.
    for i, j in _nearby_pairs(keys, is_rep):
        last_pairs_checked += len(i)
        found.append(_same_day_matches(keys, i, j))
    found = [f for f in found if f.shape[1]]
    pairs = np.concatenate(found, axis=1) if found else np.zeros((2, 0), dtype=np.int64)
    earliest = np.full(n, n, dtype=np.int64)  # each row's earliest earlier match (n: none)
    np.minimum.at(earliest, pairs[1], pairs[0])
    copies = np.flatnonzero(~is_rep)
    if len(copies):
        # A copy is matched by what its first copy matches.  When the first copy is the same event as
        # itself, it is the copy's earliest match (or an earlier row it joins); otherwise the copy joins
        # the earliest row, before it, of those the first copy matches on either side.
        reps = np.unique(rep[copies])
        last_pairs_checked += len(reps)
        itself = _self_matches(keys, reps, own_article)
        matched = np.full(n, n, dtype=np.int64)
        np.minimum.at(matched, pairs[1], pairs[0])
        np.minimum.at(matched, pairs[0], pairs[1])
        matched[reps[itself]] = np.minimum(matched[reps[itself]], reps[itself])
        target = matched[rep[copies]]
        take = target < copies
        earliest[copies[take]] = target[take]
    dup = np.flatnonzero(earliest < n)
    if not len(dup):
        return {}
    parent = np.arange(n)
    parent[dup] = earliest[dup]
    # Every row points to an earlier one: follow the pointers to the first row of each group.
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    return {int(j): int(parent[j]) for j in dup}


def _article_matches(keys: _Keys, i, j) -> np.ndarray:
    """Rule 2 for pairs sharing an article: overlapping dates, compatible states, one person or nobody
    and one category."""
    ok = (keys.start[i] <= keys.end[j]) & (keys.start[j] <= keys.end[i]) & keys.state_ok(i, j)
    i, j = i[ok], j[ok]
    nobody = (keys.person[i] == 0) & (keys.person[j] == 0) & (keys.category[i] == keys.category[j])
    match = nobody | keys.one_person(i, j)
    return np.stack([i[match], j[match]])


def _self_matches(keys: _Keys, rows: np.ndarray, own_article: np.ndarray) -> np.ndarray:
    """Whether each row is the same event as a copy of itself, by the same column-wise rules
    (``own_article``: the row cites a page its copies cite too, and few others)."""
    out = keys.event[rows] != 0
    art = own_article[rows]
    if art.any():
        m = _article_matches(keys, rows[art], rows[art])[0]
        out |= np.isin(rows, m)
    day = keys.day[rows]
    if day.any():
        m = _same_day_matches(keys, rows[day], rows[day])[0]
        out |= np.isin(rows, m)
    return out
