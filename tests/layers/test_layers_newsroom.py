"""Words of the layers in the page's language, and the record id in every popup (issue 19)."""

from __future__ import annotations

from geodata import load_bundle
from layers import facilities_layer


def test_first_and_last_seen_are_in_spanish_and_each_popup_shows_its_record_id():
    fac = load_bundle().facilities
    fac = fac[fac.geometry.notna() & fac["first_seen"].fillna("").ne("")].head(20)
    es = facilities_layer(fac, lang="es")
    seen = [v for v in es.field_values("En las listas de centros de ICE") if v]
    assert seen and all(v.startswith("visto por primera vez en FY") for v in seen)
    assert es.field_values("ID del registro") == [str(i) for i in es.ids]
    en = facilities_layer(fac, lang="en")
    assert all(v.startswith("first seen FY") for v in en.field_values("In ICE's facility lists") if v)


def test_facility_types_inspections_and_locations_are_in_spanish_in_popups():
    from geodata.core.schema import FACILITY_TYPE_LABELS
    from layers.i18n import translations

    _ = translations("es").gettext
    fac = load_bundle().facilities
    fac = fac[fac.geometry.notna()]
    es = facilities_layer(fac, lang="es")
    types = [v for v in es.field_values(_("Type")) if v]
    assert types and not any(label in v for v in types for label in FACILITY_TYPE_LABELS.values())
    assert any(v.startswith("Acuerdo intergubernamental de servicio (IGSA)") for v in types)
    inspections = [v for v in es.field_values(_("Last inspection")) if v]
    assert inspections
    assert not any(w in v for v in inspections for w in ("ended ", "standard ", "rated ", "Pass", "Regular"))
    assert any("calificación: Aprobada" in v for v in inspections)
    places = [v for v in es.field_values(_("Location")) if v]
    assert places and not any("centroid of ZIP" in v or "centre of the ZIP" in v for v in places)
    assert sum("centroide del código postal" in v for v in places) > 400
    # Names, ZIPs and ICE's acronyms stay as the sources wrote them.
    en = facilities_layer(fac, lang="en")
    assert any("centroid of ZIP" in v for v in en.field_values("Location") if v)
    assert any("ODO" in v for v in inspections)


def test_every_location_phrase_the_pipeline_writes_reads_in_spanish():
    from layers._text import method_text

    for method, want in [
        ("at the facility ELOY FEDERAL CONTRACT FACILITY: centroid of ZIP 85131 (Eloy, AZ)",
         "en el centro ELOY FEDERAL CONTRACT FACILITY: centroide del código postal 85131 (Eloy, AZ)"),
        ("centre of the ZIP areas of Riverside, CA; ZIP 92225 is Blythe's, not Riverside's: placed at the city "
         "the record names", "centro de las zonas postales de Riverside, CA; el código postal 92225 es de Blythe, "
         "no de Riverside: ubicado en la ciudad que nombra el registro"),
        ("city named in the facility's name: centre of the ZIP areas of Columbia, SC (facility not in the facility "
         "layer)", "ciudad que figura en el nombre del centro: centro de las zonas postales de Columbia, SC "
         "(centro que no está en la capa de centros)"),
        ("a method of the user's own", "a method of the user's own"),
    ]:
        assert method_text(method, "es") == want
        assert method_text(method, "en") == method


def test_the_facility_table_names_types_in_the_page_language_and_keeps_the_codes():
    from layers.figures import facility_table, table_display
    from layers.i18n import Text

    table = facility_table(load_bundle().facilities, None)
    es, en = table_display(table, Text("es")), table_display(table, Text("en"))
    assert "Acuerdo intergubernamental de servicio (IGSA)" in set(es["Tipo"])
    assert "Intergovernmental service agreement (IGSA)" in set(en["Type"])
    assert not set(es["Tipo"].dropna()) & set(en["Type"].dropna()) - set(table["facility_type"])
    assert "IGSA" in set(table["facility_type"])  # the table's CSV keeps ICE's codes
