"""The interface in Spanish: the catalogue, the language choice, the app and the legend in ``?lang=es``."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from geodata import CATEGORY_LABELS
from geodata.core.schema import FACILITY_TYPE_LABELS
from layers import FACILITY_TYPE_GROUPS, build_map
from layers.i18n import LOCALE_DIR, choose_language, text, translations

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"
POT = LOCALE_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalogue(path=PO):
    with open(path, "rb") as fh:
        return read_po(fh, locale="es")


def ids(cat) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}


def extracted() -> set:
    """The msgids ``pybabel extract -F babel.cfg -k N_`` finds in the sources now."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS) | {"N_": None}
    return {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }


# --- the catalogue ---------------------------------------------------------------------

def test_every_message_has_a_spanish_translation_not_fuzzy():
    cat = catalogue()
    assert len(cat) > 100
    bad = []
    for m in cat:
        if not m.id:
            continue
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(f and f.strip() for f in forms) or len(forms) != (cat.num_plurals if m.pluralizable
                                                                                else 1):
            bad.append(m.id)
    assert not bad, f"untranslated or fuzzy in {PO.name}: {bad}"


def test_translations_keep_the_placeholders_of_their_message():
    for m in catalogue():
        if not m.id:
            continue
        want = set(PLACEHOLDER.findall(m.id if isinstance(m.id, str) else m.id[1]))
        for form in (m.string if isinstance(m.string, tuple) else (m.string,)):
            assert set(PLACEHOLDER.findall(form)) == want, (m.id, form)


def test_the_catalogue_is_up_to_date_with_the_sources():
    found = extracted()
    assert "Filter" in found and "Legend" in found and "Name" in found
    for path in (POT, PO):
        have = ids(catalogue(path))
        assert not found - have, f"{path.name} lacks {sorted(found - have)}: run pybabel extract/update (babel.cfg)"
        assert not have - found, f"{path.name} keeps messages no longer in the code: {sorted(have - found)}"


def test_words_from_geodata_tables_are_in_the_catalogue():
    # Category names and facility types (geodata.core.schema) and facility groups are translated where they are shown.
    es = translations("es")
    for words in [*CATEGORY_LABELS.values(), *FACILITY_TYPE_GROUPS, *FACILITY_TYPE_LABELS.values()]:
        assert es.gettext(words) != words, words


# --- the language, dates and numbers ---------------------------------------------------------

@pytest.mark.parametrize(
    ("param", "browser", "want"),
    [
        ("es", None, "es"),
        ("ES-mx", "en-US", "es"),
        ("en", "es-419", "en"),
        (None, "es-419", "es"),
        (None, "es_US", "es"),
        ("fr", "fr-CA,es;q=0.8,en;q=0.5", "es"),
        (None, "en;q=0.4,es-MX;q=0.9", "es"),
        (None, "fr-FR", "en"),
        ("", "", "en"),
        (None, None, "en"),
    ],
)
def test_language_from_the_link_then_the_browser(param, browser, want):
    assert choose_language(param, browser) == want


def test_dates_numbers_and_plurals_per_language():
    es, en = text("es"), text("en")
    assert es.date(dt.date(2026, 1, 1), "long") == "1 de enero de 2026"
    assert es.date("2026-01-31") == "31 ene 2026"
    assert en.date("2026-01-31") == "Jan 31, 2026"
    assert es.number(12345.4) == "12,345" and en.number(0.5, 1) == "0.5"
    one, many = "{n} feature in view.", "{n} features in view."
    assert es.ngettext(one, many, 1).format(n=1) == "1 elemento a la vista."
    assert es.ngettext(one, many, 2).format(n=2) == "2 elementos a la vista."
    assert en.ngettext(one, many, 1) == one and en.ngettext(one, many, 0) == many


# --- the legend and popups -------------------------------------------------------------------

def test_legend_and_popup_field_names_in_spanish(tiny_facilities, tiny_incidents):
    es = build_map(tiny_facilities, tiny_incidents, tiles=None, lang="es")
    html = es.get_root().render()
    for words in ("<summary>Leyenda</summary>", "<h4>Centros de detención</h4>", "<h4>Incidentes</h4>",
                  "Muerte bajo custodia", "Centro privado o por contrato",
                  "Contorno: conocido solo por ciudad, condado o estado"):
        assert words in html, words
    assert "<summary>Legend</summary>" not in html and "Death in custody" not in html
    fac, inc = (c for c in es._children.values() if getattr(c, "legend_part", None) in ("facilities", "incidents"))
    labels = [f["label"] for layer in (fac, inc) for f in json.loads(layer.to_json())["fields"]]
    assert {"Nombre", "Dirección", "Tipo", "Título", "Categoría", "Fecha", "Fuente", "Enlaces"} <= set(labels)
    # Data text stays as its source wrote it.
    names = fac.field_values("Nombre")
    assert names and set(names) <= set(tiny_facilities["name"])


def test_legend_in_english_by_default(tiny_facilities, tiny_incidents):
    html = build_map(tiny_facilities, tiny_incidents, tiles=None).get_root().render()
    assert "<summary>Legend</summary>" in html and "Death in custody" in html and "Leyenda" not in html


# --- the app -----------------------------------------------------------------------------------

def _app_in(lang: str | None, opened: tuple = (), **params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in ({"lang": lang} if lang else {}).items() | params.items():
        at.query_params[key] = value
    for key in opened:  # expanders built only once opened (the facility table)
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_in_spanish_from_the_link_and_the_link_keeps_it():
    at = _app_in("es", start="2025-01-01", end="2026-01-15")
    assert [h.value for h in at.sidebar.header] == ["Filtro"]
    assert {"Incidentes", "Capas", "Mapa", "Privacidad", "Áreas de responsabilidad de ICE"} <= {
        s.value for s in at.sidebar.subheader}
    assert at.date_input(key="dates").label == "Rango de fechas"
    assert at.checkbox(key="cat_death_in_custody").label == "Muerte bajo custodia"
    assert at.toggle(key="offline").label == "Sin solicitudes a terceros"
    assert at.multiselect(key="aor").label == "Área de responsabilidad de ICE"
    assert [m.label for m in at.metric][:2] == ["Otros incidentes", "Muertes bajo custodia"]
    assert at.title[0].value.startswith("Control migratorio en EE. UU.")
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"
    # A filter change keeps the language in the link.
    at.checkbox(key="cat_death_in_custody").uncheck().run()
    assert not at.exception
    assert dict(at.query_params)["lang"] in ("es", ["es"])
    assert "death_in_custody" not in str(dict(at.query_params).get("category"))
    # Data text stays as its source wrote it: the AOR names in the list are ICE's.
    assert set(at.multiselect(key="aor").options) == set(_app_in(None).multiselect(key="aor").options)


def test_language_switch_back_to_english_drops_lang_from_the_link():
    at = _app_in("es")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [h.value for h in at.sidebar.header] == ["Filter"]
    assert "lang" not in dict(at.query_params)


def _exports(monkeypatch, lang):
    from streamlit.elements.widgets import button

    saved: dict[str, bytes] = {}
    original = button.marshall_file

    def marshall(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        if callable(data) and file_name.endswith((".csv", ".geojson")):  # not the map's images (test_printmap)
            saved["table" if file_name.endswith("_facilities.csv") else file_name.rsplit(".", 1)[-1]] = data()
        return original(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(button, "marshall_file", marshall)
    _app_in(lang, opened=("facility_table",), start="2025-01-01", end="2026-01-15")
    return saved


def test_export_field_names_do_not_change_with_the_language(monkeypatch):
    en, es = _exports(monkeypatch, None), _exports(monkeypatch, "es")
    assert set(en) == set(es) == {"csv", "geojson", "table"}
    assert es["table"] == en["table"]
    assert es["csv"].split(b"\n", 1)[0] == en["csv"].split(b"\n", 1)[0]
    assert es["csv"] == en["csv"] and es["geojson"] == en["geojson"]
    keys = {k for f in json.loads(es["geojson"])["features"] for k in f["properties"]}
    assert {"layer", "name", "date", "category", "source_urls"} <= keys


def test_readme_links_the_spanish_using_the_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/README.es.md)" in readme and "### Idioma / Language" in readme
    assert "(docs/using-the-map.es.md)" in readme
    assert "(using-the-map.es.md)" in (ROOT / "docs" / "README.es.md").read_text(encoding="utf-8")
    spanish = (ROOT / "docs" / "using-the-map.es.md").read_text(encoding="utf-8")
    assert "## Cómo usar el mapa" in spanish and "?lang=es" in spanish
    # The Spanish guide names the sidebar's widgets as the Spanish interface does.
    es = translations("es")
    for label in ("No third-party requests", "Step through the range", "Incidents counted by region"):
        assert f"«{es.gettext(label)}»" in spanish, label


def test_popup_words_in_spanish_data_unchanged(tiny_incidents):
    from layers import incidents_layer

    layer = incidents_layer(tiny_incidents, lang="es")
    english = incidents_layer(tiny_incidents)
    assert layer.field_values("Título") == english.field_values("Title")  # data text as its source wrote it
    assert layer.field_values("Descripción") == english.field_values("Description")
    locations = [v for v in layer.field_values("Ubicación") if v]
    assert locations and all("not the exact site" not in v for v in locations)
    assert any("no es el lugar exacto" in v or v.startswith("Dirección postal") for v in locations)


def test_region_shading_named_in_spanish():
    at = _app_in("es", regions="state")
    (component,) = at.get("component_instance")
    script = json.loads(component.proto.json_args)["script"]
    assert "Incidentes por estado" in script and "Incidents by state" not in script


# --- the words the map's JavaScript writes -------------------------------------------------------

def test_the_time_bar_and_the_tile_notice_get_their_words_from_the_catalogue(tmp_path):
    from jsharness import run_js

    from layers.timebar import time_words

    en, es = time_words("en"), time_words("es")
    assert en["whole"] == "Whole range: " and en["incidentOther"] == "{n} incidents"
    assert es["whole"] == "Todo el rango: " and es["week"] == "semana" and es["stepOf"] == "{unit} {k} de {n}: "
    assert all(es[k] != en[k] for k in en), [k for k in en if es[k] == en[k]]
    # The time bar's own English is the catalogue's English: nothing said in one place only.
    english = run_js(tmp_path, "console.log(JSON.stringify(L.IceTime.WORDS));", scripts=("canvas.js", "timebar.js"))
    assert english == en
    # The words reach the page in the map's language.
    html = build_map(tiles="OpenStreetMap.Mapnik", outline="../o/us-outline.json", lang="es").get_root().render()
    assert "Los mosaicos del mapa no cargaron: se muestra el mapa de contornos." in html
    assert "Contornos: Oficina del Censo de EE. UU., 2010" in html


def test_the_time_bar_writes_spanish_words_and_numbers(tmp_path, tiny_incidents):
    from jsharness import run_js

    from layers import incidents_layer
    from layers.timebar import time_words

    layer = incidents_layer(tiny_incidents, records_url="r")
    out = run_js(
        tmp_path,
        "var l = new L.CanvasPointLayer(DATA, {});"
        "var t = new L.IceTime({}, [l], { epoch: '1900-01-01', first: 0, last: 60000, categories: [],"
        "  bar: false, poll: false, search: '?start=2026-01-01&end=2026-01-31', text: WORDS, locale: 'es-US' });"
        "var whole = t.label(); t.show(1); var step = t.label(); t.setUnit('month'); t.show(0);"
        "console.log(JSON.stringify({ whole: whole, step: step, month: t.label() }));",
        scripts=("canvas.js", "timebar.js"), DATA=json.loads(layer.to_json()), WORDS=time_words("es"),
    )
    assert out["whole"].startswith("Todo el rango: 2026-01-01 \u2013 2026-01-31 \u00b7 ")
    assert out["step"].startswith("semana 2 de 5: 2026-01-05 \u2013 2026-01-11 \u00b7 ")
    assert out["month"].startswith("mes 1 de 1: ")
    assert all(label.endswith(("incidente", "incidentes")) for label in out.values()), out


def test_a_link_outside_the_data_is_told_in_spanish():
    at = _app_in("es", start="1990-01-01", end="1990-12-31")
    told = " ".join(i.value for i in at.info)
    assert "Las fechas del enlace (1990-01-01 a 1990-12-31) están fuera de los datos" in told
    at = _app_in("es", start="2026-01-01", end="2026-01-31")
    help_text = next(m for m in at.metric if m.label == "Centros con personas detenidas").help
    assert help_text.startswith("Centros en el mapa cuyas cifras")


def test_popup_words_of_the_script_come_from_the_catalogue(tmp_path, tiny_incidents):
    from jsharness import run_js, text_of

    from layers._text import popup_words

    assert run_js(tmp_path, "console.log(JSON.stringify(L.CanvasPointLayer.WORDS));") == popup_words("en")
    es = popup_words("es")
    assert all(es[k] != v for k, v in popup_words("en").items())
    out = run_js(
        tmp_path,
        "new L.CanvasPointLayer(DATA, OPTIONS);"
        "var chart = L.CanvasPointLayer.sparkline(doc, ['2025-01', '2025-02', '2025-03'], [1200.5, 2235, 2057], "
        "  'people held on an average day');"
        "console.log(JSON.stringify(chart));",
        DATA={"lon": [0], "lat": [0]}, OPTIONS={"text": es, "locale": "es-US"},
    )
    caption = "People held on an average day, 2025-01 a 2025-03: máximo 2,235 (2025-02), último 2,057 (2025-03)"
    assert caption in text_of(out) and "peak" not in text_of(out)
