"""The charts under the map, sent as Vega-Lite specs made once per view (app.py `_per_view`, issue 21), drawn
in the browser as before: both charts with their marks, in English and in Spanish."""

import pytest


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
