"""Memory with and without Streamlit's full garbage collection after each run (``runner.postScriptGC``).

    python3 benchmarks/bench_gc_memory.py [--changes 600]

starts ``streamlit run app.py`` twice (bundled data), once with ``--runner.postScriptGC=true`` and once
with ``false`` (what ``.streamlit/config.toml`` sets), and in each has one session change the date range
``--changes`` times over ranges it has not asked before, printing the server's resident memory after every
100 changes and its CPU seconds: whether memory grows without the collection, or stays at a constant above.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402


async def _changes(base: str, pid: int, n: int) -> list[int]:
    client = await ws_driver.Client(base, timeout=600).connect()
    rss = []
    try:
        await client.open("")
        for i in range(n):
            run = await client.change("dates", (dt.date(2024, 1, 1) + dt.timedelta(days=i % 200),
                                                dt.date(2025, 6, 30) + dt.timedelta(days=(i * 7) % 150)))
            if run.errors:
                raise RuntimeError(run.errors[0])
            if i % 100 == 99:
                rss.append(round(ws_driver.rss_mb(pid)))
    finally:
        await client.close()
    return rss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=600)
    args = ap.parse_args(argv)
    for setting in ("true", "false"):
        port = ws_driver.free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ws_driver.ROOT / "app.py"), "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
             f"--runner.postScriptGC={setting}"],
            cwd=ws_driver.ROOT, env=os.environ | {"PYTHONPATH": str(ws_driver.ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(400):
                try:
                    urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            cpu0 = ws_driver.cpu_seconds(proc.pid)
            rss = asyncio.run(_changes(base, proc.pid, args.changes))
            print(f"postScriptGC={setting}: resident MB after each 100 date changes {rss}; "
                  f"{(ws_driver.cpu_seconds(proc.pid) - cpu0) / args.changes:.3f} CPU s per change", flush=True)
        finally:
            proc.terminate()
            proc.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
