"""ICE's offices: the importer, the bundled file, the view, the CLI export, the layer."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_app import map_script, run_app

from geodata import GeodataError, Report, View, load_bundle, select
from geodata.cli import main
from geodata.sources.ddp_offices import OFFICE_COLUMNS, OFFICES_FILE, load_offices, read_offices
from geodata.store import DATA_DIR

OFFICES = "deportation-data-project/ice-offices.xlsx"


def test_read_offices_keeps_every_office(shared_data):
    report = Report()
    offices = read_offices(shared_data / OFFICES, report)
    assert len(offices) == 275 and offices["id"].is_unique
    assert list(offices.columns[:-1]) == list(OFFICE_COLUMNS)
    assert offices["agency"].value_counts().to_dict()["ERO"] == 146
    assert offices["agency"].value_counts().to_dict()["HSI"] == 31
    assert int(offices.geometry.isna().sum()) == 5 == len(report.of("unplaced"))
    spm = offices[offices["name"] == "St. Paul Field Office"].iloc[0]
    assert spm["agency_name"] == "Enforcement and Removal Operations" and spm["state"] == "MN"
    assert spm.geometry.y == pytest.approx(44.88, abs=0.05)


def test_bundled_offices_equal_a_rebuild(shared_data, tmp_path):
    from geodata.export.writers import to_geojson

    text = to_geojson({"offices": read_offices(shared_data / OFFICES)}, keep_unplaced=True)
    assert text == (DATA_DIR / OFFICES_FILE).read_text(encoding="utf-8")


def test_offices_get_their_aor_by_place():
    offices = load_offices()
    by_name = offices.set_index("name")["aor"]
    assert by_name["St. Paul Field Office"] == "SPM"
    assert by_name["Atlanta Field Office"] == "ATL"
    assert pd.isna(by_name["Agana, GU"])  # Guam: no AOR polygon


def test_unreadable_offices_table_is_one_clear_error(tmp_path):
    bad = tmp_path / "offices.csv"
    bad.write_text("name,lat\nx,1\n")
    with pytest.raises(GeodataError, match="offices.csv: not DDP's ICE offices table"):
        read_offices(bad)


def test_view_shows_offices_only_when_asked():
    bundle = load_bundle()
    assert "offices" not in select(bundle.facilities, bundle.incidents, View())
    assert View().to_params() == {}
    view = View.from_params({"layer": "facilities,offices"})
    assert view.layers == ("facilities", "offices") and view.to_params() == {"layer": "facilities,offices"}
    frames = select(bundle.facilities, bundle.incidents, View(layers=("offices",), aors=("SPM",)))
    assert set(frames) == {"offices"} and set(frames["offices"]["aor"]) == {"SPM"}
    assert len(frames["offices"]) == 15
    # Harlingen has no polygon (UWCHR's table predates it): its ERO offices come with it by field office.
    hlg = select(bundle.facilities, bundle.incidents, View(layers=("offices",), aors=("HLG",)))["offices"]
    assert set(hlg["name"]) == {"Harlingen Field Office", "Harlingen, TX"}


def test_cli_exports_the_offices_layer(tmp_path, capsys):
    out = tmp_path / "offices.geojson"
    assert main(["export", "--layer", "offices", "-o", str(out)]) == 0
    features = json.loads(out.read_text())["features"]
    assert len(features) == 270  # the five without coordinates are not features
    assert {f["properties"]["layer"] for f in features} == {"office"}
    assert "270 features" in capsys.readouterr().err


def test_offices_layer_draws_each_office_by_agency():
    from layers import build_map
    from layers.areas import OFFICE_COLORS, offices_layer

    offices = load_offices()
    layer = offices_layer(offices)
    assert len(layer) == 270 and layer.dropped == 5
    html = build_map(None, None, tiles=None, overlays=[layer]).get_root().render()
    assert "ICE offices" in html and "Enforcement and Removal Operations" in html
    assert OFFICE_COLORS["HSI"] in html


def test_app_draws_offices_and_aor_shading_from_the_link():
    at = run_app(timeout=90, layer="facilities,incidents,offices", aor_map="incidents", aor="SPM")
    assert at.session_state["map_points"]["ICE offices"] == 15
    script = map_script(at)
    import re

    assert "Incidents by ICE area of responsibility" in script
    assert re.search(r"St\. Paul \(SPM\): \d+ incidents?", script)
    assert at.query_params["aor_map"] == "incidents" and at.query_params["aor"] == "SPM"
    # ICE arrests are a layer of the list like the other measures (layers.measures).
    assert not at.checkbox(key="layer_arrests").value
