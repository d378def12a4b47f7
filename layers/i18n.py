"""The interface in English and Spanish: gettext catalogues read with Babel.

The English text is in the code, marked ``_("...")`` (``ngettext`` for plurals,
``N_`` for a word kept in a table and translated where it is shown); its
Spanish is in ``layers/locale/es/LC_MESSAGES/messages.po``.  The template
``layers/locale/messages.pot`` is made by ``pybabel extract -F babel.cfg``.

There is no ``.mo`` file, in the repository or installed: :func:`translations`
compiles the ``.po`` in memory with :mod:`babel.messages.mofile` the first time a
language is used in a process (some 15 ms), so the compiled catalogue can never be
older than its ``.po``, an edited catalogue shows on the next start, and nothing is
written into the package.

Only the interface is translated: data text (titles, descriptions, place
names) stays as its source wrote it, and the export's field names never change.
No streamlit here: ``app.py`` and ``layers`` both import this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import io
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _format_date
from babel.numbers import format_decimal, parse_pattern

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "N_", "Text", "choose_language", "text", "translations"]

#: The languages of the interface, in the order the language switch lists them, each in its own words.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
#: The Babel locale that formats dates and numbers for each language (Spanish as written in the Americas).
_BABEL_LOCALES = {"en": "en_US", "es": "es_US"}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (it is translated where it is shown)."""
    return message


# Words that geodata keeps in tables (geodata has no interface of its own): listed here so the
# extractor puts them in the catalogue; app.py and layers translate them where they show them.
_GEODATA_WORDS = (  # geodata.core.schema.CATEGORY_LABELS
    N_("Death in custody"),
    N_("Shooting (by or at an agent)"),
    N_("Arrest or raid"),
    N_("Use of force"),
    N_("Protest or strike"),
    N_("Deployment of agents or troops"),
    N_("Other"),
    # geodata.view.population_sources.SOURCE_NAMES
    N_("DDP daily counts"),
    N_("UWCHR daily headcount"),
    N_("ICE fiscal-year ADP"),
)
# The legend's facility groups (layers.facilities.FACILITY_TYPE_GROUPS), kept out of that table's lines.
_FACILITY_GROUPS = (
    N_("ICE-owned (processing center, staging)"),
    N_("Private or contract facility"),
    N_("Local jail under agreement (IGSA, DIGSA, USMS IGA)"),
    N_("Federal prison, state or military"),
    N_("Family residential center"),
    N_("Other or unknown type"),
)
# ICE's facility types (geodata.core.schema.FACILITY_TYPE_LABELS), as a popup names them.
_FACILITY_TYPES = (
    N_("Federal Bureau of Prisons facility"),
    N_("Contract detention facility"),
    N_("Dedicated intergovernmental service agreement"),
    N_("Department of Defense facility"),
    N_("Family residential center"),
    N_("Intergovernmental service agreement"),
    N_("ICE service processing center"),
    N_("Staging facility"),
    N_("State facility"),
    N_("US Marshals Service contract facility"),
    N_("US Marshals Service intergovernmental agreement"),
)


def choose_language(param: str | None = None, browser: str | None = None) -> str:
    """The interface language: the link's ``lang`` when it is one of :data:`LANGUAGES`, else the browser's.

    Parameters
    ----------
    param : str, optional
        The ``lang`` URL parameter (``"es"``, ``"es-MX"``...).
    browser : str, optional
        The browser's language: a BCP 47 tag (``"es-419"``) or an ``Accept-Language``
        header (``"es-MX,es;q=0.9,en;q=0.8"``): its first language this interface has wins.

    Returns
    -------
    str
        A key of :data:`LANGUAGES`; :data:`DEFAULT_LANGUAGE` when neither names one.
    """
    if _primary(param) in LANGUAGES:
        return _primary(param)
    if browser:
        ranked = []
        for k, part in enumerate(str(browser).split(",")):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((-weight, k, _primary(tag)))
        for _w, _k, code in sorted(ranked):
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def _primary(tag: str | None) -> str:
    return str(tag or "").strip().replace("_", "-").split("-")[0].lower()


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang``, compiled from its ``.po`` (English, or a language without one: the text as written).

    The package's own catalogue, like its JavaScript (``layers/js``): read from
    the package, never from the user's files.  Untranslated and fuzzy entries
    fall back to the English text.
    """
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT_LANGUAGE or not po.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po.read_bytes()), locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


class Text:
    """The interface's words, dates and numbers in one language.

    ``t = text("es")``; ``t.gettext("Filter")`` → ``"Filtro"``;
    ``t.ngettext("{n} row", "{n} rows", n).format(n=n)``; ``t.date(day)`` →
    ``"1 ene 2026"``; ``t.number(1234)`` → ``"1,234"``.
    """

    def __init__(self, lang: str = DEFAULT_LANGUAGE):
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = Locale.parse(_BABEL_LOCALES[self.lang])
        self._t = translations(self.lang)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def date(self, day: dt.date | str, format: str = "medium") -> str:
        """``day`` for a reader: ``"Jan 1, 2026"`` / ``"1 ene 2026"`` (``format="long"``: ``"1 de enero de 2026"``)."""
        if isinstance(day, str):
            day = dt.date.fromisoformat(day[:10])
        return _format_date(day, format=format, locale=self.locale)

    def number(self, value, digits: int = 0) -> str:
        """``value`` with the language's digit grouping, rounded to ``digits`` decimals."""
        return format_decimal(value, format=_number_pattern(digits), locale=self.locale)


@functools.lru_cache(maxsize=None)
def _number_pattern(digits: int):
    # Parsed once: Babel parses a pattern given as text on every call (a millisecond, on every rerun's counts).
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@functools.lru_cache(maxsize=None)
def text(lang: str = DEFAULT_LANGUAGE) -> Text:
    """The shared :class:`Text` of ``lang``."""
    return Text(lang)
