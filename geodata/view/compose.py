"""What a store shows of a view: the view's rules composed over the rows a store hands out.

The store reads and writes tables by query (:mod:`geodata.store`); the view decides what those
rows mean for the map, the figures and every export.  Only the view's rows leave the store:
the dates, categories and bounding box go into the backend, the rest of the view's rules (an
AOR's incidents by where they happened or at its facilities, the facilities in use in the
dates, the offices) are applied here, to those rows.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..core.schema import CRS
from ..store.base import Bundle, Query, Store, query_of
from ..store.bundle import BundleStore
from .occupancy import population_table, view_frames
from .selection import View, select

__all__ = ["export_frames", "frames", "query"]


def query(store: Store, view, *, bbox=None, columns=None) -> dict[str, gpd.GeoDataFrame]:
    """The frames a :class:`geodata.view.View` (or a :class:`geodata.store.Query`) shows, keyed by layer.

    Same result as :func:`geodata.view.select` on the whole data, but only the view's rows
    leave the store; the AOR rule is :func:`geodata.view.select`'s own, applied to those rows.
    ``columns``: the incident columns to read (all of the schema's by default; see
    :data:`geodata.store.VIEW_COLUMNS`).
    """
    q = view if isinstance(view, Query) else query_of(view, bbox)
    if not isinstance(view, View):
        view = View(start=q.start, end=q.end, layers=q.layers, aors=q.aors,
                    **({"categories": q.categories} if q.categories is not None else {}))
    return select(store.facilities(), store.incidents_of(q, columns), view)


def frames(store: Store, view: View, *, hide_empty: bool = False, bbox=None, columns=None, index=None):
    """What :func:`geodata.view.occupancy.view_frames` gives for the whole data, from the view's rows only:
    ``(frames, span)``, facilities with ``adp_in_range``.

    ``columns``: the incident columns to read, default all of the schema's (an export); the
    map's figures need only :data:`geodata.store.VIEW_COLUMNS`, and reading those alone is what
    makes a large view quick.  The best-source population table is kept by the store
    (:meth:`geodata.store.Store.best_population`) while its tables are unchanged.
    ``index``: the store's :class:`geodata.view.resident.IncidentIndex`, which answers the incidents
    of a view (no ``bbox``, ``columns`` among the index's) from its columns instead of the store's files:
    the same frames (the incidents' index labels aside: numbered 0, 1, ... in view order).
    """
    if index is not None and bbox is None and "incidents" in view.layers and columns is not None \
            and set(columns) <= set(index.columns):
        return _indexed_frames(store, view, index, hide_empty)
    q = query_of(view, bbox)
    data = Bundle(store.facilities(), store.incidents_of(q, columns), pd.DataFrame(), store.population(),
                  store.facility_years(), store.headcount())
    # The bundle's filter is select()'s own (filter_incidents): its rows are not filtered twice (2 ms a view).
    return view_frames(data, view, hide_empty=hide_empty, population=store.best_population(data, population_table),
                       filtered=isinstance(store, BundleStore))


def _indexed_frames(store: Store, view: View, index, hide_empty: bool):
    """:func:`frames` with the incidents from ``index``; the facilities and offices as the store gives them."""
    facilities = store.facilities()
    # The categories choose incidents only: the facilities and offices of a view are those of its dates and
    # AORs, made once for every choice of categories (a category ticked or unticked builds only the incidents).
    others = View(start=view.start, end=view.end, aors=view.aors,
                  layers=tuple(x for x in view.layers if x != "incidents"))

    def rest_of_view():
        # No incidents go through select(): its AOR rule and date filter are the index's (no rows, nothing to place).
        none = gpd.GeoDataFrame({c: pd.Series([], dtype="str") for c in index.columns},
                                geometry=gpd.GeoSeries(crs=CRS))
        data = Bundle(facilities, none, pd.DataFrame(), store.population(), store.facility_years(), store.headcount())
        return view_frames(data, others, hide_empty=hide_empty,
                           population=store.best_population(data, population_table))

    rest, span = index.others((others, hide_empty), rest_of_view)
    ids = set(facilities.loc[facilities["aor"].isin(view.aors), "id"]) if view.aors else ()
    out = {}
    for layer in ("facilities", "incidents", "offices"):  # select()'s order
        if layer == "incidents":
            out[layer] = index.frame(view, ids)
        elif layer in rest:
            out[layer] = rest[layer]
    return out, span


def export_frames(store: Store, view: View, *, hide_empty: bool = False) -> dict:
    """The frames an export of ``view`` writes (:func:`geodata.export.files.write_export`): those of
    :func:`frames`, with every column.

    A view of incidents alone, without AORs (their rule needs the points' areas), from a store that
    reads incidents as Arrow (``incident_table``: the folder store) is an
    :class:`geodata.export.OrderedTable` instead: filtered in the files, in the order
    :func:`geodata.view.occupancy.view_frames` sorts (by ``date_start``, then ``id``, missing last),
    the points as ``lon``/``lat`` numbers; no pandas frame, no shapely points, and the same file.  The
    rows are not copied into that order here: the writers take them a chunk at a time.
    """
    if tuple(view.layers) != ("incidents",) or view.aors or not hasattr(store, "incident_table"):
        return frames(store, view, hide_empty=hide_empty)[0]
    import pyarrow.compute as pc

    from ..core.schema import INCIDENT_COLUMNS
    from ..export.ordered import OrderedTable

    q = Query(start=view.start, end=view.end, categories=tuple(view.categories))
    table = store.incident_table(q, columns=[*INCIDENT_COLUMNS, "lon", "lat"])
    keys = [("date_start", "ascending"), ("id", "ascending")]
    order = pc.sort_indices(table.select(["date_start", "id"]), sort_keys=keys)  # nulls at the end
    return {"incidents": OrderedTable(table, order.to_numpy())}
