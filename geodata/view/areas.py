"""Counts by area for a view's frames: what the map's shaded regions and areas show, counted here.

``layers/`` draws these frames and computes nothing: the spatial joins (incidents by state,
county or ICE area of responsibility, facilities' population by AOR) run here, on the frames a view
selected (:func:`geodata.view.frames`). ICE arrests by county are a measure (:mod:`geodata.view.measures`).
"""

from __future__ import annotations

from geodata.geography.aor import counts_by_aor
from geodata.geography.regions import counts_by_region

__all__ = ["area_frames", "region_counts"]


def region_counts(incidents, level: str):
    """Incidents by ``level`` ("state" or "county") for a choropleth, or None for ``"none"`` or no incidents.

    :func:`geodata.geography.regions.counts_by_region` of the incidents a view shows.
    """
    if level == "none" or incidents is None:
        return None
    return counts_by_region(incidents, level)


def area_frames(frames: dict, *, areas, aor_map: str = "none") -> dict:
    """The frames the area overlays of a view draw (``layers.areas.area_overlays``), counted.

    Parameters
    ----------
    frames : dict
        A view's frames (:func:`geodata.view.frames`): ``incidents`` are counted by AOR,
        ``facilities`` (with ``adp_in_range``) summed by AOR, ``offices`` passed on.
    areas : geopandas.GeoDataFrame
        The AOR polygons (``geodata.geography.aor.load_aor_areas()``).
    aor_map : {"none", "areas", "incidents", "detained"}
        What the AOR overlay shows: nothing, the plain areas, incidents or people detained by AOR.

    Returns
    -------
    dict
        Only what was asked for and can be drawn: ``aor_areas`` (the polygons),
        ``aor_incidents`` (incidents by AOR), ``aor_detained`` (people detained on an average
        day by AOR; ``attrs["weight"]`` names the figure summed: ``adp_in_range``, the average over
        the dates, or ``adp``, ICE's FY2026 figure, when no daily counts cover them) and ``offices``.
    """
    out: dict = {}
    if aor_map == "areas":
        out["aor_areas"] = areas
    elif aor_map == "incidents" and frames.get("incidents") is not None:
        out["aor_incidents"] = counts_by_aor(frames["incidents"], areas=areas)
    elif aor_map == "detained" and frames.get("facilities") is not None:
        fac = frames["facilities"]
        column = "adp_in_range" if "adp_in_range" in fac.columns and fac["adp_in_range"].notna().any() else "adp"
        counts = counts_by_aor(fac, areas=areas, weight=column)
        counts.attrs["weight"] = column
        out["aor_detained"] = counts
    if frames.get("offices") is not None:
        out["offices"] = frames["offices"]
    return out
