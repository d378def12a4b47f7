"""Fixtures for tests in a real browser.

The app runs under ``streamlit run`` on a free port; Chromium from Debian
(``/usr/bin/chromium``, or where ``$CHROMIUM`` points) is driven by Playwright
for Python through ``executable_path``: never a browser that Playwright
downloads.  Where Chromium or the ``playwright`` package is missing these tests
skip and say why; in CI (``CI=true``) that is a failure.

Every page records each request it makes (and its websocket), and refuses any
request to another host, so no test reaches past this machine and a tile
server that cannot be reached is the same on every machine.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 90
# A download is built when its button is clicked: on a loaded 2-core machine that can take more than
# the 30 s default wait, which is not what these tests are about.
DOWNLOAD_MS = 120_000
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

# Finds the Leaflet map in the map's frame and reports what is on it.
JS_DIR = Path(__file__).parent / "js"
MAP_STATE_JS = (JS_DIR / "map_state.js").read_text(encoding="utf-8")


def _missing(reason: str):
    if IN_CI:
        pytest.fail(reason + "; CI must run the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (python3 -m pip install -e '.[test]')")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


class AppServer:
    """``streamlit run app.py`` on a free port of 127.0.0.1, with extra environment."""

    def __init__(self, env: dict[str, str], log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.log = log
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("ICE_MAP_", "STREAMLIT_"))}
        full_env.update(env)
        # Run from the repository, so .streamlit/config.toml applies as it does for a user
        # (it turns off the usage statistics that would call data.streamlit.io).
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.headless=true", f"--server.port={self.port}", "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
        ]
        self._log_file = open(log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_healthy()

    def _wait_healthy(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with status {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit not healthy after {STARTUP_SECONDS} s:\n{self.log_text()}")
            time.sleep(0.1)  # poll interval

    def log_text(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


@pytest.fixture(scope="session")
def start_app(tmp_path_factory, browser):
    """Start the app with extra environment variables; every server stops at the end."""
    servers: list[AppServer] = []

    def start(**env: str) -> AppServer:
        log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
        server = AppServer(env, log)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def app_server(start_app) -> AppServer:
    """The app as it ships: bundled data, tiles by default."""
    return start_app()


@pytest.fixture(scope="session")
def offline_server(start_app) -> AppServer:
    """The app with ``ICE_MAP_OFFLINE=1``: no third-party requests for anyone."""
    return start_app(ICE_MAP_OFFLINE="1")


#: What Chrome on an Android phone sends (Playwright's "Pixel 7"): a phone by its user agent (layers.page.phone_layout
#: gives it the phone's layout; benchmarks/bench_page.py's phone profile sends the same).
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/159.0.8154.6 "
            "Mobile Safari/537.36")


class AppPage:
    """A browser tab on one app server, recording every request it makes."""

    def __init__(self, page, server: AppServer):
        self.page = page
        self.server = server
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("websocket", lambda ws: self.requests.append(ws.url))
        page.on("dialog", self._on_dialog)
        own = re.escape(server.host)
        page.route(re.compile(rf"^(?!(https?|wss?)://{own}/)[a-z]+://.*"), lambda route: route.abort())
        page.set_default_timeout(30_000)

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in self.requests if not u.startswith(("data:", "blob:", "about:"))}

    def open(self, query: str = "") -> dict:
        self.page.goto(f"{self.server.url}/{query}")
        self.wait_idle()
        # Every point layer has its columns (a layer drawn from a file fetches them first).
        state = self.map_state(lambda s: s["points"] and all(p["loaded"] for p in s["points"].values()))
        self.wait_map_still()
        return state

    def wait_idle(self):
        self.page.wait_for_selector(IDLE, timeout=60_000)

    def map_frame(self):
        frames = [f for f in self.page.frames if "st_folium" in f.url and not f.is_detached()]
        return frames[-1] if frames else None

    def map_state(self, ready=lambda s: True, timeout: float = 30) -> dict:
        """The map's state once ``ready(state)`` holds; the last state seen if it never does."""
        deadline = time.monotonic() + timeout
        state = None
        while True:
            frame = self.map_frame()
            if frame is not None:
                try:
                    state = frame.evaluate(MAP_STATE_JS) or state
                except Exception:  # the frame was replaced by a rerun meanwhile
                    pass
            if state is not None and ready(state):
                return state
            if time.monotonic() > deadline:
                return state or {}
            self.page.wait_for_timeout(100)  # poll interval

    def wait_map_still(self, timeout: float = 10):
        """Until the map stops moving: it pans a little once its frame has its final size."""
        body = (
            "var c = map.getCenter(); var moving = map._animatingZoom || (map._panAnim && map._panAnim._inProgress);"
            " return [c.lat, c.lng, map.getZoom(), !!moving];"
        )
        deadline = time.monotonic() + timeout
        last = None
        while True:
            now = self.evaluate_on_map(body)
            if now == last and not now[3]:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the map kept moving: {last} -> {now}")
            last = now
            self.page.wait_for_timeout(150)  # poll interval

    def evaluate_on_map(self, body: str, arg=None):
        """Run ``body`` (a function of ``map`` and ``arg``) in the map's frame."""
        frame = self.map_frame()
        return frame.evaluate(
            "([body, arg]) => { var map = null;"
            " for (var k of Object.keys(window)) { try { if (window[k] instanceof L.Map) { map = window[k]; break; } }"
            " catch (e) {} }"
            " return new Function('map', 'arg', body)(map, arg); }",
            [body, arg],
        )


@contextlib.contextmanager
def app_page(browser, server: AppServer, **context):
    """An :class:`AppPage` in a browser context of its own (``context``: Playwright's ``new_context`` options,
    such as a phone's viewport and user agent), closed on leaving."""
    ctx = browser.new_context(**context)
    try:
        yield AppPage(ctx.new_page(), server)
    finally:
        ctx.close()


@pytest.fixture()
def open_page(browser):
    """``open_page(server) -> AppPage``: a fresh browser context per page."""
    contexts = []

    def make(server: AppServer) -> AppPage:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        contexts.append(context)
        return AppPage(context.new_page(), server)

    yield make
    for context in contexts:
        context.close()


def unfold_legend(box) -> None:
    """Open the map's legend (``box``: the ``.map-legend`` locator) if it is folded.  On a wide frame the legend
    opens by itself as the map settles (layers/js/legend.js): wait for that a moment rather than click it shut."""
    details = box.locator("details").first
    for _ in range(30):
        if details.evaluate("d => d.open"):
            return
        box.page.wait_for_timeout(100)
    box.locator("summary").first.click()
