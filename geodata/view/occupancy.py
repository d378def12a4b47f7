"""How many people each facility held over a date range, from a facility x month table.

Two shapes of table are read.  DDP's own (``Bundle.population``) has one row per
facility and month with the average over the days DDP counted (``days``; the last
month of the panel is partial), and leaves out months in which nobody was held: a
facility's average over a range is its person-days in the range divided by the days
of the range that DDP covers; a month left out counts as zero people, a day outside
DDP's span counts not at all.  The best-source table
(:func:`geodata.view.population_sources.best_population`, with a ``source`` column) has a
row for every facility-month some source counts: a facility's average is its
person-days over the days of the range its rows cover, and ``adp_source`` says which
sources gave them.  :func:`population_table` gives the table a bundle's figures use.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..core.dates import clip_to_sane_range
from ..pipeline.facility_history import facilities_in_use
from .population_sources import SOURCES, best_population, month_days, place_keys, population_sources
from .selection import select

__all__ = ["coverage", "range_adp", "range_sources", "monthly_totals", "population_table", "with_range_adp",
           "periods", "view_frames"]


#: What views read of each population table, by the table's id (with a weak reference that drops the entry
#: with the table): the tables are read-only once built (a store's, a bundle's), and every view of every
#: session reads the same one or two tables (parsing 67,000 months took 8 ms, four times a view, and grouping
#: by facility id as text 30 ms more; issue 21).
_INDEXES: dict[int, tuple] = {}


class _Index:
    """A population table's rows as columns of numbers: first and last day counted (``datetime64[D]``),
    the facility (``fac``: a code into ``fac_ids``, -1 where unknown), people (``adp``: NaN as 0, as a sum
    skips it) and the source's rank in :data:`SOURCES` (None when the table has no known ``source``)."""

    def __init__(self, population: pd.DataFrame):
        first = pd.to_datetime(population["month"] + "-01")
        last = first + pd.to_timedelta(population["days"] - 1, unit="D")
        self.bounds = population.assign(_first=first, _last=last)
        self.first = first.to_numpy().astype("datetime64[D]")
        self.last = last.to_numpy().astype("datetime64[D]")
        self.rank = None
        self.codes: dict[int, tuple] = {}  # facilities frame -> its facilities' codes (_codes_of)
        self.span = None if population.empty else (self.bounds["_first"].min().date(),
                                                   self.bounds["_last"].max().date())
        # Rows by first day, and the longest a row counts: the rows that can meet a range are a slice of them.
        self.by_first = np.argsort(self.first, kind="stable")  # NaT last
        self.first_sorted = self.first[self.by_first]
        spans = (self.last - self.first)[~(np.isnat(self.first) | np.isnat(self.last))]
        self.longest = spans.max() if len(spans) else np.timedelta64(0, "D")
        if "facility_id" not in population.columns or "adp" not in population.columns:
            return  # months and days only (a layer's span): coverage reads the bounds alone
        self.fac, self.fac_ids = pd.factorize(population["facility_id"], sort=True)
        self.adp = np.nan_to_num(population["adp"].to_numpy(dtype=float), nan=0.0)
        if "source" in population.columns:
            # The best-source table: monthly_totals leaves out ICE's fiscal-year figure of a part month.
            self.bounds["_full"] = population["days"].to_numpy() >= month_days(population["month"])
            rank = population["source"].map({k: i for i, k in enumerate(SOURCES)})
            if rank.notna().all():
                self.rank = rank.to_numpy(dtype=np.int64)
                self.month, self.months = pd.factorize(population["month"], sort=True)
                # The rows monthly_totals draws (not ICE's fiscal-year figure of a part month), compared once.
                self.drawn = (population["source"] != "ice").to_numpy() | self.bounds["_full"].to_numpy()


def _index(population: pd.DataFrame) -> _Index:
    hit = _INDEXES.get(id(population))
    if hit is not None and hit[0]() is population and len(hit[1].bounds) == len(population):
        return hit[1]
    index, key = _Index(population), id(population)
    try:
        _INDEXES[key] = (weakref.ref(population, lambda _ref: _INDEXES.pop(key, None)), index)
    except TypeError:  # pragma: no cover - an object without weak references: computed each time
        pass
    return index


def _meeting(ix: _Index, lo: dt.date, hi: dt.date) -> np.ndarray:
    """Positions, in table order, of the rows that can meet ``[lo, hi]``: every other row counts no day of it
    (so sums over these rows, in this order, are the sums over all rows)."""
    a = np.searchsorted(ix.first_sorted, np.datetime64(lo, "D") - ix.longest, "left")
    b = np.searchsorted(ix.first_sorted, np.datetime64(hi, "D"), "right")
    return np.sort(ix.by_first[a:b])


def _month_bounds(population: pd.DataFrame) -> pd.DataFrame:
    """The table with ``_first`` and ``_last`` (the first and last day each row counts) and, from the
    best-source table, ``_full`` (the row counts its whole month); computed once per table object."""
    return _index(population).bounds


def coverage(population: pd.DataFrame | None) -> tuple[dt.date, dt.date] | None:
    """First and last day the table counts (DDP: 2022-10-01 .. 2026-03-10)."""
    if population is None or population.empty:
        return None
    return _index(population).span  # computed once per table


def range_adp(population: pd.DataFrame | None, start=None, end=None) -> tuple[pd.Series, tuple | None]:
    """Average daily population of each facility over ``[start, end]``.

    Returns ``(adp, span)``: ``adp`` is indexed by facility id (facilities absent
    from the table are absent from it: unknown, not zero); ``span`` is the part of
    the range the table covers, or None when the range lies outside it (then every
    facility is unknown).
    """
    found = _adp_by_code(population, start, end)
    if found is None:
        return pd.Series(dtype=float), None
    ix, adp, span = found
    ids = pd.Index(ix.fac_ids, name="facility_id")
    if "source" in population.columns:  # only the facilities counted some day of the range
        known = ~np.isnan(adp)
        return pd.Series(adp[known], index=ids[known], name="adp"), span
    return pd.Series(adp, index=ids, name="adp"), span


def _adp_by_code(population: pd.DataFrame | None, start=None, end=None):
    """``(index, adp, span)`` of :func:`range_adp`: ``adp`` by the index's facility codes (NaN for a facility the
    best-source table counts no day of the range); None when the range lies outside the table."""
    cov = coverage(population)
    if cov is None:
        return None
    lo = max(cov[0], pd.Timestamp(start).date()) if start is not None else cov[0]
    hi = min(cov[1], pd.Timestamp(end).date()) if end is not None else cov[1]
    if lo > hi:
        return None
    ix = _index(population)
    # Days of each row in the range, summed per facility (np.bincount over the facility codes), over the rows that
    # can meet the range (a month's rows, not the table's 67,000: the others add nothing).
    rows = _meeting(ix, lo, hi)
    first, last, fac, people = ix.first[rows], ix.last[rows], ix.fac[rows], ix.adp[rows]
    overlap = (np.minimum(last, np.datetime64(hi, "D")) - np.maximum(first, np.datetime64(lo, "D"))).astype(
        np.int64) + 1
    overlap = np.clip(overlap, 0, None)
    known = fac >= 0
    n = len(ix.fac_ids)
    person_days = np.bincount(fac[known], weights=(people * overlap)[known], minlength=n)
    if "source" in population.columns:  # a row for every facility-month known: average over those days
        days = np.bincount(fac[known], weights=overlap[known], minlength=n)
        keep = days > 0
        adp = np.full(n, np.nan)
        adp[keep] = person_days[keep] / days[keep]
        return ix, adp, (lo, hi)
    days = (hi - lo).days + 1
    return ix, person_days / days, (lo, hi)


def _codes_of(ix: _Index, facilities: pd.DataFrame) -> np.ndarray:
    """Each facility's code in the population table's index (-1: not in the table), once per facilities frame
    (what ``facilities["id"].map(...)`` of a figure by facility looks up each time)."""
    hit = ix.codes.get(id(facilities))
    if hit is not None and hit[0]() is facilities and len(hit[1]) == len(facilities):
        return hit[1]
    codes = pd.Index(ix.fac_ids).get_indexer(facilities["id"])
    try:
        key = id(facilities)
        ix.codes[key] = (weakref.ref(facilities, lambda _ref: ix.codes.pop(key, None)), codes)
    except TypeError:  # pragma: no cover - an object without weak references: looked up each time
        pass
    return codes


def range_sources(population: pd.DataFrame | None, start=None, end=None) -> pd.Series:
    """Per facility, the sources of its figure over ``[start, end]``, best first (``"ddp uwchr"``).

    Needs the best-source table (a ``source`` column); empty otherwise or outside its span.
    """
    if population is None or population.empty or "source" not in population.columns:
        return pd.Series(dtype=object)
    ix = _index(population)
    if ix.rank is not None and len(SOURCES) < 60:
        bits = _source_bits(ix, start, end)
        words = _words(bits)
        return pd.Series([words[m] for m in bits[bits > 0]], index=pd.Index(ix.fac_ids[bits > 0], name="facility_id"),
                         name="adp_source", dtype=population["source"].dtype)
    b = ix.bounds
    lo = pd.Timestamp(start) if start is not None else b["_first"].min()
    hi = pd.Timestamp(end) if end is not None else b["_last"].max()
    used = b[(b["_last"] >= lo) & (b["_first"] <= hi)]
    rank = {k: i for i, k in enumerate(SOURCES)}
    pairs = used[["facility_id", "source"]].drop_duplicates()
    pairs = pairs.assign(_rank=pairs["source"].map(rank)).sort_values(["facility_id", "_rank"], kind="stable")
    return pairs.groupby("facility_id")["source"].agg(" ".join).rename("adp_source")


def _source_bits(ix: _Index, start, end) -> np.ndarray:
    """Each facility's sources over ``[start, end]`` as bits of one number (bit i: ``SOURCES[i]``), by the index's
    facility codes; for a closed range, over the rows that can meet it only."""
    rows = _meeting(ix, pd.Timestamp(start).date(), pd.Timestamp(end).date()) if start is not None and \
        end is not None else slice(None)
    fac, first, last, rank = ix.fac[rows], ix.first[rows], ix.last[rows], ix.rank[rows]
    used = (fac >= 0) & (first <= (np.datetime64(pd.Timestamp(end).date(), "D") if end is not None
                                   else ix.last.max()))
    if start is not None:
        used &= last >= np.datetime64(pd.Timestamp(start).date(), "D")
    bits = np.zeros(len(ix.fac_ids), dtype=np.int64)
    np.bitwise_or.at(bits, fac[used], np.left_shift(1, rank[used]))
    return bits


def _words(bits: np.ndarray) -> dict:
    """One text per combination of sources in ``bits`` (:func:`_source_bits`), best first."""
    return {m: " ".join(k for i, k in enumerate(SOURCES) if m >> i & 1) for m in np.unique(bits[bits > 0])}


def population_table(bundle) -> pd.DataFrame | None:
    """The facility x month table a bundle's figures are computed from: the best source of each
    facility-month (DDP, else UWCHR, else ICE's fiscal-year ADP) when the bundle has the UWCHR
    headcount or ICE's years, else DDP's table as it is.  Kept on the bundle once computed."""
    cached = getattr(bundle, "_best_population", None)
    if cached is not None:
        return cached
    headcount, years = getattr(bundle, "headcount", None), getattr(bundle, "facility_years", None)
    if headcount is None and years is None:
        return bundle.population
    best = best_population(population_sources(bundle.population, headcount, years),
                           place_keys(getattr(bundle, "facilities", None)))
    try:
        bundle._best_population = best
    except AttributeError:  # pragma: no cover - a frozen object
        pass
    return best


def monthly_totals(population: pd.DataFrame | None, facility_ids=None, *, months=None) -> pd.DataFrame:
    """People held on an average day of each month, summed over the given facilities.

    ``month``, ``people``; from the best-source table also ``source``: one row per month
    and source that counts some of those facilities then.  ``months``: the first and last month
    kept (``"YYYY-MM"``), all by default.
    """
    if population is None or population.empty:
        return pd.DataFrame(columns=["month", "people"])
    ix = _index(population)
    if ix.rank is not None:
        # Summed by (month, source rank) codes: the groups in month order, best source first; over the rows of
        # the months kept only (a slice of the rows by first day, in table order: the same sums).
        at = slice(None) if months is None else np.sort(ix.by_first[
            np.searchsorted(ix.first_sorted, np.datetime64(f"{months[0]}-01", "D"), "left"):
            np.searchsorted(ix.first_sorted, np.datetime64(f"{months[1]}-01", "D"), "right")])
        fac, month, rank, adp = ix.fac[at], ix.month[at], ix.rank[at], ix.adp[at]
        rows = (fac >= 0) & (month >= 0) & ix.drawn[at]
        if facility_ids is not None:
            chosen = np.zeros(len(ix.fac_ids) + 1, dtype=bool)
            chosen[ix.fac_ids.get_indexer(pd.Index(list(facility_ids)).unique())] = True
            chosen[-1] = False  # ids absent from the table (get_indexer's -1)
            rows &= chosen[fac]
        key = month[rows] * len(SOURCES) + rank[rows]
        size = len(ix.months) * len(SOURCES)
        present = np.flatnonzero(np.bincount(key, minlength=size))
        people = np.bincount(key, weights=adp[rows], minlength=size)[present].astype(float)  # float when none too
        return pd.DataFrame({"month": ix.months[present // len(SOURCES)],
                             "source": pd.array([SOURCES[i] for i in present % len(SOURCES)],
                                                dtype=population["source"].dtype),
                             "people": people})
    b = _month_bounds(population)
    pop = b if facility_ids is None else b[b["facility_id"].isin(set(facility_ids))]
    if "source" in population.columns:
        # By month and source (best first), so a chart can say where each figure comes from.
        # ICE's fiscal-year average over the few days of a month its list reaches (April 2026: 2 days)
        # is not drawn as that month's bar: it would read as the month's count.
        pop = pop[(pop["source"] != "ice") | pop["_full"]]
        totals = pop.groupby(["month", "source"])["adp"].sum().rename("people").reset_index()
        totals["_rank"] = totals["source"].map({k: i for i, k in enumerate(SOURCES)})
        totals = totals.sort_values(["month", "_rank"], kind="stable").drop(columns="_rank").reset_index(drop=True)
    else:
        every = sorted(population["month"].unique())
        totals = pop.groupby("month")["adp"].sum().reindex(every, fill_value=0.0)
        totals = totals.rename("people").rename_axis("month").reset_index()
    if months is None:
        return totals
    return totals[(totals["month"] >= months[0]) & (totals["month"] <= months[1])].reset_index(drop=True)


def with_range_adp(facilities, population, start=None, end=None):
    """The facilities with ``adp_in_range``: their average daily population over the range.

    Returns ``(facilities, span)``.  ``adp_in_range`` is NaN where it is unknown: a
    facility not in the table, or a range outside the table's span (``span`` None).  With
    the best-source table, ``adp_source`` says which sources the figure comes from
    (:data:`geodata.view.population_sources.SOURCES` keys, best first, space-separated).
    """
    columns, span = _range_columns(facilities, population, start, end)
    out = facilities.copy()
    for name, values in columns.items():
        out[name] = values
    return out, span


def _range_columns(facilities, population, start, end) -> tuple[dict[str, pd.Series], tuple | None]:
    """``({"adp_in_range": ..., ["adp_source": ...]}, span)``: the columns :func:`with_range_adp` adds, by the
    facilities' index. The figures are looked up by the facilities' codes in the population table (kept per
    facilities frame, :func:`_codes_of`), not mapped by id each time: the same columns, a third of the time."""
    found = _adp_by_code(population, start, end)
    if found is None:
        in_range, span = pd.Series(float("nan"), index=facilities.index), None
    else:
        ix, by_code, span = found
        codes = _codes_of(ix, facilities)
        known = codes >= 0
        adp = np.full(len(codes), np.nan)
        adp[known] = by_code[codes[known]]
        in_range = pd.Series(np.round(adp, 1), index=facilities.index, name=facilities["id"].name)
    columns = {"adp_in_range": in_range}
    if population is not None and "source" in population.columns:
        if span and ix.rank is not None and len(SOURCES) < 60 and population["source"].dtype == "str":
            bits = _source_bits(ix, start, end)
            words = _words(bits)
            text = np.full(len(codes), None, dtype=object)
            has = known & ~np.isnan(adp)
            text[has] = [words.get(m) for m in bits[codes[has]]]
            columns["adp_source"] = pd.Series(text, index=facilities.index, name=facilities["id"].name, dtype="str")
        else:
            sources = range_sources(population, start, end) if span else pd.Series(dtype=object)
            columns["adp_source"] = facilities["id"].map(sources).where(in_range.notna(), None)
    return columns, span


def periods(start, end, step: str) -> list[tuple[dt.date, dt.date]]:
    """The weeks (Monday to Sunday) or calendar months that meet ``[start, end]``, each clipped to it.

    The range is first clipped to the dates a record may have (1900-01-01 to a month from
    today, :func:`geodata.core.dates.clip_to_sane_range`), so even ``date.min .. date.max``
    gives a bounded list (at most about 6,700 weeks or 1,550 months); a range wholly
    outside gives none.
    """
    if step not in ("week", "month"):
        raise ValueError(f"step must be week or month, not {step!r}")
    start, end = clip_to_sane_range(start, end)
    bounds = []
    if step == "week":
        a = start - dt.timedelta(days=start.weekday())
        while a <= end:
            bounds.append((a, a + dt.timedelta(days=6)))
            a += dt.timedelta(days=7)
    else:
        a = start.replace(day=1)
        while a <= end:
            nxt = dt.date(a.year + a.month // 12, a.month % 12 + 1, 1)
            bounds.append((a, nxt - dt.timedelta(days=1)))
            a = nxt
    return [(max(a, start), min(b, end)) for a, b in bounds]


def view_frames(bundle, view, *, hide_empty: bool = False, population=None, filtered: bool = False):
    """The frames a view shows, as the map, the figures and every export see them.

    Facilities are those in use in the view's dates: ICE's lists show them then (a 2015
    range shows 2015's facilities, see :func:`geodata.pipeline.facility_history.facilities_in_use`), or
    a population source has people in them.  They get
    ``adp_in_range`` over the view's dates from the best source of each month
    (:func:`population_table`, :func:`with_range_adp`) and ``adp_source``;
    with ``hide_empty``, facilities that held nobody in the range are left out (those
    whose population is unknown stay).  ``population``: the bundle's :func:`population_table`, when the
    caller keeps it (a store does, :func:`geodata.view.frames`).  ``filtered``: the bundle's incidents are already
    those of the view's dates and categories (:func:`geodata.view.select`).  Returns ``(frames, span)``.
    """
    frames = select(bundle.facilities, bundle.incidents, view, filtered=filtered)
    if "incidents" in frames:  # one order whatever the store: by day, then id (every backend exports the same)
        frames["incidents"] = frames["incidents"].sort_values(["date_start", "id"], kind="stable")
    span = None
    if "facilities" in frames:
        if population is None:
            population = population_table(bundle)
        frames["facilities"], span = _kept_facilities(bundle.facilities, population, view, hide_empty,
                                                      lambda: _facilities_in_view(frames["facilities"], population,
                                                                                  view, hide_empty))
    return frames, span


def _facilities_in_view(facilities, population, view, hide_empty: bool):
    """``(facilities, span)`` of :func:`view_frames`: in use in the view's dates (listed by ICE for them, or
    counted by a source holding someone in them: Varick Street is in ICE's 2009 list only, and in DDP's counts),
    with their figures (:func:`with_range_adp`), the empty ones left out with ``hide_empty``; the rows taken once,
    no copy of every facility first."""
    columns, span = _range_columns(facilities, population, view.start, view.end)
    in_range = columns["adp_in_range"].to_numpy()
    keep = facilities_in_use(facilities, view.start, view.end).to_numpy() | (in_range > 0)  # NaN: not held
    if hide_empty and span:
        keep &= ~(in_range <= 0)  # NaN: unknown, kept
    out = _rows_kept(facilities, keep)
    for name, values in columns.items():
        out[name] = values.array[keep]  # by position: out's rows are facilities' kept rows, in order
    return out, span


#: The facilities' rows taken for a set of rows (by the mask's bytes), per facilities frame: most date ranges keep
#: the same facilities, so their views share the rows taken and differ by the range's two columns only (a take of
#: every column was half of a new view's facilities on the bundle, and each view kept its own copy, issue 21).
_ROWS_TAKEN: dict[int, tuple] = {}
_ROWS_TAKEN_KEPT = 16


def _rows_kept(facilities, keep: np.ndarray):
    """``facilities[keep]``, taken once per set of rows and shared: each caller gets its own shallow copy."""
    key = np.packbits(keep).tobytes()
    with _FACILITY_VIEWS_LOCK:
        hit = _ROWS_TAKEN.get(id(facilities))
        kept = hit[1] if hit is not None and hit[0]() is facilities else None
        rows = kept.get(key) if kept is not None else None
        if rows is not None:
            kept.move_to_end(key)
            return rows.copy(deep=False)
    rows = facilities[keep]
    try:
        with _FACILITY_VIEWS_LOCK:
            hit = _ROWS_TAKEN.get(id(facilities))
            if hit is None or hit[0]() is not facilities:
                fid = id(facilities)
                hit = _ROWS_TAKEN[fid] = (weakref.ref(facilities, lambda _r: _ROWS_TAKEN.pop(fid, None)), OrderedDict())
            hit[1][key] = rows
            while len(hit[1]) > _ROWS_TAKEN_KEPT:
                hit[1].popitem(last=False)
    except TypeError:  # pragma: no cover - a frame without weak references: taken each time
        pass
    return rows.copy(deep=False)


#: The facilities of recent views, per facilities frame (by its id, dropped with it): what they show depends on
#: the dates, the AORs and the population table, not on the incidents' categories, so a change of category (or
#: of anything else about the incidents) does not make them again (two thirds of a view on the bundle, issue 21).
#: Each holds its rows shared (:func:`_rows_kept`) and two columns of its own, so a few hundred cost a few MB: a
#: view for each of a hundred readers, and the one each changed to, are still kept when they change category.
_FACILITY_VIEWS: dict[int, tuple] = {}
_FACILITY_VIEWS_KEPT = 256
_FACILITY_VIEWS_LOCK = threading.Lock()


def _kept_facilities(facilities, population, view, hide_empty: bool, make):
    """``make()``'s ``(frame, span)`` for these facilities, population table, dates, AORs and ``hide_empty``,
    made once and kept (the :data:`_FACILITY_VIEWS_KEPT` most recent per facilities frame); each caller gets its
    own shallow copy."""
    key = (id(population), view.start, view.end, tuple(view.aors), bool(hide_empty))
    with _FACILITY_VIEWS_LOCK:
        hit = _FACILITY_VIEWS.get(id(facilities))
        kept = hit[1] if hit is not None and hit[0]() is facilities else None
        entry = kept.get(key) if kept is not None else None
        if entry is not None and (entry[0]() if entry[0] is not None else None) is population:
            kept.move_to_end(key)
            return entry[1].copy(deep=False), entry[2]
    frame, span = make()
    try:
        pop_ref = weakref.ref(population) if population is not None else None
        with _FACILITY_VIEWS_LOCK:
            hit = _FACILITY_VIEWS.get(id(facilities))
            if hit is None or hit[0]() is not facilities:
                fid = id(facilities)
                hit = _FACILITY_VIEWS[fid] = (weakref.ref(facilities, lambda _r: _FACILITY_VIEWS.pop(fid, None)),
                                              OrderedDict())
            hit[1][key] = (pop_ref, frame, span)
            while len(hit[1]) > _FACILITY_VIEWS_KEPT:
                hit[1].popitem(last=False)
    except TypeError:  # pragma: no cover - a frame without weak references: made each time
        pass
    return frame.copy(deep=False), span
