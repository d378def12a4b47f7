"""The background watcher of the store's generation (geodata/view/warm.py), without a server."""

from __future__ import annotations

import threading

import pytest

from geodata.core.report import GeodataError
from geodata.view.warm import ATTEMPTS, WARM_ENV, health_check_url, start_warming, warm_seconds, watch_generation


def test_a_new_generation_is_made_ready_once_and_a_failed_read_is_tried_again():
    values = iter([1, 1, RuntimeError("store away"), 2, 2, 2, 3] + [3] * 1000)
    seen, done = [], threading.Event()

    def read():
        value = next(values)
        if isinstance(value, Exception):
            raise value
        return value

    def on_change(generation):
        seen.append(generation)
        if generation == 3:
            done.set()

    thread = watch_generation(read, on_change, interval=0.01)
    assert done.wait(10)
    thread.stop.set()
    thread.join(5)
    assert seen == [2, 3]


def test_a_failed_warm_run_is_tried_again_at_the_next_tick():
    calls, done = [], threading.Event()

    def on_change(generation):
        calls.append(generation)
        if len(calls) == 1:
            raise RuntimeError("the page failed")
        done.set()

    values = iter([1] + [2] * 10_000)
    thread = watch_generation(lambda: next(values), on_change, interval=0.01)
    assert done.wait(10)
    thread.stop.set()
    assert calls[:2] == [2, 2]


def test_the_health_check_url_is_on_the_loopback_when_the_server_listens_everywhere():
    assert health_check_url("", 8501) == "http://127.0.0.1:8501/_stcore/script-health-check"
    assert health_check_url("0.0.0.0", 80, "/map/") == "http://127.0.0.1:80/map/_stcore/script-health-check"
    assert health_check_url("::1", 8501) == "http://[::1]:8501/_stcore/script-health-check"


def test_warming_is_off_without_the_health_check_or_with_zero_seconds(monkeypatch):
    class Store:
        def generation(self):
            return 0

    options = {"server.scriptHealthCheckEnabled": False, "server.address": "", "server.port": 1,
               "server.baseUrlPath": ""}
    monkeypatch.setenv(WARM_ENV, "5")
    assert start_warming(Store(), options.get) is None
    options["server.scriptHealthCheckEnabled"] = True
    monkeypatch.setenv(WARM_ENV, "0")
    assert start_warming(Store(), options.get) is None
    monkeypatch.setenv(WARM_ENV, "soon")
    assert start_warming(Store(), options.get) is None  # logged, not raised: the app still serves
    with pytest.raises(GeodataError, match=WARM_ENV):
        warm_seconds()


def test_a_page_that_keeps_failing_is_tried_a_few_times_per_data_version():
    calls, done = [], threading.Event()

    def on_change(generation):
        calls.append(generation)
        if generation == 3:
            done.set()
        raise RuntimeError("the page failed")

    values = iter([1] + [2] * 30 + [3] * 10_000)
    thread = watch_generation(lambda: next(values), on_change, interval=0.01)
    assert done.wait(10)
    thread.stop.set()
    thread.join(5)
    assert calls.count(2) == ATTEMPTS and calls[ATTEMPTS] == 3
