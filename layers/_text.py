"""Wording shared by the facility and incident popups, and the one HTML escape of ``layers``."""

from __future__ import annotations

import html
import re

from geodata.core.schema import FACILITY_TYPE_LABELS
from layers.i18n import N_, text

#: How a point's location_precision reads in a popup.  Anything coarser than a
#: street address says plainly that the point is not the exact site.
PRECISION_WORDS: dict[str, str] = {
    "address": N_("Street address"),
    "block": N_("Generalised to a few blocks (about 0.7 km\u00b2) \u2014 not the exact site"),
    "zip": N_("ZIP centroid \u2014 not the exact site"),
    "city": N_("City center \u2014 not the exact site"),
    "county": N_("County center \u2014 not the exact site"),
    "state": N_("State center \u2014 not the exact site"),
}

#: Precisions drawn as hollow rings, so an approximate point is not read as a pin.
COARSE_PRECISIONS: frozenset[str] = frozenset({"city", "county", "state"})


def join_nonempty(parts, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


#: The phrases the geocoder, the sources and the importer write in ``location_method``, as patterns and
#: their words (English as written; another language through the catalogue), in the order they are tried.
METHOD_PHRASES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), w) for p, w in (
    (r"^at the facility (?P<name>.+?): ", N_("at the facility {name}: ")),
    (r"city named in the facility's name: ", N_("city named in the facility's name: ")),
    (r"centroid of ZIP (?P<zip>\d{5}) \((?P<place>[^)]*)\)", N_("centroid of ZIP {zip} ({place})")),
    (r"centre of the ZIP areas of (?P<place>[^;()]+?)(?=;| \(|$)", N_("centre of the ZIP areas of {place}")),
    (r"ZIP (?P<zip>\d{5}) is (?P<owner>.+?)'s, not (?P<place>.+?)'s: placed at ZIP (?P<to>\d{5}) of (?P<at>.+?) "
     r"\(one typing slip from \d{5}\)",
     N_("ZIP {zip} is {owner}'s, not {place}'s: placed at ZIP {to} of {at} (one typing slip away)")),
    (r"ZIP (?P<zip>\d{5}) is (?P<owner>.+?)'s, not (?P<place>.+?)'s: placed at the city the record names",
     N_("ZIP {zip} is {owner}'s, not {place}'s: placed at the city the record names")),
    (r" \(facility not in the facility layer\)", N_(" (facility not in the facility layer)")),
    (r"^point of (?P<name>.+) in (?P<source>.+?), matched by name; drawn at zip precision: a name is not a "
     r"street address$",
     N_("point of {name} in {source}, matched by name; drawn at ZIP precision: a name is not a street address")),
    (r"^placed by hand by the Deportation Data Project \((?P<code>[^)]*)\)$",
     N_("placed by hand by the Deportation Data Project ({code})")),
    (r"^not placed$", N_("not placed")),
    (r"^the Deportation Data Project's coordinates$", N_("the Deportation Data Project's coordinates")),
    (r"^no coordinates in the table$", N_("no coordinates in the table")),
    (r"^coordinates given by the source", N_("coordinates given by the source")),
    (r"; generalised to an H3 cell \(about 0.7 km2\) to protect a possible home",
     N_("; generalised to an H3 cell (about 0.7 km\u00b2) to protect a possible home")),
))


def type_text(facility_type, lang: str = "en") -> str:
    """ICE's facility type code in words of ``lang`` and the code: ``"Intergovernmental service agreement (IGSA)"``.

    A code the schema does not name stays as ICE wrote it.
    """
    if not isinstance(facility_type, str):
        return facility_type
    words = FACILITY_TYPE_LABELS.get(" ".join(facility_type.upper().split()))
    return f"{text(lang).gettext(words)} ({facility_type})" if words else facility_type


def method_text(method: str, lang: str = "en") -> str:
    """``location_method`` in ``lang``: each phrase the pipeline writes in its words, names and ZIPs kept.

    A phrase not known here stays as written (a user's own file may say anything).
    """
    if not method or lang == "en":
        return method
    _ = text(lang).gettext
    for pattern, words in METHOD_PHRASES:
        method = pattern.sub(lambda m, w=words: _(w).format(**m.groupdict()), method)
    return method


#: The words of ICE's inspection columns shown in a facility's popup (kinds and ratings; ICE's
#: acronyms, ODO, ORSA, NDS..., are names and stay as they are).
INSPECTION_WORDS: dict[str, str] = {
    "Regular": N_("Regular"), "Preoccupancy": N_("Pre-occupancy"), "PREOCC": N_("Pre-occupancy"),
    "N/A": N_("N/A"), "Pass": N_("Pass"), "Fail": N_("Fail"), "Acceptable": N_("Acceptable"),
    "Pending": N_("Pending"), "Final Rating Pending": N_("Final rating pending"),
    "Pending Final Report": N_("Pending final report"),
    "Special Review - Pre-Occupancy": N_("Special review, pre-occupancy"),
}


def inspection_text(kind: str, date: str, standard: str, rating: str, lang: str = "en") -> str:
    """``"Regular, ended 2025-06-12, standard NDS 2019; rated Pass"`` in ``lang``."""
    _ = text(lang).gettext

    def word(value):
        return _(INSPECTION_WORDS[value]) if value in INSPECTION_WORDS else value
    head = join_nonempty([word(kind), date and _("ended {date}").format(date=date),
                          standard and _("standard {standard}").format(standard=word(standard))])
    return join_nonempty([head, rating and _("rated {rating}").format(rating=word(rating))], "; ")


def location_text(precision: str, method: str, lang: str = "en") -> str:
    """``"ZIP centroid — not the exact site (method)"`` from the two columns (the words in ``lang``)."""
    _ = text(lang).gettext
    method = method_text(method, lang)
    key = precision.strip().lower()
    words = _(PRECISION_WORDS[key]) if key in PRECISION_WORDS else (
        _("Precision: {precision}").format(precision=precision) if precision else "")
    if words and method:
        return f"{words} ({method})"
    return words or method


def html_text(value) -> str:
    """``value`` as text inside HTML that Leaflet or the browser parses (legend, layer control).

    ``&``, ``<``, ``>``, ``"`` and ``'`` become entities, so a file name, a column
    name or a value shows as the characters it holds, in an element or an
    attribute, and never becomes markup.  ``{`` becomes ``&#123;`` too: folium
    renders every element's output once more as a Jinja template (an
    unsandboxed one), where ``{{ ... }}`` from a file name would run on the
    server.  None is "".
    """
    return html.escape("" if value is None else str(value), quote=True).replace("{", "&#123;")


#: The locale the map's scripts write numbers for (as :class:`layers.i18n.Text` does in Python).
JS_LOCALES = {"en": "en-US", "es": "es-US"}


def popup_words(lang: str = "en") -> dict[str, str]:
    """The words ``layers/js/canvas-words.js`` writes in popups, in ``lang``, keyed as its ``WORDS``."""
    _ = text(lang).gettext
    return {
        # The link to a record in a list (a death's record at ICE).
        "record": _("record"),
        "moreFolded": _("{n} more"),
        "andMore": _("\u2026 and {n} more"),
        "andMoreHere": _("\u2026 and {n} more; zoom in to separate them"),
        "recordsHere": _("{n} records at this spot"),
        "notLoaded": _("This record could not be loaded ({error})."),
        "noFigures": _("no figures"),
        # A facility's population chart: "2022-10 to 2026-03: peak 2,235 (2025-06), last 2,057 (2026-03)".
        "series": _("{from} to {to}: peak {peak} ({peakAt}), last {last} ({lastAt})"),
        # One source of a facility's population chart: "DDP daily counts, 2025-08 to 2026-03: peak 2,870 (2025-12)".
        "sourceSeries": _("{label}, {from} to {to}: peak {peak} ({peakAt})"),
    }


_ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def markdown_plain(text) -> str:
    """``text`` from a viewer, a file or a link, to show as it is in Streamlit's Markdown.

    st.markdown, st.caption, st.error and st.warning all render Markdown (links,
    images, emphasis, headings, ``:red[...]``, ``$...$``).  Every ASCII punctuation
    character is backslash-escaped (CommonMark allows it for each of them) and
    whitespace runs become one space, so a file name such as
    ``[x](javascript:...)`` or ``<img src=x onerror=...>`` shows as those characters.
    """
    return _ASCII_PUNCTUATION.sub(lambda m: "\\" + m.group(0), " ".join(str(text).split()))
