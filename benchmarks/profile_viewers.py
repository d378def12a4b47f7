"""Where the server's CPU goes while k sessions open the page and change filters: py-spy on ``streamlit run``.

    python3 benchmarks/profile_viewers.py [--k 10] [--views same|distinct] [--top 25] [--gil] [--keep FILE]

starts the app (``benchmarks/ws_driver.py``), warms it as ``bench_viewers.py`` does, then records
the server with ``py-spy record`` (``pip install py-spy``; it samples every thread of the process,
threads waiting on a lock or the GIL left out) while k sessions open the page, change the date range
and untick a category, all k at once.  Prints the server's CPU seconds per action and the share of
samples by place: each line of ``app.py`` with the first call it makes there, and, outside the
script, Streamlit's end of a run (``_on_script_finished``: its garbage collection), its websocket
and its file polling.  Shares of one run are the figures to compare.  With ``--gil`` only the thread
holding the GIL is sampled: the shares are then of the CPU spent (without it, a thread waiting for a lock
the interpreter holds counts as busy, and a view built while others wait in line weighs several times).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_viewers  # noqa: E402
import ws_driver  # noqa: E402

OUTSIDE = ("_on_script_finished", "PollingPathWatcher", "websocket", "tornado")
IDLE = ("select (", "poll (", "wait (threading", "_wait_for_tstate_lock", "sleep (", "get (queue")


def shares(raw: Path) -> tuple[int, collections.Counter]:
    """Samples by place from py-spy's ``raw`` output (one ``frame;frame;... count`` line per stack)."""
    by, total = collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        if any(w in frames[-1] for w in IDLE):
            continue
        total += int(n)
        mine = [i for i, f in enumerate(frames) if f.startswith("<module> (app.py")]
        if mine:
            i = mine[0]
            call = frames[i + 1].split(" (")[0] if i + 1 < len(frames) else "(the line itself)"
            by[f"{frames[i].split(' ', 1)[1]} {call}"] += int(n)
        else:
            by[next((f"streamlit: {t}" for t in OUTSIDE if any(t in f for f in frames)), "other")] += int(n)
    return total, by


async def _actions(base, k: int, distinct: bool):
    clients = [ws_driver.Client(base, timeout=600) for _ in range(k)]
    await asyncio.gather(*(c.connect() for c in clients))
    queries = bench_viewers._queries(k, distinct)
    try:
        await asyncio.gather(*(c.open(queries[i]) for i, c in enumerate(clients)))
        await asyncio.gather(*(c.change(*bench_viewers._date_change(i, distinct)) for i, c in enumerate(clients)))
        await asyncio.gather(*(c.change(*bench_viewers.CATEGORY_CHANGE) for c in clients))
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return [r for c in clients for r in c.session.runs]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--views", choices=["same", "distinct"], default="same")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--gil", action="store_true",
                    help="only samples of the thread holding the GIL (CPU spent, not time waiting for a lock)")
    ap.add_argument("--keep", help="copy py-spy's raw stacks to this file (one 'frame;frame;... count' a line)")
    args = ap.parse_args(argv)
    if not shutil.which("py-spy"):
        print("py-spy is not installed (pip install py-spy)")
        return 2
    with ws_driver.serve() as (base, proc), tempfile.TemporaryDirectory() as tmp:
        asyncio.run(ws_driver.sessions(base, ["", "start=2023-12-01&end=2026-01-31"], [bench_viewers.DATE_CHANGE]))
        raw = Path(tmp) / "server.raw"
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(proc.pid), "--format", "raw", "-o", str(raw),
                                "-r", "200", *(["--gil"] if args.gil else [])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # py-spy attached
        cpu0 = ws_driver.cpu_seconds(proc.pid)
        runs = asyncio.run(_actions(base, args.k, args.views == "distinct"))
        cpu = ws_driver.cpu_seconds(proc.pid) - cpu0
        time.sleep(0.5)
        spy.send_signal(2)
        spy.wait(60)
        total, by = shares(raw)
        if args.keep:
            shutil.copy(raw, args.keep)
    errors = sum(len(r.errors) for r in runs)
    print(f"k = {args.k}, {args.views} views: {len(runs)} runs, {errors} errors, "
          f"{cpu / len(runs):.3f} CPU s per action (under py-spy), {total} samples")
    for place, n in by.most_common(args.top):
        print(f"{100 * n / total:5.1f} %  {place}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
