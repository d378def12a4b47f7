"""geodata.view.kept.KeptValues: what the app makes once per view for every reader (issue 21)."""

from __future__ import annotations

import threading
import time

from geodata.view.kept import KeptValues


def test_a_value_is_made_once_per_key_even_when_readers_ask_at_once():
    kept, made = KeptValues(), []

    def make():
        made.append(1)
        time.sleep(0.05)  # long enough for every reader to ask while it is being made
        return object()

    got = []
    readers = [threading.Thread(target=lambda: got.append(kept.get(("view", 1), make))) for _ in range(8)]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    assert len(made) == 1 and len({id(v) for v in got}) == 1 and len(got) == 8
    assert kept.get(("view", 2), lambda: "other") == "other" and len(kept) == 2


def test_the_least_recently_used_value_goes_first_when_full():
    kept = KeptValues(max_entries=2)
    kept.get("a", lambda: 1)
    kept.get("b", lambda: 2)
    kept.get("a", lambda: 0)  # used: "b" is now the oldest
    kept.get("c", lambda: 3)
    assert len(kept) == 2
    assert kept.get("a", lambda: "again") == 1 and kept.get("b", lambda: "again") == "again"


def test_a_value_is_made_again_after_its_time():
    now = [0.0]
    kept = KeptValues(ttl=10, clock=lambda: now[0])
    assert kept.get("k", lambda: "first") == "first"
    now[0] = 9.0
    assert kept.get("k", lambda: "second") == "first"
    now[0] = 20.0
    assert kept.get("k", lambda: "second") == "second"


def test_a_failed_make_keeps_nothing_and_the_next_reader_makes_it():
    kept = KeptValues()

    def fail():
        raise ValueError("no")

    try:
        kept.get("k", fail)
    except ValueError:
        pass
    assert len(kept) == 0 and kept.get("k", lambda: 5) == 5


def test_a_hundred_readers_views_are_kept_for_their_category_change():
    # What app.py asks per view (about ten values), for a hundred readers each on a range of their own, each then
    # changing to another: the values of the second ranges that a category change reuses are found, not made again.
    kept, made = KeptValues(), []
    per_view = ("figures", "metrics", "drawn", "weekly", "weekly chart", "export size",
                "months", "months chart", "unplaced", "cards")
    for view in [("open", i) for i in range(100)] + [("changed", i) for i in range(100)]:
        for piece in per_view:
            kept.get((piece, view), lambda p=piece, v=view: made.append((p, v)))
    assert len(made) == 2000
    for i in range(100):  # a category change: new incidents, the same dates
        for piece in ("figures", "metrics", "drawn", "weekly", "weekly chart", "export size"):
            kept.get((piece, ("changed", i, "protest")), lambda p=piece: made.append(p))
        for piece in ("months", "months chart", "unplaced", "cards"):
            kept.get((piece, ("changed", i)), lambda p=piece: made.append(p))
    assert len(made) == 2000 + 600


def test_made_once_applies_the_decorator_the_first_time_a_functions_code_is_seen():
    from geodata.view.kept import made_once

    applied = []

    def decorator(function):
        applied.append(function)
        return lambda: ("decorated", function())

    def script_run(value):  # what each rerun of a script does: the same code, a new function object
        @made_once(decorator)
        def cached():
            return value
        return cached

    first, second = script_run(1), script_run(2)
    assert first is second and len(applied) == 1 and second() == ("decorated", 1)
    other = made_once(decorator)(lambda: 3)  # other code: decorated on its own
    assert other() == ("decorated", 3) and len(applied) == 2
