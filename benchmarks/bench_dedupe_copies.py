"""Deduplication of one event repeated many times in a file: rows vs seconds (issue 20).

    python3 benchmarks/bench_dedupe_copies.py [N ...]            # default: 2000 8000 20000 100000
    python3 benchmarks/bench_dedupe_copies.py --import [N ...]   # the whole import of a CSV of N copies

Each N is a table of N reports of one raid (one day, one place, one title), each citing a page of its own, put
through :func:`geodata.pipeline.dedupe.find_duplicates` alone (no reading, no store). One line per N: seconds
(wall and CPU), the candidate pairs checked, the rows merged, and seconds per 1,000 rows (flat when the time
is linear in N). With ``--import``, the same rows as a CSV go through
:func:`geodata.imports.ingest.import_incidents` into a new GeoJSON store (reading, validation, the merge of
the sources into one record): CPU seconds and the stored/merged accounting. Copies are matched once, through
their first copy; before that, every pair of copies was checked (2,000 rows 0.5 s, 8,000 rows 6.0 s, 20,000
rows 45 s on the 2-core machine, December 2026). The machine may be shared: compare within one run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

from geodata.pipeline import dedupe


def copies(n: int) -> gpd.GeoDataFrame:
    rows = [{"date_precision": "day", "date_start": "2025-06-01", "date_end": "2025-06-01", "city": "Denver",
             "state": "CO", "person": None, "canonical_id": None, "title": "One raid", "category": "arrest",
             "source_urls": f"https://e.example/{i}"} for i in range(n)]
    return gpd.GeoDataFrame(rows, geometry=[Point(-104.99, 39.74)] * n, crs="EPSG:4326")


def main(sizes: list[int]) -> None:
    print(f"{'rows':>8} {'wall s':>8} {'CPU s':>8} {'pairs checked':>14} {'merged':>8} {'s / 1,000 rows':>15}")
    for n in sizes:
        frame = copies(n)
        wall, cpu = time.perf_counter(), time.process_time()
        dup = dedupe.find_duplicates(frame)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{n:>8,} {wall:8.2f} {cpu:8.2f} {dedupe.last_pairs_checked:>14,} {len(dup):>8,} "
              f"{1000 * wall / n:15.4f}")


def main_import(sizes: list[int]) -> None:
    from geodata.imports.ingest import import_incidents

    header = "id,date,title,city,state,latitude,longitude,source_url\n"
    print(f"{'rows':>8} {'wall s':>8} {'CPU s':>8} {'stored':>7} {'merged':>8} {'rejected':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm = tmp / "warm.csv"  # the gazetteer and the importers loaded before timing
        warm.write_text(header + "0,2025-06-01,One raid,Denver,CO,39.74,-104.99,https://e.example/0\n")
        import_incidents(warm, tmp / "warm.geojson")
        for n in sizes:
            path = tmp / f"copies{n}.csv"
            path.write_text(header + "".join(f"{i},2025-06-01,One raid,Denver,CO,39.74,-104.99,https://e.example/{i}\n"
                                             for i in range(n)))
            wall, cpu = time.perf_counter(), time.process_time()
            r = import_incidents(path, tmp / f"store{n}.geojson")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"{n:>8,} {wall:8.2f} {cpu:8.2f} {r.new:>7,} {r.merged:>8,} {r.rejected:>9,}")


if __name__ == "__main__":
    args = sys.argv[1:]
    whole = "--import" in args
    sizes = [int(a) for a in args if a != "--import"] or [2000, 8000, 20000, 100000]
    (main_import if whole else main)(sizes)
