"""Styles of the app's page (Streamlit's own elements), kept out of app.py: plain text, no streamlit here."""

from __future__ import annotations

__all__ = ["PHONE_CSS"]

# On a phone (Streamlit folds the sidebar away there) the map comes first, at most of the screen's height.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]:has(iframe[title="streamlit_folium.st_folium"]) {
    order: -1; }
  iframe[title="streamlit_folium.st_folium"] { height: 70vh !important; }
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
}
</style>"""
