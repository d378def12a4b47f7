"""Keeping private people's homes off the map.

A point at a street address may be a home.  Unless a source says the place is
public (a courthouse, a facility, a street corner), such a point is moved to the
centre of its H3 cell before it is stored: resolution 8 cells are about 0.7 km2,
a few blocks in a city, so the point still says "this neighbourhood" and no
longer says "this house".

The text goes with the point: a house number never leaves the importer.  A street
address in a place, a title or a description ("4512 Elm Street") is written as
"near Elm Street" (:func:`without_house_numbers`), and a record whose own text
held one is flagged for a reviewer.
"""

from __future__ import annotations

import re
import unicodedata

import h3

__all__ = [
    "generalise_point", "H3_RESOLUTION", "STREET_ADDRESS", "has_street_address", "without_house_numbers",
    "generalise_place", "normalise",
]

H3_RESOLUTION = 8

_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|"
    "highway|hwy|terrace|ter|circle|cir|trail|trl|square|sq|loop|alley|aly|pike|row|crescent|cres|plaza|"
    "freeway|fwy|expressway|expy|turnpike|tpke|path|run|point|pt|ridge|heights|hts|bend|crossing|xing"
)
#: Spanish street words, which come before the name ("Calle Olmo 4512", "Avenida Juárez 120").
_SPANISH = (
    "calle|c/|avenida|avda|av|ave|camino|carretera|calzada|paseo|bulevar|boulevard|blvd|privada|callejón|callejon|"
    "cerrada|andador|prolongación|prolongacion|circuito|retorno|via|vía|plaza|pasaje|ronda|travesía|travesia"
)
# Words that join a number to a street in a sentence without being part of a street
# name ("3 men on Lake Street" is no address).
_JOINERS = r"(?!(?:on|at|in|near|of|and|or|from|to|by|for|with|outside|inside|off|the|a|an)\b)"
_NAME_WORD = rf"{_JOINERS}(?:[^\W\d_][\w'.-]*|\d+(?:st|nd|rd|th))"
#: A house number: digits, a letter or a fraction after them ("12B", "4512½", "4512 1/2"), a unit.
_HOUSE = r"\d{1,6}(?:-?[A-Za-z](?![A-Za-z]))?(?:\s?\d⁄\d|\s\d/\d)?(?:[-/]\d{1,5})?"
#: A house number, an optional direction, one to four name words and a street word:
#: "4512 Elm Street", "1200 W 38th St.", "77 Martin Luther King Jr Blvd".
STREET_ADDRESS = re.compile(
    rf"\b(?P<number>{_HOUSE})\s+"
    rf"(?P<street>(?:(?:[NSEW]|N[EW]|S[EW]|north|south|east|west)\.?\s+)?"
    rf"(?:{_NAME_WORD}\s+){{1,4}}(?:{_SUFFIXES})\b\.?)",
    re.IGNORECASE,
)
#: The number after the street: "Elm Street 4512", "Calle Olmo 4512", "Av. Juárez #120".
_NUMBER_AFTER = re.compile(
    rf"(?P<street>\b(?:(?:{_NAME_WORD}\s+){{1,4}}(?:{_SUFFIXES})\b\.?|(?:{_SPANISH})\b\.?(?:\s+{_NAME_WORD}){{1,4}}))"
    rf",?\s+(?:no\.?\s*|n[º°o]\.?\s*|#\s*)?(?P<number>{_HOUSE})\b(?!\s*(?:st|nd|rd|th|am|pm|a\.m|p\.m)\b)"
    # ... and not a count ("Lake Street 2 arrests"): no lower-case word after it but "in"/"en".
    rf"(?!\s+(?!(?:in|en)\b)(?-i:[^\W\d_A-Z]))",
    re.IGNORECASE,
)
#: A Spanish street word before the name with the number first: "4512 Calle Olmo".
_NUMBER_SPANISH = re.compile(rf"\b(?P<number>{_HOUSE})\s+(?P<street>(?:{_SPANISH})\b\.?(?:\s+{_NAME_WORD}){{1,4}})",
                             re.IGNORECASE)
#: "at 4512 Elm": a preposition, a number of three digits or more and a capitalised name, no street word.
_AT_NUMBER = re.compile(r"\b(?P<at>(?i:at|outside|near|in front of|frente a|en))\s+(?P<number>\d{3,6}(?:\s?\d⁄\d)?)\s+"
                        # ... not a count ("at 300 People", "at 1200 Hours"): those words are no street name.
                        r"(?!(?i:people|persons|men|women|workers|agents|officers|families|children|residents|"
                        r"migrants|hours|minutes|am|pm|ice|us)\b)(?P<street>[A-Z][^\W\d_]+)\b")
# A place that starts with a house number is a street address even without a street
# word ("4512 Elm, Minneapolis"): the importer sends such places to the geocoder.
_LEADING_NUMBER = re.compile(r"^\s*\d{1,6}(?:-?[A-Za-z])?(?:\s?\d⁄\d)?(?:[-/]\d{1,5})?\s+(?=[^\W\d_])")

#: Characters that do not show but break a word or a number apart (zero-width space and joiners,
#: word joiner, soft hyphen, BOM): taken out before matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\ufeff\u180e\u2061\u2062\u2063\u2064"))


def generalise_point(lon: float, lat: float, resolution: int = H3_RESOLUTION) -> tuple[float, float]:
    """The centre of the H3 cell holding (lon, lat), as (lon, lat)."""
    cell = h3.latlng_to_cell(lat, lon, resolution)
    clat, clon = h3.cell_to_latlng(cell)
    return round(clon, 6), round(clat, 6)


def normalise(text: str) -> str:
    """``text`` as the address patterns read it: NFKC (full-width and mathematical digits become 0-9,
    "½" becomes "1⁄2"), every other decimal digit ("٤٥١٢", "४५१२") as 0-9, invisible characters out."""
    out = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if not out.isascii():
        out = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in out)
    return out


def _has_digit(text: str) -> bool:
    if text.isascii():
        return any(d in text for d in "0123456789")
    return any(c.isdigit() or c in "½¼¾⅓⅔" for c in text)


_NUMBER = re.compile(r"[0-9]+")


def _found(text: str) -> bool:
    return (any(STREET_ADDRESS.match(text, m.start()) for m in _NUMBER.finditer(text))
            or bool(_NUMBER_AFTER.search(text) or _NUMBER_SPANISH.search(text) or _AT_NUMBER.search(text)))


def has_street_address(text) -> bool:
    """True when ``text`` holds what looks like a street address (a house number and a street), in any
    digits, with or without invisible characters, the number before or after the street."""
    if not isinstance(text, str) or not _has_digit(text):
        return False  # most texts: no digit, no address (a fast test for a million descriptions)
    return _found(text if text.isascii() else normalise(text))


def without_house_numbers(text):
    """``text`` with every street address written as "near <street>": "arrested at 4512 Elm Street"
    becomes "arrested near Elm Street" (a preposition before the address gives way to "near");
    "Calle Olmo 4512" becomes "near Calle Olmo"."""
    if not has_street_address(text):
        return text
    out = _AT_ADDRESS.sub(lambda m: f"near {m.group('street')}", normalise(text))
    out = _AT_NUMBER_AFTER.sub(lambda m: f"near {m.group('street')}", out)
    out = _AT_NUMBER_SPANISH.sub(lambda m: f"near {m.group('street')}", out)
    return _AT_NUMBER.sub(lambda m: f"near {m.group('street')}", out)


_PREPOSITION = r"(?:\b(?:at|on|in|outside|inside|near|by|from|to|en|frente a)\s+(?:the\s+)?)?"
# "at 4512 Elm Street" -> "near Elm Street", not "at near Elm Street".
_AT_ADDRESS = re.compile(rf"{_PREPOSITION}{STREET_ADDRESS.pattern}", re.IGNORECASE)
_AT_NUMBER_AFTER = re.compile(rf"{_PREPOSITION}{_NUMBER_AFTER.pattern}", re.IGNORECASE)
_AT_NUMBER_SPANISH = re.compile(rf"{_PREPOSITION}{_NUMBER_SPANISH.pattern}", re.IGNORECASE)


def generalise_place(text):
    """A place as the source names it, without its house number: "4512 Elm Street" and "4512 Elm"
    become "near Elm Street" and "near Elm"."""
    if not isinstance(text, str) or not text:
        return text
    out = without_house_numbers(text)
    if _has_digit(out):
        norm = normalise(out)
        if _LEADING_NUMBER.match(norm):
            out = _LEADING_NUMBER.sub("near ", norm, count=1)
    return out
