"""The export end to end, against the toolchain's floor: ``python3 benchmarks/bench_export.py 100000 1000000``.

For each N: a folder store of the bundled data plus N realistic synthetic incidents
(``bench_scale.synthetic``: 60-character titles, 200-character descriptions with quotes and
line breaks, one or two source URLs), then, in turns (A B C A B C ..., so a slower moment of
the shared machine falls on all of them), each a whole process:

* ``geojson``: ``geodata export --store S --layer incidents -o x.geojson`` (reads the view,
  sorts it, writes the file atomically);
* ``csv``: the same with ``-o x.csv``;
* ``floor``: a Python process that reads the store's incident files whole with pyarrow and
  writes them with ``pyarrow.csv``, fsynced: what the toolchain does at best with these bytes;
* ``to_json``: ``gdf.to_json()`` of the same view: the GeoDataFrame the view gives
  (``geodata.view.frames(store, View(layers=("incidents",)))``, what the map and the export
  were built from before the export read Arrow columns), the call alone timed inside its
  process, on at most ``--to-json-max`` rows and scaled to N (it holds every feature as a dict:
  several GB at 1e6).  The ratio compares that call with the *whole* export command.

Every command is a whole process (``python -m geodata export ...``), timed from outside
(``os.wait4``: wall, user + system CPU of the process and its threads, peak RSS).  Python's
bytecode is cached as an installed package has it (``PYTHONPYCACHEPREFIX`` in the temporary
folder, compiled before the first turn), also where ``PYTHONDONTWRITEBYTECODE`` is set.

Printed per N: the median wall seconds, CPU seconds and peak RSS (MB) of each command, and
the medians of the per-turn ratios geojson/floor and csv/floor (targets: <= 3 and <= 1.5),
and to_json/geojson and to_json/csv (target: >= 15).  Figures are for this machine; compare
the ratios.  ``--keep DIR`` keeps the synthetic stores in DIR (``DIR/N``, made there when
absent), so a second run at 1e6 does not build its store again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FLOOR = """
import glob, os, sys
import pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
files = sorted(glob.glob(os.path.join(sys.argv[1], "incidents-*.parquet")))
table = pa.concat_tables([pq.read_table(f) for f in files])
table = table.drop_columns([c for c in table.column_names if pa.types.is_binary(table[c].type)])  # the WKB
with open(sys.argv[2], "wb") as fh:
    pacsv.write_csv(table, fh)
    fh.flush()
    os.fsync(fh.fileno())
"""

TO_JSON = """
import sys, time
from geodata import View
from geodata.store import open_store
from geodata.view import frames
inc = frames(open_store(sys.argv[1]), View(layers=("incidents",)))[0]["incidents"]
sub = inc.iloc[: int(sys.argv[2])]
t, c = time.perf_counter(), time.process_time()
text = sub.to_json()
print(len(sub), time.perf_counter() - t, time.process_time() - c, len(inc))
"""


ENV = dict(os.environ, PYTHONPATH=str(ROOT))
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def _run(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s (user + system of the process and its threads) and peak RSS MB of one command."""
    env = ENV
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def make_store(n: int, path: str) -> None:
    from bench_scale import synthetic

    from geodata import load_bundle
    from geodata.store import open_store

    store = open_store(path, create=True)
    store.seed(load_bundle())
    store.write_incidents(synthetic(n))


def one(n: int, runs: int, to_json_max: int, keep: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        py = sys.executable
        store = Path(keep) / str(n) if keep else tmp / "store"
        if not (store / "manifest.json").exists():
            # In a child: this process stays small, so the commands it starts do not inherit its peak RSS.
            _run([py, __file__, str(n), "--make", str(store)])
        ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        _run([py, "-m", "compileall", "-q", str(ROOT / "geodata")])
        commands = {
            "geojson": [py, "-m", "geodata", "export", "--store", str(store), "--layer", "incidents",
                        "-o", str(tmp / "x.geojson")],
            "csv": [py, "-m", "geodata", "export", "--store", str(store), "--layer", "incidents",
                    "-o", str(tmp / "x.csv")],
            "floor": [py, "-c", FLOOR, str(store), str(tmp / "floor.csv")],
        }
        seen = {k: [] for k in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                seen[name].append(_run(cmd)[:3])
                for f in tmp.glob("*.*sv"):
                    f.unlink()
                for f in tmp.glob("*.geojson"):
                    f.unlink()
        _, _, to_json_rss, out = _run([py, "-c", TO_JSON, str(store), str(to_json_max)])
        rows, secs, cpu, total = out.split()
        to_json_s, to_json_cpu = (float(v) * int(total) / int(rows) for v in (secs, cpu))

    def med(name, k):
        return statistics.median(r[k] for r in seen[name])

    def ratio(a, b, k=0):
        return statistics.median(x[k] / y[k] for x, y in zip(seen[a], seen[b]))

    print(f"N = {n:,} ({int(total):,} incidents in the view), {runs} turns; median wall s / CPU s / peak MB:")
    for name in commands:
        print(f"  {name:<8} {med(name, 0):7.2f} s {med(name, 1):7.2f} s {med(name, 2):7.0f} MB")
    on = "" if int(rows) == int(total) else f", timed on {int(rows):,} rows and scaled"
    print(f"  to_json  {to_json_s:7.2f} s {to_json_cpu:7.2f} s (the call alone{on}; its process: {to_json_rss:.0f} MB)")
    for k, what in ((0, "wall"), (1, "CPU")):
        to_json = (to_json_s, to_json_cpu)[k]
        print(f"  {what:<4} geojson/floor {ratio('geojson', 'floor', k):.2f}x (target <= 3), csv/floor "
              f"{ratio('csv', 'floor', k):.2f}x (target <= 1.5); to_json/geojson {to_json / med('geojson', k):.1f}x, "
              f"to_json/csv {to_json / med('csv', k):.1f}x (target >= 15)", flush=True)
    print(f"  peak RSS geojson {med('geojson', 2) / 1024:.2f} GB, csv {med('csv', 2) / 1024:.2f} GB "
          "(target <= 1.5 GB at 1e6)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="+", type=int, help="numbers of synthetic incidents")
    parser.add_argument("--runs", type=int, default=3, help="turns of the three commands (default 3)")
    parser.add_argument("--to-json-max", type=int, default=100_000,
                        help="time gdf.to_json on at most this many rows (default 100,000)")
    parser.add_argument("--keep", metavar="DIR", help="keep the synthetic stores in DIR/N (made when absent)")
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_store(args.n[0], args.make)
        return
    for n in args.n:
        one(n, args.runs, args.to_json_max, args.keep)


if __name__ == "__main__":
    main()
