"""A view answered from the resident incident columns is the view the store's own filter gives."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 (pa.compute)
import pytest
from shapely.geometry import Point

from geodata import View, load_bundle
from geodata.core.schema import CATEGORIES, CRS, INCIDENT_COLUMNS
from geodata.store import VIEW_COLUMNS, open_store
from geodata.view import frames as store_frames
from geodata.view import resident
from geodata.view.resident import FrameCache, IncidentIndex, ResidentViews


def _extra(n: int = 600, seed: int = 3) -> gpd.GeoDataFrame:
    """Incidents at the edges the index must get right: one start day shared by many (order by id),
    months, years and ranges, unplaced points, incidents at facilities, the first and last days."""
    rng = np.random.default_rng(seed)
    fac = load_bundle().facilities
    fac_ids = fac.loc[fac["aor"].notna(), "id"].to_numpy()
    cats = list(CATEGORIES)
    rows, geoms = [], []
    days = pd.date_range("2022-10-01", "2026-03-31", freq="D")
    for i in range(n):
        kind = ["day", "day", "month", "year", "range"][i % 5]
        d = days[rng.integers(0, len(days))] if i % 7 else pd.Timestamp("2025-06-15")  # many on one day
        if i == 0:
            d = days[0]
        if i == 1:
            d = days[-1]
        if kind == "day":
            start, end, text = d, d, f"{d:%Y-%m-%d}"
        elif kind == "month":
            start, end, text = d.replace(day=1), d + pd.offsets.MonthEnd(0), f"{d:%Y-%m}"
        elif kind == "year":
            start, end, text = d.replace(month=1, day=1), d.replace(month=12, day=31), f"{d:%Y}"
        else:
            start, end, text = d, d + pd.Timedelta(days=int(rng.integers(1, 90))), f"{d:%Y-%m-%d}"
        rows.append(dict(
            id=f"zz:{rng.integers(0, 10**6):07d}-{i}", category=cats[i % len(cats)], title=f"t {i}", date=text,
            date_precision="day" if kind == "range" else kind, date_start=f"{start:%Y-%m-%d}",
            date_end=f"{end:%Y-%m-%d}", place="", city="Somewhere", state=["TX", "MN", "CA", "NY"][i % 4],
            facility_id=fac_ids[i % len(fac_ids)] if i % 9 == 0 else None,
            location_precision=["city", "state", "block"][i % 3], location_method="test", description="",
            source_name="Test", source_urls=f"https://example.org/{i}", verification="news_report"))
        geoms.append(None if i % 11 == 0 else Point(rng.uniform(-124, -67), rng.uniform(25, 49)))
    return gpd.GeoDataFrame(rows, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs=CRS)


@pytest.fixture(scope="module")
def folder_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("resident") / "store", create=True)
    store.seed(load_bundle())
    store.write_incidents(_extra())
    return store


VIEWS = [
    View(start="2025-01-01", end="2025-12-31"),
    View(),
    View(start="2025-06-15"),
    View(end="2023-01-01"),
    View(start="2022-10-01", end="2022-10-01"),  # the first day
    View(start="2026-03-31", end="2026-03-31"),  # the last day
    View(start="2025-06-15", end="2025-06-15"),  # a day many share
    View(start="2031-01-01", end="2032-01-01"),  # after everything: empty
    View(start="1990-01-01", end="1990-12-31"),  # before everything: empty
    View(start="2025-01-01", end="2025-06-30", categories=("arrest", "protest")),
    View(start="2025-01-01", end="2025-06-30", categories=()),
    View(start="2024-01-01", end="2025-12-31", aors=("ELP", "SPM", "NYC")),
    View(start="2024-01-01", end="2024-12-31", layers=("incidents", "offices"), aors=("SEA",)),
    View(start="2024-01-01", end="2024-12-31", layers=("incidents",)),
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.start}_{v.end}_{len(v.categories)}_{'+'.join(v.aors)}")
@pytest.mark.parametrize("hide_empty", [False, True])
@pytest.mark.parametrize("slice_rows", [1, 10**9], ids=["runs sliced", "rows copied"])
def test_a_view_from_the_index_equals_the_stores_view_on_edges_and_filters(folder_store, view, hide_empty, slice_rows,
                                                                         monkeypatch):
    monkeypatch.setattr(resident, "SLICE_ROWS", slice_rows)
    index = IncidentIndex.of(folder_store)
    old, old_span = store_frames(folder_store, view, hide_empty=hide_empty, columns=VIEW_COLUMNS)
    new, new_span = store_frames(folder_store, view, hide_empty=hide_empty, columns=VIEW_COLUMNS, index=index)
    assert list(new) == list(old) and new_span == old_span
    for layer in old:
        a, b = old[layer], new[layer]
        if layer == "incidents":
            a = a.reset_index(drop=True)  # the store's labels are positions in what it read
            assert list(b["id"]) == list(a["id"])  # the view's order: by day, then id
        pd.testing.assert_frame_equal(b, a, check_exact=True)
        assert (a.geometry.isna() == b.geometry.isna()).all()
        placed = a.geometry.notna()
        assert a.geometry[placed].geom_equals_exact(b.geometry[placed], 0).all()


def test_a_view_of_a_full_store_is_answered_from_the_index_not_the_files(folder_store, monkeypatch):
    views = ResidentViews(folder_store)
    views.frames(View(start="2025-01-01", end="2025-03-31"))  # the index is built on the first view
    view = View(start="2024-11-01", end="2025-02-28", categories=("arrest", "use_of_force"))
    expected = store_frames(folder_store, view, columns=VIEW_COLUMNS)[0]["incidents"]

    def no_reads(*args, **kwargs):
        raise AssertionError("the store's files were read for a view")

    monkeypatch.setattr(folder_store, "incident_table", no_reads)
    monkeypatch.setattr(folder_store, "incidents", no_reads)
    got = views.frames(view)[0]["incidents"]
    assert len(got) > 10 and list(got["id"]) == list(expected["id"])


def test_views_are_cached_by_filter_and_the_cache_stays_bounded(folder_store):
    views = ResidentViews(folder_store, max_entries=3, max_rows=10**9)
    v1 = View(start="2025-01-01", end="2025-01-31")
    assert views.frames(v1) is views.frames(v1)  # the second ask is the kept frames
    for day in range(2, 9):
        views.frames(View(start=f"2025-01-0{day}", end="2025-01-31"))
    assert len(views.cache) == 3
    assert views.frames(v1) is not views.frames(View(start="2025-01-01", end="2025-01-31", layers=("incidents",)))


def test_the_frame_cache_drops_the_oldest_views_beyond_its_rows():
    cache = FrameCache(max_entries=10, max_rows=100)
    frame = lambda n: ({"incidents": pd.DataFrame({"id": range(n)})}, None)  # noqa: E731
    cache.get("a", lambda: frame(60))
    cache.get("b", lambda: frame(30))
    assert len(cache) == 2 and cache.rows == 90
    cache.get("a", lambda: pytest.fail("a was kept"))  # used: now the most recent
    cache.get("c", lambda: frame(30))  # 120 rows: the least recently used (b) goes
    assert cache.rows == 90 and len(cache) == 2
    cache.get("b", lambda: frame(30))  # b was dropped: computed again
    assert cache.get("huge", lambda: frame(500))[0]["incidents"].shape[0] == 500  # one huge view is still kept
    assert len(cache) == 1 and cache.rows == 500


def test_a_full_collection_runs_once_large_views_worth_of_rows_were_built(monkeypatch):
    from geodata.view import resident

    passes = []
    monkeypatch.setattr(resident.gc, "collect", lambda *a: passes.append(a) or 0)
    monkeypatch.setattr(resident, "COLLECT_AFTER_ROWS", 100)
    cache = FrameCache(max_entries=50, max_rows=10_000)
    frame = lambda n: ({"incidents": pd.DataFrame({"id": range(n)})}, None)  # noqa: E731
    for key in range(9):  # small views (a bundle's): 90 rows built, no pass
        cache.get(key, lambda: frame(10))
    assert passes == []
    cache.get("tenth", lambda: frame(10))  # 100 rows built since the last pass: this build pays for one
    assert len(passes) == 1
    cache.get("tenth", lambda: pytest.fail("kept"))  # a view kept builds nothing and collects nothing
    cache.get("large", lambda: frame(150))  # a large view (a year of a million incidents): a pass each
    cache.get("larger", lambda: frame(150))
    assert len(passes) == 3


def test_readers_asking_for_one_new_view_at_once_have_it_built_once():
    import threading
    import time

    cache, built, running, most = FrameCache(), [], [0], [0]

    def build(key):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.05)
        built.append(key)
        running[0] -= 1
        return ({"incidents": pd.DataFrame({"id": [key]})}, None)

    threads = [threading.Thread(target=cache.get, args=(k, lambda k=k: build(k))) for k in ["a"] * 4 + ["b"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(built) == ["a", "b"]  # each new view built once
    assert most == [1]  # and one build at a time


def test_the_server_allocates_arrow_memory_from_the_c_heap_unless_told_otherwise(monkeypatch):
    import pyarrow as pa

    from geodata.view.resident import use_system_memory_pool

    before = pa.default_memory_pool()
    try:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
        pa.set_memory_pool(pa.mimalloc_memory_pool())
        use_system_memory_pool()
        assert pa.default_memory_pool().backend_name == "mimalloc"  # the operator's choice stands
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
        use_system_memory_pool()
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(before)


def test_a_postgis_stores_views_from_the_index_equal_its_own(pg_store):
    pg_store.write_incidents(_extra(200, seed=11))
    index = IncidentIndex.of(pg_store)
    for view in (View(start="2025-01-01", end="2025-12-31"), View(start="2025-06-15", end="2025-06-15"),
                 View(start="2024-01-01", end="2025-12-31", aors=("ELP", "SPM")), View(categories=())):
        old = store_frames(pg_store, view, columns=VIEW_COLUMNS)[0]
        new = store_frames(pg_store, view, columns=VIEW_COLUMNS, index=index)[0]
        assert list(new) == list(old)
        for layer in old:
            pd.testing.assert_frame_equal(new[layer], old[layer].reset_index(drop=True) if layer == "incidents"
                                          else old[layer], check_exact=True)


def test_a_postgis_store_reads_the_points_columns_as_the_folder_store_does(pg_store, folder_store):
    from geodata.view import export_frames

    cols = ["id", "date_start", "lon", "lat"]
    pg = pg_store.incident_table(None, columns=cols)
    assert pg.column_names == cols
    folder = folder_store.incident_table(None, columns=cols)
    bundled = set(load_bundle().incidents["id"])
    mine = pg.filter(pa.compute.is_in(pg["id"], value_set=pa.array(sorted(bundled))))
    theirs = folder.filter(pa.compute.is_in(folder["id"], value_set=pa.array(sorted(bundled))))
    assert mine.sort_by("id").equals(theirs.sort_by("id"))
    # The export of a view of incidents reads its points the same way (it failed on PostGIS before).
    assert export_frames(pg_store, View(start="2025-01-01", layers=("incidents",)))["incidents"].num_rows > 0


def test_a_views_run_of_consecutive_rows_shares_the_index_memory_instead_of_copying_it(folder_store, monkeypatch):
    monkeypatch.setattr(resident, "SLICE_ROWS", 1)
    index = IncidentIndex.of(folder_store)
    index.frame(View())  # the index's frame of every row, made once
    before = pa.total_allocated_bytes()
    whole = index.frame(View())  # every row: one run
    year = index.frame(View(start="2025-01-01", end="2025-12-31"))  # a run, and rows that began before it
    assert len(whole) == index.n and 0 < len(year) < index.n
    text = sum(whole[c].array._pa_array.nbytes for c in ("id", "date_start", "date_end"))
    assert pa.total_allocated_bytes() - before < text / 10
    monkeypatch.setattr(resident, "SLICE_ROWS", 10**9)
    copied = index.frame(View())
    assert pa.total_allocated_bytes() - before > text  # copied: the same rows' text again
    pd.testing.assert_frame_equal(copied, whole, check_exact=True)


def test_the_servers_c_heap_is_set_for_many_threads_unless_the_environment_sets_it(monkeypatch):
    import pyarrow as pa

    from geodata.view import resident as r

    calls = []

    class Libc:
        def mallopt(self, option, value):
            calls.append((option, value))
            return 1

    before = pa.default_memory_pool()
    monkeypatch.setattr(r, "_libc", Libc)
    try:
        monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
        monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
        r.use_system_memory_pool()
        assert calls == [(-8, r.MALLOC_ARENAS), (-3, r.MALLOC_MMAP_BYTES)]  # M_ARENA_MAX, M_MMAP_THRESHOLD
        calls.clear()
        monkeypatch.setenv("MALLOC_ARENA_MAX", "8")  # the operator's choice stands, glibc read it at start
        r.use_system_memory_pool()
        assert calls == [(-3, r.MALLOC_MMAP_BYTES)]
    finally:
        pa.set_memory_pool(before)


def test_end_dates_that_are_not_all_iso_days_are_compared_as_text_as_before():
    ids = ["a", "b", "c", "d"]
    table = pa.table({"id": ids, "category": ["arrest", "protest", None, "arrest"],
                      "date_precision": ["day"] * 4, "date_start": ["2025-01-01", "2025-01-02", "2025-01-03", None],
                      "date_end": ["2025-01-01", "2025-1-9", None, None], "state": ["TX"] * 4,
                      "facility_id": [None] * 4, "location_precision": ["city"] * 4,
                      "lon": [-97.0] * 4, "lat": [30.0] * 4})
    odd = IncidentIndex(table)
    iso = IncidentIndex(table.set_column(4, "date_end", pa.array(["2025-01-01", "2025-01-09", None, None])))
    assert odd._end_days is None and iso._end_days is not None  # the first compared as text, the second as days
    # "2025-1-9" >= "2025-01-02" as text (as the store's own filter compares); 2025-01-09 >= 2025-01-02 as a day.
    assert list(odd.rows("2025-01-02")) == list(iso.rows("2025-01-02")) == [1]
    assert list(odd.rows("2025-01-01", categories=("arrest",))) == list(iso.rows("2025-01-01", categories=("arrest",)))
    assert list(iso.rows("2025-01-01", categories=("arrest",))) == [0]  # no category, or no end: not shown


def test_only_the_rows_a_view_copied_count_towards_the_next_full_collection(folder_store, monkeypatch):
    passes = []
    monkeypatch.setattr(resident.gc, "collect", lambda *a: passes.append(a) or 0)
    monkeypatch.setattr(resident, "SLICE_ROWS", 1)
    views = ResidentViews(folder_store)
    everything = len(views.frames(View(layers=("incidents",)))[0]["incidents"])  # one run: nothing copied
    passes.clear()  # the index's own build collected once
    monkeypatch.setattr(resident, "COLLECT_AFTER_ROWS", everything // 2)
    views.frames(View(layers=("incidents",), start="2022-10-01", end="2030-01-01"))  # a run, and the few rows
    assert passes == [] and views.index.copied < everything // 20  # of a year or month begun before it: copied
    views.frames(View(layers=("incidents",), categories=("arrest",)))  # one category in seven: short runs, copied
    assert passes == [] and 0 < views.index.copied < everything // 2
    views.frames(View(layers=("incidents",), categories=("arrest", "protest", "shooting", "deployment")))
    assert len(passes) == 1 and views.index.copied >= everything // 2  # half the rows copied: one full pass


def test_a_category_change_reuses_the_views_facilities_and_they_equal_the_stores(folder_store):
    index = IncidentIndex.of(folder_store)
    every = View(start="2025-01-01", end="2025-06-30", layers=("facilities", "incidents", "offices"))
    some = View(start="2025-01-01", end="2025-06-30", layers=("facilities", "incidents", "offices"),
                categories=("arrest",))
    first = store_frames(folder_store, every, columns=VIEW_COLUMNS, index=index)
    second = store_frames(folder_store, some, columns=VIEW_COLUMNS, index=index)
    assert second[0]["facilities"] is first[0]["facilities"]  # made once for both
    assert len(second[0]["incidents"]) < len(first[0]["incidents"])
    expected, span = store_frames(folder_store, some, columns=VIEW_COLUMNS)
    assert second[1] == span
    for layer in ("facilities", "offices"):
        pd.testing.assert_frame_equal(second[0][layer], expected[layer], check_exact=True)
    moved = store_frames(folder_store, View(start="2025-02-01", end="2025-06-30", categories=("arrest",),
                                            layers=("facilities", "incidents")), columns=VIEW_COLUMNS, index=index)
    assert moved[0]["facilities"] is not first[0]["facilities"]  # other dates: made again


def test_the_facilities_of_ten_readers_views_and_the_ones_they_changed_to_are_kept_for_a_category_change(
        folder_store, monkeypatch):
    index = IncidentIndex.of(folder_store)
    made = []
    original = index.others
    monkeypatch.setattr(index, "others", lambda key, compute: original(key, lambda: made.append(key) or compute()))
    layers = ("facilities", "incidents", "offices")
    opened = [View(start=dt.date(2024, 1, 1) + dt.timedelta(days=3 * i), end=dt.date(2026, 1, 31), layers=layers)
              for i in range(10)]
    changed = [View(start=dt.date(2025, 3, 1) + dt.timedelta(days=i), end=dt.date(2025, 5, 31) + dt.timedelta(days=i),
                    layers=layers) for i in range(10)]
    for view in opened + changed:
        store_frames(folder_store, view, columns=VIEW_COLUMNS, index=index)
    assert len(made) == 20
    for view in opened + changed:  # each unticks a category: the same dates, other incidents (16 kept: all made)
        store_frames(folder_store, View(start=view.start, end=view.end, layers=layers, categories=("arrest",)),
                     columns=VIEW_COLUMNS, index=index)
    assert len(made) == 20


def test_the_c_heap_is_trimmed_after_large_views_worth_of_rows_or_a_while_not_after_each_small_view(monkeypatch):
    trims, now = [], [1000.0]
    monkeypatch.setattr(resident, "release_memory", lambda collect=True: trims.append(collect))
    monkeypatch.setattr(resident.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(resident, "TRIM_AFTER_ROWS", 100)
    monkeypatch.setattr(resident, "COLLECT_AFTER_ROWS", 10_000)
    cache = FrameCache(max_entries=50, max_rows=10_000)
    frame = lambda n: ({"incidents": pd.DataFrame({"id": range(n)})}, None)  # noqa: E731
    cache.get("first", lambda: frame(10))  # the process's first view: trimmed after (nothing trimmed before)
    assert trims == [False]
    for key in range(9):  # a bundle's views at once: 90 rows built, the heap left as it is (a trim walks all of it)
        cache.get(key, lambda: frame(10))
    assert trims == [False]
    cache.get("tenth", lambda: frame(10))  # 100 rows built since the last trim: this build trims
    assert trims == [False, False]
    cache.get("large", lambda: frame(150))  # a large view (a year of a million incidents): a trim each
    cache.get("larger", lambda: frame(150))
    assert trims == [False] * 4
    cache.get("small", lambda: frame(10))
    now[0] += resident.TRIM_EVERY_SECONDS  # a reader alone, a while after: its small view trims, as before
    cache.get("later", lambda: frame(10))
    assert trims == [False] * 5


def test_settling_the_collector_freezes_what_is_alive_and_collects_the_young_less_often():
    import gc

    from geodata.view.resident import GC_YOUNG_THRESHOLD, settle_collector

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # Python's own (a run of the app in this process settled it already)
        kept = [object() for _ in range(10)]
        settle_collector()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10) and GC_YOUNG_THRESHOLD > 700
        assert gc.get_freeze_count() >= len(kept)  # out of the collector's passes from now on
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
