"""A map rendered once into the arguments of its page component, reused by every rerun of every session.

``streamlit_folium.st_folium`` renders a folium map each time it is called, and rendering changes the
map (it adds children, renames elements): two sessions rendering one cached map at once fail with
``RuntimeError: OrderedDict mutated during iteration``, and each rerun pays for the render again.
:func:`component_args` calls ``st_folium`` once, with its component call replaced by a recorder, and
returns the arguments it would have sent (the map's script, header, links): plain strings, which any
number of sessions can send at once.  This module takes ``st_folium`` as an argument and imports
neither streamlit nor streamlit-folium.
"""

from __future__ import annotations

import functools
import sys
import threading
import types

_LOCK = threading.Lock()


def component_args(st_folium, m, **kwargs) -> dict:
    """The keyword arguments ``st_folium(m, **kwargs)`` hands its component, computed without sending them.

    The function is called as written in streamlit-folium, under a copy of its globals whose
    ``_component_func`` records its arguments (the module itself is left as it is, so other
    threads calling it meanwhile are unaffected); the render runs under a lock, one map at a time.
    """
    sent: dict = {}
    scope = dict(st_folium.__globals__)
    scope["_component_func"] = lambda **kw: sent.update(kw)
    recording = types.FunctionType(st_folium.__code__, scope, st_folium.__name__, st_folium.__defaults__,
                                   st_folium.__closure__)
    recording.__kwdefaults__ = st_folium.__kwdefaults__
    with _LOCK:
        # Twice: rendering renames the map's elements (streamlit-folium gives each a fixed id such as
        # ``legend_div_5`` in the script), and only the second render's HTML carries the ids the script uses
        # (the legend box, found by its id, never opened on a map rendered once).
        recording(m, **kwargs)
        sent.clear()
        recording(m, **kwargs)
    if "script" not in sent:
        raise RuntimeError("st_folium did not call its component: this streamlit-folium is not supported")
    if kwargs.get("on_change") is None:  # its own callback, as a function of the module: the arguments pickle
        sent["on_change"] = functools.partial(_keep_value, st_folium.__module__, kwargs.get("key"), sent["key"])
    return sent


def _keep_value(module: str, key, value_key) -> None:
    """What ``st_folium``'s callback does when its caller gives none: the component's value kept under ``key``."""
    if key is not None:
        state = sys.modules[module].__dict__["st"].session_state
        state[key] = state.get(value_key, {})


def send(st_folium, args: dict, **changes):
    """Send the component the arguments :func:`component_args` computed (with ``changes``, such as the
    ``center`` and ``zoom`` of a link's view, which the browser applies): the call ``st_folium`` ends with."""
    return st_folium.__globals__["_component_func"](**(args | changes))
