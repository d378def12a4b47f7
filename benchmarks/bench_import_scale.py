"""Import at scale: rows per second and peak memory of ``import_incidents`` on realistic synthetic files.

    python3 benchmarks/bench_import_scale.py [N ...]          # default: 10000 100000
    python3 benchmarks/bench_import_scale.py 1000000 --mode pipeline
    nice python3 benchmarks/bench_import_scale.py 1000000 --mode cli [--csv FILE] [--stages]

Each N is a CSV written with :func:`synthetic_rows` (60-character titles, 200-character
descriptions, source URLs; 80 % with coordinates, 20 % placed by city and state through the
gazetteer; a few percent second reports of one event, some rows to reject) and imported into
a new store in a child process, so that its peak RSS is its own.  One line per N and mode: wall
and CPU seconds, rows per CPU second, peak RSS, the stored/merged/rejected accounting, and the
CPU seconds of each stage (read, map, validate, dedupe, store and the rest of the run).  Mode
``pipeline`` stops before the store (``--mode pipeline`` for a million rows when the store is
the GeoJSON one).  CPU seconds are the honest figure on a shared machine; compare within one run.

Mode ``cli`` is the real command line end to end: ``geodata init --store DIR``, then
``/usr/bin/time -v python3 -m geodata import incidents FILE --store DIR`` (a folder store);
it prints wall seconds, CPU seconds, rows per wall second, the peak RSS that ``time`` saw and
the accounting from the command's own summary.  ``--csv FILE`` imports that file instead of
writing one (a million rows take half a minute to write); ``--stages`` runs the same command
in a child that samples its RSS every 50 ms and prints the peak and wall seconds of each
stage (read, map, validate, candidates, merge with dedupe, write).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TYPES = ["arrest", "mass_raid", "less_lethal", "shooting_by_agent", "protest", "death_in_custody", "detention",
         "workplace_raid", "vigil", "other"]
PEOPLE = ["Alex Pretti", "Maria Lopez", "John Smith", "Renee Good", "Ana Cruz", "Luis Ortega", "Kim Tran",
          "Jose Ramirez", "Li Wei", "Fatima Noor"]
_SYLLABLES = ["ra", "mo", "ti", "ken", "sal", "dor", "vi", "pen", "lu", "gar", "es", "tro", "min", "ca", "bel", "ny"]


def _vocabulary(rnd: np.random.Generator, n: int = 2000) -> np.ndarray:
    words = {"".join(rnd.choice(_SYLLABLES, rnd.integers(2, 4))) for _ in range(n * 2)}
    return np.array(sorted(words)[:n])


def _sentences(rnd, vocab, n: int, words: int, width: int) -> list[str]:
    idx = rnd.integers(0, len(vocab), size=(n, words))
    return [" ".join(row)[:width].rstrip().capitalize() for row in vocab[idx]]


def _cities():
    """US places with the number of ZIPs each has (a rough stand-in for population)."""
    import zipcodes

    counts: dict[tuple[str, str], int] = {}
    for z in zipcodes.list_all():
        if z.get("state") and z.get("city") and z.get("lat") not in (None, "", "0"):
            counts[(z["city"].title(), z["state"])] = counts.get((z["city"].title(), z["state"]), 0) + 1
    from geodata.geography.geocode import gazetteer

    gaz = gazetteer()
    places, weights, lonlat = [], [], []
    for (city, st), k in counts.items():
        hit = gaz.city(city, st)
        if hit is not None:
            places.append((city, st))
            weights.append(k)
            lonlat.append((hit.lon, hit.lat))
    w = np.array(weights, dtype=float) ** 1.5  # big cities report more
    return places, w / w.sum(), np.array(lonlat)


def synthetic_rows(path: Path, n: int, seed: int = 1) -> Path:
    """Write ``n`` realistic incident rows to ``path`` (CSV)."""
    rnd = np.random.default_rng(seed)
    vocab = _vocabulary(rnd)
    places, weights, lonlat = _cities()
    city_idx = rnd.choice(len(places), size=n, p=weights)
    day0 = dt.date(2023, 1, 1)
    days = rnd.integers(0, 1400, size=n)
    titles = _sentences(rnd, vocab, n, 12, 60)
    descriptions = _sentences(rnd, vocab, n, 40, 200)
    has_xy = rnd.random(n) < 0.8
    jitter = rnd.normal(0, 0.03, size=(n, 2))
    kind = rnd.random(n)  # < 0.03: second report (same title); < 0.04: shared article; then rejects
    prev = (rnd.random(n) * np.arange(n)).astype(np.int64)  # an earlier row
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "description", "type", "city", "state", "latitude", "longitude", "person",
                    "source_url"])
        rows = []
        for i in range(n):
            j = int(prev[i]) if i and kind[i] < 0.04 else i
            city, st = places[city_idx[j]]
            date = (day0 + dt.timedelta(days=int(days[j]))).isoformat()
            if i % 97 == 3:
                date = date[:7]  # known to the month
            title = titles[j] if kind[i] < 0.03 else titles[i]
            person = PEOPLE[i % len(PEOPLE)] if i % 10 == 0 and kind[i] >= 0.04 else ""
            url = f"https://news{i % 50}.example.org/{date}/{title[:20].replace(' ', '-').lower()}-{i}"
            if 0.03 <= kind[i] < 0.04:
                url = f"https://news{j % 50}.example.org/shared-{j}"  # one article for both
                title, person = titles[i], ""
            typ = TYPES[(j * 7) % len(TYPES)]
            lat = lon = ""
            if has_xy[j]:
                lon, lat = (f"{v:.6f}" for v in lonlat[city_idx[j]] + jitter[j])
            if 0.04 <= kind[i] < 0.05:
                url = ""  # rejected: no source
            elif 0.05 <= kind[i] < 0.055:
                date = "soon"  # rejected: not a date
            elif 0.055 <= kind[i] < 0.057:
                date = "0001-01-01"  # rejected: impossible
            rows.append([date, title, descriptions[i], typ, city, st, lat, lon, person, url])
            if len(rows) == 50_000:
                w.writerows(rows)
                rows = []
        w.writerows(rows)
    return path


def _child(src: str, store: str, mode: str) -> None:
    """Import ``src`` into ``store`` (``import``), or run only the stages before the store
    (``pipeline``: read, map, validate, dedupe), timing each; print one JSON line."""
    import resource

    import geodata.imports.ingest as ingest

    timings: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] = timings.get(name, 0.0) + time.process_time() - t
        return run

    for name, attr in (("read", "read_table"), ("map", "map_incidents"), ("validate", "validate_incidents"),
                       ("dedupe", "find_duplicates"), ("store", "save_store"), ("load", "load_store")):
        setattr(ingest, attr, timed(name, getattr(ingest, attr)))
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "import":
        r = ingest.import_incidents(src, store)
        counts = {"rows": r.rows, "stored": r.stored, "merged": r.merged, "rejected": r.rejected}
    else:
        import geopandas as gpd

        from geodata.core.report import Report

        table = ingest.read_table(src)
        report = Report()
        mapped, rejects = ingest.map_incidents(table, source=Path(src).name, report=report)
        valid = ingest.validate_incidents(mapped, report, source=Path(src).name)
        frame = gpd.GeoDataFrame(valid[list(ingest.STORE_COLUMNS) + ["geometry"]], geometry="geometry")
        dup = ingest.find_duplicates(frame.reset_index(drop=True))
        counts = {"rows": len(table), "stored": len(valid) - len(dup), "merged": len(dup),
                  "rejected": len(table) - len(valid)}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timings["rest"] = cpu - sum(timings.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
    print(json.dumps({**counts, "seconds": wall, "cpu": cpu, "rss_mb": rss, "timings": timings}))


def run(n: int, mode: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src = synthetic_rows(Path(tmp) / f"synthetic-{n}.csv", n)
        mb = src.stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(src), str(Path(tmp) / "store.geojson"), mode],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
    stages = " ".join(f"{k} {v:.1f}" for k, v in res["timings"].items())
    ok = res["stored"] + res["merged"] + res["rejected"] == res["rows"]
    print(f"{mode:<8} {n:>9,} rows ({mb:,.0f} MB): {res['seconds']:7.1f} s wall, {res['cpu']:7.1f} s CPU, "
          f"{res['rows'] / res['cpu']:>8,.0f} rows per CPU s; peak RSS {res['rss_mb']:,.0f} MB; "
          f"stored {res['stored']:,} merged {res['merged']:,} rejected {res['rejected']:,} "
          f"({'accounted' if ok else 'NOT ACCOUNTED'}); CPU s: {stages}", flush=True)
    return res


_STAGES = (("read", "geodata.imports.ingest", "read_table"), ("map", "geodata.imports.ingest", "map_incidents"),
           ("validate", "geodata.imports.ingest", "validate_incidents"),
           ("candidates", "geodata.imports.ingest", "_candidate_keys"),
           ("candidates", "geodata.store.parquet:ParquetStore", "candidates"),
           ("merge+dedupe", "geodata.imports.ingest", "_merge"),
           ("write", "geodata.store.parquet:ParquetStore", "write_incidents"))


def _stages_child(src: str, store: str) -> int:
    """The command line's import of ``src``, with the peak RSS and wall seconds of each stage on stderr."""
    import importlib
    import threading

    def rss() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    current, peaks, seconds = ["start"], {}, {}

    def sample():
        while True:
            peaks[current[0]] = max(peaks.get(current[0], 0.0), rss())
            time.sleep(0.05)

    def wrap(name, owner, attr):
        fn = getattr(owner, attr)

        def run(*args, **kwargs):
            before, current[0] = current[0], name
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
                peaks[name] = max(peaks.get(name, 0.0), rss())
                current[0] = before
        setattr(owner, attr, run)

    for name, where, attr in _STAGES:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        wrap(name, getattr(owner, cls) if cls else owner, attr)
    threading.Thread(target=sample, daemon=True).start()
    from geodata.cli import main as cli

    current[0] = "rest"
    code = cli(["import", "incidents", src, "--store", store, "-q"])
    for name in dict.fromkeys(n for n, _, _ in _STAGES):
        print(f"stage {name:<13} {seconds.get(name, 0.0):6.1f} s wall, peak RSS {peaks.get(name, 0.0):6,.0f} MB",
              file=sys.stderr)
    print(f"stage {'rest':<13} peak RSS {peaks.get('rest', 0.0):6,.0f} MB", file=sys.stderr)
    return code


def run_cli(n: int, csv_path: str | None, stages: bool) -> None:
    """``geodata init`` and ``geodata import incidents`` as a user runs them, under ``/usr/bin/time -v``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(csv_path) if csv_path else synthetic_rows(Path(tmp) / f"synthetic-{n}.csv", n)
        store = Path(tmp) / "store"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "geodata", "init", "--store", str(store)], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        cmd = ([sys.executable, __file__, "--stages-child", str(src), str(store)] if stages
               else [sys.executable, "-m", "geodata", "import", "incidents", str(src), "--store", str(store), "-q"])
        timer = shutil.which("time") or "/usr/bin/time"
        out = subprocess.run([timer, "-v", *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
        err = out.stderr
        if out.returncode:
            raise SystemExit(f"import failed ({out.returncode}):\n{err[-3000:]}")
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
        wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        user = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1))
        system = float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))
        rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
        summary = re.search(r"(\d+) rows: (\d+) stored .*?, (\d+) merged, (\d+) rejected", err)
        rows, stored, merged, rejected = (int(g) for g in summary.groups())
        ok = stored + merged + rejected == rows
        mb = src.stat().st_size / 2**20
        print(f"cli      {rows:>9,} rows ({mb:,.0f} MB): {wall:7.1f} s wall, {user + system:7.1f} s CPU "
              f"({user:.1f} user + {system:.1f} system), {rows / wall:>8,.0f} rows per wall s; peak RSS "
              f"{rss_mb / 1024:.2f} GB; stored {stored:,} merged {merged:,} rejected {rejected:,} "
              f"({'accounted' if ok else 'NOT ACCOUNTED'}); load average {os.getloadavg()[0]:.1f}", flush=True)
        for line in err.splitlines():
            if line.startswith("stage "):
                print("  " + line, flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--stages-child":
        sys.path.insert(0, str(ROOT))
        sys.exit(_stages_child(sys.argv[2], sys.argv[3]))
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--mode", choices=["import", "pipeline", "both", "cli"], default="both",
                    help="import: the whole import_incidents run, store included; pipeline: read, map, validate "
                         "and dedupe only (the store is written by geodata.imports.ingest/geodata.store); cli: "
                         "`geodata init` and `geodata import incidents` into a folder store, under /usr/bin/time")
    ap.add_argument("--csv", help="with --mode cli: import this file instead of writing one")
    ap.add_argument("--stages", action="store_true", help="with --mode cli: peak RSS and seconds of each stage")
    args = ap.parse_args()
    if args.mode == "cli":
        for n in args.sizes if not args.csv else [0]:
            run_cli(n, args.csv, args.stages)
        return
    for n in args.sizes:
        for mode in (["pipeline", "import"] if args.mode == "both" else [args.mode]):
            run(n, mode)


if __name__ == "__main__":
    main()
