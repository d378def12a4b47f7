"""One pool of database connections per process, for the PostGIS store.

Without it every read (the app reads the store's generation on each rerun) opened a
new connection: a TCP and TLS handshake, authentication and a new server process
each time.  :func:`shared_pool` keeps ``$ICE_MAP_DB_POOL`` connections at most (4
by default) per database and mode in this process, opened as needed and checked
before each use (a connection the server dropped is replaced, not handed out).
Several app processes each hold their own pool: put PgBouncer in front when they
multiply (docs/scaling.md).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable

from ..core.report import GeodataError

__all__ = ["POOL_ENV", "DEFAULT_POOL_SIZE", "POOL_WAIT_SECONDS", "pool_size", "shared_pool", "close_pools"]

#: The environment variable that sets the most connections one process keeps to one database.
POOL_ENV = "ICE_MAP_DB_POOL"
DEFAULT_POOL_SIZE = 4
#: How long a reader waits for a free connection (or for the server) before it is told the store
#: cannot be reached.
POOL_WAIT_SECONDS = 30.0

_pools: dict = {}
_lock = threading.Lock()


def pool_size() -> int:
    """``$ICE_MAP_DB_POOL`` (a whole number, 1 or more), else :data:`DEFAULT_POOL_SIZE`."""
    text = os.environ.get(POOL_ENV, "").strip()
    if not text:
        return DEFAULT_POOL_SIZE
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size < 1:
        raise GeodataError(f"{POOL_ENV} must be a whole number of connections, 1 or more (not {text!r})")
    return size


def shared_pool(dsn: str, kwargs: dict, probe: Callable[[], None]):
    """This process's pool of connections to ``dsn`` opened with ``kwargs`` (made on first use).

    ``probe()`` runs once before the pool is made: it opens and closes one connection directly,
    so that a server that refuses us says why in its own words, not as a pool's time-out.
    """
    try:
        from psycopg_pool import ConnectionPool  # the postgis extra
    except ImportError:
        raise GeodataError("a postgresql:// store needs psycopg_pool (pip install 'psycopg_pool')") from None
    key = (dsn, tuple(sorted(kwargs.items())))
    with _lock:
        pool = _pools.get(key)
        if pool is None or pool.closed:
            probe()
            size = pool_size()
            pool = ConnectionPool(dsn, kwargs=dict(kwargs), min_size=1, max_size=size, timeout=POOL_WAIT_SECONDS,
                                  check=ConnectionPool.check_connection, name="geodata", num_workers=1, open=True)
            _pools[key] = pool
    return pool


def close_pools() -> None:
    """Close every pool of this process (at exit: the server sees the connections end cleanly)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _forget_in_a_child() -> None:
    """In a forked child (:mod:`geodata.view.child`): the parent's connections and their lock are the parent's;
    the child opens its own."""
    global _lock
    _pools.clear()
    _lock = threading.Lock()


atexit.register(close_pools)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_a_child)
