"""How long the AOR of a million incidents takes: the point-in-polygon join and the view's cache.

    python3 benchmarks/bench_aor.py [--rows 1000000]

Prints seconds for (1) every point distinct, (2) points that share places (coordinates
rounded to 0.1 degree, as records placed at city centres or H3 cells share them), and
(3) a second call of ``geodata.view.incident_aors`` on the same frame (the cache).
Compare within one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import shapely

from geodata.geography.aor import assign_aors, load_aor_areas
from geodata.view.selection import incident_aors


def frame(n: int, decimals: int | None, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-124, -67, n), rng.uniform(25, 49, n)
    if decimals is not None:
        lon, lat = lon.round(decimals), lat.round(decimals)
    precision = np.where(rng.random(n) < 0.05, "state", "city")
    return gpd.GeoDataFrame({"location_precision": precision, "state": "MN"}, geometry=shapely.points(lon, lat),
                            crs="EPSG:4326")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    n = parser.parse_args().rows
    areas = load_aor_areas()
    assign_aors(frame(1000, None), areas=areas)  # warm the polygon caches
    for label, decimals in (("distinct points", None), ("shared places (0.1 degree)", 1)):
        gdf = frame(n, decimals)
        places = len(np.unique(shapely.get_x(gdf.geometry.values) + 1j * shapely.get_y(gdf.geometry.values)))
        t = time.perf_counter()
        got = assign_aors(gdf, areas=areas)
        first = time.perf_counter() - t
        t = time.perf_counter()
        incident_aors(gdf)
        view_first = time.perf_counter() - t
        t = time.perf_counter()
        incident_aors(gdf)
        cached = time.perf_counter() - t
        print(f"{n:,} rows, {label}: {places:,} places; assign_aors {first:.2f} s; incident_aors first call "
              f"{view_first:.2f} s, cached {cached:.2f} s; {int(got['aor'].notna().sum()):,} in an AOR")


if __name__ == "__main__":
    main()
