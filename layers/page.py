"""Styles of the app's page (Streamlit's own elements) and the hints of the map's frame, kept out of app.py: plain
text, no streamlit here."""

from __future__ import annotations

__all__ = ["EMBED_CSS", "FILTERS_KEY", "MAP_FRAME", "PAGE", "PAGE_CSS", "embed_snippet", "map_frame_preloads",
           "phone_layout"]

#: The key of the container of the filters' popover on a phone; Streamlit gives it the class ``st-key-<key>``, which
#: the styles below place (PAGE_CSS) and hide in an embed (EMBED_CSS).
FILTERS_KEY = "filters"
_FILTERS = f".st-key-{FILTERS_KEY}"
#: Streamlit's page (its index.html): ``PAGE_CSS`` goes into its ``<head>`` (``geodata.web.asset_middleware``).
PAGE = "/"
#: streamlit-folium's page: the map's frame (its component is named ``streamlit_folium.st_folium``).
MAP_FRAME = "/component/streamlit_folium.st_folium/index.html"


def map_frame_preloads(leaflet_url: str, script_url: str) -> dict[str, list[str]]:
    """What the map's frame loads once its own script has run and the map's arguments have come (Leaflet, the
    layers' scripts: ``leaflet_url``, ``script_url`` as the map links them), to hint in the frame's page
    (``geodata.web.asset_middleware``): fetched while the frame starts, taken from the cache when asked for."""
    return {MAP_FRAME: [f"{leaflet_url}/leaflet.js", script_url, f"{leaflet_url}/leaflet.css"]}


# A compact title and less space above it, so that at 1440 x 900 the map, its legend and its time bar are on
# the first screen.  On a phone (Streamlit folds the sidebar away there) the map comes first; its frame keeps
# the map's own height (a shorter frame would cut off the time bar, the scale and the attribution).
# Sent in the page's <head> by the server (app.py's middleware), not as a Markdown element: it applies from the first
# paint (no jump when the element arrives last) and the page needs no HTML-in-Markdown code (Streamlit's rehype-raw
# module, 47 kB, fetched after the websocket opens) unless it is embedded.  Streamlit's own styles are added to the
# <head> after these, so each rule is !important (EMBED_CSS, later in the page, still wins where it says so).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.75rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.6rem !important; padding: 0 !important; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { margin-bottom: 0 !important; }
@media (max-width: 640px) {
  [data-testid="stVerticalBlock"] > *:has(iframe[title="streamlit_folium.st_folium"]) { order: -1 !important; }
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem !important; }
  [data-testid="stVerticalBlock"] > :is({filters}, :has({filters})) { order: -2 !important; }
}
</style>""".replace("{filters}", _FILTERS)

# Embedded in a news site's page (Streamlit's ?embed=true): no sidebar, nor a phone's filters (the filter comes from
# the link), a compact title; the map with its legend, attribution and "data as of" is all there is, in that order
# however narrow the frame (PAGE_CSS, in the <head> of every page, puts a phone's map first; this rule is as specific
# as that one, and later).
EMBED_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
{filters} { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.5rem 0.75rem 0 !important; max-width: none; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.1rem !important; padding: 0 !important; }
[data-testid="stVerticalBlock"] > :is(*, :has(iframe[title="streamlit_folium.st_folium"])) { order: 0 !important; }
</style>""".replace("{filters}", _FILTERS)


def embed_snippet(url: str, params: dict, height: int = 900) -> str:
    """The HTML to paste into a page: the view of ``params`` in an iframe, in Streamlit's embed mode."""
    from html import escape
    from urllib.parse import urlencode

    src = url.split("?", 1)[0] + "?" + urlencode({**params, "embed": "true"})
    return (f'<iframe src="{escape(src)}" title="US immigration enforcement map" width="100%" height="{height}" '
            'style="border:0" loading="lazy" allow="clipboard-write"></iframe>')


def phone_layout(headers) -> bool:
    """Whether the browser says it is a phone: ``Sec-CH-UA-Mobile: ?1`` (Chromium's client hint), else "Mobi" in
    its ``User-Agent`` (what Safari, Firefox and Chrome on phones send; MDN's advice for telling phones apart).

    On a phone the app puts its filters in a popover above the map instead of the sidebar, and its two charts in a
    popover below the figures.  Streamlit folds the sidebar away on a narrow screen but draws its ~40 widgets all
    the same, on the phone's main thread, before the map's frame, and Vega compiles the charts on that thread while
    the map starts; a popover's content is drawn only when it is opened (issue 21; docs/performance-2026-12.md,
    section 12).  ``headers``: the request's, as ``st.context.headers``.
    """
    hint = next((v for k, v in headers.items() if k.lower() == "sec-ch-ua-mobile"), None)
    if hint is not None:
        return hint.strip() == "?1"
    agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "")
    return "Mobi" in agent
