"""Checking coordinates that come with a source: range, (0, 0), swaps, lost signs, the stated state.

One check for every importer (facility reference tables, incident tables).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..core.schema import state_code
from .geocode import gazetteer

__all__ = ["CoordinateCheck", "check_coordinates", "state_boxes"]


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return None if text in ("", "NA", "N/A", "nan", "NaN", "null", "None") else text


#: A plain decimal number, as coordinates are written: Python's ``float()`` also takes
#: ``4_4.98`` (44.98), ``١٢.٥`` and `` inf ``, which no source means as a coordinate.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def plain_number(value) -> float | None:
    """A coordinate as a float, None when missing; ValueError when it is not a plain number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = _clean(value)
    if text is None:
        return None
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


@dataclass(frozen=True)
class CoordinateCheck:
    lat: float | None
    lon: float | None
    status: str  # "ok", "corrected" or "rejected"
    reason: str | None = None


@lru_cache(maxsize=1)
def state_boxes() -> dict[str, tuple[float, float, float, float]]:
    """``state -> (min_lon, min_lat, max_lon, max_lat)``: the ZIP centroids of each state
    (from the ``zipcodes`` package, as the gazetteer), widened by a margin, since a
    border town's buildings lie beyond its ZIP's centroid.  Coarse by design: it tells
    a point in Ohio from one in Texas, not from one just across the Ohio river."""
    pts = gazetteer().state_points()
    boxes = {}
    for st, p in pts.items():
        margin = 0.5 if len(p) >= 20 else 1.5  # territories with a handful of ZIPs
        lons, lats = [x for x, _ in p], [y for _, y in p]
        boxes[st] = (min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin)
    return boxes


def _in_box(box, lat, lon) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def _in_range(lat, lon) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180


def check_coordinates(lat, lon, state: str | None = None) -> CoordinateCheck:
    """Check one point against the range of the globe and the box of its state.

    Missing values and ``(0, 0)`` are rejected.  A point outside its stated state is
    corrected when swapping latitude and longitude, or restoring a lost minus sign on
    the longitude, puts it inside (and says so); otherwise it is rejected.  Without a
    known state, a point must still be on the globe, and a swap is accepted only when
    the point as given is off the globe and the swapped one is in some US state.
    """
    try:
        lat, lon = plain_number(lat), plain_number(lon)
    except (TypeError, ValueError):
        return CoordinateCheck(None, None, "rejected", f"coordinates are not plain numbers ({lat!r}, {lon!r})")
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return CoordinateCheck(None, None, "rejected", "no coordinates")
    if lat == 0 and lon == 0:
        return CoordinateCheck(None, None, "rejected", "coordinates (0, 0): a missing value, not a place")
    fixes = (
        (lon, lat, "latitude and longitude were swapped"),
        (lat, -lon, "the longitude had lost its minus sign"),
        (lon, -lat, "latitude and longitude were swapped and the minus sign lost"),
    )
    st = state_code(state)
    box = state_boxes().get(st) if st else None
    if box is None:
        if _in_range(lat, lon):
            return CoordinateCheck(lat, lon, "ok")
        for la, lo, why in fixes:
            if _in_range(la, lo) and any(_in_box(b, la, lo) for b in state_boxes().values()):
                return CoordinateCheck(la, lo, "corrected", f"{why}: ({lat}, {lon}) -> ({la}, {lo})")
        return CoordinateCheck(None, None, "rejected", f"coordinates out of range ({lat}, {lon})")
    if _in_range(lat, lon) and _in_box(box, lat, lon):
        return CoordinateCheck(lat, lon, "ok")
    for la, lo, why in fixes:
        if _in_range(la, lo) and _in_box(box, la, lo):
            return CoordinateCheck(la, lo, "corrected", f"{why}: ({lat}, {lon}) -> ({la}, {lo}), inside {st}")
    if not _in_range(lat, lon):
        return CoordinateCheck(None, None, "rejected", f"coordinates out of range ({lat}, {lon})")
    return CoordinateCheck(None, None, "rejected", f"({lat}, {lon}) is outside the stated state {st}")
