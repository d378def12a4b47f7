"""The map of a view as a file for print and graphics desks: PNG (2x) or SVG, drawn with matplotlib.

Not a screenshot of the browser: the same frames the page and the export show, drawn on the state outlines
the caller hands in (``geodata.aggregate.load_regions("state")``; layers reads no files), with the title,
the date range, a legend, a scale bar, "data as of", the sources and the credits drawn in.  The lower 48
states are drawn (Alaska, Hawaii and Puerto Rico are named in a note when the view has records there).
"""

from __future__ import annotations

import io
import math

import numpy as np

from geodata.schema import CATEGORIES, CATEGORY_LABELS

from .facilities import FACILITY_GROUP_COLORS, facility_group
from .i18n import N_, Text
from .incidents import CATEGORY_COLORS

__all__ = ["CREDITS", "EXTENT", "print_map"]

#: Lower 48 states (west, east, south, north).
EXTENT = (-125.0, -66.5, 24.0, 49.6)
#: Drawn at the foot of every printed map (the licences ask for the credit: GeoNames CC BY 4.0, Basu et al. MIT).
CREDITS = N_("Sources: ICE detention statistics and facility lists (public domain); deaths in custody: Basu et al. "
             "(MIT License, (c) 2025 Sanjay Basu); facility population: Deportation Data Project (CC0) and UWCHR "
             "(GPL-3.0); outlines: US Census Bureau (public domain); place names: GeoNames (CC BY 4.0).")
_MARKERS = {"death_in_custody": "P", "shooting": "*", "arrest": "s", "use_of_force": "^", "protest": "o",
            "deployment": "D", "other": "v"}


def _xy(gdf):
    import shapely

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[ok], y[ok] = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
    return x, y


def print_map(frames: dict, states, *, title: str, subtitle: str, as_of: str, t: Text, fmt: str = "png",
              scale: float = 2.0) -> bytes:
    """The view's map as ``png`` (``scale`` x 100 dpi: 2x for print) or ``svg`` (text kept as text).

    ``frames`` are the view's frames (``facilities`` with ``adp_in_range``, ``incidents``); ``states`` the
    state polygons.  The PNG carries ``title`` in its metadata too."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    _ = t.gettext
    plt.rcParams["svg.fonttype"] = "none"  # the SVG's words stay words a desk can edit
    fig = plt.figure(figsize=(12, 8.4), dpi=100)
    ax = fig.add_axes((0.02, 0.13, 0.74, 0.74))
    west, east, south, north = EXTENT
    lat0 = math.radians((south + north) / 2)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(lat0))
    ax.set_facecolor("#dbe7f0")
    for spine in ax.spines.values():
        spine.set_visible(False)
    states.plot(ax=ax, facecolor="#f4f2ec", edgecolor="#8a8a8a", linewidth=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    handles = []
    fac = frames.get("facilities")
    if fac is not None and len(fac):
        x, y = _xy(fac)
        adp = np.asarray(fac["adp_in_range"] if "adp_in_range" in fac.columns else fac["adp"], dtype=float)
        size = np.where(np.isfinite(adp) & (adp > 0), np.sqrt(np.nan_to_num(adp)) * 2.2 + 6, 6)
        colors = [FACILITY_GROUP_COLORS[facility_group(v)] for v in fac["facility_type"].fillna("")]
        order = np.argsort(-size)
        ax.scatter(x[order], y[order], s=size[order], c=np.asarray(colors)[order], alpha=0.7,
                   edgecolors="white", linewidths=0.4, zorder=3)
        handles += [Line2D([], [], marker="o", linestyle="", color=c, label=_(g), markersize=7)
                    for g, c in FACILITY_GROUP_COLORS.items()]
    inc = frames.get("incidents")
    if inc is not None and len(inc):
        x, y = _xy(inc)
        for cat in CATEGORIES:
            mask = (inc["category"] == cat).to_numpy()
            if mask.any():
                ax.scatter(x[mask], y[mask], s=34, marker=_MARKERS[cat], c=CATEGORY_COLORS[cat],
                           edgecolors="black", linewidths=0.5, zorder=4)
                handles.append(Line2D([], [], marker=_MARKERS[cat], linestyle="", color=CATEGORY_COLORS[cat],
                                      markeredgecolor="black", label=_(CATEGORY_LABELS[cat]), markersize=7))
    if handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=7.5, frameon=False,
                  title=_("Legend"), title_fontsize=8.5, ncol=1)
    # Scale bar: 500 km at the map's middle latitude.
    km_per_degree = 111.32 * math.cos(lat0)
    x0, y0 = east - 11.0, south + 1.0
    ax.plot([x0, x0 + 500 / km_per_degree], [y0, y0], color="black", linewidth=2.5, zorder=5)
    ax.text(x0 + 250 / km_per_degree, y0 + 0.35, "500 km", ha="center", fontsize=8, zorder=5)
    fig.text(0.02, 0.955, title, fontsize=17, fontweight="bold", va="top")
    fig.text(0.02, 0.905, subtitle, fontsize=11, va="top")
    fig.text(0.02, 0.10, as_of, fontsize=7.5, va="top", wrap=True, color="#333333")
    fig.text(0.02, 0.065, _(CREDITS), fontsize=7.5, va="top", wrap=True, color="#333333")
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Title": title})
    else:
        fig.savefig(buf, format="png", dpi=100 * scale, metadata={"Title": title, "Description": subtitle})
    plt.close(fig)
    return buf.getvalue()
