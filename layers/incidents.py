"""The enforcement-incident layer: one symbol per incident, its shape and colour by category."""

from __future__ import annotations

import numpy as np

from geodata.core.schema import CATEGORIES, CATEGORY_LABELS
from layers._prepare import prepare_points, text_column
from layers._symbols import uncertainty_radius
from layers._text import COARSE_PRECISIONS, join_nonempty, location_text
from layers.canvas import MODES, CanvasPointLayer
from layers.focus import ID_LABEL
from layers.i18n import N_, text

#: One colour per category, in :data:`geodata.core.schema.CATEGORIES` order.
CATEGORY_COLORS: dict[str, str] = dict(
    zip(CATEGORIES, ("#1a1a1a", "#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#8c564b", "#7f7f7f"))
)

#: One shape per category, so that categories differ for readers who cannot
#: tell the colours apart, and in print (names of layers._symbols.SHAPES).
CATEGORY_SHAPES: dict[str, str] = dict(
    zip(CATEGORIES, ("cross", "star", "square", "triangle", "circle", "diamond", "triangle_down"))
)

#: Every incident has the same radius; a coarse one (placed at a city, county
#: or state center) is an outline instead of a filled symbol, with a dashed
#: circle of the typical size of such an area round it.
RADIUS = 5.5

#: ``style`` of :func:`incidents_layer`: one symbol each, numbered clusters
#: when zoomed out, or a heat map when zoomed out.
STYLES = MODES

VERIFICATION_WORDS: dict[str, str] = {
    "official_record": N_("Official record"),
    "news_report": N_("News report"),
    "unverified": N_("Unverified claim"),
}

#: With ``style="points"``, more incidents than this in view are counted in
#: clusters until zoomed in: a solid carpet of symbols says nothing.
POINTS_MAX = 20_000

_DATE_NOTE = {"month": N_("(month known)"), "year": N_("(year known)")}


def incidents_layer(
    gdf,
    *,
    name: str = N_("Incidents"),
    show: bool = True,
    style: str = "points",
    cluster: bool = False,
    records_url: str | None = None,
    points_url: str | None = None,
    points_max: int = POINTS_MAX,
    lang: str = "en",
) -> CanvasPointLayer:
    """Incidents as symbols, shape and colour by category.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Rows with ``geodata.core.schema.INCIDENT_COLUMNS`` and point geometries.
        Another CRS is reprojected to EPSG:4326; rows without a geometry are
        left out and counted in the layer's ``dropped``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.
    style : {"points", "clusters", "heat"}
        ``"clusters"``: below zoom 10, nearby incidents become numbered
        circles (a click zooms in); ``"heat"``: below zoom 11, a heat map.
        Closer in, both draw the symbols.
    cluster : bool
        The same as ``style="clusters"``.
    records_url : str, optional
        Where the popup records are served as shards (``layer.record_shards()``
        written to ``<records_url>/<k>.json``): the page then holds no popup
        text, only compact columns (about 15 bytes a point), and a click fetches
        the clicked point's shard.  None puts every record in the page.
    points_url : str, optional
        Where the drawing columns are served as one binary file
        (``layer.points_file()``, about 9 bytes a point, written by the caller
        to ``<points_url>/<name>``): the page then holds only its URL, and its
        size no longer grows with the number of incidents.  None keeps the
        columns in the page.
    points_max : int
        With ``style="points"``, more than this many incidents in view are
        drawn as clusters until zoomed in (0: never).
    lang : str
        The language of the popups' field names (:data:`layers.i18n.LANGUAGES`); English by default.

    Returns
    -------
    CanvasPointLayer
        Colours from :data:`CATEGORY_COLORS` and shapes from
        :data:`CATEGORY_SHAPES` (unknown categories as "other").  Points placed
        at a city, county or state center are outlines, drawn first, under
        precise points; deaths in custody are drawn last.  A point that is not
        at its street address has a dashed circle of the typical size of its
        area (:data:`layers._symbols.UNCERTAINTY_RADIUS_M`).
    """
    if cluster:
        if style not in ("points", "clusters"):
            raise ValueError(f"cluster=True and style={style!r} contradict each other")
        style = "clusters"
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    attrs, lon, lat, dropped = prepare_points(gdf)
    category = [c.lower() if c.lower() in CATEGORY_COLORS else "other" for c in text_column(attrs, "category")]
    precision = text_column(attrs, "location_precision")
    coarse = np.array([p.lower() in COARSE_PRECISIONS for p in precision], bool)
    metres = np.array([uncertainty_radius(p) for p in precision], dtype=float)
    rank = np.array([CATEGORIES.index(c) for c in category], dtype=int)
    # Draw order: rings under dots, then categories in reverse legend order.
    order = np.lexsort((-rank, ~coarse)) if len(attrs) else np.arange(0)
    attrs = attrs.iloc[order].reset_index(drop=True)
    lon, lat, coarse, metres = lon[order], lat[order], coarse[order], metres[order]
    category = [category[i] for i in order]

    col = lambda c: text_column(attrs, c)  # noqa: E731
    _ = text(lang).gettext
    titles = [t or _(CATEGORY_LABELS[c]) for t, c in zip(col("title"), category)]
    dates = [
        _date_words(d, p, s, e, _)
        for d, p, s, e in zip(col("date"), col("date_precision"), col("date_start"), col("date_end"))
    ]
    places = [p or join_nonempty([c, s]) for p, c, s in zip(col("place"), col("city"), col("state"))]
    fields = [
        (_("Title"), titles, "title"),
        (_("Category"), [_(CATEGORY_LABELS[c]) for c in category]),
        (_("Date"), dates),
        (_("Place"), places),
        (_("Location"), [location_text(p, m, lang)
                         for p, m in zip(col("location_precision"), col("location_method"))]),
        (_("Description"), col("description")),
        (_("Verification"), [_(VERIFICATION_WORDS[v]) if v in VERIFICATION_WORDS else v for v in col("verification")]),
        (_("Source"), col("source_name")),
        (_("Links"), col("source_urls"), "links"),
        (_(ID_LABEL), col("id")),  # the id of the export and of focus= (layers.focus)
    ]
    layer = CanvasPointLayer(
        lon,
        lat,
        radius=RADIUS,
        color=[CATEGORY_COLORS[c] for c in category],
        hollow=coarse,
        shape=[CATEGORY_SHAPES[c] for c in category],
        uncertainty_m=metres,
        fan_out=category,
        fields=fields,
        name=name,
        show=show,
        fill_opacity=0.85,
        mode=style,
        lang=lang,
        days=(col("date_start"), col("date_end")),
        category=category,
        categories=CATEGORIES,
        compact=records_url is not None,
        records_url=records_url,
        points_url=points_url,
        points_max=points_max,
    )
    layer.legend_part = "incidents"
    layer.ids = col("id")
    layer.dropped = dropped
    return layer


def _date_words(date: str, precision: str, start: str, end: str, _=str) -> str:
    if not date:
        if start and end and start != end:
            return f"{start} \u2013 {end}"
        return start or end
    note = _DATE_NOTE.get(precision.lower())
    return f"{date} {_(note)}" if note else date
