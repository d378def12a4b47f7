"""One record in the link: ``focus=<id>`` opens the map on it with its popup open, and every popup's
record id is a "link to this" (``layers/js/focus.js``, ``L.iceFocus``).

The map is drawn once for all dates and kept (the app caches it), so the script reads ``focus``
from the page's link, and again whenever the link changes (a search in the app writes it): it
finds the record's index in its layer through the layer's list of ids (``ids.json`` beside the
layer's popup shards, :func:`id_shard`, fetched only when a link names a record), zooms there
and opens the popup.  ``focus=place:LAT,LON`` (:func:`geodata.view.search.focus_place`) only zooms.
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from layers._script import add_scripts, to_script_json
from layers.i18n import N_, text

__all__ = ["ID_LABEL", "Focus", "id_shard"]

#: The label of the popup row that holds a record's id (the id in the export, and in ``focus=``).
ID_LABEL = N_("Record ID")


def id_shard(layer) -> tuple[str, bytes]:
    """``("ids.json", JSON list of the layer's record ids in point order)``: written beside its shards."""
    return "ids.json", json.dumps([str(i) for i in layer.ids], ensure_ascii=False, separators=(",", ":")).encode()


class Focus(JSCSSMixin, MacroElement):
    """The focus script for the map's point layers that carry ``ids`` and popup shards."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            L.iceFocus({{ this._parent.get_name() }}, [{{ this.entries() }}], {{ this.words_json }});
        {% endmacro %}
        """
    )

    def __init__(self, layers, lang: str = "en"):
        super().__init__()
        self._name = "Focus"
        self._inline_js = ""
        self.default_js: list[tuple[str, str]] = []
        _ = text(lang).gettext
        self.layers = [layer for layer in layers if getattr(layer, "ids", None) is not None]
        # The facilities' months by source (population.csv beside their shards, written by the app): each
        # facility's popup offers its own rows as a CSV.
        series = next((layer.data["records"]["url"].rstrip("/") + "/population.csv" for layer in self.layers
                       if getattr(layer, "legend_part", None) == "facilities" and layer.data.get("records")), None)
        self.words_json = to_script_json({"idLabel": _(ID_LABEL), "link": _("Link to this"),
                                          "copied": _("Link copied"), "series": series,
                                          "seriesLink": _("Population by month (CSV)")})

    def entries(self) -> str:
        out = []
        for layer in self.layers:
            records = layer.data.get("records") or {}
            url = records.get("url")
            ids = None if url else [str(i) for i in layer.ids]  # a page without shards carries its ids
            out.append(f"[{layer.get_name()}, {to_script_json(url)}, {to_script_json(ids)}]")
        return ", ".join(out)

    def render(self, **kwargs):
        self.default_js, self._inline_js = add_scripts(self, ("focus.js",))
        MacroElement.render(self, **kwargs)
