"""A large build run in a forked copy of the server, so that what it takes is never the server's.

The map of every incident of a million-incident store peaks at about 4 GB while it is built (the
records' text as Python objects) and, freed, leaves the server hundreds of MB larger: the small
objects that outlive a build pin the memory it used (Python's arenas, the C heap). :func:`in_child`
runs the build in a child made by ``fork`` (a copy of the server sharing its memory until either
writes), sends its result back pickled through a pipe, and the child's memory ends with it. The
files a build writes (the map's points and popup shards) are written by the child as they were by
the server. Where ``fork`` is missing, where this process reads a database (a child would open
connections of its own beside the pool's, :mod:`geodata.store.pool`), or when the child dies without
an answer (the system killed it), the build runs in this process, as before.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import selectors
import signal
import threading
import time

from ..store import pool

__all__ = ["CHILD_ENV", "DEADLINE_ENV", "in_child", "in_a_child"]

#: ``ICE_MAP_BUILD_IN_CHILD=0`` builds in the server's own process.
CHILD_ENV = "ICE_MAP_BUILD_IN_CHILD"
#: Seconds a child may take before it is ended and the build runs in the server (a map of a million
#: incidents takes about 20 s here). A fork copies only the thread that forks: a lock another thread
#: held at that moment stays held in the child, which would then wait for ever; this bounds the wait.
DEADLINE_ENV, DEADLINE_SECONDS = "ICE_MAP_BUILD_CHILD_SECONDS", 600.0

_log = logging.getLogger(__name__)
_in_a_child = False
_forking = threading.Lock()


def in_a_child() -> bool:
    """Whether this process is a child of :func:`in_child` (what it frees goes with it: no need to collect)."""
    return _in_a_child


def _run(build, args, kwargs) -> bytes:
    try:
        return pickle.dumps((True, build(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - raised again in the server, as if built there
        try:
            sent = pickle.dumps((False, exc))
            pickle.loads(sent)  # some pickle but do not unpickle (an __init__ with other arguments)
            return sent
        except Exception:  # noqa: BLE001 - an exception that does not travel: its words
            return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _deadline() -> float:
    try:
        return max(float(os.environ.get(DEADLINE_ENV, DEADLINE_SECONDS)), 0.1)
    except ValueError:
        return DEADLINE_SECONDS


def _answer(read: int, pid: int, seconds: float) -> bytes | None:
    """The child's whole answer read from ``read`` (closed after), or ``None`` when it ended without one or took
    longer than ``seconds``."""
    parts, end = [], time.monotonic() + seconds
    with os.fdopen(read, "rb", buffering=0) as answer, selectors.DefaultSelector() as waiting:
        waiting.register(answer, selectors.EVENT_READ)  # epoll where there is one: no limit on the descriptor
        while True:
            left = end - time.monotonic()
            if left <= 0 or not waiting.select(left):
                _log.warning("the build's child took more than %.0f s: ended", seconds)
                return None
            part = answer.read(1 << 20)
            if not part:
                return b"".join(parts) or None
            parts.append(part)


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # pragma: no cover - already reaped
        pass


def in_child(build):
    """``build`` (a function) made to run in a forked child of this process, its result returned here.

    Its exceptions are raised here too. The result must pickle. Use it for a build whose peak
    memory or leftovers matter more than the fork's cost (a few ms) and the pickling of its result.
    """

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        global _in_a_child
        if not hasattr(os, "fork") or _in_a_child or os.environ.get(CHILD_ENV, "").strip() == "0" or pool._pools:
            return build(*args, **kwargs)
        with _forking:  # a child another thread forked meanwhile would hold this pipe's end: no end of file
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError as exc:  # no memory or no process left for a copy
                os.close(read)
                os.close(write)
                pid, why = None, exc
            if pid == 0:  # the child: build, answer, end (no atexit handlers: they are the server's)
                code = 1
                try:
                    _in_a_child = True
                    os.close(read)
                    data = _run(build, args, kwargs)
                    with os.fdopen(write, "wb") as out:
                        out.write(data)
                    code = 0
                finally:
                    os._exit(code)
            if pid is not None:
                os.close(write)
        if pid is None:
            _log.warning("no copy of the server for the build (%s): building in the server", why)
            return build(*args, **kwargs)
        data = None
        try:
            data = _answer(read, pid, _deadline())
        finally:
            if data is None:
                _end(pid)
            _, status = os.waitpid(pid, 0)  # reaped whatever happened: no process left behind
        if data is None:
            _log.warning("the build's child gave no answer (status %d): building in the server", status)
            return build(*args, **kwargs)
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    return wrapper
