"""Values made once per key for every reader: the figures, charts and tables of a view, in the server's memory.

The app asked ``st.cache_resource`` for each of them, about ten times a rerun; Streamlit hashes every
argument of such a call (its own hasher, through ``inspect.signature``) on every call, hit or miss, which
was 5 % of a rerun's CPU with every value already made (issue 21). Here a key is a small tuple of
hashable things (the data version, the :class:`geodata.view.View`, the language) looked up in a dict.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

__all__ = ["KeptValues", "PER_VIEW_ENTRIES", "PROCESS", "made_once"]

#: Values the app keeps for its views (``app.py``'s ``_per_view``): about ten a view, so that a hundred readers
#: each on a view of their own, and on the one they changed to, still find what a category change reuses (with
#: 256, fifty readers' date changes pushed out their months tables, charts and cards before they changed category:
#: each was made again, issue 21). The values are small (a few kB: figures, a chart's table and spec).
PER_VIEW_ENTRIES = 4096


class KeptValues:
    """At most ``max_entries`` values, each made once by ``get(key, make)`` and kept ``ttl`` seconds; the least
    recently used go first.

    Values are shared by every caller: never change one. Readers asking for the same new key at once wait for
    one ``make``; different keys are made side by side.
    """

    def __init__(self, max_entries: int = PER_VIEW_ENTRIES, ttl: float | None = 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_entries, self.ttl, self._clock = max_entries, ttl, clock
        self._items: OrderedDict = OrderedDict()  # key -> (value, made at)
        self._lock = threading.Lock()
        self._making: dict = {}  # key -> the lock held while its value is made

    def __len__(self) -> int:
        return len(self._items)

    def _kept(self, key: Hashable):
        """``(True, value)`` when ``key``'s value is kept and fresh, else ``(False, None)``; under ``_lock``."""
        hit = self._items.get(key)
        if hit is None:
            return False, None
        if self.ttl is not None and self._clock() - hit[1] > self.ttl:
            del self._items[key]
            return False, None
        self._items.move_to_end(key)
        return True, hit[0]

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for ``key``, else ``make()``, kept and returned."""
        with self._lock:
            found, value = self._kept(key)
            if found:
                return value
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                found, value = self._kept(key)  # made by the reader before in line
            if found:
                return value
            try:
                value = make()
                with self._lock:
                    self._items[key] = (value, self._clock())
                    while len(self._items) > self.max_entries:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return value


#: What the app makes once per process (:func:`made_once`): never dropped, never stale.
PROCESS = KeptValues(max_entries=1024, ttl=None)


def made_once(decorator: Callable[[Callable], Any]) -> Callable[[Callable], Any]:
    """A decorator that applies ``decorator`` to a function the first time its code is seen, and gives that same
    decorated function back every time after.

    Streamlit runs the page's script from the top on every rerun, so each ``@st.cache_resource`` in it is applied
    again, and each time Streamlit keys the function by reading and tokenizing its source (``inspect.getsource``):
    2 ms a rerun for the app's dozen cached functions, 4.5 % of a filter change (issue 21). The function made on
    the first run reads the names of that run's module: keep to functions whose names are imports that no run
    changes, and whose decorator's arguments (a spinner's text in the reader's language) do not change either."""
    def once(function: Callable) -> Any:
        return PROCESS.get(("made once", function.__code__), lambda: decorator(function))
    return once
