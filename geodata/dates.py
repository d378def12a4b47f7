"""Dates known to the day, the month or the year, and the span each one covers."""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["PartialDate", "parse_partial_date"]

_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PartialDate(tuple):
    """``(text, precision, start, end)``: ``2025-03`` covers 2025-03-01 .. 2025-03-31."""

    __slots__ = ()

    def __new__(cls, text: str, precision: str, start: dt.date, end: dt.date):
        return super().__new__(cls, (text, precision, start, end))

    text = property(lambda self: self[0])
    precision = property(lambda self: self[1])
    start = property(lambda self: self[2])
    end = property(lambda self: self[3])


def parse_partial_date(text: str, precision: str | None = None) -> PartialDate:
    """Parse an ISO-8601 date cut to day, month or year.

    A ``precision`` coarser than the text cuts it: ``("2026-01-20", "month")``
    is January 2026.  Raises ``ValueError`` for anything else.
    """
    text = str(text).strip()
    for pattern, level in _FORMS:  # noqa: B007 (level is read after the loop)
        m = pattern.match(text)
        if m:
            break
    else:
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
    parts = [int(g) for g in m.groups()]
    order = ("day", "month", "year")
    if precision is not None:
        if precision not in order:
            raise ValueError(f"unknown date precision {precision!r}")
        if order.index(precision) < order.index(level):
            raise ValueError(f"{text!r} is not precise to the {precision}")
        level = precision
    year = parts[0]
    if level == "year":
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return PartialDate(f"{year:04d}", level, start, end)
    month = parts[1]
    if level == "month":
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        return PartialDate(f"{year:04d}-{month:02d}", level, start, end)
    day = dt.date(year, month, parts[2])
    return PartialDate(day.isoformat(), level, day, day)
