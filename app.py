"""The map in a browser: ``streamlit run app.py``.

This file only reads widgets and URL parameters, calls ``geodata`` and ``layers``,
and shows what they return.  The filter lives in the URL
(``?start=YYYY-MM-DD&end=YYYY-MM-DD&category=a,b&layer=facilities,incidents&offline=1``).

Settings from the environment (see README): ``ICE_MAP_OFFLINE=1`` (no
third-party requests, for every viewer), ``ICE_MAP_TILES`` (an xyzservices
name), ``ICE_MAP_STORE`` (a store folder made by ``geodata init --store DIR``)
and ``ICE_MAP_DATA_DIR`` (a bundle folder other than the default).
"""

from __future__ import annotations

import datetime as dt
import os
import time

import altair as alt
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from geodata import CATEGORIES, CATEGORY_LABELS, GeodataError, View
from geodata.boundaries import BASEMAP_DIR, BASEMAP_FILE
from geodata.export import export_size, write_csv, write_geojson
from geodata.ingest import MAX_UPLOAD_BYTES, read_upload
from geodata.occupancy import coverage, monthly_totals, periods
from geodata.store import BundleStore, Query, open_store
from geodata.timeline import view_figures, weekly_counts
from geodata.view import LAYERS
from layers import CATEGORY_COLORS, DEFAULT_TILES, LEAFLET_DIR, build_map, layer_points, tile_provider
from layers.basemap import parse_view_params

st.set_page_config(page_title="ICE enforcement map", page_icon=":world_map:", layout="wide")

LAYER_LABELS = {"facilities": "Detention facilities", "incidents": "Incidents"}
STYLES = {"points": "Points", "clusters": "Clusters", "heat": "Heat map"}
REGIONS = {"none": "None", "state": "By state", "county": "By county"}
TRUE_WORDS = ("1", "true", "yes", "on")
#: From this many features on, the app says how large a download is before it is built.
LARGE_EXPORT = 100_000
OFFLINE_FORCED = os.environ.get("ICE_MAP_OFFLINE", "").strip().lower() in TRUE_WORDS

# Leaflet and the outline map are files of two asset-only components, so this
# app's own server serves them: the map loads nothing from a CDN.  The map's
# frame is /component/streamlit_folium.st_folium/index.html; they are its siblings.
_leaflet_files = components.declare_component("leaflet", path=str(LEAFLET_DIR))
_outline_files = components.declare_component("outline", path=str(BASEMAP_DIR))
LEAFLET_URL = f"../{_leaflet_files.name}"
OUTLINE_URL = f"../{_outline_files.name}/{BASEMAP_FILE}"


# The data is read-only for the app: one copy shared by every session and rerun
# (st.cache_resource), not a fresh unpickled copy per rerun (st.cache_data).  The
# store's generation is part of each key, so an import shows up on the next rerun.
@st.cache_resource(show_spinner=False)
def _store(location: str | None, directory: str | None):
    if location:
        return open_store(location)
    return BundleStore(directory) if directory else BundleStore()


@st.cache_resource(show_spinner=False, max_entries=4)
def _static(_store, key: str, generation):
    meta = _store.metadata()
    return _store.facilities(), _store.population(), _store.report(), meta["date_span"]


@st.cache_resource(show_spinner=False, max_entries=4)
def _deaths(_store, key: str, generation):
    # Every death in custody, whatever the range: the facility popups list them.
    return _store.incidents(Query(categories=("death_in_custody",)))


@st.cache_resource(show_spinner=False, max_entries=16)
def _view_frames(_store, key: str, generation, view_key: tuple, hide_empty: bool):
    start, end, categories, layers, aors = view_key
    view = View(start=start, end=end, categories=categories, layers=layers, aors=aors)
    return _store.view_frames(view, hide_empty=hide_empty)


def _view_key(v: View) -> tuple:
    return (v.start, v.end, v.categories, v.layers, v.aors)


@st.cache_data(show_spinner=False, max_entries=4)
def _upload(data: bytes, name: str):
    # Parsed and placed once per file, not on every rerun (a filter change, a playback step).
    return read_upload(data, name)


@st.cache_data(show_spinner=False)
def _tiles(name: str):
    try:
        return tile_provider(name), None
    except ValueError as exc:
        return tile_provider(DEFAULT_TILES), f"ICE_MAP_TILES: {exc}; using {DEFAULT_TILES}."


STORE_LOCATION = os.environ.get("ICE_MAP_STORE") or None
try:
    store = _store(STORE_LOCATION, os.environ.get("ICE_MAP_DATA_DIR") or None)
    store_key = store.url
    generation = store.metadata().get("generation", 0)
    facilities, population, build_report, date_span = _static(store, store_key, generation)
    deaths = _deaths(store, store_key, generation)
except GeodataError as exc:
    # Name the store by its folder, not by a path on this server.
    message = str(exc)
    if STORE_LOCATION:
        message = message.replace(STORE_LOCATION.rstrip("/"), os.path.basename(STORE_LOCATION.rstrip("/")))
    st.error(f"The map's data store could not be read: {message}")
    st.stop()
AORS = sorted(a for a in facilities["aor"].dropna().unique())
tiles, tiles_warning = _tiles(os.environ.get("ICE_MAP_TILES") or DEFAULT_TILES)
if tiles_warning:
    st.warning(tiles_warning)
first_day, last_day = (dt.date.fromisoformat(d) for d in date_span) if date_span else (dt.date.today(),) * 2

# -- URL -> widgets, once per session -------------------------------------------------
if "view_loaded" not in st.session_state:
    try:
        url_view = View.from_params(st.query_params)
    except ValueError as exc:
        st.warning(f"Ignoring the link's filter: {exc}")
        url_view = View()
    start = max(first_day, min(url_view.start or first_day, last_day))
    end = min(last_day, max(url_view.end or last_day, first_day))
    st.session_state["dates"] = (start, max(start, end))
    for cat in CATEGORIES:
        st.session_state[f"cat_{cat}"] = cat in url_view.categories
    for layer in LAYERS:
        st.session_state[f"layer_{layer}"] = layer in url_view.layers
    st.session_state["aor"] = [a for a in url_view.aors if a in AORS]
    st.session_state["style"] = st.query_params.get("style", "points") if st.query_params.get("style") in STYLES \
        else "points"
    st.session_state["regions"] = st.query_params.get("regions") if st.query_params.get("regions") in REGIONS \
        else "none"
    # The map's view in the link (lat, lon, zoom); the map itself keeps it current.
    st.session_state["map_view"] = parse_view_params(st.query_params)
    st.session_state["offline"] = OFFLINE_FORCED or st.query_params.get("offline", "").lower() in TRUE_WORDS
    st.session_state["view_loaded"] = True
if OFFLINE_FORCED:
    st.session_state["offline"] = True

# -- sidebar ----------------------------------------------------------------------------
with st.sidebar:
    st.header("Filter")
    dates = st.date_input(
        "Date range", key="dates", min_value=first_day, max_value=last_day, format="YYYY-MM-DD",
        help="Incidents whose date overlaps the range, edges included. An incident known only "
        "to the month or year is shown for any range that touches that month or year.",
    )
    st.subheader("Incidents")
    chosen = tuple(c for c in CATEGORIES if st.checkbox(CATEGORY_LABELS[c], key=f"cat_{c}"))
    st.subheader("Layers")
    layers_on = tuple(x for x in LAYERS if st.checkbox(LAYER_LABELS[x], key=f"layer_{x}"))
    aors = st.multiselect(
        "ICE area of responsibility", AORS, key="aor", placeholder="All",
        help="Facilities in the chosen ICE field office areas, and the incidents at those facilities "
        "(an incident not at a facility has no AOR in these sources and is then not shown).",
    )
    st.radio(
        "Facilities with nobody held in the range", ["hollow", "hidden"], key="empty_facilities", horizontal=True,
    )
    st.subheader("Map")
    style = st.radio("Incidents drawn as", list(STYLES), key="style", format_func=STYLES.get, horizontal=True,
                     help="Clusters and the heat map apply when zoomed out; zoomed in, every incident is drawn.")
    regions = st.radio("Incidents counted by region", list(REGIONS), key="regions", format_func=REGIONS.get,
                       horizontal=True, help="Shades each state or county by the incidents in view.")
    upload = st.file_uploader(
        "Your own incidents (CSV, JSON, GeoJSON, XLSX)", type=["csv", "tsv", "json", "geojson", "xlsx"],
        key="upload", help=f"Shown beside the bundled layers, in this session only, never stored. Up to "
        f"{MAX_UPLOAD_BYTES // 2**20} MB; columns named as in the README (date, title, city, state, "
        "latitude/longitude, source_url...).",
    )
    st.subheader("Play through time")
    playing_on = st.toggle("Step through the range", key="play_on",
                           help="Show one week or month at a time: incidents appear, facility sizes change.")
    step = st.radio("Step", ["week", "month"], key="play_step", horizontal=True, disabled=not playing_on)
    st.subheader("Privacy")
    offline = st.toggle(
        "No third-party requests", key="offline", disabled=OFFLINE_FORCED,
        help="Draw a plain outline map (states, counties, coast) served by this app instead of "
        f"{tiles.name} tiles: the page then asks no other server for anything."
        + (" Set for everyone by this server (ICE_MAP_OFFLINE)." if OFFLINE_FORCED else ""),
    )

# A range being picked has one end for a moment: keep the last day until the second click.
start, end = (dates[0], dates[1]) if len(dates) == 2 else (dates[0], last_day) if dates else (first_day, last_day)
# Dates always go into the link, so it shows the same days after new data arrives.
view = View(start=start, end=end, categories=chosen, layers=layers_on, aors=tuple(aors))
st.query_params.from_dict(
    view.to_params()
    | ({"style": style} if style != "points" else {})
    | ({"regions": regions} if regions != "none" else {})
    | ({"offline": "1"} if offline and not OFFLINE_FORCED else {})
)

# Playback narrows the view to one week or month of the range at a time.
window = (start, end)
if playing_on:
    steps = periods(start, end, step)
    labels = [f"{a:%d %b %Y}" + ("" if a == b else f" – {b:%d %b %Y}") for a, b in steps]
    st.session_state.setdefault("play_index", 0)
    st.session_state["play_index"] = min(st.session_state["play_index"], len(steps) - 1)
    with st.sidebar:
        back, play, fwd = st.columns(3)
        if back.button("◀", key="play_back", help="Previous step", use_container_width=True):
            st.session_state["play_index"] = max(0, st.session_state["play_index"] - 1)
        playing = st.session_state.get("playing", False)
        if play.button("⏸" if playing else "▶", key="play_toggle", help="Play or pause",
                       use_container_width=True):
            st.session_state["playing"] = playing = not playing
        if fwd.button("▶▶", key="play_fwd", help="Next step", use_container_width=True):
            st.session_state["play_index"] = min(len(steps) - 1, st.session_state["play_index"] + 1)
        st.select_slider("Step shown", options=list(range(len(steps))), key="play_index",
                         format_func=lambda i: labels[i])
    window = steps[st.session_state["play_index"]]
    view = View(start=window[0], end=window[1], categories=chosen, layers=layers_on, aors=tuple(aors))
frames, pop_span = _view_frames(store, store_key, generation, _view_key(view),
                                st.session_state.get("empty_facilities") == "hidden")
# Shared by every session: each rerun works on its own (copy-on-write) view of the frames.
frames = {layer: gdf.copy(deep=False) for layer, gdf in frames.items()}

# -- main -------------------------------------------------------------------------------
st.title("US immigration enforcement: detention, deaths, incidents")
shown_fac = frames.get("facilities")
shown_inc = frames.get("incidents")
n_fac = 0 if shown_fac is None else int(shown_fac.geometry.notna().sum())
n_inc = 0 if shown_inc is None else len(shown_inc)
st.markdown(
    f"**{n_inc:,} incidents** from {window[0]:%d %b %Y} to {window[1]:%d %b %Y}"
    + (f" and **{n_fac:,} detention facilities**" if shown_fac is not None else "")
    + " shown."
)

# The figures of exactly what the map and the export show.
range_adp = None if shown_fac is None else shown_fac.set_index("id")["adp_in_range"]
figures = view_figures(shown_fac, shown_inc, adp=range_adp)
cols = st.columns(4)
cols[0].metric("Incidents", f"{figures.get('incidents', 0):,}")
cols[1].metric("Deaths in custody", f"{figures.get('death_in_custody', 0):,}")
if shown_fac is not None:
    cov = coverage(population)
    if pop_span:
        cols[2].metric("People detained, daily average", f"{figures['people_detained']:,.0f}",
                       help=f"Facilities shown, {pop_span[0]:%d %b %Y} to {pop_span[1]:%d %b %Y} "
                       "(Deportation Data Project's daily counts).")
        cols[3].metric("Facilities in use", f"{figures['facilities_in_use']:,}")
    elif cov:
        cols[2].caption(f"No population figures for this range: the daily counts cover "
                        f"{cov[0]:%d %b %Y} to {cov[1]:%d %b %Y}. Facility sizes show ICE's FY2026 average.")

# With tiles, the outline map is still there: the other choice in the layer
# control, and what the map falls back to when no tile loads (offline laptop).
extra = {}
if upload is not None:
    try:
        mine, mine_rejects = _upload(upload.getvalue(), upload.name)
        mine = mine[(mine["date_end"] >= f"{window[0]}") & (mine["date_start"] <= f"{window[1]}")]
        extra[f"Your file: {upload.name}"] = mine
        st.sidebar.caption(f"{upload.name}: {len(mine):,} rows in the range shown; {len(mine_rejects):,} rows "
                           "could not be shown (no date, no source URL or no place).")
    except GeodataError as exc:
        st.sidebar.error(str(exc))
map_view = st.session_state.get("map_view")
m = build_map(
    shown_fac, shown_inc, tiles=None if offline else tiles, outline=OUTLINE_URL, leaflet_url=LEAFLET_URL,
    incident_style=style, choropleth=None if regions == "none" or shown_inc is None else regions,
    population=population, deaths=deaths, extra_incidents=extra,
    facility_adp=range_adp if pop_span else None,
    center=map_view[0] if map_view else None, zoom=map_view[1] if map_view else None,
)
st.session_state["map_points"] = layer_points(m)
# No values come back from the map: panning and zooming never re-run this script.
st_folium(m, returned_objects=[], height=680, use_container_width=True, key="map")

# -- time: incidents per week and people detained, for the view ---------------------------
weekly, undated = (weekly_counts(shown_inc, *window) if shown_inc is not None else (None, 0))
chart_left, chart_right = st.columns(2)
if weekly is not None and len(weekly):
    long = weekly.melt("week", var_name="category", value_name="incidents")
    long["category"] = long["category"].map(CATEGORY_LABELS)
    chart_left.markdown("**Incidents per week**" + (f" ({undated} known only to the month or year not shown)"
                                                     if undated else ""))
    # The map's colours, in the legend's order, so a category reads the same everywhere.
    colors = alt.Scale(domain=[CATEGORY_LABELS[c] for c in CATEGORIES], range=[CATEGORY_COLORS[c] for c in CATEGORIES])
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("week:T", title="week"),
        y=alt.Y("sum(incidents):Q", title="incidents", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(
            "category:N", scale=colors, legend=alt.Legend(orient="bottom", columns=2, title=None, labelLimit=260)
        ),
        tooltip=["week:T", "category:N", "incidents:Q"],
    )
    chart_left.altair_chart(bars.properties(height=260), use_container_width=True)
if shown_fac is not None and population is not None:
    totals = monthly_totals(population, shown_fac["id"])
    months = totals[(totals["month"] >= f"{window[0]:%Y-%m}") & (totals["month"] <= f"{window[1]:%Y-%m}")]
    if len(months):
        chart_right.markdown("**People detained on an average day, by month** (facilities shown)")
        chart_right.line_chart(months.set_index("month")["people"], height=260)

stem = "ice-map" + "".join(f"_{k}-{v.replace(',', '+')}" for k, v in view.to_params().items())


def _export(writer, frames=frames):
    # Runs only when the button is clicked (on Streamlit's download thread), never on a rerun.
    import io

    buf = io.BytesIO()
    writer(frames, buf)
    return buf.getvalue()


n_export = export_size(frames)
col1, col2, col3 = st.columns([1, 1, 3])
col1.download_button(
    "Download GeoJSON", lambda: _export(write_geojson), file_name=f"{stem}.geojson",
    mime="application/geo+json", key="download_geojson",
)
col2.download_button("Download CSV", lambda: _export(write_csv), file_name=f"{stem}.csv", mime="text/csv",
                     key="download_csv")
if n_export >= LARGE_EXPORT:
    # About 600 bytes a feature in GeoJSON, 350 in CSV: say so before a click builds it.
    col3.caption(f"{n_export:,} features in view: about {n_export * 600 / 1e6:,.0f} MB as GeoJSON, "
                 f"{n_export * 350 / 1e6:,.0f} MB as CSV. Narrow the dates or categories for a smaller file.")
else:
    col3.caption(f"{n_export:,} features in view.")

if shown_fac is not None:
    unplaced = shown_fac[shown_fac.geometry.isna()]
    if len(unplaced):
        with st.expander(f"{len(unplaced)} facility not on the map (no place could be found)"):
            st.dataframe(unplaced[["name", "address", "city", "state", "adp"]], hide_index=True)

with st.expander("How places and dates are known"):
    st.markdown(
        "Each record says how precise its place is (`location_precision`: address, zip, city, county "
        "or state) and how it was placed (`location_method`). Facilities are at the point the "
        "Deportation Data Project placed by hand where there is one, otherwise at the centre of their "
        "ZIP code, not at the building. Deaths are drawn at the facility where they happened when that "
        "facility is in ICE's current list; otherwise at the city, county or state their record names. "
        "Points known only to a city, county or state are drawn as rings, not pins. Facility sizes are "
        "the average number of people held each day over the range, from the Deportation Data "
        "Project's daily counts (October 2022 to March 2026)."
    )
    counts = build_report.groupby(["source", "action"]).size().rename("rows").reset_index()
    st.dataframe(counts, hide_index=True)

with st.expander("Data sources"):
    st.markdown(
        "- Facilities: ICE detention statistics FY2026 (IIDS data of 2 April 2026), "
        "https://www.ice.gov/detain/detention-management (US government work, public domain).\n"
        "- Deaths in custody 2003-2025: Basu et al., *Mortality in U.S. Immigration and Customs "
        "Enforcement Detention, FY2004-FY2025*, https://github.com/sanjaybasu/ice-detention-mortality "
        "(MIT License, Copyright (c) 2025 Sanjay Basu), from ICE's death records.\n"
        "- January 2026 events: reviewed by hand from World Socialist Web Site, 20 January 2026, "
        "https://www.wsws.org/en/articles/2026/01/20/cmfb-j20.html.\n"
        "- Facility population by day, and hand-placed facility points: Deportation Data Project, "
        "https://deportationdata.org (CC0).\n"
        "- Outline map: US Census Bureau 2010 cartographic boundaries (public domain).\n"
        "- Offline geocoding: ZIP centroids from the `zipcodes` package.\n\n"
        "See DATA.md in the repository for details."
    )

# Playback: after drawing one step, wait and move on, until the last step.
if playing_on and st.session_state.get("playing"):
    if st.session_state["play_index"] < len(steps) - 1:
        time.sleep(1.5)
        st.session_state["play_index"] += 1
        st.rerun()
    st.session_state["playing"] = False
