"""What a user is looking at: a date range, categories and layers, and the records that fit.

The same :class:`View` drives the map, the counts, the export and the URL, so a
shared link, the file a user downloads and the command line all agree.

Dates: an incident is in a range when its span overlaps it, edges included.  An
incident known only to the month (``2026-01``) spans the whole month, so it is in
any range that touches that month.  Facilities carry the fiscal years ICE's lists show
them in (``fiscal_years``): :func:`geodata.view.occupancy.view_frames` keeps those in use in
the range; :func:`select` itself keeps every facility.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.dates import as_date
from ..core.measures import MEASURES
from ..core.schema import CATEGORIES
from ..geography.aor import AOR_DIR, AOR_FILE, assign_aors
from ..store.base import filter_incidents

if TYPE_CHECKING:
    import geopandas as gpd

# Shapely and the offices are imported where rows are selected: a View alone (an export of a store's
# incidents, a link read) does not need them.

__all__ = ["View", "DEFAULT_LAYERS", "LAYERS", "MEASURE_LAYERS", "filter_incidents", "incident_aors", "select"]

#: The measures by area through time (:mod:`geodata.core.measures`: ``287g``, ``atd``, ``usbp``, ``arrests``),
#: drawn by ``layers.measures`` and exported one feature per place; :func:`select` leaves them to
#: :mod:`geodata.view.measures`.
MEASURE_LAYERS: tuple[str, ...] = tuple(MEASURES)
#: Every layer a view can show: ``offices`` are ICE's offices (DDP's table), then the measures.
LAYERS: tuple[str, ...] = ("facilities", "incidents", "offices") + MEASURE_LAYERS
#: The layers a view shows when it names none (a link without ``layer=``).
DEFAULT_LAYERS: tuple[str, ...] = ("facilities", "incidents")


@dataclass(frozen=True)
class View:
    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = CATEGORIES
    layers: tuple[str, ...] = DEFAULT_LAYERS
    #: ICE areas of responsibility (``ATL``, ``ELP``...); empty means all.  A facility's
    #: AOR is the one ICE gives it; an incident is in the AOR where it happened (its
    #: point in the AOR polygons, :func:`incident_aors`) or in its facility's AOR.
    aors: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "start", as_date(self.start))
        object.__setattr__(self, "end", as_date(self.end))
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
            start, end = as_date(get("start")), as_date(get("end"))
        except ValueError as exc:
            raise ValueError(f"dates must be YYYY-MM-DD ({exc})") from None
        cats = get("category")
        layers = get("layer")
        aors = get("aor")
        return cls(
            start=start,
            end=end,
            categories=tuple(c for c in cats.split(",") if c) if cats is not None else CATEGORIES,
            layers=tuple(x for x in layers.split(",") if x) if layers is not None else DEFAULT_LAYERS,
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
        if self.layers != DEFAULT_LAYERS:
            params["layer"] = ",".join(self.layers)
        if self.aors:
            params["aor"] = ",".join(self.aors)
        return params


#: Place AORs of recent incident frames, keyed by a fingerprint of the places (see
#: :func:`incident_aors`): the app re-runs the view on every filter change, and the
#: join (seconds for a million distinct places) need not be redone each time.
_AOR_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_AOR_CACHE_SIZE = 4


def incident_aors(incidents: gpd.GeoDataFrame) -> pd.Series:
    """The ICE area of responsibility each incident happened in (None where it is in none).

    A point-in-polygon join of the incidents' points with the bundled AOR polygons
    (:func:`geodata.geography.aor.assign_aors`): an incident known only to a state gets
    the state's AOR where the whole state is one (Minnesota: SPM), none where several
    AORs share it (Texas, California).  Computed once per set of places and cached.
    """
    key = _places_key(incidents, AOR_DIR / AOR_FILE)
    if key not in _AOR_CACHE:
        cols = [c for c in ("location_precision", "state") if c in incidents.columns]
        _AOR_CACHE[key] = assign_aors(incidents[cols + [incidents.geometry.name]])["aor"].to_numpy()
        while len(_AOR_CACHE) > _AOR_CACHE_SIZE:
            _AOR_CACHE.popitem(last=False)
    _AOR_CACHE.move_to_end(key)
    return pd.Series(_AOR_CACHE[key], index=incidents.index, name="aor", dtype=object)


def _places_key(incidents: gpd.GeoDataFrame, areas_path) -> str:
    """A digest of what the AOR of each incident depends on: its point, precision and state."""
    import shapely

    h = hashlib.blake2b(digest_size=16)
    geoms = incidents.geometry.values
    h.update(np.ascontiguousarray(shapely.get_x(geoms)).tobytes())
    h.update(np.ascontiguousarray(shapely.get_y(geoms)).tobytes())
    for col in ("location_precision", "state"):
        if col in incidents.columns:
            codes, uniques = pd.factorize(incidents[col])
            h.update(codes.tobytes())
            h.update("\x1f".join(map(str, uniques)).encode())
    try:
        h.update(str(areas_path.stat().st_mtime_ns).encode())
    except OSError:
        pass
    return h.hexdigest()


def select(
    facilities: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    view: View,
    *,
    offices: gpd.GeoDataFrame | None = None,
    filtered: bool = False,
) -> dict[str, gpd.GeoDataFrame]:
    """The frames a view shows, keyed by layer (only the layers switched on).

    With AORs chosen: the facilities ICE puts in them; the incidents that happened in
    them (:func:`incident_aors`) or at one of those facilities; the offices in them, and
    the ERO offices of their field offices.
    ``offices`` is the office layer (default: the bundled one, read only when the
    view shows offices).  ``filtered``: the incidents are already those of the view's dates and
    categories (:func:`filter_incidents`, as a store's filter gives them), so only the AOR rule is applied.
    """
    if view.aors:
        facilities = facilities[facilities["aor"].isin(view.aors)]
        at_facility = incidents["facility_id"].isin(set(facilities["id"]))
        incidents = incidents[incident_aors(incidents).isin(view.aors) | at_facility]
    out = {}
    if "facilities" in view.layers:
        out["facilities"] = facilities
    if "incidents" in view.layers:
        out["incidents"] = incidents if filtered else filter_incidents(incidents, view.start, view.end,
                                                                       view.categories)
    if "offices" in view.layers:
        if offices is None:
            from ..sources.ddp_offices import load_offices

            offices = load_offices()
        if view.aors:
            in_area = offices["aor"].isin(view.aors)
            if "field_office_aor" in offices.columns:  # an ERO office of a chosen field office, wherever it is
                in_area |= offices["field_office_aor"].isin(view.aors)
            offices = offices[in_area]
        out["offices"] = offices
    return out
