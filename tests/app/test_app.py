"""The Streamlit app, headless (streamlit.testing.v1.AppTest)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from geodata import View, load_bundle, to_csv, to_geojson
from geodata.view.occupancy import view_frames
from geodata.view.timeline import weekly_counts
from layers._script import script_bundle

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def downloads(monkeypatch):
    """Every file the app hands to a download button: {filename: bytes}.

    The app hands callables (built only on a click); the fixture calls them, as a click would."""
    from streamlit.elements.widgets import button

    saved: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_marshall = button.marshall_file

    def record(self, path_or_data, mimetype, kind, filename=None):
        saved[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def marshall(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        if callable(data):
            saved[file_name] = data()
        return original_marshall(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(button, "marshall_file", marshall)
    return saved


def run_app(*, timeout: float = 60, **params) -> AppTest:
    """The app run once with ``params`` as the link's query parameters, having raised nothing."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def map_script(at: AppTest) -> str:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)["script"]


def test_app_runs_on_the_bundled_data():
    bundle = load_bundle()
    at = run_app(start=bundle.date_span[0], end=bundle.date_span[1])
    points = at.session_state["map_points"]
    # Every placed facility is in use at some time of the whole span but FMC Devens (not in ICE's lists;
    # DDP's counts have someone there on a few days, under 0.05 on an average day of the span).
    assert points == {
        "Detention facilities": int(bundle.facilities.geometry.notna().sum()) - 1,
        "Incidents": len(bundle.incidents),
    }
    frames, _ = view_frames(bundle, View(start=bundle.date_span[0], end=bundle.date_span[1]))
    assert set(bundle.facilities.dropna(subset=["geometry"])["id"]) - set(frames["facilities"]["id"]) == {
        "fac-ma-devens-fmc"}
    deaths = int((bundle.incidents["category"] == "death_in_custody").sum())
    head = next(m.value for m in at.markdown if "on the map from" in m.value)
    assert f"**{len(bundle.incidents) - deaths:,} other incidents** and **{deaths:,} deaths in custody**" in head
    # The facility that cannot be placed is listed, not silently dropped.
    assert any("not on the map" in e.label for e in at.expander)


def test_url_parameters_set_the_filter():
    at = run_app(start="2026-01-01", end="2026-01-31", category="death_in_custody,protest")
    assert at.date_input(key="dates").value == (
        __import__("datetime").date(2026, 1, 1), __import__("datetime").date(2026, 1, 31)
    )
    assert at.checkbox(key="cat_protest").value and not at.checkbox(key="cat_shooting").value
    assert at.session_state["map_points"]["Incidents"] == 4
    assert dict(at.query_params) == {"start": "2026-01-01", "end": "2026-01-31", "category": "death_in_custody,protest"}


def test_the_map_follows_the_filter_in_the_browser_not_by_a_new_page():
    deaths = run_app(start="2026-01-01", category="death_in_custody")
    protests = run_app(start="2026-01-01", category="protest,shooting")
    # The same page for both filters (the map reads the filter from the link), so
    # streamlit-folium keeps the map it has; only the counts of what it shows differ.
    assert map_script(deaths) == map_script(protests)
    assert deaths.session_state["map_points"]["Incidents"] != protests.session_state["map_points"]["Incidents"]
    # Popup text is fetched on a click, not sent in the page.
    assert "staff observed him in distress" not in map_script(deaths)
    assert "L.iceTime(" in map_script(deaths)


def test_a_filter_change_or_a_playback_step_does_not_rebuild_the_map(monkeypatch):
    import streamlit as st

    import layers

    built = []
    original = layers.compose_map
    monkeypatch.setattr(layers, "compose_map", lambda *a, **k: built.append(1) or original(*a, **k))
    monkeypatch.setenv("ICE_MAP_BUILD_IN_CHILD", "0")  # counted here: the map built in this process
    st.cache_resource.clear()
    at = run_app(start="2026-01-01", end="2026-01-31")
    script = map_script(at)
    at.checkbox(key="cat_protest").uncheck().run()
    at.toggle(key="play_on").set_value(True).run()
    at.button(key="play_fwd").click().run()
    assert not at.exception
    assert at.query_params["step"] == "2026-01-05,2026-01-11"  # the map reads the step from the link
    assert map_script(at) == script and len(built) == 1
    at.radio(key="style").set_value("heat").run()  # a new drawing style is a new map
    assert len(built) == 2


def test_the_time_bar_step_in_a_link_reaches_the_map_once():
    at = run_app(start="2026-01-01", end="2026-01-31", step="2026-01-05,2026-01-11")
    assert at.query_params["step"] == "2026-01-05,2026-01-11"  # the map reads it from the page's URL
    at.checkbox(key="cat_protest").uncheck().run()
    assert "step" not in at.query_params  # a new filter shows its whole range


def test_a_link_without_parameters_opens_on_enforcement():
    at = run_app()
    # The twelve months up to the last day any source counts, with the 287(g) agreements shaded.
    assert at.query_params["layer"] == "facilities,incidents,287g"
    start, end = (dt.date.fromisoformat(at.query_params[k]) for k in ("start", "end"))
    assert end >= dt.date.fromisoformat(load_bundle().date_span[1]) and (end - start).days in (364, 365)
    assert at.checkbox(key="layer_287g").value
    assert any(m.label.startswith("287(g) agreements") for m in at.metric)


def test_widgets_change_the_view_and_the_url():
    at = run_app(start=load_bundle().date_span[0])
    at.checkbox(key="cat_death_in_custody").uncheck()
    at.checkbox(key="layer_facilities").uncheck()
    at.run()
    assert not at.exception
    # The seven curated January 2026 events, less the two deaths.
    assert at.session_state["map_points"] == {"Incidents": 5}
    assert at.query_params["layer"] == "incidents"
    assert "death_in_custody" not in at.query_params["category"]
    assert at.query_params["start"] == load_bundle().date_span[0]


def test_export_matches_the_view(downloads):
    run_app(start="2025-01-01", end="2026-01-15", category="death_in_custody,shooting")
    bundle = load_bundle()
    view = View(start="2025-01-01", end="2026-01-15", categories=("death_in_custody", "shooting"))
    frames, _ = view_frames(bundle, view)
    (geojson_name,) = [n for n in downloads if n and n.endswith(".geojson")]
    (csv_name,) = [n for n in downloads if n and n.endswith(".csv") and not n.endswith("_facilities.csv")]
    # The first line carries the view and what each layer covers (the "metadata" member); the features match.
    assert downloads[geojson_name].decode().split("\n", 1)[1] == to_geojson(frames).split("\n", 1)[1]
    assert json.loads(downloads[geojson_name])["metadata"]["view"]["start"] == "2025-01-01"
    assert downloads[csv_name].decode() == to_csv(frames)
    fc = json.loads(downloads[geojson_name])
    dates = sorted(f["properties"]["date"] for f in fc["features"] if f["properties"]["layer"] == "incident")
    assert dates[0] >= "2025-01-01" and dates[-1] <= "2026-01-15" and len(dates) == len(frames["incidents"])


def test_bad_url_parameters_warn_and_fall_back():
    at = run_app(category="parade")
    assert any("parade" in w.value for w in at.warning)
    assert at.session_state["map_points"]["Incidents"] == len(load_bundle().incidents)


def test_html_in_data_is_escaped_in_the_map():
    at = run_app()
    script = map_script(at)
    # Data travels as JSON and is drawn with textContent: no raw tag from the data reaches the page.
    assert "<img src=x" not in script


def component_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def test_map_links_only_scripts_and_styles_the_app_serves():
    args = component_args(run_app())
    assert args["js_links"] and args["css_links"]
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("../") and "://" not in link, link
    # Leaflet, then the layers' own files (layers/js/) as one file named by its digest (layers._script.script_bundle):
    # streamlit-folium loads a map's scripts one after the other, a round trip each.
    assert [link.rsplit("/", 1)[1] for link in args["js_links"]] == ["leaflet.js", script_bundle()[0]]
    assert "L.CanvasPointLayer = " not in args["script"]  # linked, not sent with every rerun


def test_tiles_by_default_with_the_outline_map_as_fallback():
    at = run_app()
    script = map_script(at)
    assert "tile.openstreetmap.org" in script
    assert "new L.OutlineLayer" in script and "us-outline.json" in script
    assert at.toggle(key="offline").value is False
    assert "offline" not in at.query_params


def test_offline_link_draws_no_tiles_and_stays_in_the_link():
    at = run_app(offline="1", category="protest")
    script = map_script(at)
    assert "L.tileLayer" not in script and "openstreetmap" not in script
    assert "new L.OutlineLayer" in script
    assert at.toggle(key="offline").value is True
    assert at.query_params["offline"] == "1" and at.query_params["category"] == "protest"


def test_sidebar_toggle_turns_tiles_off_and_on():
    at = run_app()
    at.toggle(key="offline").set_value(True).run()
    assert not at.exception
    assert "L.tileLayer" not in map_script(at) and at.query_params["offline"] == "1"
    at.toggle(key="offline").set_value(False).run()
    assert "L.tileLayer" in map_script(at) and "offline" not in at.query_params


def test_offline_environment_variable_holds_for_every_viewer(monkeypatch):
    monkeypatch.setenv("ICE_MAP_OFFLINE", "1")
    at = run_app(offline="0")
    toggle = at.toggle(key="offline")
    assert toggle.value is True and toggle.disabled
    assert "L.tileLayer" not in map_script(at)
    assert "offline" not in at.query_params  # nothing for a link to carry: the server decides


def test_tile_provider_from_the_environment(monkeypatch):
    monkeypatch.setenv("ICE_MAP_TILES", "Esri.WorldGrayCanvas")
    assert "server.arcgisonline.com" in map_script(run_app())
    monkeypatch.setenv("ICE_MAP_TILES", "Nowhere.Tiles")
    at = run_app()
    assert any("Nowhere.Tiles" in w.value for w in at.warning)
    assert "tile.openstreetmap.org" in map_script(at)


def test_data_folder_from_the_environment(monkeypatch, tmp_path, tiny_facilities, tiny_incidents):
    from geodata import Bundle, Report, save_bundle

    save_bundle(Bundle(tiny_facilities, tiny_incidents, Report().to_frame()), tmp_path)
    monkeypatch.setenv("ICE_MAP_DATA_DIR", str(tmp_path))
    at = run_app()
    assert at.session_state["map_points"] == {"Detention facilities": 2, "Incidents": len(tiny_incidents)}


def test_aor_in_the_url_restores_the_view():
    at = run_app(aor="ELP", start="2025-01-01")
    assert at.multiselect(key="aor").value == ["ELP"]
    bundle = load_bundle()
    frames, _ = view_frames(bundle, View(start="2025-01-01", end=bundle.date_span[1], aors=("ELP",)))
    assert at.session_state["map_points"]["Detention facilities"] == len(frames["facilities"])
    assert at.session_state["map_points"]["Incidents"] == len(frames["incidents"]) > 0
    assert at.query_params["aor"] == "ELP"


def test_figures_panel_matches_the_view():
    at = run_app(start="2026-01-01", end="2026-01-31")
    metrics = {m.label: m.value for m in at.metric}
    bundle = load_bundle()
    frames, span = view_frames(bundle, View(start="2026-01-01", end="2026-01-31"))
    deaths = (frames["incidents"]["category"] == "death_in_custody").sum()
    assert metrics["Other incidents"] == str(len(frames["incidents"]) - deaths)
    assert metrics["Deaths in custody"] == str((frames["incidents"]["category"] == "death_in_custody").sum())
    people = frames["facilities"].dropna(subset=["geometry"])["adp_in_range"].sum()
    assert metrics["People detained, daily average"] == f"{people:,.0f}"
    assert span is not None


def test_timeline_follows_the_filter():
    at = run_app(start="2026-01-01", end="2026-01-31", category="protest")
    chart_titles = [m.value for m in at.markdown if m.value.startswith("**Incidents per week")]
    assert chart_titles
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # incidents per week, people detained per month
    # The weekly chart's data is the view's: protests only, two in January 2026.
    data = str(charts[0].proto)
    assert "Protest or strike" in data and "Death in custody" in data  # every category is a series...
    table, _ = weekly_counts(view_frames(load_bundle(), View(start="2026-01-01", end="2026-01-31",
                                                             categories=("protest",)))[0]["incidents"],
                             "2026-01-01", "2026-01-31")
    assert table["protest"].sum() == 2 and table.drop(columns=["week", "protest"]).to_numpy().sum() == 0


def test_playback_steps_through_the_range():
    at = run_app(start="2026-01-01", end="2026-01-31")
    at.toggle(key="play_on").set_value(True).run()
    assert not at.exception
    # Week 1 (Thu 1 - Sun 4 January): the death on the 3rd, and the deployment known only to the month.
    assert at.session_state["map_points"]["Incidents"] == 2
    at.button(key="play_fwd").click().run()
    at.button(key="play_fwd").click().run()  # week of 12-18 January
    assert at.session_state["play_index"] == 2
    # Victor Manuel Diaz (14th), the march (18th), the deployment (January).
    assert at.session_state["map_points"]["Incidents"] == 3
    # The link keeps the range, not the step.
    assert at.query_params["start"] == "2026-01-01" and at.query_params["end"] == "2026-01-31"


def _sidebar_order(at: AppTest) -> list[str]:
    """The sidebar's headings and widget keys, top to bottom."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return [n.value if n.type in ("header", "subheader") else n.key for n in walk(at.sidebar)
            if n.type in ("header", "subheader", "button", "toggle", "radio", "select_slider")]


def test_the_step_buttons_sit_under_play_through_time():
    at = run_app(start="2026-01-01", end="2026-01-31")
    at.toggle(key="play_on").set_value(True).run()
    order = _sidebar_order(at)
    at_play = order.index("Play through time")
    assert order[at_play:at_play + 7] == ["Play through time", "play_on", "play_step", "play_back", "play_fwd",
                                           "play_index", "Privacy"]


def test_map_view_style_and_regions_come_from_the_link():
    at = run_app(lat="44.97782", lon="-93.26501", zoom="11", style="heat", regions="state")
    script = map_script(at)
    # The view is handed to the map beside its page (applied in the browser), not written into the shared page.
    args = component_args(at)
    assert args["center"] == [44.97782, -93.26501] and args["zoom"] == 11
    assert "44.97782" not in script
    assert at.radio(key="style").value == "heat" and at.radio(key="regions").value == "state"
    assert at.query_params["style"] == "heat" and at.query_params["regions"] == "state"
    assert "Incidents by state" in script


def test_bad_view_in_the_link_opens_the_default_view():
    at = run_app(lat="999", lon="x", zoom="4")
    assert "[39.5, -98.35]" in map_script(at)
    assert component_args(at)["center"] is None and component_args(at)["zoom"] is None


def test_the_links_view_is_applied_once_and_never_builds_a_map(monkeypatch):
    import layers

    built = []
    original = layers.compose_map
    monkeypatch.setattr(layers, "compose_map", lambda *a, **k: built.append(1) or original(*a, **k))
    monkeypatch.setenv("ICE_MAP_BUILD_IN_CHILD", "0")  # counted here: the map built in this process
    run_app(start="2026-01-01", end="2026-01-31")
    built.clear()
    # Ten readers, each on a link with its own view: the map already drawn for these filters serves them all.
    for i in range(10):
        at = run_app(start="2026-01-01", end="2026-01-31", lat=f"{30 + i}.5", lon="-95.25", zoom=f"{4 + i % 8}")
        assert component_args(at)["center"] == [30.5 + i, -95.25]
    assert built == []
    at.checkbox(key="cat_protest").uncheck().run()  # the next rerun leaves the map where the reader moved it
    assert component_args(at)["center"] is None


def test_an_upload_is_drawn_beside_the_bundled_layers():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    data = b"date,title,city,state,source_url\n2026-01-07,My own record,Minneapolis,MN,https://e.org/a\n"
    # AppTest has no file-uploader driver: hand the app a file the way Streamlit does.
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    at.session_state["upload"] = UploadedFile(UploadedFileRec("f1", "mine.csv", "text/csv", data), None)
    at.run()
    assert not at.exception
    assert at.session_state["map_points"].get("Your file: mine.csv") == 1
    assert "My own record" in map_script(at)


def test_the_incidents_reach_the_map_as_a_points_file_the_app_serves():
    from geodata.view.shards import cache_dir

    at = run_app()
    script = component_args(at)["script"]
    files = re.findall(r'"file":\{"url":"\.\./[^"/]+/([0-9a-f]{20}\.bin)","bytes":(\d+)\}', script)
    # The incidents' columns and the facilities' (their months among them): the page carries only where they are.
    assert len(files) == 2 and all((cache_dir() / n).stat().st_size == int(b) for n, b in files)
    name, size = files[0]
    # 9 bytes a point: 3 + 3 for the place, 2 for the day, 1 for its kind (colour, shape, precision).
    assert (cache_dir() / name).stat().st_size == int(size) >= 9 * at.session_state["map_points"]["Incidents"]


def test_measure_figures_follow_the_dates_and_the_aor_filter():
    from geodata.core.measures import load_measure
    from geodata.view.measures import filter_aors, values_for_range

    at = run_app(layer="atd,usbp", start="2025-10-01", end="2026-04-30", aor="SPM,PHO")
    metrics = {m.label: m.value for m in at.metric}
    atd = values_for_range(filter_aors(load_measure("atd"), ["SPM", "PHO"]), "atd", "2025-10-01", "2026-04-30")
    assert metrics["People on ATD (as of Apr 4, 2026)"] == f"{atd.attrs['total']:,.0f}"
    assert set(atd["place_id"]) == {"SPM", "PHO"}
    assert metrics["Border Patrol encounters (nothing in the dates shown)"] == "0"  # the encounters end in Nov 2024
    script = map_script(at)
    assert script.count("new L.MeasureLayer(") == 2
    # The page holds only the URL of each measure's rows: a file in the app's cache named by their digest.
    import re

    from geodata.view.shards import cache_dir

    names = re.findall(r'"url":\s*"[^"]*/(measure-(?:atd|usbp)-[0-9a-f]{20}\.json)"', script)
    assert len(names) == 2 and '"rows"' not in script and "Tucson" not in script
    usbp = (cache_dir() / next(n for n in names if "usbp" in n)).read_text(encoding="utf-8")
    assert '"name":"Tucson, AZ"' in usbp
    assert '"name":"El Paso, TX"' not in usbp  # not in the Phoenix or St. Paul AOR


def test_the_legend_box_and_its_script_name_the_same_element():
    # The map is rendered once per version (layers/_render.py); a single render left the legend's box with
    # folium's id while the script looked it up by streamlit-folium's (legend_div_5): it never opened.
    at = run_app(start="2025-06-01", end="2025-12-31")
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    box = re.search(r'class="map-legend" id="([^"]+)"', args["html"] + args.get("header", ""))
    call = re.search(r'iceLegend\([^,]+,\s*"([^"]+)"', args["script"])
    assert box and call and box.group(1) == call.group(1), (box and box.group(1), call and call.group(1))
