"""The charts under the map as Vega-Lite specs: incidents per week, people detained by month.

The data work is geodata's (``geodata.view.timeline.weekly_counts``, ``geodata.view.occupancy.monthly_totals``);
these functions only draw the tables they are given, in the map's colours and the page's language.

Each spec is a plain dict with its table inline as Arrow IPC bytes under ``datasets`` (named by their
digest), which ``st.vega_lite_chart`` hands to the browser as they are.  Built with Altair, the same spec
was validated against the Vega-Lite schema and converted by a private Streamlit function, 4 to 7 ms a chart
for every new view (issue 21); the spec it gave is the one written here (``tests/layers/test_charts.py``).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from geodata.view.occupancy import monthly_totals
from geodata.view.population_sources import SOURCE_NAMES, SOURCES
from geodata.view.timeline import weekly_counts
from layers.facilities import SOURCE_STYLES
from layers.i18n import N_, text
from layers.incidents import CATEGORY_COLORS

__all__ = ["BIN_HEADINGS", "HEIGHT", "incidents_heading", "incidents_per_week", "incidents_table",
           "months_table", "people_by_month", "spec_table"]

#: Bars of the people-by-month chart per source: the popups' colours, ICE's steps as grey bars.
SOURCE_BAR_COLORS = {"ddp": SOURCE_STYLES["ddp"]["color"], "uwchr": SOURCE_STYLES["uwchr"]["color"], "ice": "#555555"}
HEIGHT = 180  # the plot's height in pixels (axes and legend below it)
#: The heading of the incidents chart for the bin its bars are (geodata.timeline counts a long range by month
#: or year, ``weekly.attrs["step"]``).
BIN_HEADINGS = {"week": N_("**Incidents per week**"), "month": N_("**Incidents per month**"),
                "year": N_("**Incidents per year**")}
BIN_WORDS = {"week": N_("week"), "month": N_("month"), "year": N_("year")}
#: One date style per language, as the page writes its dates ("Oct 7, 2003"; Spanish by numbers, as Vega
#: knows only English month names).
AXIS_FORMATS = {"en": {"week": "%b %-d, %Y", "month": "%b %Y", "year": "%Y"},
                "es": {"week": "%-d/%m/%Y", "month": "%m/%Y", "year": "%Y"}}


def _with_table(spec: dict, table: pa.Table) -> dict:
    """``spec`` drawing ``table``: the table as Arrow IPC stream bytes in ``datasets``, named by their digest
    (the same table, the same name: the page's element does not change when its data does not)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue().to_pybytes()
    name = hashlib.blake2b(data, digest_size=16).hexdigest()
    # fit-x: the width follows the column, the height is the plot's own; Streamlit's default ("fit") fitted the
    # legend and the slanted dates into HEIGHT too, leaving a plot a few pixels high on a phone.
    return {"data": {"name": name}, **spec, "height": HEIGHT, "autosize": {"type": "fit-x", "contains": "padding"},
            "datasets": {name: data}}


def spec_table(spec: dict) -> pa.Table:
    """The table a spec of this module draws (read back from its ``datasets``)."""
    return pa.ipc.open_stream(spec["datasets"][spec["data"]["name"]]).read_all()


def incidents_table(shown_inc, window):
    """``(weekly, undated)``: :func:`geodata.view.timeline.weekly_counts` of the incidents shown over ``window``
    (None and 0 without an incidents layer)."""
    return weekly_counts(shown_inc, *window) if shown_inc is not None else (None, 0)


def months_table(shown_fac, population, window):
    """People held on an average day of each month of ``window``, over the facilities shown
    (:func:`geodata.view.occupancy.monthly_totals`; None without a facilities layer or a population table).
    It depends on the facilities alone: a change of categories keeps it."""
    if shown_fac is None or population is None:
        return None
    return monthly_totals(population, shown_fac["id"], months=(f"{window[0]:%Y-%m}", f"{window[1]:%Y-%m}"))


def incidents_heading(weekly: pd.DataFrame, lang: str = "en") -> str:
    """"**Incidents per week**", or per month or year when the bars are months or years."""
    return text(lang).gettext(BIN_HEADINGS[weekly.attrs.get("step", "week")])


def incidents_per_week(weekly: pd.DataFrame, lang: str = "en") -> dict:
    """Stacked bars of ``weekly`` (a ``week`` column and one column per category), coloured as on the map:
    a Vega-Lite spec (a dict) for ``st.vega_lite_chart``."""
    _ = text(lang).gettext
    step = weekly.attrs.get("step", "week")
    fmt, unit = AXIS_FORMATS.get(lang, AXIS_FORMATS["en"])[step], _(BIN_WORDS[step])
    # One row per bin and category, the category by its label: bins of the first category, then of the next.
    cats = [c for c in weekly.columns if c != "week"]
    table = pa.table({"week": pa.array(np.tile(weekly["week"].to_numpy(), len(cats)), pa.date32()),
                      "category": pa.array(np.repeat([_(CATEGORY_LABELS[c]) for c in cats], len(weekly)),
                                           pa.large_string()),
                      "incidents": pa.array(weekly[cats].to_numpy(dtype=np.int64).T.ravel(), pa.int64())})
    # The map's colours, in the legend's order, so a category reads the same everywhere.
    colors = {"domain": [_(CATEGORY_LABELS[c]) for c in CATEGORIES], "range": [CATEGORY_COLORS[c] for c in CATEGORIES]}
    return _with_table({"mark": {"type": "bar"}, "encoding": {
        "color": {"field": "category", "type": "nominal", "scale": colors,
                  # one column: two were cut off on a phone
                  "legend": {"columns": 1, "labelLimit": 0, "orient": "bottom", "title": None}},
        "tooltip": [{"field": "week", "type": "temporal", "title": unit, "format": fmt},
                    {"field": "category", "type": "nominal", "title": _("category")},
                    {"field": "incidents", "type": "quantitative", "title": _("incidents")}],
        "x": {"field": "week", "type": "temporal", "title": unit, "axis": {"format": fmt, "labelAngle": -30}},
        "y": {"field": "incidents", "type": "quantitative", "aggregate": "sum", "title": _("incidents"),
              "axis": {"tickMinStep": 1}},
    }}, table)


def people_by_month(months: pd.DataFrame, lang: str = "en") -> tuple[dict, str | None]:
    """People on an average day by month (``month``, ``people`` and, from the best-source table,
    ``source``): bars stacked by source with a caption naming them, else a line with a point a month
    (so a range of one month shows its figure).  Returns ``(spec, caption or None)``, the spec a
    Vega-Lite dict for ``st.vega_lite_chart``."""
    _ = text(lang).gettext
    month = pa.array(months["month"].astype(str).to_numpy(dtype=object), pa.large_string())
    people = pa.array(months["people"].to_numpy(dtype=float), pa.float64())
    x = {"field": "month", "type": "ordinal", "title": _("month")}
    if "source" not in months.columns:
        return _with_table({"mark": {"type": "line", "point": True}, "encoding": {
            "tooltip": [{"field": "month", "type": "ordinal", "title": _("month")},
                        {"field": "people", "type": "quantitative", "title": _("people"), "format": ",.0f"}],
            "x": x, "y": {"field": "people", "type": "quantitative", "title": _("people")},
        }}, pa.table({"month": month, "people": people})), None
    names = {k: _(SOURCE_NAMES[k]) for k in SOURCES}
    present = [k for k in SOURCES if k in set(months["source"])]
    caption = _("Each month: the facilities' figures from the best source that counts them then "
                "({sources}).").format(sources=", ".join(names[k] for k in present))
    if "ice" in present:  # a fiscal year's average, not a count of the month (issue 18)
        caption += " " + _("ICE's figure is a facility's average over its fiscal year (to the date of ICE's list), "
                           "drawn alike in each month of that year; it is never a month's count, and it is used "
                           "only for a year no daily source counts.")
    palette = {"domain": [names[k] for k in SOURCES], "range": [SOURCE_BAR_COLORS[k] for k in SOURCES]}
    source = pa.array(months["source"].map(names).astype(object).to_numpy(dtype=object), pa.large_string())
    return _with_table({"mark": {"type": "bar"}, "encoding": {
        "color": {"field": "source", "type": "nominal", "scale": palette, "title": None,
                  "legend": {"columns": 1, "labelLimit": 0, "orient": "bottom"}},  # one row was cut off
        "tooltip": [{"field": "month", "type": "ordinal", "title": _("month")},
                    {"field": "source", "type": "nominal", "title": _("source")},
                    {"field": "people", "type": "quantitative", "title": _("people"), "format": ",.0f"}],
        "x": x, "y": {"field": "people", "type": "quantitative", "aggregate": "sum", "title": _("people")},
    }}, pa.table({"month": month, "source": source, "people": people})), caption
