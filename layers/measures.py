"""Measures by area through time on the map (``geodata.core.measures``): one layer kind for all of them.

:class:`MeasureLayer` draws a measure's places: counties, states and ICE areas of
responsibility as a choropleth whose polygons the browser fetches once from the bundle's own
files (``us-regions.json``, ``ice-aor-areas.json``, served by the app: the page carries values,
not geometry), Border Patrol sectors as circles at their headquarters city, sized by value.
The measure's rows (place, period as days, value, category) are in the page, or, with ``data_url`` (the
app), in a file named by their digest that the browser fetches once (:meth:`MeasureLayer.data_file`); the layer sums or
picks them for the dates shown exactly as `geodata.view.measures.values_for_range` does,
follows the page's date range and playback through ``L.iceTime`` (``layers/js/timebar.js``),
colours its own legend, and opens a popup per place: the value for the dates shown, the period
it covers, the source, the breakdown by category, a small chart of the place's series, and for
287(g) the agencies behind the count.  Its JavaScript is ``layers/js/measures.js``.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from geodata.core.measures import MEASURES, last_day
from layers._compact import day_numbers
from layers._script import RawElement, ScriptLayer, to_script_json
from layers._text import JS_LOCALES, html_text
from layers.i18n import N_, text

__all__ = ["MEASURE_COLORS", "MeasureLayer", "measure_layer", "measure_layer_data", "measure_words"]

#: Sequential colours per measure, lightest first; sectors use the last one for their circles.
MEASURE_COLORS: dict[str, tuple[str, ...]] = {
    "287g": ("#fee6ce", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"),
    "atd": ("#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"),
    "usbp": ("#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"),
    "arrests": ("#d4b9da", "#c994c7", "#df65b0", "#dd1c77", "#980043"),
}
_DEFAULT_COLORS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")

_CSS = """
<style>
.ice-measure-popup { font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
.ice-measure-popup .value { font-size: 14px; font-weight: 600; margin: 2px 0; }
.ice-measure-popup .head { font-weight: 600; margin-top: 6px; }
.ice-measure-popup .note, .ice-measure-popup .period { color: #444; }
.ice-measure-popup ul { margin: 2px 0 2px 16px; padding: 0; }
.ice-measure-agencies { border-collapse: collapse; font-size: 11px; margin-top: 2px; }
.ice-measure-agencies th, .ice-measure-agencies td { border-bottom: 1px solid #ddd; padding: 1px 3px;
  text-align: left; }
.ice-measure-category { margin: 2px 0 4px; max-width: 100%; }
</style>
"""

# The registry's words (geodata.core.measures), listed so that the extractor puts them in the catalogue.
_MEASURE_WORDS = (
    N_("287(g) agreements"), N_("agreements in force"), N_("model"),
    N_("People on ATD"), N_("people on Alternatives to Detention"), N_("technology"),
    N_("Border Patrol encounters"), N_("encounters"),
    N_("ICE arrests"),
)


def measure_words(lang: str = "en") -> dict[str, str]:
    """The popup's and legend's words in ``lang``, keyed as ``layers/js/measures.js`` reads them."""
    _ = text(lang).gettext
    return {
        "period": _("Period counted"),
        "asOf": _("As of"),
        "inForce": _("In force in"),
        "source": _("Source"),
        "byCategory": _("By {what}"),
        "series": _("Through time"),
        "agencies": _("Agencies"),
        "agency": _("Agency"),
        "signed": _("Signed"),
        "snapshots": _("ICE lists that show it"),
        "none": _("Nothing in the dates shown."),
        "notDrawn": _("Not drawn (no boundaries here): {names}."),
        "precisionCity": _("Drawn at its headquarters city (precision: city)."),
        "and": _("{n} more"),
        "all": _("All"),
    }


def _days(values) -> list[int]:
    return [int(d) for d in day_numbers(values)]


def measure_layer_data(key: str, table: pd.DataFrame | None, *, detail: pd.DataFrame | None = None,
                       lang: str = "en") -> dict:
    """What the page needs of one measure: its places, its rows as columns, its words.

    Parameters
    ----------
    key : str
        The measure (``geodata.core.measures.MEASURES``).
    table : DataFrame
        Its table, already filtered by AOR (``geodata.view.measures.filter_aors``).
    detail : DataFrame, optional
        One row per record behind the counts (287(g) agreements: ``place_kind``, ``place_id``,
        ``agency``, ``model``, ``signed`` (else ``first_seen``), ``snapshot_count`` and ``snapshots``),
        listed in the popups as agency, model, signing date, the ICE lists that show it.
    """
    from geodata.view.measures import place_names

    m = MEASURES[key]
    _ = text(lang).gettext
    table = table if table is not None else pd.DataFrame(columns=["place_kind", "place_id", "category",
                                                                  "period_start", "period_end", "value"])
    # Rows sorted by place: the page says how many rows each place has, not the place of each row.
    table = table.sort_values(["place_kind", "place_id", "category", "period_start"], kind="stable")
    keys = pd.Series(list(zip(table["place_kind"], table["place_id"])), dtype=object)
    codes, uniq = pd.factorize(keys) if len(table) else (np.zeros(0, dtype=int), [])
    periods = pd.Series(list(zip(table["period_start"], table["period_end"])), dtype=object)
    pcodes, puniq = pd.factorize(periods) if len(table) else (np.zeros(0, dtype=int), [])
    places = []
    sector_at = {}
    if any(k == "sector" for k, _p in uniq):
        from geodata.sources.usbp_encounters import sector_places

        sp = sector_places()
        sector_at = {r.place_id: (r.lat, r.lon) for r in sp.itertuples() if r.lon == r.lon}
    for kind, pid in uniq:
        place = {"id": str(pid), "kind": kind, "name": place_names(kind, [pid])[0]}
        if kind == "sector" and pid in sector_at:
            place["lat"], place["lon"] = round(float(sector_at[pid][0]), 3), round(float(sector_at[pid][1]), 3)
        places.append(place)
    cat_codes, cats = pd.factorize(table["category"].where(table["category"] != "", None)) if len(table) else \
        (np.zeros(0, dtype=int), [])
    values = table["value"].astype(float).to_numpy() if len(table) else np.zeros(0)
    data = {
        "key": key,
        "summary": m.summary,
        "label": _(m.label),
        "unit": _(m.unit),
        "categoryLabel": _(m.category_label) if m.category_label else "",
        # The link's parameter for the category chosen (English, as the registry writes it: model=, technology=).
        "categoryParam": m.category_label,
        "source": m.source_url,
        "sourceName": m.source_name,
        "licence": m.licence,
        "colors": list(MEASURE_COLORS.get(key, _DEFAULT_COLORS)),
        "places": places,
        "categories": [str(c) for c in cats],
        # Each period once, as (first day, last day) since 1900-01-01; each row an index into them.
        "periods": [list(p) for p in zip(_days([a for a, _b in puniq]), _days([b for _a, b in puniq]))],
        "rows": {
            "n": np.bincount(codes, minlength=len(uniq)).tolist() if len(table) else [],
            "t": [int(c) for c in pcodes],
            "v": [int(v) if float(v).is_integer() else round(float(v), 2) for v in values],
            "c": [int(c) for c in cat_codes],
        },
        "text": measure_words(lang),
        "locale": JS_LOCALES.get(lang, "en-US"),
        # The measure's last day (of the whole table, not only the AORs shown): "in_force" reads on it.
        "lastDay": _days([last_day(table)])[0] if len(table) else None,
    }
    if detail is not None and len(detail):
        index = {(p["kind"], p["id"]): k for k, p in enumerate(places)}
        per: dict[int, list] = {}
        for r in detail.itertuples(index=False):
            k = index.get((getattr(r, "place_kind", ""), str(getattr(r, "place_id", ""))))
            if k is None:
                continue
            cell = {c: str(getattr(r, c, "") or "") for c in ("agency", "model", "signed", "first_seen",
                                                               "snapshot_count", "snapshots")}
            # How many of ICE's lists show it (ENF287G's snapshot_count), with their span where given.
            count, span = cell["snapshot_count"], cell["snapshots"].replace("/", " – ")
            per.setdefault(k, []).append([cell["agency"], cell["model"], cell["signed"] or cell["first_seen"],
                                          f"{count} ({span})" if count and span else count or span])
        data["detail"] = {str(k): v for k, v in per.items()}
    return data


class MeasureLayer(ScriptLayer):
    """One measure on the map (``L.MeasureLayer`` of ``layers/js/measures.js``): see the module's text.

    Its ``setFilter({start, end})`` (days) is called by the time filter, like a point layer's;
    ``legend_html`` gives its legend section, whose classes the browser fills for the dates shown.
    """

    _js_class = "MeasureLayer"
    _scripts = ("measures.js",)

    def __init__(self, data: dict, *, regions_url: str | None, aor_url: str | None, name: str, notes=(),
                 show: bool = True, data_url: str | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "MeasureLayer"
        self.data = data
        self._file = None
        if data_url is not None:
            # The page then holds only where the rows are (as the incidents' points file): a file named
            # by their digest, fetched once and kept by the browser, not sent again on every rerun.
            self._file = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self._file_name = f"measure-{data['key']}-{hashlib.sha256(self._file).hexdigest()[:20]}.json"
            self.data = {"key": data["key"], "file": {"url": f"{str(data_url).rstrip('/')}/{self._file_name}",
                                                      "bytes": len(self._file)}}
        self.notes = list(notes)
        self.options = {"regionsUrl": regions_url, "aorUrl": aor_url, "fillOpacity": 0.7, "weight": 0.6,
                        "strokeColor": "#ffffff", "maxRadius": 28}
        self.legend_part = None  # a legend section of its own
        self.follows_time = True

    def __len__(self) -> int:
        return len(self.data.get("places", ()))

    def data_file(self) -> tuple[str, bytes] | None:
        """``(name, bytes)`` of the rows' file, for the caller to write as ``<data_url>/<name>`` (None when
        the rows are in the page: no ``data_url``).  The name holds a digest of the bytes."""
        return None if self._file is None else (self._file_name, self._file)

    def _render_header(self, figure) -> None:
        figure.header.add_child(RawElement(_CSS), name="ice_measures_css")

    def legend_html(self) -> str:
        parts = [f"<h4>{html_text(self.layer_name)}</h4>",
                 f'<div class="ice-measure-legend" data-measure="{html_text(self.data["key"])}"></div>']
        for note in self.notes:
            parts.append(f'<div class="note">{html_text(note)}</div>')
        return "".join(parts)

    def _get_self_bounds(self):
        return [[None, None], [None, None]]

    def js_data(self) -> str:
        return to_script_json(self.data)


def measure_layer(key: str, table, *, regions_url: str | None = None, aor_url: str | None = None,
                  detail=None, lang: str = "en", show: bool = True, data_url: str | None = None) -> MeasureLayer:
    """The :class:`MeasureLayer` of measure ``key`` from its (AOR-filtered) table.

    ``regions_url`` and ``aor_url`` are where the browser fetches the bundle's county/state and
    AOR polygons (without them, in a saved page, the areas are not drawn; sectors are).  With
    ``data_url`` the page holds only the URL of the rows' file (:meth:`MeasureLayer.data_file`).
    """
    m = MEASURES[key]
    _ = text(lang).gettext
    notes = list(m.notes)  # English, as the other overlays' notes (layers.areas)
    notes.append(_("Source: {source} ({licence}).").format(source=m.source_name, licence=m.licence))
    data = measure_layer_data(key, table, detail=detail, lang=lang)
    return MeasureLayer(data, regions_url=regions_url, aor_url=aor_url, name=_(m.label), notes=notes, show=show,
                        data_url=data_url)



def measure_overlays(tables: dict, *, regions_url: str | None, aor_url: str | None, lang: str = "en",
                     files: tuple | None = None) -> list:
    """One :class:`MeasureLayer` per measure of ``tables`` that has data (``geodata.view.measures.measure_tables``).

    ``files``: ``(data_url, where)`` to serve each layer's rows as a file (:meth:`MeasureLayer.data_file`)
    written where ``data_url`` is served: ``where`` a folder (the app's cache:
    ``geodata.view.shards.write_file``, once per digest) or a function ``save(name, bytes)``.
    """
    data_url, save = files if files else (None, None)
    if save is not None and not callable(save):
        from geodata.view.shards import write_file

        folder = save
        save = lambda name, data: write_file(folder, name, data)  # noqa: E731
    layers = [measure_layer(key, table, regions_url=regions_url, aor_url=aor_url, detail=detail, lang=lang,
                            data_url=data_url) for key, (table, detail) in tables.items() if table is not None]
    for layer in layers:
        if save is not None and layer.data_file() is not None:
            save(*layer.data_file())
    return layers


def figure_cards(figures: list[dict], lang: str = "en") -> list[tuple[str, str, str]]:
    """The figures above the map for the measures shown (``geodata.view.measures.measure_figures``):
    ``(label, value, help)`` per measure, in the page's language."""
    t = text(lang)
    _ = t.gettext
    cards = []
    for fig in figures:
        m = MEASURES[fig["measure"]]
        if not fig["available"]:
            cards.append((_(m.label), "—", _("Not fetched on this server: run `geodata fetch ddp-arrests`.")
                          if m.key == "arrests" else _("No data for this measure here.")))
            continue
        value = t.number(fig["total"])
        if m.summary == "in_force":
            value = _("{n} in {c} counties").format(n=value, c=t.number(fig["counties"]))
        covered = fig["covered"]
        if fig["as_of"]:
            when = (_("as of {date}").format(date=t.date(fig["as_of"])) if m.summary == "latest" else
                    _("in force in {month}").format(month=t.date(fig["as_of"], format="MMMM y")))
        elif covered:
            when = _("{start} to {end}").format(start=t.date(covered[0]), end=t.date(covered[1]))
        else:
            when = _("nothing in the dates shown")
        cards.append((f"{_(m.label)} ({when})", value, f"{_(m.unit)}; {m.source_name}."))
    return cards
