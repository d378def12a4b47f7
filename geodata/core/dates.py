"""Dates known to the day, the month or the year, and the span each one covers."""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = [
    "PartialDate", "parse_partial_date", "parse_loose_date", "EARLIEST_DATE", "FUTURE_MARGIN_DAYS", "latest_date",
    "date_range_problem", "clip_to_sane_range", "as_date",
]

#: No record of this project is older: a date before it is a typo or a placeholder (``0001-01-01``).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: A date may lie a little ahead (an announced deployment, a scheduled hearing), not further.
FUTURE_MARGIN_DAYS = 31


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last day a record may start on: today plus :data:`FUTURE_MARGIN_DAYS`."""
    return (today or dt.date.today()) + dt.timedelta(days=FUTURE_MARGIN_DAYS)


def date_range_problem(start: dt.date, end: dt.date | None = None, *, today: dt.date | None = None) -> str | None:
    """Why a date spanning ``start .. end`` is impossible, or None.

    A date must begin on or after :data:`EARLIEST_DATE` and no later than
    :func:`latest_date` (a year or a month may end later: ``2026`` covers the whole year).
    """
    if start < EARLIEST_DATE:
        return f"{start.isoformat()} is before {EARLIEST_DATE.isoformat()}: not a date of this map"
    last = latest_date(today)
    if start > last:
        return f"{start.isoformat()} is in the future (after {last.isoformat()})"
    return None


def as_date(value) -> dt.date | None:
    """A date given as a date, a datetime or an ISO ``YYYY-MM-DD`` text; None for None or "".

    ValueError for any other text: what a view or a query is given must be a whole day."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _date_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    return dt.date.fromisoformat(str(value).strip()[:10])


def clip_to_sane_range(start, end, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """``(start, end)`` as dates, clipped to :data:`EARLIEST_DATE` .. :func:`latest_date`.

    Views use it so that a range typed or passed as ``0001-01-01 .. 9999-12-31`` costs
    no more than the longest range a record can have.  A range wholly outside comes back
    with ``start`` after ``end``: empty.
    """
    last = latest_date(today)
    lo, hi = _date_of(start), _date_of(end)
    return max(lo, EARLIEST_DATE), min(hi, last)

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


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?[-\s,]+(\d{2}|\d{4})$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


def _full_year(text: str) -> int:
    """Two-digit years: 00-39 are 2000s, 40-99 the 1900s (Marshall's facilities date back to 1978)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 40 else 1900
    return year


def parse_loose_date(text, precision: str | None = None, *, day_first: bool = False) -> PartialDate:
    """Parse the date forms that real files use, keeping the precision they carry.

    ISO (``2025-03-04``, ``2025-03``, ``2025``, ``2025-03-04T10:00``), ``M/D/YYYY`` and
    ``M/D/YY`` (``D/M/YY`` when ``day_first``), ``Oct-82``, ``October 2025``.  A
    ``precision`` from the source (``month``, ``year``; ``week`` counts as its month)
    can only make the date coarser.  Raises ``ValueError``.
    """
    text = " ".join(str(text).split())
    if precision == "week":
        precision = "month"
    if precision not in (None, "", *("day", "month", "year")):
        raise ValueError(f"unknown date precision {precision!r}")
    m = _ISO_DATETIME.match(text)
    if m:
        text = m.group(1)
    m = _SLASHED.match(text)
    if m:
        a, b, y = m.groups()
        month, day = (int(b), int(a)) if day_first else (int(a), int(b))
        text = dt.date(_full_year(y), month, day).isoformat()
    m = _MONTH_YEAR.match(text)
    if m and m.group(1).lower() in _MONTHS:
        text = f"{_full_year(m.group(2)):04d}-{_MONTHS[m.group(1).lower()]:02d}"
    parsed = parse_partial_date(text)
    order = ("day", "month", "year")
    if precision and order.index(precision) > order.index(parsed.precision):
        return parse_partial_date(parsed.text, precision)
    return parsed
