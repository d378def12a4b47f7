"""How long counting DDP's arrests table takes: read, drop duplicates, place, count by county and week.

    python3 benchmarks/bench_arrests.py [--rows 1000000]

Writes a synthetic parquet file in the schema of ``arrests-latest.parquet`` to a temporary
folder (dates over two years, 60 counties named in the ``county`` column, 5% without a
county but with a county jail as landmark, 5% marked as duplicates), then prints the
seconds to read it and to aggregate it, and how many cells were published and suppressed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.sources.ddp_arrests import aggregate_arrests, read_arrests, summary

COUNTIES = [("MINNESOTA", "HENNEPIN"), ("MINNESOTA", "RAMSEY"), ("TEXAS", "HARRIS"), ("TEXAS", "EL PASO"),
            ("CALIFORNIA", "LOS ANGELES"), ("ILLINOIS", "COOK"), ("FLORIDA", "MIAMI-DADE"), ("GEORGIA", "FULTON")]


def synthetic(path: Path, n: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(COUNTIES), n)
    states = np.array([c[0] for c in COUNTIES], dtype=object)[pick]
    counties = np.array([c[1] for c in COUNTIES], dtype=object)[pick]
    no_county = rng.random(n) < 0.05
    landmark = np.where(no_county, np.char.add(counties.astype(str), " COUNTY JAIL"), "FUG OPS")
    days = pd.Timestamp("2023-10-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    pd.DataFrame({
        "apprehension_date": days.date,
        "apprehension_state_filled_in": states,
        "county": np.where(no_county, None, counties),
        "apprehension_aor": "Some Area of Responsibility",
        "event_landmark": landmark,
        "apprehension_method": "Located",
        "duplicate_drop_row": rng.random(n) < 0.05,
    }).to_parquet(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    n = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        path = synthetic(Path(tmp) / "arrests-latest.parquet", n)
        t = time.perf_counter()
        rows = read_arrests(path)
        read_s = time.perf_counter() - t
        t = time.perf_counter()
        cells = aggregate_arrests(rows)
        agg_s = time.perf_counter() - t
    print(f"{n:,} rows: read {read_s:.2f} s, aggregate {agg_s:.2f} s")
    print(summary(cells))


if __name__ == "__main__":
    main()
