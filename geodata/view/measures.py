"""What a view shows of a measure (:mod:`geodata.core.measures`): values per place for a date range,
each place's series, the AOR and category filters, the figures, and the export.

Every measure goes through these functions, whatever its source: the map's layer
(``layers/measures.py``), the figures above the map, the popups' charts and
``geodata export --layer KEY`` all read :func:`values_for_range`, so they agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.measures import MEASURES, expand_months, last_day, load_measure, load_measure_detail
from ..core.report import GeodataError
from ..export.writers import FORMULA_PREFIXES
from ..geography.aor import AOR_NAMES, assign_aors, load_aor_areas
from ..geography.regions import load_regions
from ..sources.usbp_encounters import sector_places

__all__ = [
    "breakdown",
    "category_params",
    "day_counted",
    "filter_aors",
    "measure_export",
    "measure_features",
    "measure_figures",
    "place_aors",
    "place_names",
    "series",
    "values_for_range",
    "write_measure_export",
]


def _iso(day) -> str | None:
    if day is None or day == "":
        return None
    if isinstance(day, (dt.date, dt.datetime, pd.Timestamp)):
        return day.isoformat()[:10]
    return dt.date.fromisoformat(str(day)[:10]).isoformat()


def _in_range(table: pd.DataFrame, start, end) -> pd.DataFrame:
    """Rows whose period overlaps ``[start, end]`` (ISO strings compare as dates)."""
    lo, hi = _iso(start), _iso(end)
    mask = np.ones(len(table), dtype=bool)
    if lo:
        mask &= (table["period_end"] >= lo).to_numpy()
    if hi:
        mask &= (table["period_start"] <= hi).to_numpy()
    return table[mask]


def day_counted(table: pd.DataFrame, key: str, start=None, end=None) -> str | None:
    """The one day a stock or an agreement count is read on for the range (ISO), or None.

    ``in_force``: the range's end, or the measure's last day
    (:func:`geodata.core.measures.last_day`) if that comes first; None when that day is before
    the range.  ``latest``: the latest day inside the range that a row counts (an "as of" date).
    ``sum``: None (flows are added up, not read on a day).
    """
    how = MEASURES[key].summary
    if how == "sum" or table is None or not len(table):
        return None
    lo, hi = _iso(start), _iso(end)
    if how == "in_force":
        last = last_day(table)
        d = min(hi, last) if hi else last
        return None if lo and d < lo else d
    rows = _in_range(table, lo, hi)
    if not len(rows):
        return None
    ends = rows["period_end"] if not hi else rows["period_end"].where(rows["period_end"] <= hi, hi)
    return ends.max()


def _chosen_rows(table: pd.DataFrame, key: str, start, end, day: str | None) -> pd.DataFrame:
    """The rows a range summarises: for a flow those that meet the range, else those whose period
    holds ``day`` (:func:`day_counted`), their period cut to ``day``'s calendar month for ``in_force``
    (a run of months stands for each of them: the count is of the month ``day`` is in)."""
    if MEASURES[key].summary == "sum":
        return _in_range(table, start, end)
    if day is None:
        return table.iloc[:0]
    rows = table[(table["period_start"] <= day) & (table["period_end"] >= day)]
    if MEASURES[key].summary == "in_force" and len(rows):
        first = day[:8] + "01"
        month_end = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
        rows = rows.assign(period_start=rows["period_start"].where(rows["period_start"] >= first, first),
                           period_end=rows["period_end"].where(rows["period_end"] <= month_end, month_end))
    return rows


def values_for_range(table: pd.DataFrame | None, key: str, start=None, end=None, *, category: str = "") -> pd.DataFrame:
    """One value per place for the range, as the measure's summary says (:data:`geodata.core.measures.SUMMARIES`).

    Parameters
    ----------
    table : DataFrame
        The measure's table (:func:`geodata.core.measures.load_measure`), already filtered by AOR if wanted.
    key : str
        The measure.
    start, end : date or ISO str, optional
        The range, inclusive; open where None.
    category : str
        "" for each place's total, else one category (a 287(g) model, an ATD technology).

    Returns
    -------
    DataFrame
        ``place_kind``, ``place_id``, ``value``, ``period_start``, ``period_end`` (the periods
        actually counted for that place), ``periods`` (how many), sorted by value, largest
        first.  ``attrs``: ``measure``, ``summary``, ``as_of`` (the day a stock or the agreements
        in force are read on, :func:`day_counted`, else None), ``covered`` (first and last day counted, or None),
        ``total``.
    """
    cols = ["place_kind", "place_id", "value", "period_start", "period_end", "periods"]
    if table is None or not len(table):
        out = pd.DataFrame(columns=cols)
        out.attrs = {"measure": key, "summary": MEASURES[key].summary, "as_of": None, "covered": None, "total": 0.0}
        return out
    as_of = day_counted(table, key, start, end)
    rows = _chosen_rows(table[table["category"] == category], key, start, end, as_of)
    if len(rows):
        out = (rows.groupby(["place_kind", "place_id"], sort=False)
               .agg(value=("value", "sum"), period_start=("period_start", "min"), period_end=("period_end", "max"),
                    periods=("period_start", "nunique"))
               .reset_index())
        out = out[out["value"] != 0].sort_values(["value", "place_id"], ascending=[False, True]).reset_index(drop=True)
    else:
        out = pd.DataFrame(columns=cols)
    covered = (out["period_start"].min(), out["period_end"].max()) if len(out) else None
    out.attrs = {"measure": key, "summary": MEASURES[key].summary, "as_of": as_of, "covered": covered,
                 "total": float(out["value"].sum()) if len(out) else 0.0}
    return out


def breakdown(table: pd.DataFrame | None, key: str, start=None, end=None) -> pd.DataFrame:
    """Each place's categories for the range (summarised as :func:`values_for_range` does):
    ``place_kind``, ``place_id``, ``category``, ``value``."""
    if table is None or not len(table):
        return pd.DataFrame(columns=["place_kind", "place_id", "category", "value"])
    day = day_counted(table, key, start, end)
    rows = _chosen_rows(table[table["category"] != ""], key, start, end, day)
    return (rows.groupby(["place_kind", "place_id", "category"], sort=True)["value"].sum().reset_index())


def series(table: pd.DataFrame | None, place_kind: str, place_id: str, *, category: str = "") -> pd.DataFrame:
    """One place's values through time: ``period_start``, ``period_end``, ``value``, oldest first."""
    if table is None:
        return pd.DataFrame(columns=["period_start", "period_end", "value"])
    sel = table[(table["place_kind"] == place_kind) & (table["place_id"] == place_id) & (table["category"] == category)]
    sel = sel[["period_start", "period_end", "value"]]
    if len(sel) and MEASURES[str(table["measure"].iloc[0])].summary == "in_force":
        sel = expand_months(sel)  # a run of months is each of its months
    return sel.sort_values("period_start").reset_index(drop=True)


# -- places: names, AORs -----------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _county_aor() -> dict[str, str]:
    areas = load_aor_areas()
    return {str(f): a for a, fips in zip(areas["aor"], areas["county_fips"]) for f in fips}


@functools.lru_cache(maxsize=1)
def _state_aors() -> dict[str, frozenset]:
    out: dict[str, set] = {}
    for a, states in zip(*(load_aor_areas()[c] for c in ("aor", "states"))):
        for s in str(states).split():
            out.setdefault(s, set()).add(a)
    return {k: frozenset(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1)
def _sector_aor() -> dict[str, str]:
    import geopandas as gpd

    sp = sector_places().dropna(subset=["lon", "lat"]).reset_index(drop=True)
    pts = gpd.GeoDataFrame(sp[["location_precision", "state"]], crs="EPSG:4326",
                           geometry=gpd.points_from_xy(sp["lon"], sp["lat"]))
    got = assign_aors(pts)["aor"].to_numpy()
    return {k: a for k, a in zip(sp["place_id"], got) if isinstance(a, str)}


def place_aors(place_kind: str, place_ids) -> list[frozenset]:
    """The AORs each place is in: a county its AOR (UWCHR's table), a state every AOR that reaches it,
    an AOR itself, a sector the AOR of its headquarters city."""
    ids = [str(p) for p in place_ids]
    if place_kind == "county":
        m = _county_aor()
        return [frozenset([m[p]]) if p in m else frozenset() for p in ids]
    if place_kind == "state":
        m = _state_aors()
        return [m.get(p, frozenset()) for p in ids]
    if place_kind == "aor":
        return [frozenset([p]) for p in ids]
    if place_kind == "sector":
        m = _sector_aor()
        return [frozenset([m[p]]) if p in m else frozenset() for p in ids]
    raise GeodataError(f"unknown place kind {place_kind!r}")


def filter_aors(table: pd.DataFrame | None, aors) -> pd.DataFrame | None:
    """The rows whose place is in one of ``aors`` (all rows when ``aors`` is empty)."""
    aors = {a.upper() for a in (aors or ())}
    if table is None or not aors:
        return table
    keep = np.zeros(len(table), dtype=bool)
    for kind, idx in table.groupby("place_kind").indices.items():
        ids = table["place_id"].to_numpy()[idx]
        uniq = pd.unique(ids)
        inside = {u for u, s in zip(uniq, place_aors(kind, uniq)) if s & aors}
        keep[idx] = np.isin(ids, list(inside))
    return table[keep]


@functools.lru_cache(maxsize=1)
def _names() -> dict[tuple[str, str], str]:
    out = {}
    for r in load_regions("county")[["region_id", "name", "state"]].itertuples(index=False):
        out[("county", r.region_id)] = f"{r.name}, {r.state}"
    for r in load_regions("state")[["state", "name"]].itertuples(index=False):
        out[("state", r.state)] = r.name
    for code, name in AOR_NAMES.items():
        out[("aor", code)] = f"{name} ({code})"
    for r in load_aor_areas()[["aor", "name"]].itertuples(index=False):
        out[("aor", r.aor)] = f"{r.name} ({r.aor})"
    for r in sector_places().itertuples(index=False):
        short = r.name.split(",")[0]  # the sector's name; its headquarters city where that differs
        out[("sector", r.place_id)] = r.name if short == r.city else f"{short} ({r.city}, {r.state})"
    return out


def place_names(place_kind: str, place_ids) -> list[str]:
    """A readable name per place ("Hennepin County, MN", "St. Paul (SPM)", "Tucson, AZ",
    "Rio Grande Valley (Edinburg, TX)")."""
    n = _names()
    return [n.get((place_kind, str(p)), str(p)) for p in place_ids]


# -- figures -----------------------------------------------------------------------------------

def measure_figures(key: str, start=None, end=None, *, aors=(), category: str = "", table=None) -> dict:
    """The figures above the map for one measure: ``total``, ``places``, ``counties`` (places of
    kind county with a value), ``as_of`` (a stock's date), ``covered`` -- the same numbers as
    the map and the export, from :func:`values_for_range` (its numbers from the table read once as numbers,
    :func:`geodata.view.measure_index.range_figures`, where it can be)."""
    from .measure_index import range_figures

    table = load_measure(key) if table is None else table
    rows = filter_aors(table, aors)
    if rows is not None and len(rows):
        as_of = day_counted(rows, key, start, end)
        fast = range_figures(rows, key, _iso(start), _iso(end), as_of, category)
        if fast is not None:
            return {"measure": key, "available": True, "total": fast["total"], "places": fast["places"],
                    "counties": fast["counties"], "as_of": as_of, "covered": fast["covered"]}
    vals = values_for_range(rows, key, start, end, category=category)
    return {
        "measure": key,
        "available": table is not None,
        "total": vals.attrs["total"],
        "places": int(len(vals)),
        "counties": int((vals["place_kind"] == "county").sum()) if len(vals) else 0,
        "as_of": vals.attrs["as_of"],
        "covered": vals.attrs["covered"],
    }


# -- export ------------------------------------------------------------------------------------

def measure_features(key: str, start=None, end=None, *, aors=(), category: str = "", table=None):
    """One row per place with a value for the range, with its geometry (a county, state or AOR
    polygon from the bundle; a sector's headquarters point), as a GeoDataFrame.

    Columns: ``measure``, ``place_kind``, ``place_id``, ``name``, ``value``, ``category``,
    ``period_start``, ``period_end`` (the periods counted), ``as_of``, ``summary``,
    ``location_precision`` (``area`` or ``city``), ``source``, ``licence``.  A place without a
    shape here (Harlingen's AOR) keeps its row with an empty geometry.
    """
    import geopandas as gpd

    m = MEASURES[key]
    table = load_measure(key) if table is None else table
    vals = values_for_range(filter_aors(table, aors), key, start, end, category=category)
    geoms = []
    for kind, pid in zip(vals["place_kind"], vals["place_id"]):
        geoms.append(_geometries(kind).get(pid))
    sources = {}
    if table is not None and len(table):
        sources = table.drop_duplicates(["place_kind", "place_id"]).set_index(["place_kind", "place_id"])["source"]
    out = pd.DataFrame({
        "measure": key,
        "place_kind": vals["place_kind"].astype(str),
        "place_id": vals["place_id"].astype(str),
        "name": [place_names(k, [p])[0] for k, p in zip(vals["place_kind"], vals["place_id"])],
        "value": vals["value"].astype(float),
        "category": category,
        "period_start": vals["period_start"],
        "period_end": vals["period_end"],
        "as_of": vals.attrs["as_of"],
        "summary": m.summary,
        "location_precision": ["city" if k == "sector" else "area" for k in vals["place_kind"]],
        "source": [sources.get((k, p), m.source_url) if len(sources) else m.source_url
                   for k, p in zip(vals["place_kind"], vals["place_id"])],
        "licence": m.licence,
    })
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    gdf.attrs = dict(vals.attrs)
    return gdf


def _geometry_table(place_kind: str) -> dict:
    from shapely.geometry import Point

    if place_kind in ("county", "state"):
        regions = load_regions(place_kind)
        col = "region_id" if place_kind == "county" else "state"
        return dict(zip(regions[col], regions.geometry))
    if place_kind == "aor":
        areas = load_aor_areas()
        return dict(zip(areas["aor"], areas.geometry))
    sp = sector_places().dropna(subset=["lon", "lat"])
    return {k: Point(x, y) for k, x, y in zip(sp["place_id"], sp["lon"], sp["lat"])}


_geometries = functools.lru_cache(maxsize=8)(_geometry_table)


def _rfc7946(geom):
    """A GeoJSON geometry (dict) by RFC 7946: exterior rings counter-clockwise, holes clockwise,
    six decimals; None for no geometry."""
    import shapely
    from shapely.geometry import mapping

    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = _wrap_antimeridian(geom)
        geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else _orient(geom)
    geom = shapely.set_precision(geom, 1e-6) if geom.geom_type == "Point" else geom

    def rnd(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), 6), round(float(c[1]), 6)]
        return [rnd(x) for x in c]

    g = mapping(geom)
    return {"type": g["type"], "coordinates": rnd(g["coordinates"])}


def _wrap_antimeridian(geom):
    """Parts west of -180 degrees (the Aleutians, shifted by -360 in the bundle to keep Alaska whole)
    cut at -180 and put back east of it, as RFC 7946 asks (section 3.1.9)."""
    import shapely
    from shapely.affinity import translate
    from shapely.geometry import MultiPolygon, box

    minx = geom.bounds[0]
    if minx >= -180:
        return geom
    west = geom.intersection(box(-540, -90, -180, 90))
    east = geom.intersection(box(-180, -90, 180, 90))
    parts = [p for g in (east, translate(west, xoff=360)) for p in shapely.get_parts(g)
             if p.geom_type == "Polygon" and not p.is_empty]
    return MultiPolygon(parts)


def _orient(geom):
    from shapely.geometry import MultiPolygon, polygon

    if geom.geom_type == "Polygon":
        return polygon.orient(geom, 1.0)
    return MultiPolygon([polygon.orient(p, 1.0) for p in geom.geoms])


def measure_export(gdf) -> dict:
    """The features of :func:`measure_features` as a GeoJSON FeatureCollection (RFC 7946)."""
    props = [c for c in gdf.columns if c != gdf.geometry.name]
    features = []
    for rec, geom in zip(gdf[props].to_dict("records"), gdf.geometry):
        clean = {k: (None if (isinstance(v, float) and not np.isfinite(v)) else v) for k, v in rec.items()}
        features.append({"type": "Feature", "id": f"{rec['measure']}-{rec['place_kind']}-{rec['place_id']}",
                         "geometry": _rfc7946(geom), "properties": clean})
    return {"type": "FeatureCollection", "features": features}


def write_measure_export(gdf, path: str | Path) -> int:
    """Write :func:`measure_features`' rows as ``.geojson`` (RFC 7946) or ``.csv``; return the number written."""
    from ..core.atomic import write_text

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        write_text(path, json.dumps(measure_export(gdf), ensure_ascii=False, separators=(",", ":")) + "\n")
    elif suffix == ".csv":
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        pts = [g if g is not None and not g.is_empty else None for g in gdf.geometry]
        frame["lon"] = [round(g.representative_point().x, 6) if g is not None else None for g in pts]
        frame["lat"] = [round(g.representative_point().y, 6) if g is not None else None for g in pts]
        for c in ("name", "source", "category"):
            # A text cell a spreadsheet would run as a formula gets a leading ' (as geodata.export does).
            frame[c] = ["'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in frame[c]]
        write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    else:
        raise GeodataError(f"{path.name}: the export is .geojson or .csv")
    return len(gdf)


# -- what the app asks ---------------------------------------------------------------------------

def category_params(params) -> dict[str, str]:
    """The measures' chosen categories among a link's ``params`` (``model=Task Force Model``,
    ``technology=GPS``: each measure's English ``category_label``), to write back into the link.

    The map's legend sets them (``layers/js/measures.js``); the app keeps them when it rewrites the query.
    """
    out = {}
    for m in MEASURES.values():
        value = params.get(m.category_label) if m.category_label else None
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else None
        if value:
            out[m.category_label] = str(value)[:200]
    return out


def measure_tables(keys, *, aors=(), directory: str | Path | None = None) -> dict:
    """``{key: (table filtered by AOR or None when the measure has no data here, detail table or None)}``."""
    out = {}
    for key in keys:
        table = load_measure(key, directory)
        detail = load_measure_detail(key, directory)
        if detail is not None and aors and {"place_kind", "place_id"} <= set(detail.columns):
            detail = filter_aors(detail, aors)
        out[key] = (filter_aors(table, aors), detail)
    return out


def measures_span(directory: str | Path | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last day any measure available here counts (None when there is none)."""
    lo, hi = None, None
    for key in MEASURES:
        table = load_measure(key, directory)
        if table is None or not len(table):
            continue
        a, b = table["period_start"].min(), table["period_end"].max()
        lo, hi = min(lo or a, a), max(hi or b, b)
    return (dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)) if lo else None


def measure_span(key: str, directory: str | Path | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last day the measure ``key`` counts here (None when it has no data here)."""
    table = load_measure(key, directory)
    if table is None or not len(table):
        return None
    return dt.date.fromisoformat(table["period_start"].min()), dt.date.fromisoformat(table["period_end"].max())


def store_measures_dir(store) -> Path | None:
    """A bundle folder's measures (``ICE_MAP_DATA_DIR``), else the bundled ones (None)."""
    directory = getattr(store, "directory", None)
    return Path(directory) / "measures" if directory is not None and (Path(directory) / "measures").is_dir() else None


def first_screen(last_day: dt.date, *, layers=("facilities", "incidents", "287g")):
    """The view a link without parameters opens: the twelve months up to ``last_day``, with the
    detention facilities, the incidents and the 287(g) agreements in force."""
    from .selection import View

    start = (pd.Timestamp(last_day) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()
    return View(start=start, end=last_day, layers=tuple(k for k in layers if k == "facilities" or k == "incidents"
                                                        or k in MEASURES))


def figures_of(tables: dict, start=None, end=None) -> list[dict]:
    """:func:`measure_figures` of each measure of :func:`measure_tables`' result (``available`` False
    where it has no data here)."""
    out = []
    for key, (table, _detail) in tables.items():
        if table is None:
            out.append({"measure": key, "available": False})
        else:
            out.append(measure_figures(key, start, end, table=table))
    return out
