"""The app on a phone (390 x 844, mobile emulation in Chromium): the map first, at a useful height; popups fit.
A browser that says it is a phone (its user agent) gets the filters in a popover above the map, drawn when opened."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import PHONE_UA, AppPage, app_page

ROOT = Path(__file__).resolve().parents[2]
#: The screenshot of each run (git-ignored); copy it to docs/screenshots/phone.png to renew the README's.
SCREENSHOT = ROOT / "artifacts" / "phone.png"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
STEWART = (32.0435, -84.8022)


def test_on_a_phone_the_map_comes_first_and_a_popup_fits(browser, offline_server):
    context = browser.new_context(**PHONE, user_agent=PHONE_UA)  # what a phone gets: its filters are a button
    try:
        app = AppPage(context.new_page(), offline_server)
        app.open()
        page = app.page
        frame_el = app.map_frame().frame_element()
        box = frame_el.bounding_box()
        assert page.evaluate("window.scrollY") == 0
        # Nothing (the sidebar, folded away on a narrow screen) covers the map.
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName",
                               [box["x"] + box["width"] / 2, box["y"] + min(box["height"], 844 - box["y"]) / 2])
        assert on_top == "IFRAME"
        # The map is on the first screen, under the filters' button only, above the figures, and fills much of it.
        assert box["y"] < 160 and box["height"] >= 0.5 * 844, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        title = page.get_by_role("heading", name="US immigration enforcement").bounding_box()
        assert title["y"] > box["y"]
        # The legend, opened, stays inside the map.
        frame = app.map_frame()
        frame.locator(".map-legend summary >> visible=true").first.click()
        legend = frame.locator(".map-legend >> visible=true").first.bounding_box()
        map_box = frame.locator(".leaflet-container").bounding_box()
        assert legend["x"] >= map_box["x"] and legend["x"] + legend["width"] <= map_box["x"] + map_box["width"]
        assert legend["y"] >= map_box["y"] and legend["y"] + legend["height"] <= map_box["y"] + map_box["height"]
        frame.locator(".map-legend summary >> visible=true").first.click()
        # So does the time bar, within thumb's reach at the bottom.
        bar = frame.locator(".ice-timebar").bounding_box()
        assert bar["x"] >= map_box["x"] and bar["x"] + bar["width"] <= map_box["x"] + map_box["width"], bar
        assert bar["y"] + bar["height"] <= map_box["y"] + map_box["height"]
        # A large facility's popup fits the map, and so the screen.
        app.evaluate_on_map("map.setView(arg, 9, { animate: false });", list(STEWART))
        app.page.wait_for_timeout(300)
        x, y = app.evaluate_on_map("var p = map.latLngToContainerPoint(arg); return [p.x, p.y];", list(STEWART))
        frame.locator(".leaflet-container").click(position={"x": x, "y": y})
        popup = frame.locator(".leaflet-popup")
        popup.wait_for()
        page.wait_for_timeout(500)  # it fades in and pans into view
        assert frame.locator(".leaflet-popup-content h3").first.inner_text() == "STEWART DETENTION CENTER"
        pb = popup.bounding_box()
        assert pb["x"] >= map_box["x"] - 1 and pb["x"] + pb["width"] <= map_box["x"] + map_box["width"] + 1, pb
        assert pb["height"] <= map_box["height"], (pb, map_box)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT)
    finally:
        context.close()


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_on_a_phone_the_scale_legend_button_and_attribution_do_not_overlap(browser, offline_server):
    context = browser.new_context(**PHONE)
    try:
        app = AppPage(context.new_page(), offline_server)
        app.open()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        app.page.screenshot(path=SCREENSHOT.with_name("phone-controls.png"))
        frame = app.map_frame()
        boxes = {
            "scale": frame.locator(".leaflet-control-scale").bounding_box(),
            "legend button": frame.locator(".map-legend summary >> visible=true").first.bounding_box(),
            "attribution": frame.locator(".leaflet-control-attribution").bounding_box(),
            "time bar": frame.locator(".ice-timebar").bounding_box(),
            "zoom": frame.locator(".leaflet-control-zoom").bounding_box(),
        }
        names = list(boxes)
        for i, a in enumerate(names):
            assert boxes[a], a
            for b in names[i + 1:]:
                assert not _overlap(boxes[a], boxes[b]), (a, b, boxes)
        map_box = frame.locator(".leaflet-container").bounding_box()
        for name, box in boxes.items():  # all on the map, none cut off by its frame
            assert box["y"] >= map_box["y"] and box["y"] + box["height"] <= map_box["y"] + map_box["height"], name
        attribution = frame.locator(".leaflet-control-attribution")
        assert "GeoNames" in attribution.text_content()  # the full credit is there, and a tap shows it whole
        short = attribution.bounding_box()
        attribution.tap(position={"x": short["width"] / 2, "y": short["height"] / 2})  # the text, not a link
        app.page.wait_for_timeout(200)
        assert attribution.evaluate(
            "el => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1")
        assert "GeoNames" in attribution.inner_text()
        assert attribution.bounding_box()["height"] > short["height"]
        app.page.screenshot(path=SCREENSHOT.with_name("phone-attribution.png"))
    finally:
        context.close()


def test_a_phone_gets_the_filters_in_a_popover_above_the_map_drawn_only_when_opened(browser, offline_server):
    with app_page(browser, offline_server, **PHONE, user_agent=PHONE_UA) as app:
        app.open()
        page = app.page
        # No sidebar, and none of its widgets drawn: the phone's main thread drew the map instead.
        assert page.locator('[data-testid="stSidebar"]').count() == 0
        assert page.locator('[data-testid="stCheckbox"]').count() == 0
        button = page.get_by_role("button", name="Filters")
        assert button.bounding_box()["y"] < app.map_frame().frame_element().bounding_box()["y"]  # above the map
        headline = page.locator('[data-testid="stMarkdown"]', has_text="on the map from").first.inner_text()
        assert re.search(r"\b[1-9][\d,]* deaths in custody", headline), headline
        button.click()
        deaths = page.get_by_role("checkbox", name="Death in custody")
        deaths.wait_for()
        assert deaths.is_checked() and page.get_by_role("radio", name="English").is_checked()
        # The same filters, the same keys: the view and its link follow.
        page.get_by_test_id("stPopoverBody").get_by_text("Death in custody", exact=True).click()
        page.wait_for_function("() => location.search.includes('category=') && !location.search.includes('death')",
                               timeout=30_000)
        app.wait_idle()
        after = page.locator('[data-testid="stMarkdown"]', has_text="on the map from").first.inner_text()
        assert " 0 deaths in custody" in after, after
        # The popover stays open through the rerun: what a filter or an upload says stays in view.
        assert deaths.is_visible() and not deaths.is_checked()


def test_a_phone_reading_an_embedded_map_gets_no_filters_and_the_title_first(browser, offline_server):
    with app_page(browser, offline_server, **PHONE, user_agent=PHONE_UA) as app:
        app.open("?embed=true&start=2025-06-01&end=2026-05-31")
        assert app.map_frame() is not None
        assert not app.page.get_by_role("button", name="Filters").is_visible()  # the link's filter is the view
        # An embed keeps its order however narrow its frame: the title, then the map.
        title = app.page.get_by_role("heading", name="US immigration enforcement").bounding_box()
        assert title["y"] < app.map_frame().frame_element().bounding_box()["y"]


def test_a_desktop_browser_keeps_the_filters_in_the_sidebar(browser, offline_server):
    with app_page(browser, offline_server, viewport={"width": 1400, "height": 1000}) as app:
        app.open()
        sidebar = app.page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("checkbox", name="Death in custody").is_visible()
        assert app.page.get_by_role("button", name="Filters").count() == 0
