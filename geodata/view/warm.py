"""The map of a new data version, built by the server in the background, not by its first reader.

After ``geodata import ... --store`` the store's generation moves; the app's next run
reads the store again, draws the map and writes its points file and popup shards
(:mod:`geodata.view.shards`).  On a large store that is most of a minute, and without
this the first reader after each import waited for it.  :func:`watch_generation` reads
the generation every few seconds in a thread of the app's process and, when it moves,
calls ``on_change``: the app asks its own server to run the page once with the
default view (Streamlit's script health check), which fills every cache the readers'
runs share.  :func:`run_page` is that request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable

from ..core.report import GeodataError

__all__ = ["ATTEMPTS", "WARM_ENV", "DEFAULT_WARM_SECONDS", "warm_seconds", "watch_generation", "run_page",
           "health_check_url", "start_warming"]

#: Seconds between two reads of the store's generation (0: never warm in the background).
WARM_ENV = "ICE_MAP_WARM_SECONDS"
DEFAULT_WARM_SECONDS = 5.0
#: Streamlit's own limit on one run of the script health check is 60 s; a larger store takes longer.
RUN_TIMEOUT = 600
#: Runs of the page tried for one data version before the watcher waits for the next one.
ATTEMPTS = 3

_log = logging.getLogger(__name__)


def warm_seconds() -> float:
    """``$ICE_MAP_WARM_SECONDS`` (0 or more), else :data:`DEFAULT_WARM_SECONDS`."""
    text = os.environ.get(WARM_ENV, "").strip()
    if not text:
        return DEFAULT_WARM_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if not seconds >= 0:
        raise GeodataError(f"{WARM_ENV} must be a number of seconds, 0 or more (not {text!r})")
    return seconds


def health_check_url(address: str | None, port: int, base_path: str | None = None) -> str:
    """The URL of Streamlit's script health check on this server (the loopback if it listens on every address)."""
    host = address if address and address not in ("0.0.0.0", "::") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    base = (base_path or "").strip("/")
    return f"http://{host}:{port}/{base + '/' if base else ''}_stcore/script-health-check"


def run_page(url: str, *, timeout: float = RUN_TIMEOUT) -> str:
    """Ask the server at ``url`` (:func:`health_check_url`) to run the page once; its answer (``ok``)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace").strip()


def watch_generation(read: Callable[[], object], on_change: Callable[[object], None], *, interval: float,
                     stop: threading.Event | None = None) -> threading.Thread:
    """Start a daemon thread that calls ``read()`` every ``interval`` seconds and ``on_change(new)`` when
    its value differs from the one before (the first read only sets it).

    A failing ``read`` is logged and tried again at the next tick (the store may be briefly
    unreachable); a failing ``on_change`` too, :data:`ATTEMPTS` times per value, so that a page that
    fails with new data does not run every few seconds.  Readers' own runs still build what they need.
    """
    stop = stop or threading.Event()

    def loop():
        last, failed = _safe(read), 0
        while not stop.wait(interval):
            now = _safe(read)
            if now is None or now == last:
                continue
            started = time.perf_counter()
            try:
                on_change(now)
                last, failed = now, 0
                _log.info("data version %r made ready in %.1f s", now, time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - logged; the next tick tries again, a few times
                failed += 1
                _log.exception("making data version %r ready failed (attempt %d of %d)", now, failed, ATTEMPTS)
                if failed >= ATTEMPTS:  # a page that fails with this data fails for its readers too: stop trying
                    last, failed = now, 0

    thread = threading.Thread(target=loop, name="ice-map-warm", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def start_warming(store, option: Callable[[str], object]) -> threading.Thread | None:
    """Watch ``store``'s generation and run the page once on this server each time it moves.

    ``option`` reads the server's settings (``streamlit.get_option``).  None, and nothing started,
    when ``$ICE_MAP_WARM_SECONDS`` is 0 (or not a number: logged) or the server's script health
    check is off (``server.scriptHealthCheckEnabled``, on in this project's .streamlit/config.toml).
    """
    try:
        seconds = warm_seconds()
    except GeodataError as exc:
        _log.warning("%s; the map of new data is drawn by its first reader", exc)
        return None
    if not seconds or not option("server.scriptHealthCheckEnabled"):
        return None
    url = health_check_url(option("server.address"), int(option("server.port")), option("server.baseUrlPath"))

    def warm(generation):
        answer = run_page(url)
        if answer != "ok":  # the page failed with the new data: its readers see why, the log says when
            raise RuntimeError(f"the page's run answered {answer!r}")

    return watch_generation(store.generation, warm, interval=seconds)


def _safe(read: Callable[[], object]):
    try:
        return read()
    except Exception:  # noqa: BLE001
        _log.warning("reading the store's generation failed", exc_info=True)
        return None
