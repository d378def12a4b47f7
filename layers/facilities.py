"""The detention-facility layer: one circle per facility, sized by population.

A facility's popup shows its record (type, AOR, address, inspection, sources),
and when given: its population month by month as a small chart, and the deaths
in custody recorded there.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geodata.view.population_sources import SOURCE_CODES, SOURCE_NAMES, SOURCES
from layers._compact import DAY_EPOCH, day_of, typed_column
from layers._prepare import number_column, prepare_points, text_column
from layers._symbols import uncertainty_radius
from layers._text import COARSE_PRECISIONS, inspection_text, join_nonempty, location_text, type_text
from layers.canvas import CanvasPointLayer
from layers.focus import ID_LABEL
from layers.i18n import N_, text

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

#: Okabe and Ito's colour-blind-safe palette ("Color Universal Design", 2008): blue, orange,
#: reddish purple, bluish green, sky blue, and grey for the rest; the three most common
#: types (ICE-owned, private, local jail) differ in hue and lightness for every kind of colour vision.
FACILITY_GROUP_COLORS: dict[str, str] = dict(
    zip(FACILITY_TYPE_GROUPS, ("#0072b2", "#e69f00", "#cc79a7", "#009e73", "#56b4e9", "#999999"))
)

#: What :func:`facilities_layer` does with a facility that held nobody in the
#: selected dates (a range average of 0).
EMPTY_CHOICES = ("hollow", "hide")

#: The popup's list of the deaths in custody recorded at a facility.
DEATHS_LABEL = N_("Deaths in custody recorded here")

#: How the popup chart draws each population source: Okabe and Ito's blue, vermillion and
#: black (apart for every kind of colour vision), and a dash or a step besides the colour.
SOURCE_STYLES: dict[str, dict] = {
    "ddp": {"color": "#0072b2"},
    "uwchr": {"color": "#d55e00", "dash": "4 2"},
    "ice": {"color": "#000000", "step": True},
}

#: Unit of the monthly population chart.
POPULATION_UNIT = N_("people held on an average day")

_OTHER_GROUP = "Other or unknown type"
_NO_POPULATION = pd.DataFrame({"facility_id": pd.Series(dtype=object), "month": pd.Series(dtype=object),
                               "adp": pd.Series(dtype=float)})
_GROUP_OF = {code: group for group, codes in FACILITY_TYPE_GROUPS.items() for code in codes}


def facility_radius(adp) -> np.ndarray:
    """Circle radius in pixels for average daily populations (NaN gets the minimum)."""
    adp = np.asarray(adp, dtype=float)
    r = ADP_RADIUS_SCALE * np.sqrt(np.where(np.isfinite(adp) & (adp > 0), adp, 0.0))
    return np.clip(r, MIN_RADIUS, MAX_RADIUS)


def facility_group(facility_type: str | None) -> str:
    """The legend group of an ICE facility type code."""
    return _GROUP_OF.get(_type_code(facility_type), _OTHER_GROUP)


def facilities_layer(
    gdf,
    *,
    name: str = N_("Detention facilities"),
    show: bool = True,
    population: pd.DataFrame | None = None,
    deaths=None,
    adp: pd.Series | None = None,
    adp_sources: pd.Series | None = None,
    empty: str = "hollow",
    adp_label: str = N_("Average daily population in the selected dates"),
    range_sizes: bool = False,
    records_url: str | None = None,
    lang: str = "en",
    sources: dict[str, pd.DataFrame] | None = None,
    points_url: str | None = None,
) -> CanvasPointLayer:
    """Detention facilities as circles sized by average daily population.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Rows with ``geodata.core.schema.FACILITY_COLUMNS`` and point geometries.
        Another CRS is reprojected to EPSG:4326; rows without a geometry are
        left out and counted in the layer's ``dropped``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.
    population : pandas.DataFrame, optional
        Facility x month population (``Bundle.population``: ``facility_id``,
        ``month`` as ``YYYY-MM``, ``adp``), or the best-source table
        (``geodata.view.occupancy.population_table``, with ``source`` and a row for
        every facility-month some source counts).  Without ``sources``, each
        facility's popup draws its months as a small chart; a month missing
        from the table between its first and last month counts as nobody held
        (the table leaves such months out).  A facility absent from the table
        gets no chart.  With ``range_sizes`` it is what the browser sizes by.
    sources : dict, optional
        The population sources side by side
        (``geodata.view.population_sources.population_sources``: ``ddp``, ``uwchr``,
        ``ice``).  The popup chart then draws each on one axis and one scale:
        ICE's fiscal-year ADP as steps, the daily sources by month as lines,
        each in its colour (:data:`SOURCE_STYLES`) and named in a legend.
    deaths : pandas.DataFrame, optional
        Incidents (``id``, ``category``, ``date``, ``title``, ``facility_id``);
        those of category ``death_in_custody`` joined to a facility are counted
        and listed (date and title) in its popup.
    adp : pandas.Series, optional
        Average daily population over the selected dates, indexed by facility
        ``id`` (as ``geodata.view.occupancy.range_adp`` gives it).  Circles are then
        sized by it instead of the ``adp`` column (ICE's fiscal year to date).
        A facility missing from it (or NaN) has no figures for the range: it
        is drawn as a small outline and its popup says so.
    adp_sources : pandas.Series, optional
        With ``adp``: the sources of each facility's figure
        (``adp_source`` of ``geodata.view.occupancy.with_range_adp``), named after it in the popup.
    empty : {"hollow", "hide"}
        With ``adp``: a facility that held nobody in the range (0) is drawn
        as a small outline, or left out.
    adp_label : str
        The popup label of the ``adp`` figures.
    range_sizes : bool
        The layer is drawn for whatever dates the page shows (``layers.timebar``),
        in the browser.  It carries the fiscal years each facility is listed in
        (``fiscal_years``, as a bitmask over the years some facility of ``gdf``
        is listed in), and with ``population`` and ``adp`` each facility's months:
        the browser then shows the facilities in use in the dates as
        ``geodata.view.occupancy.view_frames`` does (listed for them, by the rule of
        ``geodata.pipeline.facility_history.facilities_in_use``, or holding someone then), resizes
        the circles and rewrites the popup's range figure as
        ``geodata.view.occupancy.range_adp`` computes them, and applies ``empty`` for
        those dates (so no facility is left out here).
    records_url : str, optional
        Where the popup records are served as shards (see
        :func:`layers.incidents_layer`); None puts them in the page.
    lang : str
        The language of the popups' field names (:data:`layers.i18n.LANGUAGES`); English by default.
    points_url : str, optional
        Keep the typed columns, the month-by-month figures of ``range_sizes`` among them, out of the page:
        one file the browser fetches from ``<points_url>/<name>`` (its name is a digest of its bytes, so it
        can be cached for good; the caller writes :meth:`CanvasPointLayer.points_file` there), so the page
        sent for each map stays small.

    Returns
    -------
    CanvasPointLayer
        Circle area follows the population (radius 3 to 22 px), colour the
        facility type group (:data:`FACILITY_GROUP_COLORS`).  Larger circles
        are drawn first so small ones stay clickable on top of them.  A
        facility placed at its ZIP code's centre has a dashed circle of a
        typical ZIP area round it, visible when zoomed in.  Its ``ids`` are the
        facility ids of its points, in drawing order.
    """
    if empty not in EMPTY_CHOICES:
        raise ValueError(f"empty must be one of {EMPTY_CHOICES}, got {empty!r}")
    listed_years = _covered_years(gdf)
    attrs, lon, lat, dropped = prepare_points(gdf)
    ids = text_column(attrs, "id")
    fy_adp = number_column(attrs, "adp")
    if adp is not None:
        range_adp = pd.Series(adp, dtype=float)
        range_adp.index = range_adp.index.astype(str)
        range_adp = range_adp[~range_adp.index.duplicated(keep="first")]
        size_adp = pd.Series(ids, dtype=object).map(range_adp).to_numpy(dtype=float, na_value=np.nan)
        held_nobody = size_adp == 0
        # With range_sizes the browser hides them for the dates it shows (a facility
        # empty over every date may still hold someone in some of them).
        if empty == "hide" and held_nobody.any() and not range_sizes:
            keep = ~held_nobody
            attrs = attrs[keep].reset_index(drop=True)
            lon, lat, fy_adp, size_adp = lon[keep], lat[keep], fy_adp[keep], size_adp[keep]
            ids = [i for i, k in zip(ids, keep) if k]
    else:
        size_adp = fy_adp
    radius = facility_radius(size_adp)
    order = np.argsort(-radius, kind="stable")
    attrs = attrs.iloc[order].reset_index(drop=True)
    lon, lat, fy_adp, size_adp, radius = lon[order], lat[order], fy_adp[order], size_adp[order], radius[order]
    ids = [ids[i] for i in order]

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
    _ = text(lang).gettext
    # The facility first: its name, type, population and sources; then the deaths there.
    fields = [
        (_("Name"), col("name"), "title"),
        (_("Type"), [type_text(t, lang) for t in types]),
    ]
    if adp is not None:
        if adp_sources is not None:
            from_src = pd.Series(ids, dtype=object).map(pd.Series(adp_sources, dtype=object)).tolist()
            fields.append((_(adp_label), [_range_words(v, w, _, several=True) for v, w in zip(size_adp, from_src)]))
        else:
            fields.append((_(adp_label), [_range_words(v, None, _) for v in size_adp]))
        fields.append((_("Average daily population, fiscal year to date (ICE)"), [_adp_words(v, _) for v in fy_adp]))
    else:
        fields.append((_("Average daily population"), [_adp_words(v, _) for v in fy_adp]))
    if sources is not None:
        axis, series = _source_series(sources, ids)
        styles = [{"key": k, "label": _(SOURCE_NAMES[k]), **SOURCE_STYLES[k]} for k in SOURCES]
        fields.append((_("Population by month"), series, "series",
                       {"axis": axis, "unit": _(POPULATION_UNIT), "sources": styles}))
    elif population is not None:
        axis, series = _monthly_series(population, ids)
        fields.append((_("Population by month"), series, "series", {"axis": axis, "unit": _(POPULATION_UNIT)}))
    fields += [
        (_("Address"), [join_nonempty([a, c, join_nonempty([s, z], " ")]) for a, c, s, z in street_city]),
        (_("AOR"), col("aor")),
        (_("Guaranteed minimum"), [_count(v) for v in number_column(attrs, "guaranteed_minimum")]),
        (_("Last inspection"), [inspection_text(*parts, lang) for parts in inspection]),
        (_("In ICE's facility lists"), [_seen_words(a, b, y, lang) for a, b, y in
                                     zip(col("first_seen"), col("last_seen"), col("fiscal_years"))]),
        (_("Data date"), col("data_date")),
        (_("Location"), [location_text(p, m, lang) for p, m in zip(precision, col("location_method"))]),
        (_("Source"), col("source_name")),
        (_("Links"), col("source_urls"), "links"),
    ]
    if deaths is not None:
        fields.append((_(DEATHS_LABEL), _deaths_lists(deaths, ids), "list", {"lists": "death_in_custody"}))
    fields.append((_(ID_LABEL), [str(i) for i in ids]))  # the id of the export and of focus= (layers.focus)
    nobody = ~(size_adp > 0) if adp is not None else False
    hollow = np.array([p.lower() in COARSE_PRECISIONS for p in precision], dtype=bool) | nobody
    layer = CanvasPointLayer(
        lon,
        lat,
        radius=radius,
        color=[FACILITY_GROUP_COLORS[facility_group(t)] for t in types],
        hollow=hollow,
        uncertainty_m=[uncertainty_radius(p) for p in precision],
        fields=fields,
        name=name,
        show=show,
        fill_opacity=0.7,
        records_url=records_url,
        lang=lang,
        # A facility's record carries its months from three sources: shards of 100 keep a click's fetch small.
        records_size=100,
    )
    if range_sizes:
        population = population if population is not None and adp is not None else _NO_POPULATION
        axis, series = _monthly_series(population, ids)
        layer.data["range"] = _range_data(population, axis, series, fy_adp, precision, _(adp_label), empty, ids, _)
        if listed_years:
            layer.data["range"]["years"] = listed_years
            masks = _year_masks(col("fiscal_years"), listed_years)
            dtype = "u1" if len(listed_years) <= 8 else "u2" if len(listed_years) <= 16 else "u4"
            layer.data["range"]["listed"] = typed_column(masks, dtype)
    if points_url is not None:
        layer.to_file(points_url)
    if deaths is not None:
        layer.options["lists"] = "death_in_custody"  # its popup leads, and lists the deaths at its spot
    layer.ids = ids
    layer.legend_part = "facilities"
    layer.range_adp = adp is not None
    layer.dropped = dropped
    return layer


def _covered_years(gdf) -> list[int]:
    """The fiscal years ICE's lists cover (those some facility of ``gdf`` is listed in), oldest first,
    as ``geodata.pipeline.facility_history.facilities_in_use`` takes them; [] without a history."""
    if "fiscal_years" not in gdf.columns:
        return []
    years = pd.Series(gdf["fiscal_years"], dtype=object).dropna().astype(str).str.split().explode().dropna()
    return sorted({int(y) for y in years})


def _year_masks(fiscal_years: list[str], covered: list[int]) -> np.ndarray:
    """Per facility, bit ``k`` set when it is listed in fiscal year ``covered[k]``."""
    if len(covered) > 32:
        raise ValueError(f"{len(covered)} fiscal years do not fit a 32-bit mask")
    bit = {y: 1 << k for k, y in enumerate(covered)}
    return np.array([sum(bit[int(y)] for y in set(v.split()) if int(y) in bit) for v in fiscal_years],
                    dtype=np.uint32)


def _seen_words(first: str, last: str, years: str, lang: str = "en") -> str | None:
    """``"first seen FY2009, last seen FY2016 (8 fiscal years listed)"``, in the page's language; None without
    a history."""
    if not first:
        return None
    n = len(years.split())
    return text(lang).ngettext("first seen {first}, last seen {last} ({n} fiscal year listed)",
                               "first seen {first}, last seen {last} ({n} fiscal years listed)", n).format(
        first=first, last=last, n=n)


def _range_data(population, axis, series, fy_adp, precision, label, empty, ids, _=lambda s: s) -> dict:
    firsts = [day_of(f"{month}-01") for month in axis]
    if "days" in population.columns:
        days = pd.to_numeric(population["days"], errors="coerce").groupby(population["month"].astype(str)).max()
    else:
        days = pd.Series(dtype=float)
    month_days = [int(days.get(m)) if pd.notna(days.get(m)) else pd.Period(m, "M").days_in_month for m in axis]
    # Each facility's months in thousandths of a person, as the table holds them (0 where it
    # has nobody or nothing): one flat typed column, facilities x months; and which
    # facilities the table knows.
    values = np.array([[v or 0.0 for v in row] if row else [0.0] * len(axis) for row in series], dtype=float)
    scaled = np.round(values * 1000).ravel()
    extra = {}
    if "source" in population.columns and len(axis):
        # The best-source table: which source counts each facility-month (0: none; such a month
        # is left out of the facility's average, not counted as nobody), and the days of each
        # month each source covers (DDP's last month and UWCHR's are partial).
        pos = {m: k for k, m in enumerate(axis)}
        codes = population["source"].map(SOURCE_CODES).to_numpy()
        col = population["month"].astype(str).map(pos).to_numpy()
        row_of = {fid: k for k, fid in enumerate(ids)}
        row = population["facility_id"].astype(str).map(row_of).to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(row)
        cells = np.zeros((len(ids), len(axis)), dtype=np.uint8)
        cells[row[ok].astype(int), col[ok].astype(int)] = codes[ok]
        by_source = pd.to_numeric(population["days"], errors="coerce").groupby(
            [population["source"], population["month"].astype(str)]).max()
        extra = {
            "cells": typed_column(cells.ravel(), "u1"),
            "source_days": {str(SOURCE_CODES[k]): [int(by_source.get((k, m), month_days[i]))
                                                   for i, m in enumerate(axis)]
                            for k in SOURCES if k in set(population["source"])},
            "source_names": {str(SOURCE_CODES[k]): _(SOURCE_NAMES[k]) for k in SOURCES},
        }
    return {
        **extra,
        "epoch": DAY_EPOCH.isoformat(),
        "first": firsts,
        "days": month_days,
        "series": typed_column(scaled, "u4"),
        "scale": 1000,
        "known": typed_column([row is not None for row in series], "u1"),
        "fy": [float(v) if np.isfinite(v) else None for v in fy_adp],
        "coarse": [int(p.lower() in COARSE_PRECISIONS) for p in precision],
        "label": label,
        "empty": empty,
        "radius_scale": ADP_RADIUS_SCALE,
        "min": MIN_RADIUS,
        "max": MAX_RADIUS,
    }


def _adp_words(v: float, _=lambda s: s) -> str | None:
    if not np.isfinite(v):
        return None
    return _("under 1") if 0 < v < 0.05 else f"{v:,.1f}"  # 0.0023 is someone held, not "0.0"


def _range_words(v: float, sources: str | None = None, _=lambda s: s, *, several: bool = False) -> str:
    if not np.isfinite(v):
        return (_("not known (no figures for this facility in these dates)") if several else
                _("not known (no daily figures for this facility in these dates)"))
    words = _("0 (nobody held)") if v == 0 else _adp_words(v, _)
    if not (sources and isinstance(sources, str)):
        return words
    return f"{words} ({', '.join(_(SOURCE_NAMES[k]) for k in SOURCES if k in sources.split())})"


def _source_series(sources: dict[str, pd.DataFrame], ids: list[str]) -> tuple[list[str], list]:
    """One month axis for every source, and per facility ``{source: values}`` for the popup chart:
    a daily source from its first to its last month with the facility (months between without a row
    are 0), ICE's fiscal-year ADP as runs ``[offset, months, adp]``."""
    tables = {k: t.dropna(subset=["facility_id", "month"]) for k, t in sources.items() if t is not None and len(t)}
    if not tables:
        return [], [None] * len(ids)
    months = pd.PeriodIndex(pd.concat([t["month"].astype(str) for t in tables.values()]), freq="M")
    axis = pd.period_range(months.min(), months.max(), freq="M")
    index = {str(p): i for i, p in enumerate(axis)}
    per: dict[str, dict] = {}
    for key, t in tables.items():
        t = t.assign(_i=t["month"].astype(str).map(index), _v=pd.to_numeric(t["adp"], errors="coerce"))
        t = t.sort_values(["facility_id", "_i"], kind="stable")
        for fid, g in t.groupby(t["facility_id"].astype(str), sort=False):
            i, v = g["_i"].to_numpy(), g["_v"].to_numpy(dtype=float)
            if SOURCE_STYLES[key].get("step"):
                # Runs of consecutive months with one figure (a fiscal year, or the part its list covers).
                new = np.r_[True, (np.diff(i) != 1) | (np.diff(v) != 0)]
                starts = np.flatnonzero(new)
                ends = np.r_[starts[1:], len(i)]
                runs = [[int(i[a]), int(b - a), float(v[a])] for a, b in zip(starts, ends)]
                per.setdefault(fid, {})[key] = runs
            else:
                row = np.zeros(int(i[-1] - i[0] + 1))
                row[i - i[0]] = np.nan_to_num(v)
                per.setdefault(fid, {})[key] = [int(i[0]), *row.tolist()]
    return [str(p) for p in axis], [per.get(fid) for fid in ids]


def _monthly_series(population: pd.DataFrame, ids: list[str]) -> tuple[list[str], list]:
    """The months of the table (every month from its first to its last) and each facility's values."""
    missing = {"facility_id", "month", "adp"} - set(population.columns)
    if missing:
        raise ValueError(f"population needs columns facility_id, month and adp (missing {sorted(missing)})")
    pop = population.dropna(subset=["facility_id", "month"])
    if pop.empty:
        return [], [None] * len(ids)
    months = pd.PeriodIndex(pop["month"].astype(str), freq="M")
    axis = pd.period_range(months.min(), months.max(), freq="M")
    table = (
        pd.DataFrame({"facility_id": pop["facility_id"].astype(str).to_numpy(), "month": months,
                      "adp": pd.to_numeric(pop["adp"], errors="coerce").to_numpy()})
        .pivot_table(index="facility_id", columns="month", values="adp", aggfunc="sum")
        .reindex(columns=axis)
    )
    series = []
    for fid in ids:
        if fid not in table.index:
            series.append(None)
            continue
        row = table.loc[fid].to_numpy(dtype=float, copy=True)
        known = np.flatnonzero(np.isfinite(row))
        # Months left out of the table between the first and last held nobody.
        row[known[0]:known[-1] + 1] = np.nan_to_num(row[known[0]:known[-1] + 1], nan=0.0)
        series.append([None if not np.isfinite(v) else float(v) for v in row])
    return [str(p) for p in axis], series


def _deaths_lists(deaths: pd.DataFrame, ids: list[str]) -> list:
    """Per facility: its deaths in custody, newest first, each ``[date — name, first source URL]``."""
    if "facility_id" not in deaths.columns:
        return [None] * len(ids)
    cols = ("category", "date", "title", "facility_id", "source_urls")
    d = pd.DataFrame({c: deaths[c] for c in cols if c in deaths.columns})
    if "category" in d.columns:
        d = d[d["category"].astype(str).str.strip().str.lower() == "death_in_custody"]
    d = d[d["facility_id"].notna()]
    blank = pd.Series("", index=d.index, dtype=object)
    dates = (d["date"].astype(str) if "date" in d.columns else blank).fillna("")
    titles = (d["title"].astype(str) if "title" in d.columns else blank).fillna("")
    urls = (d["source_urls"].fillna("").astype(str) if "source_urls" in d.columns else blank)
    lines = pd.DataFrame({
        "fid": d["facility_id"].astype(str).str.strip(),
        "date": dates,
        "line": [f"{a} — {b}" if a and b else a or b for a, b in zip(dates, titles)],
        "url": [u.split()[0] if u.split() else "" for u in urls],
    }).sort_values(["fid", "date"], ascending=[True, False], kind="stable")
    lines["item"] = [[line, url] if url else line for line, url in zip(lines["line"], lines["url"])]
    by_facility = lines.groupby("fid")["item"].apply(list).to_dict()
    return [by_facility.get(fid) for fid in ids]


def _type_code(facility_type: str | None) -> str:
    return " ".join((facility_type or "").upper().split())


def _count(v: float) -> str | None:
    if not np.isfinite(v):
        return None
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"

