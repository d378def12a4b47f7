"""The words of the figures over the map: the headline and the four figures under it (no streamlit here).

One word for each count: the facilities *on the map* (every facility the view shows: in ICE's lists
for the range, or holding people then) and the facilities *holding people* (those whose figures
have someone held on an average day of the range).  Deaths in custody are counted apart from the
other incidents, so "5 events and 251 deaths in custody" is not "256 incidents".
"""

from __future__ import annotations

from collections import Counter

from geodata.view.population_sources import SOURCE_NAMES, SOURCES

from ._text import type_text
from .i18n import N_, Text

__all__ = ["TABLE_COLUMNS", "drawn_count", "facility_table", "headline", "table_display", "view_metrics"]


def headline(figures: dict, n_facilities: int | None, window, t: Text) -> str:
    """"**5 other incidents** and **251 deaths in custody**; **501 facilities** on the map, from … to …"."""
    _, ngettext = t.gettext, t.ngettext
    deaths = int(figures.get("death_in_custody", 0))
    other = int(figures.get("incidents", 0)) - deaths
    parts = [ngettext("**{n} other incident**", "**{n} other incidents**", other).format(n=t.number(other)),
             ngettext("**{n} death in custody**", "**{n} deaths in custody**", deaths).format(n=t.number(deaths))]
    text = _("{incidents} and {deaths}").format(incidents=parts[0], deaths=parts[1])
    if n_facilities is not None:
        text += "; " + ngettext("**{m} detention facility** on the map", "**{m} detention facilities** on the map",
                                n_facilities).format(m=t.number(n_facilities))
    return text + " " + _("from {start} to {end}.").format(start=t.date(window[0]), end=t.date(window[1]))


def drawn_count(gdf) -> int:
    """How many rows of ``gdf`` the map draws (those with a geometry that is not empty); 0 for None."""
    return 0 if gdf is None else int((gdf.geometry.notna() & ~gdf.geometry.is_empty).sum())


def view_metrics(figures: dict, shown_fac, pop_span, cov, t: Text) -> tuple[list[tuple[str, str, str | None]], str]:
    """``([(label, value, help)...], caption)``: the figures of the view and the line under them."""
    _ = t.gettext
    deaths = int(figures.get("death_in_custody", 0))
    metrics = [(_("Other incidents"), t.number(int(figures.get("incidents", 0)) - deaths),
                _("Shootings, arrests, use of force, protests, deployments: every incident but deaths in custody.")),
               (_("Deaths in custody"), t.number(deaths), None)]
    if shown_fac is None:
        return metrics, ""
    if not pop_span:
        return metrics, (_("No population figures for this range: the daily counts cover {start} to {end}. "
                           "Facility sizes show ICE's FY2026 average.").format(start=t.date(cov[0]), end=t.date(cov[1]))
                         if cov else "")
    # Which source each facility's figure comes from (the best that counts it in the range): words counted from
    # the one column (taking the facilities' rows, every column, cost more than the rest of the figures).
    counted = shown_fac.geometry.notna().to_numpy() & shown_fac["adp_in_range"].notna().to_numpy()
    per_source = Counter(w for s in shown_fac["adp_source"].to_numpy()[counted] if isinstance(s, str)
                         for w in s.split()) if "adp_source" in shown_fac.columns else {}
    from_words = "; ".join(f"{_(SOURCE_NAMES[k])} ({t.number(int(per_source[k]))})" for k in SOURCES
                           if k in per_source)
    metrics += [
        (_("People detained, daily average"), t.number(figures["people_detained"]),
         _("Facilities shown, {start} to {end}, each from the best source that counts it "
           "then: DDP's daily counts (Oct 2022 to Mar 2026), else UWCHR's daily headcount "
           "(FY2012 to Jan 2024), else ICE's average of the fiscal year.").format(
             start=t.date(pop_span[0]), end=t.date(pop_span[1]))),
        (_("Facilities holding people"), t.number(figures["facilities_in_use"]),
         _("Facilities on the map whose figures have someone held on an average day of the range (above 0.0). "
           "The map also shows the facilities ICE's lists show in use then, held or not.")),
    ]
    caption = (_("Population figures by source (facilities shown): {sources}.").format(sources=from_words)
               if from_words else "")
    return metrics, caption


#: The table's columns and their headings (translated where shown).
TABLE_COLUMNS = {
    "name": N_("Name"), "city": N_("City"), "state": N_("State"), "facility_type": N_("Type"),
    "people_held": N_("People held, daily average in the range"), "people_source": N_("Source of the figure"),
    "deaths": N_("Deaths in custody in the range"), "id": N_("Record ID"),
}


def facility_table(shown_fac, shown_inc):
    """The facilities on the map for the filter, one row each (most people held first; unknown last), with the
    deaths in custody of the view at each; the columns of :data:`TABLE_COLUMNS` under their own names (the
    CSV's field names do not change with the language) and the same ids as the export and ``focus=``."""
    import pandas as pd

    fac = shown_fac[shown_fac.geometry.notna()]
    deaths = pd.Series(dtype=int)
    if shown_inc is not None and len(shown_inc):
        dead = shown_inc[shown_inc["category"] == "death_in_custody"]
        deaths = dead["facility_id"].dropna().value_counts()
    adp = fac["adp_in_range"] if "adp_in_range" in fac.columns else pd.Series(float("nan"), index=fac.index)
    source = fac["adp_source"] if "adp_source" in fac.columns else pd.Series(None, index=fac.index, dtype=object)
    table = pd.DataFrame({
        "name": fac["name"], "city": fac["city"].str.title(), "state": fac["state"],
        "facility_type": fac["facility_type"], "people_held": pd.to_numeric(adp, errors="coerce").round(1),
        "people_source": source, "deaths": fac["id"].map(deaths).fillna(0).astype(int), "id": fac["id"],
    }).sort_values(["people_held", "name"], ascending=[False, True], na_position="last")
    return table.reset_index(drop=True)


def table_display(table, t: Text):
    """The table under the page's headings, its sources named in the page's language."""
    _ = t.gettext
    named = table["people_source"].map(
        lambda s: "; ".join(_(SOURCE_NAMES[k]) for k in s.split() if k in SOURCE_NAMES) if isinstance(s, str) else None)
    types = table["facility_type"].map(lambda v: type_text(v, t.lang))
    return table.assign(people_source=named, facility_type=types).rename(
        columns={k: _(v) for k, v in TABLE_COLUMNS.items()})
