"""The app's memory and CPU on a large store, over Streamlit's websocket: ``bench_memory.py 100000 1000000``.

    python3 benchmarks/bench_memory.py [N ...] [--store DIR ...] [--k 1 10] [--root DIR]

For each N, writes a folder store of the bundled data plus N synthetic incidents
(``bench_scale.synthetic``) under a temporary folder (or takes each ``--store DIR`` as it is),
starts ``streamlit run app.py`` on it (``benchmarks/ws_driver.py``) and prints:

* the server's resident memory (RSS) before anyone connects, after the first reader's page
  (which builds the map of every incident: its CPU seconds are printed too), and after a
  second map (the links below name their layers, a map of its own);
* for k readers at once, each opening the page, changing the date range and then unticking a
  category: the server's CPU seconds per reader and action (user + system of the server process
  over the action, divided by k) with all readers on one link (``same``: one view), and each on
  a link with its own dates, changing to dates of its own (``distinct``: every view new to the
  server), with the RSS after each round;
* the server's peak RSS (``VmHWM``), and that of the largest child it forked to build a map in
  (``geodata/view/child.py``), whose CPU seconds count as the server's.

``--views`` measures, in this process instead, a few views' frames read from the store's files and
answered from the resident index (``geodata.view.frames(..., index=)``), in CPU seconds.

``--root DIR`` runs the app of another checkout (``git archive`` of a commit, to compare with).
Figures are for this machine (2 shared cores): compare rows of one run, or runs on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import ws_driver  # noqa: E402

CATEGORY = ("cat_arrest", False)


def _same(i: int) -> tuple[str, tuple]:
    return "start=2025-01-01&end=2025-12-31", (dt.date(2025, 3, 1), dt.date(2025, 5, 31))


def _distinct(i: int) -> tuple[str, tuple]:
    # Each reader its own first day (its own view) and its own map position; then dates of its own again.
    first = dt.date(2024, 1, 1) + dt.timedelta(days=3 * i)
    query = (f"start={first}&end=2025-12-31&lat={30 + (i % 40) * 0.3:.5f}&lon={-118 + (i % 50) * 0.6:.5f}"
             f"&zoom={4 + i % 8}")
    return query, (dt.date(2025, 1, 1) + dt.timedelta(days=2 * i + 1), dt.date(2025, 9, 30))


def _cpu(pid: int) -> float:
    """User + system CPU of the server and of the children it has waited for (a map built in a forked copy,
    geodata/view/child.py), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class _ChildPeak(threading.Thread):
    """The largest peak RSS (VmHWM) seen of the server's child processes, read every 0.1 s while they run."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self):
        while not self.stop.wait(0.1):
            children = []
            for task in Path(f"/proc/{self.pid}/task").glob("*"):  # a child is listed under the thread that forked it
                try:
                    children += (task / "children").read_text().split()
                except OSError:
                    pass
            for child in children:
                try:
                    self.peak = max(self.peak, _hwm_mb(int(child)))
                except (OSError, ValueError):
                    pass


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _timed(proc, clients, step) -> tuple[float, list]:
    cpu0 = _cpu(proc.pid)
    runs = await asyncio.gather(*(step(c, i) for i, c in enumerate(clients)))
    return _cpu(proc.pid) - cpu0, runs


async def _round(base, proc, k: int, links) -> list[str]:
    clients = [ws_driver.Client(base, timeout=1800) for _ in range(k)]
    await asyncio.gather(*(c.connect() for c in clients))
    out = []
    try:
        for _label, step in (("open", lambda c, i: c.open(links(i)[0])),
                             ("date change", lambda c, i: c.change("dates", links(i)[1])),
                             ("category change", lambda c, i: c.change(*CATEGORY))):
            cpu, runs = await _timed(proc, clients, step)
            errors = sum(len(r.errors) + (0 if r.finished or r.errors else 1) for r in runs)
            out.append(f"{cpu / k:.3f}" + (f" ({errors} errors)" if errors else ""))
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return out


async def _first(base, proc, query: str) -> tuple[float, list[str]]:
    cpu0 = _cpu(proc.pid)
    result = await ws_driver.sessions(base, [query])
    return _cpu(proc.pid) - cpu0, ws_driver.failed_runs(result)


def measure(folder: str, ks, root: Path) -> list[str]:
    """The figures of one store, as printed lines."""
    lines = []
    env = {"ICE_MAP_STORE": os.path.abspath(folder), "ICE_MAP_WARM_SECONDS": "0"}
    if root != HERE.parent:
        ws_driver.ROOT = root
    with ws_driver.serve(env, timeout=300) as (base, proc):
        children = _ChildPeak(proc.pid)
        children.start()
        time.sleep(2.0)
        lines.append(f"  RSS before anyone connects        {ws_driver.rss_mb(proc.pid):8.0f} MB")
        cpu, errors = asyncio.run(_first(base, proc, ""))
        time.sleep(1.0)
        lines.append(f"  RSS after the first page          {ws_driver.rss_mb(proc.pid):8.0f} MB  "
                     f"({cpu:.1f} CPU s: the map of every incident){'  errors: ' + str(errors) if errors else ''}")
        cpu, errors = asyncio.run(_first(base, proc, _same(0)[0]))
        time.sleep(1.0)
        lines.append(f"  RSS after a second map            {ws_driver.rss_mb(proc.pid):8.0f} MB  "
                     f"({cpu:.1f} CPU s){'  errors: ' + str(errors) if errors else ''}")
        lines.append(f"  {'k':>3} {'links':>8} {'open s':>8} {'date s':>8} {'category s':>10} {'RSS after':>10}"
                     "   (server CPU s per reader)")
        for k in ks:
            for name, links in (("same", _same), ("distinct", _distinct)):
                row = asyncio.run(_round(base, proc, k, links))
                time.sleep(1.0)
                lines.append(f"  {k:>3} {name:>8} {row[0]:>8} {row[1]:>8} {row[2]:>10} "
                             f"{ws_driver.rss_mb(proc.pid):>7.0f} MB")
        lines.append(f"  peak RSS                          {_hwm_mb(proc.pid):8.0f} MB")
        children.stop.set()
        if children.peak:
            lines.append(f"  peak RSS of a child (a map built) {children.peak:8.0f} MB")
    return lines


def views(folder: str) -> list[str]:
    """CPU seconds of a view's frames from the store's files and from the index, in this process."""
    from geodata.store import VIEW_COLUMNS, open_store
    from geodata.view import View, frames
    from geodata.view.resident import IncidentIndex

    store = open_store(folder, read_only=True)
    t = time.process_time()
    index = IncidentIndex.of(store)
    lines = [f"  the index: {time.process_time() - t:.2f} CPU s, {index.nbytes / 1e6:.0f} MB (points estimated)",
             f"  {'view':<44} {'incidents':>10} {'files s':>8} {'index s':>8}"]
    for label, view in (("a year", View(start="2025-01-01", end="2025-12-31")),
                        ("two years", View(start="2024-01-01", end="2025-12-31")),
                        ("all", View()),
                        ("a year, one category", View(start="2025-01-01", end="2025-12-31", categories=("arrest",))),
                        ("a quarter, two AORs (first: every AOR found)", View(start="2025-01-01", end="2025-03-31",
                                                                             aors=("ELP", "SPM"))),
                        ("a year, one AOR", View(start="2024-01-01", end="2024-12-31", aors=("NYC",)))):
        t = time.process_time()
        old = frames(store, view, columns=VIEW_COLUMNS)[0]
        files_s = time.process_time() - t
        t = time.process_time()
        new = frames(store, view, columns=VIEW_COLUMNS, index=index)[0]
        index_s = time.process_time() - t
        same = list(old["incidents"]["id"]) == list(new["incidents"]["id"])
        lines.append(f"  {label:<44} {len(new['incidents']):>10,} {files_s:>8.3f} {index_s:>8.3f}"
                     + ("" if same else "  DIFFERENT"))
    return lines


def _build(n: int, folder: Path) -> None:
    code = ("import sys; from bench_scale import synthetic; from geodata import load_bundle; "
            "from geodata.store import open_store; s = open_store(sys.argv[1], create=True); "
            "s.seed(load_bundle()); s.write_incidents(synthetic(int(sys.argv[2])))")
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    subprocess.run([sys.executable, "-c", code, str(folder), str(n)], check=True, env=env)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="*", help="build a store of the bundle and N synthetic incidents")
    ap.add_argument("--store", action="append", default=[], help="measure this store folder as it is")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 10])
    ap.add_argument("--root", type=Path, default=HERE.parent, help="the checkout whose app.py runs")
    ap.add_argument("--views", action="store_true",
                    help="instead of the server: a view's frames from the store's files and from the index")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        stores = [(f"{n:,} synthetic incidents", Path(tmp) / f"store-{n}") for n in args.n]
        for _, folder in stores:
            _build(int(folder.name.split("-")[1]), folder)
        stores += [(f"store {s}", Path(s)) for s in args.store]
        for label, folder in stores:
            print(f"{label}" + ("" if args.views else f" (app: {args.root.resolve()})"), flush=True)
            for line in (views(str(folder)) if args.views else measure(str(folder), args.k, args.root.resolve())):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
