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
