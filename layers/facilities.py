"""The detention-facility layer: one circle per facility, sized by population."""

from __future__ import annotations

import math

import numpy as np

from geodata.schema import FACILITY_TYPE_LABELS
from layers._prepare import number_column, prepare_points, text_column
from layers._text import COARSE_PRECISIONS, join_nonempty, location_text
from layers.canvas import CanvasPointLayer

MIN_RADIUS = 3.0
MAX_RADIUS = 22.0
#: Pixels of radius per square root of a person: the circle's *area* follows
#: the average daily population.  2,500 people reach MAX_RADIUS.
ADP_RADIUS_SCALE = MAX_RADIUS / math.sqrt(2500)

#: ICE facility type codes in a few groups that share a colour, legend order.
FACILITY_TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    "ICE-owned (processing center, staging)": ("SPC", "STAGING"),
    "Private or contract facility": ("CDF", "USMS CDF"),
    "Local jail under agreement (IGSA, DIGSA, USMS IGA)": ("IGSA", "DIGSA", "USMS IGA"),
    "Federal prison, state or military": ("BOP", "STATE", "DOD"),
    "Family residential center": ("FAMILY",),
    "Other or unknown type": (),
}

FACILITY_GROUP_COLORS: dict[str, str] = dict(
    zip(FACILITY_TYPE_GROUPS, ("#08306b", "#2171b5", "#6baed6", "#17becf", "#9e9ac8", "#969696"))
)

_OTHER_GROUP = "Other or unknown type"
_GROUP_OF = {code: group for group, codes in FACILITY_TYPE_GROUPS.items() for code in codes}


def facility_radius(adp) -> np.ndarray:
    """Circle radius in pixels for average daily populations (NaN gets the minimum)."""
    adp = np.asarray(adp, dtype=float)
    r = ADP_RADIUS_SCALE * np.sqrt(np.where(np.isfinite(adp) & (adp > 0), adp, 0.0))
    return np.clip(r, MIN_RADIUS, MAX_RADIUS)


def facility_group(facility_type: str | None) -> str:
    """The legend group of an ICE facility type code."""
    return _GROUP_OF.get(_type_code(facility_type), _OTHER_GROUP)


def facilities_layer(gdf, *, name: str = "Detention facilities", show: bool = True) -> CanvasPointLayer:
    """Detention facilities as circles sized by average daily population.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Rows with ``geodata.schema.FACILITY_COLUMNS`` and point geometries.
        Another CRS is reprojected to EPSG:4326; rows without a geometry are
        left out and counted in the layer's ``dropped``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.

    Returns
    -------
    CanvasPointLayer
        Circle area follows ``adp`` (radius 3 to 22 px), colour the facility
        type group (:data:`FACILITY_GROUP_COLORS`).  Larger circles are drawn
        first so small ones stay clickable on top of them.
    """
    attrs, lon, lat, dropped = prepare_points(gdf)
    adp = number_column(attrs, "adp")
    radius = facility_radius(adp)
    order = np.argsort(-radius, kind="stable")
    attrs = attrs.iloc[order].reset_index(drop=True)
    lon, lat, adp, radius = lon[order], lat[order], adp[order], radius[order]

    col = lambda c: text_column(attrs, c)  # noqa: E731
    types = col("facility_type")
    precision = col("location_precision")
    street_city = zip(col("address"), col("city"), col("state"), col("zip"))
    inspection = zip(
        col("last_inspection_type"),
        col("last_inspection_end_date"),
        col("last_inspection_standard"),
        col("last_inspection_rating"),
    )
    fields = [
        ("Name", col("name"), "title"),
        ("Address", [join_nonempty([a, c, join_nonempty([s, z], " ")]) for a, c, s, z in street_city]),
        ("AOR", col("aor")),
        ("Type", [_type_words(t) for t in types]),
        ("Average daily population", [f"{v:,.1f}" if np.isfinite(v) else None for v in adp]),
        ("Guaranteed minimum", [_count(v) for v in number_column(attrs, "guaranteed_minimum")]),
        ("Last inspection", [_inspection_words(*parts) for parts in inspection]),
        ("Data date", col("data_date")),
        ("Location", [location_text(p, m) for p, m in zip(precision, col("location_method"))]),
        ("Source", col("source_name")),
        ("Links", col("source_urls"), "links"),
    ]
    layer = CanvasPointLayer(
        lon,
        lat,
        radius=radius,
        color=[FACILITY_GROUP_COLORS[facility_group(t)] for t in types],
        hollow=[p.lower() in COARSE_PRECISIONS for p in precision],
        fields=fields,
        name=name,
        show=show,
        fill_opacity=0.7,
    )
    layer.dropped = dropped
    return layer


def _type_code(facility_type: str | None) -> str:
    return " ".join((facility_type or "").upper().split())


def _type_words(facility_type: str) -> str:
    words = FACILITY_TYPE_LABELS.get(_type_code(facility_type))
    return f"{words} ({facility_type})" if words else facility_type


def _count(v: float) -> str | None:
    if not np.isfinite(v):
        return None
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _inspection_words(kind: str, date: str, standard: str, rating: str) -> str:
    head = join_nonempty([kind, date and f"ended {date}", standard and f"standard {standard}"])
    return join_nonempty([head, rating and f"rated {rating}"], "; ")
