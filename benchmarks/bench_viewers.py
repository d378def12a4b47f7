"""What each viewer costs the server: k concurrent sessions over Streamlit's websocket.

    python3 benchmarks/bench_viewers.py [--k 1 10 50 100] [--store DIR] [--views same|distinct|both]

starts ``streamlit run app.py`` (the bundled data, or the store ``DIR``), warms it with two
sessions (the page without a link, and one link of the kind the distinct views use: each draws
the map of its layers, once per process), prints what the idle server burns (Streamlit polls its
config and secrets files five times a second), then for each k connects k sessions
(``benchmarks/ws_driver.py``: each one as a browser tab, keeping Streamlit's message cache)
and, all k at once:

* opens the page (``same``: one link for all; ``distinct``: each its own dates and map view, as
  shared links are), then changes the date range (``distinct``: each to a range of its own), then
  unticks a category;
* prints, per action, the server's CPU seconds per session (user + system of the server process
  over the phase, divided by k), the latency percentiles (request to ``script_finished``), the
  kB the websocket carried per session and the errors (exception elements, runs that never
  finished); and the server's resident memory per connected, idle session.

Figures are for this machine (2 shared cores): compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402

DATE_CHANGE = ("dates", (dt.date(2025, 3, 1), dt.date(2025, 5, 31)))
CATEGORY_CHANGE = ("cat_arrest", False)


def _pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _queries(k: int, distinct: bool) -> list[str]:
    if not distinct:
        return [""] * k
    # Each reader its own link: its own first day (a view of its own) and its own map view.
    return [f"start={dt.date(2024, 1, 1) + dt.timedelta(days=3 * i)}&end=2026-01-31"
            f"&lat={30 + (i % 40) * 0.3:.5f}&lon={-118 + (i % 50) * 0.6:.5f}&zoom={4 + i % 8}" for i in range(k)]


def _date_change(i: int, distinct: bool):
    # Distinct views change to ranges of their own too (each reader's own first day), so every run of the
    # round is a view no other session asked for; the category change that follows keeps them apart.
    key, (start, end) = DATE_CHANGE
    shift = dt.timedelta(days=i if distinct else 0)  # both ends: the range stays three months at any k
    return key, (start + shift, end + shift)


async def _phase(proc, clients, step):
    cpu0 = ws_driver.cpu_seconds(proc.pid)
    runs = await asyncio.gather(*(step(c, i) for i, c in enumerate(clients)))
    cpu = ws_driver.cpu_seconds(proc.pid) - cpu0
    return cpu, runs


async def _round(base, proc, k: int, distinct: bool) -> list[str]:
    rss0 = ws_driver.rss_mb(proc.pid)
    clients = [ws_driver.Client(base, timeout=600) for _ in range(k)]
    await asyncio.gather(*(c.connect() for c in clients))
    queries = _queries(k, distinct)
    rows = []
    try:
        for label, step in (
            ("open", lambda c, i: c.open(queries[i])),
            ("date change", lambda c, i: c.change(*_date_change(i, distinct))),
            ("category change", lambda c, i: c.change(*CATEGORY_CHANGE)),
        ):
            cpu, runs = await _phase(proc, clients, step)
            secs = [r.seconds for r in runs]
            errors = sum(len(r.errors) + (0 if r.finished or r.errors else 1) for r in runs)
            rows.append(f"{k:>4} {'distinct' if distinct else 'same':>8} {label:<16} {cpu / k:>9.3f} "
                        f"{_pct(secs, 0.5):>8.2f} {_pct(secs, 0.95):>8.2f} {max(secs):>8.2f} "
                        f"{statistics.mean(r.bytes for r in runs) / 1e3:>9.1f} {errors:>6}"
                        + (f"  e.g. {sorted({e for r in runs for e in r.errors})[:2]}" if errors else ""))
        time.sleep(1.0)
        per_session = (ws_driver.rss_mb(proc.pid) - rss0) / k
        rows.append(f"{k:>4} {'distinct' if distinct else 'same':>8} {'idle, connected':<16} "
                    f"{'':>9} {'':>8} {'':>8} {'':>8} {'':>9} {'':>6}  {per_session:.1f} MB per session "
                    f"(server {ws_driver.rss_mb(proc.pid):.0f} MB)")
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, nargs="+", default=[1, 10, 50, 100])
    ap.add_argument("--store", help="a store folder (ICE_MAP_STORE); default: the bundled data")
    ap.add_argument("--views", choices=["same", "distinct", "both"], default="both")
    args = ap.parse_args(argv)
    env = {"ICE_MAP_STORE": os.path.abspath(args.store)} if args.store else {}
    with ws_driver.serve(env) as (base, proc):
        t = time.perf_counter()
        # A link's own first day (no view of the rounds has it) with the links' layers.
        warm = asyncio.run(ws_driver.sessions(base, ["", "start=2023-12-01&end=2026-01-31"], [DATE_CHANGE]))
        print(f"server up; first pages {time.perf_counter() - t:.1f} s (building the maps), "
              f"{ws_driver.rss_mb(proc.pid):.0f} MB resident; errors: {ws_driver.failed_runs(warm) or 'none'}")
        cpu0 = ws_driver.cpu_seconds(proc.pid)
        time.sleep(5.0)
        print(f"idle server: {(ws_driver.cpu_seconds(proc.pid) - cpu0) / 5:.3f} CPU s per s (in every row below)")
        print(f"{'k':>4} {'views':>8} {'action':<16} {'CPU s/ea':>9} {'p50 s':>8} {'p95 s':>8} {'max s':>8} "
              f"{'kB/ea':>9} {'errors':>6}")
        for k in args.k:
            for distinct in {"same": [False], "distinct": [True], "both": [False, True]}[args.views]:
                for row in asyncio.run(_round(base, proc, k, distinct)):
                    print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
