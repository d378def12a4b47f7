"""The charts under the map, sent as Vega-Lite specs made once per view (app.py `_per_view`, issue 21), drawn
in the browser as before: both charts with their marks, in English and in Spanish; on a phone in a popover, drawn
when it is opened."""

import pytest
from conftest import PHONE_UA, AppPage, app_page

from layers.charts import HEIGHT


@pytest.mark.parametrize("lang, heading", [("en", "Incidents per week"), ("es", "Incidentes por semana")])
def test_the_charts_under_the_map_are_drawn(open_page, offline_server, lang, heading):
    app = open_page(offline_server)
    app.open(f"?start=2025-01-06&end=2025-06-29&lang={lang}")
    app.wait_idle()
    charts = app.page.locator("[data-testid='stVegaLiteChart']")
    charts.nth(1).locator("canvas, svg").first.wait_for(timeout=60_000)
    assert charts.count() == 2
    assert app.page.get_by_text(heading).count() >= 1
    # Vega drew the bars: each chart's canvas (or svg) has a size, not an empty box.
    for i in range(2):
        box = charts.nth(i).locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100


def test_on_a_phone_each_chart_keeps_its_plot_height_beside_its_legend_and_fits_the_screen(browser, offline_server):
    # Streamlit's default autosize ("fit") squeezed the legend and the slanted dates into HEIGHT: on a phone the
    # incidents' plot was a few pixels high. With fit-x the plot is HEIGHT and the axes and legend come below it.
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    try:
        app = AppPage(context.new_page(), offline_server)
        app.open("?start=2025-06-01&end=2026-05-31")
        app.wait_idle()
        charts = app.page.locator("[data-testid='stVegaLiteChart']")
        charts.nth(1).locator("canvas, svg").first.wait_for(timeout=60_000)
        for i in range(2):
            box = charts.nth(i).locator("canvas, svg").first.bounding_box()
            assert box["height"] >= HEIGHT + 60  # the plot, then its axis and legend under it
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1  # nothing cut off at the right
    finally:
        context.close()


def test_a_phone_gets_the_charts_in_a_popover_drawn_when_opened(browser, offline_server):
    # Vega compiled both charts on the phone's main thread while the map's frame started (1.3 s of a phone
    # profile's first paint): on a phone they wait in a popover until the reader opens it.
    with app_page(browser, offline_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                  is_mobile=True, has_touch=True, user_agent=PHONE_UA) as app:
        app.open("?start=2025-06-01&end=2026-05-31")
        app.wait_idle()
        charts = app.page.locator("[data-testid='stVegaLiteChart']")
        assert charts.count() == 0
        app.page.get_by_role("button", name="Charts over time").click()
        charts.nth(1).locator("canvas, svg").first.wait_for(timeout=60_000)
        assert charts.count() == 2 and app.page.get_by_text("Incidents per week").is_visible()
        for i in range(2):
            box = charts.nth(i).locator("canvas, svg").first.bounding_box()
            assert box["height"] >= HEIGHT + 60
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
