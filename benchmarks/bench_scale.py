"""The store and the export at scale: ``python3 benchmarks/bench_scale.py 10000 100000 1000000``.

``--store postgresql://user@host:port/db`` measures the PostGIS store instead of a
folder: the database is migrated and re-seeded for each N (its data is replaced), and
"store_MB" is the size of its tables with their indexes.

For each N, in a fresh process (so peak memory is that N's): build a store (``geodata init``
then N realistic synthetic incidents written through the project's write path,
``ParquetStore.write_incidents``; not the CSV import, whose mapping step another change
is speeding up), then measure

* store bytes, write s (the N records in one atomic write), store load s (every
  incident into a GeoDataFrame, as ``load_bundle`` gave the app), query90 s (a 90-day
  view through ``Store.view_frames``, dates pushed into the store, with the columns the
  map's figures read, ``VIEW_COLUMNS``, as the app asks), query90_all s (the same view with
  every column, as an export reads it): each the fastest and the median of three runs
  (for PostGIS after ``VACUUM ANALYZE``, which autovacuum runs within a minute of a large write),
* export: GeoJSON features/s of the project's writer and of ``gdf.to_json`` on the
  same frame in the same run (``gdf.to_json`` on at most ``--to-json-max`` rows: it
  holds every feature as a dict), CSV rows/s,
* import_1k_s: ``import_incidents`` of a 1,000-row CSV (one month, with coordinates) into the
  store of N: the full import path, reading only the dedupe candidates and rewriting one year,
* peak RSS of the process (before the map is measured),
* the map of all the incidents, as ``benchmarks/bench_map_scale.py`` measures it
  (:func:`bench_map_scale.measure_map`: built as the app builds it, opened in headless
  Chromium): kB the app sends per rerun for the map, the points file's bytes a point,
  first paint, a date change's redraw and click-to-popup.  ``--no-map`` leaves them out.

Rates are the best of three runs (the first run in a process is up to twice slower: its
memory is new), per wall-clock second, and in brackets per CPU second of the process (all
its threads).

Synthetic records:
60-character titles, 200-character descriptions (with quotes and line breaks),
one or two source URLs, 80 % known to the day, 14 % to the month, 6 % to the year,
spread over October 2022 to March 2026, US-wide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _children import print_each  # noqa: E402

COLUMNS = ["N", "store_MB", "write_s", "load_s", "query90_s min (median)", "query90_rows",
           "query90_all_s min (median)", "geojson_feat/s (per CPU s)",
           "to_json_feat/s (per CPU s)", "speedup", "csv_rows/s", "import_1k_s", "peak_RSS_MB",
           "sent_kB/rerun", "file_B/pt", "first_paint_s", "redraw_ms (filter)", "popup_ms"]

WORDS = ("agents detained workers outside a car wash in the early morning while neighbours filmed the arrest "
         "and a crowd gathered near the \"federal building\" protest march school church courthouse raid "
         "family separated officers masked vehicles unmarked witnesses said lawyers were denied access").split()


def synthetic(n: int, seed: int = 0):
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geodata.core.schema import CATEGORIES, CRS

    rng = np.random.default_rng(seed)
    pool = 4096
    titles = np.array([(" ".join(rng.choice(WORDS, 14)).capitalize() + " " * 60)[:52] for _ in range(pool)])
    descs = np.array([(" ".join(rng.choice(WORDS, 45)) + " " * 200)[:190].replace(" and ", " and\n", 1)
                      for _ in range(pool)])
    idx = np.arange(n)
    num = pd.Series(idx).map("{:07d}".format)
    pick = rng.integers(0, pool, n)
    first = dt.date(2022, 10, 1)
    offsets = rng.integers(0, (dt.date(2026, 3, 31) - first).days, n)
    start = pd.to_datetime(first) + pd.to_timedelta(offsets, unit="D")
    kind = rng.choice(np.array(["day", "month", "year"]), n, p=[0.8, 0.14, 0.06])
    month_start = start.to_period("M").to_timestamp()
    year_start = start.to_period("Y").to_timestamp()
    s = np.where(kind == "day", start, np.where(kind == "month", month_start, year_start))
    s = pd.DatetimeIndex(s)
    e = pd.DatetimeIndex(np.where(kind == "day", s, np.where(kind == "month", s + pd.offsets.MonthEnd(0),
                                                              s + pd.offsets.YearEnd(0))))
    date_text = np.where(kind == "day", s.strftime("%Y-%m-%d"), np.where(kind == "month", s.strftime("%Y-%m"),
                                                                          s.strftime("%Y")))
    states = rng.choice(np.array(["CA", "TX", "IL", "NY", "MN", "FL", "AZ", "GA", "WA", "NJ"]), n)
    url = ("https://www.example-news.org/" + s.strftime("%Y/%m/%d").to_numpy().astype(object) + "/story-"
           + num.to_numpy().astype(object))
    second = rng.random(n) < 0.3
    url = np.where(second, url + " https://witness.example.net/r/" + num.to_numpy().astype(object), url)
    frame = pd.DataFrame({
        "id": "bench:" + num,
        "category": rng.choice(np.array(CATEGORIES), n),
        "title": pd.Series(titles[pick]) + " " + num,
        "date": date_text, "date_precision": kind, "date_start": s.strftime("%Y-%m-%d"),
        "date_end": e.strftime("%Y-%m-%d"),
        "place": pd.Series(rng.choice(np.array(["Main Street", "City Hall", "", "Courthouse"]), n)),
        "city": rng.choice(np.array(["Los Angeles", "Houston", "Chicago", "New York", "Minneapolis", "Miami"]), n),
        "state": states, "facility_id": None,
        "location_precision": rng.choice(np.array(["block", "city", "address", "state"]), n, p=[.4, .45, .1, .05]),
        "location_method": "gazetteer: city centre",
        "description": pd.Series(descs[pick]) + " (" + num + ")",
        "source_name": rng.choice(np.array(["Local News", "Witness network", "Court filing"]), n),
        "source_urls": url, "verification": rng.choice(np.array(["news_report", "unverified"]), n),
    })
    xs, ys = rng.uniform(-124, -67, n).round(6), rng.uniform(25, 49, n).round(6)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs=CRS)


def _mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _best(run, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` runs: (items per wall second, items per CPU second of that run)."""
    best = (0.0, 0.0)
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        n = run()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if n / wall > best[0]:
            best = (n / wall, n / max(cpu, 1e-9))
    return best


def _times(run, repeat: int = 3) -> str:
    """Seconds of ``repeat`` runs: "fastest (median)"."""
    import statistics

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return f"{min(times):.2f} ({statistics.median(times):.2f})"


def _vacuum(store) -> None:
    """What autovacuum does within a minute of a large write: the table's pages marked all-visible (an
    index-only scan then reads no table page) and its statistics taken."""
    import psycopg

    with psycopg.connect(store._dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE incidents")


def _db_mb(store) -> float:
    with store._connection() as conn:
        return float(conn.execute("SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['incidents', 'facilities', "
                            "'facility_population', 'build_report']) AS c").fetchone()[0]) / 1e6


def _map_figures(incidents) -> list[str]:
    """The map's columns, from the map benchmark's own measuring code."""
    from bench_map_scale import measure_map

    from geodata import load_bundle

    b = measure_map(incidents, load_bundle())
    return [f"{b['sent_bytes'] / 1e3:,.0f}", f"{b['file_bytes'] / b['n']:.2f}", f"{b['first_paint_ms'] / 1e3:.1f}",
            f"{b['redraw_ms']:,.0f} ({b['filter_ms']:,.0f})", f"{b['click_ms']:,.0f}"]


def one(n: int, to_json_max: int, location: str | None = None, with_map: bool = True) -> list[str]:
    from geodata import load_bundle
    from geodata.export.writers import write_csv, write_geojson
    from geodata.imports.ingest import import_incidents
    from geodata.store import VIEW_COLUMNS, open_store
    from geodata.view import View
    from geodata.view import frames as frames_of

    batch = synthetic(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = location or Path(tmp) / "store"
        store = open_store(folder, create=True)
        store.seed(load_bundle())
        t = time.perf_counter()
        store.write_incidents(batch)
        write_s = time.perf_counter() - t
        del batch
        t = time.perf_counter()
        reader = open_store(folder)
        inc = reader.incidents()
        load_s = time.perf_counter() - t
        view = View(start="2025-06-01", end=dt.date(2025, 6, 1) + dt.timedelta(days=89))
        if location:
            _vacuum(reader)
        query_s = _times(lambda: frames_of(reader, view, columns=VIEW_COLUMNS))
        frames, _ = frames_of(reader, view, columns=VIEW_COLUMNS)
        q_rows = len(frames["incidents"])
        all_s = _times(lambda: frames_of(reader, view))

        out = Path(tmp) / "all.geojson"
        frame = {"incidents": inc}
        geo_rate, geo_cpu = _best(lambda: write_geojson(frame, out))
        sub = inc.iloc[: min(len(inc), to_json_max)]
        to_json_rate, to_json_cpu = _best(lambda: (sub.to_json(), len(sub))[1])
        csv_rate, _ = _best(lambda: write_csv(frame, Path(tmp) / "all.csv"))
        store_mb = _db_mb(reader) if location else _mb(folder)
        # The import path into the big store: a 1,000-row CSV of one month (candidates read, one year rewritten).
        src = Path(tmp) / "june.csv"
        src.write_text("date,title,city,state,latitude,longitude,source_url,public_place\n" + "".join(
            f"2025-06-{1 + i % 30:02d},Bench import {i},Minneapolis,MN,{44.9 + i % 97 / 1000:.4f},"
            f"{-93.3 + i % 89 / 1000:.4f},https://example.org/june/{i},yes\n" for i in range(1000)))
        t = time.perf_counter()
        result = import_incidents(src, reader)
        import_s = time.perf_counter() - t
        assert result.stored + result.merged + result.rejected == 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = "" if len(sub) == len(inc) else f" (on {len(sub):,})"
    return [f"{n:,}", f"{store_mb:.1f}", f"{write_s:.2f}", f"{load_s:.2f}", query_s, f"{q_rows:,}", all_s,
            f"{geo_rate:,.0f} ({geo_cpu:,.0f})", f"{to_json_rate:,.0f} ({to_json_cpu:,.0f}){label}",
            f"{geo_rate / to_json_rate:.0f}x", f"{csv_rate:,.0f}", f"{import_s:.1f}",
            f"{rss:,.0f}", *(_map_figures(inc) if with_map else ["n/a"] * 5)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="+", type=int, help="numbers of incidents")
    parser.add_argument("--to-json-max", type=int, default=200_000,
                        help="measure gdf.to_json on at most this many rows (default 200,000)")
    parser.add_argument("--store", help="a postgresql:// URL: measure the PostGIS store (its data is replaced)")
    parser.add_argument("--no-map", action="store_true", help="leave out the map in the browser")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("\t".join(one(args.n[0], args.to_json_max, args.store, not args.no_map)))
        return
    print_each(__file__, args.n, ["--to-json-max", str(args.to_json_max),
                *(["--store", args.store] if args.store else []), *(["--no-map"] if args.no_map else [])], COLUMNS)

if __name__ == "__main__":
    main()
