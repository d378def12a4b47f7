"""Layers whose JavaScript is a file of ``layers/js/``, linked from the page or put in it.

A map built with ``script_url`` (see :func:`layers.basemap.base_map`) links each
layer's files from there (``<script src=".../canvas.js">``, after the files it
needs: ``SCRIPT_NEEDS``): the app serves the folder, the browser caches the
files, and the page holds only a short call per layer that hands it its data.
A ``script_url`` ending in ``.js`` names one file holding them all
(:func:`script_bundle`): streamlit-folium loads a map's scripts one after the
other, each waiting for the last, so sixteen files cost sixteen round trips
before the map can draw (2.7 s at a phone's 150 ms), one file costs one.
Without ``script_url`` the files' text goes into the page once each, so a map
saved as one HTML file still works.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

from branca.element import Element
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

#: The folder of the layers' JavaScript files, for an app to serve.
SCRIPTS_DIR = Path(str(resources.files("layers") / "js"))

#: The canvas point layer's parts (layers/js/canvas-*.js), each a file of what it does, in
#: the order they load before ``canvas.js``, which draws the points and makes the layer.
CANVAS_PARTS: tuple[str, ...] = (
    "canvas-columns.js",  # the binary columns reader
    "canvas-words.js",  # the popups' words, numbers and link hosts
    "canvas-charts.js",  # the popups' small charts
    "canvas-popup.js",  # the popup
    "canvas-pointer.js",  # clicks and the pointer (hit grid)
    "canvas-clusters.js",  # clusters and heat
    "canvas-filter.js",  # time and category filtering
)

#: Files each script needs first (loaded before it, in this order); a need's own needs load before it.
SCRIPT_NEEDS: dict[str, tuple[str, ...]] = {
    "outline.js": ("polyline.js", "places.js"),
    "choropleth.js": ("polyline.js",),
    "measures.js": ("polyline.js",),
    "timebar.js": ("canvas.js",),
    "canvas.js": CANVAS_PARTS,
    "canvas-charts.js": ("canvas-words.js",),
    "canvas-popup.js": ("canvas-columns.js", "canvas-words.js", "canvas-charts.js"),
    "canvas-clusters.js": ("canvas-columns.js", "canvas-pointer.js"),
}


@cache
def script_source(name: str) -> str:
    """The text of ``layers/js/<name>`` (the package's own code, not data)."""
    return (resources.files("layers") / "js" / name).read_text(encoding="utf-8")


def scripts_with_needs(names) -> list[str]:
    """``names`` preceded by the files they need (and those by theirs), each once, in loading order."""
    out: list[str] = []

    def add(name: str) -> None:
        if name in out:
            return
        for need in SCRIPT_NEEDS.get(name, ()):
            add(need)
        out.append(name)

    for name in names:
        add(name)
    return out


def bundle_order() -> list[str]:
    """Every file of ``layers/js``, each after the files it needs: the order of :func:`script_bundle`."""
    return scripts_with_needs(sorted(p.name for p in SCRIPTS_DIR.glob("*.js")))


@cache
def script_bundle() -> tuple[str, bytes]:
    """``(name, bytes)``: one file holding every layer script, in :func:`bundle_order`, named
    ``layers-<20 hex digits of a digest of its bytes>.js`` so that it can be served as never changing.

    Each file defines its part only if no earlier one did (and defines nothing else), so a page holds
    the code of layers it does not draw without harm: one file for every map, cached once by browsers.
    """
    text = "".join(f"// layers/js/{name}\n{script_source(name).rstrip()}\n;\n" for name in bundle_order())
    data = text.encode("utf-8")
    return f"layers-{hashlib.blake2b(data, digest_size=10).hexdigest()}.js", data


# "{{", "{%" and "{#" can only occur inside JSON strings; escaping their brace
# keeps a Jinja pass (folium re-templates rendered output) from running them.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def to_script_json(obj) -> str:
    """JSON that is safe to paste inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes (as folium does), so
    no ``</script>`` or ``<!--`` can appear; U+2028/2029 are escaped because
    older JavaScript treats them as line ends inside strings, and the brace of
    a Jinja opener (``{{``, ``{%``, ``{#``) becomes ``\\u007b``.
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _JINJA_OPENER.sub(r"\\u007b", text)


class RawElement(Element):
    """Text put into the page as it is, not parsed again as a Jinja template."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


def script_url_of(element) -> str | None:
    """The ``script_url`` of the map that holds ``element``, or None."""
    while element is not None:
        url = getattr(element, "script_url", None)
        if url is not None:
            return url
        element = getattr(element, "_parent", None)
    return None


class _ScriptLink(Element):
    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def render(self, **kwargs) -> str:
        return f'<script src="{self.url}"></script>'


def add_scripts(element, names) -> tuple[list[tuple[str, str]], str]:
    """Link the files ``names`` (and what they need) from the page of ``element``, or inline them.

    Returns ``(links, inline)``: the ``(name, url)`` pairs linked in the page's
    head, which the element keeps as ``default_js`` so that streamlit-folium
    loads them too; or, for a map without ``script_url``, the files' text to put
    before the element's script (each file guards against a second definition).
    A ``script_url`` ending in ``.js`` is the one file of :func:`script_bundle`:
    every element links it, and the page loads it once.
    """
    base = script_url_of(element)
    names = scripts_with_needs(names)
    if base is None:
        return [], "\n".join(script_source(name) for name in names)
    figure = element.get_root()
    if base.endswith(".js"):
        figure.header.add_child(_ScriptLink(base), name="layer_script_bundle")
        return [("layers.js", base)], ""
    links = [(name, f"{base.rstrip('/')}/{name}") for name in names]
    for name, url in links:
        figure.header.add_child(_ScriptLink(url), name=f"layer_script_{name}")
    return links, ""


def drop_stale_adds(layer) -> None:
    """Forget the ``<name>_add`` children of earlier renders.

    streamlit-folium renames every element when it renders a map; a map kept
    and shown again (the app caches it) would otherwise collect one "add to the
    map" call per name it has had, and its script would change on every rerun.
    """
    current = layer.get_name() + "_add"
    for key in [k for k in layer._children if k.endswith("_add") and k != current]:
        del layer._children[key]


class ScriptLayer(JSCSSMixin, Layer):
    """A folium layer made in the page by ``new L.<js_class>(data, options)``.

    Its JavaScript class is a file of ``layers/js/`` (``_scripts``), linked or
    inlined once per page (:func:`add_scripts`); its data goes into the page as
    it is: folium would otherwise parse the rendered script again as a Jinja
    template, which costs time on megabytes of JSON and would run any ``{{ }}``
    in the data.  Subclasses set ``_scripts``, ``_js_class`` and ``options``, and
    return their data as JavaScript from :meth:`js_data`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            var {{ this.get_name() }} = new L.{{ this._js_class }}(
                {{ this.js_data() }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )
    _scripts: tuple[str, ...] = ()
    _js_class = ""
    _inline_js = ""
    default_js: list[tuple[str, str]] = []

    def js_data(self) -> str:
        raise NotImplementedError

    def _render_header(self, figure) -> None:
        """Add what the page's head needs (styles); nothing by default."""

    def render(self, **kwargs):
        figure = self.get_root()
        self._render_header(figure)
        self.default_js, self._inline_js = add_scripts(self, self._scripts)
        drop_stale_adds(self)
        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        figure.script.add_child(RawElement(self._template.module.script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
