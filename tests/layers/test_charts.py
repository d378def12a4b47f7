"""The charts' Vega-Lite specs, written as plain dicts (layers/charts.py), against the same charts built with
Altair (what the app drew before, issue 21): the same marks, encodings, colours and rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from layers.charts import AXIS_FORMATS, HEIGHT, SOURCE_BAR_COLORS, incidents_per_week, people_by_month, spec_table
from layers.i18n import text
from layers.incidents import CATEGORY_COLORS

APP = Path(__file__).resolve().parents[2] / "app.py"


def _weekly(step="week"):
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(days=7 * i) for i in range(5)]
    table = pd.DataFrame({"week": weeks, **{c: [(i * 3 + j) % 4 for i in range(5)] for j, c in enumerate(CATEGORIES)}})
    table.attrs["step"] = step
    return table


def _months():
    return pd.DataFrame({"month": ["2015-09", "2015-09", "2015-10"], "source": ["uwchr", "ice", "uwchr"],
                         "people": [101.5, 3.25, 99.0]})


def _altair_weekly(weekly, lang):
    # The chart as layers/charts.py built it with Altair before it wrote the spec itself.
    _ = text(lang).gettext
    step = weekly.attrs["step"]
    fmt, unit = AXIS_FORMATS[lang][step], _(step)
    long = weekly.melt(id_vars="week", var_name="category", value_name="incidents")
    long["category"] = long["category"].map(lambda c: _(CATEGORY_LABELS[c]))
    colors = alt.Scale(domain=[_(CATEGORY_LABELS[c]) for c in CATEGORIES],
                       range=[CATEGORY_COLORS[c] for c in CATEGORIES])
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("week:T", title=unit, axis=alt.Axis(format=fmt, labelAngle=-30)),
        y=alt.Y("sum(incidents):Q", title=_("incidents"), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("category:N", scale=colors, legend=alt.Legend(orient="bottom", columns=1, title=None,
                                                                        labelLimit=0)),
        tooltip=[alt.Tooltip("week:T", title=unit, format=fmt), alt.Tooltip("category:N", title=_("category")),
                 alt.Tooltip("incidents:Q", title=_("incidents"))],
    ).properties(
        height=HEIGHT, autosize={"type": "fit-x", "contains": "padding"}), long


def _altair_months(months, lang):
    _ = text(lang).gettext
    names = {"ddp": _("DDP daily counts"), "uwchr": _("UWCHR daily headcount"), "ice": _("ICE fiscal-year ADP")}
    palette = alt.Scale(domain=list(names.values()), range=[SOURCE_BAR_COLORS[k] for k in names])
    data = months.assign(source=months["source"].map(names))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("month:O", title=_("month")), y=alt.Y("sum(people):Q", title=_("people")),
        color=alt.Color("source:N", scale=palette, title=None,
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=0)),
        tooltip=[alt.Tooltip("month:O", title=_("month")), alt.Tooltip("source:N", title=_("source")),
                 alt.Tooltip("people:Q", title=_("people"), format=",.0f")]).properties(
        height=HEIGHT, autosize={"type": "fit-x", "contains": "padding"}), data


def _drawn(spec):
    """What a spec draws besides its data: mark, encodings, size (``config``: Altair's default theme, which
    Streamlit's conversion left out)."""
    return {k: v for k, v in spec.items() if k not in ("data", "datasets", "$schema", "config")}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("step", ["week", "month"])
def test_the_incidents_spec_is_the_altair_charts_spec(lang, step):
    weekly = _weekly(step)
    spec = incidents_per_week(weekly, lang)
    chart, long = _altair_weekly(weekly, lang)
    assert _drawn(spec) == _drawn(chart.to_dict())
    rows = spec_table(spec).to_pylist()
    assert [(r["week"], r["category"], r["incidents"]) for r in rows] == \
        list(zip(long["week"], long["category"], long["incidents"]))
    assert spec_table(spec).schema.field("week").type == "date32[day]"  # drawn on a time axis


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_people_spec_is_the_altair_charts_spec(lang):
    months = _months()
    spec, caption = people_by_month(months, lang)
    chart, data = _altair_months(months, lang)
    assert _drawn(spec) == _drawn(chart.to_dict())
    assert spec_table(spec).to_pylist() == data.to_dict("records")
    assert caption and ("ICE" in caption)
    # Without sources, a line with a point a month, and no caption.
    line, none = people_by_month(months.groupby("month", as_index=False)["people"].sum(), lang)
    assert none is None and line["mark"] == {"type": "line", "point": True}
    assert spec_table(line).to_pylist() == [{"month": "2015-09", "people": 104.75},
                                            {"month": "2015-10", "people": 99.0}]


def test_the_same_table_gives_the_same_dataset_name():
    # The name is the data's digest: a rerun sends the same element, another view's data another name.
    a, b = incidents_per_week(_weekly()), incidents_per_week(_weekly())
    assert a["data"] == b["data"] and a["datasets"] == b["datasets"]
    other = _weekly()
    other.loc[0, "arrest"] += 1
    assert incidents_per_week(other)["data"] != a["data"]


def test_the_app_uses_no_private_streamlit_function_for_its_charts():
    source = APP.read_text()
    assert not re.search(r"from streamlit\.\S+ import _", source)
    assert "altair" not in source and "import altair" not in Path(__file__).parents[2].joinpath(
        "layers", "charts.py").read_text()
