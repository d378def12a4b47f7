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
"""

from __future__ import annotations

import math
import re

import pandas as pd
from rapidfuzz import fuzz

from .schema import split_urls

__all__ = ["find_duplicates", "normalize_url", "same_person"]

PERSON_SIMILARITY = 85
TITLE_SIMILARITY = 90
NEAR_KM = 25.0
MAX_CITATIONS = 5
_TRACKING = re.compile(r"[?&](utm_[a-z]+|fbclid|gclid|ref)=[^&]*")


def normalize_url(url: str) -> str:
    """Scheme, ``www.``, tracking parameters and a trailing slash do not make another page."""
    u = _TRACKING.sub("", url.strip())
    u = re.sub(r"^https?://(www\.)?", "", u, flags=re.I)
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


def find_duplicates(frame: pd.DataFrame) -> dict[int, int]:
    """Map the position of each duplicate row to the position of the row it merges into.

    Rows are taken in order: the first of a group is kept.  Candidates are found
    through shared keys (event key, URL, day) rather than by comparing every pair.
    """
    rows = [
        _prepare(r, (g.x, g.y) if g is not None and not g.is_empty else (0.0, 0.0))
        for r, g in zip(frame.to_dict("records"), frame.geometry)
    ]
    # A page cited by many records is a round-up or a whole dataset, not a report of
    # one event: it says nothing about which records are the same.
    cited: dict[str, int] = {}
    for r in rows:
        for u in r["_urls"]:
            cited[u] = cited.get(u, 0) + 1
    common = frozenset(u for u, n in cited.items() if n > MAX_CITATIONS)
    buckets: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        # Same-day candidates meet in a bucket of their day and state (rule 3 needs both).
        keys = {f"d:{r['date_start']}:{r['_s']}"} if r["date_precision"] == "day" else set()
        if r["_k"]:
            keys.add(f"c:{r['_k']}")
        keys.update(f"u:{u}" for u in r["_urls"] - common)
        for k in keys:
            buckets.setdefault(k, []).append(i)
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while i in parent:
            i = parent[i]
        return i

    for members in buckets.values():
        for n, j in enumerate(members):
            if j in parent:
                continue
            for i in members[:n]:
                if root(i) != j and _same_event(rows[i], rows[j], common):
                    parent[j] = root(i)
                    break
    return {j: root(j) for j in parent}
