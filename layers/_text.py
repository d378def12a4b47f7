"""Wording shared by the facility and incident popups."""

from __future__ import annotations

#: How a point's location_precision reads in a popup.  Anything coarser than a
#: street address says plainly that the point is not the exact site.
PRECISION_WORDS: dict[str, str] = {
    "address": "Street address",
    "block": "Generalised to a few blocks (about 0.7 km\u00b2) \u2014 not the exact site",
    "zip": "ZIP centroid \u2014 not the exact site",
    "city": "City center \u2014 not the exact site",
    "county": "County center \u2014 not the exact site",
    "state": "State center \u2014 not the exact site",
}

#: Precisions drawn as hollow rings, so an approximate point is not read as a pin.
COARSE_PRECISIONS: frozenset[str] = frozenset({"city", "county", "state"})


def join_nonempty(parts, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


def location_text(precision: str, method: str) -> str:
    """``"ZIP centroid — not the exact site (method)"`` from the two columns."""
    key = precision.strip().lower()
    words = PRECISION_WORDS.get(key, f"Precision: {precision}" if precision else "")
    if words and method:
        return f"{words} ({method})"
    return words or method
