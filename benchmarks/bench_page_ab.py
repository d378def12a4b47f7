"""First visits of two checkouts' pages in alternation: ``python3 benchmarks/bench_page_ab.py A B``.

    python3 benchmarks/bench_page_ab.py DIR_A DIR_B [--profiles phone,desktop] [--rounds 4]

``bench_page.py --before`` measures one checkout after the other; on a machine whose load changes by the
minute that compares two moments as much as two versions.  This starts both apps at once (bundled data,
``ICE_MAP_OFFLINE=1``, each warmed as ``bench_page.py`` does), then opens each page in turn, A then B, B
then A, with a fresh browser each time (cold cache, the same profiles as ``bench_page.py``), and prints
each visit's seconds to the map painted, to the websocket's first message and to the map's frame, then
the median and least of each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402
from bench_page import ARGS, CHROMIUM, DRAWN_JS, PROFILES, emulate  # noqa: E402
from wire import NetworkLog  # noqa: E402


def visit(pw, base: str, name: str, waits=(("drawn", DRAWN_JS),)) -> tuple[dict, dict]:
    """One first visit of ``base`` with a fresh browser in profile ``name``: the seconds after navigation until
    each of ``waits`` (``(label, JavaScript test)``, in turn) holds, and the network's marks (websocket, ...)."""
    profile = PROFILES[name]
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_context(**profile["context"]).new_page()
    cdp = emulate(page.context, page, profile)
    log, start = NetworkLog(cdp), time.monotonic()
    t = time.perf_counter()
    page.goto(f"{base}/", wait_until="commit")
    got = {}
    for label, test in waits:
        page.wait_for_function(test, timeout=180_000, polling=20)
        got[label] = time.perf_counter() - t
    marks = {k: v - start for k, v in log.marks.items()}
    log.close()
    browser.close()
    return got, marks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--profiles", default="phone,desktop")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args(argv)
    roots = {"A": args.a.resolve(), "B": args.b.resolve()}
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        bases = {k: stack.enter_context(ws_driver.serve({"ICE_MAP_OFFLINE": "1"}, root=r))[0] for k, r in roots.items()}
        for k, base in bases.items():
            asyncio.run(ws_driver.sessions(base, [""]))
            print(f"{k}: {roots[k]}")
        with sync_playwright() as pw:
            for base in bases.values():  # each file compressed once, the map's files written
                visit(pw, base, "desktop")
            got: dict[tuple[str, str], list] = {}
            for r in range(args.rounds):
                for name in args.profiles.split(","):
                    for k in ("A", "B") if r % 2 == 0 else ("B", "A"):
                        drawn, marks = visit(pw, bases[k], name)
                        drawn = drawn["drawn"]
                        got.setdefault((name, k), []).append((drawn, marks))
                        print(f"  round {r} {name:<8} {k}: map painted {drawn:5.2f} s; " + ", ".join(
                            f"{m} {v:.2f}" for m, v in sorted(marks.items(), key=lambda kv: kv[1])), flush=True)
            for (name, k), runs in got.items():
                drawn = [d for d, _ in runs]
                ws = [m.get("websocket", float("nan")) for _, m in runs]
                frame = [m.get("map frame", float("nan")) for _, m in runs]
                print(f"{name:<8} {k}: map painted median {statistics.median(drawn):.2f} s (least {min(drawn):.2f}); "
                      f"websocket median {statistics.median(ws):.2f}, map frame median {statistics.median(frame):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
