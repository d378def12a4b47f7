"""The app's Python cost of one filter change, on a folder store of N incidents.

``python3 benchmarks/bench_rerun.py 10000 100000 1000000`` writes, for each N, a store of
N synthetic incidents (``bench_scale.synthetic``: the bundled data plus N realistic records),
runs ``app.py`` on it with Streamlit's ``AppTest`` (the script as the server runs it, in this
process, without a browser) and prints:

* first run: the script's first run on the store (reading it, building the map once per data
  version, writing the points file and the popup shards);
* date change, category change: one rerun after the viewer changes the date range, then a
  category (what each costs the server: the view, figures, charts and the map's arguments;
  the map itself comes from the cache and is redrawn in the browser);
* peak RSS of the process (the store, the cached map, AppTest itself).

These are benchmark figures for one machine, not timed tests.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def app_figures(folder: str) -> str:
    """The app on the store in ``folder``, in this process (run as a child, so its RSS is the app's)."""
    from streamlit.testing.v1 import AppTest

    os.environ["ICE_MAP_STORE"] = folder
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.query_params["start"] = "2025-01-01"
    at.query_params["end"] = "2025-12-31"
    t = time.perf_counter()
    at.run()
    first_s = time.perf_counter() - t
    if at.exception:
        raise SystemExit(f"the app failed: {at.exception}")
    shown = at.session_state["map_points"].get("Incidents", 0)
    t = time.perf_counter()
    at.date_input(key="dates").set_value((dt.date(2025, 3, 1), dt.date(2025, 5, 31))).run()
    date_s = time.perf_counter() - t
    moved = at.session_state["map_points"].get("Incidents", 0)
    if moved == shown:
        raise SystemExit(f"the date change did not change the view ({shown:,} incidents both times)")
    t = time.perf_counter()
    at.checkbox(key="cat_arrest").uncheck().run()
    category_s = time.perf_counter() - t
    if at.exception:
        raise SystemExit(f"the app failed: {at.exception}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{shown:>12,} {first_s:>11.1f} {moved:>10,} {date_s:>13.2f} {category_s:>17.2f} {rss:>11,.0f}"


def one(n: int) -> str:
    from bench_scale import synthetic

    from geodata import load_bundle
    from geodata.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        store = open_store(folder, create=True)
        store.seed(load_bundle())
        store.write_incidents(synthetic(n))
        del store
        out = subprocess.run([sys.executable, __file__, "--app", str(folder)], capture_output=True, text=True,
                             check=False)
        if out.returncode:
            raise SystemExit(out.stderr[-2000:])
    return f"{n:>9,} {out.stdout.strip().splitlines()[-1]}"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--app"]:
        print(app_figures(argv[1]))
        return
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"{'N':>9} {'in the range':>12} {'first run s':>11} {'then':>10} {'date change s':>13} "
          f"{'category change s':>17} {'peak RSS MB':>11}")
    for n in sizes:
        print(one(n), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
