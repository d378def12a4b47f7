"""Time in the browser: the map follows the page's date range and categories, and plays through them.

:class:`TimeFilter` hands the map's point layers to ``L.iceTime`` (``layers/js/timebar.js``),
which reads ``start``, ``end``, ``category`` and ``step`` from the parent page's URL
and redraws the layers itself: a filter change or a playback step costs the
server nothing, and the map's page stays the same, so streamlit-folium does not
rebuild it.
"""

from __future__ import annotations

import datetime as dt

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geodata.core.schema import CATEGORIES
from layers._compact import DAY_EPOCH, day_of
from layers._script import RawElement, add_scripts, to_script_json
from layers._text import JS_LOCALES
from layers.i18n import text


def time_words(lang: str = "en") -> dict[str, str]:
    """The time bar's words in ``lang``, keyed as ``layers/js/timebar.js`` reads them (its ``WORDS``)."""
    t = text(lang)
    _ = t.gettext
    return {
        "previous": _("Previous step"),
        "play": _("Play through the range"),
        "next": _("Next step"),
        "pause": _("Pause"),
        "step": _("Step"),
        "stepShown": _("Step shown"),
        "week": _("week"),
        "month": _("month"),
        # "week 2 of 5: " before the step's dates.
        "stepOf": _("{unit} {k} of {n}: "),
        "whole": _("Whole range: "),
        # English and Spanish have one form for 1 and another for every other number.
        "incidentOne": t.ngettext("{n} incident", "{n} incidents", 1),
        "incidentOther": t.ngettext("{n} incident", "{n} incidents", 2),
        # A facility's popup figure for the dates shown, when there is none.
        "unknownDates": _("not known (no daily figures in these dates)"),
        "unknownFacility": _("not known (no daily figures for this facility in these dates)"),
        "unknownFigures": _("not known (no figures for this facility in these dates)"),
        "nobody": _("0 (nobody held)"),
    }

_CSS = """
<style>
.ice-timebar { display: flex; align-items: center; gap: 4px; padding: 4px 6px; background: rgba(255,255,255,0.95);
  font: 12px/1.3 system-ui, -apple-system, "Segoe UI", sans-serif; }
.ice-timebar-button { border: 1px solid #bbb; background: #fff; border-radius: 3px; min-width: 26px; height: 24px;
  cursor: pointer; font-size: 12px; padding: 0 5px; }
.ice-timebar-button:hover { background: #f0f0f0; }
.ice-timebar-slider { width: 220px; }
.ice-timebar-label { white-space: nowrap; color: #222; min-width: 300px; }
@media (max-width: 520px) {  /* a phone: the bar wraps inside the map */
  .ice-timebar { flex-wrap: wrap; max-width: calc(100vw - 30px); }
  .ice-timebar-slider { width: 140px; }
  .ice-timebar-label { min-width: 0; white-space: normal; flex-basis: 100%; }
}
</style>
"""


class TimeFilter(JSCSSMixin, MacroElement):
    """The page's filter applied in the browser to ``layers``, with a time bar.

    Parameters
    ----------
    layers : list of CanvasPointLayer
        Layers with ``days`` / ``category`` columns are filtered; a facility
        layer made with ``range_sizes=True`` is resized for the dates shown.
    first, last : datetime.date or str
        The range shown when the page's URL names none.
    categories : sequence of str
        Category names in the order of the layers' ``categories``.
    bar : bool
        Whether the time bar (play, pause, step, slider) is drawn.
    lang : str
        The language of its words (:func:`time_words`) and numbers.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}{% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this._inline_js }}
            var {{ this.get_name() }} = L.iceTime({{ this._parent.get_name() }},
                [{{ this.layer_names() }}], {{ this.options_js() }});
        {% endmacro %}
        """
    )

    def __init__(self, layers, *, first, last, categories=CATEGORIES, bar: bool = True, lang: str = "en"):
        super().__init__()
        self._name = "TimeFilter"
        self.layers = list(layers)
        self.options = {
            "epoch": DAY_EPOCH.isoformat(),
            "first": day_of(_iso(first)),
            "last": day_of(_iso(last)),
            "categories": [str(c) for c in categories],
            "bar": bool(bar),
            "text": time_words(lang),
            "locale": JS_LOCALES.get(lang, "en-US"),
        }
        self._inline_js = ""
        self.default_js: list[tuple[str, str]] = []

    def layer_names(self) -> str:
        return ", ".join(layer.get_name() for layer in self.layers)

    def options_js(self) -> str:
        return to_script_json(self.options)

    def render(self, **kwargs):
        figure = self.get_root()
        figure.header.add_child(RawElement(_CSS), name="ice_timebar_css")
        self.default_js, self._inline_js = add_scripts(self, ("timebar.js",))
        MacroElement.render(self, **kwargs)  # the links are in the page's head already


def _iso(day) -> str:
    return day.isoformat() if isinstance(day, dt.date) else str(day)[:10]
