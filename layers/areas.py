"""Areas and offices: ICE's areas of responsibility, counts by area, ICE's offices.

ICE arrests by county are a measure (``layers.measures``), drawn like the other measures.

Each function takes frames from ``geodata`` and returns one folium layer; none reads a
file.  Shaded areas are :class:`layers.choropleth.ChoroplethLayer` objects (the same
compact polygons and plain-text tooltips as the state and county choropleth); offices
are a :class:`layers.canvas.CanvasPointLayer`.

* :func:`aor_areas_layer`: the 24 AORs, each its own pale colour, named on hover;
* :func:`aor_counts_layer`: AORs shaded by incidents in view (or people detained);
* :func:`offices_layer`: ICE's offices, shape and colour by agency.
"""

from __future__ import annotations

import html

import numpy as np
import shapely

from geodata.geography.regions import encode_polygon
from layers._prepare import prepare_points, text_column
from layers._symbols import symbol_svg
from layers.canvas import CanvasPointLayer
from layers.choropleth import CHOROPLETH_COLORS, ChoroplethLayer, class_breaks, class_labels, spread_palette
from layers.i18n import N_, text

__all__ = [
    "AOR_COLORS",
    "OFFICE_COLORS",
    "OFFICE_SHAPES",
    "OfficeLayer",
    "aor_areas_layer",
    "aor_counts_layer",
    "offices_layer",
]

_PRECISION = 3

#: Pale, distinct fills for the AOR map; neighbours never share one (greedy colouring).
AOR_COLORS: tuple[str, ...] = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69")

#: Agencies of ICE's offices: colour and shape (``geodata.sources.ddp_offices.AGENCY_NAMES``).
OFFICE_COLORS: dict[str, str] = {"ERO": "#e31a1c", "HSI": "#ff7f00", "OPLA": "#6a3d9a", "other": "#525252"}
OFFICE_SHAPES: dict[str, str] = {"ERO": "square", "HSI": "diamond", "OPLA": "triangle", "other": "circle"}
_OFFICE_WORDS = {
    "ERO": "Enforcement and Removal Operations (arrests, detention, removal)",
    "HSI": "Homeland Security Investigations",
    "OPLA": "Principal Legal Advisor (ICE's lawyers in immigration court)",
    "other": "Other ICE office (OPE, OPR, LESC...)",
}


def _colouring(geoms) -> list[int]:
    """A colour index per polygon such that touching polygons differ (greedy, largest first)."""
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(geoms))}
    for a, b in zip(left.tolist(), right.tolist()):
        if a != b:
            neighbours[a].add(b)
    colour: dict[int, int] = {}
    for i in sorted(neighbours, key=lambda k: -len(neighbours[k])):
        used = {colour[j] for j in neighbours[i] if j in colour}
        colour[i] = next(c for c in range(len(geoms) + 1) if c not in used)
    return [colour[i] for i in range(len(geoms))]


def aor_areas_layer(areas, *, name: str = "ICE areas of responsibility", show: bool = True) -> ChoroplethLayer:
    """The AOR polygons (``geodata.geography.aor.load_aor_areas``), each a pale colour, named on hover.

    The tooltip gives the field office, its code, the states it reaches and how many
    counties; the legend names the source (UWCHR's county table, GPL-3.0).
    """
    colours = _colouring(areas.geometry.values) if len(areas) else []
    regions = []
    for rec, geom, k in zip(areas.itertuples(index=False), areas.geometry, colours):
        counts, points = encode_polygon(geom, _PRECISION)
        if not counts:
            continue
        states = ", ".join(str(rec.states).split())
        regions.append({
            "id": str(rec.aor),
            "fill": AOR_COLORS[k % len(AOR_COLORS)],
            "tooltip": f"{rec.name} ({rec.aor}): {states}; {int(rec.counties):,} counties",
            "counts": counts,
            "points": points,
        })
    notes = [
        "ICE's Enforcement and Removal Operations field offices and the counties each covers, from the "
        "University of Washington Center for Human Rights' county table (GPL-3.0). Harlingen (HLG), which "
        "ICE's statistics use since FY2024, is not in it.",
    ]
    layer = ChoroplethLayer({"precision": _PRECISION, "regions": regions}, classes=[], notes=notes,
                            level="ICE area of responsibility", value="area", name=name, show=show)
    layer.options = {"fill_opacity": 0.28, "stroke_color": "#555555", "weight": 1.2}
    layer.legend_part = None  # an overlay with a legend section of its own, not the map's region shading
    return layer


def _shaded(frame, *, unit: str, name: str, show: bool, notes: list[str], tooltip) -> ChoroplethLayer:
    """Regions shaded by ``count`` in quantile classes; ``tooltip(row)`` gives each one's text."""
    values = frame["count"].to_numpy(dtype=float) if len(frame) else np.zeros(0)
    breaks = class_breaks(values, 5)
    colors = spread_palette(CHOROPLETH_COLORS, len(breaks))
    shown = np.isfinite(values) & (values > 0)
    vmax = float(values[shown].max()) if shown.any() else 0.0
    regions = []
    for row, v in zip(frame.itertuples(index=False), values):
        if not (np.isfinite(v) and v > 0):
            continue
        k = int(np.searchsorted(breaks, v, side="right")) - 1
        counts, points = encode_polygon(row.geometry, _PRECISION)
        if counts:
            regions.append({"id": str(row.region_id), "fill": colors[max(k, 0)], "tooltip": tooltip(row),
                            "counts": counts, "points": points})
    legend = list(zip(colors, class_labels(breaks, vmax, integer=True)))
    notes = [f"Colour: {unit}. Not shaded: none."] + notes
    level = str(frame.attrs.get("level") or "region")
    layer = ChoroplethLayer({"precision": _PRECISION, "regions": regions}, classes=legend, notes=notes,
                            level=level, value="count", name=name, show=show)
    layer.legend_part = None  # an overlay with a legend section of its own, not the map's region shading
    return layer


def aor_counts_layer(counts, *, what: str = "incidents", name: str | None = None, show: bool = True):
    """AORs shaded by a count (``geodata.geography.aor.counts_by_aor``: incidents by where they happened).

    Parameters
    ----------
    counts : geopandas.GeoDataFrame
        ``region_id`` (AOR code), ``name``, ``state``, ``count``; ``attrs`` say what was
        not counted.
    what : str
        What is counted, in words ("incidents", "people detained on an average day").
    """
    attrs = dict(getattr(counts, "attrs", {}) or {})
    one = {"incidents": "incident", "facilities": "facility"}.get(what, what)
    notes = []
    for key, words in (("too_coarse", "known only to a state that several AORs share"),
                       ("outside", "in no AOR (at sea, or in a territory without boundaries here)"),
                       ("unplaced", "with no place")):
        n = len(attrs.get(key) or [])
        if n:
            notes.append(f"Not counted: {n:,} {one if n == 1 else what} {words}.")
    notes.append("Areas: UWCHR's county table (GPL-3.0).")

    one = {"incidents": "incident", "facilities": "facility"}.get(what, what)

    def tooltip(row):
        n = int(row.count)
        return f"{row.name}: {n:,} {one if n == 1 else what}"

    return _shaded(counts, unit=what, name=name or f"{what.capitalize()} by ICE area of responsibility",
                   show=show, notes=notes, tooltip=tooltip)


class OfficeLayer(CanvasPointLayer):
    """ICE's offices on the canvas, with their own legend section."""

    def legend_html(self) -> str:
        parts = [f"<h4>{html.escape(self.layer_name)}</h4>"]
        for agency, color in OFFICE_COLORS.items():
            parts.append(f'<div class="row">{symbol_svg(OFFICE_SHAPES[agency], color)}'
                         f"{html.escape(_OFFICE_WORDS[agency])}</div>")
        parts.append('<div class="note">Where ICE\u2019s agents and lawyers are based: the Deportation Data '
                     "Project\u2019s table of ICE offices (CC0).</div>")
        return "".join(parts)


def offices_layer(offices, *, name: str = N_("ICE offices"), show: bool = True, lang: str = "en") -> OfficeLayer:
    """ICE's offices (``geodata.sources.ddp_offices``) as symbols: shape and colour by agency.

    The popup gives the office's name, agency, field office, the AOR its point is in
    (``aor``, when the frame has it), the area it serves in its own words, the address
    and the source (field names in ``lang``).  Offices without coordinates are left out (``dropped``).
    """
    _ = text(lang).gettext
    attrs, lon, lat, dropped = prepare_points(offices)
    agency = [a.upper() if a.upper() in OFFICE_COLORS else "other" for a in text_column(attrs, "agency")]
    col = lambda c: text_column(attrs, c)  # noqa: E731
    address = [", ".join(p for p in (a, c, f"{s} {z}".strip()) if p)
               for a, c, s, z in zip(col("address"), col("city"), col("state"), col("zip"))]
    agency_words = [f"{n} ({a})" if n else a for n, a in zip(col("agency_name"), col("agency"))]
    fields = [
        (_("Name"), col("name"), "title"),
        (_("Agency"), agency_words),
        (_("Field office"), col("field_office")),
        (_("ICE area of responsibility (by place)"), col("aor")),
        (_("Field office's AOR"), col("field_office_aor")),
        (_("Area served"), col("area")),
        (_("Address"), address),
        (_("Source"), col("source_name")),
        (_("Links"), col("source_urls"), "links"),
    ]
    layer = OfficeLayer(
        lon, lat, radius=5.0, color=[OFFICE_COLORS[a] for a in agency], shape=[OFFICE_SHAPES[a] for a in agency],
        fields=fields, name=name, show=show, fill_opacity=0.9,
    )
    layer.dropped = dropped
    return layer


def area_overlays(counted: dict, *, lang: str = "en") -> list:
    """The layers of this module for the frames a view counted, in drawing order (areas first, offices last).

    Parameters
    ----------
    counted : dict
        ``geodata.view.area_frames``' frames: ``aor_areas`` (drawn plain), ``aor_incidents`` and
        ``aor_detained`` (AORs shaded by incidents or by people detained; ``attrs["weight"]`` says which
        figure) and ``offices``; each drawn when present.
    lang : str
        The language of the layers' names and the offices' popups (the areas' notes stay in English).
    """
    _ = text(lang).gettext
    out = []
    if counted.get("aor_areas") is not None:
        out.append(aor_areas_layer(counted["aor_areas"], name=_("ICE areas of responsibility")))
    if counted.get("aor_incidents") is not None:
        out.append(aor_counts_layer(counted["aor_incidents"], name=_("Incidents by ICE area of responsibility")))
    if counted.get("aor_detained") is not None:
        detained = counted["aor_detained"]
        layer = aor_counts_layer(detained, what="people detained on an average day",
                                 name=_("People detained by ICE area of responsibility"))
        layer.notes.insert(1, "Average over the dates shown (the Deportation Data Project's daily counts), "
                           "facilities counted where they are." if detained.attrs.get("weight") == "adp_in_range"
                           else "No daily counts for these dates: ICE's FY2026 average daily population, "
                           "facilities counted where they are.")
        out.append(layer)
    if counted.get("offices") is not None:
        out.append(offices_layer(counted["offices"], name=_("ICE offices"), lang=lang))
    return out
