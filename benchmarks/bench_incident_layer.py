"""Page size and build time of the incident layer: one canvas layer vs one Folium marker per point.

    python3 benchmarks/bench_incident_layer.py [N ...]

Prints, for each N, the seconds to build and render the map page and the page's size, for the
project's canvas layer with its popups in the page, the same layer compact (popups served as
shards, as the app draws it) and (up to 20,000 points, as it gets slow) for
``folium.CircleMarker`` per point. Compare the ratios: this machine is shared, and absolute times
move.  Run from the repository as ``PYTHONPATH=. python3 benchmarks/bench_incident_layer.py``.
"""

from __future__ import annotations

import sys
import time

import folium
import geopandas as gpd
import numpy as np

from geodata.core.schema import CATEGORIES, CRS, INCIDENT_COLUMNS
from layers import base_map, build_map, compose_map, incidents_layer


def synthetic_incidents(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-124, -67, n)
    lat = rng.uniform(25, 49, n)
    days = rng.integers(0, 700, n)
    dates = (np.datetime64("2025-01-01") + days).astype(str)
    cats = np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)]
    frame = {c: [""] * n for c in INCIDENT_COLUMNS}
    frame.update(
        id=[f"syn-{i}" for i in range(n)], category=cats, title=[f"Synthetic incident {i}" for i in range(n)],
        date=dates, date_precision="day", date_start=dates, date_end=dates, place="Somewhere, ST",
        location_precision=np.where(rng.random(n) < 0.3, "city", "zip"), location_method="synthetic",
        description="A synthetic record for measuring.", source_name="Benchmark",
        source_urls=[f"https://example.org/{i}" for i in range(n)], verification="unverified",
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=CRS)


def canvas_page(gdf) -> tuple[float, int]:
    t = time.perf_counter()
    html = build_map(None, gdf, tiles=None).get_root().render()
    return time.perf_counter() - t, len(html.encode())


def compact_page(gdf) -> tuple[float, int]:
    t = time.perf_counter()
    layer = incidents_layer(gdf, records_url="records")
    html = compose_map(base_map(tiles=None, script_url="js"), [layer]).get_root().render()
    return time.perf_counter() - t, len(html.encode())


def marker_page(gdf) -> tuple[float, int]:
    t = time.perf_counter()
    m = folium.Map(tiles=None, prefer_canvas=True)
    for (x, y), title in zip(zip(gdf.geometry.x, gdf.geometry.y), gdf["title"]):
        folium.CircleMarker([y, x], radius=5, popup=title).add_to(m)
    html = m.get_root().render()
    return time.perf_counter() - t, len(html.encode())


def main(sizes: list[int]) -> None:
    print(f"{'points':>8} {'canvas s':>9} {'canvas MB':>10} {'compact s':>10} {'compact MB':>11} "
          f"{'markers s':>10} {'markers MB':>11} {'time ratio':>11}")
    for n in sizes:
        gdf = synthetic_incidents(n)
        ct, cb = canvas_page(gdf)
        kt, kb = compact_page(gdf)
        head = f"{n:>8,} {ct:>9.2f} {cb / 1e6:>10.2f} {kt:>10.2f} {kb / 1e6:>11.2f}"
        if n <= 20_000:
            mt, mb = marker_page(gdf)
            print(f"{head} {mt:>10.2f} {mb / 1e6:>11.2f} {mt / ct:>10.1f}x")
        else:
            print(f"{head} {'(skipped)':>10} {'':>11} {'':>11}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
