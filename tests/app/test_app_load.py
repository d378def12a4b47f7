"""The app under many readers at once, driven over Streamlit's websocket (benchmarks/ws_driver.py).

Every session opens the page and changes filters; the server must answer every run with the page,
never with an error box; readers arriving on links of distinct views (as shared links are) must not
each cost a map.  Before the map
was rendered once per version (layers/_render.py), sessions rendering the one cached map at once
failed with ``RuntimeError: OrderedDict mutated during iteration`` (2 to 14 of 60 to 80 runs).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import ws_driver  # noqa: E402


def _run(coro):
    """``asyncio.run`` in a thread of its own: a test run that used Playwright's sync API earlier in this process
    has an event loop running in this thread, where ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


pytest.importorskip("websockets")

SESSIONS = 16
CHANGES = [
    ("dates", (dt.date(2025, 3, 1), dt.date(2025, 5, 31))),
    ("cat_arrest", False),
    ("style", "Heat map"),  # a new drawing style: a new map, rendered while other sessions send the old one
    ("dates", (dt.date(2024, 1, 1), dt.date(2025, 12, 31))),
]


@pytest.fixture(scope="module")
def server():
    with ws_driver.serve() as (base, proc):
        yield base, proc


def test_concurrent_sessions_rerun_without_errors(server):
    base, proc = server
    # One link for all: every session is sent the one cached map (each link view is a session's own, see below).
    queries = ["start=2024-06-01"] * SESSIONS
    results = _run(ws_driver.sessions(base, queries, CHANGES, timeout=180))
    runs = [run for r in results if not isinstance(r, BaseException) for run in r.runs]
    assert ws_driver.failed_runs(results) == []
    assert len(runs) == SESSIONS * (1 + len(CHANGES))
    assert all(run.finished for run in runs)


def _views(first: int, n: int) -> list[str]:
    return [f"lat={25 + i * 0.37:.5f}&lon={-120 + i * 0.61:.5f}&zoom={3 + i % 12}" for i in range(first, first + n)]


def test_links_with_distinct_views_cost_no_more_than_the_same_link(server):
    base, proc = server
    n = 10
    _run(ws_driver.sessions(base, [""]))  # the map for the default filters, built once

    def cpu_of(queries):
        before = ws_driver.cpu_seconds(proc.pid)
        results = _run(ws_driver.sessions(base, queries))
        assert ws_driver.failed_runs(results) == []
        return ws_driver.cpu_seconds(proc.pid) - before

    same = cpu_of([""] * n)
    distinct = cpu_of(_views(0, n))
    after_first = ws_driver.rss_mb(proc.pid)
    cpu_of(_views(n, n))
    # A map per view cost 2.3 CPU s per open on the bundle (an open is about 0.5): ten such opens would show.
    assert distinct < 1.5 * same + 1.0, (distinct, same)
    # And each kept map tens of MB (hundreds at 1e6): ten more views must not grow the server.
    assert ws_driver.rss_mb(proc.pid) - after_first < 40
