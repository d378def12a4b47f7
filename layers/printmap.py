"""The map as a file for print and the web: PNG (2x), SVG or PDF, drawn on the server.

Graphics desks need a still image of exactly the view, with its title, date range, legend, scale bar,
sources and credits drawn in.  A screenshot of the browser's map cannot give that reliably (the canvas
layers, the page's size, the legend folded or not, tiles half loaded), so the still map is drawn again
here, with matplotlib, from the same frames the map and the export show: facilities sized by the
people held on an average day of the range (:func:`layers.facilities.facility_radius`, the map's own
sizes and colours), incidents with the map's shapes and colours (deaths in custody among them), the
shaded regions if the view has them, and the offline outline map underneath (land, neighbouring land,
state borders).  Vector output (SVG with its text kept as text, PDF with embedded fonts) can be edited
by a desk; the PNG is drawn at twice its size for print.

Privacy: nothing is drawn that the map does not show.  Points are the stored points (a private
person's home was generalised by the importer, :mod:`geodata.pipeline.privacy`); a place known only
roughly is an outline with a dashed circle of its uncertainty, as on the map.  No text of any record is
drawn, only counts and legend words.  Credits: the sources of each layer drawn, the outlines' sources
(the Census Bureau, and Natural Earth where the neighbouring land is drawn); no place names and no tiles
are drawn, so neither GeoNames nor a tile provider needs crediting.

No streamlit and no file reading: the app hands over the frames and the outline geometry.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
import threading

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from layers._symbols import SHAPES, UNCERTAINTY_RADIUS_M
from layers._text import COARSE_PRECISIONS
from layers.choropleth import CHOROPLETH_COLORS, class_breaks, class_labels, spread_palette
from layers.facilities import FACILITY_GROUP_COLORS, facility_group, facility_radius
from layers.i18n import N_, text
from layers.incidents import CATEGORY_COLORS, CATEGORY_SHAPES, RADIUS
from layers.outline import OUTLINE_ATTRIBUTION, OUTLINE_STYLE

__all__ = ["CONTIGUOUS_US", "FORMATS", "PRINT_SIZE", "extent_of", "print_files", "print_map", "print_title"]

#: Media type of each file format.
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
#: The image's size in CSS pixels (the PNG is drawn at ``scale`` times this: 2400 x 1600 by default).
PRINT_SIZE = (1200, 800)
#: West, south, east, north of the lower 48 states: the frame unless the view's link gives one.
CONTIGUOUS_US = (-124.8, 24.3, -66.9, 49.4)
#: Conus Albers (NAD83): equal-area, the projection US national maps are printed in.
PROJECTION = "EPSG:5070"
#: The people held on an average day that the size key shows, as on the map's legend.
SIZE_KEY = (100, 500, 2000)

_TITLE = N_("US immigration enforcement: detention, deaths, incidents")
_CENSUS = N_("Outlines: US Census Bureau 2010 (public domain)")
_LAYER_SOURCES = {
    "facilities": N_("Facilities: ICE detention statistics and facility lists (public domain); people held: "
                     "Deportation Data Project (CC0), UWCHR (GPL-3.0), ICE"),
    "deaths": N_("Deaths in custody: Basu et al., Mortality in U.S. Immigration and Customs Enforcement "
                 "Detention, FY2004-FY2025 (MIT, (c) 2025 Sanjay Basu)"),
    "events": N_("Other incidents: as each record cites (see the export)"),
}
_LOCK = threading.Lock()
_WRAP = 40  # characters per line of the legend
_PX = 0.72  # points per CSS pixel: the figure is PRINT_SIZE / 100 inches, and a point is 1/72 inch


def print_title(start, end, lang: str = "en") -> tuple[str, str]:
    """The image's title and its date line, as drawn and as written in the file's metadata."""
    t = text(lang)
    return t.gettext(_TITLE), t.gettext("{start} to {end}").format(start=t.date(start), end=t.date(end))


def extent_of(center, zoom: float, size=(1000, 680)) -> tuple[float, float, float, float]:
    """West, south, east, north of a web map of ``size`` pixels at ``center`` (lat, lon) and ``zoom``."""
    lat, lon = float(center[0]), float(center[1])
    deg_per_px = 360.0 / (256 * 2.0**zoom)
    half_w = size[0] / 2 * deg_per_px
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    half_h = size[1] / 2 * math.radians(deg_per_px)
    south = math.degrees(2 * math.atan(math.exp(y - half_h)) - math.pi / 2)
    north = math.degrees(2 * math.atan(math.exp(y + half_h)) - math.pi / 2)
    return lon - half_w, max(south, -85.0), lon + half_w, min(north, 85.0)


def print_files(frames: dict, outline, window, areas=None, map_view=None, lang: str = "en",
                stem: str = "ice-map") -> list[dict]:
    """The app's download buttons for the map as PNG (2x, for print) and PDF: ``download_button``'s arguments.

    Parameters
    ----------
    frames : dict of GeoDataFrame or callable
        As :func:`print_map`, or a function returning them: called only when a button is clicked (a
        session then keeps its view's name, not the view's rows, between clicks).
    areas, lang
        As :func:`print_map`.
    outline : GeoDataFrame or callable
        The outline map, or a function returning it: called only when a button is clicked, when the file
        is drawn too.
    window : (start, end)
        The view's dates.
    map_view : ((lat, lon), zoom), optional
        The map's view in the page's link (``layers.basemap.parse_view_params``): the image's frame, at
        the app's map size; the lower 48 states without one.
    stem : str
        The file name without its extension.
    """
    _ = text(lang).gettext
    extent = extent_of(*map_view) if map_view else None

    def make(fmt):
        return lambda: print_map(frames() if callable(frames) else frames, outline() if callable(outline) else outline,
                                 start=window[0], end=window[1], areas=areas, extent=extent, fmt=fmt, lang=lang)

    return [dict(label=label, data=make(fmt), file_name=f"{stem}.{fmt}", mime=FORMATS[fmt], key=f"print_{fmt}")
            for fmt, label in (("png", _("Map as PNG (for print)")), ("pdf", _("Map as PDF (vector)")))]


def print_map(frames: dict, outline: gpd.GeoDataFrame, *, start, end, fmt: str = "png", scale: float = 2,
              extent=None, areas: gpd.GeoDataFrame | None = None, lang: str = "en", size=PRINT_SIZE) -> bytes:
    """The view as a still map with title, date range, legend, scale bar, sources and credits.

    Parameters
    ----------
    frames : dict of GeoDataFrame
        The view's frames (``geodata.view.frames``): ``facilities`` (with ``adp_in_range`` where the range
        has figures) and ``incidents``, each optional; exactly what the map shows.
    outline : GeoDataFrame
        The outline map (``geodata.geography.boundaries.load_boundaries``): ``kind`` and geometry.
    start, end : date
        The view's date range, drawn under the title.
    fmt : {"png", "svg", "pdf"}
    scale : float
        Pixels per CSS pixel of the PNG (2: for print); SVG and PDF are vector.
    extent : (west, south, east, north), optional
        Degrees; the lower 48 states by default (:data:`CONTIGUOUS_US`).  What falls outside is counted
        in a note, never dropped silently.
    areas : GeoDataFrame, optional
        Shaded regions (``geodata.geography.regions.counts_by_region``: ``count`` and polygons; another
        measure per region names its column in ``attrs["value"]`` and its legend title in ``attrs["name"]``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    t = text(lang)
    _ = t.gettext
    title, dates = print_title(start, end, lang)
    width, height = size
    fig = Figure(figsize=(width / 100, height / 100), dpi=100 * scale, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.02, 0.965, title, fontsize=17, fontweight="bold", va="top", gid="title")
    fig.text(0.02, 0.915, dates, fontsize=12, va="top", color="#333333", gid="dates")

    map_box = (0.02, 0.12, 0.70, 0.76)  # left, bottom, width, height in figure fractions
    ax = fig.add_axes(map_box)
    ax.set_facecolor(OUTLINE_STYLE["water"])
    for side in ax.spines.values():
        side.set_edgecolor("#999999")
    ax.set_xticks([])
    ax.set_yticks([])
    box = _frame(extent or CONTIGUOUS_US, map_box[2] * width / (map_box[3] * height))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    px_m = (box[2] - box[0]) / (map_box[2] * width)  # metres per CSS pixel

    credits = [_(OUTLINE_ATTRIBUTION if _draw_outline(ax, outline, box) else _CENSUS)]
    legend: list[tuple] = []
    if areas is not None and len(areas):
        legend += _draw_areas(ax, areas, box, _)
    inc = _points(frames.get("incidents"))
    fac = _points(frames.get("facilities"))
    outside = {"facilities": 0, "incidents": 0}
    if fac is not None:
        fac_in = _inside(fac, box)
        outside["facilities"] = int((~fac_in).sum())
        legend += _draw_facilities(ax, fac[fac_in], px_m, _)
        credits.append(_(_LAYER_SOURCES["facilities"]))
    if inc is not None:
        inc_in = _inside(inc, box)
        outside["incidents"] = int((~inc_in).sum())
        legend += _draw_incidents(ax, inc[inc_in], px_m, t)
        cats = set(inc["category"].astype(str).str.lower())
        if "death_in_custody" in cats:
            credits.append(_(_LAYER_SOURCES["deaths"]))
        if cats - {"death_in_custody"}:
            credits.append(_(_LAYER_SOURCES["events"]))
    _scale_bar(ax, box, t)
    _draw_legend(fig, legend, (0.74, 0.12, 0.25, 0.80))

    notes = []
    if any(outside.values()):
        notes.append(_("Outside this frame (Alaska, Hawaii, territories or beyond the view): {fac} facilities, "
                       "{inc} incidents.").format(fac=t.number(outside["facilities"]),
                                                  inc=t.number(outside["incidents"])))
    notes.append(_("Sources: {sources}.").format(sources=". ".join(credits)))
    notes.append(_("Albers equal-area projection. Made {today} with the open ICE enforcement map.").format(
        today=t.date(dt.date.today())))
    fig.text(0.02, 0.10, "\n".join(notes), fontsize=7.2, va="top", color="#333333", wrap=True, gid="credits")

    buf = io.BytesIO()
    meta = {"png": {"Title": f"{title}, {dates}", "Description": " ".join(notes)},
            "svg": {"Title": f"{title}, {dates}", "Description": " ".join(notes)},
            "pdf": {"Title": f"{title}, {dates}", "Subject": " ".join(notes)}}[fmt]
    # Text kept as text in an SVG, fonts embedded as TrueType in a PDF: a desk can edit both.  rcParams
    # are global: one file at a time (the app draws on Streamlit's download threads).
    with _LOCK, matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buf, format=fmt, metadata=meta, dpi=100 * scale)
    return buf.getvalue()


# -- geometry ----------------------------------------------------------------------------


def _frame(extent, aspect: float) -> tuple[float, float, float, float]:
    """The extent in projected metres, widened on one side to the map's aspect (width / height)."""
    west, south, east, north = extent
    edge = shapely.segmentize(shapely.box(west, south, east, north), 0.5)
    x0, y0, x1, y1 = gpd.GeoSeries([edge], crs="EPSG:4326").to_crs(PROJECTION).total_bounds
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _points(gdf):
    if gdf is None:
        return None
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.to_crs(PROJECTION)


def _inside(gdf, box) -> np.ndarray:
    x, y = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _clip(gdf, box, margin=0.05):
    w, h = box[2] - box[0], box[3] - box[1]
    big = (box[0] - margin * w, box[1] - margin * h, box[2] + margin * w, box[3] + margin * h)
    gdf = gdf.to_crs(PROJECTION)
    return gdf.assign(geometry=shapely.clip_by_rect(gdf.geometry.values, *big))


def _polygon_path(geoms) -> Path | None:
    verts, codes = [], []
    for geom in geoms:
        for poly in shapely.get_parts(shapely.orient_polygons(geom)):
            if not isinstance(poly, shapely.Polygon) or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                c = shapely.get_coordinates(ring)
                if len(c) < 4:
                    continue
                verts.append(c)
                codes.append(np.r_[Path.MOVETO, np.full(len(c) - 2, Path.LINETO), Path.CLOSEPOLY])
    return Path(np.concatenate(verts), np.concatenate(codes)) if verts else None


def _lines(geoms) -> list[np.ndarray]:
    out = []
    for geom in geoms:
        for part in shapely.get_parts(geom):
            if isinstance(part, shapely.LineString) and not part.is_empty:
                out.append(shapely.get_coordinates(part))
    return out


def _draw_outline(ax, outline, box) -> bool:
    """Land, neighbouring land (if the outline has it), state borders and the coast; True if neighbours drawn."""
    outline = _clip(outline, box)
    kinds = dict(zip(outline["kind"], outline.geometry))
    neighbours = kinds.get("neighbours")
    if neighbours is not None and not neighbours.is_empty:
        path = _polygon_path([neighbours])
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=OUTLINE_STYLE["land"], edgecolor=OUTLINE_STYLE["coast"],
                                   linewidth=0.4, zorder=1))
    path = _polygon_path([kinds["land"]])
    if path is not None:
        ax.add_patch(PathPatch(path, facecolor=OUTLINE_STYLE["land"], edgecolor=OUTLINE_STYLE["coast"],
                               linewidth=0.6, zorder=2))
    if "state" in kinds:
        ax.add_collection(LineCollection(_lines([kinds["state"]]), colors=OUTLINE_STYLE["state"], linewidths=0.6,
                                         zorder=4))
    return neighbours is not None and not neighbours.is_empty


def _draw_areas(ax, areas, box, _) -> list[tuple]:
    """Shaded regions, in the map's classes and colours: ``count`` (or the column ``attrs["value"]`` names,
    e.g. an enforcement measure), titled ``attrs["name"]`` if given."""
    values = areas[areas.attrs.get("value", "count")].to_numpy(dtype=float)
    breaks = class_breaks(values)
    if not breaks:
        return []
    colors = spread_palette(CHOROPLETH_COLORS, len(breaks))
    shown = np.isfinite(values) & (values > 0)
    clipped = _clip(areas[shown], box)
    k = np.searchsorted(breaks, values[shown], side="right") - 1
    for i, color in enumerate(colors):
        path = _polygon_path(clipped.geometry[k == i])
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=color, alpha=0.62, edgecolor="white", linewidth=0.4, zorder=3))
    level = str(areas.attrs.get("level") or "state")
    name = areas.attrs.get("name") or (_("Incidents by county") if level == "county" else _("Incidents by state"))
    labels = class_labels(breaks, float(values[shown].max()), integer=bool(np.all(values[shown] % 1 == 0)))
    return [("head", name)] + [("swatch", c, label) for c, label in zip(colors, labels)]


def _marker(shape: str) -> Path | str:
    verts = SHAPES[shape]
    if verts is None:
        return "o"
    v = np.array(verts, dtype=float) * [1, -1]  # the symbols' y runs down, matplotlib's up
    return Path(np.vstack([v, v[:1]]), closed=True)


def _draw_facilities(ax, fac, px_m: float, _) -> list[tuple]:
    adp_col = "adp_in_range" if "adp_in_range" in fac.columns else "adp"
    adp = fac[adp_col].to_numpy(dtype=float)
    radius = facility_radius(adp)
    coarse = fac["location_precision"].fillna("").astype(str).str.lower().isin(COARSE_PRECISIONS).to_numpy()
    nobody = ~(np.isfinite(adp) & (adp > 0))
    colors = np.array([FACILITY_GROUP_COLORS[facility_group(t)] for t in fac["facility_type"]])
    order = np.argsort(-radius, kind="stable")  # the largest first: small ones stay visible on top
    x, y = fac.geometry.x.to_numpy()[order], fac.geometry.y.to_numpy()[order]
    r, hollow, col = radius[order], (coarse | nobody)[order], colors[order]
    area = (2 * r * _PX) ** 2
    ax.scatter(x[~hollow], y[~hollow], s=area[~hollow], c=col[~hollow], alpha=0.75, edgecolors="white",
               linewidths=0.5, zorder=7)
    ax.scatter(x[hollow], y[hollow], s=area[hollow], facecolors="#ffffff99", edgecolors=col[hollow],
               linewidths=1.1, zorder=7)
    groups = [g for g in FACILITY_GROUP_COLORS if g in {facility_group(t) for t in fac["facility_type"]}]
    what = (_("Circle area: average daily population in the selected dates") if adp_col == "adp_in_range"
            else _("Circle area: average daily population"))
    items = [("head", _("Detention facilities"))]
    items += [("dot", FACILITY_GROUP_COLORS[g], _(g)) for g in groups]
    items += [("text", what), ("sizes", [(n, float(s)) for n, s in zip(SIZE_KEY, facility_radius(SIZE_KEY))])]
    if hollow.any():
        items.append(("ring", "#555555", _("Outline: nobody held in these dates, or no figures")))
    return items


def _draw_incidents(ax, inc, px_m: float, t) -> list[tuple]:
    _ = t.gettext
    cats = inc["category"].fillna("other").astype(str).str.lower()
    cats = cats.where(cats.isin(CATEGORY_COLORS), "other").to_numpy()
    precision = inc["location_precision"].fillna("").astype(str).str.lower().to_numpy()
    coarse = np.isin(precision, list(COARSE_PRECISIONS))
    x, y = inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy()
    # The uncertainty of a place known roughly, in metres on the ground, as the map draws it.
    metres = np.array([UNCERTAINTY_RADIUS_M.get(p, 0.0) for p in precision])
    rings = [Circle((xi, yi), m) for xi, yi, m in zip(x, y, metres) if m / px_m >= 2]
    if rings:
        ax.add_collection(PatchCollection(rings, facecolor="none", edgecolor="#4d4d4d", alpha=0.6,
                                          linewidths=0.6, linestyle=(0, (2.5, 2)), zorder=5))
    items = [("head", _("Incidents"))]
    size = (2 * RADIUS * _PX) ** 2
    for cat in CATEGORIES:
        here = cats == cat
        if not here.any():
            continue
        marker, color = _marker(CATEGORY_SHAPES[cat]), CATEGORY_COLORS[cat]
        full, part = here & ~coarse, here & coarse
        ax.scatter(x[full], y[full], s=size, marker=marker, c=color, alpha=0.9, edgecolors="white",
                   linewidths=0.5, zorder=8)
        ax.scatter(x[part], y[part], s=size, marker=marker, facecolors="#ffffff99", edgecolors=color,
                   linewidths=1.1, zorder=8)
        items.append(("symbol", CATEGORY_SHAPES[cat], color,
                      f"{_(CATEGORY_LABELS[cat])} ({t.number(int(here.sum()))})"))
    if coarse.any():
        items.append(("symbol", "circle", "#555555", _("Outline: known only to a city, county or state"), True))
    return items


def _scale_bar(ax, box, t) -> None:
    """A bar of a round number of kilometres, about a fifth of the map wide, and one of miles under it."""
    width = box[2] - box[0]
    x0, y0 = box[0] + 0.03 * width, box[1] + 0.05 * (box[3] - box[1])
    for k, (unit, metres) in enumerate((("km", 1000.0), ("mi", 1609.344))):
        n = _round_down(width / 5 / metres)
        y = y0 - k * 0.035 * (box[3] - box[1])
        ax.plot([x0, x0 + n * metres], [y, y], color="#333333", linewidth=2, solid_capstyle="butt", zorder=9)
        ax.text(x0 + n * metres + 0.008 * width, y, f"{t.number(n)} {unit}", fontsize=7.5, va="center",
                color="#333333", zorder=9)


def _round_down(x: float) -> float:
    exponent = math.floor(math.log10(x))
    m = x / 10**exponent
    return max(k for k in (1, 2, 5, 10) if k <= m) * 10**exponent


# -- the legend --------------------------------------------------------------------------


def _draw_legend(fig, items, box) -> None:
    """The legend's rows from the top of ``box`` (figure fractions) down, a symbol and its words each."""
    left, bottom, width, height = box
    ax = fig.add_axes(box)
    ax.set_axis_off()
    ax.set_xlim(0, width * fig.get_figwidth() * 72)  # points: symbols keep their map sizes
    top = height * fig.get_figheight() * 72
    ax.set_ylim(0, top)
    y = top - 8
    for item in items:
        kind = item[0]
        if kind == "head":
            y -= 6
            ax.text(0, y, item[1], fontsize=9.5, fontweight="bold", va="center")
            y -= 15
        elif kind == "text":
            words = textwrap.fill(item[1], _WRAP + 6)
            ax.text(0, y, words, fontsize=7, va="top", color="#333333")
            y -= 9 * (words.count("\n") + 1) + 4
        elif kind == "sizes":
            x = 6
            big = max(r for _, r in item[1]) * _PX
            y -= big
            for n, r in item[1]:
                rp = r * _PX
                ax.add_patch(Circle((x + rp, y - big + rp), rp, facecolor="#55555540", edgecolor="#555555",
                                    linewidth=0.6))
                ax.text(x + 2 * rp + 3, y - big + rp, f"{n:,}", fontsize=7, va="center")
                x += 2 * rp + 30
            y -= 2 * big + 8
        else:
            if kind in ("dot", "ring"):
                ax.add_patch(Circle((6, y), 4.5, facecolor="none" if kind == "ring" else item[1],
                                    edgecolor=item[1], linewidth=1 if kind == "ring" else 0.5, alpha=0.9))
                label = item[2]
            elif kind == "swatch":
                ax.add_patch(PathPatch(Path([(1, y - 5), (11, y - 5), (11, y + 5), (1, y + 5), (1, y - 5)]),
                                       facecolor=item[1], alpha=0.62, edgecolor="white"))
                label = item[2]
            else:  # symbol: shape, colour, label, hollow?
                hollow = len(item) > 4 and item[4]
                ax.scatter([6], [y], s=(2 * RADIUS * _PX) ** 2, marker=_marker(item[1]),
                           c="none" if hollow else item[2], edgecolors=item[2] if hollow else "white",
                           linewidths=1.1 if hollow else 0.5)
                label = item[3]
            label = textwrap.fill(label, _WRAP)
            lines = label.count("\n")
            ax.text(16, y + 4.5, label, fontsize=7.5, va="top")
            y -= 14 + 9.5 * lines
