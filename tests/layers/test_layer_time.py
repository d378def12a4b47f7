"""The map's JavaScript in node, from its files: compact columns, the filter in the browser,
playback, popup records fetched on a click, link labels."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from jsharness import needs_node, run_js, text_of
from shapely.geometry import Point
from test_layers import facilities_gdf, incidents_gdf

from geodata import View, load_bundle
from geodata.core.schema import CATEGORIES
from geodata.pipeline.facility_history import facilities_in_use
from geodata.view.occupancy import periods, population_table, range_adp, view_frames, with_range_adp
from geodata.view.population_sources import population_sources
from geodata.view.selection import filter_incidents
from layers import facilities_layer, incidents_layer
from layers._compact import day_of

pytestmark = needs_node


def mixed_incidents(n: int = 60):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        day = dt.date(2025, 12, 1) + dt.timedelta(days=int(rng.integers(0, 70)))
        month = i % 9 == 0
        rows.append({
            "category": CATEGORIES[i % 5],
            "title": f"Record {i}",
            "date": f"{day:%Y-%m}" if month else day.isoformat(),
            "date_precision": "month" if month else "day",
            "date_start": day.replace(day=1).isoformat() if month else day.isoformat(),
            "date_end": ((pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date().isoformat() if month
                         else day.isoformat()),
            "location_precision": ["address", "city", "zip", "state"][i % 4],
            "source_urls": f"https://example.org/{i}",
            # Some share a place, so that their categories fan out.
            "geometry": Point(-93.26 + (i % 7) * 0.01, 44.97),
        })
    return incidents_gdf(rows)


def test_compact_columns_decode_to_what_python_drew(tmp_path):
    gdf = mixed_incidents()
    layer = incidents_layer(gdf, records_url="records/abc")
    assert "fields" not in layer.data and layer.data["records"] == {"url": "records/abc", "size": 500}
    out = run_js(
        tmp_path,
        "var l = new L.CanvasPointLayer(DATA, {}), d = l._data, keys = "
        "['lon', 'lat', 'color', 'shape', 'hollow', 'u', 'day0', 'day1', 'dx', 'dy', 'category'];"
        "var o = {}; keys.forEach(function (k) { o[k] = Array.from(d[k]); });"
        "console.log(JSON.stringify(o));",
        DATA=json.loads(layer.to_json()),
    )
    lon, lat = layer.lonlat()
    np.testing.assert_allclose(out["lon"], lon, atol=1e-5)
    np.testing.assert_allclose(out["lat"], lat, atol=1e-5)
    for key in ("color", "shape", "hollow", "u", "day0", "day1", "category"):
        assert out[key] == layer.column(key).astype(int).tolist(), key
    np.testing.assert_allclose(out["dx"], [dx for dx, _ in layer.offsets()], atol=0.051)
    assert any(out["dx"]), "points at one place fan out"
    # Days since 1900-01-01, and the month-known ones span their month.
    start_of = dict(zip(gdf["title"], gdf["date_start"]))
    assert out["day0"] == [day_of(start_of[t]) for t in layer.field_values("Title")]
    assert max(np.array(out["day1"]) - np.array(out["day0"])) >= 27


def test_filter_in_the_browser_matches_geodata(tmp_path):
    gdf = mixed_incidents()
    layer = incidents_layer(gdf, records_url="r")
    cases = [("2025-12-10", "2026-01-05", None), ("2026-01-01", "2026-01-31", ["arrest", "protest"]),
             ("2027-01-01", "2027-02-01", None), ("2025-12-01", "2026-03-01", [])]
    filters = [{"start": day_of(a), "end": day_of(b),
                "categories": None if c is None else [CATEGORIES.index(x) for x in c]} for a, b, c in cases]
    out = run_js(
        tmp_path,
        "var l = new L.CanvasPointLayer(DATA, {});"
        "console.log(JSON.stringify(FILTERS.map(function (f) {"
        "  var n = l.setFilter(f); var ids = [];"
        "  for (var i = 0; i < l._n; i++) { if (!l._show || l._show[i]) { ids.push(i); } }"
        "  return { n: n, count: l.pointCount(), titles: ids.length }; })));",
        DATA=json.loads(layer.to_json()), FILTERS=filters,
    )
    for (a, b, cats), got in zip(cases, out):
        want = len(filter_incidents(gdf, a, b, cats))
        assert got["n"] == got["count"] == got["titles"] == want, (a, b, cats)
    assert out[0]["n"] > 0 and out[2]["n"] == 0 and out[3]["n"] == 0


def test_playback_steps_are_the_periods_of_the_range_and_filter_each_step(tmp_path):
    gdf = mixed_incidents()
    layer = incidents_layer(gdf, records_url="r")
    out = run_js(
        tmp_path,
        "var l = new L.CanvasPointLayer(DATA, {});"
        "var t = new L.IceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: CATS,"
        "  bar: false, poll: false, search: '?start=2025-12-03&end=2026-02-04&category=arrest,protest,shooting' });"
        "var E = t.epoch, out = { weeks: [], months: [], whole: t.shown };"
        "t.steps.forEach(function (s, k) { t.show(k);"
        "  out.weeks.push([L.IceTime.isoOf(s[0], E), L.IceTime.isoOf(s[1], E), t.shown, t.label()]); });"
        "t.stepBy(1); out.afterLast = t.index;"
        "t.setUnit('month'); t.steps.forEach(function (s, k) { t.show(k);"
        "  out.months.push([L.IceTime.isoOf(s[0], E), L.IceTime.isoOf(s[1], E), t.shown]); });"
        "t.show(-1); out.back = t.shown;"
        "t.play(); out.played = [t.index]; while (window.tick) { window.tick(); out.played.push(t.index); }"
        "out.playing = t.playing;"
        "console.log(JSON.stringify(out));",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()), CATS=list(CATEGORIES),
    )
    cats = ["arrest", "protest", "shooting"]
    start, end = dt.date(2025, 12, 3), dt.date(2026, 2, 4)
    for unit in ("week", "month"):
        want = [(a.isoformat(), b.isoformat(), len(filter_incidents(gdf, a, b, cats)))
                for a, b in periods(start, end, unit)]
        got = [tuple(s[:3]) for s in out[unit + "s"]]
        assert got == want, unit
    assert out["whole"] == out["back"] == len(filter_incidents(gdf, start, end, cats))
    assert out["afterLast"] == len(out["weeks"]) - 1  # stepping past the end stays on the last step
    assert out["weeks"][0][3].startswith("week 1 of") and "incident" in out["weeks"][0][3]
    # "1 incident", "2 incidents", "0 incidents".
    assert all(label.endswith(f"\u00b7 {shown:,} incident" + ("" if shown == 1 else "s"))
               for *_, shown, label in out["weeks"])
    # Play: from the first step to the last, one per tick, then it stops by itself.
    assert out["played"] == [*range(len(out["months"])), len(out["months"]) - 1] and not out["playing"]


def test_a_click_fetches_only_the_shards_of_the_clicked_records(tmp_path):
    gdf = mixed_incidents(50)
    layer = incidents_layer(gdf, records_url="records/abc")
    layer.records_size = 20
    layer.data["records"]["size"] = 20
    shards = {f"records/abc/{k}.json": json.loads(body) for k, body in layer.record_shards()}
    assert len(shards) == 3
    titles = layer.field_values("Title")
    out = run_js(
        tmp_path,
        "var asked = []; global.fetch = function (url) { asked.push(url);"
        "  return Promise.resolve({ ok: url in SHARDS, status: url in SHARDS ? 200 : 404,"
        "    json: function () { return Promise.resolve(SHARDS[url]); } }); };"
        "var l = new L.CanvasPointLayer(DATA, {});"
        "l.recordsFor([3, 45, 4]).then(function (popup) {"
        "  return l.recordsFor([5]).then(function (second) {"
        "    console.log(JSON.stringify({ asked: asked, popup: popup, second: second })); }); });",
        DATA=json.loads(layer.to_json()), SHARDS=shards,
    )
    assert out["asked"] == ["records/abc/0.json", "records/abc/2.json"]  # shard 0 once, kept for the 2nd click
    text = text_of(out["popup"])
    assert "3 records at this spot" in text
    assert text.index(titles[3]) < text.index(titles[45]) < text.index(titles[4])
    assert "example.org" in text and titles[5] in text_of(out["second"])


def test_a_record_that_cannot_be_fetched_says_so(tmp_path):
    layer = incidents_layer(mixed_incidents(5), records_url="gone")
    out = run_js(
        tmp_path,
        "global.fetch = function () { return Promise.resolve({ ok: false, status: 404 }); };"
        "new L.CanvasPointLayer(DATA, {}).recordsFor([1]).then(function (p) { console.log(JSON.stringify(p)); });",
        DATA=json.loads(layer.to_json()),
    )
    assert "could not be loaded (HTTP 404)" in text_of(out)


@pytest.mark.parametrize("with_url_api", [True, False])
def test_links_are_labelled_by_their_real_host_in_punycode(tmp_path, with_url_api):
    urls = ["https://example.org@evil.example/", "https://user:pw@www.ice.gov:8443/x", "https://\u0430pple.com/",
            "http://www.b\u00fccher.de/a?b", "https://example.org/a"]
    out = run_js(
        tmp_path,
        ("" if with_url_api else "delete global.URL;")
        + "console.log(JSON.stringify(URLS.map(L.CanvasPointLayer.hostOf)));",
        URLS=urls,
    )
    assert out == ["evil.example", "ice.gov", "xn--pple-43d.com", "xn--bcher-kva.de", "example.org"]
    assert "\u0430pple".encode("idna").decode() == "xn--pple-43d"


#: For each of RANGES: the facilities' radii and the words of the LABEL field once the range is applied.
SIZES_IN_RANGES_JS = (
    "var l = new L.CanvasPointLayer(DATA, {});"
    "console.log(JSON.stringify(RANGES.map(function (r) { L.IceTime.applyRange(l, r[0], r[1]);"
    "  var f = l._data.fields.filter(function (f) { return f.label === LABEL; })[0];"
    "  return { r: Array.from(l._data.r), words: f.values }; })));"
)


def test_facility_sizes_follow_the_dates_as_geodata_computes_them(tmp_path):
    b = load_bundle()
    fac = b.facilities[b.facilities.geometry.notna()].head(60)
    full, _ = range_adp(b.population)
    layer = facilities_layer(fac, population=b.population, adp=full, range_sizes=True)
    ranges = [("2025-01-01", "2025-01-31"), ("2023-03-15", "2024-02-10"), ("2019-01-01", "2019-02-01")]
    out = run_js(
        tmp_path,
        SIZES_IN_RANGES_JS,
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()),
        RANGES=[[day_of(a), day_of(b)] for a, b in ranges], LABEL="Average daily population in the selected dates",
    )
    names = layer.field_values("Name")
    for (a, b_), got in zip(ranges[:2], out[:2]):
        # The figure of the view, kept to a tenth, as the app and the export have it.
        adp = with_range_adp(fac, b.population, a, b_)[0].set_index("id")["adp_in_range"]
        want = facilities_layer(fac, population=b.population, adp=adp)
        want_r = dict(zip(want.field_values("Name"), want.radii()))
        np.testing.assert_allclose(got["r"], [want_r[n] for n in names], atol=1e-4)
        label = "Average daily population in the selected dates"
        want_words = dict(zip(want.field_values("Name"), want.field_values(label)))
        assert got["words"] == [want_words[n] for n in names]
    # Before the daily counts begin: the fiscal-year sizes, and the popup says the range is not known.
    fy = dict(zip(facilities_layer(fac).field_values("Name"), facilities_layer(fac).radii()))
    np.testing.assert_allclose(out[2]["r"], [fy[n] for n in names], atol=1e-4)
    assert all(w.startswith("not known") for w in out[2]["words"])


def test_sizes_and_sources_from_the_best_table_follow_the_dates_as_geodata_computes_them(tmp_path):
    # 2015: UWCHR's headcount; March-April 2026: DDP's ten days and ICE's FY2026 figure; 2010: ICE's ADP.
    b = load_bundle()
    best = population_table(b)
    fac = b.facilities[b.facilities.geometry.notna()]
    fac = fac[fac["id"].isin(set(best["facility_id"]))].head(120)
    full, span = with_range_adp(fac, best, *b.date_span)
    layer = facilities_layer(fac, population=best, adp=full.set_index("id")["adp_in_range"],
                             adp_sources=full.set_index("id")["adp_source"], range_sizes=True)
    ranges = [("2015-01-01", "2015-12-31"), ("2026-03-01", "2026-04-30"), ("2010-02-01", "2010-03-15"),
              ("2022-07-01", "2023-02-28")]
    label = "Average daily population in the selected dates"
    out = run_js(
        tmp_path,
        SIZES_IN_RANGES_JS,
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()),
        RANGES=[[day_of(a), day_of(b_)] for a, b_ in ranges], LABEL=label,
    )
    names = layer.field_values("Name")
    seen = set()
    for (a, b_), got in zip(ranges, out):
        view, _ = with_range_adp(fac, best, a, b_)
        want = facilities_layer(fac, population=best, adp=view.set_index("id")["adp_in_range"],
                                adp_sources=view.set_index("id")["adp_source"])
        want_r = dict(zip(want.field_values("Name"), want.radii()))
        np.testing.assert_allclose(got["r"], [want_r[n] for n in names], atol=1e-4)
        want_words = dict(zip(want.field_values("Name"), want.field_values(label)))
        assert got["words"] == [want_words[n] for n in names], (a, b_)
        seen |= {w.rsplit("(", 1)[-1] for w in got["words"] if w[0].isdigit()}
    assert {"UWCHR daily headcount)", "DDP daily counts)", "ICE fiscal-year ADP)"} <= seen


def test_many_points_in_view_are_counted_in_clusters_until_zoomed_in(tmp_path):
    layer = incidents_layer(mixed_incidents(60), records_url="r", points_max=20)
    out = run_js(
        tmp_path,
        "var l = offlineLayer(DATA, OPTIONS);"
        "var wide = drawAt(l, 4, 800, 600, 700, 1200).drawMode();"
        "l.setFilter({ start: null, end: null, categories: [0] });"  # a dozen: few enough to draw one by one
        "var few = drawAt(l, 4, 800, 600, 700, 1200).drawMode();"
        "l.setFilter(null);"
        "var close = drawAt(l, 12, 800, 600, 252000, 375000).drawMode();"
        "console.log(JSON.stringify({ wide: wide, few: few, close: close }));",
        DATA=json.loads(layer.to_json()),
        OPTIONS={"pointsMax": 20, "clusterMaxZoom": 10},
    )
    assert out == {"wide": "clusters", "few": "points", "close": "points"}


def test_the_map_reads_the_filter_from_the_page_url_and_writes_the_step_back(tmp_path):
    gdf = mixed_incidents()
    layer = incidents_layer(gdf, records_url="r")
    out = run_js(
        tmp_path,
        "var listeners = {};"
        "var page = { location: { pathname: '/', hash: '', search: '?start=2025-12-01&end=2025-12-31&lat=1' },"
        "  history: { state: { s: 1 }, replaceState: function (st, t, url) {"
        "    page.location.search = url.slice(1).replace(/^[^?]*/, ''); } },"
        "  Event: function (name) { this.type = name; },"
        "  addEventListener: function (n, f) { (listeners[n] = listeners[n] || []).push(f); },"
        "  removeEventListener: function () {},"
        "  dispatchEvent: function (e) { (listeners[e.type] || []).forEach(function (f) { f(e); }); } };"
        "window.parent = page; window.addEventListener = function () {};"
        "var l = new L.CanvasPointLayer(DATA, {});"
        "var t = L.iceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: CATS, bar: false });"
        "var out = { december: l.pointCount() };"
        "page.history.replaceState(null, '', '/?start=2026-01-01&end=2026-01-31&category=protest');"
        "out.januaryProtests = l.pointCount(); out.renders = t.renders;"
        "t.show(1); out.url = page.location.search; out.renders2 = t.renders;"
        "console.log(JSON.stringify(out));",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()), CATS=list(CATEGORIES),
    )
    assert out["december"] == len(filter_incidents(gdf, "2025-12-01", "2025-12-31"))
    assert out["januaryProtests"] == len(filter_incidents(gdf, "2026-01-01", "2026-01-31", ["protest"]))
    assert out["renders"] == 2 and out["renders2"] == 3  # each change redraws once
    # The second week of January 2026 (Mon 5 - Sun 11), other parameters kept as they were.
    assert out["url"] == "?start=2026-01-01&end=2026-01-31&category=protest&step=2026-01-05,2026-01-11"


# -- which facilities the browser shows: those in use in the dates ---------------------------

#: Ranges round ICE's lists: inside one (2015), in the years no list covers (FY2017-FY2018),
#: the last (January 2026), before the first list and after the last, across several lists
#: and a gap, and across the start of the daily counts.
IN_USE_RANGES = [("2015-03-01", "2015-06-30"), ("2017-01-01", "2018-06-30"), ("2026-01-01", "2026-01-31"),
                 ("2005-01-01", "2005-12-31"), ("2027-01-01", "2027-03-31"), ("2015-06-01", "2020-01-31"),
                 ("2022-06-01", "2023-01-31"), ("2025-09-30", "2025-10-01")]

# Each range's facilities as the layer's points show them: [ids of the listed ones, ids shown].
_SHOWN_JS = (
    "var l = new L.CanvasPointLayer(DATA, {}), R = l._data.range;"
    "console.log(JSON.stringify(RANGES.map(function (r) {"
    "  var listed = L.IceTime.listedInUse(R, r[0], r[1], l._n); L.IceTime.applyRange(l, r[0], r[1]);"
    "  var show = l._show, out = { listed: [], shown: [], n: l.pointCount() };"
    "  for (var i = 0; i < l._n; i++) { if (listed[i]) { out.listed.push(IDS[i]); }"
    "    if (!show || show[i]) { out.shown.push(IDS[i]); } }"
    "  return out; })));"
)


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def _map_layer(bundle, empty, **urls):
    """The facility layer as the app's map has it: every facility, sized for the whole span from the best
    source of each facility-month, the three sources in the popups' chart."""
    best = population_table(bundle)
    fac, span = with_range_adp(bundle.facilities, best, *bundle.date_span)
    return facilities_layer(fac, population=best, deaths=bundle.incidents,
                            adp=fac.set_index("id")["adp_in_range"] if span else None,
                            adp_sources=fac.set_index("id")["adp_source"] if span else None, empty=empty,
                            range_sizes=True, records_url="r", **urls,
                            sources=population_sources(bundle.population, bundle.headcount, bundle.facility_years))


def _shown_in_browser(tmp_path, layer, ranges):
    return run_js(tmp_path, _SHOWN_JS, scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()),
                  IDS=layer.ids, RANGES=[[day_of(a), day_of(b)] for a, b in ranges])


def test_the_browser_lists_the_facilities_ice_lists_in_use_in_the_dates(tmp_path, bundle):
    fac = bundle.facilities
    layer = _map_layer(bundle, "hollow")
    ranges = [*IN_USE_RANGES, (None, "2012-01-01")]
    out = _shown_in_browser(tmp_path, layer, ranges)
    drawn = set(layer.ids)
    assert len(drawn) == fac.geometry.notna().sum()  # every facility with a place is in the map's data
    for (a, b), got in zip(ranges, out):
        want = set(fac.loc[facilities_in_use(fac, a, b), "id"]) & drawn
        assert set(got["listed"]) == want, (a, b)
    # The ranges tell the lists apart: 2015, the gap years and 2026 list different facilities.
    assert len({frozenset(g["listed"]) for g in out[:3]}) == 3
    first_list = set(fac.loc[fac["fiscal_years"].str.contains(r"\b2009\b"), "id"]) & drawn
    last_list = set(fac.loc[fac["fiscal_years"].str.contains(r"\b2026\b"), "id"]) & drawn
    assert set(out[3]["listed"]) == first_list and set(out[4]["listed"]) == last_list


@pytest.mark.parametrize("empty", ["hollow", "hide"])
def test_the_browser_shows_the_facilities_of_the_view_for_any_dates(tmp_path, bundle, empty):
    layer = _map_layer(bundle, empty)
    out = _shown_in_browser(tmp_path, layer, IN_USE_RANGES)
    for (a, b), got in zip(IN_USE_RANGES, out):
        frames, span = view_frames(bundle, View(start=a, end=b), hide_empty=empty == "hide")
        fac = frames["facilities"]
        want = set(fac.loc[fac.geometry.notna(), "id"])
        assert set(got["shown"]) == want, (a, b, sorted(set(got["shown"]) ^ want)[:5])
        assert got["n"] == len(want)
    # January 2026 shows its facilities (259 of the 501 with a place), not all of them.
    jan = out[IN_USE_RANGES.index(("2026-01-01", "2026-01-31"))]
    assert 150 < jan["n"] < len(layer) - 150
    # Held by someone though not listed then: shown (Varick Street, in ICE's 2009 list only).
    listed_jan = set(jan["listed"])
    assert set(jan["shown"]) - listed_jan, "some facility is shown for DDP's count alone"


def test_the_in_use_rule_of_the_browser_at_the_gaps_and_edges(tmp_path):
    from geodata.pipeline.facility_history import fiscal_years_of

    frame = pd.DataFrame({"fiscal_years": ["2009 2015 2016", "2016 2019 2026", "2026", "2019", ""]})
    gdf = facilities_gdf([{"name": f"F{i}", "adp": 10.0 * (i + 1)} for i in range(len(frame))])
    gdf["fiscal_years"] = frame["fiscal_years"].to_numpy()
    layer = facilities_layer(gdf, range_sizes=True)
    assert layer.data["range"]["years"] == [2009, 2015, 2016, 2019, 2026]
    ranges = [("2015-01-01", "2015-06-30"), ("2016-01-01", "2016-03-31"), ("2017-01-01", "2017-02-01"),
              ("2004-01-01", "2004-12-31"), ("2030-01-01", "2030-01-02"), ("2010-01-01", "2014-12-31"),
              ("2020-01-01", "2025-09-30"), ("2025-09-30", "2025-10-01"), (None, "2009-06-01"), (None, None)]
    order = [int(i[1:]) for i in layer.ids]  # f0..f4, drawn largest first
    out = run_js(
        tmp_path,
        "var l = new L.CanvasPointLayer(DATA, {}), R = l._data.range, E = Date.parse('1900-01-01T00:00:00Z');"
        "console.log(JSON.stringify({ listed: RANGES.map(function (r) {"
        "  return Array.from(L.IceTime.listedInUse(R, r[0], r[1], l._n)); }),"
        "  fy: DAYS.map(function (d) { return L.IceTime.fiscalYear(d, E); }) }));",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()),
        RANGES=[[day_of(a), day_of(b)] for a, b in ranges],
        DAYS=[day_of(d) for d in ("2025-09-30", "2025-10-01", "2009-12-31", "2010-01-01")],
    )
    for (a, b), got in zip(ranges, out["listed"]):
        want = facilities_in_use(frame, a, b).tolist()
        assert [bool(got[order.index(k)]) for k in range(len(frame))] == want, (a, b)
    assert out["fy"] == [fiscal_years_of(d, d)[0] for d in ("2025-09-30", "2025-10-01", "2009-12-31", "2010-01-01")]


def test_hide_empty_keeps_every_facility_in_a_layer_drawn_for_any_dates(bundle):
    # Outside the daily counts, or in a month it held someone, a facility empty over
    # the whole span is still in use: the browser decides, not the layer.
    fac = bundle.facilities[bundle.facilities.geometry.notna()]
    full = with_range_adp(fac, bundle.population, *bundle.date_span)[0].set_index("id")["adp_in_range"]
    ranged = facilities_layer(fac, population=bundle.population, adp=full, empty="hide", range_sizes=True)
    fixed = facilities_layer(fac, population=bundle.population, adp=full, empty="hide")
    empty_throughout = int((full == 0).sum())
    assert empty_throughout > 0
    assert len(ranged) == len(fac) and len(fixed) == len(fac) - empty_throughout


def test_facilities_not_in_use_are_neither_drawn_nor_clicked_and_playback_steps_follow(tmp_path, bundle):
    layer = _map_layer(bundle, "hollow")
    # September and October 2019: two fiscal years (FY2019, FY2020), before the daily counts.
    out = run_js(
        tmp_path,
        "var l = offlineLayer(DATA, {});"
        "var t = new L.IceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: [],"
        "  bar: false, poll: false, search: '?start=2019-09-01&end=2019-10-31' });"
        "t.setUnit('month', true); var out = { steps: [] };"
        "[-1, 0, 1].forEach(function (k) { t.show(k); drawAt(l, 1, 1024, 1024, 0, 0);"
        "  var drawn = Array.from(l._grid.ids.subarray(0, l.drawnCount()));"
        "  var hit = 0, hidden = 0;"
        "  for (var i = 0; i < l._n; i++) { if (!l._show || l._show[i]) { continue; } hidden++;"
        "    var got = L.CanvasPointLayer.queryGrid(l._grid, l._x0[i] * 2, l._y0[i] * 2,"
        "      function (id) { return l._radius(id); }, 4) || [];"
        "    if (got.indexOf(i) >= 0) { hit++; } }"
        "  out.steps.push({ n: l.pointCount(), drawn: drawn.map(function (i) { return IDS[i]; }),"
        "                  hidden: hidden, hit: hit }); });"
        "console.log(JSON.stringify(out));",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()), IDS=layer.ids,
    )
    windows = [("2019-09-01", "2019-10-31"), ("2019-09-01", "2019-09-30"), ("2019-10-01", "2019-10-31")]
    for (a, b), got in zip(windows, out["steps"]):
        fac = view_frames(bundle, View(start=a, end=b))[0]["facilities"]
        want = set(fac.loc[fac.geometry.notna(), "id"])
        assert got["n"] == len(want) and set(got["drawn"]) == want, (a, b)
        assert got["hidden"] == len(layer) - len(want) > 0 and got["hit"] == 0
    assert out["steps"][1]["drawn"] != out["steps"][2]["drawn"]  # FY2019's list, then FY2020's
