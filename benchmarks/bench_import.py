"""Import speed and the precision reached: rows per second through reading, mapping, offline
geocoding, validation, deduplication and the store.

    python3 benchmarks/bench_import.py [--shared ../shared/data] [--rows 100000]

Prints, for the MN ICE Witness and kevinnbass fixtures and a synthetic file, rows per
second and how many rows reached each location precision. Compare ratios within one run:
the machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from geodata import load_bundle
from geodata.imports.ingest import import_incidents, load_store
from geodata.pipeline.incidents_import import Mapping

ROOT = Path(__file__).resolve().parents[1]
CITIES = [("Minneapolis", "MN", "55401"), ("Saint Paul", "MN", ""), ("El Paso", "TX", "79936"),
          ("Los Angeles", "CA", ""), ("Chicago", "IL", "60601"), ("Nowhere", "TX", ""), ("Broadview", "IL", "")]
TYPES = ["arrest", "mass_raid", "less_lethal", "shooting_by_agent", "protest", "death_in_custody", "other"]


def synthetic(path: Path, n: int, seed: int = 1) -> Path:
    rnd = random.Random(seed)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "title", "city", "state", "zip", "type", "source_url"])
        for i in range(n):
            city, st, z = rnd.choice(CITIES)
            day = f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            w.writerow([f"s{i}", day, f"Event {i}", city, st, z if rnd.random() < 0.5 else "", rnd.choice(TYPES),
                        f"https://example.org/{i}"])
    return path


def run(label: str, files: list[Path], mapping: Mapping | None, facilities) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.geojson"
        rows = 0
        counts = Counter()
        t = time.perf_counter()
        for f in files:
            r = import_incidents(f, store, mapping=mapping, facilities=facilities)
            rows += r.rows
            counts.update(stored=r.stored, merged=r.merged, rejected=r.rejected)
        seconds = time.perf_counter() - t
        precision = Counter(load_store(store)["location_precision"])
    print(f"{label:<14} {rows:>7,} rows {seconds:>7.2f} s {rows / seconds:>9,.0f} rows/s   "
          f"stored {counts['stored']:,} merged {counts['merged']:,} rejected {counts['rejected']:,}   "
          f"precision: {dict(sorted(precision.items()))}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    shared = Path(args.shared)
    facilities = load_bundle().facilities
    mn = shared / "mn-ice-witness" / "incidents-summary.json"
    kevin = sorted((shared / "incidents-2025-2026-kevinnbass").glob("tier*.json"))
    if mn.exists():
        run("mn-ice-witness", [mn], Mapping.load(ROOT / "mappings" / "mn-ice-witness.toml"), facilities)
        run("kevinnbass", kevin, Mapping.load(ROOT / "mappings" / "kevinnbass.toml"), facilities)
    else:
        print(f"(fixtures not found under {shared}: synthetic only)")
    with tempfile.TemporaryDirectory() as tmp:
        path = synthetic(Path(tmp) / "synthetic.csv", args.rows)
        run("synthetic", [path], None, facilities)


if __name__ == "__main__":
    main()
