"""Hostile files: how long reading takes to refuse them, and how much memory it takes meanwhile.

    python3 benchmarks/bench_hostile.py

Each case runs in a fresh subprocess, so its peak resident memory (``ru_maxrss``, beyond the
interpreter and pandas) is its own.  Issue 8 measured, before the limits: a 1.2 MB gzip bomb
7.3 GB and 227 s, a 200,000-column header 212 s.  The machine is shared: compare within a run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASE = r"""
import gzip, json, resource, sys, time
from pathlib import Path
from geodata.core.report import GeodataError
from geodata.pipeline.tables import MB, read_table

kind, path = sys.argv[1], Path(sys.argv[2])
if kind == "gzip bomb (1.2 MB -> 1.2 GB)":
    member = gzip.compress(b"\n" * (10 * MB), compresslevel=9)
    path.write_bytes(gzip.compress(b"date,title\n") + member * 120)
elif kind == "200,000-column header":
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n" + "x," * 199_999 + "x\n")
elif kind == "JSON, 1,000 keys x 20,000 records":
    path.write_text(json.dumps([{f"k{i}": i for i in range(1000)} for _ in range(20_000)]))
elif kind == "JSON nested 100,000 deep":
    path.write_text("[" * 100_000 + "]" * 100_000)
elif kind == "CSV, 200,000 rows":
    path.write_text("date,title,city\n" + "2026-01-07,An event,Minneapolis\n" * 200_000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    df = read_table(path)
    outcome = f"read {len(df):,} rows x {len(df.columns) - 1:,} columns"
except GeodataError as exc:
    outcome = f"refused: {exc}".replace(str(path), path.name)
elapsed = time.perf_counter() - t
growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{kind:36} {elapsed:7.2f} s {growth:8.0f} MB  {outcome}")
"""

CASES = ["gzip bomb (1.2 MB -> 1.2 GB)", "200,000-column header", "JSON, 1,000 keys x 20,000 records",
         "JSON nested 100,000 deep", "CSV, 200,000 rows"]


def main() -> None:
    print(f"{'case':36} {'time':>9} {'memory':>11}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for i, kind in enumerate(CASES):
            path = Path(tmp) / (f"case{i}.json" if "JSON" in kind else f"case{i}.csv")
            subprocess.run([sys.executable, "-c", CASE, kind, str(path)], cwd=ROOT, check=True)
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
