"""The map's incident columns held once per data version, and a view of them answered from those columns.

A view of a large store used to be read from the store's files, turned into a pandas frame, filtered
again and sorted, once for every distinct date range or category a reader asked for (about a second
of CPU for a year of a million incidents, and each cached view kept its own copy). An
:class:`IncidentIndex` reads the columns the map's figures need (:data:`geodata.store.VIEW_COLUMNS`)
once, sorted as every view is sorted (by ``date_start``, then ``id``, missing last), text of few
distinct values dictionary-encoded, each point built once from the stored float64 coordinates.
A view is then a binary search on the sorted start dates and boolean masks over the columns, and
only the view's rows become a frame: the same frame, row for row and column for column, as the
store's own filter gives (:func:`geodata.view.frames` with ``index=``).

:class:`FrameCache` keeps recent views' frames, bounded by entries and by rows, so that readers
asking for many distinct views cannot grow the process without bound. :func:`release_memory` hands
the memory of a large transient build (the map of every incident) back to the system.
"""

from __future__ import annotations

import bisect
import ctypes
import datetime as dt
import gc
import os
import threading
import time
from collections import OrderedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ..core.schema import CRS
from ..store.base import VIEW_COLUMNS
from .child import in_a_child
from .compose import frames
from .selection import incident_aors

__all__ = ["COLLECT_AFTER_ROWS", "FrameCache", "GC_YOUNG_THRESHOLD", "IncidentIndex", "MALLOC_ARENAS",
           "MALLOC_MMAP_BYTES", "MAX_CACHED_ROWS", "MAX_CACHED_VIEWS", "MAX_KEPT_OTHERS", "ResidentViews",
           "SLICE_ROWS", "TRIM_AFTER_ROWS", "TRIM_EVERY_SECONDS", "release_memory", "settle_collector",
           "use_system_memory_pool"]

#: Bytes of one shapely point besides its reference (measured: 1e6 points, about 210 MB).
_POINT_BYTES = 200
#: A run of this many consecutive rows of a view is a slice of the index's frame, not a copy.
SLICE_ROWS = 4096
#: Columns of few distinct values, held dictionary-encoded (a small integer a row).
_DICTIONARY = ("category", "date_precision", "state", "facility_id", "location_precision")


class IncidentIndex:
    """Every incident's :data:`geodata.store.VIEW_COLUMNS` and point, sorted by day then id.

    Build it with :meth:`of` (from a store) or from an Arrow table holding those columns and
    ``lon``/``lat``. :meth:`frame` gives a view's incidents.
    """

    def __init__(self, table: pa.Table, columns=VIEW_COLUMNS):
        self.columns = tuple(columns)
        order = pc.sort_indices(table.select(["date_start", "id"]),
                                sort_keys=[("date_start", "ascending"), ("id", "ascending")])  # missing last
        self._cols: dict[str, pa.Array] = {}
        for name in self.columns:
            col = table.column(name).take(order).combine_chunks()
            if name in _DICTIONARY:
                col = col.dictionary_encode()
            elif pa.types.is_string(col.type):  # as pandas holds text: its frame of every row shares these
                col = col.cast(pa.large_string())
            self._cols[name] = col
        lon = table.column("lon").take(order).to_numpy(zero_copy_only=False).astype(float)
        lat = table.column("lat").take(order).to_numpy(zero_copy_only=False).astype(float)
        # Every point once (about 210 bytes each): a view takes its points from here, and the views kept share
        # them, where building a view's points took most of its time (0.35 s for 572,524 of a million).
        self._points = shapely.points(lon, lat)
        self._points[np.isnan(lon) | np.isnan(lat)] = None
        self.n = len(order)
        starts = self._cols["date_start"]
        self._dated = self.n - starts.null_count  # rows with a start date: the sorted prefix
        self._starts = starts
        # End days and categories as numbers, for a view's masks (a text comparison of a million end dates was
        # a third of a view's selection): end dates that are not all ISO days are compared as text.
        try:
            ends = pc.cast(self._cols["date_end"], pa.date32()).cast(pa.int32())
            self._end_days = ends.fill_null(np.iinfo(np.int32).min).to_numpy()  # missing: before any day
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            self._end_days = None
        cat = self._cols["category"]
        self._cat_codes = cat.indices.fill_null(len(cat.dictionary)).to_numpy(zero_copy_only=False)  # missing: last
        self._aors: pa.Array | None = None
        self._others: OrderedDict = OrderedDict()
        self.copied = 0  # rows copied into views so far (the rest were slices of _whole)
        self._whole_frame: gpd.GeoDataFrame | None = None
        self._lock, self._whole_lock = threading.Lock(), threading.Lock()

    @classmethod
    def of(cls, store, columns=VIEW_COLUMNS) -> IncidentIndex:
        """The index of ``store``'s incidents (a store that reads them as Arrow: ``incident_table``)."""
        return cls(store.incident_table(None, columns=[*columns, "lon", "lat"]), columns)

    @property
    def nbytes(self) -> int:
        """Bytes the index holds (its Arrow columns, once made the frame of every row's decoded columns, and its
        points as shapely holds them, estimated)."""
        held = sum(c.nbytes for c in self._cols.values()) + self._points.nbytes * (1 + _POINT_BYTES // 8)
        if self._whole_frame is not None:
            held += sum(self._plain.column(name).nbytes for name in _DICTIONARY if name in self.columns)
        return held + (self._aors.nbytes if self._aors is not None else 0)

    def _count_to(self, end: str) -> int:
        """How many dated rows start on or before ``end`` (ISO text compares as the dates it spells)."""
        return bisect.bisect_right(_Sorted(self._starts, self._dated), end)

    def _in_aors(self, hi: int, aors, facility_ids) -> np.ndarray:
        """The AOR rule of :func:`geodata.view.select` for rows ``[0, hi)``: the incident happened in one of
        ``aors`` (each incident's AOR is found once per index) or at one of ``facility_ids``."""
        with self._lock:
            if self._aors is None:
                self._aors = pa.array(incident_aors(self._whole), pa.string(), from_pandas=True)
        here = pc.is_in(self._aors.slice(0, hi), value_set=pa.array(list(aors), pa.string()))  # a missing AOR: no
        at = pc.is_in(self._cols["facility_id"].slice(0, hi).dictionary_decode(),
                      value_set=pa.array(sorted(facility_ids), pa.string()))
        return here.to_numpy(zero_copy_only=False) | at.to_numpy(zero_copy_only=False)

    def rows(self, start=None, end=None, categories=None, aors=(), facility_ids=()) -> np.ndarray:
        """Positions (ascending, so in view order) of the incidents whose span overlaps ``[start, end]``
        (dates or ISO text, None for open), whose category is listed (None: any), and, with ``aors``,
        in those AORs by place or at ``facility_ids``."""
        start = start.isoformat() if hasattr(start, "isoformat") else start
        end = end.isoformat() if hasattr(end, "isoformat") else end
        hi = self.n if end is None else self._count_to(end)
        mask = np.ones(hi, dtype=bool)
        if start is not None:
            day = _day_number(start)
            if self._end_days is not None and day is not None:
                mask &= self._end_days[:hi] >= day
            else:
                mask &= pc.fill_null(pc.greater_equal(self._cols["date_end"].slice(0, hi), start),
                                     False).to_numpy(zero_copy_only=False)
        if categories is not None:
            allowed = pc.is_in(self._cols["category"].dictionary, value_set=pa.array(list(categories), pa.string()))
            allowed = np.append(allowed.to_numpy(zero_copy_only=False), False)  # last: a missing category
            mask &= allowed[self._cat_codes[:hi]]
        if aors:
            mask &= self._in_aors(hi, aors, facility_ids)
        return np.flatnonzero(mask)

    @property
    def _whole(self) -> gpd.GeoDataFrame:
        """Every row as one frame, its text sharing the index's Arrow memory (the dictionary columns decoded
        once) and its points the index's: a run of a view's rows is a slice of it, not a copy."""
        if self._whole_frame is None:
            with self._whole_lock:
                if self._whole_frame is None:
                    cols = [c.dictionary_decode() if name in _DICTIONARY else c for name, c in self._cols.items()]
                    frame = pa.table(cols, names=list(self.columns)).to_pandas()
                    # The same columns as Arrow (no copy): the rows a view copies are taken from them.
                    self._plain = pa.Table.from_pandas(frame, preserve_index=False)
                    self._whole_frame = gpd.GeoDataFrame(frame, geometry=self._points, crs=CRS)
        return self._whole_frame

    def _frame(self, positions: np.ndarray) -> gpd.GeoDataFrame:
        """The rows at ``positions`` (ascending), numbered 0, 1, ...: their longest run of consecutive rows
        (a date range's incidents that start in it: most of them) a slice of :attr:`_whole` sharing its
        memory, the rest copied (those that started before the range, or a category's rows)."""
        if len(positions) >= SLICE_ROWS:
            bounds = np.concatenate([[0], np.flatnonzero(np.diff(positions) != 1) + 1, [len(positions)]])
            k = int(np.argmax(np.diff(bounds)))
            a, b = int(bounds[k]), int(bounds[k + 1])
            if b - a >= SLICE_ROWS:
                parts = [self._copied(positions[:a]), self._whole.iloc[positions[a]:positions[b - 1] + 1],
                         self._copied(positions[b:])]
                return pd.concat([p for p in parts if len(p)], ignore_index=True)
        return self._copied(positions)

    def _copied(self, positions: np.ndarray) -> gpd.GeoDataFrame:
        self.copied += len(positions)
        self._whole  # noqa: B018 - the columns as the frame holds them, made once
        frame = self._plain.take(pa.array(positions, pa.int64())).to_pandas()
        return gpd.GeoDataFrame(frame, geometry=self._points[positions], crs=CRS)

    def others(self, key, compute):
        """What ``compute()`` gives for ``key``, kept for the last :data:`MAX_KEPT_OTHERS` keys: the facilities
        and offices of a view (:func:`geodata.view.frames`), which its categories do not change."""
        with self._lock:
            if key in self._others:
                self._others.move_to_end(key)
                return self._others[key]
        value = compute()
        with self._lock:
            self._others[key] = value
            while len(self._others) > MAX_KEPT_OTHERS:
                self._others.popitem(last=False)
        return value

    def frame(self, view, facility_ids=()) -> gpd.GeoDataFrame:
        """The incidents ``view`` shows (its dates, categories and AORs; ``facility_ids``: the facilities of
        its AORs), in view order: what :func:`geodata.view.occupancy.view_frames` gives from the store's rows."""
        return self._frame(self.rows(view.start, view.end, view.categories, view.aors, facility_ids))


def _day_number(text: str) -> int | None:
    """Days since 1970-01-01 of an ISO day (``YYYY-MM-DD``), None for other text."""
    try:
        iso = len(text) == 10 and text[4] == text[7] == "-"  # not a week date (2025-W01-1), which Python reads
        return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days if iso else None
    except (TypeError, ValueError):
        return None


class _Sorted:
    """The first ``n`` values of a sorted Arrow column, read by position (a binary search reads about 20)."""

    def __init__(self, column: pa.Array, n: int):
        self.column, self.n = column, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return self.column[i].as_py()


class FrameCache:
    """Recent views' frames, least recently used dropped first once there are more than ``max_entries``
    or their incidents together exceed ``max_rows`` (the entry just added always stays)."""

    def __init__(self, max_entries: int = 16, max_rows: int = 1_000_000, built_rows=None):
        self.max_entries, self.max_rows = max_entries, max_rows
        # What a build is counted as towards the next full collection (default: its rows; ResidentViews: the
        # rows it copied, a view's shared rows freeing nothing when it goes).
        self._built_rows = built_rows or self._rows
        self._items: OrderedDict = OrderedDict()
        self._lock, self._building = threading.Lock(), threading.Lock()
        self._rows_since_collect = self._rows_since_trim = 0
        self._trimmed_at = float("-inf")

    @staticmethod
    def _rows(value) -> int:
        frames = value[0] if isinstance(value, tuple) else value
        return sum(len(f) for k, f in frames.items() if k == "incidents")

    def __len__(self) -> int:
        return len(self._items)

    @property
    def rows(self) -> int:
        """Incident rows held by the cached frames."""
        return sum(r for _, r in self._items.values())

    def _kept(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get(self, key, compute):
        """The value kept for ``key``, else ``compute()`` kept and returned.

        One value is computed at a time: readers asking for new views at once wait in line instead of
        each holding a view's build in memory together (the CPU is the same: the builds share the GIL),
        and readers asking for the same new view have it built once."""
        kept = self._kept(key)
        if kept is not None:
            return kept[0]
        with self._building:
            kept = self._kept(key)  # built by the reader before in line
            if kept is not None:
                return kept[0]
            value = compute()
            rows = self._rows(value)
            with self._lock:
                self._items[key] = (value, rows)
                while len(self._items) > 1 and (len(self._items) > self.max_entries or self.rows > self.max_rows):
                    self._items.popitem(last=False)
            # What the build took (for a view of a million incidents, a few hundred MB) goes back to the system
            # now, not when the allocator gets round to it.  The app does not collect cycles after every run
            # (.streamlit/config.toml: runner.postScriptGC = false, a third of a rerun's CPU), so the selections
            # earlier runs made of large views wait in cycles for Python's own rare full pass: once views of
            # COLLECT_AFTER_ROWS incidents have been built since the last pass, this build pays for one.
            self._rows_since_collect += self._built_rows(value)
            collect = self._rows_since_collect >= COLLECT_AFTER_ROWS
            if collect:
                self._rows_since_collect = 0
            # The C heap trimmed once views of TRIM_AFTER_ROWS incidents were built since the last trim, or
            # TRIM_EVERY_SECONDS after it: after each view of a large store, and of a small one's built now and then,
            # as before, but not after each of a hundred readers' small views at once: each frees a few kB, and a
            # trim walks the server's whole heap (5-15 ms with a hundred sessions; in C, outside the GIL, so py-spy
            # --gil does not see it: a quarter of a date change on the bundle at k = 100).
            self._rows_since_trim += rows
            now = time.monotonic()
            if collect or self._rows_since_trim >= TRIM_AFTER_ROWS or now - self._trimmed_at >= TRIM_EVERY_SECONDS:
                self._rows_since_trim, self._trimmed_at = 0, now
                release_memory(collect=collect)
        return value


def use_system_memory_pool() -> None:
    """Arrow's allocations from the C heap (``malloc``), unless ``$ARROW_DEFAULT_MEMORY_POOL`` chooses a pool,
    and that heap set for a server with many threads (glibc: two arenas, large blocks mapped).

    For a long-running server: Arrow's default pool (mimalloc) keeps what a large build freed for its
    own reuse, so a process that once read a million records stays hundreds of MB larger; freed C heap
    memory goes back to the system (large blocks at once, the rest at :func:`release_memory`)."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    # glibc gives each thread that allocates at once a heap of its own (up to 8 a core), and once a large block
    # is freed, serves blocks up to that size (32 MB) from the heaps rather than mapping them: ten readers'
    # runs on views of a million incidents left 150 MB in those heaps. Two heaps, and blocks of 4 MB or more
    # mapped and unmapped (a view's columns), unless the environment sets them (MALLOC_ARENA_MAX, ...).
    libc = _libc()
    if libc is not None:
        for env, option, value in (("MALLOC_ARENA_MAX", _M_ARENA_MAX, MALLOC_ARENAS),
                                   ("MALLOC_MMAP_THRESHOLD_", _M_MMAP_THRESHOLD, MALLOC_MMAP_BYTES)):
            if env not in os.environ:
                libc.mallopt(option, value)


#: Net allocations after which Python collects its youngest generation, in the server (Python's default: 700).
GC_YOUNG_THRESHOLD = 10_000


def settle_collector() -> None:
    """Once, after the server's first page: what is alive then (the libraries, the store's tables, the first
    view) is frozen out of the collector's passes (``gc.freeze``), and the youngest generation is collected after
    :data:`GC_YOUNG_THRESHOLD` allocations instead of 700.

    A rerun allocates tens of thousands of short-lived objects (Streamlit's messages, pandas' frames); at 700 the
    young collections promoted enough of them to start a dozen full passes (~70 ms each, holding the interpreter)
    in a run of a hundred readers' filter changes: 1.3-1.5 CPU s of the collector's against 0.5 at 10,000
    (issue 21).  Cycles are still collected, only less often; :func:`release_memory` still collects after large
    views."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


#: glibc's ``mallopt`` options (malloc.h) and the values the server sets (:func:`use_system_memory_pool`).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
MALLOC_ARENAS, MALLOC_MMAP_BYTES = 2, 4 * 2**20


def _libc():
    """glibc (its ``mallopt`` and ``malloc_trim``), or None elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


def release_memory(collect: bool = True) -> None:
    """Give the memory freed after a large build back to the system: collect cycles (``collect``), release
    Arrow's unused pool memory, and trim the C heap (glibc's ``malloc_trim``; elsewhere nothing)."""
    if in_a_child():  # a build's child (geodata.view.child): all it holds goes when it ends
        return
    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


#: Incident rows the cached views of one data version may hold together (each row, with its point, about
#: 250 bytes): a few year-long views of a million incidents, every view of a small store.
MAX_CACHED_ROWS = 500_000
#: Incident rows of views built between two full collections of cycles (:meth:`FrameCache.get`): a store of
#: thousands of incidents (the bundle) almost never pays for one, a view of a year of a million every time.
COLLECT_AFTER_ROWS = 200_000
#: Incident rows of views built between two trims of the C heap (:meth:`FrameCache.get`): every view of a year of
#: a million incidents trims it, the bundle's views (tens to hundreds of rows) once in a few hundred.
TRIM_AFTER_ROWS = 50_000
#: Seconds after which a view's build trims the C heap whatever its size (:meth:`FrameCache.get`).
TRIM_EVERY_SECONDS = 2.0
#: Views cached at most, whatever their size.
MAX_CACHED_VIEWS = 16
#: The facilities and offices of views kept at most (:meth:`IncidentIndex.others`): a few hundred rows each, their
#: rows shared between views (geodata.view.occupancy), so that ten or a hundred readers each on a view of their
#: own, and on the one they changed to, find them kept when they change category (16 kept: ten readers' date
#: changes pushed out the views they were on, and each category change made its facilities again, issue 21).
MAX_KEPT_OTHERS = 256


class ResidentViews:
    """The views of one data version of ``store``, as the map's figures read them: :meth:`frames`.

    A store that reads incidents as Arrow (``incident_table``: the folder and PostGIS stores) is read
    once into an :class:`IncidentIndex` (on the first view) and each view answered from it; other
    stores (the bundle) are asked each time. Recent views are kept in a :class:`FrameCache`.
    """

    def __init__(self, store, *, max_entries: int = MAX_CACHED_VIEWS, max_rows: int = MAX_CACHED_ROWS):
        self.store = store
        self.cache = FrameCache(max_entries, max_rows, built_rows=self._copied_rows)
        self._index: IncidentIndex | None = None
        self._lock = threading.Lock()
        self._last_copied = 0

    @property
    def index(self) -> IncidentIndex | None:
        """The store's index, built on first use (None for a store without ``incident_table``)."""
        if self._index is None and hasattr(self.store, "incident_table"):
            with self._lock:
                if self._index is None:
                    self._index = IncidentIndex.of(self.store)
                    release_memory()  # the whole read is let go: only the index's columns stay
        return self._index

    def _copied_rows(self, value) -> int:
        """Rows the build of ``value`` copied (the index's count since the last build; without an index,
        every row of the view)."""
        if self._index is None:
            return FrameCache._rows(value)
        copied, self._last_copied = self._index.copied - self._last_copied, self._index.copied
        return copied

    def frames(self, view, hide_empty: bool = False):
        """``(frames, span)`` of ``view``: :func:`geodata.view.frames` with the map's columns
        (:data:`geodata.store.VIEW_COLUMNS`). Shared by every caller: copy before changing them."""
        return self.cache.get((view, hide_empty), lambda: frames(
            self.store, view, hide_empty=hide_empty, columns=VIEW_COLUMNS, index=self.index))
