"""The server's time to answer each file the page starts with: ``python3 benchmarks/bench_small_files.py``.

    python3 benchmarks/bench_small_files.py [--rounds 3] [--before DIR]

Starts ``streamlit run app.py`` (bundled data, ``ICE_MAP_OFFLINE=1``), reads the files its page links
(``/static/js/...``: about 60, most under 2 kB), asks for each once to have it compressed, then asks for
them all one after the other on one kept-alive connection, as a browser does on each of its six, and
prints the median and slowest answer and the server's CPU seconds.  A server that leaves Nagle's
algorithm on answers a small file only after the client's delayed acknowledgement (about 40 ms on Linux):
``geodata/web/nodelay.py``.  ``--before DIR`` measures another checkout first (such as ``/work/main``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(root: Path, label: str, rounds: int) -> None:
    with ws_driver.serve({"ICE_MAP_OFFLINE": "1"}, root=root) as (base, proc):
        page = urllib.request.urlopen(base + "/").read().decode()
        files = re.findall(r'(?:href|src)="\./(static/js/[^"]+)"', page)
        host = base.split("//", 1)[1]

        def one_connection() -> list[float]:
            conn, took = http.client.HTTPConnection(host), []
            for name in files:
                t = time.perf_counter()
                conn.request("GET", "/" + name, headers={"Accept-Encoding": "br"})
                conn.getresponse().read()
                took.append(time.perf_counter() - t)
            conn.close()
            return took

        one_connection()  # compressed once, for the first reader
        print(f"{label} ({root}): {len(files)} files the page links, one after the other on one connection")
        for _ in range(rounds):
            cpu = _cpu_seconds(proc.pid)
            took = sorted(one_connection())
            cpu = _cpu_seconds(proc.pid) - cpu
            print(f"  {sum(took):6.2f} s in all; per file median {took[len(took) // 2] * 1e3:5.1f} ms, "
                  f"slowest {took[-1] * 1e3:5.1f} ms; server CPU {cpu:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", type=Path, help="another checkout whose app runs first, for a comparison")
    args = ap.parse_args(argv)
    if args.before:
        bench(args.before.resolve(), "before", args.rounds)
    bench(ws_driver.ROOT, "this checkout", args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
