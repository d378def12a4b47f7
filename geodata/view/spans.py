"""What days each layer's data covers, and so the dates a map can show.

Each layer registers a function that reads its first and last day from a store
(:func:`register_span`); :func:`layer_spans` asks them all and :func:`date_range` takes
the earliest first day and the latest last day, so the app's date range reaches the
newest figures of any layer (the population to March 2026, the facility list to April
2026), not only the last incident.  A layer added later (the enforcement layers)
registers its own span in the same way::

    from geodata.view.spans import register_span
    register_span("detainers", lambda store: (first_day, last_day))

The functions take the store (:class:`geodata.store.Store`) and return ``(first, last)``
as dates, or None when the layer has no data there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

import pandas as pd

from ..core.measures import MEASURES
from .occupancy import coverage

__all__ = ["Span", "SPAN_LABELS", "register_span", "layer_spans", "date_range", "date_presets"]

Span = tuple[dt.date, dt.date]

#: What each built-in span covers, in words (English; the app translates them).
SPAN_LABELS: dict[str, str] = {
    "incidents": "Incidents",
    "population": "People held, daily counts (DDP, UWCHR)",
    "facility_list": "ICE's facility lists",
}

_SPANS: dict[str, Callable[[object], Span | None]] = {}


def register_span(layer: str, span: Callable[[object], Span | None], label: str | None = None) -> None:
    """Register (or replace) the function giving ``layer``'s first and last day from a store."""
    _SPANS[layer] = span
    if label is not None:
        SPAN_LABELS[layer] = label


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _incidents(store) -> Span | None:
    span = store.metadata().get("date_span")
    return (_day(span[0]), _day(span[1])) if span else None


def _population(store) -> Span | None:
    """The daily counts: DDP's facility x month table and UWCHR's headcount (each month to its last counted day)."""
    spans = []
    for table in (store.population(), store.headcount()):
        if table is not None and len(table) and {"month", "days"} <= set(table.columns):
            spans.append(coverage(table[["month", "days"]].dropna()))
    spans = [s for s in spans if s]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _facility_list(store) -> Span | None:
    """ICE's lists: the first fiscal year they cover (it starts 1 October of the year before) to the
    newest list's data date (FY2026: 2 April 2026)."""
    years = store.facility_years()
    if years is None or not len(years):
        return None
    fy = pd.to_numeric(years["fiscal_year"], errors="coerce").dropna()
    dates = pd.to_datetime(years["data_date"], errors="coerce").dropna()
    if fy.empty:
        return None
    first = dt.date(int(fy.min()) - 1, 10, 1)
    last = dates.max().date() if len(dates) else dt.date(int(fy.max()), 9, 30)
    return first, last


def _measure(key: str) -> Callable[[object], Span | None]:
    """The span of the measure ``key`` (:mod:`geodata.view.measures`, imported when a span is asked for:
    its maps and areas are not needed to read the dates)."""
    def span(store) -> Span | None:
        from .measures import measure_span, store_measures_dir

        return measure_span(key, store_measures_dir(store))

    return span


register_span("incidents", _incidents)
register_span("population", _population)
register_span("facility_list", _facility_list)
# Each measure's span is one of the layers' spans: the app's date range reaches as far as any measure counts,
# and "data as of" names each.
for _key, _m in MEASURES.items():
    register_span(_key, _measure(_key), _m.label)


def layer_spans(store) -> dict[str, Span]:
    """``{layer: (first, last)}`` for every registered layer that has data in ``store``."""
    out = {}
    for layer, span in _SPANS.items():
        got = span(store)
        if got:
            out[layer] = (_day(got[0]), _day(got[1]))
    return out


def date_range(spans: dict[str, Span]) -> Span | None:
    """The earliest first day and the latest last day of the spans (None when there are none)."""
    if not spans:
        return None
    return min(s[0] for s in spans.values()), max(s[1] for s in spans.values())


def date_presets(first: dt.date, last: dt.date) -> dict[str, Span]:
    """Quick ranges ending with the data (``last``), each clipped to ``[first, last]``: ``all``, ``30d`` (the
    last 30 days), ``12m`` (the last 12 months), ``fyYYYY`` (the fiscal year of the last day, to date, and the
    one before: 1 October to 30 September) and ``mYYYY-MM`` (the last whole month)."""
    def clip(a: dt.date, b: dt.date) -> Span:
        return max(first, a), min(last, b)

    out = {"all": (first, last), "30d": clip(last - dt.timedelta(days=29), last)}
    try:
        year_ago = last.replace(year=last.year - 1)
    except ValueError:  # 29 February
        year_ago = last.replace(year=last.year - 1, day=28)
    out["12m"] = clip(year_ago + dt.timedelta(days=1), last)
    fy = last.year + (1 if last.month >= 10 else 0)
    for year in (fy, fy - 1):
        if dt.date(year, 9, 30) >= first:
            out[f"fy{year}"] = clip(dt.date(year - 1, 10, 1), dt.date(year, 9, 30))
    month_end = last if last.day == calendar.monthrange(last.year, last.month)[1] else (
        last.replace(day=1) - dt.timedelta(days=1))
    if month_end >= first:
        out[f"m{month_end:%Y-%m}"] = clip(month_end.replace(day=1), month_end)
    return out
