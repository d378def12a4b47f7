"""The app on a store folder (ICE_MAP_STORE): what the command line imported is on the map."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geodata import load_bundle
from geodata.cli import main

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run(opened: tuple = (), **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    for key in opened:  # expanders built only once opened (the facility table)
        at.session_state[key] = True
    at.run()
    return at


def test_app_shows_the_store_the_cli_wrote(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    assert main(["init", "--store", str(folder)]) == 0
    src = tmp_path / "in.csv"
    src.write_text("date,title,city,state,source_url\n2026-01-09,Raid at a car wash,El Paso,TX,https://e.org/1\n")
    assert main(["import", "incidents", str(src), "--store", str(folder), "-q"]) == 0
    monkeypatch.setenv("ICE_MAP_STORE", str(folder))
    at = _run(start="2026-01-09", end="2026-01-09", layer="incidents")
    assert not at.exception, at.exception
    bundle = load_bundle()
    on_day = bundle.incidents[(bundle.incidents["date_start"] <= "2026-01-09")
                              & (bundle.incidents["date_end"] >= "2026-01-09")]
    assert at.session_state["map_points"]["Incidents"] == len(on_day) + 1


def test_downloads_are_built_only_on_a_click(monkeypatch):
    from streamlit.elements.widgets import button

    handed = []
    original = button.marshall_file

    def spy(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        handed.append((file_name, callable(data)))
        return original(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(button, "marshall_file", spy)
    at = _run()
    assert not at.exception
    # The view as GeoJSON and CSV, the map as PNG and PDF: each built on its click.
    assert sorted(n.rsplit(".", 1)[1] for n, _ in handed) == ["csv", "geojson", "pdf", "png"]
    handed.clear()
    at.session_state["facility_table"] = True  # and the facility table as CSV, once its expander is open
    at.run()
    assert sorted(n.rsplit(".", 1)[1] for n, _ in handed) == ["csv", "csv", "geojson", "pdf", "png"]
    assert all(lazy for _, lazy in handed)
    assert any("features in view" in c.value for c in at.caption)


def test_a_damaged_store_is_a_message_without_the_server_path(tmp_path, monkeypatch):
    folder = tmp_path / "broken-store"
    assert main(["init", "--store", str(folder)]) == 0
    (folder / "manifest.json").write_text("{")
    monkeypatch.setenv("ICE_MAP_STORE", str(folder))
    at = _run()
    assert not at.exception
    (err,) = at.error
    assert "broken-store" in err.value and str(tmp_path) not in err.value


def test_the_search_on_a_store_finds_a_death_in_custody(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    assert main(["init", "--store", str(folder)]) == 0
    deaths = load_bundle().incidents
    death = deaths[(deaths["category"] == "death_in_custody") & deaths.geometry.notna()].iloc[0]
    monkeypatch.setenv("ICE_MAP_STORE", str(folder))
    at = _run()
    at.text_input(key="find").input(death["title"]).run()
    assert not at.exception, at.exception
    labels = at.selectbox(key="found").options
    assert f"{death['title']} — {death['date']}" in labels


def test_app_shows_a_view_of_a_postgis_store(pg_store, pg_url, monkeypatch):
    monkeypatch.setenv("ICE_MAP_STORE", pg_url)
    at = _run(start="2025-01-01", end="2025-12-31", layer="incidents")
    assert not at.exception, at.exception
    inc = load_bundle().incidents
    shown = inc[(inc["date_start"] <= "2025-12-31") & (inc["date_end"] >= "2025-01-01") & inc.geometry.notna()]
    assert at.session_state["map_points"]["Incidents"] == len(shown) > 0
