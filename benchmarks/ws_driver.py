"""Drive the app as browsers do: Streamlit sessions over its websocket, without a browser.

A session connects to ``/_stcore/stream``, asks for a run of the script with a page's query
(``BackMsg.rerun_script``), then changes widgets as a reader would (each change is one more
rerun with that widget's new value) and reads every ``ForwardMsg`` the server sends back: the
bytes, the time until ``script_finished``, and any error the page would show (an
``exception`` element, or a run that never finishes).

Used by ``benchmarks/bench_viewers.py`` (k concurrent sessions: CPU per action, latency,
bytes, errors) and by ``tests/app/test_app_load.py`` (0 failed reruns under concurrency).

    python3 benchmarks/ws_driver.py [--sessions K] [--port P]

starts ``streamlit run app.py`` (bundled data unless ``ICE_MAP_STORE`` is set), runs K
sessions at once (open, date change, category change) and prints what each cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """One script run as a session saw it."""

    action: str
    seconds: float = 0.0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)
    finished: bool = False


@dataclass
class Session:
    """What one session saw, run by run; ``widgets`` maps each widget's key to its id."""

    runs: list[Run] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)
    #: Hashes of the large messages received, which a browser keeps and names in each rerun request so the
    #: server sends a reference instead of the message again (Streamlit's ForwardMsg cache).
    cached: set[str] = field(default_factory=set)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict | None = None, port: int | None = None, timeout: float = 120.0, root: Path = ROOT):
    """``streamlit run app.py`` on a free port, yielding ``(base_url, process)``; stopped on exit.

    ``root``: the checkout whose app.py runs (another one for a before/after comparison)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
           "--server.fileWatcherType=none"]
    full_env = os.environ | {"PYTHONPATH": str(root)} | (env or {})
    # The server's log goes to a file: a pipe nobody reads fills up and stops the server mid-run.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.3)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _collect_widgets(msg, session: Session) -> None:
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind is None:
        return
    if kind == "exception":
        return
    inner = getattr(element, kind)
    wid = getattr(inner, "id", "")
    if wid and wid.startswith("$$ID-"):
        session.widgets[wid.rsplit("-", 1)[-1]] = wid


async def _one_run(ws, session: Session, action: str, state, timeout: float) -> Run:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    run = Run(action)
    back = BackMsg()
    back.rerun_script.CopyFrom(state)
    t0 = time.perf_counter()
    await ws.send(back.SerializeToString())
    try:
        async with asyncio.timeout(timeout):
            while True:
                data = await ws.recv()
                run.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if msg.metadata.cacheable and msg.hash:
                    session.cached.add(msg.hash)
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    if element.WhichOneof("type") == "exception":
                        ex = element.exception
                        run.errors.append(f"{ex.type}: {ex.message}")
                    _collect_widgets(msg, session)
                elif kind == "script_finished":
                    if msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                               ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                        run.finished = True
                        break
                    if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        run.errors.append("compile error")
                        break
    except TimeoutError:
        run.errors.append(f"no script_finished within {timeout:.0f} s")
    run.seconds = time.perf_counter() - t0
    return run


def _state(query: str, widgets=(), cached=()):
    from streamlit.proto.ClientState_pb2 import ClientState

    state = ClientState(query_string=query, cached_message_hashes=sorted(cached))
    for w in widgets:
        state.widget_states.widgets.append(w)
    return state


def widget_value(wid: str, value):
    """A ``WidgetState`` as the frontend sends it: bool for checkboxes, a pair of dates for a range, the shown
    label of a radio button's option."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    w = WidgetState(id=wid)
    if isinstance(value, bool):
        w.bool_value = value
    elif isinstance(value, tuple):
        w.string_array_value.data.extend(f"{d:%Y/%m/%d}" for d in value)
    elif isinstance(value, str):
        w.string_value = value
    else:
        raise TypeError(f"no wire form for {value!r}")
    return w


class Client:
    """One browser tab: ``await c.connect()``, ``await c.open(query)``, ``await c.change(key, value)``,
    ``await c.close()``; what each run cost is in ``c.session.runs``."""

    def __init__(self, base: str, timeout: float = 300.0):
        self.url = base.replace("http", "ws", 1) + "/_stcore/stream"
        self.timeout = timeout
        self.session = Session()
        self.query = ""
        self.ws = None

    async def connect(self):
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=self.timeout, ping_interval=None)
        return self

    async def open(self, query: str = "") -> Run:
        self.query = query
        run = await _one_run(self.ws, self.session, "open", _state(query), self.timeout)
        self.session.runs.append(run)
        return run

    async def change(self, key: str, value) -> Run:
        wid = self.session.widgets.get(key)
        if wid is None:
            run = Run(f"set {key}", errors=[f"no widget {key!r} on the page"])
        else:
            state = _state(self.query, [widget_value(wid, value)], self.session.cached)
            run = await _one_run(self.ws, self.session, f"set {key}", state, self.timeout)
        self.session.runs.append(run)
        return run

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


async def session(base: str, query: str = "", changes=(), timeout: float = 300.0) -> Session:
    """One reader: open the page at ``?query``, then make each change (``(widget key, value)``) in turn.

    Every run's bytes, time and errors are in the returned :class:`Session`; a widget the page did not
    show is an error of that run.
    """
    client = await Client(base, timeout).connect()
    try:
        await client.open(query)
        for key, value in changes:
            await client.change(key, value)
    finally:
        await client.close()
    return client.session


async def sessions(base: str, queries, changes=(), timeout: float = 300.0) -> list[Session | BaseException]:
    """One session per query, all at once."""
    return await asyncio.gather(*(session(base, q, changes, timeout) for q in queries), return_exceptions=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def failed_runs(results) -> list[str]:
    """Every error any session saw (a session that crashed counts as one)."""
    out = []
    for r in results:
        if isinstance(r, BaseException):
            out.append(f"session: {r!r}")
            continue
        for run in r.runs:
            out += [f"{run.action}: {e}" for e in run.errors]
            if not run.finished and not run.errors:
                out.append(f"{run.action}: not finished")
    return out


def main(argv=None) -> int:
    import datetime as dt

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=4)
    args = ap.parse_args(argv)
    changes = [("dates", (dt.date(2025, 3, 1), dt.date(2025, 5, 31))), ("cat_arrest", False)]
    with serve() as (base, proc):
        results = asyncio.run(sessions(base, [""] * args.sessions, changes))
    for r in results:
        if isinstance(r, BaseException):
            print("session failed:", r)
            continue
        print("  ".join(f"{run.action}: {run.seconds:.2f} s {run.bytes / 1e3:.0f} kB"
                        + (f" ERR {run.errors}" if run.errors else "") for run in r.runs))
    return 1 if failed_runs(results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
