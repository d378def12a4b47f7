"""The first visit after an import against a warm one, on a folder store of N incidents.

``nice python3 benchmarks/bench_first_visit.py 10000 100000`` writes, for each N, a store of the
bundled data plus N synthetic incidents (``bench_scale.synthetic``), and for each setting of
``ICE_MAP_WARM_SECONDS`` (0: the app does not warm itself; 1: it does, geodata/view/warm.py) starts
``streamlit run app.py`` on it, runs the page once (the readiness check a proxy does), imports one more
incident with ``geodata import incidents ... --store`` (the data version moves) and then times:

* first visit: the next run of the page with the default view, as the first reader after the
  import gets it (with warming on, once the server has written the new map's points file and then
  used no CPU for 2 s);
* warm visit: the run after it, every cache filled.

A visit is timed as the server answers Streamlit's script health check (``/_stcore/script-health-check``),
which runs the whole page once in the server's process: the Python cost of a reader's first run,
without a browser drawing it.  These are figures for one machine, not timed tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

STARTUP_SECONDS = 120
READY_SECONDS = 600


def _visit(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url + "/_stcore/script-health-check", timeout=READY_SECONDS) as r:
        answer = r.read().decode().strip()
    if answer != "ok":
        raise SystemExit(f"the page's run answered {answer!r}")
    return time.perf_counter() - t


def _points_files(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.bin")} if folder.is_dir() else set()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settled(folder: Path, before: set[str], pid: int) -> None:
    """Until the new data version's points file is there and the server has used no CPU for 2 s (its
    background run of the page is over)."""
    deadline = time.monotonic() + READY_SECONDS
    while not _points_files(folder) - before:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not draw the new map in the background")
        time.sleep(0.2)
    last, still = _cpu_seconds(pid), time.monotonic()
    while time.monotonic() - still < 2:
        time.sleep(0.25)
        now = _cpu_seconds(pid)
        if now - last > 0.02:  # the watcher's read of the generation is a few ms
            still = time.monotonic()
        last = now


def one_setting(store: Path, warm_seconds: str, tmp: Path) -> tuple[float, float]:
    files = tmp / f"files-{warm_seconds}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ICE_MAP_", "STREAMLIT_"))}
    env.update(ICE_MAP_STORE=str(store), ICE_MAP_CACHE_DIR=str(files), ICE_MAP_OFFLINE="1",
               ICE_MAP_WARM_SECONDS=warm_seconds, PYTHONPATH=str(ROOT))
    log = open(tmp / f"streamlit-{warm_seconds}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
                             f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"streamlit did not start: see {log.name}") from None
                time.sleep(0.2)
        _visit(url)  # the readiness check: this process has drawn the map of the data as it is
        before = _points_files(files)
        src = tmp / "one-more.csv"
        src.write_text("date,title,city,state,source_url\n"
                       f"2025-06-0{len(warm_seconds)},Raid at a car wash {warm_seconds},El Paso,TX,"
                       f"https://e.org/{warm_seconds}\n")
        subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", str(src), "--store", str(store),
                        "-q"], cwd=ROOT, env=env, check=True, capture_output=True)
        if warm_seconds != "0":
            _settled(files, before, proc.pid)
        first = _visit(url)
        warm = _visit(url)
        return first, warm
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def one(n: int) -> str:
    from bench_scale import synthetic

    from geodata import load_bundle
    from geodata.store import open_store

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        store = open_store(tmp / "store", create=True)
        store.seed(load_bundle())
        store.write_incidents(synthetic(n))
        del store
        cold_first, cold_warm = one_setting(tmp / "store", "0", tmp)
        first, warm = one_setting(tmp / "store", "1", tmp)
    return (f"{n:>9,} {cold_first:>22.2f} {first:>22.2f} {warm:>13.2f} {first / warm:>18.1f} "
            f"{cold_first / cold_warm:>16.1f}")


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"{'N':>9} {'first visit s (no warm)':>22} {'first visit s (warmed)':>22} {'warm visit s':>13} "
          f"{'first/warm (warmed)':>18} {'first/warm (none)':>16}")
    for n in sizes:
        print(one(n), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
