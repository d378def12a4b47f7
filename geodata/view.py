"""What a user is looking at: a date range, categories and layers, and the records that fit.

The same :class:`View` drives the map, the counts, the export and the URL, so a
shared link, the file a user downloads and the command line all agree.

Dates: an incident is in a range when its span overlaps it, edges included.  An
incident known only to the month (``2026-01``) spans the whole month, so it is in
any range that touches that month.  Facilities carry the fiscal years ICE's lists show
them in (``fiscal_years``): :func:`geodata.occupancy.view_frames` keeps those in use in
the range; :func:`select` itself keeps every facility.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .schema import CATEGORIES

__all__ = ["View", "LAYERS", "filter_incidents", "select"]

LAYERS: tuple[str, ...] = ("facilities", "incidents")


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


@dataclass(frozen=True)
class View:
    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = CATEGORIES
    layers: tuple[str, ...] = LAYERS
    #: ICE areas of responsibility (``ATL``, ``ELP``...); empty means all.  An AOR is a
    #: facility's: with AORs chosen, incidents are those at the chosen facilities.
    aors: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "start", _as_date(self.start))
        object.__setattr__(self, "end", _as_date(self.end))
        unknown = [c for c in self.categories if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categor{'ies' if len(unknown) > 1 else 'y'}: {', '.join(unknown)}; "
                             f"known: {', '.join(CATEGORIES)}")
        bad_layers = [x for x in self.layers if x not in LAYERS]
        if bad_layers:
            raise ValueError(f"unknown layer {bad_layers[0]!r}; known: {', '.join(LAYERS)}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the start {self.start} is after the end {self.end}")
        bad_aor = [a for a in self.aors if not (isinstance(a, str) and a.isalpha() and 2 <= len(a) <= 4)]
        if bad_aor:
            raise ValueError(f"not an AOR code: {bad_aor[0]!r} (three letters, such as ELP)")
        # Canonical order, no repeats: two views that show the same thing are equal.
        object.__setattr__(self, "categories", tuple(c for c in CATEGORIES if c in self.categories))
        object.__setattr__(self, "layers", tuple(x for x in LAYERS if x in self.layers))
        object.__setattr__(self, "aors", tuple(sorted({a.upper() for a in self.aors})))

    # -- URL query parameters ---------------------------------------------------
    @classmethod
    def from_params(cls, params) -> "View":
        """Read ``start``, ``end``, ``category`` (comma-separated) and ``layer`` from URL params.

        Raises ``ValueError`` with a readable message for a bad value.
        """
        def get(key):
            value = params.get(key)
            if isinstance(value, (list, tuple)):
                value = ",".join(value)
            return value

        try:
            start, end = _as_date(get("start")), _as_date(get("end"))
        except ValueError as exc:
            raise ValueError(f"dates must be YYYY-MM-DD ({exc})") from None
        cats = get("category")
        layers = get("layer")
        aors = get("aor")
        return cls(
            start=start,
            end=end,
            categories=tuple(c for c in cats.split(",") if c) if cats is not None else CATEGORIES,
            layers=tuple(x for x in layers.split(",") if x) if layers is not None else LAYERS,
            aors=tuple(a for a in aors.split(",") if a) if aors else (),
        )

    def to_params(self) -> dict[str, str]:
        """The view as URL params; values that equal the default are left out."""
        params = {}
        if self.start:
            params["start"] = self.start.isoformat()
        if self.end:
            params["end"] = self.end.isoformat()
        if self.categories != CATEGORIES:
            params["category"] = ",".join(self.categories)
        if self.layers != LAYERS:
            params["layer"] = ",".join(self.layers)
        if self.aors:
            params["aor"] = ",".join(self.aors)
        return params


def filter_incidents(
    incidents: gpd.GeoDataFrame,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    categories=None,
) -> gpd.GeoDataFrame:
    """Incidents whose date span overlaps ``[start, end]`` (inclusive) and whose category is listed."""
    mask = pd.Series(True, index=incidents.index)
    start, end = _as_date(start), _as_date(end)
    # ISO strings compare like the dates they spell.
    if start is not None:
        mask &= incidents["date_end"] >= start.isoformat()
    if end is not None:
        mask &= incidents["date_start"] <= end.isoformat()
    if categories is not None:
        mask &= incidents["category"].isin(list(categories))
    return incidents[mask]


def select(facilities: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, view: View) -> dict[str, gpd.GeoDataFrame]:
    """The frames a view shows, keyed by layer (only the layers switched on)."""
    if view.aors:
        facilities = facilities[facilities["aor"].isin(view.aors)]
        incidents = incidents[incidents["facility_id"].isin(set(facilities["id"]))]
    out = {}
    if "facilities" in view.layers:
        out["facilities"] = facilities
    if "incidents" in view.layers:
        out["incidents"] = filter_incidents(incidents, view.start, view.end, view.categories)
    return out
