"""The newsroom's tools in a real browser (issue 19): a link to one record, search, the first screen."""

from __future__ import annotations

from pathlib import Path

from conftest import PHONE_UA, AppPage

ROOT = Path(__file__).resolve().parents[2]
#: Each run's screenshots (git-ignored); copy one to docs/screenshots/ to renew the README's.
SHOTS = ROOT / "artifacts"


def _shot(name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / name


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


def _frame(page, part: str, timeout_ms: int = 60_000):
    for _ in range(timeout_ms // 250):
        frames = [f for f in page.frames if part in f.url and not f.is_detached()]
        if frames:
            return frames[-1]
        page.wait_for_timeout(250)
    raise AssertionError(f"no frame with {part} in its URL: {[f.url for f in page.frames]}")


def test_embedded_in_a_news_page_the_map_shows_without_the_sidebar(browser, offline_server):
    context = browser.new_context(viewport={"width": 1200, "height": 1100})
    try:
        page = context.new_page()
        src = f"{offline_server.url}/?start=2026-01-01&end=2026-01-31&embed=true"
        page.set_content(f'<h1>A news story</h1><iframe id="m" src="{src}" width="1000" height="900"></iframe>')
        app = _frame(page, "embed=true")
        app.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
        map_frame = _frame(page, "st_folium")
        map_frame.wait_for_selector(".map-legend", timeout=60_000)
        # No sidebar (its filter is the link's), a compact title, the view's dates and what the data covers.
        assert not app.locator("[data-testid='stSidebar']").is_visible()
        title = app.locator("h1").first
        assert "US immigration enforcement" in title.inner_text()
        assert title.bounding_box()["height"] < 48  # small type (two short lines at most)
        text = app.locator("[data-testid='stMain']").inner_text()
        assert "Jan 1, 2026" in text and "Jan 31, 2026" in text and "Data as of" in text
        assert not app.locator("[data-testid='stMetric']").count()  # the figures stay on the full page
        # The legend and the attribution (with the GeoNames credit) are in the map, and the map fits the frame.
        assert "GeoNames" in map_frame.locator(".leaflet-control-attribution").inner_text()
        frame_box = page.locator("#m").bounding_box()
        attribution = map_frame.locator(".leaflet-control-attribution").bounding_box()
        map_el = app.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        # (Boxes of elements in frames are in the page's coordinates.)
        assert attribution["y"] + attribution["height"] <= frame_box["y"] + frame_box["height"] + 1
        assert map_el["y"] + map_el["height"] <= frame_box["y"] + frame_box["height"] + 1
        page.screenshot(path=str(_shot("embed.png")))
    finally:
        context.close()


def test_first_screen_at_1440x900_holds_the_map_its_legend_and_time_bar(browser, offline_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        app = AppPage(context.new_page(), offline_server)
        app.open()
        frame_el = app.map_frame().frame_element()
        box = frame_el.bounding_box()
        frame = app.map_frame()
        bar = frame.locator(".ice-timebar").bounding_box()
        # Open on a desktop: once the map's frame is laid out wide (legend.js checks again as it settles).
        frame.wait_for_function("() => { var d = document.querySelector('.map-legend details'); "
                                "return !!(d && d.open); }", timeout=15_000)
        attribution = frame.locator(".leaflet-control-attribution").bounding_box()
        assert bar["y"] + bar["height"] <= 900 and box["y"] < 250, (box, bar)  # boxes in the page's coordinates
        assert attribution["y"] + attribution["height"] <= 900
        assert not app.page.get_by_text("Deploy", exact=True).is_visible()  # client.toolbarMode
        app.page.screenshot(path=str(_shot("desktop-1440x900.png")))
    finally:
        context.close()


def test_on_a_phone_the_frame_holds_the_whole_map(browser, offline_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, user_agent=PHONE_UA)  # a phone's layout: the filters a button
    try:
        app = AppPage(context.new_page(), offline_server)
        app.open()
        frame_el = app.map_frame().frame_element()
        outer = frame_el.bounding_box()
        inner = app.map_frame().locator(".leaflet-container").bounding_box()
        assert inner["height"] <= outer["height"] + 1  # the frame is not shorter than the map it holds
        bar = app.map_frame().locator(".ice-timebar").bounding_box()
        attribution = app.map_frame().locator(".leaflet-control-attribution").bounding_box()
        bottom = inner["y"] + inner["height"]  # boxes in the page's coordinates
        assert bar["y"] + bar["height"] <= bottom + 1 and attribution["y"] + attribution["height"] <= bottom + 1
        assert outer["y"] + outer["height"] >= bottom - 1
        assert outer["y"] + outer["height"] <= 844 + 60  # on the first screen, or nearly
        app.page.screenshot(path=str(_shot("phone-390x844.png")))
    finally:
        context.close()


def test_a_facility_popup_downloads_its_population_by_month(open_page, offline_server, tmp_path):
    app = open_page(offline_server)
    app.open(f"?focus={CAMP}")
    assert _popup_title(app) == "ERO EL PASO CAMP EAST MONTANA"
    with app.page.expect_download(timeout=60_000) as got:
        app.map_frame().locator(".leaflet-popup-content a.cpl-series").first.click()
    download = got.value
    assert download.suggested_filename == f"population-{CAMP}.csv"
    path = tmp_path / "p.csv"
    download.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "facility_id,month,adp,days,source"
    assert len(lines) > 5 and all(line.startswith(CAMP + ",") for line in lines[1:])
    from geodata import load_bundle
    from geodata.view.occupancy import population_table

    best = population_table(load_bundle())
    assert [line.split(",")[1] for line in lines[1:]] == best.loc[best["facility_id"] == CAMP, "month"].tolist()
