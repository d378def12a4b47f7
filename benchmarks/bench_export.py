"""The GeoJSON and CSV export alone: ``python3 benchmarks/bench_export.py 10000 100000 1000000``.

For each N, in a fresh process (so its memory is that N's): N realistic synthetic incidents
(``bench_scale.synthetic``: 60-character titles, 200-character descriptions with quotes and
line breaks, one or two source URLs) written to a store and read back (``Store.incidents``,
the frame the app and ``geodata export`` hand to the writer, with its dtypes), then

* ``geojson file/s``: features per second of ``write_export`` to a ``.geojson`` file (what
  ``geodata export -o x.geojson`` does: streamed, atomic rename), a new file each run;
* ``geojson enc/s``: the same writer into a sink that only counts the bytes (the encoding
  without the kernel's page cache; the download buttons write to memory);
* ``to_json/s``: ``gdf.to_json()`` on the same frame in the same run (on at most
  ``--to-json-max`` rows: it holds every feature as a dict), and the ratio of the file rate to it
  (in brackets, of the rates per CPU second: steadier when other work shares the machine);
* ``csv file/s`` and ``csv enc/s``: the same for ``.csv``;
* ``+RSS``: how much the resident memory grew above its level before the export, at its
  peak during the process's first GeoJSON file export (sampled every 2 ms): it should not grow
  with N.

Rates are the best of three runs, per wall-clock second, and in brackets per CPU second of the
process (all its threads).  The machine is shared: compare figures of one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _children import print_each  # noqa: E402

COLUMNS = ["N", "MB", "geojson file/s", "geojson enc/s", "to_json/s", "file/to_json", "csv file/s", "csv enc/s",
           "+RSS MB"]


class _Sink:
    """A binary file that keeps nothing."""

    def __init__(self):
        self.n = 0

    def write(self, data) -> int:
        n = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        self.n += n
        return n


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _best(run, n: int, repeat: int = 3) -> tuple[float, float]:
    best = (0.0, 0.0)
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if n / wall > best[0]:
            best = (n / wall, n / max(cpu, 1e-9))
    return best


def _peak_growth(run) -> int:
    """Peak resident memory above its level before ``run()``, sampled on a thread."""
    base, peak, done = _rss(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    th = threading.Thread(target=sample)
    th.start()
    try:
        run()
    finally:
        done.set()
        th.join()
    return max(peak[0], _rss()) - base


def one(n: int, to_json_max: int) -> list[str]:
    import gc

    from bench_scale import synthetic

    from geodata import load_bundle
    from geodata.export.writers import write_csv, write_export, write_geojson
    from geodata.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = open_store(tmp / "store", create=True)
        store.seed(load_bundle())
        store.write_incidents(synthetic(n))
        inc = open_store(tmp / "store").incidents()
        del store
        gc.collect()
        frames = {"incidents": inc}
        count = len(inc)
        runs = iter(range(100))

        def to_file(suffix):
            path = tmp / f"out{next(runs)}.{suffix}"
            write_export(frames, path)
            return path

        def timed_file(suffix):
            # Each export's file is deleted before the next, outside the timing: three files of 10^6
            # features left side by side (2.5 GB) make the kernel throttle the later writes, which no
            # single export meets.
            best, size = (0.0, 0.0), 0
            for _ in range(3):
                t, c = time.perf_counter(), time.process_time()
                path = to_file(suffix)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                size = path.stat().st_size
                path.unlink()
                if count / wall > best[0]:
                    best = (count / wall, count / max(cpu, 1e-9))
            return best, size

        grown = _peak_growth(lambda: to_file("geojson").unlink())  # first: later runs leave memory to reuse
        (geo_file, geo_file_cpu), size = timed_file("geojson")
        geo_enc, geo_enc_cpu = _best(lambda: write_geojson(frames, _Sink()), count)
        sub = inc.iloc[: min(count, to_json_max)]
        to_json, to_json_cpu = _best(lambda: sub.to_json(), len(sub))
        (csv_file, csv_file_cpu), _ = timed_file("csv")
        csv_enc, csv_enc_cpu = _best(lambda: write_csv(frames, _Sink()), count)
    on = "" if len(sub) == count else f" (on {len(sub):,})"
    return [f"{count:,}", f"{size / 1e6:,.0f}", f"{geo_file:,.0f} ({geo_file_cpu:,.0f})",
            f"{geo_enc:,.0f} ({geo_enc_cpu:,.0f})", f"{to_json:,.0f} ({to_json_cpu:,.0f}){on}",
            f"{geo_file / to_json:.0f}x ({geo_file_cpu / to_json_cpu:.0f}x)", f"{csv_file:,.0f} ({csv_file_cpu:,.0f})",
            f"{csv_enc:,.0f} ({csv_enc_cpu:,.0f})", f"{grown / 1e6:,.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="+", type=int, help="numbers of incidents")
    parser.add_argument("--to-json-max", type=int, default=200_000,
                        help="measure gdf.to_json on at most this many rows (default 200,000)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("\t".join(one(args.n[0], args.to_json_max)))
        return
    print_each(__file__, args.n, ["--to-json-max", str(args.to_json_max)], COLUMNS)

if __name__ == "__main__":
    main()
