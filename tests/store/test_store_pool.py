"""The PostGIS store borrows connections from one pool per process: reruns of the app open at most the
pool's size of connections, counted by the server (``pg_stat_database.sessions``, ``pg_stat_activity``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("psycopg_pool")

from streamlit.testing.v1 import AppTest  # noqa: E402

from geodata.core.report import GeodataError  # noqa: E402
from geodata.store import load_bundle, open_store  # noqa: E402
from geodata.store.pool import POOL_ENV, close_pools, pool_size  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
RERUNS = 6
SIZE = 2
#: An idle session reports its statistics at most once a second: wait that long before counting.
STATS_FLUSH_SECONDS = 2.5


def _sessions(postgis_cluster, name: str) -> int:
    """Connections ever opened to database ``name`` (the server's count), after its statistics are flushed."""
    time.sleep(STATS_FLUSH_SECONDS)
    with psycopg.connect(postgis_cluster.url(database="postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()[0])


def _open_now(postgis_cluster, name: str) -> int:
    with psycopg.connect(postgis_cluster.url(database="postgres"), autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name "
                                "= 'geodata'", (name,)).fetchone()[0])


def test_app_reruns_open_at_most_the_pools_size_of_connections(postgis_cluster, pg_database, monkeypatch):
    url, name = pg_database
    writer = open_store(url, create=True)
    writer.seed(load_bundle())
    close_pools()  # the writer's connection: only the app's are counted
    monkeypatch.setenv(POOL_ENV, str(SIZE))
    monkeypatch.setenv("ICE_MAP_STORE", url)
    before = _sessions(postgis_cluster, name)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    for _ in range(RERUNS):
        at.run()  # each rerun reads the store's generation at least
        assert not at.exception, at.exception
    # Closed sessions report their count when they end; this lets the ones still open report too.
    opened = _sessions(postgis_cluster, name) - before
    assert 1 <= _open_now(postgis_cluster, name) <= SIZE
    # One reader pool of SIZE connections (plus the single probe that opened it), whatever the reruns:
    # a connection per read would be several per rerun.
    assert 1 <= opened <= SIZE + 1, opened


def test_a_store_reads_many_times_over_the_same_connections(postgis_cluster, pg_database, monkeypatch):
    url, name = pg_database
    monkeypatch.setenv(POOL_ENV, str(SIZE))
    store = open_store(url, create=True)
    store.seed(load_bundle())
    close_pools()
    before = _sessions(postgis_cluster, name)
    reader = open_store(url, read_only=True)
    for _ in range(50):
        reader.generation()
        reader.metadata()
    assert 1 <= _sessions(postgis_cluster, name) - before <= SIZE + 1
    with pytest.raises(GeodataError, match="read-only"):
        reader.write_incidents(load_bundle().incidents.head(1))


def test_a_pool_size_that_is_not_a_number_is_one_clear_message(monkeypatch):
    monkeypatch.setenv(POOL_ENV, "many")
    with pytest.raises(GeodataError, match=POOL_ENV):
        pool_size()
    monkeypatch.setenv(POOL_ENV, "0")
    with pytest.raises(GeodataError, match="1 or more"):
        pool_size()
    monkeypatch.delenv(POOL_ENV)
    assert pool_size() == 4
