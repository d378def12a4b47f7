"""A measure's figures for a date range from its table read once as numbers (the figures above the map).

:func:`geodata.view.measures.measure_figures` summarised a range with :func:`values_for_range`, a pandas
group-by of the table's rows by place: 10 ms of every new range a reader asked for on the bundle, where the
figures need only a total, a count of places and the days covered (issue 21). Here each table is read once
(its places as codes, its days as numbers, kept weakly per table object as ``geodata.view.occupancy`` keeps
its population tables) and a range is a mask and a ``np.bincount``: the same figures, for tables whose
values are whole numbers and whose days are ISO dates (others go the group-by's way).
"""

from __future__ import annotations

import datetime as dt
import weakref

import numpy as np
import pandas as pd

from ..core.measures import MEASURES

__all__ = ["range_figures"]

#: Each table's numbers by the table's id, dropped with the table (weakly referenced).
_INDEXES: dict[int, tuple] = {}


class _Index:
    """A measure table's rows as numbers: place codes (``is_county`` per place), category codes, first and last
    day (days since 1970), values."""

    def __init__(self, table: pd.DataFrame):
        places = table["place_kind"].astype(str) + "\x1f" + table["place_id"].astype(str)
        self.place, uniques = pd.factorize(places)
        self.is_county = np.array([p.startswith("county\x1f") for p in uniques], dtype=bool)
        self.category, self.categories = pd.factorize(table["category"])
        self.start, self.end = _days(table["period_start"]), _days(table["period_end"])
        self.value = table["value"].to_numpy(dtype=np.int64)


def _days(iso: pd.Series) -> np.ndarray:
    if not (iso.str.len() == 10).all():  # text that compares as dates only when written YYYY-MM-DD
        raise ValueError("not ISO days")
    return pd.to_datetime(iso, format="%Y-%m-%d").to_numpy().astype("datetime64[D]").astype(np.int64)


def _index(table: pd.DataFrame) -> _Index | None:
    hit = _INDEXES.get(id(table))
    if hit is not None and hit[0]() is table:
        return hit[1]
    try:
        if not pd.api.types.is_integer_dtype(table["value"]):
            raise ValueError("values not whole numbers")  # sums in another order could differ in the last digit
        index = _Index(table)
    except (ValueError, TypeError, KeyError, AttributeError):
        index = None
    key = id(table)
    try:
        _INDEXES[key] = (weakref.ref(table, lambda _ref: _INDEXES.pop(key, None)), index)
    except TypeError:  # pragma: no cover - an object without weak references: read each time
        pass
    return index


def _day(iso: str) -> int:
    return (dt.date.fromisoformat(iso[:10]) - dt.date(1970, 1, 1)).days


def _iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def range_figures(table: pd.DataFrame, key: str, lo: str | None, hi: str | None, as_of: str | None,
                  category: str = "") -> dict | None:
    """``total``, ``places``, ``counties`` and ``covered`` of ``table`` over ``[lo, hi]`` (ISO days, None
    for open) as :func:`geodata.view.measures.values_for_range` gives them (``as_of``: its
    :func:`~geodata.view.measures.day_counted`); None when the table cannot be read as numbers."""
    ix = _index(table)
    if ix is None:
        return None
    how = MEASURES[key].summary
    wanted = ix.categories.get_indexer([category])[0]
    rows = ix.category == wanted if wanted >= 0 else np.zeros(len(ix.category), dtype=bool)
    if how == "sum":
        if lo:
            rows &= ix.end >= _day(lo)
        if hi:
            rows &= ix.start <= _day(hi)
    elif as_of is None:
        rows[:] = False
    else:
        rows &= (ix.start <= _day(as_of)) & (ix.end >= _day(as_of))
    start, end, place = ix.start[rows], ix.end[rows], ix.place[rows]
    if how == "in_force" and len(start):  # a run of months counts for the month ``as_of`` is in
        first = dt.date.fromisoformat(as_of[:8] + "01")
        last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
        start = np.maximum(start, _day(first.isoformat()))
        end = np.minimum(end, _day(last.isoformat()))
    n = len(ix.is_county)
    sums = np.bincount(place, weights=ix.value[rows], minlength=n)
    kept = (np.bincount(place, minlength=n) > 0) & (sums != 0)
    counted = kept[place]
    return {"total": float(sums[kept].sum()), "places": int(kept.sum()), "counties": int((kept & ix.is_county).sum()),
            "covered": (_iso(start[counted].min()), _iso(end[counted].max())) if counted.any() else None}
