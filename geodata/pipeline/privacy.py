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

import h3

__all__ = [
    "generalise_point", "H3_RESOLUTION", "STREET_ADDRESS", "has_street_address", "without_house_numbers",
    "generalise_place",
]

H3_RESOLUTION = 8

_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|"
    "highway|hwy|terrace|ter|circle|cir|trail|trl|square|sq|loop|alley|aly|pike|row|crescent|cres|plaza|"
    "freeway|fwy|expressway|expy|turnpike|tpke|path|run|point|pt|ridge|heights|hts|bend|crossing|xing"
)
# Words that join a number to a street in a sentence without being part of a street
# name ("3 men on Lake Street" is no address).
_JOINERS = r"(?!(?:on|at|in|near|of|and|or|from|to|by|for|with|outside|inside|off|the|a|an)\b)"
_NAME_WORD = rf"{_JOINERS}(?:[A-Za-z][A-Za-z'.-]*|\d+(?:st|nd|rd|th))"
#: A house number, an optional direction, one to four name words and a street word:
#: "4512 Elm Street", "1200 W 38th St.", "77 Martin Luther King Jr Blvd".
STREET_ADDRESS = re.compile(
    rf"\b(?P<number>\d{{1,6}}(?:-?[A-Za-z])?(?:[-/]\d{{1,5}})?)\s+"
    rf"(?P<street>(?:(?:[NSEW]|N[EW]|S[EW]|north|south|east|west)\.?\s+)?"
    rf"(?:{_NAME_WORD}\s+){{1,4}}(?:{_SUFFIXES})\b\.?)",
    re.IGNORECASE,
)
# A place that starts with a house number is a street address even without a street
# word ("4512 Elm, Minneapolis"): the importer sends such places to the geocoder.
_LEADING_NUMBER = re.compile(r"^\s*\d{1,6}(?:-?[A-Za-z])?(?:[-/]\d{1,5})?\s+(?=[A-Za-z])")


def generalise_point(lon: float, lat: float, resolution: int = H3_RESOLUTION) -> tuple[float, float]:
    """The centre of the H3 cell holding (lon, lat), as (lon, lat)."""
    cell = h3.latlng_to_cell(lat, lon, resolution)
    clat, clon = h3.cell_to_latlng(cell)
    return round(clon, 6), round(clat, 6)


_NUMBER = re.compile(r"[0-9]+")


def has_street_address(text) -> bool:
    """True when ``text`` holds what looks like a street address (a house number and a street)."""
    if not isinstance(text, str) or not any(d in text for d in "0123456789"):
        return False  # most texts: no digit, no address (a fast test for a million descriptions)
    # The full pattern is tried only where a number starts, not at every character.
    return any(STREET_ADDRESS.match(text, m.start()) for m in _NUMBER.finditer(text))


def without_house_numbers(text):
    """``text`` with every street address written as "near <street>": "arrested at 4512 Elm Street"
    becomes "arrested near Elm Street" (a preposition before the address gives way to "near")."""
    if not has_street_address(text):
        return text
    return _AT_ADDRESS.sub(lambda m: f"near {m.group('street')}", text)


# "at 4512 Elm Street" -> "near Elm Street", not "at near Elm Street".
_AT_ADDRESS = re.compile(
    rf"(?:\b(?:at|on|in|outside|inside|near|by|from|to)\s+(?:the\s+)?)?{STREET_ADDRESS.pattern}",
    re.IGNORECASE,
)


def generalise_place(text):
    """A place as the source names it, without its house number: "4512 Elm Street" and "4512 Elm"
    become "near Elm Street" and "near Elm"."""
    if not isinstance(text, str) or not text:
        return text
    out = without_house_numbers(text)
    if _LEADING_NUMBER.match(out):
        out = _LEADING_NUMBER.sub("near ", out, count=1)
    return out
