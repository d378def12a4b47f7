"""Point symbols and uncertainty radii, shared by the canvas (JavaScript) and the legend (SVG).

A shape is a polygon in units of the point's radius (x to the right, y down),
or ``None`` for a circle.  The canvas draws the same vertices as the legend, so
what the legend shows is what the map draws.
"""

from __future__ import annotations

import html
import math

#: Vertices of each shape, in units of the symbol's radius.  Sizes are set so
#: that the shapes look about as heavy as a circle of that radius.
SHAPES: dict[str, list[list[float]] | None] = {
    "circle": None,
    "square": [[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]],
    "diamond": [[0.0, -1.2], [1.2, 0.0], [0.0, 1.2], [-1.2, 0.0]],
    "triangle": [[0.0, -1.25], [1.12, 0.75], [-1.12, 0.75]],
    "triangle_down": [[0.0, 1.25], [1.12, -0.75], [-1.12, -0.75]],
    "cross": [
        [-0.36, -1.15], [0.36, -1.15], [0.36, -0.36], [1.15, -0.36], [1.15, 0.36], [0.36, 0.36],
        [0.36, 1.15], [-0.36, 1.15], [-0.36, 0.36], [-1.15, 0.36], [-1.15, -0.36], [-0.36, -0.36],
    ],
    "star": [
        [round(r * math.sin(k * math.pi / 5), 3), round(-r * math.cos(k * math.pi / 5), 3)]
        for k in range(10)
        for r in ((1.35 if k % 2 == 0 else 0.58),)
    ],
}

#: Radius in metres of the circle drawn around a point whose place is known
#: only to this level: the *typical* size of such an area, not this one's.
#:
#: * ``block``: the point is the centre of its H3 cell (resolution 8, 0.74 km2);
#:   the cell's mean edge length, 531 m, is the radius of the circle through
#:   its corners.
#: * ``zip``: about 4 km, a circle of 50 km2: the median spacing of the ZIP
#:   centroids of the ``zipcodes`` package (7.4 km between neighbours) as a
#:   hexagonal cell.  Urban ZIPs are smaller, rural ones far bigger.
#: * ``city``: 10 km (310 km2): no city boundaries are bundled; Minneapolis is
#:   150 km2, Houston 1,700 km2.
#: * ``county``, ``state``: the median county (1,565 km2) and state
#:   (137,000 km2) land area of the bundled Census boundaries as a circle
#:   (``geodata.geography.regions.typical_radius_m``; a test keeps them in step).
UNCERTAINTY_RADIUS_M: dict[str, float] = {
    "address": 0.0,
    "block": 531.0,
    "zip": 4_000.0,
    "city": 10_000.0,
    "county": 22_000.0,
    "state": 209_000.0,
}


def uncertainty_radius(precision: str) -> float:
    """Metres of uncertainty for a ``location_precision`` (0 for an address or an unknown word)."""
    return UNCERTAINTY_RADIUS_M.get((precision or "").strip().lower(), 0.0)


def radius_words(metres: float) -> str:
    """``"4 km"``, ``"460 m"``."""
    if metres >= 1000:
        return f"{metres / 1000:,.0f} km"
    return f"{round(metres, -1):,.0f} m"


def symbol_svg(shape: str, color: str, *, size: int = 14, hollow: bool = False, radius: float = 4.6) -> str:
    """An inline SVG of one symbol, for the legend (the colour is escaped)."""
    color = html.escape(color, quote=True)
    c = size / 2
    if hollow:
        paint = f'fill="#ffffff" fill-opacity="0.6" stroke="{color}" stroke-width="1.6"'
    else:
        paint = f'fill="{color}" fill-opacity="0.9" stroke="#ffffff" stroke-width="0.8"'
    verts = SHAPES[shape]
    if verts is None:
        body = f'<circle cx="{c:g}" cy="{c:g}" r="{radius:g}" {paint}/>'
    else:
        pts = " ".join(f"{c + x * radius:.2f},{c + y * radius:.2f}" for x, y in verts)
        body = f'<polygon points="{pts}" {paint}/>'
    return (
        f'<svg class="sym" width="{size}" height="{size}" viewBox="0 0 {size} {size}" aria-hidden="true">'
        f"{body}</svg>"
    )
