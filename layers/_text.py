"""Wording shared by the facility and incident popups, and the one HTML escape of ``layers``."""

from __future__ import annotations

import html
import re

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


def location_text(precision: str, method: str, lang: str = "en") -> str:
    """``"ZIP centroid — not the exact site (method)"`` from the two columns (the words in ``lang``)."""
    _ = text(lang).gettext
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
