"""The newsroom's tools in a real browser (issue 19): a link to one record, search, the first screen."""

from __future__ import annotations

from pathlib import Path

from conftest import AppPage

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CAMP = "fac-tx-ero-el-paso-camp-east-montana"


def _popup_title(app: AppPage, timeout: int = 20_000) -> str:
    frame = app.map_frame()
    frame.locator(".leaflet-popup-content h3").first.wait_for(timeout=timeout)
    return frame.locator(".leaflet-popup-content h3").first.inner_text()


def test_focus_in_the_link_opens_the_record_and_its_popup_links_to_it(open_page, offline_server):
    app = open_page(offline_server)
    app.open(f"?focus={CAMP}")
    assert _popup_title(app) == "ERO EL PASO CAMP EAST MONTANA"
    zoom, lat, lon = app.evaluate_on_map("var c = map.getCenter(); return [map.getZoom(), c.lat, c.lng];")
    assert zoom >= 11 and abs(lat - 31.9) < 0.3 and abs(lon + 106.4) < 0.3
    frame = app.map_frame()
    link = frame.locator(".leaflet-popup-content a.cpl-focus").first
    assert CAMP in link.get_attribute("href")
    # The record's id is the export's id.
    assert CAMP in frame.locator(".leaflet-popup-content").first.inner_text()


def test_a_popup_link_puts_the_record_in_the_address_bar(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?focus=2026-01-03-death-geraldo-lunas-campos")
    assert _popup_title(app).startswith("Death of Geraldo Lunas Campos")
    app.map_frame().locator(".leaflet-popup-content a.cpl-focus").first.click()
    app.page.wait_for_timeout(300)
    assert "focus=2026-01-03-death-geraldo-lunas-campos" in app.page.url


def test_search_finds_a_facility_by_a_former_name_and_opens_it(open_page, offline_server):
    app = open_page(offline_server)
    app.open()
    box = app.page.get_by_placeholder("A facility, a place, a person who died")
    box.fill("krome")
    box.press("Enter")
    app.wait_idle()
    assert _popup_title(app) == "KROME NORTH SERVICE PROCESSING CENTER"
    assert "focus=fac-fl-krome-north-service-processing-center" in app.page.url


def test_search_finds_a_place_and_zooms_there(open_page, offline_server):
    app = open_page(offline_server)
    app.open()
    box = app.page.get_by_placeholder("A facility, a place, a person who died")
    box.fill("Brownsville")
    box.press("Enter")
    app.wait_idle()
    app.page.wait_for_timeout(1500)
    zoom, lat, lon = app.evaluate_on_map("var c = map.getCenter(); return [map.getZoom(), c.lat, c.lng];")
    assert zoom >= 10 and abs(lat - 25.9) < 0.2 and abs(lon + 97.5) < 0.2
