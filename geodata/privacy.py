"""Keeping private people's homes off the map.

A point at a street address may be a home.  Unless a source says the place is
public (a courthouse, a facility, a street corner), such a point is moved to the
centre of its H3 cell before it is stored: resolution 8 cells are about 0.7 km2,
a few blocks in a city, so the point still says "this neighbourhood" and no
longer says "this house".
"""

from __future__ import annotations

import h3

__all__ = ["generalise_point", "H3_RESOLUTION"]

H3_RESOLUTION = 8


def generalise_point(lon: float, lat: float, resolution: int = H3_RESOLUTION) -> tuple[float, float]:
    """The centre of the H3 cell holding (lon, lat), as (lon, lat)."""
    cell = h3.latlng_to_cell(lat, lon, resolution)
    clat, clon = h3.cell_to_latlng(cell)
    return round(clon, 6), round(clat, 6)
