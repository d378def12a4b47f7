"""The charts under the map, as Altair charts: incidents per week, people detained by month.

The data work is geodata's (``geodata.view.timeline.weekly_counts``, ``geodata.view.occupancy.monthly_totals``);
these functions only draw the tables they are given, in the map's colours and the page's language.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from geodata.view.occupancy import monthly_totals
from geodata.view.population_sources import SOURCE_NAMES, SOURCES
from geodata.view.timeline import weekly_counts
from layers.facilities import SOURCE_STYLES
from layers.i18n import N_, text
from layers.incidents import CATEGORY_COLORS

#: Bars of the people-by-month chart per source: the popups' colours, ICE's steps as grey bars.
SOURCE_BAR_COLORS = {"ddp": SOURCE_STYLES["ddp"]["color"], "uwchr": SOURCE_STYLES["uwchr"]["color"], "ice": "#555555"}
HEIGHT = 260
#: The heading of the incidents chart for the bin its bars are (geodata.timeline counts a long range by month
#: or year, ``weekly.attrs["step"]``).
BIN_HEADINGS = {"week": N_("**Incidents per week**"), "month": N_("**Incidents per month**"),
                "year": N_("**Incidents per year**")}
BIN_WORDS = {"week": N_("week"), "month": N_("month"), "year": N_("year")}
#: One date style per language, as the page writes its dates ("Oct 7, 2003"; Spanish by numbers, as Vega
#: knows only English month names).
AXIS_FORMATS = {"en": {"week": "%b %-d, %Y", "month": "%b %Y", "year": "%Y"},
                "es": {"week": "%-d/%m/%Y", "month": "%m/%Y", "year": "%Y"}}


def chart_tables(shown_inc, shown_fac, population, window):
    """The tables the two charts draw for a view: ``(weekly, undated, months)``.

    ``weekly`` and ``undated``: :func:`geodata.view.timeline.weekly_counts` of the incidents shown over
    ``window`` (None and 0 without an incidents layer); ``months``: people held on an average day of each
    month of the window, over the facilities shown (:func:`geodata.view.occupancy.monthly_totals`; None
    without a facilities layer or a population table).
    """
    weekly, undated = weekly_counts(shown_inc, *window) if shown_inc is not None else (None, 0)
    months = None
    if shown_fac is not None and population is not None:
        totals = monthly_totals(population, shown_fac["id"])
        months = totals[(totals["month"] >= f"{window[0]:%Y-%m}") & (totals["month"] <= f"{window[1]:%Y-%m}")]
    return weekly, undated, months


def incidents_heading(weekly: pd.DataFrame, lang: str = "en") -> str:
    """"**Incidents per week**", or per month or year when the bars are months or years."""
    return text(lang).gettext(BIN_HEADINGS[weekly.attrs.get("step", "week")])


def incidents_per_week(weekly: pd.DataFrame, lang: str = "en") -> alt.Chart:
    """Stacked bars of ``weekly`` (a ``week`` column and one column per category), coloured as on the map."""
    _ = text(lang).gettext
    step = weekly.attrs.get("step", "week")
    fmt, unit = AXIS_FORMATS.get(lang, AXIS_FORMATS["en"])[step], _(BIN_WORDS[step])
    # One row per bin and category, the category by its label (what DataFrame.melt and a map did, at a tenth of
    # their cost: they were a third of a new view's chart).
    cats = [c for c in weekly.columns if c != "week"]
    long = pd.DataFrame({"week": np.tile(weekly["week"].to_numpy(), len(cats)),
                         "category": np.repeat([_(CATEGORY_LABELS[c]) for c in cats], len(weekly)),
                         "incidents": weekly[cats].to_numpy().T.ravel()})
    # The map's colours, in the legend's order, so a category reads the same everywhere.
    colors = alt.Scale(domain=[_(CATEGORY_LABELS[c]) for c in CATEGORIES],
                       range=[CATEGORY_COLORS[c] for c in CATEGORIES])
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("week:T", title=unit, axis=alt.Axis(format=fmt, labelAngle=-30)),
        y=alt.Y("sum(incidents):Q", title=_("incidents"), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(
            "category:N", scale=colors, legend=alt.Legend(orient="bottom", columns=3, title=None, labelLimit=0)
        ),
        tooltip=[alt.Tooltip("week:T", title=unit, format=fmt),
                 alt.Tooltip("category:N", title=_("category")), alt.Tooltip("incidents:Q", title=_("incidents"))],
    ).properties(height=HEIGHT)


def people_by_month(months: pd.DataFrame, lang: str = "en") -> tuple[alt.Chart, str | None]:
    """People on an average day by month (``month``, ``people`` and, from the best-source table,
    ``source``): bars stacked by source with a caption naming them, else a line with a point a month
    (so a range of one month shows its figure).  Returns ``(chart, caption or None)``."""
    _ = text(lang).gettext
    if "source" not in months.columns:
        chart = alt.Chart(months).mark_line(point=True).encode(
            x=alt.X("month:O", title=_("month")), y=alt.Y("people:Q", title=_("people")),
            tooltip=[alt.Tooltip("month:O", title=_("month")),
                     alt.Tooltip("people:Q", title=_("people"), format=",.0f")])
        return chart.properties(height=HEIGHT), None
    names = {k: _(SOURCE_NAMES[k]) for k in SOURCES}
    present = [k for k in SOURCES if k in set(months["source"])]
    caption = _("Each month: the facilities' figures from the best source that counts them then "
                "({sources}).").format(sources=", ".join(names[k] for k in present))
    if "ice" in present:  # a fiscal year's average, not a count of the month (issue 18)
        caption += " " + _("ICE's figure is a facility's average over its fiscal year (to the date of ICE's list), "
                           "drawn alike in each month of that year; it is never a month's count, and it is used "
                           "only for a year no daily source counts.")
    palette = alt.Scale(domain=[names[k] for k in SOURCES], range=[SOURCE_BAR_COLORS[k] for k in SOURCES])
    chart = alt.Chart(months.assign(source=months["source"].map(names))).mark_bar().encode(
        x=alt.X("month:O", title=_("month")), y=alt.Y("sum(people):Q", title=_("people")),
        color=alt.Color("source:N", scale=palette, title=None, legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=[alt.Tooltip("month:O", title=_("month")), alt.Tooltip("source:N", title=_("source")),
                 alt.Tooltip("people:Q", title=_("people"), format=",.0f")])
    return chart.properties(height=HEIGHT), caption
