"""Incidents by state or county as a choropleth, from ``geodata.geography.regions.counts_by_region``.

Each shaded region is one polygon in a ``L.FeatureGroup``, decoded in the
browser from the same compact polyline encoding as the outline map (a state
layer is about 60 kB of page).  Tooltips are built with ``textContent``: a name
from the data is never parsed as HTML.  Regions with nothing counted are not
shaded, so the base map shows through them.
"""

from __future__ import annotations

import math

import numpy as np

from geodata.geography.regions import PER_100K_UNAVAILABLE, encode_polygon
from layers._script import ScriptLayer, script_source, to_script_json
from layers._text import html_text

#: Sequential colours, lightest first (ColorBrewer PuRd without its palest step,
#: which would vanish on the pale outline map).  Apart from the facility blues
#: and the category colours of the incidents drawn on top.
CHOROPLETH_COLORS: tuple[str, ...] = ("#d4b9da", "#c994c7", "#df65b0", "#dd1c77", "#980043")

VALUES = ("count", "per_100k")

_PRECISION = 3

# The class is layers/js/choropleth.js (it needs layers/js/polyline.js, loaded first).
_CLASS_JS = script_source("polyline.js") + "\n" + script_source("choropleth.js")


class ChoroplethLayer(ScriptLayer):
    """Shaded regions from a compact, escaped JSON object (see :func:`choropleth_layer`).

    Attributes
    ----------
    data : dict
        ``precision`` and ``regions``: per shaded region ``id``, ``fill``,
        ``tooltip`` (plain text), ``counts`` and ``points`` (its polygons).
    classes : list of (colour, label)
        The legend, lowest class first.
    notes : list of str
        What the legend says was not counted, and why.
    level, value : str
    """

    _js_class = "ChoroplethLayer"
    _scripts = ("choropleth.js",)

    def __init__(self, data: dict, *, classes, notes, level: str, value: str, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ChoroplethLayer"
        self.data = data
        self.classes = list(classes)
        self.notes = list(notes)
        self.level = level
        self.value = value
        self.options = {"fill_opacity": 0.62, "stroke_color": "#ffffff", "weight": 0.8}
        self.legend_part = "choropleth"

    def __len__(self) -> int:
        return len(self.data["regions"])

    def to_json(self) -> str:
        return to_script_json(self.data)

    def tooltips(self) -> dict[str, str]:
        """Each shaded region's tooltip text, by region id."""
        return {r["id"]: r["tooltip"] for r in self.data["regions"]}

    def fills(self) -> dict[str, str]:
        """Each shaded region's colour, by region id."""
        return {r["id"]: r["fill"] for r in self.data["regions"]}

    def legend_html(self) -> str:
        """The legend section: a title, one swatch per class, the notes; every text escaped."""
        parts = [f"<h4>{html_text(self.layer_name)}</h4>"]
        for color, label in self.classes:
            parts.append(
                f'<div class="row"><i class="box" style="background:{html_text(color)}"></i>'
                f"{html_text(label)}</div>"
            )
        for note in self.notes:
            parts.append(f'<div class="note">{html_text(note)}</div>')
        return "".join(parts)

    def _get_self_bounds(self):
        return [[None, None], [None, None]]  # the map keeps its own view

    def js_data(self) -> str:
        return self.to_json()


def choropleth_layer(
    counts,
    *,
    value: str = "count",
    name: str | None = None,
    show: bool = True,
    classes: int = 5,
) -> ChoroplethLayer:
    """Regions shaded by their number of incidents, or incidents per 100,000 residents.

    Parameters
    ----------
    counts : geopandas.GeoDataFrame
        As returned by ``geodata.geography.regions.counts_by_region`` (``region_id``,
        ``name``, ``state``, ``count``, optionally ``per_100k`` and
        ``population``; ``attrs`` with ``level`` and what was not counted).
    value : {"count", "per_100k"}
        What the colour shows.  ``"per_100k"`` needs population figures: a
        ValueError says so when ``counts`` has none.
    name : str, optional
        The name in the layer control; "Incidents by state" and the like.
    show : bool
        Whether the layer is on when the map opens.
    classes : int
        At most this many colour classes (quantiles rounded to 1, 2 or 5
        times a power of ten).

    Returns
    -------
    ChoroplethLayer
    """
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}, got {value!r}")
    if value == "per_100k" and "per_100k" not in counts.columns:
        raise ValueError(f"incidents per 100,000 residents are {PER_100K_UNAVAILABLE}")
    if counts.crs is not None and counts.crs.to_epsg() != 4326:
        counts = counts.to_crs("EPSG:4326")
    attrs = dict(getattr(counts, "attrs", {}) or {})
    level = str(attrs.get("level") or "region")
    if name is None:
        name = f"Incidents by {level}" if value == "count" else f"Incidents per 100,000 residents, by {level}"

    values = counts[value].to_numpy(dtype=float)
    breaks = class_breaks(values, classes)
    colors = spread_palette(CHOROPLETH_COLORS, len(breaks))
    integer = value == "count"
    shown = np.isfinite(values) & (values > 0)
    vmax = float(values[shown].max()) if shown.any() else 0.0

    regions = []
    for row, v in zip(counts.itertuples(index=False), values):
        if not (np.isfinite(v) and v > 0):
            continue
        k = int(np.searchsorted(breaks, v, side="right")) - 1
        poly_counts, points = encode_polygon(row.geometry, _PRECISION)
        if not poly_counts:
            continue
        regions.append({
            "id": str(row.region_id),
            "fill": colors[max(k, 0)],
            "tooltip": _tooltip(row, level, value),
            "counts": poly_counts,
            "points": points,
        })
    data = {"precision": _PRECISION, "regions": regions}
    legend = list(zip(colors, class_labels(breaks, vmax, integer=integer)))
    unit = "incidents" if value == "count" else "incidents per 100,000 residents"
    notes = [f"Colour: {unit}. Not shaded: none counted"
             + (" or no population figure." if value == "per_100k" else ".")]
    notes += _not_counted(attrs, level)
    return ChoroplethLayer(data, classes=legend, notes=notes, level=level, value=value, name=name, show=show)


def class_breaks(values, k: int = 5) -> list[float]:
    """Lower bounds of up to ``k`` classes of the positive values, each 1, 2 or 5 x 10^n.

    Quantiles rounded down first; where ties leave fewer than ``k`` classes
    (most counties count 1), round numbers split the widest remaining gaps.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v) or k < 1:
        return []
    breaks = {_nice_floor(float(q)) for q in np.quantile(v, np.arange(k) / k)}
    vmax = float(v.max())
    candidates = []
    c = min(breaks)
    while c <= vmax:
        candidates.append(c)
        c = _nice_next(c)
    while len(breaks) < k:
        bounds = sorted(breaks) + [vmax]
        best, best_gap = None, 0.0
        for lo, hi in zip(bounds, bounds[1:]):
            inside = [c for c in candidates if lo < c < hi and c not in breaks]
            if inside and math.log(hi / lo) > best_gap:
                middle = math.sqrt(lo * hi)
                best, best_gap = min(inside, key=lambda c: abs(math.log(c / middle))), math.log(hi / lo)
        if best is None:
            break
        breaks.add(best)
    return sorted(breaks)


def _nice_next(x: float) -> float:
    exponent = math.floor(math.log10(x) + 1e-9)
    m = round(x / 10.0**exponent)
    nxt = {1: 2, 2: 5, 5: 10}.get(m, 10) * 10.0**exponent
    return float(round(nxt)) if nxt >= 1 else float(f"{nxt:.12g}")


def class_labels(breaks: list[float], vmax: float, *, integer: bool) -> list[str]:
    """``["1", "2\u20134", "5\u201311"]`` for whole numbers; ``["0.05\u20130.1", ...]`` otherwise."""
    labels = []
    for i, lo in enumerate(breaks):
        last = i == len(breaks) - 1
        if integer:
            a = math.ceil(lo)
            b = int(vmax) if last else math.ceil(breaks[i + 1]) - 1
            labels.append(f"{a:,}" if a >= b else f"{a:,}\u2013{b:,}")
        else:
            hi = vmax if last else breaks[i + 1]
            labels.append(f"{_short(lo)}\u2013{_short(hi)}")
    return labels


def _nice_floor(x: float) -> float:
    exponent = math.floor(math.log10(x))
    base = 10.0**exponent
    for m in (5, 2, 1):
        if m * base <= x * (1 + 1e-9):
            out = m * base
            return float(round(out)) if out >= 1 else float(f"{out:.12g}")
    return base


def _short(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def spread_palette(palette: tuple[str, ...], n: int) -> list[str]:
    if n <= 0:
        return []
    if n == 1:
        return [palette[len(palette) // 2]]
    return [palette[int(round(i))] for i in np.linspace(0, len(palette) - 1, n)]


def _tooltip(row, level: str, value: str) -> str:
    place = f"{row.name}, {row.state}" if level == "county" else str(row.name)
    n = int(row.count)
    counted = f"{n:,} incident{'s' if n != 1 else ''}"
    if value == "count":
        return f"{place}: {counted}"
    return f"{place}: {_short(float(row.per_100k))} per 100,000 residents ({counted}; {row.population:,.0f} residents)"


def _not_counted(attrs: dict, level: str) -> list[str]:
    notes = []
    outside = len(attrs.get("outside") or [])
    coarse = len(attrs.get("too_coarse") or [])
    unplaced = len(attrs.get("unplaced") or [])
    if outside:
        notes.append(
            f"Not counted: {outside:,} incident{'s' if outside != 1 else ''} in no {level} "
            "(at sea, or in a territory without boundaries here)."
        )
    if coarse:
        notes.append(f"Not counted: {coarse:,} known only to a state.")
    if unplaced:
        notes.append(f"Not counted: {unplaced:,} with no place.")
    return notes
