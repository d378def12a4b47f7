"""The measure layer kind (layers/measures.py, layers/js/measures.js): what the page carries, and the browser's
sums equal geodata.view.measures's for the same dates."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest
from jsharness import NODE, needs_node

from geodata.core.measures import MEASURE_COLUMNS, load_measure, validate_measure_table
from geodata.view.measures import values_for_range
from layers._compact import day_of
from layers._script import script_source
from layers.measures import figure_cards, measure_layer, measure_layer_data


def _summarise_in_node(tmp_path, data, windows, category=-1):
    script = (
        "global.L = { FeatureGroup: { extend: function (p) { var C = function () {}; C.prototype = p; return C; } },\n"
        "  setOptions: function (o, x) { o.options = x; return x; } };\n"
        f"eval({json.dumps(script_source('polyline.js'))});\n"
        f"eval({json.dumps(script_source('measures.js'))});\n"
        f"var data = {json.dumps(data)}, windows = {json.dumps(windows)};\n"
        "var out = windows.map(function (w) {\n"
        f"  var s = L.MeasureLayer.summarise(data, w[0], w[1], {category}), vals = {{}};\n"
        "  for (var k in s.values) { vals[data.places[k].id] = [s.values[k], s.first[k], s.last[k]]; }\n"
        "  return { values: vals, asOf: s.asOf };\n"
        "});\n"
        "console.log(JSON.stringify(out));\n"
    )
    path = tmp_path / "measures.js"
    path.write_text(script)
    result = subprocess.run([NODE, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_node
@pytest.mark.parametrize("key, aors, category", [("usbp", (), ""), ("atd", (), ""), ("atd", (), "GPS"),
                                                 ("287g", (), ""), ("287g", (), "Task Force Model"),
                                                 ("287g", ("SPM",), "")])
def test_the_browser_sums_as_python_does(tmp_path, key, aors, category):
    from geodata.view.measures import filter_aors

    table = filter_aors(load_measure(key), aors)
    data = measure_layer_data(key, table)
    ranges = [("2024-10-01", "2024-10-31"), ("2020-03-15", "2021-02-10"), ("2025-11-01", "2026-02-01"),
              ("1999-01-01", "2030-01-01"), ("2026-04-05", "2026-12-31"), ("2025-06-10", "2025-06-12")]
    ci = data["categories"].index(category) if category else -1
    got = _summarise_in_node(tmp_path, data, [[day_of(a), day_of(b)] for a, b in ranges], ci)
    for (a, b), js in zip(ranges, got):
        py = values_for_range(table, key, a, b, category=category)
        assert js["values"] == {p: [v, day_of(s), day_of(e)] for p, v, s, e in
                                zip(py["place_id"], py["value"], py["period_start"], py["period_end"])}, (a, b)
        as_of = py.attrs["as_of"]
        assert js["asOf"] == (day_of(as_of) if as_of else None)
    assert any(js["values"] for js in got)


def test_the_page_carries_values_not_geometry():
    layer = measure_layer("atd", load_measure("atd"), regions_url="../regions/us-regions.json",
                          aor_url="../aor/ice-aor-areas.json")
    text = layer.js_data()
    assert '"points"' not in text and '"counts"' not in text  # polygons come from the bundle's files
    assert len(text) < 100_000
    assert layer.options["aorUrl"].endswith("ice-aor-areas.json")
    assert {p["kind"] for p in layer.data["places"]} == {"aor"}
    assert "Harlingen" in " ".join(p["name"] for p in layer.data["places"])
    assert 'class="ice-measure-legend" data-measure="atd"' in layer.legend_html()


def test_the_page_holds_only_the_url_of_a_measure_s_rows_with_data_url():
    from layers.measures import measure_overlays

    table = load_measure("287g")
    saved = {}
    layers = measure_overlays({"287g": (table, None)}, regions_url="r.json", aor_url="a.json",
                              files=("../records", lambda name, data: saved.__setitem__(name, data)))
    (layer,) = layers
    page = layer.js_data()
    assert len(page) < 300 and '"rows"' not in page and "Task Force Model" not in page
    (name, data), = saved.items()
    assert layer.data["file"] == {"url": f"../records/{name}", "bytes": len(data)}
    full = json.loads(data)
    assert full == json.loads(json.dumps(measure_layer_data("287g", table)))
    assert name.startswith("measure-287g-") and name.endswith(".json")
    # Named by the rows' digest: other rows, another file; the same rows, the same name.
    other = measure_layer("287g", table[table["place_kind"] == "state"], data_url="../records")
    assert other.data_file()[0] != name
    assert measure_layer("287g", table, data_url="../records").data_file()[0] == name
    assert measure_layer("287g", table).data_file() is None and '"rows"' in measure_layer("287g", table).js_data()


def test_sectors_carry_their_headquarters_point():
    data = measure_layer_data("usbp", load_measure("usbp"))
    tucson = next(p for p in data["places"] if p["id"] == "tucson-az")
    assert (tucson["lat"], tucson["lon"]) == (32.222, -110.926)


def test_287g_popups_list_the_agencies():
    table = validate_measure_table(pd.DataFrame(
        [("287g", "county", "27141", "", "2025-10-01", "2025-10-31", 1, "https://www.ice.gov/")],
        columns=list(MEASURE_COLUMNS)), "287g")
    detail = pd.DataFrame([{"place_kind": "county", "place_id": "27141", "agency": "Sherburne County Sheriff's Office",
                            "agency_type": "County", "model": "Jail Enforcement Model", "signed": "2025-10-17",
                            "first_seen": "2025-11", "last_seen": "2026-05", "snapshots": "7"}])
    data = measure_layer_data("287g", table, detail=detail, lang="es")
    assert data["detail"] == {"0": [["Sherburne County Sheriff's Office", "Jail Enforcement Model", "2025-10-17",
                                     "7"]]}
    assert data["label"] == "Acuerdos 287(g)" and data["text"]["agencies"] == "Agencias"


def test_figure_cards_say_the_date_of_a_stock():
    fig = {"measure": "atd", "available": True, "total": 180701.0, "places": 25, "counties": 0,
           "as_of": "2026-04-04", "covered": ("2026-04-04", "2026-04-04")}
    ((label, value, _help),) = figure_cards([fig])
    assert value == "180,701" and label == "People on ATD (as of Apr 4, 2026)"
    ((label, value, _help),) = figure_cards([{"measure": "arrests", "available": False}], "es")
    assert value == "—" and "geodata fetch ddp-arrests" in _help
