"""The enforcement-incident layer: one dot per incident, coloured by category."""

from __future__ import annotations

import numpy as np

from geodata.schema import CATEGORIES, CATEGORY_LABELS
from layers._prepare import prepare_points, text_column
from layers._text import COARSE_PRECISIONS, join_nonempty, location_text
from layers.canvas import CanvasPointLayer

#: One colour per category, in :data:`geodata.schema.CATEGORIES` order.
CATEGORY_COLORS: dict[str, str] = dict(
    zip(CATEGORIES, ("#1a1a1a", "#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#8c564b", "#7f7f7f"))
)

#: Every incident has the same radius; a coarse one (placed at a city, county
#: or state center) is a ring instead of a filled dot.
RADIUS = 5.0

VERIFICATION_WORDS: dict[str, str] = {
    "official_record": "Official record",
    "news_report": "News report",
    "unverified": "Unverified claim",
}

_DATE_NOTE = {"month": " (month known)", "year": " (year known)"}


def incidents_layer(gdf, *, name: str = "Incidents", show: bool = True) -> CanvasPointLayer:
    """Incidents as dots coloured by category.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Rows with ``geodata.schema.INCIDENT_COLUMNS`` and point geometries.
        Another CRS is reprojected to EPSG:4326; rows without a geometry are
        left out and counted in the layer's ``dropped``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.

    Returns
    -------
    CanvasPointLayer
        Colours from :data:`CATEGORY_COLORS` (unknown categories as "other").
        Points placed at a city, county or state center are hollow rings and
        are drawn first, under precise points; deaths in custody are drawn last.
    """
    attrs, lon, lat, dropped = prepare_points(gdf)
    category = [c.lower() if c.lower() in CATEGORY_COLORS else "other" for c in text_column(attrs, "category")]
    coarse = np.array([p.lower() in COARSE_PRECISIONS for p in text_column(attrs, "location_precision")], bool)
    rank = np.array([CATEGORIES.index(c) for c in category], dtype=int)
    # Draw order: rings under dots, then categories in reverse legend order.
    order = np.lexsort((-rank, ~coarse)) if len(attrs) else np.arange(0)
    attrs = attrs.iloc[order].reset_index(drop=True)
    lon, lat, coarse = lon[order], lat[order], coarse[order]
    category = [category[i] for i in order]

    col = lambda c: text_column(attrs, c)  # noqa: E731
    titles = [t or CATEGORY_LABELS[c] for t, c in zip(col("title"), category)]
    dates = [
        _date_words(d, p, s, e)
        for d, p, s, e in zip(col("date"), col("date_precision"), col("date_start"), col("date_end"))
    ]
    places = [p or join_nonempty([c, s]) for p, c, s in zip(col("place"), col("city"), col("state"))]
    fields = [
        ("Title", titles, "title"),
        ("Category", [CATEGORY_LABELS[c] for c in category]),
        ("Date", dates),
        ("Place", places),
        ("Location", [location_text(p, m) for p, m in zip(col("location_precision"), col("location_method"))]),
        ("Description", col("description")),
        ("Verification", [VERIFICATION_WORDS.get(v, v) for v in col("verification")]),
        ("Source", col("source_name")),
        ("Links", col("source_urls"), "links"),
    ]
    layer = CanvasPointLayer(
        lon,
        lat,
        radius=RADIUS,
        color=[CATEGORY_COLORS[c] for c in category],
        hollow=coarse,
        fields=fields,
        name=name,
        show=show,
        fill_opacity=0.85,
    )
    layer.dropped = dropped
    return layer


def _date_words(date: str, precision: str, start: str, end: str) -> str:
    if not date:
        if start and end and start != end:
            return f"{start} \u2013 {end}"
        return start or end
    return date + _DATE_NOTE.get(precision.lower(), "")
