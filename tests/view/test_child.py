"""A build run in a forked child: its result and its errors come back, its memory does not."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from geodata.store import pool
from geodata.view.child import CHILD_ENV, DEADLINE_ENV, in_a_child, in_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")


@pytest.fixture(autouse=True)
def _no_database(monkeypatch):
    monkeypatch.setattr(pool, "_pools", {})  # pools other tests left in this process: none here


_OUTLIVE: list = []


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_a_build_runs_in_another_process_and_its_result_comes_back():
    build = in_child(lambda x, *, y: (os.getpid(), in_a_child(), x + y))
    pid, child, total = build(2, y=3)
    assert pid != os.getpid() and child and total == 5
    assert not in_a_child()  # this process is not one


def test_a_builds_error_is_raised_in_the_caller_as_it_was_raised():
    @in_child
    def build():
        raise ValueError("no such layer: 'x'")

    with pytest.raises(ValueError, match="no such layer"):
        build()


def test_a_child_killed_without_an_answer_falls_back_to_building_here():
    me = os.getpid()

    @in_child
    def build():
        if os.getpid() != me:
            os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer would
        return os.getpid()

    assert build() == me


def test_the_build_stays_in_the_process_when_the_environment_says_so(monkeypatch):
    monkeypatch.setenv(CHILD_ENV, "0")
    assert in_child(os.getpid)() == os.getpid()


def test_a_process_reading_a_database_builds_in_itself_not_in_a_child_with_connections_of_its_own(monkeypatch):
    monkeypatch.setattr(pool, "_pools", {("postgresql://x", ()): object()})
    assert in_child(os.getpid)() == os.getpid()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_what_a_build_takes_is_not_kept_by_the_caller():
    @in_child
    def build():
        held = [str(i) * 3 for i in range(3_000_000)]  # a few hundred MB of small objects, as a map's text
        _OUTLIVE.extend(held[::500])  # and a few that outlive it (a cache), pinning the memory round them
        return len(held)

    before = _rss_mb()
    assert build() == 3_000_000
    assert _rss_mb() - before < 20
    assert in_child.__doc__ and build.__name__ == "build"  # a wrapped function keeps its name (Streamlit's key)


def test_a_child_that_never_answers_is_ended_and_the_build_runs_here(monkeypatch):
    # A lock another thread held at the fork stays held in the child: it would wait for ever.
    monkeypatch.setenv(DEADLINE_ENV, "0.5")
    me = os.getpid()

    @in_child
    def build():
        if os.getpid() != me:
            signal.pause()  # waits for a signal that never comes, as on a lock nobody will release
        return os.getpid()

    assert build() == me


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_when_no_copy_can_be_made_the_build_runs_here_and_no_descriptor_is_left_open(monkeypatch):
    def no_fork():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_fork)
    before = _open_descriptors()
    assert in_child(os.getpid)() == os.getpid()
    assert _open_descriptors() == before


class Odd(Exception):
    """Pickles (a class of a module) but does not unpickle: its ``__init__`` takes two arguments, its args one."""

    def __init__(self, layer, why):
        super().__init__(f"{layer}: {why}")


def test_an_error_that_pickles_but_does_not_unpickle_comes_back_in_words():
    @in_child
    def build():
        raise Odd("incidents", "no rows")

    with pytest.raises(RuntimeError, match="Odd: incidents: no rows"):
        build()


def test_a_build_answers_when_the_server_has_more_than_1024_descriptors_open():
    # select() cannot watch a descriptor numbered 1024 or more; a server with many readers has such numbers.
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this system allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = []
    try:
        while not held or held[-1] < 1030:
            held.append(os.open(os.devnull, os.O_RDONLY))
        assert in_child(lambda: 42)() == 42
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
