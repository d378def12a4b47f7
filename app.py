"""The map in a browser: ``streamlit run app.py``.

This file only reads widgets and URL parameters, calls ``geodata`` and ``layers``, and shows what they
return.  The filter lives in the URL (``?start=YYYY-MM-DD&end=YYYY-MM-DD&category=a,b&layer=...&offline=1``).

Settings from the environment (see README): ``ICE_MAP_OFFLINE=1`` (no third-party requests, for every
viewer), ``ICE_MAP_TILES`` (an xyzservices name), ``ICE_MAP_STORE`` (a store folder made by ``geodata init
--store DIR``) and ``ICE_MAP_DATA_DIR`` (a bundle folder other than the default).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from functools import partial
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from geodata import CATEGORIES, CATEGORY_LABELS, GeodataError, View
from geodata.core.measures import MEASURES
from geodata.export.files import export_metadata
from geodata.export.writers import export_size, write_csv, write_geojson
from geodata.geography.aor import AOR_DIR, AOR_FILE, aor_label, load_aor_areas, unknown_aor_message
from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE, load_boundaries
from geodata.geography.places import PLACES_FILE, load_places
from geodata.geography.regions import REGIONS_DIR, REGIONS_FILE, load_regions
from geodata.imports.ingest import MAX_UPLOAD_BYTES, MAX_UPLOAD_COLUMNS, MAX_UPLOAD_ROWS, read_upload
from geodata.pipeline.tables import MB
from geodata.store import Bundle, BundleStore, Query, open_store
from geodata.view import LAYERS, area_frames, export_frames, in_child, region_counts, select, start_warming
from geodata.view.kept import KeptValues, made_once
from geodata.view.measures import category_params, figures_of, first_screen, measure_tables, measures_span
from geodata.view.occupancy import coverage, periods, population_table, with_range_adp
from geodata.view.population_sources import best_population, place_keys, population_sources
from geodata.view.resident import ResidentViews, release_memory, settle_collector, use_system_memory_pool
from geodata.view.search import aor_focus, parse_focus, search, search_index
from geodata.view.shards import cache_dir, prune, write_file, write_shards
from geodata.view.spans import date_presets, date_range, layer_spans
from geodata.view.timeline import view_figures
from geodata.web import asset_middleware, folder_digest
from layers import (
    DEFAULT_TILES,
    LEAFLET_DIR,
    base_map,
    choropleth_layer,
    compose_map,
    facilities_layer,
    incidents_layer,
    tile_provider_or_default,
)
from layers._render import component_args, send
from layers._script import script_bundle
from layers._text import markdown_plain
from layers.about import about_panel, data_as_of, data_notice_intro, preset_label
from layers.areas import area_overlays
from layers.basemap import parse_view_params
from layers.charts import incidents_heading, incidents_per_week, incidents_table, months_table, people_by_month
from layers.figures import drawn_count, facility_table, headline, table_display, view_metrics
from layers.focus import Focus, id_shard
from layers.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, choose_language, text
from layers.measures import figure_cards, measure_overlays
from layers.page import EMBED_CSS, FILTERS_KEY, PAGE, PAGE_CSS, embed_snippet, map_frame_preloads, phone_layout
from layers.printmap import print_files

if __name__ != "__main__":  # `streamlit run app.py` imports this file for its ASGI app; each page run is __main__
    # Files compressed once, kept by browsers (geodata/web); the page's styles in its <head>; the map's frame hinted
    # Leaflet and the layers' scripts (as named below), so that the browser fetches them while the frame starts.
    _named = f"../{Path(__file__).stem}."  # Streamlit names a component declared in this file app.<name>
    app = st.App(__file__, middleware=asset_middleware(map_frame_preloads(
        f"{_named}leaflet-{folder_digest(LEAFLET_DIR)}", f"{_named}records/{script_bundle()[0]}"), {PAGE: PAGE_CSS},
        base=st.get_option("server.baseUrlPath")))
else:  # streamlit_folium declares its component when imported: in a page run, where the server registers it
    from streamlit_folium import st_folium
    # The interface's language: the link's lang=, else the browser's; the switch in the sidebar changes it.
    BROWSER_LANGUAGE = choose_language(None, st.context.locale or st.context.headers.get("Accept-Language"))
    if st.session_state.get("lang") not in LANGUAGES:
        st.session_state["lang"] = choose_language(st.query_params.get("lang"), BROWSER_LANGUAGE)
    lang = st.session_state["lang"]
    t = text(lang)
    _, ngettext = t.gettext, t.ngettext

    st.set_page_config(page_title=_("ICE enforcement map"), page_icon=":world_map:", layout="wide")

    LAYER_LABELS = {"facilities": N_("Detention facilities"), "incidents": N_("Incidents"),
                    "offices": N_("ICE offices"),  # and the measures by area through time (geodata.core.measures):
                    **{k: m.label for k, m in MEASURES.items()}}
    STYLES = {"points": N_("Points"), "clusters": N_("Clusters"), "heat": N_("Heat map")}
    REGIONS = {"none": N_("None"), "state": N_("By state"), "county": N_("By county")}
    EMPTY_FACILITIES = {"hollow": N_("hollow"), "hidden": N_("hidden")}
    STEPS = {"week": N_("week"), "month": N_("month")}
    TRUE_WORDS = ("1", "true", "yes", "on")
    #: From this many features on, the app says how large a download is before it is built.
    LARGE_EXPORT = 100_000
    OFFLINE_FORCED = os.environ.get("ICE_MAP_OFFLINE", "").strip().lower() in TRUE_WORDS

    # Leaflet and the outline map are files of two asset-only components, so this app's own server serves them: the
    # map loads nothing from a CDN.  The map's frame is /component/streamlit_folium.st_folium/index.html; they are its
    # siblings.  Each folder's name ends in a digest of its files, so browsers keep them a year (geodata/web).
    _leaflet_files = components.declare_component(f"leaflet-{folder_digest(LEAFLET_DIR)}", path=str(LEAFLET_DIR))
    _outline_files = components.declare_component(f"outline-{folder_digest(BASEMAP_DIR)}", path=str(BASEMAP_DIR))
    LEAFLET_URL = f"../{_leaflet_files.name}"
    OUTLINE_URL = f"../{_outline_files.name}/{BASEMAP_FILE}"
    PLACES_URL = f"../{_outline_files.name}/{PLACES_FILE}"
    # The layers' own scripts (layers/js/*.js, one file named by its digest: layers/_script.py), and what the map
    # fetches: the incidents' point columns (one file) and the popup records of a clicked point (shards), written
    # once per data version under the temporary folder, so the page sent on each rerun stays small.
    _record_files = components.declare_component("records", path=str(cache_dir()))
    SCRIPT_URL = f"../{_record_files.name}/{script_bundle()[0]}"
    # The bundle's county/state and AOR polygons, fetched once by the measure layers (layers/js/measures.js).
    _region_files = components.declare_component(f"regions-{folder_digest(REGIONS_DIR)}", path=str(REGIONS_DIR))
    _aor_files = components.declare_component(f"aor_areas-{folder_digest(AOR_DIR)}", path=str(AOR_DIR))
    REGIONS_URL, AOR_URL = f"../{_region_files.name}/{REGIONS_FILE}", f"../{_aor_files.name}/{AOR_FILE}"
    RECORDS_URL = f"../{_record_files.name}"

    # The data is read-only for the app: one copy shared by every session and rerun
    # (st.cache_resource), not a fresh unpickled copy per rerun (st.cache_data).  The
    # store's generation is part of each key, so an import shows up on the next rerun.
    @made_once(st.cache_resource(show_spinner=False))
    def _store(location: str | None, directory: str | None):
        use_system_memory_pool()  # what a large build frees goes back to the system (geodata/view/resident.py)
        if location:
            return open_store(location, read_only=True)  # the app never writes: a database store refuses it too
        return BundleStore(directory) if directory else BundleStore()

    @made_once(st.cache_resource(show_spinner=False, max_entries=4))
    def _static(_store, key: str, generation):
        meta = _store.metadata()
        return _store.facilities(), _store.population(), _store.report(), meta["date_span"]

    @made_once(st.cache_resource(show_spinner=False, max_entries=4))
    def _spans(_store, key: str, generation):
        # What each layer covers (geodata.spans): the date range runs from the first to the last of them.
        return layer_spans(_store)

    @made_once(st.cache_resource(show_spinner=False, max_entries=2))
    def _search_index(_store, key: str, generation, _deaths):  # facilities under every name, deaths, place names
        return search_index(_store.facilities(), _store.facility_years(), _deaths, load_places(), load_regions("state"))

    @made_once(st.cache_resource(show_spinner=False, max_entries=4))
    def _deaths(_store, key: str, generation):
        # Every death in custody, whatever the range, with what the search reads (geodata/view/search.py).
        return _store.incidents(Query(categories=("death_in_custody",)), columns=["id", "category", "title", "date"])

    def _whole(_store):
        # Every record, for the map: it is drawn once for all dates and filtered in the browser. Read only when a map
        # is built, and let go after: a million records are most of a gigabyte (geodata/view/resident.py).
        return Bundle(_store.facilities(), _store.incidents(), None, _store.population(), _store.facility_years(),
                      _store.headcount())

    @made_once(st.cache_resource(show_spinner=False, max_entries=4))
    def _population(_store, key: str, generation):
        # The best source of each facility-month (DDP, else UWCHR, else ICE's fiscal-year ADP): the figures' table.
        return best_population(population_sources(_store.population(), _store.headcount(), _store.facility_years()),
                               place_keys(_store.facilities()))  # records of one place: one population

    @made_once(st.cache_resource(show_spinner=False, max_entries=1))
    def _views(_store, key: str, generation):
        # The map's columns of every incident, once, and recent views answered from them (geodata/view/resident.py):
        # popups come from the map's shards, and a download reads the view again with every column (_export).
        return ResidentViews(_store)

    @made_once(st.cache_data(show_spinner=False, max_entries=4))
    def _upload(data: bytes, name: str):
        # Parsed and placed once per file, not on every rerun (a filter change, a playback step).
        return read_upload(data, name)

    @made_once(st.cache_resource(show_spinner=False, ttl=3600, max_entries=8))
    def _measures(keys: tuple, aors: tuple, directory: str | None):
        # The measures' tables (bundled, or fetched: `geodata fetch ddp-arrests`), filtered by AOR; read only, so
        # shared, not unpickled for each rerun (st.cache_data: 6 % of a rerun's CPU).
        folder = Path(directory) / "measures" if directory else None
        return measure_tables(keys, aors=aors, directory=folder), measures_span(folder)

    _tiles = made_once(st.cache_data(show_spinner=False))(tile_provider_or_default)  # provider, None|(error, default)
    _warming = made_once(st.cache_resource(show_spinner=False))(lambda _s, key: start_warming(_s, st.get_option))
    # Figures, charts, tables: made once per view (`key`: what they depend on) for every session; never changed after.
    _per_view = made_once(st.cache_resource(show_spinner=False))(lambda: KeptValues(ttl=3600))().get  # a dict
    STORE_LOCATION = os.environ.get("ICE_MAP_STORE") or None
    try:
        store = _store(STORE_LOCATION, os.environ.get("ICE_MAP_DATA_DIR") or None)
        store_key = store.url
        generation = store.generation()  # each rerun: one small read, not a count of the incidents
        facilities, population, build_report, date_span = _static(store, store_key, generation)
        deaths = _deaths(store, store_key, generation)
        best_table = _population(store, store_key, generation)
        _warming(store, store_key)  # after an import this process draws the new map (geodata/view/warm.py)
    except GeodataError as exc:
        # Name the store by its folder, not by a path on this server.
        message = str(exc)
        if STORE_LOCATION:
            message = message.replace(STORE_LOCATION.rstrip("/"), os.path.basename(STORE_LOCATION.rstrip("/")))
        st.error(_("The map's data store could not be read: {message}").format(message=message))
        st.stop()
    AORS = _per_view(("aors", store_key, generation), lambda: sorted(a for a in facilities["aor"].dropna().unique()))
    tiles, tiles_warning = _tiles(os.environ.get("ICE_MAP_TILES") or DEFAULT_TILES)
    if tiles_warning:
        st.warning(_("ICE_MAP_TILES: {error}; using {tiles}.").format(error=tiles_warning[0], tiles=tiles_warning[1]))
    DATA_DIR_ENV = os.environ.get("ICE_MAP_DATA_DIR") or None
    spans = _spans(store, store_key, generation)  # every layer's first and last day, the measures' too
    first_day, last_day = date_range(spans) or (dt.date.today(),) * 2

    # -- URL -> widgets, once per session -------------------------------------------------
    if "view_loaded" not in st.session_state:
        try:
            # No parameters at all: a first screen about enforcement (the last twelve months, 287(g) shaded).
            url_view = View.from_params(st.query_params) if len(st.query_params) else first_screen(last_day)
        except ValueError as exc:
            st.warning(markdown_plain(_("Ignoring the link's filter: {error}").format(error=exc)))
            url_view = View()
        start = max(first_day, min(url_view.start or first_day, last_day))
        end = min(last_day, max(url_view.end or last_day, first_day))
        st.session_state["dates"] = (start, max(start, end))
        if (url_view.start and url_view.start != start) or (url_view.end and url_view.end != max(start, end)):
            st.info(_("The link's dates ({start} to {end}) are outside the data, which runs from {first} to {last}: "
                      "the range was moved to {new_start} – {new_end}.").format(
                start=url_view.start or "…", end=url_view.end or "…", first=t.date(first_day),
                last=t.date(last_day), new_start=t.date(start), new_end=t.date(max(start, end))))
        for cat in CATEGORIES:
            st.session_state[f"cat_{cat}"] = cat in url_view.categories
        for layer in LAYERS:
            st.session_state[f"layer_{layer}"] = layer in url_view.layers
        st.session_state["aor"] = [a for a in url_view.aors if a in AORS]
        if [a for a in url_view.aors if a not in AORS]:  # warned like the link's other bad values
            st.warning(markdown_plain(_("Ignoring the link's filter: {error}").format(
                error=unknown_aor_message([a for a in url_view.aors if a not in AORS], AORS))))
        st.session_state["style"] = st.query_params.get("style", "points") if st.query_params.get("style") in STYLES \
            else "points"
        st.session_state["regions"] = st.query_params.get("regions") if st.query_params.get("regions") in REGIONS \
            else "none"
        # The map's view in the link (lat, lon, zoom); the map itself keeps it current.
        st.session_state["map_view"] = parse_view_params(st.query_params)
        # The step the map's time bar showed when the link was made: handed back to the map once.
        st.session_state["link_step"] = st.query_params.get("step")
        st.session_state["offline"] = OFFLINE_FORCED or st.query_params.get("offline", "").lower() in TRUE_WORDS
        st.session_state["focus"] = (parse_focus(st.query_params.get("focus")) or (None,))[0]
        st.session_state["view_loaded"] = True
    if OFFLINE_FORCED:
        st.session_state["offline"] = True

    phone = phone_layout(st.context.headers)  # -- sidebar; on a phone it and the charts are popovers (layers.page)
    side = st.container(key=FILTERS_KEY).popover(_("Filters"), width="stretch") if phone else st.sidebar
    with side:
        st.radio("Language / Idioma", list(LANGUAGES), key="lang", format_func=LANGUAGES.get, horizontal=True)
        st.header(_("Filter"))
        dates = st.date_input(
            _("Date range"), key="dates", min_value=first_day, max_value=last_day,
            format="YYYY-MM-DD" if lang == "en" else "DD/MM/YYYY",
            help=_("Incidents whose date overlaps the range, edges included. An incident known only "
                   "to the month or year is shown for any range that touches that month or year."),
        )
        presets = date_presets(first_day, last_day)  # a click sets the range (before the date input is drawn)
        st.pills(_("Quick ranges"), list(presets), key="preset", format_func=lambda k: preset_label(k, t),
                 on_change=lambda: st.session_state.update(dates=presets.get(st.session_state["preset"],
                                                                             st.session_state["dates"])))
        st.subheader(_("Incidents"))
        chosen = tuple(c for c in CATEGORIES if st.checkbox(_(CATEGORY_LABELS[c]), key=f"cat_{c}"))
        st.subheader(_("Layers"))
        layers_on = tuple(x for x in LAYERS if st.checkbox(_(LAYER_LABELS[x]), key=f"layer_{x}"))
        aors = st.multiselect(
            _("ICE area of responsibility"), AORS, key="aor", placeholder=_("All"), format_func=aor_label,
            help=_("Facilities ICE puts in the chosen field office areas; incidents that happened in those areas "
                   "(by place) or at those facilities; ICE offices in them."),
        )
        st.radio(
            _("Facilities with nobody held in the range"), list(EMPTY_FACILITIES), key="empty_facilities",
            format_func=lambda k: _(EMPTY_FACILITIES[k]), horizontal=True,
        )
        st.subheader(_("Map"))
        style = st.radio(_("Incidents drawn as"), list(STYLES), key="style", format_func=lambda k: _(STYLES[k]),
                         horizontal=True,
                         help=_("Clusters and the heat map apply when zoomed out; zoomed in, every incident is drawn."))
        regions = st.radio(_("Incidents counted by region"), list(REGIONS), key="regions",
                           format_func=lambda k: _(REGIONS[k]), horizontal=True,
                           help=_("Shades each state or county by the incidents in view."))
        upload = st.file_uploader(
            _("Your own incidents (CSV, JSON, GeoJSON, XLSX)"), type=["csv", "tsv", "json", "geojson", "xlsx", "gz"],
            key="upload", max_upload_size=MAX_UPLOAD_BYTES // MB,
            help=_("Shown beside the bundled layers, in this session only, never stored. Up to "
                   "{mb} MB (after decompression), {rows} rows and {columns} columns, named as in the "
                   "README (date, title, city, state, latitude/longitude, source_url...).").format(
                mb=MAX_UPLOAD_BYTES // MB, rows=t.number(MAX_UPLOAD_ROWS), columns=MAX_UPLOAD_COLUMNS),
        )
        st.subheader(_("Play through time"))
        playing_on = st.toggle(_("Step through the range"), key="play_on",
                               help=_("Two controls, two reaches: these steps move the map, the figures and the "
                                      "charts together; ▶ in the map's time bar (bottom right) moves the map only, "
                                      "without reloading anything."))
        step = st.radio(_("Step"), list(STEPS), key="play_step", format_func=lambda k: _(STEPS[k]), horizontal=True,
                        disabled=not playing_on)
        # The step buttons and slider are filled in below, once the range is known: here, under "Play through time".
        play_box = st.container()
        st.subheader(_("Privacy"))
        offline = st.toggle(
            _("No third-party requests"), key="offline", disabled=OFFLINE_FORCED,
            help=_("Draw a plain outline map (states, counties, coast) served by this app instead of "
                   "{tiles} tiles: the page then asks no other server for anything.").format(tiles=tiles.name)
            + (" " + _("Set for everyone by this server (ICE_MAP_OFFLINE).") if OFFLINE_FORCED else ""),
        )

    # -- ICE areas (layers.areas): widgets, kept in the URL as aor_map= ------------------------------
    AOR_MAPS = {"none": N_("None"), "areas": N_("Areas"), "incidents": N_("Incidents"),
                "detained": N_("People detained")}
    if "areas_loaded" not in st.session_state:
        st.session_state["aor_map"] = st.query_params.get("aor_map") if st.query_params.get("aor_map") in AOR_MAPS \
            else "none"
        st.session_state["areas_loaded"] = True
    with side:
        st.subheader(_("ICE areas of responsibility"))
        aor_map = st.radio(_("Draw the areas"), list(AOR_MAPS), key="aor_map", format_func=lambda k: _(AOR_MAPS[k]),
                           horizontal=True,
                           help=_("ICE's field office areas (from UWCHR's county table, GPL-3.0): as areas, or "
                                  "shaded by the incidents in view (by where they happened) or the people detained "
                                  "on an average day in the dates shown (by where the facility is)."))
    if aors and tuple(aors) != st.session_state.get("aors_zoomed", tuple(aors)):  # AORs newly chosen: zoom to them
        st.session_state["focus"] = aor_focus(load_aor_areas(), aors) or st.session_state.get("focus")
    st.session_state["aors_zoomed"] = tuple(aors)
    areas_params = {"aor_map": aor_map} if aor_map != "none" else {}

    # A range being picked has one end for a moment: keep the last day until the second click.
    start, end = (dates[0], dates[1]) if len(dates) == 2 else (dates[0], last_day) if dates else (first_day, last_day)
    # Dates always go into the link, so it shows the same days after new data arrives.
    view = View(start=start, end=end, categories=chosen, layers=layers_on, aors=tuple(aors))
    st.query_params.from_dict(view.to_params()
        | ({"style": style} if style != "points" else {})
        | ({"regions": regions} if regions != "none" else {})
        | ({"offline": "1"} if offline and not OFFLINE_FORCED else {})
        | areas_params | category_params(st.query_params)  # a measure's category chosen on the map (model=...)
        | ({"step": st.session_state.pop("link_step")} if st.session_state.get("link_step") else {})
        | ({"focus": st.session_state["focus"]} if st.session_state.get("focus") else {})
        # The language stays in the link unless it is English and the browser's language too.
        | ({"lang": lang} if lang != DEFAULT_LANGUAGE or lang != BROWSER_LANGUAGE else {})
    )

    # Playback narrows the view to one week or month of the range at a time.
    window = (start, end)
    if playing_on:
        steps = periods(start, end, step)
        labels = [t.date(a) + ("" if a == b else f" – {t.date(b)}") for a, b in steps]
        st.session_state.setdefault("play_index", 0)
        st.session_state["play_index"] = min(st.session_state["play_index"], len(steps) - 1)
        with play_box:
            st.caption(_("These steps move the map, the figures and the charts. ▶ in the map's time bar (bottom "
                         "right) plays the map only, in the browser."))
            back, fwd = st.columns(2)
            if back.button("◀", key="play_back", help=_("Previous step"), width="stretch"):
                st.session_state["play_index"] = max(0, st.session_state["play_index"] - 1)
            if fwd.button("▶▶", key="play_fwd", help=_("Next step"), width="stretch"):
                st.session_state["play_index"] = min(len(steps) - 1, st.session_state["play_index"] + 1)
            st.select_slider(_("Step shown"), options=list(range(len(steps))), key="play_index",
                             format_func=lambda i: labels[i])
        window = steps[st.session_state["play_index"]]
        view = View(start=window[0], end=window[1], categories=chosen, layers=layers_on, aors=tuple(aors))
        # The map shows the step (it reads it from the link); the link keeps the range.
        st.query_params["step"] = f"{window[0]},{window[1]}"
    hide_empty = st.session_state.get("empty_facilities") == "hidden"
    frames, pop_span = _views(store, store_key, generation).frames(view, hide_empty)
    # Shared by every session: each rerun works on its own (copy-on-write) view of the frames.
    frames = {layer: gdf.copy(deep=False) for layer, gdf in frames.items()}
    vk = (store_key, generation, view, hide_empty)  # names what is made once per view (_per_view)
    fk = (store_key, generation, window, tuple(aors), "facilities" in layers_on, hide_empty)  # the facilities' part
    measures_on = tuple(k for k in layers_on if k in MEASURES)  # 287(g), ATD, USBP, arrests: layers.measures
    tables = _measures(measures_on, tuple(aors), DATA_DIR_ENV)[0]
    overlays = lambda: area_overlays(area_frames(frames, areas=load_aor_areas(), aor_map=aor_map), lang=lang) + \
        measure_overlays(tables, regions_url=REGIONS_URL, aor_url=AOR_URL, lang=lang, files=(RECORDS_URL, cache_dir()))
    # Built with the map (measure rows: cache files). Areas follow the dates only when counting incidents or people.
    overlay_key = (lang, aor_map, measures_on, tuple(aors), "offices" in layers_on,
                   (window, chosen) if aor_map in ("incidents", "detained") else None)

    # -- main -------------------------------------------------------------------------------
    as_of_col, find_col, about_col, share_col = st.columns([9, 4, 3, 3], vertical_alignment="center")
    as_of_col.title(_("US immigration enforcement: detention, deaths, incidents"))
    shown_fac = frames.get("facilities")
    shown_inc = frames.get("incidents")
    figures = _per_view(("figures", vk), lambda: view_figures(  # of exactly what the map and the export show
        shown_fac, shown_inc, adp=None if shown_fac is None else shown_fac["adp_in_range"].set_axis(shown_fac["id"])))
    st.markdown(headline(figures, None if shown_fac is None else int(shown_fac.geometry.notna().sum()), window, t))
    st.caption(data_as_of(spans, t))
    map_slot = st.container()  # the map comes first, above the fold; the figures follow it
    query = find_col.text_input(_("Find"), key="find", placeholder=_("A facility, a place, a person who died"),
                                label_visibility="collapsed")  # the match's id goes into the link as focus= (focus.js)
    found = search(_search_index(store, store_key, generation, deaths), query) if query else None
    if found is not None and len(found):
        pick = find_col.selectbox(_("Matches"), range(len(found)), format_func=lambda i: found["label"][i], key="found")
        st.session_state["focus"] = st.query_params["focus"] = found["id"][pick]
    elif found is not None:
        find_col.caption(_("Nothing found for “{query}”.").format(query=markdown_plain(query)))
    # Tables are built once opened (key, on_change="rerun"): a first visit fetches no table code (0.25 MB); the
    # panel's text too (DATA.md, 27 kB: 5 % of every rerun's CPU, a quarter of an open's bytes).
    with about_col.popover(_("About, sources, how to cite"), width="stretch", key="about", on_change="rerun") as box:
        if box.open:
            st.markdown(about_panel(t))
            st.dataframe(_per_view(("report", store_key, generation), lambda: build_report.groupby(["source", "action"])
                                   .size().rename("rows").reset_index()), hide_index=True)
            st.markdown(data_notice_intro(t) + _per_view("DATA.md", Path(__file__).with_name("DATA.md").read_text))
    with share_col.popover(_("Share or embed"), width="stretch"):
        st.caption(_("Link to this view, then HTML to embed it in a page (no sidebar; the filter comes from the "
                     "link):"))
        st.code(embed_snippet(st.context.url or "", dict(st.query_params)).split('"')[1].replace("&amp;embed=true", ""))
        st.code(embed_snippet(st.context.url or "", dict(st.query_params)), language="html")
    fig_metrics, fig_caption = _per_view(("metrics", vk, lang), lambda: view_metrics(
        figures, shown_fac, pop_span, coverage(best_table), t))
    for col, (label, value, help_) in zip([] if st.context.is_embedded else st.columns(4), fig_metrics):
        col.metric(label, value, help=help_)
    if fig_caption and not st.context.is_embedded:
        st.caption(fig_caption)

    # The measures' figures for the range (the same numbers as their layers and `geodata export --layer`).
    for col, (label, value, help_text) in zip(st.columns(len(measures_on)) if measures_on else [], _per_view(
            ("cards", measures_on, tuple(aors), window, lang), lambda: figure_cards(figures_of(tables, *window),
                                                                                    lang))):  # not by category
        col.metric(label, value, help=help_text)

    # The map holds every point of the layers and AORs chosen, for all dates: the date range,
    # the categories and the playback step reach it through the page's URL, and it redraws
    # itself in the browser (layers/js/timebar.js).  Its page does not change when they do, so
    # it is built once (cached below) and streamlit-folium does not draw it again.
    upload_key, mine_all = None, None
    if upload is not None:
        try:
            mine_all, mine_rejects = _upload(upload.getvalue(), upload.name)
            told = mine_all.attrs
            upload_key = (upload.name, upload.file_id, upload.size)
            mine = mine_all[(mine_all["date_end"] >= f"{window[0]}") & (mine_all["date_start"] <= f"{window[1]}")]
            side.caption(
                ngettext("{file}: {rows} row; {shown} in the range shown, {merged} repeats of another row, {rejected} "
                         "could not be shown (no date, no source URL or no place).",
                         "{file}: {rows} rows; {shown} in the range shown, {merged} repeats of another row, {rejected} "
                         "could not be shown (no date, no source URL or no place).", told["rows"]).format(
                    file=markdown_plain(upload.name), rows=t.number(told["rows"]), shown=t.number(len(mine)),
                    merged=t.number(told["merged"]), rejected=t.number(told["rejected"]))
            )
            for warning in told["warnings"]:
                side.warning(markdown_plain(warning))
        except GeodataError as exc:
            side.error(markdown_plain(exc))
            mine_all = None
        except Exception:  # a bug met by someone's file: say so, keep the map, log the traceback for the server
            logging.getLogger(__name__).exception("reading the upload %r failed", upload.name)
            side.error(_("{file}: this file could not be read (an error in this app, logged on the "
                         "server).").format(file=markdown_plain(upload.name)))
            mine_all = None

    def _with_shards(layer):
        """The layer, its popup records written once as shards in a folder named by their digest (and its
        point columns, if they are a file, as that file)."""
        key = layer.records_key()
        write_shards(cache_dir() / key, layer.record_shards())
        write_file(cache_dir() / key, *id_shard(layer))  # the records' ids in point order, for focus= (layers.focus)
        layer.data["records"]["url"] = f"{RECORDS_URL}/{key}"
        layer.drop_records()
        if layer.points_file() is not None:
            write_file(cache_dir(), *layer.points_file())
        prune(cache_dir())  # data versions nobody has used for a week
        return layer

    @in_child  # drawn in a forked copy of the server: its peak (4 GB for a million incidents) and leftovers end there
    def _draw_map(data_key, layers_on, aors, style, regions_key, tiles_name, offline, empty, upload_key, _bundle,
                  _mine, _region_counts, overlay_key, _overlays, lang="en"):
        """The map for one data version and one choice of layers, AORs, style, base map and language (and of
        the areas drawn under the points: ``overlay_key`` says what they show), rendered once (layers/_render.py)."""
        _, _bundle = text(lang).gettext, _bundle()
        write_file(cache_dir(), *script_bundle())  # the layers' scripts, at SCRIPT_URL
        whole = select(_bundle.facilities, _bundle.incidents, View(layers=layers_on, aors=aors))
        m = base_map(tiles=None if offline else tiles, outline=OUTLINE_URL, places=PLACES_URL, leaflet_url=LEAFLET_URL,
                     script_url=SCRIPT_URL, lang=lang)
        region_names = {"state": _("Incidents by state"), "county": _("Incidents by county")}
        drawn = list(_overlays()) + ([] if _region_counts is None else [
            choropleth_layer(_region_counts, name=region_names.get(_region_counts.attrs.get("level")))])
        if "incidents" in whole:
            drawn.append(_with_shards(incidents_layer(whole["incidents"], name=_("Incidents"), style=style,
                                                      records_url=RECORDS_URL, points_url=RECORDS_URL, lang=lang)))
        if _mine is not None:
            drawn.append(incidents_layer(_mine, name=_("Your file: {name}").format(name=upload_key[0]), style=style,
                                         lang=lang))
        if "facilities" in whole:
            best = population_table(_bundle)
            fac, span = with_range_adp(whole["facilities"], best, first_day, last_day)
            # Drawn last: on top of the incidents, however many.
            layer = facilities_layer(
                fac, name=_("Detention facilities"), population=best, deaths=_bundle.incidents,
                adp=fac.set_index("id")["adp_in_range"] if span else None,
                adp_sources=fac.set_index("id")["adp_source"] if span and "adp_source" in fac.columns else None,
                empty=empty, range_sizes=True, records_url=RECORDS_URL, points_url=RECORDS_URL, lang=lang,
                sources=population_sources(_bundle.population, _bundle.headcount, _bundle.facility_years),
            )
            drawn.append(_with_shards(layer))  # and each facility's months, which its popup offers as a CSV (focus.js):
            write_file(cache_dir() / layer.data["records"]["url"].rsplit("/", 1)[1], "population.csv",
                       best.round({"adp": 1}).to_csv(index=False).encode() if best is not None
                       else b"facility_id,month,adp,days,source\n")
        m = compose_map(m, drawn, time_range=(first_day, last_day), lang=lang, legend_open="wide",
                        as_of=data_as_of(spans, text(lang)))
        Focus(drawn, lang).add_to(m)  # focus= in the link opens a record; each popup's id is a link to it
        args = component_args(st_folium, m, returned_objects=[], height=680, use_container_width=True, key="map")
        del m, drawn, whole, _bundle
        release_memory()  # the records and the map's build are let go: only the rendered page stays
        return args
    # Cached through a lambda: Streamlit reads a cached function's source each run to key it (2 ms for the above).
    _map = st.cache_resource(show_spinner=_("Drawing the map…"), max_entries=6)(lambda data_key, layers_on, aors,
        style, regions_key, tiles_name, offline, empty, upload_key, _bundle, _mine, _region_counts, overlay_key,
        _overlays, lang="en": _draw_map(**locals()))

    # Shaded regions count what the filter shows: that part of the map follows the filter in Python.
    shown_regions = region_counts(shown_inc, regions)
    link_view = st.session_state.pop("map_view", None)  # sent to the map once; the print frame keeps it
    st.session_state["print_view"] = link_view or st.session_state.get("print_view")
    data_key = (store_key, generation)
    m = _map(  # its spinner ("Drawing the map…") shown only while a map is drawn, not on every rerun (a thread each)
        data_key, layers_on, tuple(aors), style,
        None if shown_regions is None else (regions, window, chosen), tiles.name, offline,
        "hide" if hide_empty else "hollow", upload_key,
        partial(_whole, store), mine_all, shown_regions, overlay_key, overlays, lang,
    )
    # What the map shows once it has applied the filter (and the playback step) in the browser.
    st.session_state["map_points"] = _per_view(("drawn", vk, upload_key), lambda: (
        ({"Detention facilities": drawn_count(shown_fac)} if shown_fac is not None else {})
        | ({"Incidents": drawn_count(shown_inc)} if shown_inc is not None else {})
        | ({f"Your file: {upload_key[0]}": drawn_count(mine)} if mine_all is not None else {})
        | ({"ICE offices": drawn_count(frames["offices"])} if frames.get("offices") is not None else {})
    ))
    # No values come back from the map; the link's view (lat, lon, zoom) goes beside it, once, applied in the browser.
    with map_slot:
        send(st_folium, m, **({"center": list(link_view[0]), "zoom": link_view[1]} if link_view else {}))
    _settled = made_once(st.cache_resource(show_spinner=False))(settle_collector)()  # once: the collector's settings
    if st.context.is_embedded:  # a news site's iframe: the map, its legend, attribution and "data as of" only
        st.markdown(EMBED_CSS, unsafe_allow_html=True)
        frames = shown_inc = shown_fac = None  # as at the end (the first run's globals are kept: geodata.view.kept)
        st.stop()

    # -- time: incidents per week and people detained, for the view ---------------------------
    weekly, undated = _per_view(("weekly", vk), lambda: incidents_table(shown_inc, window))
    months = _per_view(("months", fk), lambda: months_table(shown_fac, best_table, window))  # not by category
    chart_left, chart_right = (st.popover(_("Charts over time"), width="stretch"),) * 2 if phone else st.columns(2)
    if weekly is not None and len(weekly):
        chart_left.markdown(incidents_heading(weekly, lang) + (
            " " + ngettext("({n} known only to the month or year not shown)",
                           "({n} known only to the month or year not shown)", undated).format(n=t.number(undated))
            if undated else ""))
        chart_left.vega_lite_chart(spec=_per_view(("weekly chart", vk, lang), lambda: incidents_per_week(
            weekly, lang)), width="stretch")  # the chart's spec (a dict, its data inline) made once per view
    if months is not None and len(months):
        chart_right.markdown(_("**People detained on an average day, by month** (facilities shown)"))
        spec, caption = _per_view(("months chart", fk, lang), lambda: people_by_month(months, lang))
        if caption:
            chart_right.caption(caption)
        chart_right.vega_lite_chart(spec=spec, width="stretch")

    stem = "ice-map" + "".join(f"_{k}-{v.replace(',', '+')}" for k, v in view.to_params().items())

    def _export(writer, view=view, hide_empty=hide_empty):
        # Runs only when the button is clicked (on Streamlit's download thread), never on a rerun: the same
        # view read again from the store, with every column of its records.
        import io

        buf = io.BytesIO()
        writer(export_frames(store, view, hide_empty=hide_empty), buf)
        return buf.getvalue()

    n_export = _per_view(("export size", vk), lambda: export_size(frames))
    col1, col2, col3 = st.columns([1, 1, 3])
    col1.download_button(
        _("Download GeoJSON"), lambda: _export(partial(write_geojson, metadata=export_metadata(view, spans))),
        file_name=f"{stem}.geojson",
        mime="application/geo+json", key="download_geojson", on_click="ignore",  # a download reruns nothing
    )
    col2.download_button(_("Download CSV"), lambda: _export(write_csv), file_name=f"{stem}.csv", mime="text/csv",
                         key="download_csv", on_click="ignore")
    view_later = lambda v=view, h=hide_empty: _views(store, store_key, store.generation()).frames(v, h)[0]  # noqa: E731
    for col, kw in zip(st.columns(4), print_files(view_later, load_boundaries, window, shown_regions,
                                                  st.session_state["print_view"], lang, stem)):
        col.download_button(**kw, on_click="ignore")  # the map as a still image (layers/printmap.py), drawn on a click
    if n_export >= LARGE_EXPORT:
        # About 600 bytes a feature in GeoJSON, 350 in CSV: say so before a click builds it.
        col3.caption(_("{n} features in view: about {geojson} MB as GeoJSON, {csv} MB as CSV. Narrow the dates or "
                       "categories for a smaller file.").format(
            n=t.number(n_export), geojson=t.number(n_export * 600 / MB), csv=t.number(n_export * 350 / MB)))
    else:
        col3.caption(ngettext("{n} feature in view.", "{n} features in view.", n_export).format(n=t.number(n_export)))

    if shown_fac is not None:
        # Made only while open (opening it reruns the page); its fields in any language.
        with (box := st.expander(_("Table of the facilities on the map (sortable: click a heading)"),
                                 key="facility_table", on_change="rerun")):
            if box.open:
                table = _per_view(("table", vk), lambda: facility_table(shown_fac, shown_inc))
                st.dataframe(_per_view(("table shown", vk, lang), lambda: table_display(table, t)), hide_index=True)
                st.download_button(_("Download the table (CSV)"), lambda: table.to_csv(index=False), on_click="ignore",
                                   file_name=f"{stem}_facilities.csv", mime="text/csv", key="download_table")
        unplaced = _per_view(("unplaced", fk), lambda: shown_fac.loc[shown_fac.geometry.isna().to_numpy(),
                                                                     ["name", "address", "city", "state", "adp"]])
        if len(unplaced):
            with st.expander(ngettext("{n} facility not on the map (no place could be found)",
                                      "{n} facilities not on the map (no place could be found)",
                                      len(unplaced)).format(n=t.number(len(unplaced))), key="unplaced",
                             on_change="rerun") as box:
                if box.open:
                    st.dataframe(unplaced, hide_index=True)  # its five columns, taken once per view
    frames = shown_inc = shown_fac = None  # a session's widgets keep its last run's globals: not its view's rows
