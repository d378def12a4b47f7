"""The app in Spanish in Chromium: from ``?lang=es``, and from the browser's language."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import unfold_legend


@pytest.fixture()
def spanish_browser_page(browser, open_page):
    """``make(server) -> AppPage`` in a browser whose language is Mexican Spanish."""
    app_page = open_page.__globals__["AppPage"]  # conftest's page class (the folder is not a package)
    contexts = []

    def make(server):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-MX")
        contexts.append(context)
        return app_page(context.new_page(), server)

    yield make
    for context in contexts:
        context.close()


def legend(app):
    """The map's legend.  ``.first``: on a server that drew the map for an earlier session the
    frame holds a second copy (``#legend_div_4``, in English too; reported, not this test's subject)."""
    return app.map_frame().locator(".map-legend").first


def legend_text(app) -> str:
    box = legend(app)
    unfold_legend(box)
    return box.inner_text()


def test_lang_es_link_gives_a_spanish_sidebar_and_legend_and_stays_in_the_link(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?lang=es&start=2026-01-01&end=2026-01-31")
    sidebar = app.page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_role("heading", name="Filtro").count() == 1
    for label in ("Muerte bajo custodia", "Centros de detención", "Sin solicitudes a terceros"):
        assert sidebar.get_by_text(label, exact=True).count() >= 1, label
    assert sidebar.get_by_role("heading", name="Filter").count() == 0
    assert legend(app).locator("summary").inner_text().strip() == "Leyenda"
    text = legend_text(app)
    for words in ("Incidentes", "Centros de detención", "Muerte bajo custodia", "Arresto o redada"):
        assert words in text, words
    assert "Death in custody" not in text
    # A filter change keeps lang=es in the link.
    sidebar.get_by_text("Protesta o huelga", exact=True).click()
    app.page.wait_for_url("**category=**")
    app.wait_idle()
    query = parse_qs(urlsplit(app.page.url).query)
    assert query["lang"] == ["es"] and "protest" not in query["category"][0]


def test_a_spanish_browser_gets_spanish_without_lang_in_the_link(spanish_browser_page, offline_server):
    app = spanish_browser_page(offline_server)
    app.open()
    sidebar = app.page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_role("heading", name="Filtro").count() == 1
    assert legend(app).locator("summary").inner_text().strip() == "Leyenda"


def test_lang_es_gives_the_time_bar_and_the_attribution_in_spanish(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?lang=es&start=2026-01-01&end=2026-01-31")
    frame = app.map_frame()
    label = frame.locator(".ice-timebar-label")
    assert label.inner_text().startswith("Todo el rango: 2026-01-01 \u2013 2026-01-31 \u00b7 ")
    assert label.inner_text().endswith(("incidente", "incidentes"))
    buttons = frame.locator(".ice-timebar-button")
    assert [buttons.nth(k).get_attribute("title") for k in range(3)] == [
        "Paso anterior", "Reproducir el rango", "Paso siguiente"]
    assert frame.locator(".ice-timebar-unit option").all_inner_texts() == ["semana", "mes"]
    buttons.nth(2).click()  # one step forward
    frame.locator(".ice-timebar-label", has_text="semana 1 de 5: 2026-01-01").wait_for()
    attribution = frame.locator(".leaflet-control-attribution").inner_text()
    assert "Contornos: Oficina del Censo" in attribution and "Nombres de lugares: GeoNames (CC BY 4.0)" in attribution
    assert "Whole range" not in label.inner_text() and "Outlines:" not in attribution
